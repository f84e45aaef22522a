"""The race runner's exploration (issue 15), deterministic parts only: seed
replay, the chaos shim really loaded, the budget loop's stop rules, crash
messages, report grouping by both stacks, blind-spot notes, bad options.
No test here depends on a race being caught with some probability: catch
rates are measured by scripts/tlrace/catchrate.py, not asserted."""
import csv
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import test_tlrace as T  # noqa: E402
from tlrace import model, report, runner  # noqa: E402


def trace_of(out):
    """The chaos shim's trace lines of run 0, pid column dropped."""
    raw = os.path.join(out, "raw")
    lines = []
    for f in sorted(os.listdir(raw)):
        if f.endswith(".chaos"):
            with open(os.path.join(raw, f)) as fh:
                for ln in fh:
                    p = ln.split()
                    lines.append(" ".join(p[:1] + p[2:]) if p[0] == "chaos" else ln.strip())
    # Each thread appends its own line ("t1 ...", "t2 ...") when it ends, in
    # whatever order the threads end: the seed fixes each line, not the order.
    return sorted(lines)


class Explore(T.TsanRunEndToEnd):
    # the parent's tests are not repeated here
    for _n in [n for n in dir(T.TsanRunEndToEnd) if n.startswith("test_")]:
        locals()[_n] = None
    del _n

    def dynamic_runtime(self):
        pass  # the shim works under gcc's shared and clang's static runtime

    def summary_rows(self, out):
        with open(os.path.join(out, "summary.csv")) as fh:
            return list(csv.DictReader(fh))

    def test_seed_replays_schedule_and_shim_decisions(self):
        self.dynamic_runtime()
        seen = []
        for k in range(2):
            out = self.out("seed%d" % k)
            rc, text = self.tsan_run("--expect", "clean", "--runs", "1", "--seed", "424242",
                                     "--out", out, "--", self.prog, "clean")
            self.assertEqual(rc, 0, text)
            run_line = [ln for ln in text.splitlines() if ln.strip().startswith("run 0")][0]
            seen.append((run_line.split("exit")[0].split(), trace_of(out)))
        self.assertEqual(seen[0], seen[1])
        (words, trace) = seen[0]
        self.assertEqual(words[:4], ["run", "0", "seed", "424242"])
        self.assertIn("chaos 424242", " ".join(trace))          # the shim was loaded
        self.assertEqual(len([t for t in trace if t.startswith("t")]), 2)  # 2 threads seeded

    def test_other_seed_other_decisions(self):
        self.dynamic_runtime()
        traces = []
        for seed in ("7", "8"):
            out = self.out("s" + seed)
            rc, text = self.tsan_run("--expect", "clean", "--runs", "1", "--seed", seed,
                                     "--out", out, "--", self.prog, "clean")
            self.assertEqual(rc, 0, text)
            traces.append([t for t in trace_of(out) if t.startswith("t")])
        self.assertNotEqual(traces[0], traces[1])

    def test_no_chaos(self):
        out = self.out("nochaos")
        rc, text = self.tsan_run("--expect", "clean", "--runs", "2", "--no-chaos", "--out",
                                 out, "--", self.prog, "clean")
        self.assertEqual(rc, 0, text)
        self.assertFalse(any(f.endswith(".chaos") for f in os.listdir(os.path.join(out, "raw"))))
        self.assertNotIn("[shim", text)

    def test_budget_stops_on_the_expected_report(self):
        # a race that TSan reports in every schedule: found in the 3 minimum
        # runs, so a 300 s budget is not used
        out = self.out("budget_race")
        rc, text = self.tsan_run("--expect", "race", "--budget", "300", "--out", out,
                                 "--", self.prog, "race")
        self.assertEqual(rc, 0, text)
        self.assertIn("stopped: found the expected race", text)
        self.assertEqual(self.cases_row(out)["runs"], "3")

    def test_budget_explores_a_clean_program_until_spent(self):
        out = self.out("budget_clean")
        rc, text = self.tsan_run("--expect", "clean", "--budget", "1", "--runs", "2",
                                 "--out", out, "--", self.prog, "clean")
        self.assertEqual(rc, 0, text)
        self.assertIn("stopped: budget of 1 s spent", text)
        self.assertGreaterEqual(int(self.cases_row(out)["runs"]), 2)

    def test_max_runs_and_default_budget(self):
        out = self.out("maxruns")
        rc, text = self.tsan_run("--expect", "clean", "--max-runs", "4", "--out", out,
                                 "--", self.prog, "clean")
        self.assertEqual(rc, 0, text)
        self.assertIn("(budget 60 s)", text)      # the default call explores
        self.assertIn("stopped: --max-runs 4", text)
        self.assertEqual(self.cases_row(out)["runs"], "4")

    def test_bad_options_exit_2(self):
        for args, msg in ((["--budget", "-1"], "--budget must be a finite number >= 0, got '-1'"),
                          (["--budget", "nan"], "got 'nan'"),
                          (["--timeout", "nan"], "got 'nan'"),
                          (["--seed", "-3"], "--seed must be >= 0, got -3"),
                          (["--max-runs", "-2"], "--max-runs must be >= 0, got -2"),
                          (["--budget", "soon"], "got 'soon'")):
            with self.subTest(args=args):
                rc, text = self.tsan_run("--expect", "race", *args, "--", self.prog)
                self.assertEqual(rc, 2, text)
                self.assertIn(msg, text)

    def test_crash_in_a_thread_says_what_happened(self):
        out = self.out("segv")
        rc, text = self.tsan_run("--expect", "clean", "--runs", "1", "--src", T.REPO,
                                 "--out", out, "--", self.prog, "segv")
        self.assertEqual(rc, 1, text)
        self.assertIn("crashed under TSan: SEGV", text)
        self.assertIn("tests/tlrace/progs/race.c", text)
        self.assertNotIn("not instrumented", text)
        self.assertNotIn("no process finished", text)

    def test_abort_in_main_says_what_happened(self):
        out = self.out("abort")
        rc, text = self.tsan_run("--expect", "clean", "--runs", "1", "--src", T.REPO,
                                 "--out", out, "--", self.prog, "abort")
        self.assertEqual(rc, 1, text)
        self.assertIn("crashed under TSan: ABRT in main", text)
        self.assertNotIn("not instrumented", text)
        self.assertNotIn("no process finished", text)

    def test_two_races_on_one_line_are_two_rows(self):
        out = self.out("twocallers")
        rc, text = self.tsan_run("--expect", "race", "--runs", "1", "--src", T.REPO,
                                 "--no-chaos", "--out", out, "--", self.prog, "twocallers")
        self.assertEqual(rc, 0, text)
        rows = self.summary_rows(out)
        self.assertEqual(len(rows), 2, rows)
        self.assertEqual({r["location_a"] for r in rows} | {r["location_b"] for r in rows},
                         {"tests/tlrace/progs/race.c:54"})
        callers = {r["stack_a"].split("<")[1] for r in rows}
        self.assertEqual(callers, {"tests/tlrace/progs/race.c:59",
                                   "tests/tlrace/progs/race.c:64"})


