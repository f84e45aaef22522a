"""scripts/report-page on the fixture run (plots need matplotlib)."""
import atexit
import base64
import os
import re
import shutil
import tempfile
import unittest

from common import EXPECTED_PLOTS, FIX, RESULTS, TSAN, TmpDir, need_matplotlib, run, script


_TEMPLATE = {}


def make_run(test, with_tsan_latest=False):
    """A run dir like reports/<run>/ with results.csv, run.json and plots/
    (plotted once per process, copied per test)."""
    py = need_matplotlib(test)
    if "dir" not in _TEMPLATE:
        tpl = tempfile.mkdtemp(prefix="tl-scripts-run-")
        atexit.register(shutil.rmtree, tpl, True)
        shutil.copy(RESULTS, os.path.join(tpl, "results.csv"))
        shutil.copy(os.path.join(FIX, "run.json"), os.path.join(tpl, "run.json"))
        r = run([script("plot"), "-q", os.path.join(tpl, "results.csv")], python=py)
        test.assertEqual(r.returncode, 0, r.stderr)
        _TEMPLATE["dir"] = tpl
    reports = os.path.join(test.tmp, "reports")
    run_dir = os.path.join(reports, "20250101T120000Z-fixture")
    shutil.copytree(_TEMPLATE["dir"], run_dir)
    if with_tsan_latest:
        shutil.copytree(TSAN, os.path.join(reports, "tsan", "latest"))
    return run_dir


class Page(TmpDir):
    def test_page_embeds_every_plot_and_nothing_external(self):
        run_dir = make_run(self)
        r = run([script("report-page"), run_dir, "--tsan", TSAN])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        with open(os.path.join(run_dir, "index.html")) as f:
            page = f.read()
        pngs = sorted(n[:-4] for n in os.listdir(os.path.join(run_dir, "plots")) if n.endswith(".png"))
        self.assertEqual(len(pngs), len(EXPECTED_PLOTS))
        embedded = re.findall(r'<img class="plot" data-plot="([^"]+)" alt="[^"]*" '
                              r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
        self.assertEqual(sorted(s for s, _ in embedded), pngs)
        for stem, data in embedded:
            with open(os.path.join(run_dir, "plots", stem + ".png"), "rb") as f:
                self.assertEqual(base64.b64decode(data), f.read(), stem)
        # self-contained: every src is a data: URI, no stylesheet/script links
        srcs = re.findall(r'\ssrc="([^"]*)"', page)
        self.assertTrue(srcs and all(s.startswith("data:") for s in srcs))
        self.assertNotRegex(page, r"<link\b|<script\b|@import|url\(")
        # facts from run.json, ratio tables, TSan summary from --tsan
        for text in ("threadlab run 20250101T120000Z-fixture", "gcc 12.2.0", "From run.json",
                     "<h2>Ratios</h2>", "pthread_mutex/contended", "CPython peer vs ours",
                     "lockjoin-unlocked", "lock-order-inversion", "<th>precision</th>",
                     "<th>location_a</th>", "Verdict per case and detector",
                     "GLib GRecMutex not built", "<td><b>TP</b></td>",
                     "<code>bench/workloads/lockjoin.c:98</code>",
                     # an escaped \| stays inside its table cell
                     "<td>one-cpu: 66, 0.40; spread: 66, 0.41 | threads-x2: 66, 0.39</td>"):
            self.assertIn(text, page)
        self.assertIn("<pre>WARNING: ThreadSanitizer: data race (pid=4242)", page)

    def test_tsan_latest_found_next_to_run_dir(self):
        run_dir = make_run(self, with_tsan_latest=True)
        r = run([script("report-page"), run_dir])
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(run_dir, "index.html")) as f:
            page = f.read()
        self.assertIn("deadlock-two-locks", page)

    def test_without_tsan_or_run_json(self):
        run_dir = make_run(self)
        os.remove(os.path.join(run_dir, "run.json"))
        r = run([script("report-page"), run_dir])
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(run_dir, "index.html")) as f:
            page = f.read()
        self.assertIn("No TSan summary found", page)
        self.assertIn("the CSV&#x27;s fact columns", page)
        self.assertIn("fixture-host", page)

    def test_bad_inputs_exit_2(self):
        run_dir = make_run(self)
        cases = [([os.path.join(self.tmp, "nope")], "no such run directory"),
                 ([run_dir, "--tsan", os.path.join(self.tmp, "nope")], "no such directory")]
        for args, text in cases:
            with self.subTest(args=args):
                r = run([script("report-page")] + args)
                self.assertEqual(r.returncode, 2)
                self.assertIn(text, r.stderr)
        os.remove(os.path.join(run_dir, "plots", "handoff.png"))
        r = run([script("report-page"), run_dir])
        self.assertEqual(r.returncode, 2)
        self.assertIn("handoff.png is missing", r.stderr)
        shutil.rmtree(os.path.join(run_dir, "plots"))
        r = run([script("report-page"), run_dir])
        self.assertEqual(r.returncode, 2)
        self.assertIn("run scripts/plot", r.stderr)
        self.assertNotIn("Traceback", r.stderr)

    def test_malformed_plot_index_exits_2_naming_it(self):
        run_dir = make_run(self)
        index = os.path.join(run_dir, "plots", "index.json")
        for doc in (b"[]", b'{"plots": [{"title": "x"}]}', b'{"plots": [{"stem": 5}]}',
                    b'{"plots": "abc"}', b'{"plots": [], "notes": [1, 2]}',
                    b'{"plots": [{"stem": "handoff", "title": ["x"]}]}', bytes(range(256)),
                    b'{"plots": ' + b"[" * 100000 + b"]" * 100000 + b"}"):
            with self.subTest(doc=doc[:40]):
                with open(index, "wb") as f:
                    f.write(doc)
                r = run([script("report-page"), run_dir])
                self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
                self.assertIn(index + ": ", r.stderr)
                self.assertNotIn("internal error", r.stderr)
                self.assertFalse(os.path.exists(os.path.join(run_dir, "index.html")))

    def test_bad_output_is_refused_before_writing(self):
        run_dir = make_run(self)
        for out, text in ((run_dir, "is a directory"),
                          (os.path.join(self.tmp, "nodir", "x.html"), "does not exist"),
                          ("", "--output needs a file name")):
            with self.subTest(out=out):
                r = run([script("report-page"), run_dir, "-o", out])
                self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
                self.assertIn(text, r.stderr)


if __name__ == "__main__":
    unittest.main()
