"""The detector table: precision, recall and slowdown of each detector
(TSan, Helgrind, DRD) on one case set, one row per compiler and detector.

tsan-suite writes it for every run (<run>/detectors.json and detectors.md);
slowdown needs native runs of the same cases (--report-slowdown). Several
runs (a gcc and a clang build) merge into one table:

    python3 scripts/tlrace/table.py RUN_DIR [RUN_DIR...] [--md FILE] [--json FILE]

Columns: compiler, detector, cases (judged, skips left out), TP, TN, FP, FN,
HANG, ERROR, precision = TP/(TP+FP), recall = TP/(TP+FN) (over cases, as
summary.md counts them; exact in the JSON, 3 decimals in the Markdown, so
that 18/19 = 0.947 is not shown as 0.95), slowdown = the median over cases of (detector
seconds per run) / (native seconds per run), on the cases that ran properly
under that detector and natively (slowdown_cases says how many). Timings
from a busy machine are noisy; precision and recall are not timings.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
from collections import OrderedDict

if __package__ in (None, ""):  # run as a script: scripts/tlrace/table.py
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from tlrace import report  # noqa: E402
else:
    from . import report

COLUMNS = ("compiler", "detector", "cases", "TP", "TN", "FP", "FN", "HANG", "ERROR",
           "precision", "recall", "slowdown", "slowdown_cases")
DETECTORS = ("tsan", "helgrind", "drd")


def compiler_name(cc):
    """'gcc 12.2.0' from a compiler path (its -dumpfullversion), or its
    basename when it cannot be asked."""
    if not cc:
        return "?"
    base = os.path.basename(cc)
    try:
        out = subprocess.run([cc, "-dumpfullversion", "-dumpversion"], capture_output=True,
                             text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        out = ""
    name = "clang" if "clang" in base else "gcc" if "gcc" in base or base in ("cc", "c99") \
        else base
    return "%s %s" % (name, out.split()[0]) if out else name


def _per_run(res):
    return res.seconds / len(res.runs) if res.runs else 0.0


def _ran_properly(res):
    v = report.judge(res)
    return not res.hung and not v.verdict.startswith(("ERROR", "HANG")) and res.seconds > 0


def rows(results, compilers):
    """One row per detector that ran. results: CaseResults (native ones
    give the slowdown); compilers: detector -> compiler name."""
    verdicts = [report.judge(r) for r in results if r is not None]
    m = report.metrics(verdicts)
    native = {r.case.name: r for r in results
              if r is not None and r.detector == "native" and r.case.expect != "skip"
              and _ran_properly(r)}
    out = []
    for det in [d for d in DETECTORS if d in m] + [d for d in m if d not in DETECTORS]:
        mm = m[det]
        ratios = []
        for r in results:
            if r is None or r.detector != det or r.case.expect == "skip":
                continue
            nat = native.get(r.case.name)
            if nat is not None and _ran_properly(r) and _per_run(nat) > 0:
                ratios.append(_per_run(r) / _per_run(nat))
        row = OrderedDict()
        row["compiler"] = compilers.get(det, "?")
        row["detector"] = det
        for k in ("cases", "TP", "TN", "FP", "FN", "HANG", "ERROR"):
            row[k] = mm[k]
        # exact (TP/(TP+FP) as a float) in the JSON; the Markdown rounds
        row["precision"] = mm["precision"]
        row["recall"] = mm["recall"]
        row["slowdown"] = round(statistics.median(ratios), 2) if ratios else None
        row["slowdown_cases"] = len(ratios)
        out.append(row)
    return out


def _fmt(k, v):
    if v is None:
        return "n/a" if k in ("precision", "recall") else "-"
    if k in ("precision", "recall"):
        # 3 decimals: 18/19 = 0.947 must not read as 0.95
        return "%.3f" % v
    if k == "slowdown":
        return "%.1fx" % v
    return str(v)


def markdown(table_rows, note=""):
    lines = ["| " + " | ".join(COLUMNS) + " |",
             "|" + "---|" * len(COLUMNS)]
    for r in table_rows:
        lines.append("| " + " | ".join(_fmt(k, r.get(k)) for k in COLUMNS) + " |")
    if note:
        lines += ["", note]
    return "\n".join(lines) + "\n"


def _write_atomic(path, text):
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    tmp = "%s.tmp%d" % (path, os.getpid())
    try:
        with open(tmp, "w") as fh:
            fh.write(text)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write(table_rows, md_path=None, json_path=None, meta=None):
    """Write the table (Markdown and/or JSON, each atomically). Raises
    OSError on a failed write: the caller fails the run."""
    meta = dict(meta or {})
    note = ("precision = TP/(TP+FP), recall = TP/(TP+FN), over cases; slowdown = median "
            "over cases of detector s/run / native s/run (slowdown_cases cases)%s." % (
                "; " + meta["note"] if meta.get("note") else ""))
    if md_path:
        _write_atomic(md_path, markdown(table_rows, note))
    if json_path:
        doc = OrderedDict(columns=list(COLUMNS), rows=table_rows)
        doc.update(meta)
        _write_atomic(json_path, json.dumps(doc, indent=2) + "\n")


def load(run_dir):
    """The rows of one run's detectors.json (a suite run directory)."""
    path = os.path.join(run_dir, "detectors.json") if os.path.isdir(run_dir) else run_dir
    with open(path) as fh:
        doc = json.load(fh)
    rows_ = doc.get("rows")
    if not isinstance(rows_, list) or any(not isinstance(r, dict) for r in rows_):
        raise ValueError("%s: no detector rows" % path)
    return doc, rows_


def main(argv=None):
    ap = argparse.ArgumentParser(prog="tlrace/table.py", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+", metavar="RUN_DIR",
                    help="tsan-suite run directories (or their detectors.json)")
    ap.add_argument("--md", help="write the merged table as Markdown here")
    ap.add_argument("--json", help="write the merged table as JSON here")
    a = ap.parse_args(argv)
    merged, sources = [], []
    for d in a.runs:
        try:
            doc, rs = load(d)
        except (OSError, ValueError) as e:
            print("table.py: cannot read %s: %s" % (d, e), file=sys.stderr)
            return 2
        merged += rs
        sources.append(doc.get("run") or d)
    meta = {"sources": sources}
    try:
        write(merged, a.md, a.json, meta)
    except OSError as e:
        print("table.py: cannot write the table: %s" % e, file=sys.stderr)
        return 1
    sys.stdout.write(markdown(merged))
    return 0


if __name__ == "__main__":
    sys.exit(main())
