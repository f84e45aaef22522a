"""C11 atomics under Helgrind and DRD (scripts/tlrace/vgatomics.c, .py).

progs/atomics.c built with vgatomics.py (TSan's instrumentation, linked
against vgatomics.c instead of libtsan) with each compiler found (gcc,
clang, TLRACE_CC): no __tsan_* entry point left undefined, every mode runs
natively, and under both tools (through scripts/tsan-run) the
release/acquire, fence, CAS-spinlock and relaxed-counter modes are clean
while the relaxed flag's unordered plain write is reported, on that data
and not on the flag. The plain (uninstrumented) build of the same program is
the control: valgrind reports the release/acquire mode there. Also: tsan-run
refuses such a build for TSan, and tsan-suite rebuilds only the plain-C
fixtures (tests/tsan) this way.
"""
import argparse
import csv
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

from tlrace import suite, vgatomics  # noqa: E402

TSAN_RUN = os.path.join(SCRIPTS, "tsan-run")
SRC = os.path.join(HERE, "progs", "atomics.c")
CFLAGS = ["-O1", "-g", "-gdwarf-4", "-fno-omit-frame-pointer", "-Wall", "-Wextra", "-Werror",
          "-std=c11", "-D_GNU_SOURCE"]


def _line(text):
    with open(SRC) as fh:
        for n, ln in enumerate(fh, 1):
            if text in ln:
                return n
    raise AssertionError("%r not in %s" % (text, SRC))


def compilers():
    seen, out = set(), []
    for cc in (os.environ.get("TLRACE_CC"), "gcc", "clang"):
        path = cc and shutil.which(cc)
        if path and os.path.realpath(path) not in seen:
            seen.add(os.path.realpath(path))
            out.append(cc)
    return out


class VgAtomics(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="tlrace-vga-")
        cls.progs = {}
        for cc in compilers():
            exe = os.path.join(cls.tmp, "atomics-" + os.path.basename(cc))
            ok, log = vgatomics.build(cc, [SRC], exe, CFLAGS)
            if not ok:
                if "-fsanitize=thread" in log and "unrecognized" in log:
                    continue  # a compiler without TSan instrumentation
                raise AssertionError(log)
            cls.progs[cc] = exe
        if not cls.progs:
            raise unittest.SkipTest("no compiler builds progs/atomics.c with vgatomics")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def tsan_run(self, *args):
        p = subprocess.run([sys.executable, TSAN_RUN] + list(args), capture_output=True,
                           text=True, cwd=self.tmp, timeout=300)
        return p.returncode, p.stdout + p.stderr

    def test_entry_points_all_defined_and_runs_natively(self):
        for cc, exe in self.progs.items():
            with self.subTest(cc=cc):
                self.assertEqual(vgatomics.missing_entry_points(exe), [])
                for mode in ("relaxed", "release", "fence", "cas", "counter"):
                    r = subprocess.run([exe, mode], capture_output=True, timeout=60)
                    self.assertEqual(r.returncode, 0, (mode, r.stderr))

    def test_runtime_builds_warning_free(self):
        for cc in self.progs:
            with self.subTest(cc=cc):
                r = subprocess.run([cc] + CFLAGS + ["-c", vgatomics.RUNTIME, "-o",
                                                    os.path.join(self.tmp, "rt.o")],
                                   capture_output=True, text=True)
                self.assertEqual(r.returncode, 0, r.stderr)

    def test_tsan_run_refuses_it_for_tsan(self):
        exe = next(iter(self.progs.values()))
        rc, text = self.tsan_run("--expect", "clean", "--runs", "1", "--out",
                                 os.path.join(self.tmp, "refuse"), "--", exe, "release")
        self.assertEqual(rc, 2, text)
        self.assertIn("vgatomics.c", text)

    def test_helgrind_and_drd_see_c11_orders(self):
        if not shutil.which("valgrind"):
            self.skipTest("no valgrind")
        data_lines = {"atomics.c:%d" % _line("data = 42;"),
                      "atomics.c:%d" % _line("/* race: nothing orders the write */")}
        for cc, exe in self.progs.items():
            for det in ("helgrind", "drd"):
                for mode, expect in (("release", "clean"), ("fence", "clean"),
                                     ("cas", "clean"), ("counter", "clean"),
                                     ("relaxed", "race")):
                    with self.subTest(cc=cc, det=det, mode=mode):
                        out = os.path.join(self.tmp, "%s-%s-%s" % (
                            os.path.basename(cc), det, mode))
                        rc, text = self.tsan_run("--expect", expect, "--runs", "1",
                                                 "--detector", det, "--src", HERE,
                                                 "--out", out, "--", exe, mode)
                        self.assertEqual(rc, 0, text)
                        if expect == "race":
                            with open(os.path.join(out, "summary.csv")) as fh:
                                rows = list(csv.DictReader(fh))
                            self.assertTrue(rows, text)
                            for r in rows:  # on the data, never on the flag
                                locs = {os.path.basename(r["location_a"]),
                                        os.path.basename(r["location_b"])} - {""}
                                self.assertTrue(locs and locs <= data_lines, r)

    def test_plain_build_is_the_control(self):
        # without vgatomics valgrind cannot see the release/acquire pair
        if not shutil.which("valgrind"):
            self.skipTest("no valgrind")
        cc = next(iter(self.progs))
        plain = os.path.join(self.tmp, "atomics-plain")
        r = subprocess.run([cc] + CFLAGS + [SRC, "-pthread", "-o", plain],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        rc, text = self.tsan_run("--expect", "clean", "--runs", "1", "--detector", "drd",
                                 "--out", os.path.join(self.tmp, "plain"), "--", plain,
                                 "release")
        self.assertEqual(rc, 1, text)
        self.assertIn("FP", text)


class SuiteBuildsPlainFixturesOnly(unittest.TestCase):
    def test_only_tests_tsan_sources(self):
        cc = (compilers() or [None])[0]
        if not cc:
            self.skipTest("no C compiler")
        tmp = tempfile.mkdtemp(prefix="tlrace-vga-suite-")
        try:
            build = os.path.join(tmp, "build")
            os.makedirs(os.path.join(build, "tests", "tsan"))
            with open(os.path.join(build, "CMakeCache.txt"), "w") as fh:
                fh.write("CMAKE_C_COMPILER:FILEPATH=%s\n" % shutil.which(cc))
            fx = os.path.join(REPO, "tests", "tsan")
            other = os.path.join(REPO, "primitives", "tests", "tsan_expect", "x.c")
            with open(os.path.join(build, "tests", "tsan", "tsan_fixtures.tsv"), "w") as fh:
                fh.write("clean_atomic\tclean\t/nonexistent/a\t%s/clean_atomic.c\t\n" % fx)
                fh.write("primitives/x\trace\t/nonexistent/b\t%s\t\n" % other)
            # the cases as the suite makes them from that manifest
            cases, problems = suite.fixture_cases(build, 60)
            self.assertEqual(problems, [])
            self.assertEqual([c.name for c in cases], ["fixture/clean_atomic", "fixture/primitives/x"])
            a = argparse.Namespace(plain_build_dir=build)
            exes, errs, note = suite.build_vg_atomics(a, cases, tmp)
            self.assertEqual(errs, [])
            self.assertEqual(sorted(exes), ["fixture/clean_atomic"])
            self.assertTrue(os.path.exists(exes["fixture/clean_atomic"]))
            self.assertIn("vgatomics", note)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
