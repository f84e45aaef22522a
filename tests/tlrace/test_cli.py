"""Bad input and signals for the race/stress scripts that need a setup (the
one-line option errors are in tests/badinput/cases.txt):

  * tsan-run killed by SIGTERM / SIGINT kills and reaps the program it is
    running (its own process group) instead of leaving it orphaned;
  * scripts/stress checks --out before any test runs, and writes a failing
    run's log into it.

Standard library only; nothing here needs a compiler.
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.join(os.path.dirname(os.path.dirname(HERE)), "scripts")
TSAN_RUN = os.path.join(SCRIPTS, "tsan-run")
STRESS = os.path.join(SCRIPTS, "stress")


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


class TsanRunSignals(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="tlrace-cli-")
        self.fifo = os.path.join(self.tmp, "started")
        os.mkfifo(self.fifo)
        # Says its pid (through the fifo: the test blocks until the program
        # runs), then waits for ever as that same process.
        self.prog = os.path.join(self.tmp, "prog.sh")
        with open(self.prog, "w") as fh:
            fh.write('#!/bin/sh\necho $$ > "$1"\nexec sleep 100000\n')
        os.chmod(self.prog, 0o755)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def started_pid(self, p):
        """The program's pid, read from the fifo; '' if tsan-run exited
        without starting it (then a watcher opens the fifo so the read
        cannot block for ever)."""
        def watch():
            p.wait()
            try:
                os.close(os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:
                pass
        threading.Thread(target=watch, daemon=True).start()
        with open(self.fifo) as fh:
            return fh.read().strip()

    def test_killed_tsan_run_leaves_no_child(self):
        for sig in (signal.SIGTERM, signal.SIGINT):
            with self.subTest(sig=sig.name):
                env = dict(os.environ)
                env.pop("TSAN_OPTIONS", None)
                p = subprocess.Popen(
                    [sys.executable, TSAN_RUN, "--expect", "clean", "--runs", "1",
                     "--seed", "1", "--no-chaos", "--no-elf-check", "--timeout", "3600",
                     "--out", os.path.join(self.tmp, "out-" + sig.name), "--",
                     self.prog, self.fifo],
                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                    text=True, cwd=self.tmp, env=env)
                try:
                    pid = self.started_pid(p)
                    if not pid.isdigit():
                        self.fail("the program never started: %r" % (p.communicate(),))
                    p.send_signal(sig)
                    out, err = p.communicate(timeout=300)
                finally:
                    if p.poll() is None:
                        p.kill()
                        p.wait()
                self.assertEqual(p.returncode, 128 + sig, out + err)
                self.assertNotIn("Traceback", err)
                self.assertEqual(err.strip().count("\n"), 0, err)
                self.assertIn("stopped by signal %d" % sig, err)
                # killed and reaped before tsan-run exited: the pid is gone
                self.assertFalse(alive(int(pid)), "the program survived tsan-run")


class StressOut(unittest.TestCase):
    """scripts/stress on a hand-written CTest dir whose tests leave marks."""

    def setUp(self):
        if not shutil.which("ctest"):
            self.skipTest("no ctest")
        self.tmp = tempfile.mkdtemp(prefix="tlrace-stress-")
        self.build = os.path.join(self.tmp, "build")
        os.makedirs(self.build)
        self.mark = os.path.join(self.tmp, "ran")
        with open(os.path.join(self.build, "CTestTestfile.cmake"), "w") as fh:
            fh.write('add_test(passing "/bin/sh" "-c" "echo p >> %s")\n' % self.mark)
            fh.write('add_test(failing "/bin/sh" "-c" "echo f >> %s; exit 1")\n' % self.mark)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def stress(self, *args):
        p = subprocess.run([sys.executable, STRESS, "--build-dir", self.build, "--repeat", "1",
                            "--spinners-per-cpu", "0", "--jobs", "1"] + list(args),
                           stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           cwd=self.tmp, timeout=300)
        return p.returncode, p.stdout, p.stderr

    def test_bad_out_is_refused_before_any_run(self):
        afile = os.path.join(self.tmp, "afile")
        with open(afile, "w") as fh:
            fh.write("x\n")
        for out, text in ((afile, afile), ("/proc/x", "/proc/x"), ("", "--out")):
            with self.subTest(out=out):
                rc, so, se = self.stress("--out", out)
                self.assertEqual(rc, 2, so + se)
                self.assertNotIn("Traceback", se)
                self.assertEqual(len(se.strip().splitlines()), 1, se)
                self.assertIn(text, se)
                self.assertFalse(os.path.exists(self.mark), "a test ran before the check")

    def test_failure_log_lands_in_out(self):
        out = os.path.join(self.tmp, "new", "out")
        rc, so, se = self.stress("--out", out)
        self.assertEqual(rc, 1, so + se)
        self.assertEqual(sorted(os.listdir(out)), ["failing.1.log"])  # no temp file left
        self.assertIn("1 passed, 1 failed", so)

    def test_passing_run_leaves_no_empty_default_dir(self):
        rc, so, se = self.stress("--filter", "^passing$")
        self.assertEqual(rc, 0, so + se)
        self.assertEqual(os.listdir(os.path.join(self.tmp, "reports", "stress")), [])


if __name__ == "__main__":
    unittest.main()
