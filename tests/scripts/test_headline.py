"""The report page's headline table (scripts/tlreport/headline.py, issue 18):
ours against the native baseline and the best blocking / spinning peer
library of the same run. One synthetic run with known medians: the logic
directly, then the whole page (scripts/plot + scripts/report-page) rendered
by headless Chromium and the table read back from its DOM (skipped without
Chromium or matplotlib)."""
import csv
import html.parser
import os
import subprocess
import tempfile
import unittest

from common import TmpDir, need_matplotlib, run, script
from tlreport import headline, pagecheck, results

HEADER = list(results.COLUMNS) + ["label", "waits"]
FACTS = {"run_id": "20250101T120000Z-peers", "timestamp": "2025-01-01T12:00:00Z", "host": "h",
         "cpu_model": "Test CPU", "packages": "1", "cores": "2", "pus": "2", "allowed_pus": "2",
         "git_commit": "0123456789ab", "build_type": "Release", "mode": "threads", "peer": "c"}
ABSL_NOTE = "Debian's Abseil is built without NDEBUG"


def bench(name, baseline, ns, threads=1, params="", pin="compact", waits="", label="", error="",
          reps=(1.0, 1.02, 0.98)):
    """3 iteration rows + median + cv of one benchmark whose median is ns."""
    prim, variant = name.split("/", 1)
    full = name + ("/pin:%s" % pin if threads > 1 else "") + "/threads:%d" % threads
    base = dict(FACTS, name=full, primitive=prim, variant=variant, params=params, baseline=baseline,
                threads=str(threads), pin_policy=pin, cpus_used="0;1", oversubscribed="0",
                iterations="1000", label=label, waits=waits, error=error, counters="")
    rows = []
    times = [ns * f for f in reps]
    for i, t in enumerate(times):
        rows.append(dict(base, row_type="iteration", aggregate="", repetition=str(i),
                         real_ns="" if error else repr(t), cpu_ns="" if error else repr(t)))
    if not error:
        rows.append(dict(base, row_type="aggregate", aggregate="median", repetition="",
                         real_ns=repr(ns), cpu_ns=repr(ns)))
        rows.append(dict(base, row_type="aggregate", aggregate="cv", repetition="",
                         real_ns="0.02", cpu_ns="0.02"))
    return rows


def synthetic_rows():
    rows = []
    # lock/uncontended: best blocking std_mutex (19 < absl 22), best spinning ck fas
    rows += bench("lock/uncontended", "pthread_mutex/uncontended", 18.0)
    rows += bench("pthread_mutex/uncontended", "", 20.0)
    rows += bench("absl_mutex/uncontended", "pthread_mutex/uncontended", 22.0, waits="block", label=ABSL_NOTE)
    rows += bench("std_mutex/uncontended", "pthread_mutex/uncontended", 19.0, waits="block")
    rows += bench("ck_spinlock_fas/uncontended", "pthread_mutex/uncontended", 9.0, waits="spin")
    # lock/contended, 2 threads: absl (blocking) beats ours; ck ticket errored
    p = "cs=0;work=0"
    rows += bench("lock/contended", "pthread_mutex/contended", 70.0, 2, p)
    rows += bench("pthread_mutex/contended", "", 100.0, 2, p)
    rows += bench("absl_mutex/contended", "pthread_mutex/contended", 40.0, 2, p, waits="block", label=ABSL_NOTE)
    rows += bench("ck_spinlock_fas/contended", "pthread_mutex/contended", 50.0, 2, p, waits="spin")
    rows += bench("ck_spinlock_ticket/contended", "pthread_mutex/contended", 1.0, 2, p, waits="spin",
                  error="mutual exclusion broken")
    # a peer at other params does not pair with ours at cs=0
    rows += bench("ck_spinlock_mcs/contended", "pthread_mutex/contended", 5.0, 2, "cs=100;work=0", waits="spin")
    # queue/put_get: only peers, no native baseline row in the run
    rows += bench("queue/put_get", "mutexcond_ring/put_get", 20.0, params="kind=0")
    rows += bench("urcu_wfcq/put_get", "mutexcond_ring/put_get", 17.0, params="kind=0", waits="spin")
    rows += bench("tbb_bounded_cq/put_get", "mutexcond_ring/put_get", 33.0, params="kind=0", waits="block")
    # event and condition ping-pongs share the futex floor: each gets its own
    # peers (headline.PEER_OF), not the other's faster ones
    pp = "placement=0"
    rows += bench("event/pingpong", "futex/pingpong", 3000.0, 2, pp)
    rows += bench("condition/pingpong", "futex/pingpong", 4000.0, 2, pp)
    rows += bench("futex/pingpong", "", 5000.0, 2, pp)
    rows += bench("absl_notification/pingpong", "futex/pingpong", 6000.0, 2, pp, waits="block")
    rows += bench("absl_condvar/pingpong", "futex/pingpong", 2000.0, 2, pp, waits="block")
    # ours without any peer: no headline row
    rows += bench("rlock/uncontended", "pthread_mutex_recursive/uncontended", 25.0)
    rows += bench("pthread_mutex_recursive/uncontended", "", 24.0)
    return rows


