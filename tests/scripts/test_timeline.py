"""The lesson timelines on the report page (issue 16): scripts/tlreport/timeline.py
draws fixtures/traces/*.json (written by tl-workload --trace) as inline SVGs;
headless Chromium must see one drawn timeline per lesson. The Chromium
tests are skipped (CTest: 77) without Chromium."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

from common import HERE, TmpDir, run, script
from test_page import make_run
from tlreport import pagecheck, timeline

TRACES = os.path.join(HERE, "fixtures", "traces")
LESSONS = [stem for stem, _, _ in timeline.LESSONS]

PROBE = """<script>
window.addEventListener('load', function () {
  var figs = document.querySelectorAll('figure[data-timeline]'), ok = [];
  figs.forEach(function (f) {
    var s = f.querySelector('svg'), a = f.querySelector('a[href]');
    var drawn = 0;
    if (s) s.querySelectorAll('rect.span').forEach(function (r) { if (r.getBBox().width > 0) drawn++; });
    if (s && s.getBoundingClientRect().width > 100 && drawn > 0 && a)
      ok.push(f.getAttribute('data-timeline'));
  });
  var p = document.createElement('pre');
  p.textContent = 'TLTIMELINES total=' + figs.length + ' drawn=' + ok.join(',') + ' END';
  document.body.appendChild(p);
});
</script>"""


def with_traces(run_dir):
    shutil.copytree(TRACES, os.path.join(run_dir, timeline.TRACE_SUBDIR))
    return run_dir


class Timeline(TmpDir):
    def test_fixtures_cover_every_lesson(self):
        self.assertEqual(sorted(f[:-5] for f in os.listdir(TRACES)), sorted(LESSONS))

    def test_model_one_row_per_thread(self):
        m = timeline.load(os.path.join(TRACES, "lock.json"))
        self.assertEqual([t[0] for t in m["tracks"]], ["main"] + ["Thread-%d" % i for i in range(1, 11)])
        holds = [s for _, spans, _ in m["tracks"] for s in spans if s[1] == "hold"]
        self.assertEqual(len(holds), 10)
        self.assertGreater(len(m["flows"]), 0)
        lost = [k for _, _, marks in timeline.load(os.path.join(TRACES, "unlocked.json"))["tracks"]
                for k, _, _ in marks if k == "lost"]
        self.assertGreater(len(lost), 0)

    def test_section_draws_every_lesson_with_a_link(self):
        html = timeline.section(with_traces(os.path.join(self.tmp, "run")))
        for stem in LESSONS:
            self.assertRegex(html, r'<figure data-timeline="%s"><svg ' % re.escape(stem))
            self.assertIn('<a href="traces/%s.json">full trace</a>' % stem, html)
        self.assertEqual(html.count("<svg"), len(LESSONS))

    def test_no_traces_and_a_bad_trace_are_said_not_raised(self):
        os.makedirs(os.path.join(self.tmp, "run"))
        self.assertIn("No traces in", timeline.section(os.path.join(self.tmp, "run")))
        tdir = os.path.join(self.tmp, "run", "traces")
        os.makedirs(tdir)
        with open(os.path.join(tdir, "lock.json"), "w") as f:
            f.write('{"traceEvents": [')
        self.assertIn("not a readable trace", timeline.section(os.path.join(self.tmp, "run")))

    def test_names_are_escaped(self):
        m = {"tracks": [("<b>x</b>", [("holding <lock>", "hold", 0, 0.0, 5.0)], [])], "flows": [],
             "t0": 0.0, "t1": 5.0, "process": "a&b", "truncated": False}
        out = timeline.svg(m)
        self.assertNotIn("<b>", out)
        self.assertIn("holding &lt;lock&gt;", out)

    def test_timelines_script_bad_input_exit_2(self):
        r = run([script("timelines"), os.path.join(self.tmp, "nope")])
        self.assertEqual(r.returncode, 2)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        r = run([script("timelines"), self.tmp, "--tl-workload", os.path.join(self.tmp, "none")])
        self.assertEqual(r.returncode, 2)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        # a directory is not an executable
        r = run([script("timelines"), self.tmp, "--tl-workload", self.tmp])
        self.assertEqual(r.returncode, 2)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        self.assertIn("not an executable file", r.stderr)
        # RUN_DIR/traces is a file: said, not a traceback, and the file is kept
        traces = os.path.join(self.tmp, "traces")
        with open(traces, "w") as f:
            f.write("keep")
        r = run([script("timelines"), self.tmp, "--tl-workload", "/bin/true"])
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertEqual(r.stderr.strip().splitlines(),
                         ["timelines: %s: exists and is not a directory (the traces go there)" % traces])
        with open(traces) as f:
            self.assertEqual(f.read(), "keep")
        # argparse errors: one line too
        for args in ([], [self.tmp, "--bogus"]):
            r = run([script("timelines")] + args)
            self.assertEqual(r.returncode, 2)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
            self.assertNotIn("usage:", r.stderr)


class TimelineInChromium(TmpDir):
    def setUp(self):
        super().setUp()
        self.exe = pagecheck.find_chromium()
        if not self.exe:
            self.skipTest("chromium not installed (Debian: apt-get install chromium; TL_CHROMIUM=path)")

    def drawn(self, page):
        with open(page, encoding="utf-8") as f:
            doc = f.read()
        with tempfile.TemporaryDirectory(prefix="tl-timeline-") as tmp:
            probe = os.path.join(tmp, "page.html")
            with open(probe, "w", encoding="utf-8") as f:
                f.write(doc.replace("</body>", PROBE + "</body>", 1))
            profile = os.path.join(tmp, "profile")
            os.mkdir(profile)
            p = subprocess.run([self.exe] + list(pagecheck.FLAGS) + ["--user-data-dir=" + profile, "--dump-dom",
                                                                       "file://" + probe],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=180,
                               env=dict(os.environ, HOME=tmp), stdin=subprocess.DEVNULL)
        m = re.search(r"TLTIMELINES total=(\d+) drawn=(\S*) END", p.stdout.decode("utf-8", "replace"))
        self.assertTrue(m, p.stderr.decode("utf-8", "replace")[-2000:])
        return int(m.group(1)), [x for x in m.group(2).split(",") if x]

    def test_page_shows_every_lesson_timeline(self):
        run_dir = with_traces(make_run(self))
        r = run([script("report-page"), run_dir])
        self.assertEqual(r.returncode, 0, r.stderr)
        total, drawn = self.drawn(os.path.join(run_dir, "index.html"))
        self.assertEqual(total, len(LESSONS))
        self.assertEqual(sorted(drawn), sorted(LESSONS))
        res = pagecheck.check(os.path.join(run_dir, "index.html"))  # the plots still render, nothing external
        self.assertEqual(res["external"], [])
        self.assertEqual(res["broken"], [])

    def test_an_empty_trace_is_not_counted_as_drawn(self):
        # Negative control: a trace with no events draws no spans; the probe must say so.
        run_dir = with_traces(make_run(self))
        with open(os.path.join(run_dir, "traces", "lock.json"), "w") as f:
            f.write('{"traceEvents": [], "otherData": {}}')
        self.assertEqual(run([script("report-page"), run_dir]).returncode, 0)
        total, drawn = self.drawn(os.path.join(run_dir, "index.html"))
        self.assertEqual(total, len(LESSONS))
        self.assertNotIn("lock", drawn)


if __name__ == "__main__":
    import unittest
    sys.exit(unittest.main())
