"""scripts/compare A B: line up the same benchmarks of two runs.

A and B are each our CSV, a run directory (its results.csv), or a Google
Benchmark JSON file (--benchmark_out of tl-bench or of any program;
tlreport.gbjson), so any two Google Benchmark outputs compare as with
Google Benchmark's tools/compare.py. Runs from different hosts pair by
benchmark name like any two runs; the header names each side's host and CPU.

A benchmark is identified by name (without the runner's `/pin:<policy>`
part) + peer + mode, + pin policy when either run holds it under several
policies (a default tl-bench run holds multi-threaded benchmarks under
compact and scatter): then compact pairs with compact, scatter with
scatter, and a policy only one run has is listed as such. Two runs with
one policy each (--pin compact vs --pin scatter) pair across policies. For each one present in both
runs: median real and CPU time per iteration over the repetitions (the
iteration rows; the median aggregate row when a run kept aggregates only),
the change in percent, and a two-sided Mann-Whitney U test over the
repetitions' real times (and CPU times), as Google Benchmark's
tools/compare.py does (it calls scipy's mannwhitneyu; tlreport.utest is the
same test in the standard library).

A change is a significant regression when B is slower than A by more than
the threshold and p < alpha. Exit status: 0 none, 1 at least one, 2 bad
input. Stdlib only.
"""
import argparse
import json
import math
import re
import sys

from . import inputs, results, utest

UTEST_MIN_REPETITIONS = 2      # as Google Benchmark's report.py
UTEST_OPTIMAL_REPETITIONS = 9  # "Lowest reasonable number, More is better."


def fmt_time(ns):
    return results.fmt_time(ns, 4)


def change(old, new):
    """Relative change as Google Benchmark's calculate_change computes it."""
    if old is None or new is None:
        return None
    if old == 0 and new == 0:
        return 0.0
    if old == 0:
        return (new - old) / ((old + new) / 2.0)
    return (new - old) / abs(old)


def parse_threshold(text):
    t = text.strip()
    if t.endswith("%"):
        t = t[:-1]
    try:
        v = float(t)
    except ValueError:
        raise argparse.ArgumentTypeError("threshold %r: expected a percentage such as 5%%" % text)
    if not (0 <= v < 1e6) or math.isnan(v):
        raise argparse.ArgumentTypeError("threshold %r out of range" % text)
    return v / 100.0


def parse_alpha(text):
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("alpha %r is not a number" % text)
    if not 0 < v < 1:
        raise argparse.ArgumentTypeError("alpha must be between 0 and 1 (got %s)" % text)
    return v


def _index(points):
    return {p.key: p for p in points}


def compare_points(pa, pb, threshold, alpha, method="auto"):
    """Returns a dict describing one benchmark's comparison."""
    d = {"benchmark": results.key_str(pa.key), "name": pa.name, "peer": pa.peer,
         "mode": pa.mode, "time_old": pa.real_ns, "time_new": pb.real_ns,
         "cpu_old": pa.cpu_ns, "cpu_new": pb.cpu_ns,
         "time_change": change(pa.real_ns, pb.real_ns),
         "cpu_change": change(pa.cpu_ns, pb.cpu_ns),
         "reps_old": len(pa.reps), "reps_new": len(pb.reps),
         "time_pvalue": None, "cpu_pvalue": None, "min_pvalue": None,
         "utest": "not run"}
    n1, n2 = len(pa.reps), len(pb.reps)
    if min(n1, n2) >= UTEST_MIN_REPETITIONS:
        _, d["time_pvalue"], m = utest.mannwhitneyu(pa.reps, pb.reps, method)
        if len(pa.cpu_reps) >= 2 and len(pb.cpu_reps) >= 2:
            _, d["cpu_pvalue"], _ = utest.mannwhitneyu(pa.cpu_reps, pb.cpu_reps, method)
        d["utest"] = m
        d["min_pvalue"] = utest.min_pvalue(n1, n2)
    ch, p = d["time_change"], d["time_pvalue"]
    significant = p is not None and p < alpha
    if ch is None:
        v = "no data"
    elif p is None:
        v = "untested"  # fewer than 2 repetitions on a side
    elif not significant:
        v = "~"
    elif ch > threshold:
        v = "REGRESSION"
    elif ch < -threshold:
        v = "improved"
    else:
        v = "slower" if ch > 0 else "faster"
    d["verdict"] = v
    return d