# (primitive, pattern, ours, baseline, baseline time, blocking, time, spinning, time,
#  ours/baseline, ours/blocking, ours/spinning)
EXPECTED = [
    ("lock", "uncontended, 1 thread", "18 ns", "pthread_mutex", "20 ns", "std_mutex", "19 ns",
     "ck_spinlock_fas", "9 ns", "\u00d70.9", "\u00d70.947", "\u00d72"),
    ("lock", "contended, cs=0 work=0, 2 threads", "70 ns", "pthread_mutex", "100 ns", "absl_mutex *",
     "40 ns", "ck_spinlock_fas", "50 ns", "\u00d70.7", "\u00d71.75", "\u00d71.4"),
    ("queue", "put_get, kind=0, 1 thread", "20 ns", "-", "-", "tbb_bounded_cq", "33 ns", "urcu_wfcq",
     "17 ns", "-", "\u00d70.606", "\u00d71.18"),
    ("event", "pingpong, placement=0, 2 threads", "3 us", "futex", "5 us", "absl_notification",
     "6 us", "-", "-", "\u00d70.6", "\u00d70.5", "-"),
    ("condition", "pingpong, placement=0, 2 threads", "4 us", "futex", "5 us", "absl_condvar",
     "2 us", "-", "-", "\u00d70.8", "\u00d72", "-"),
]


def write_run(tmp):
    run_dir = os.path.join(tmp, "reports", "20250101T120000Z-peers")
    os.makedirs(run_dir)
    with open(os.path.join(run_dir, "results.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=HEADER, lineterminator="\n")
        w.writeheader()
        w.writerows(synthetic_rows())
    return run_dir


class TableParser(html.parser.HTMLParser):
    """The cells (text) of every <tr> of <table id="headline-table">."""

    def __init__(self):
        super().__init__()
        self.rows, self.depth, self.cell = [], 0, None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and dict(attrs).get("id") == "headline-table":
            self.depth = 1
        elif self.depth and tag == "tr":
            self.rows.append([])
        elif self.depth and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if self.depth and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append("".join(self.cell).strip())
            self.cell = None
        elif self.depth and tag == "table":
            self.depth = 0

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def table_cells(page_html):
    p = TableParser()
    p.feed(page_html)
    return p.rows


class HeadlineLogic(TmpDir):
    def test_lines(self):
        run_dir = write_run(self.tmp)
        pts = [p for p in results.points(results.load(os.path.join(run_dir, "results.csv"))) if p.ok]
        ls = headline.lines(pts)
        got = [(ln.ours.pv, ln.base.pv if ln.base else None, ln.block and ln.block.pv, ln.spin and ln.spin.pv)
               for ln in ls]
        self.assertEqual(got, [
            ("lock/uncontended", "pthread_mutex/uncontended", "std_mutex/uncontended",
             "ck_spinlock_fas/uncontended"),
            ("lock/contended", "pthread_mutex/contended", "absl_mutex/contended", "ck_spinlock_fas/contended"),
            ("queue/put_get", None, "tbb_bounded_cq/put_get", "urcu_wfcq/put_get"),
            ("event/pingpong", "futex/pingpong", "absl_notification/pingpong", None),
            ("condition/pingpong", "futex/pingpong", "absl_condvar/pingpong", None),
        ])
        self.assertAlmostEqual(headline.Line.ratio(ls[1].ours, ls[1].block), 70.0 / 40.0)

    def test_no_peers_says_so(self):
        self.assertIn("No peer library ran", headline.section([]))


class HeadlineInChromium(TmpDir):
    def setUp(self):
        super().setUp()
        self.chromium = pagecheck.find_chromium()
        if not self.chromium:
            self.skipTest("chromium not installed (Debian: apt-get install chromium, or "
                          "scripts/install-deps with its browser option; TL_CHROMIUM=path)")

    def dump_dom(self, page):
        with tempfile.TemporaryDirectory(prefix="tl-headline-") as prof:
            cmd = [self.chromium] + list(pagecheck.FLAGS) + [
                "--user-data-dir=" + prof, "--dump-dom", "file://" + os.path.abspath(page)]
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120,
                               env=dict(os.environ, HOME=prof), stdin=subprocess.DEVNULL)
        out = p.stdout.decode("utf-8", "replace")
        self.assertIn("</html>", out, "chromium (exit %d) dumped no DOM: %s"
                      % (p.returncode, p.stderr.decode("utf-8", "replace")[-500:]))
        return out

    def test_page_opens_with_the_headline_table(self):
        py = need_matplotlib(self)
        run_dir = write_run(self.tmp)
        r = run([script("plot"), "-q", os.path.join(run_dir, "results.csv")], python=py)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = run([script("report-page"), run_dir])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        dom = self.dump_dom(os.path.join(run_dir, "index.html"))
        # the first section of the page, before the run facts
        self.assertLess(dom.index('id="headline"'), dom.index('id="facts"'))
        rows = table_cells(dom)
        self.assertEqual(rows[0][:4], ["primitive", "pattern", "ours", "native baseline"])
        body = [tuple(r[:12]) for r in rows[1:]]
        self.assertEqual(body, EXPECTED)
        # cv column: ours / baseline / blocking / spinning
        self.assertEqual(rows[1][12], "2.0% / 2.0% / 2.0% / 2.0%")
        self.assertEqual(rows[3][12], "2.0% / - / 2.0% / 2.0%")
        # the Abseil note is on the cell (hover)
        self.assertIn('title="%s"' % ABSL_NOTE.replace("'", "&#x27;"), open(
            os.path.join(run_dir, "index.html")).read())


if __name__ == "__main__":
    unittest.main()
