"""scripts/plot on the committed fixture (needs matplotlib: /usr/bin/python3)."""
import atexit
import json
import os
import shutil
import tempfile
import unittest

from common import EXPECTED_PLOTS, RESULTS, TmpDir, need_matplotlib, run, script


class Plot(TmpDir):
    def setUp(self):
        super().setUp()
        self.py = need_matplotlib(self)

    def plot(self, csv_path, out):
        return run([script("plot"), csv_path, "--out", out], python=self.py)

    _full = {}

    def full_plot(self):
        """The whole fixture plotted once per process (it takes seconds)."""
        if "out" not in self._full:
            tmp = tempfile.mkdtemp(prefix="tl-scripts-plot-")
            atexit.register(shutil.rmtree, tmp, True)
            out = os.path.join(tmp, "plots")
            self._full.update(out=out, r=self.plot(RESULTS, out))
        return self._full["out"], self._full["r"]

    def test_every_family_is_drawn(self):
        out, r = self.full_plot()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        for stem in EXPECTED_PLOTS:
            for ext, magic in (("png", b"\x89PNG\r\n\x1a\n"), ("svg", b"<svg")):
                path = os.path.join(out, "%s.%s" % (stem, ext))
                with self.subTest(path=path):
                    self.assertTrue(os.path.isfile(path), "missing " + path)
                    self.assertGreater(os.path.getsize(path), 1000)
                    with open(path, "rb") as f:
                        head = f.read(4096)
                    self.assertIn(magic, head)
        with open(os.path.join(out, "index.json")) as f:
            manifest = json.load(f)
        self.assertEqual(sorted(m["stem"] for m in manifest["plots"]), sorted(EXPECTED_PLOTS))
        self.assertIn("%d plots" % len(EXPECTED_PLOTS), r.stdout)
        # CPython rows without a C twin are named, not dropped silently
        self.assertIn("CPython row thread/start_join [cpython] has no C row to pair with", r.stdout)

    def test_footnote_title_and_axis_units_in_svg(self):
        out, r = self.full_plot()
        self.assertEqual(r.returncode, 0, r.stderr)
        # SVG text is drawn as paths by default; the fixture facts are in the
        # matplotlib-generated <!-- comments --> of each text element.
        with open(os.path.join(out, "lesson_lock_join_unlocked.svg")) as f:
            svg = f.read()
        for text in ("fixture-host", "Fixture CPU", "1 pkg / 2 cores / 2 PUs", "pin compact",
                     "0123456789ab", "lost updates", "wall time of the whole run",
                     "lock-narrow", "unlocked", "join", "atomic"):
            self.assertIn(text, svg)

    def test_pin_policies_are_separate_series(self):
        """The fixture is a default run: multi-threaded benchmarks under
        compact and scatter. Every figure showing them keeps one series per
        policy (legend says which), and every baseline pairs within its
        policy."""
        out, r = self.full_plot()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("missing for", r.stdout)
        want = {"fairness": "pin=%s", "queue": "pin=%s",  # legend entries
                "scaling_lock": "pthread_mutex/contended (pin %s)",  # one panel per policy
                "ratio_baseline": "contended cs=0,work=0 [%s]"}  # row labels (panel: lock vs pthread_mutex)
        for stem, text in want.items():
            with open(os.path.join(out, stem + ".svg")) as f:
                svg = f.read()
            for pin in ("compact", "scatter"):
                with self.subTest(plot=stem, pin=pin):
                    self.assertTrue(text % pin in svg, "%r not in %s.svg" % (text % pin, stem))

    def test_default_out_dir_is_plots_next_to_csv(self):
        csv_path = self.fixture_subset(lambda p: p in ("event", "futex"), "results.csv")
        r = run([script("plot"), "-q", csv_path], python=self.py)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.isfile(os.path.join(self.tmp, "plots", "handoff.png")))

    def test_missing_column_exits_2_naming_it(self):
        for col in ("counters", "baseline", "threads"):
            with self.subTest(column=col):
                bad = self.fixture_without_column(col, "no-%s.csv" % col)
                out = os.path.join(self.tmp, "p-" + col)
                r = self.plot(bad, out)
                self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                self.assertIn("missing column: %s" % col, r.stderr)
                self.assertNotIn("Traceback", r.stderr)
                self.assertFalse(os.path.exists(out), "no picture from a bad CSV")

    def test_missing_rows_exit_2(self):
        from tlreport.results import COLUMNS
        hdr = self.write_csv("hdr.csv", list(COLUMNS), [])
        r = self.plot(hdr, os.path.join(self.tmp, "p"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("no data rows", r.stderr)
        only_errors = self.fixture_subset(lambda p: p == "grecmutex", "errors.csv")
        r = self.plot(only_errors, os.path.join(self.tmp, "p2"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("no benchmark has timing rows", r.stderr)
        self.assertIn("GLib GRecMutex not built", r.stderr)

    def test_absent_families_are_skipped_with_a_note(self):
        lesson = self.fixture_subset(lambda p: p == "lockjoin", "lesson.csv")
        out = os.path.join(self.tmp, "p")
        r = self.plot(lesson, out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.isfile(os.path.join(out, "lesson_lock_join_unlocked.png")))
        for fam in ("handoff", "wakeup", "fairness", "queue", "executors", "start", "timer",
                    "ratio_cpython", "workload_*", "scaling_*"):
            self.assertIn("skipped " + fam, r.stdout)
            self.assertFalse(os.path.exists(os.path.join(out, fam + ".png")))
        with open(os.path.join(out, "index.json")) as f:
            # lock, lock-narrow, join, atomic name unlocked as their baseline
            self.assertEqual([m["stem"] for m in json.load(f)["plots"]],
                             ["lesson_lock_join_unlocked", "ratio_baseline"])

    def edited_fixture(self, keep, edit, name):
        """Fixture rows whose primitive satisfies keep, each passed to
        edit(row dict) (which changes it in place)."""
        import csv
        with open(RESULTS, newline="") as f:
            r = csv.DictReader(f)
            header = r.fieldnames
            rows = [row for row in r if keep(row["primitive"])]
        for row in rows:
            edit(row)
        return self.write_csv(name, header, [[row[c] for c in header] for row in rows])

    def test_unusable_values_are_not_drawn_and_no_family_fails(self):
        """Values the CSV check lets through (text or inf counters, a real_ns
        of 0) are skipped, never a family that fails (exit 1)."""
        import re

        def counters(row):
            if "lockjoin/unlocked" in row["name"]:
                row["counters"] = re.sub(r"final_n=[^;]*", "final_n=lots", row["counters"])
            row["counters"] = re.sub(r"wall_s=[^;]*", "wall_s=inf", row["counters"])

        def zero(row):
            if "queue/spsc/pin:compact/cap:1/" in row["name"]:
                row["real_ns"], row["items_per_second"] = "0", ""
        for name, keep, edit, drawn in (
                ("counters.csv", lambda p: p in ("lockjoin", "deadlock"), counters,
                 ["lesson_lock_join_unlocked", "workload_deadlock"]),
                ("zero.csv", lambda p: p == "queue", zero, ["queue"])):
            with self.subTest(csv=name):
                out = os.path.join(self.tmp, name + "-plots")
                r = self.plot(self.edited_fixture(keep, edit, name), out)
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                self.assertNotIn("failed", r.stderr)
                for stem in drawn:
                    self.assertTrue(os.path.isfile(os.path.join(out, stem + ".png")), stem)
        self.assertIn("1 queue point(s) with neither items_per_second nor a positive real_ns", r.stdout)

    def test_nothing_plottable_or_bad_out_dir_says_so(self):
        one = self.fixture_subset(lambda p: p == "native", "native.csv")
        out = os.path.join(self.tmp, "p")
        r = self.plot(one, out)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertEqual(r.stderr.strip().splitlines(),
                         ["plot: error: %s: no plot could be drawn from these rows" % one])
        self.assertFalse(os.path.exists(out))
        r = self.plot(RESULTS, "/proc/x")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        self.assertIn("--out /proc/x:", r.stderr)
        self.assertNotIn("index.json", r.stderr)

    def test_failed_write_keeps_the_previous_plots(self):
        """A full disk (here: a file size limit) is a failed run with one
        line, and the previous plots and index.json are left whole."""
        import resource
        import signal
        import subprocess
        lesson = self.fixture_subset(lambda p: p == "lockjoin", "lesson.csv")
        out = os.path.join(self.tmp, "p")
        self.assertEqual(self.plot(lesson, out).returncode, 0)
        before = {}
        for name in os.listdir(out):
            with open(os.path.join(out, name), "rb") as f:
                before[name] = f.read()

        def small_files():
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
        r = subprocess.run([self.py, script("plot"), "-q", lesson, "--out", out], text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=small_files,
                           timeout=600)
        self.assertNotEqual(r.returncode, 0, r.stdout)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        self.assertIn("cannot write", r.stderr)
        self.assertNotIn("Traceback", r.stderr)
        after = {}
        for name in os.listdir(out):
            with open(os.path.join(out, name), "rb") as f:
                after[name] = f.read()
        self.assertEqual(sorted(after), sorted(before), "no temporary file left, none removed")
        self.assertTrue(after == before, "the previous plots are unchanged")
        # a successful run replaces them, and removes the plots it did not redraw
        handoff = self.fixture_subset(lambda p: p in ("event", "futex"), "handoff.csv")
        self.assertEqual(self.plot(handoff, out).returncode, 0)
        self.assertTrue(os.path.isfile(os.path.join(out, "handoff.png")))
        self.assertFalse(os.path.exists(os.path.join(out, "lesson_lock_join_unlocked.png")))

    def test_classification_of_fixture_rows(self):
        from tlreport import families, results
        pts = [p for p in results.points(results.load(RESULTS)) if p.ok]
        fam = families.classify(pts)
        self.assertEqual({families.lesson_variant(p) for p in fam["lesson"]},
                         set(families.LESSON_ORDER))
        self.assertEqual({families.placement(p) for p in fam["handoff"]}, {"same core", "cross core"})
        self.assertEqual({families.placement(p) for p in fam["handoff"] if p.peer == "cpython"},
                         {"same core", "cross core"})  # placement=same_core|cross_core strings
        self.assertEqual({p.primitive for p in fam["workload"]}, {"deadlock", "pipeline"})
        self.assertEqual({families.queue_capacity(p) for p in fam["queue"]},
                         {"1", "64", "1024", "unbounded"})
        self.assertEqual({p.primitive for p in fam["start"]}, {"start", "thread"})
        self.assertTrue(all(families.percentiles(p).keys() >= {"p50", "p99", "max"}
                            for p in fam["wakeup"] + fam["timer"]))


if __name__ == "__main__":
    unittest.main()