def geomean_change(rows):
    logs = [math.log(r["time_new"] / r["time_old"]) for r in rows
            if r["time_old"] and r["time_new"]]
    if not logs:
        return None
    return math.exp(sum(logs) / len(logs)) - 1.0


def run(a_path, b_path, threshold, alpha, method="auto", name_filter=None):
    ra, rb = results.load_any(a_path), results.load_any(b_path)
    multi = results.multi_pin(ra) | results.multi_pin(rb)
    pa_all, pb_all = results.points(ra, multi), results.points(rb, multi)
    if name_filter:
        rx = re.compile(name_filter)
        pa_all = [p for p in pa_all if rx.search(p.name)]
        pb_all = [p for p in pb_all if rx.search(p.name)]
    ia, ib = _index(pa_all), _index(pb_all)
    out = {"a": a_path, "b": b_path, "threshold": threshold, "alpha": alpha,
           "facts_a": results.facts(ra), "facts_b": results.facts(rb),
           "compared": [], "only_a": [], "only_b": [], "errored": []}
    for p in pa_all:
        q = ib.get(p.key)
        if q is None:
            out["only_a"].append(results.key_str(p.key))
            continue
        if not p.ok or not q.ok:
            why = "; ".join(["A: " + e for e in p.errors] + ["B: " + e for e in q.errors]) \
                or "no timing rows"
            out["errored"].append("%s: %s" % (results.key_str(p.key), why))
            continue
        out["compared"].append(compare_points(p, q, threshold, alpha, method))
    out["only_b"] = [results.key_str(q.key) for q in pb_all if q.key not in ia]
    out["regressions"] = [r for r in out["compared"] if r["verdict"] == "REGRESSION"]
    out["geomean_change"] = geomean_change(out["compared"])
    return out


def _pct(v):
    return "-" if v is None else "%+.1f%%" % (v * 100.0)


def _p(v):
    return "-" if v is None else "%.4f" % v


def table(head, rows, left=(0,)):
    """Columns as wide as their widest cell, two spaces apart: a cell never
    runs into the next one (`49.86 us+175968.1%` did). Columns in `left`
    are left-aligned, the others right-aligned; the last is never padded."""
    widths = [max(len(r[i]) for r in [head] + rows) for i in range(len(head))]

    def line(cells):
        out = []
        for i, (c, w) in enumerate(zip(cells, widths)):
            last = i == len(cells) - 1
            out.append(c if last else c.ljust(w) if i in left else c.rjust(w))
        return "  ".join(out).rstrip()
    return [line(head)] + [line(r) for r in rows]


def _side(label, path, f):
    return "%s: %s  (host %s, CPU %s, run %s, commit %s)" % (
        label, path, results.fact_str(f, "host"), results.fact_str(f, "cpu_model"),
        results.fact_str(f, "run_id"), results.short_commits(f))


