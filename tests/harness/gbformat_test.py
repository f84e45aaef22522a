#!/usr/bin/env python3
"""tl-bench and Google Benchmark's conventions (issue 14), stdlib only:

    gbformat_test.py GROUP /path/to/tl-bench WORKDIR

  benchout  --benchmark_out JSON carries the CSV's numbers (real and CPU time
            of every row, median-epoch rows included); --benchmark_out_format=csv
            too; --benchmark_report_aggregates_only leaves only aggregates in the
            file; a bad out format is one line, exit 2.
  console   the console table stays under 100 columns, prints no nan, and
            shows CPU as '-' on manual-time rows.
  filter    --filter and --benchmark_filter with different values: one line,
            exit 2 (no silent override); the same value twice is fine.
Exit 0 pass, 1 fail, 77 skip.
"""
import csv
import io
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness_test import Fail, check, fresh_dir, latest, read_rows, run  # noqa: E402


def near(a, b):
    return abs(a - b) <= 1e-6 * max(abs(a), abs(b), 1e-12)


def csv_times(rows):
    """(name, aggregate or repetition) -> (real_ns, cpu_ns) of the CSV."""
    out = {}
    for r in rows:
        key = (r["name"], r["aggregate"] or "#" + r["repetition"])
        out[key] = (float(r["real_ns"]), float(r["cpu_ns"]))
    return out


def json_times(path):
    with open(path) as f:
        doc = json.load(f)
    out = {}
    for b in doc["benchmarks"]:
        check(b["time_unit"] == "ns", "time unit %r" % b["time_unit"])
        if b.get("run_type") == "aggregate":
            key = (b["run_name"], b["aggregate_name"])
        else:
            key = (b["run_name"], "#%d" % b["repetition_index"])
        out[key] = (float(b["real_time"]), float(b["cpu_time"]))
    return out


def test_benchout(bench, work):
    out = fresh_dir(work, "benchout")
    jpath = os.path.join(out, "gb.json")
    # selftest/epochs: median-epoch real time; selftest/ok: a plain row
    p = run(bench, ["--quick", "--out", out, "--filter", "^selftest/(epochs|ok)", "--benchmark_out=" + jpath])
    check(p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr))
    c, j = csv_times(read_rows(latest(out))), json_times(jpath)
    check(set(c) == set(j), "rows differ: CSV only %r, JSON only %r" % (set(c) - set(j), set(j) - set(c)))
    check(any(k[0].startswith("selftest/epochs") and k[1] == "median" for k in c), "no epochs median row")
    for k in c:
        if k[1] == "cv":  # fractions in both
            check(near(c[k][0], j[k][0]) and near(c[k][1], j[k][1]), "%r: CSV %r JSON %r" % (k, c[k], j[k]))
        else:
            check(near(c[k][0], j[k][0]), "%r real: CSV %r ns, JSON %r ns" % (k, c[k][0], j[k][0]))
            check(near(c[k][1], j[k][1]), "%r cpu: CSV %r ns, JSON %r ns" % (k, c[k][1], j[k][1]))

    # the csv out format, aggregates only
    cpath = os.path.join(out, "gb.csv")
    p = run(bench, ["--quick", "--out", out, "--filter", "^selftest/epochs", "--benchmark_out=" + cpath,
                    "--benchmark_out_format=csv", "--benchmark_report_aggregates_only=true"])
    check(p.returncode == 0, "csv out: exit %d: %s" % (p.returncode, p.stderr))
    with open(cpath) as f:
        text = f.read()
    body = text[text.index("name,"):]
    got = list(csv.DictReader(io.StringIO(body)))
    check(got and all(r["name"].endswith(("_mean", "_median", "_stddev", "_cv")) for r in got),
          "aggregates-only csv out file: %r" % [r["name"] for r in got])
    rows = read_rows(latest(out))
    check(any(r["row_type"] == "iteration" for r in rows), "the CSV lost its repetitions")
    med = [r for r in rows if r["aggregate"] == "median"][0]
    gmed = [r for r in got if r["name"].endswith("_median")][0]
    # Google Benchmark's csv reporter prints 6 significant digits
    check(abs(float(med["real_ns"]) - float(gmed["real_time"])) <= 1e-5 * float(med["real_ns"]),
          "csv out median %r vs CSV %r" % (gmed["real_time"], med["real_ns"]))

    p = run(bench, ["--quick", "--out", out, "--filter", "^selftest/ok", "--benchmark_out=" + jpath,
                    "--benchmark_out_format=xml"])
    lines = p.stderr.strip().splitlines()
    check(p.returncode == 2 and len(lines) == 1 and "'xml'" in lines[0], "out format xml: %d %r" % (p.returncode, p.stderr))


def test_console(bench, work):
    out = fresh_dir(work, "console")
    cpus = sorted(os.sched_getaffinity(0))
    # --pin <first CPU>: selftest/ok's `cpu` counter is that CPU's number in
    # every repetition; on CPU 0 its cv is 0/0, which used to print -nan%.
    p = run(bench, ["--quick", "--out", out, "--pin", str(cpus[0]), "--mode", "both",
                    "--filter", "^selftest/(ok|epochs|task_shared|args)"])
    check(p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr))
    lines = p.stdout.splitlines()
    check(any(l.startswith("selftest/task_shared") for l in lines), "no manual-time rows: %r" % p.stdout)
    wide = [l for l in lines if len(l) >= 100]
    check(not wide, "console lines of 100+ columns: %r" % wide[:3])
    check("nan" not in p.stdout.lower(), "nan in the console: %r" % [l for l in lines if "nan" in l.lower()])
    inst = None
    for l in lines:
        if not l.startswith(" ") and not l.startswith("-") and not l.startswith("Benchmark"):
            inst = l.strip()
        elif inst and inst.endswith("manual_time") and l.startswith("  ") and " ns " in l + " ":
            cols = l.split()
            check(cols[3] == "-", "manual-time row with a CPU figure: %r" % l)
        elif inst and inst.startswith("selftest/ok") and l.startswith("  #"):
            cols = l.split()
            check(cols[3] != "-" and cols[4] == "ns", "CPU missing on a plain row: %r" % l)


def test_filter(bench, work):
    p = run(bench, ["--list", "--filter", "^selftest/ok", "--benchmark_filter=^selftest/epochs"])
    lines = p.stderr.strip().splitlines()
    check(p.returncode == 2 and len(lines) == 1 and "^selftest/ok" in lines[0] and "^selftest/epochs" in lines[0],
          "two filters: exit %d %r" % (p.returncode, p.stderr))
    p = run(bench, ["--list", "--filter", "^selftest/ok", "--benchmark_filter=^selftest/ok"])
    check(p.returncode == 0 and p.stdout.split() == ["selftest/ok/iterations:1000"],
          "the same filter twice: exit %d %r %r" % (p.returncode, p.stdout, p.stderr))


TESTS = {"benchout": test_benchout, "console": test_console, "filter": test_filter}


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in TESTS:
        print("usage: gbformat_test.py {%s} TL_BENCH WORKDIR" % ",".join(TESTS), file=sys.stderr)
        return 2
    group, bench, work = sys.argv[1], os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3])
    os.makedirs(work, exist_ok=True)
    try:
        TESTS[group](bench, work)
    except Fail as e:
        print("FAIL gbformat %s: %s" % (group, e), file=sys.stderr)
        return 1
    print("ok gbformat %s" % group)
    return 0


if __name__ == "__main__":
    sys.exit(main())
