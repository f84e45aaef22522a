#!/usr/bin/env python3
"""The bad-input battery (issue 17): every case in cases.txt must exit 2
with exactly one line on stderr that names the bad value, no traceback,
within a time limit (a hang is a failure).

    badinput_test.py TL_BENCH TL_WORKLOAD [PATTERN]

cases.txt: one case a line, `program | arguments | text`, where program is
tl-bench, tl-workload or a script of scripts/ (plot, compare, report-page,
cpython-peer, stress, tsan-suite, tsan-run), arguments are shell words, and text must appear in the error
line (the bad value, or the flag when the value is empty). In arguments,
{F}/NAME is a fixture below (made fresh in a temp dir), {T} a scratch
directory of the case's own. Grow the file with every new flag.
Standard library only; exit 0 when every case passed.
"""
import concurrent.futures
import csv
import io
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
SCRIPTS = os.path.join(ROOT, "scripts")
GOOD = os.path.join(ROOT, "tests", "scripts", "fixtures", "results.csv")
# Generous: a case that needs this long is hanging (the slowest good one,
# plot importing matplotlib on a loaded 2-vCPU box, takes a few seconds).
LIMIT_S = 120


def fixtures(d):
    """Bad (and a few good) inputs for the readers, written into d."""
    with open(GOOD, newline="", encoding="utf-8") as f:
        text = f.read()
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header = rows[0]

    def put(name, data):
        mode = "wb" if isinstance(data, bytes) else "w"
        with open(os.path.join(d, name), mode, **({} if mode == "wb" else {"newline": ""})) as f:
            f.write(data)

    def with_value(name, column, value, row=3):
        out = io.StringIO(newline="")
        w = csv.writer(out, lineterminator="\n")
        for i, r in enumerate(rows):
            r = list(r)
            if i == row:
                r[header.index(column)] = value
            w.writerow(r)
        put(name, out.getvalue())

    put("good.csv", text)
    put("latin1.csv", text.replace("fixture-host", "h\u00f4te").encode("latin-1", "replace"))
    put("utf16.csv", text.encode("utf-16"))
    put("binary.csv", bytes(range(256)) * 4)
    put("nul.csv", text[:200].encode() + b"\x00" + text[200:].encode())
    put("empty.csv", "")
    put("header_only.csv", text.split("\n", 1)[0] + "\n")
    put("no_name_col.csv", text.replace("run_id,timestamp", "runid,timestamp", 1))
    put("truncated.csv", text[:-25])
    put("extra_field.csv", text.replace("\n", ",surplus\n", 3).replace(",surplus\n", "\n", 1))
    for column, value, tag in (
        ("real_ns", "inf", "real_inf"), ("real_ns", "-inf", "real_neginf"),
        ("real_ns", "-5", "real_neg"), ("real_ns", "1e400", "real_1e400"),
        ("real_ns", "fast", "real_text"), ("cpu_ns", "-1", "cpu_neg"),
        ("cpu_ns", "Infinity", "cpu_inf"), ("items_per_second", "-3", "items_neg"),
        ("bytes_per_second", "inf", "bytes_inf"), ("iterations", "-10", "iter_neg"),
        ("iterations", "2.5", "iter_frac"), ("repetition", "-1", "rep_neg"),
        ("threads", "1e400", "threads_1e400"), ("threads", "-2", "threads_neg"),
        ("threads", "0", "threads_zero"), ("threads", "1.5", "threads_frac"),
        ("threads", "many", "threads_text"), ("threads", "inf", "threads_inf"),
        ("threads", "nan", "threads_nan"), ("pus", "-4", "pus_neg"),
    ):
        with_value(tag + ".csv", column, value)
    for tag in ("latin1", "utf16", "binary", "real_inf", "real_neg", "threads_neg", "threads_1e400",
                "empty", "truncated"):
        rd = os.path.join(d, "run_" + tag)
        os.makedirs(rd)
        shutil.copy(os.path.join(d, tag + ".csv"), os.path.join(rd, "results.csv"))
    os.makedirs(os.path.join(d, "run_noplots"))
    shutil.copy(GOOD, os.path.join(d, "run_noplots", "results.csv"))
    put("a_file", "not a directory\n")
    os.makedirs(os.path.join(d, "a_dir"))
    # scripts/stress: a CTest build dir of one test that cannot run long
    os.makedirs(os.path.join(d, "ctest_build"))
    put(os.path.join("ctest_build", "CTestTestfile.cmake"), 'add_test(passing "/bin/true")\n')
    # tsan-run --suppressions: not UTF-8
    put("latin1.supp", "race:libfoo\u00e9.so\n".encode("latin-1"))


