"""Shared helpers for the tests of scripts/ (plot, compare, report-page)."""
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
SCRIPTS = os.path.join(ROOT, "scripts")
FIX = os.path.join(HERE, "fixtures")
RESULTS = os.path.join(FIX, "results.csv")
REGRESSED = os.path.join(FIX, "results-regressed.csv")
TSAN = os.path.join(FIX, "tsan")
sys.path.insert(0, SCRIPTS)

# Every plot the fixture must produce (it has rows for every family).
EXPECTED_PLOTS = (
    "lesson_lock_join_unlocked", "scaling_lock", "scaling_rlock", "scaling_semaphore",
    "scaling_condition", "ratio_baseline", "ratio_cpython", "handoff", "wakeup", "fairness",
    "queue", "executors", "start", "timer", "workload_deadlock", "workload_pipeline", "scaling_shim",
)


def have_matplotlib(python):
    try:
        return subprocess.run([python, "-c", "import matplotlib"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL).returncode == 0
    except OSError:
        return False


def plot_python():
    """The interpreter with matplotlib: TL_PLOT_PYTHON, else Debian's."""
    return os.environ.get("TL_PLOT_PYTHON") or (
        "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable)


def need_matplotlib(test):
    py = plot_python()
    if not have_matplotlib(py):
        raise unittest.SkipTest("matplotlib not importable by %s (Debian: apt-get install "
                                "python3-matplotlib; or set TL_PLOT_PYTHON)" % py)
    return py


def run(args, python=None):
    """Run a script; returns CompletedProcess with text output."""
    cmd = [python or sys.executable] + args
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=600)


def script(name):
    return os.path.join(SCRIPTS, name)


class TmpDir(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="tl-scripts-test-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def write_csv(self, name, header, rows):
        path = os.path.join(self.tmp, name)
        with open(path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(header)
            w.writerows(rows)
        return path

    def fixture_without_column(self, column, name="missing.csv"):
        with open(RESULTS, newline="") as f:
            r = csv.reader(f)
            header = next(r)
            rows = list(r)
        i = header.index(column)
        return self.write_csv(name, header[:i] + header[i + 1:], [row[:i] + row[i + 1:] for row in rows])

    def fixture_subset(self, keep, name="subset.csv"):
        """Fixture rows whose primitive satisfies keep(primitive)."""
        with open(RESULTS, newline="") as f:
            r = csv.DictReader(f)
            header = r.fieldnames
            rows = [[row[c] for c in header] for row in r if keep(row["primitive"])]
        return self.write_csv(name, header, rows)