def render(out, color=False):
    def c(text, code):
        return "\033[%sm%s\033[0m" % (code, text) if color else text
    fa, fb = out["facts_a"], out["facts_b"]
    lines = [_side("A", out["a"], fa), _side("B", out["b"], fb)]
    if any(fa.get(k) and fb.get(k) and fa[k] != fb[k] for k in ("host", "cpu_model")):
        lines.append("NOTE: A and B ran on different machines: benchmarks pair by name, and a "
                     "change includes the machine's difference.")
    lines += ["Median of repetitions; change = (B - A) / A; p = two-sided Mann-Whitney U "
              "over repetitions; REGRESSION = slower by > %.1f%% with p < %g."
              % (out["threshold"] * 100, out["alpha"]), ""]
    rows = out["compared"]
    head = ["Benchmark", "Time Old", "Time New", "Time", "CPU", "p(time)", "p(cpu)", "Reps", "Verdict"]
    cells, codes = [], []
    warn_small = False
    for r in rows:
        v = r["verdict"]
        vtxt = v
        if r["min_pvalue"] is not None and r["min_pvalue"] >= out["alpha"]:
            vtxt += " (n too small)"
            warn_small = True
        codes.append({"REGRESSION": "91", "improved": "96", "slower": "93"}.get(v))
        cells.append([r["benchmark"], fmt_time(r["time_old"]), fmt_time(r["time_new"]),
                      _pct(r["time_change"]), _pct(r["cpu_change"]), _p(r["time_pvalue"]),
                      _p(r["cpu_pvalue"]), "%dv%d" % (r["reps_old"], r["reps_new"]), vtxt])
    if rows:
        cells.append(["OVERALL_GEOMEAN", "", "", _pct(out["geomean_change"]), "", "", "", "", ""])
        codes.append(None)
    t = table(head, cells, left=(0, 8))
    lines += [t[0], "-" * max(len(x) for x in t)]
    lines += [c(x, code) if code else x for x, code in zip(t[1:], codes)]
    lines.append("")
    few = [r for r in rows if r["reps_old"] < UTEST_OPTIMAL_REPETITIONS or r["reps_new"] < UTEST_OPTIMAL_REPETITIONS]
    if few:
        lines.append("WARNING: %d of %d benchmarks have fewer than %d repetitions on a side: "
                     "U test results unreliable (Google Benchmark recommends %d+)."
                     % (len(few), len(rows), UTEST_OPTIMAL_REPETITIONS, UTEST_OPTIMAL_REPETITIONS))
    if warn_small:
        lines.append("NOTE: '(n too small)': with so few repetitions no p-value can be below "
                     "alpha=%g; run with more repetitions to detect changes." % out["alpha"])
    for label, key in (("Only in A", "only_a"), ("Only in B", "only_b"), ("Errored or skipped", "errored")):
        if out[key]:
            lines.append("%s (%d):" % (label, len(out[key])))
            lines += ["  " + x for x in out[key]]
    regs = out["regressions"]
    lines.append("Summary: %d compared, %d significant regression%s beyond %.1f%%, "
                 "%d improved, %d only in A, %d only in B."
                 % (len(rows), len(regs), "" if len(regs) == 1 else "s",
                    out["threshold"] * 100,
                    sum(r["verdict"] == "improved" for r in rows),
                    len(out["only_a"]), len(out["only_b"])))
    for r in regs:
        lines.append(c("REGRESSION: %s %s (p=%.4f)" % (r["benchmark"], _pct(r["time_change"]),
                                                      r["time_pvalue"]), "91"))
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="compare", description="Compare two benchmark runs (A = old, B = new): each a threadlab "
        "CSV, a run directory, or a Google Benchmark JSON file.")
    ap.add_argument("a", metavar="A")
    ap.add_argument("b", metavar="B")
    ap.add_argument("--threshold", type=parse_threshold, default=0.05,
                    help="regression threshold, e.g. 5%% (default 5%%)")
    ap.add_argument("--alpha", type=parse_alpha, default=0.05,
                    help="significance level of the U test (default 0.05)")
    ap.add_argument("--utest-method", choices=("auto", "exact", "asymptotic"), default="auto",
                    help="auto (as scipy): exact without ties and n <= 8, else normal approximation")
    ap.add_argument("--filter", metavar="REGEX", help="only benchmarks whose name matches")
    ap.add_argument("--json", metavar="PATH", help="also write the comparison as JSON ('-' = stdout)")
    ap.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    ap.add_argument("--format", choices=("text", "json"), default="text",
                    help="stdout as the text table (default) or the comparison as JSON")
    args = ap.parse_args(argv)
    try:
        if args.json is not None and args.json != "-":
            inputs.check_out_file(args.json, "--json")
        if args.filter:
            re.compile(args.filter)
        out = run(args.a, args.b, args.threshold, args.alpha, args.utest_method, args.filter)
    except re.error as e:
        results.die("--filter: bad regex: %s" % e, "compare")
    except results.InputError as e:
        results.die(e, "compare")
    color = args.color == "always" or (args.color == "auto" and sys.stdout.isatty())
    doc = {k: v for k, v in out.items() if k != "regressions"}
    doc["regressions"] = [r["benchmark"] for r in out["regressions"]]
    text = json.dumps(doc, indent=2)
    if args.json and args.json != "-":
        try:
            inputs.write_atomic(args.json, text + "\n", "--json")
        except results.InputError as e:
            results.die(e, "compare")
    if args.format == "json" or args.json == "-":
        print(text)
    else:
        print(render(out, color))
    return 1 if out["regressions"] else 0
