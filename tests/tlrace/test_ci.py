"""CI formats of the race harness (issue 14): the SARIF 2.1.0 and JUnit XML
that tsan-run and tsan-suite write, checked for the shape code-scanning and
test-result UIs need (hand-written checks of the SARIF 2.1.0 schema's
required properties and of the JUnit conventions GitLab/Jenkins/GitHub
actions read), on synthetic verdicts (every verdict kind) and on a real
tsan-run directory; and the Makefile's JUnit wiring."""
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import test_tlrace as T  # noqa: E402  (a module: its classes are not collected again)
from tlrace import ci, model, report  # noqa: E402

REPO, fake_result, rep = T.REPO, T.fake_result, T.rep

LEVELS = ("none", "note", "warning", "error")


def check_sarif(t, doc):
    """The SARIF 2.1.0 properties code-scanning uploads require."""
    t.assertEqual(doc["version"], "2.1.0")
    t.assertIn("sarif-2.1.0", doc["$schema"])
    t.assertIsInstance(doc["runs"], list)
    for run in doc["runs"]:
        drv = run["tool"]["driver"]
        t.assertIsInstance(drv["name"], str)
        t.assertTrue(drv["name"])
        ids = [r["id"] for r in drv["rules"]]
        t.assertEqual(len(ids), len(set(ids)))
        bases = run.get("originalUriBaseIds", {})
        for b in bases.values():
            t.assertTrue(b["uri"].startswith("file://") and b["uri"].endswith("/"), b)
        for res in run["results"]:
            t.assertIn(res["ruleId"], ids)
            t.assertEqual(ids[res["ruleIndex"]], res["ruleId"])
            t.assertIn(res["level"], LEVELS)
            t.assertIsInstance(res["message"]["text"], str)
            t.assertTrue(res["message"]["text"])
            t.assertTrue(1 <= len(res["locations"]) <= 2)
            for loc in res["locations"]:
                t.assertIsInstance(loc["message"]["text"], str)
                phys = loc.get("physicalLocation")
                if phys:
                    art = phys["artifactLocation"]
                    t.assertIsInstance(art["uri"], str)
                    if "uriBaseId" in art:
                        t.assertIn(art["uriBaseId"], bases)
                        t.assertFalse(art["uri"].startswith("/"))
                    if "region" in phys:
                        t.assertIsInstance(phys["region"]["startLine"], int)
                        t.assertGreaterEqual(phys["region"]["startLine"], 1)
            for k, v in res.get("partialFingerprints", {}).items():
                t.assertIsInstance(k, str)
                t.assertIsInstance(v, str)
            for st in res.get("stacks", []):
                t.assertTrue(st["frames"])
                for fr in st["frames"]:
                    t.assertIn("location", fr)
        for inv in run.get("invocations", []):
            t.assertIsInstance(inv["executionSuccessful"], bool)


def check_junit(t, root):
    """testsuites > testsuite > testcase, counts that add up, at most one
    failure/error/skipped per testcase, numeric times."""
    t.assertEqual(root.tag, "testsuites")
    tot = dict(tests=0, failures=0, errors=0, skipped=0)
    for ts in root.findall("testsuite"):
        n = dict(tests=0, failures=0, errors=0, skipped=0)
        t.assertTrue(ts.get("name"))
        for tc in ts.findall("testcase"):
            t.assertTrue(tc.get("name"))
            t.assertTrue(tc.get("classname"))
            float(tc.get("time"))
            kids = [c.tag for c in tc if c.tag in ("failure", "error", "skipped")]
            t.assertLessEqual(len(kids), 1)
            n["tests"] += 1
            for k in kids:
                n[{"failure": "failures", "error": "errors", "skipped": "skipped"}[k]] += 1
                t.assertTrue(tc.find(k).get("message"))
        for k, v in n.items():
            t.assertEqual(int(ts.get(k)), v, k)
            tot[k] += v
        float(ts.get("time"))
    for k, v in tot.items():
        t.assertEqual(int(root.get(k)), v, k)
    return tot


def load(path):
    with open(path) as fh:
        return json.load(fh)


def frame(path, line, func):
    return model.Frame(func=func, file=path, line=line, module="prog")


