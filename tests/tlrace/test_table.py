"""The detector table (scripts/tlrace/table.py, issue 15): precision, recall
and slowdown per compiler and detector.

Synthetic results check the arithmetic exactly; a tiny real case set
(progs/race.c: `race` and `clean`, built with this build's compiler, with
and without TSan) runs under TSan, Helgrind, DRD and natively and checks
that the table has every column and sane values. No timing thresholds:
a slowdown only has to be a positive number.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SCRIPTS = os.path.join(REPO, "scripts")
sys.path.insert(0, SCRIPTS)

from tlrace import runner, table  # noqa: E402
from tlrace.runner import Case, CaseResult, Run  # noqa: E402
from tlrace.model import Report  # noqa: E402


def _result(name, det, expect, found, seconds, runs=1):
    case = Case(name=name, argv=["/bin/true"], expect=expect, kind="fixture")
    res = CaseResult(case=case, detector=det)
    for i in range(runs):
        r = Run(index=i, schedule="default", argv=[], returncode=0, seconds=seconds / runs)
        r.logs = ["x"]
        res.runs.append(r)
    rep = []
    for cat in found:
        rr = Report(detector=det, kind="data race" if cat == "race" else
                    "lock-order-inversion (potential deadlock)", category=cat)
        rr.location_a = rr.location_b = "a.c:1"
        rep.append(rr)

    class Parsed:
        reports = rep
        fatal = []
        complete = True
        processes = [1]
        suppressions_used = []
        warnings_reported = len(rep)
        runtime = det
    res.parsed = [Parsed()] if det != "native" else []
    return res


class Arithmetic(unittest.TestCase):
    def test_rows(self):
        res = [
            _result("r1", "tsan", "race", ["race"], 2.0),
            _result("r2", "tsan", "race", [], 4.0),          # FN
            _result("c1", "tsan", "clean", ["race"], 6.0),   # FP
            _result("c2", "tsan", "clean", [], 8.0),         # TN
            _result("r1", "helgrind", "race", ["race"], 30.0),
            _result("c2", "helgrind", "clean", [], 50.0, runs=2),
            _result("r1", "native", "race", [], 1.0),
            _result("r2", "native", "race", [], 1.0),
            _result("c1", "native", "clean", [], 2.0),
            _result("c2", "native", "clean", [], 2.0),
        ]
        rows = table.rows(res, {"tsan": "gcc 12", "helgrind": "gcc 12"})
        self.assertEqual([r["detector"] for r in rows], ["tsan", "helgrind"])
        for r in rows:
            self.assertEqual(list(r), list(table.COLUMNS))
        t, h = rows
        self.assertEqual((t["TP"], t["FN"], t["FP"], t["TN"], t["cases"]), (1, 1, 1, 1, 4))
        self.assertEqual((t["precision"], t["recall"]), (0.5, 0.5))
        # ratios 2, 4, 3, 4 -> median 3.5
        self.assertEqual(t["slowdown"], 3.5)
        self.assertEqual(t["slowdown_cases"], 4)
        # per run: r1 30/1, c2 (50/2)/2 = 12.5 -> median 21.25 (rounded)
        self.assertEqual((h["precision"], h["recall"]), (1.0, 1.0))
        self.assertAlmostEqual(h["slowdown"], 21.25, places=2)
        self.assertEqual(h["compiler"], "gcc 12")

    def test_no_native_no_slowdown_and_markdown(self):
        rows = table.rows([_result("c", "drd", "clean", [], 1.0)], {})
        self.assertIsNone(rows[0]["slowdown"])
        self.assertIsNone(rows[0]["precision"])  # no TP, no FP
        md = table.markdown(rows)
        self.assertIn("| " + " | ".join(table.COLUMNS) + " |", md)
        self.assertIn("| ? | drd | 1 | 0 | 1 | 0 | 0 | 0 | 0 | n/a | n/a | - | 0 |", md)

    def test_three_decimals_and_exact_json(self):
        # 18 TP, 1 FP (Helgrind's table): 0.947 in the Markdown, not 0.95;
        # the JSON keeps the exact ratio
        res = [_result("r%d" % i, "helgrind", "race", ["race"], 1.0) for i in range(18)]
        res.append(_result("c", "helgrind", "clean", ["race"], 1.0))
        res.append(_result("m", "helgrind", "race", [], 1.0))
        rows = table.rows(res, {"helgrind": "gcc 12"})
        self.assertEqual(rows[0]["precision"], 18 / 19)
        self.assertEqual(rows[0]["recall"], 18 / 19)
        md = table.markdown(rows)
        self.assertIn("| 0.947 | 0.947 |", md)
        self.assertNotIn("0.95 ", md)
        tmp = tempfile.mkdtemp(prefix="tltable-")
        try:
            js = os.path.join(tmp, "t.json")
            table.write(rows, None, js)
            with open(js) as fh:
                self.assertEqual(json.load(fh)["rows"][0]["precision"], 18 / 19)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        # 1.0 and 0.5 print as 1.000 and 0.500
        self.assertEqual(table._fmt("precision", 1.0), "1.000")
        self.assertEqual(table._fmt("recall", 0.5), "0.500")

    def test_merge_cli(self):
        tmp = tempfile.mkdtemp(prefix="tltable-")
        try:
            runs = []
            for cc in ("gcc 12", "clang 14"):
                d = os.path.join(tmp, cc.split()[0])
                os.makedirs(d)
                rows = table.rows([_result("r", "tsan", "race", ["race"], 2.0),
                                   _result("r", "native", "race", [], 1.0)], {"tsan": cc})
                table.write(rows, None, os.path.join(d, "detectors.json"), {"run": cc})
                runs.append(d)
            md, js = os.path.join(tmp, "t.md"), os.path.join(tmp, "t.json")
            p = subprocess.run([sys.executable, os.path.join(SCRIPTS, "tlrace", "table.py")] +
                               runs + ["--md", md, "--json", js], capture_output=True,
                               text=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
            with open(js) as fh:
                doc = json.load(fh)
            self.assertEqual(doc["columns"], list(table.COLUMNS))
            self.assertEqual([r["compiler"] for r in doc["rows"]], ["gcc 12", "clang 14"])
            with open(md) as fh:
                self.assertIn("| clang 14 | tsan | 1 | 1 | 0 |", fh.read())
            p = subprocess.run([sys.executable, os.path.join(SCRIPTS, "tlrace", "table.py"),
                                os.path.join(tmp, "missing")], capture_output=True, text=True,
                               timeout=60)
            self.assertEqual(p.returncode, 2)
            self.assertIn("cannot read", p.stderr)
            self.assertEqual(p.stderr.count("\n"), 1)  # one line, no traceback
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def _compile(cc, src, out, flags):
    try:
        r = subprocess.run([cc, "-std=c11", "-D_GNU_SOURCE", "-g", "-O1"] + flags +
                           [src, "-o", out, "-lpthread"], capture_output=True, timeout=120)
        return r.returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


class TinyCaseSet(unittest.TestCase):
    """progs/race.c race + clean under every detector and natively."""

    def test_table_on_real_runs(self):
        cc = os.environ.get("TLRACE_CC") or shutil.which("cc") or "gcc"
        tmp = tempfile.mkdtemp(prefix="tltable-")
        try:
            src = os.path.join(HERE, "progs", "race.c")
            tsan_exe, plain = os.path.join(tmp, "race_tsan"), os.path.join(tmp, "race_plain")
            if not _compile(cc, src, tsan_exe, ["-fsanitize=thread"]) or \
                    not _compile(cc, src, plain, []):
                self.skipTest("%s cannot build progs/race.c with and without TSan" % cc)
            dets = ["tsan", "native"] + (["helgrind", "drd"] if shutil.which("valgrind")
                                         else [])
            env = runner.Env(os.path.join(tmp, "out"), [REPO], log=lambda m: None)
            env.chaos = False
            results = []
            for k, (mode, expect) in enumerate((("race", "race"), ("clean", "clean"))):
                for det in dets:
                    exe = tsan_exe if det == "tsan" else plain
                    case = Case(name="tiny/" + mode, argv=[exe, mode], expect=expect,
                                kind="fixture", cwd=tmp, timeout=120, index=k)
                    results.append(runner.run_case(env, case, det, 1, seed=7 + k))
            rows = table.rows(results, {d: table.compiler_name(cc) for d in dets})
            self.assertEqual([r["detector"] for r in rows],
                             [d for d in ("tsan", "helgrind", "drd") if d in dets])
            for r in rows:
                with self.subTest(detector=r["detector"]):
                    self.assertEqual(list(r), list(table.COLUMNS))
                    self.assertEqual(r["cases"], 2)
                    self.assertEqual(r["TP"] + r["FN"], 1)
                    self.assertEqual(r["TN"] + r["FP"], 1)
                    # every detector sees this race and nothing in clean
                    self.assertEqual((r["precision"], r["recall"]), (1.0, 1.0))
                    self.assertEqual(r["slowdown_cases"], 2)
                    self.assertGreater(r["slowdown"], 0)
                    self.assertTrue(r["compiler"])
            md = table.markdown(rows)
            self.assertEqual(len(md.strip().splitlines()), 2 + len(rows))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
