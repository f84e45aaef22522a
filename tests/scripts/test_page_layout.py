"""The report page as a reader meets it (issue 14): run facts first, readable
values, notices in one collapsed line, one time unit, racy baselines not
called worse, real thread counts; in Chromium, the sections' order and a
ratio view one screen wide shown at full size. Plots need matplotlib."""
import csv
import json
import os
import re
import struct
import unittest

from common import FIX, RESULTS, TmpDir, run, script
from test_page import make_run
from tlreport import pagecheck


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    return struct.unpack(">II", head[16:24])


class PageLayout(TmpDir):
    def page(self, run_dir):
        r = run([script("report-page"), run_dir])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        with open(os.path.join(run_dir, "index.html"), encoding="utf-8") as f:
            return f.read()

    def test_facts_first_and_readable(self):
        run_dir = make_run(self)
        with open(os.path.join(FIX, "run.json")) as f:
            doc = json.load(f)
        doc.update(quick=True, threads="", filter="", skipped=[
            {"name": "lock/contended", "reason": "thread-only: no process mode"},
            {"name": "barrier/wait", "reason": "thread-only: no process mode"}])
        with open(os.path.join(run_dir, "run.json"), "w") as f:
            json.dump(doc, f)
        page = self.page(run_dir)
        h2 = [h for h in re.findall(r"<h2>([^<]+)</h2>", page) if h != "Ours against the field"]
        self.assertEqual(h2[0], "Run facts", h2)  # first after the headline table, when peers ran
        facts = page[page.index('<section id="facts">'):]
        facts = facts[:facts.index("</section>")]
        self.assertIn("<dt>quick</dt><dd>yes</dd>", facts)
        self.assertIn("<dt>threads</dt><dd>default sweep", facts)
        self.assertIn("<dt>filter</dt><dd>none (the whole suite)</dd>", facts)
        self.assertIn("<summary>2: thread-only: no process mode</summary>lock/contended, barrier/wait", facts)
        self.assertIn("<dt>topology</dt><dd>1 packages, 2 cores, 2 pus, 2 allowed_pus, 0-1 allowed_cpuset</dd>",
                      facts)
        for raw in ("True", "False", "[{", "{&quot;", "<dd></dd>"):
            self.assertNotIn(raw, facts)

    def test_notices_are_one_collapsed_line(self):
        # a run without pthread_mutex rows: every lock row misses its baseline
        # (the page reads the pairs from the CSV; the fixture's plots stay)
        run_dir = make_run(self)
        with open(RESULTS, newline="") as f:
            rd = csv.DictReader(f)
            header, rows = rd.fieldnames, [x for x in rd if x["primitive"] != "pthread_mutex"]
        with open(os.path.join(run_dir, "results.csv"), "w", newline="") as f:
            w = csv.DictWriter(f, header)
            w.writeheader()
            w.writerows(rows)
        page = self.page(run_dir)
        self.assertEqual(page.count('<details class="notices"'), 1)
        self.assertNotIn('class="warn"', page)
        m = re.search(r'<details class="notices" id="notices"><summary>Notices: ([^<]*)</summary>', page)
        self.assertTrue(m, "no notices line")
        n = int(re.match(r"(\d+) baselines missing", m.group(1)).group(1))
        self.assertGreaterEqual(n, 5)
        notices = page[m.start():page.index("</details>", m.start())]
        self.assertIn("baseline pthread_mutex/contended not in the run", notices)
        # the facts come before the notices, the notices before the ratios
        self.assertLess(page.index('id="facts"'), page.index('id="notices"'))
        self.assertLess(page.index('id="notices"'), page.index('id="ratios"'))

    def test_one_time_unit_racy_baselines_and_thread_counts(self):
        page = self.page(make_run(self))
        body = re.sub(r'src="data:[^"]*"', "", page)
        self.assertNotRegex(body, r"\d us\b")
        self.assertRegex(body, r"\d \u00b5s")
        # lockjoin variants against the racy unlocked one: grey, marked, not "bad"
        rows = [r for r in re.findall(r"<tr>(.*?)</tr>", body) if r.startswith("<td>lockjoin/")]
        self.assertTrue(rows)
        for r in rows:
            self.assertIn("num racy", r)
            self.assertNotIn("num bad", r)
            self.assertIn("<i>(racy)</i>", r)
            # nthreads=100 workloads: 100 threads, not t=1
            self.assertIn("<td class=num>100</td>", r)


class PageLayoutInChromium(TmpDir):
    def setUp(self):
        super().setUp()
        if not pagecheck.find_chromium():
            self.skipTest("chromium not installed (Debian: apt-get install chromium; TL_CHROMIUM=path)")

    def test_sections_and_a_ratio_view_one_screen_wide(self):
        run_dir = make_run(self)
        r = run([script("report-page"), run_dir])
        self.assertEqual(r.returncode, 0, r.stderr)
        res = pagecheck.check(os.path.join(run_dir, "index.html"))
        self.assertEqual(res["broken"], [])
        secs = [s for s in res["sections"] if s in ("headline", "facts", "notices", "ratios", "plots", "tsan")]
        want = ["facts", "notices", "ratios", "plots", "tsan"]
        self.assertEqual([s for s in secs if s != "headline"], want)
        if "headline" in secs:  # the headline table (its own issue) opens the page
            self.assertEqual(secs[0], "headline")
        self.assertEqual(res["viewport"], pagecheck.WINDOW_WIDTH)
        for stem in ("ratio_baseline", "ratio_cpython"):
            nat, shown = res["images"][stem]["natural"], res["images"][stem]["shown"]
            self.assertEqual(png_size(os.path.join(run_dir, "plots", stem + ".png")), nat)
            # one screen wide, and shown 1:1 (not shrunk to unreadable)
            self.assertLessEqual(nat[0], 1300, stem)
            self.assertGreaterEqual(shown[0], nat[0], (stem, nat, shown))
            self.assertLessEqual(shown[0], res["viewport"])


if __name__ == "__main__":
    unittest.main()