def report_with(stack_a, stack_b, restored=True):
    r = model.Report(detector="tsan", kind="data race", category="race", log="l")
    fr = lambda w: model.Frame(func="f", file="/r/" + w.split(":")[0],  # noqa: E731
                               line=int(w.split(":")[1]), module="p")
    r.stacks = [model.Stack("Write", "primary", [fr(w) for w in stack_a]),
                model.Stack("Previous read", "primary", [fr(w) for w in stack_b],
                            restored=restored)]
    return r.locate(["/r"])


class Grouping(unittest.TestCase):
    def test_same_line_different_callers_are_distinct(self):
        a = report_with(["x.c:5", "x.c:10"], ["x.c:5", "x.c:10"])
        b = report_with(["x.c:5", "x.c:20"], ["x.c:5", "x.c:20"])
        c = report_with(["x.c:5", "x.c:10"], ["x.c:5", "x.c:10"])
        d = report_with(["x.c:5", "x.c:20"], ["x.c:5", "x.c:10"])
        e = report_with(["x.c:5", "x.c:10"], ["x.c:5", "x.c:20"])  # d, other order
        ds = report.dedup([a, b, c, d, e])
        self.assertEqual([x.count for x in ds], [2, 1, 2])
        self.assertEqual(report.pair_text(b), "x.c:5 < x.c:20 <-> x.c:5 < x.c:20")

    def test_blind_spot_notes(self):
        r = report_with(["x.c:5"], [], restored=False)
        v = report.judge(T.fake_result("race", [r]))
        notes = report.blind_spots([v])
        self.assertEqual(len(notes), 1)
        self.assertIn("could not restore 1 stack", notes[0])
        v.result.runtime = "ThreadSanitizer v3"
        notes = report.blind_spots([v])
        self.assertEqual(len(notes), 2)
        self.assertIn("dropped without any report", notes[1])
        self.assertIn("history_size=7", notes[1])


class Options(unittest.TestCase):
    def test_handle_abort_is_on(self):
        opts, _ = runner.tsan_options("", "/tmp/x", None)
        self.assertIn("handle_abort=1", opts)


if __name__ == "__main__":
    unittest.main()