def load_cases():
    cases = []
    with open(os.path.join(HERE, "cases.txt"), encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            parts = [p.strip() for p in line.split(" | ")]
            if len(parts) != 3:
                sys.exit("cases.txt:%d: expected `program | arguments | text`, got %r" % (n, line))
            cases.append((n, parts[0], parts[1], parts[2]))
    return cases


def command(prog, bins):
    if prog == "tl-bench":
        return [bins["tl-bench"]]
    if prog == "tl-workload":
        return [bins["tl-workload"]]
    path = os.path.join(SCRIPTS, prog)
    if not os.path.isfile(path):
        raise SystemExit("cases.txt: unknown program %r" % prog)
    py = os.environ.get("TL_PLOT_PYTHON") if prog == "plot" else None
    return [py or sys.executable, path]


def run_case(case, bins, fix, scratch):
    n, prog, args, text = case
    t = os.path.join(scratch, "case%d" % n)
    os.makedirs(t, exist_ok=True)
    argv = [a.replace("{F}", fix).replace("{T}", t) for a in shlex.split(args)]
    env = dict(os.environ, TMPDIR=t, PYTHONDONTWRITEBYTECODE="1")
    env.pop("TL_HWLOC_SYNTHETIC", None)
    try:
        p = subprocess.run(command(prog, bins) + argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, env=env, cwd=t, timeout=LIMIT_S)
    except subprocess.TimeoutExpired:
        return "still running after %d s" % LIMIT_S
    err = p.stderr.decode("utf-8", "replace")
    lines = [l for l in err.split("\n") if l.strip()]
    problems = []
    if p.returncode != 2:
        problems.append("exit %d, expected 2" % p.returncode)
    if "Traceback" in err:
        problems.append("a Python traceback")
    if len(lines) != 1:
        problems.append("%d lines on stderr, expected 1" % len(lines))
    if text not in err:
        problems.append("message does not contain %r" % text)
    if problems:
        return "; ".join(problems) + "\n      stderr: " + (err.strip().replace("\n", "\n              ") or "(empty)")
    return None


def main():
    if len(sys.argv) < 3:
        print("usage: badinput_test.py TL_BENCH TL_WORKLOAD [PATTERN]", file=sys.stderr)
        return 2
    bins = {"tl-bench": os.path.abspath(sys.argv[1]), "tl-workload": os.path.abspath(sys.argv[2])}
    pattern = sys.argv[3] if len(sys.argv) > 3 else ""
    cases = [c for c in load_cases() if pattern in "%s %s" % (c[1], c[2])]
    scratch = tempfile.mkdtemp(prefix="tl-badinput-")
    try:
        fix = os.path.join(scratch, "fixtures")
        os.makedirs(fix)
        fixtures(fix)
        failed = 0
        # Two at a time: each case is a short process, mostly start-up.
        with concurrent.futures.ThreadPoolExecutor(2) as ex:
            results = list(ex.map(lambda c: (c, run_case(c, bins, fix, scratch)), cases))
        for (n, prog, args, _), problem in results:
            if problem:
                failed += 1
                print("FAIL cases.txt:%d: %s %s: %s" % (n, prog, args, problem))
        print("badinput: %d of %d cases passed (exit 2, one line naming the bad value)"
              % (len(cases) - failed, len(cases)))
        return 1 if failed or not cases else 0
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