class Synthetic(unittest.TestCase):
    ROOT = "/src/proj"

    def verdicts(self):
        race = rep("race", "a.c:3", "a.c:9")
        race.stacks = [model.Stack("Write of size 4 by thread T1", "primary",
                                   [frame("/src/proj/a.c", 3, "w"),
                                    frame("/src/proj/a.c", 20, "caller")]),
                       model.Stack("Previous read of size 4 by main thread", "primary",
                                   [frame("/src/proj/a.c", 9, "main")])]
        dl = rep("deadlock", "b.c:1", "b.c:2", kind="lock-order-inversion (potential deadlock)")
        cases = [
            ("tp", "race", [race]), ("fn", "race", []), ("fp", "clean", [rep("race")]),
            ("tn", "clean", []), ("dl", "deadlock", [dl]),
        ]
        vs = [report.judge(fake_result(e, r, name=n)) for n, e, r in cases]
        vs.append(report.judge(fake_result("clean", [], rc=-11, name="crash")))
        vs.append(report.judge(fake_result("clean", [], hung=True, name="hang")))
        vs.append(report.judge(fake_result("skip", [], name="skipped")))
        return vs

    def test_sarif_shape_and_content(self):
        doc = ci.sarif(self.verdicts(), [self.ROOT])
        check_sarif(self, doc)
        json.dumps(doc)
        self.assertEqual([r["tool"]["driver"]["name"] for r in doc["runs"]],
                         ["ThreadSanitizer"])
        results = doc["runs"][0]["results"]
        # one result per distinct report: tp race, fp race, deadlock
        self.assertEqual(len(results), 3)
        tp = next(r for r in results if r["properties"]["case"] == "tp")
        self.assertEqual(tp["level"], "note")  # expected by its case
        self.assertEqual([(loc["physicalLocation"]["artifactLocation"]["uri"],
                           loc["physicalLocation"]["region"]["startLine"])
                          for loc in tp["locations"]], [("a.c", 3), ("a.c", 9)])
        self.assertEqual(len(tp["stacks"]), 2)
        fp = next(r for r in results if r["properties"]["case"] == "fp")
        self.assertEqual(fp["level"], "error")
        self.assertFalse(doc["runs"][0]["invocations"][0]["executionSuccessful"])

    def test_junit_shape_and_counts(self):
        root = ci.junit(self.verdicts(), "race-suite")
        tot = check_junit(self, root)
        self.assertEqual(tot, dict(tests=8, failures=2, errors=2, skipped=1))
        kinds = {tc.get("name"): [c.tag for c in tc if c.tag != "system-out"]
                 for tc in root.iter("testcase")}
        self.assertEqual(kinds["fn"], ["failure"])
        self.assertEqual(kinds["fp"], ["failure"])
        self.assertEqual(kinds["crash"], ["error"])
        self.assertEqual(kinds["hang"], ["error"])
        self.assertEqual(kinds["skipped"], ["skipped"])
        self.assertEqual(kinds["tp"], [])

    def test_files_are_written_atomically(self):
        with tempfile.TemporaryDirectory() as d:
            p = ci.write_sarif(os.path.join(d, "sub", "r.sarif"), self.verdicts(), [self.ROOT])
            ci.write_junit(os.path.join(d, "j.xml"), self.verdicts(), "x")
            check_sarif(self, load(p))
            check_junit(self, ET.parse(os.path.join(d, "j.xml")).getroot())
            self.assertEqual(sorted(os.listdir(d)), ["j.xml", "sub"])  # no temp left


class RealRun(T.TsanRunEndToEnd):
    """tsan-run's own files on a real race."""

    def test_tsan_run_writes_sarif_and_junit(self):
        out = self.out("ci")
        rc, text = self.tsan_run("--expect", "race", "--runs", "1", "--src", REPO, "--out",
                                 out, "--", self.prog, "race")
        self.assertEqual(rc, 0, text)
        doc = load(os.path.join(out, "results.sarif"))
        check_sarif(self, doc)
        res = doc["runs"][0]["results"]
        self.assertEqual(len(res), 1)
        self.assertEqual(res[0]["ruleId"], "race/data-race")
        locs = [(x["physicalLocation"]["artifactLocation"]["uri"],
                 x["physicalLocation"]["region"]["startLine"]) for x in res[0]["locations"]]
        self.assertEqual(locs, [("tests/tlrace/progs/race.c", 24)] * 2)
        root = ET.parse(os.path.join(out, "junit.xml")).getroot()
        self.assertEqual(check_junit(self, root), dict(tests=1, failures=0, errors=0,
                                                       skipped=0))

    def test_explicit_paths_and_unwritable(self):
        out = self.out("ci2")
        sarif, junit = self.out("elsewhere/x.sarif"), self.out("elsewhere/x.xml")
        rc, text = self.tsan_run("--expect", "clean", "--runs", "1", "--out", out,
                                 "--sarif", sarif, "--junit", junit, "--", self.prog, "clean")
        self.assertEqual(rc, 0, text)
        check_sarif(self, load(sarif))
        check_junit(self, ET.parse(junit).getroot())
        # an unwritable report path is bad input, found before any run
        out3 = self.out("ci3")
        rc, text = self.tsan_run("--expect", "clean", "--runs", "1", "--out", out3,
                                 "--sarif", "/proc/no/such/x.sarif", "--", self.prog, "clean")
        self.assertEqual(rc, 2, text)
        self.assertIn("cannot write '/proc/no/such/x.sarif'", text)
        self.assertFalse(os.path.exists(out3), "a run started before the check")

    # the end-to-end tests of the parent class are not repeated here
    for _n in [n for n in dir(T.TsanRunEndToEnd) if n.startswith("test_")]:
        locals()[_n] = None
    del _n


class MakefileJunit(unittest.TestCase):
    def test_make_test_targets_write_junit_and_sarif(self):
        p = subprocess.run(["make", "-n", "-C", REPO, "test-release", "test-tsan",
                            "test-asan", "test-race"], capture_output=True, text=True,
                           timeout=120)
        cmds = p.stdout
        ver = subprocess.run(["ctest", "--version"], capture_output=True,
                             text=True).stdout
        m = re.search(r"(\d+)\.(\d+)", ver)
        if m and (int(m.group(1)), int(m.group(2))) >= (3, 21):
            for suite in ("release", "tsan", "asan"):
                self.assertRegex(cmds, r"ctest .*--output-junit \S*/reports/junit/%s\.xml"
                                 % suite)
        self.assertRegex(cmds, r"--junit \S*/reports/junit/race\.xml")
        self.assertRegex(cmds, r"--sarif \S*/reports/sarif/race\.sarif")


if __name__ == "__main__":
    unittest.main()
