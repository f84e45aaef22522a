"""Catch-rate measurement of tsan-run on the rare-race family (issue 15).

    python3 scripts/tlrace/catchrate.py [--cc gcc,clang] [--calls 100] [--odds 5,10,50]
                                        [--clean-calls 20] [--clean-budget 10]
                                        [--per-run 100] [--jobs 2] [--out FILE]

Builds tests/tlrace/progs/rare.c with -fsanitize=thread for each compiler and
measures, with the default call (`tsan-run --expect race -- ./rare W N`: 3
runs, then exploring up to the 60 s budget):
  - catch rate: calls that found the race / calls, with the time and number
    of schedules each call took (median, max), for odds 1/N of the
    program's own late start;
  - false positives: `--expect clean` calls on the clean variant (same
    schedules, write under the lock), each exploring --clean-budget seconds;
  - what the perturbation adds: per-run hit rate on `rare W 0` (no late start
    of its own), --per-run single runs with the chaos shim and without
    (--no-chaos).
A measurement, not a test: it prints numbers (a markdown table), it does not
judge them. Timings depend on the machine's load; say so when quoting them.
"""
import argparse
import csv
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TSAN_RUN = os.path.join(ROOT, "scripts", "tsan-run")
SRC = os.path.join(ROOT, "tests", "tlrace", "progs", "rare.c")
W_US = 2000


def build(cc, tmp):
    exe = os.path.join(tmp, "rare_" + os.path.basename(cc))
    r = subprocess.run([cc, "-std=c11", "-D_GNU_SOURCE", "-g", "-O1", "-fsanitize=thread",
                        SRC, "-o", exe, "-lpthread"], capture_output=True, text=True)
    if r.returncode != 0:
        print("catchrate: %s cannot build %s: %s" % (cc, SRC, r.stderr.strip()[:300]),
              file=sys.stderr)
        return None
    return exe


def call(args, tmp, cc):
    out = tempfile.mkdtemp(dir=tmp, prefix="call-")
    env = dict(os.environ)
    env.pop("TSAN_OPTIONS", None)
    env["TLRACE_CC"] = cc
    t0 = time.monotonic()
    p = subprocess.run([sys.executable, TSAN_RUN, "--out", out, "--src", ROOT] + args,
                       capture_output=True, text=True, env=env, cwd=tmp)
    dt = time.monotonic() - t0
    try:
        with open(os.path.join(out, "cases.csv")) as fh:
            row = list(csv.DictReader(fh))[0]
    except (OSError, IndexError):
        row = {"verdict": "ERROR(no cases.csv: %s)" % p.stdout[-200:], "runs": "0"}
    shutil.rmtree(out, ignore_errors=True)
    return row["verdict"], int(row["runs"] or 0), dt, p.returncode


def many(n, args, tmp, cc, jobs):
    with ThreadPoolExecutor(max_workers=jobs) as ex:
        return list(ex.map(lambda _: call(args, tmp, cc), range(n)))


def med_max(xs):
    return ("%.1f" % statistics.median(xs), "%.1f" % max(xs)) if xs else ("-", "-")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cc", default="gcc,clang")
    ap.add_argument("--calls", type=int, default=100)
    ap.add_argument("--odds", default="5,10,50")
    ap.add_argument("--clean-calls", type=int, default=20)
    ap.add_argument("--clean-budget", type=float, default=10.0)
    ap.add_argument("--per-run", type=int, default=100)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", help="also write the table here")
    a = ap.parse_args(argv)
    try:
        odds = [int(x) for x in a.odds.split(",") if x]
    except ValueError:
        ap.error("--odds: a comma list of integers, got %r" % a.odds)
    if a.calls < 0 or a.clean_calls < 0 or a.per_run < 0 or a.jobs < 1 or \
            any(o < 1 for o in odds):
        ap.error("counts must be >= 0, --jobs and odds >= 1")
    tmp = tempfile.mkdtemp(prefix="tlrace-catch-")
    lines = ["| compiler | program | calls | caught | catch rate | s/call median | "
             "s/call max | schedules median | schedules max |",
             "|---|---|---|---|---|---|---|---|---|"]
    extra = []
    try:
        for cc in [c for c in a.cc.split(",") if c]:
            exe = build(cc, tmp)
            if not exe:
                continue
            for n in odds if a.calls else []:
                res = many(a.calls, ["--expect", "race", "--", exe, str(W_US), str(n)],
                           tmp, cc, a.jobs)
                caught = [r for r in res if r[0].startswith("TP")]
                lines.append("| %s | rare 1/%d | %d | %d | %.2f | %s | %s | %s | %s |" % (
                    cc, n, len(res), len(caught), len(caught) / len(res),
                    *med_max([r[2] for r in res]), *med_max([r[1] for r in res])))
                print(lines[-1], flush=True)
            for n in odds if a.clean_calls else []:
                res = many(a.clean_calls, ["--expect", "clean", "--budget",
                                           str(a.clean_budget), "--", exe, str(W_US),
                                           str(n), "clean"], tmp, cc, a.jobs)
                fp = [r for r in res if not r[0].startswith("TN")]
                lines.append("| %s | rare 1/%d clean (budget %.0f s) | %d | FP/ERROR: %d | "
                             "- | %s | %s | %s | %s |" % (
                                 cc, n, a.clean_budget, len(res), len(fp),
                                 *med_max([r[2] for r in res]), *med_max([r[1] for r in res])))
                print(lines[-1], flush=True)
            if a.per_run:
                for chaos in (True, False):
                    res = many(a.per_run, ["--expect", "race", "--runs", "1"] +
                               ([] if chaos else ["--no-chaos"]) + ["--", exe, str(W_US), "0"],
                               tmp, cc, a.jobs)
                    hit = sum(1 for r in res if r[0].startswith("TP"))
                    extra.append("| %s | rare W=%dus, no late start of its own | %s | %d/%d "
                                 "runs found it (%.2f) |" % (
                                     cc, W_US, "chaos shim + hog" if chaos else
                                     "--no-chaos (CPU sets, thread counts only)",
                                     hit, len(res), hit / max(1, len(res))))
                    print(extra[-1], flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    text = "\n".join(lines)
    if extra:
        text += "\n\nPer-run hit rate (single runs, one schedule each):\n\n" \
                "| compiler | program | perturbation | hits |\n|---|---|---|---|\n" + \
                "\n".join(extra)
    print()
    print(text)
    if a.out:
        with open(a.out + ".tmp", "w") as fh:
            fh.write(text + "\n")
        os.replace(a.out + ".tmp", a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
