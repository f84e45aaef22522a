"""Dedup, verdicts, precision/recall, and the files of a run directory:

  summary.csv  one row per distinct report:
               case,detector,kind,location_a,location_b,count,first_log,
               category,expected,function_a,function_b,threads,mutexes,runs
  cases.csv    one row per case and detector: case,detector,kind,expected,
               found,verdict,failed,runs,hangs,exit_codes,seconds,reason
  summary.md   the verdict table, precision/recall per detector, then a table
               per case with a short excerpt of each distinct report.

Verdicts (per case and detector), over all its runs:
  TP    expected race/deadlock, a report of that category was found
  TN    expected clean, nothing found
  FN    expected race/deadlock, not found
  FP    a report that was not expected (for clean cases any report; for
        others a report of another category, e.g. a thread leak in a race
        case: shown as TP+FP). When the case declares sites (fixtures mark
        lines `// tsan-site`), a report of the expected category counts as
        found only if one of its two locations is such a line;
        elsewhere it is a false positive (shown as "race@elsewhere").
  HANG  a run was killed at the timeout (always a failure)
  ERROR the detector did not run or the program failed on its own (exit
        status other than 0 or 66 with no report, a crash): never "clean"
  SKIP  the case declared `skip` (with a reason)
An expected failure declared with `tsan-xfail:` shows as e.g. "FN (xfail)"
and does not fail the run; it still counts in precision/recall.
Precision = TP/(TP+FP) and recall = TP/(TP+FN), counted over cases.
"""
import csv
import os
import signal
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import List

from .model import RACE, DEADLOCK

FAILING = ("FN", "FP", "HANG", "ERROR")
OK_EXIT = (0, 66)


@dataclass
class Distinct:
    first: object           # the first Report with this key
    count: int = 0
    runs: set = field(default_factory=set)
    logs: List[str] = field(default_factory=list)


@dataclass
class Verdict:
    result: object          # runner.CaseResult
    verdict: str = ""
    failed: bool = False
    found: List[str] = field(default_factory=list)  # categories found
    distinct: List[Distinct] = field(default_factory=list)
    unexpected: List[Distinct] = field(default_factory=list)
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    why: List[str] = field(default_factory=list)

    @property
    def case(self):
        return self.result.case

    @property
    def detector(self):
        return self.result.detector


def dedup(reports) -> List[Distinct]:
    out = OrderedDict()
    for r in reports:
        d = out.setdefault(r.key(), Distinct(first=r))
        d.count += max(1, r.count)
        d.runs.add(r.run)
        if r.log not in d.logs:
            d.logs.append(r.log)
    return list(out.values())


def site_lines(sites):
    """{"file": {line, ...}} from ["file:line", ...]"""
    out = {}
    for s in sites:
        f, _, ln = s.rpartition(":")
        if ln.isdigit():
            out.setdefault(f, set()).add(int(ln))
    return out


def near_site(location, sites):
    """A location on a declared site line."""
    f, _, ln = (location or "").rpartition(":")
    return ln.isdigit() and int(ln) in sites.get(f, ())


def _exit_text(rc):
    if rc is None:
        return "?"
    if rc < 0:
        try:
            return signal.Signals(-rc).name
        except ValueError:
            return "signal %d" % -rc
    return str(rc)


def judge(result, ignore_exit=False) -> Verdict:
    case = result.case
    v = Verdict(result=result)
    if case.expect == "skip":
        v.verdict = "SKIP"
        return v
    v.distinct = dedup(result.reports)
    cats = []
    for d in v.distinct:
        if d.first.category not in cats:
            cats.append(d.first.category)
    v.found = cats
    expect = case.expect
    positives = (RACE, DEADLOCK)
    crash = [d for d in v.distinct if d.first.category in ("crash", "tool-error")]
    sites = site_lines(getattr(case, "sites", None) or [])

    def hits(d):
        # with declared sites, the expected report must point at one of them
        r = d.first
        return r.category == expect and (not sites or any(
            near_site(loc, sites) for loc in (r.location_a, r.location_b)))
    v.unexpected = [d for d in v.distinct if not hits(d) and d not in crash]
    if sites:
        v.found = []
        for d in v.distinct:
            label = d.first.category if hits(d) or d.first.category != expect \
                else d.first.category + "@elsewhere"
            if label not in v.found:
                v.found.append(label)
    if result.detector == "native":
        v.verdict = "n/a"
    elif expect in positives:
        if any(hits(d) for d in v.distinct):
            v.tp = 1
        else:
            v.fn = 1
        if v.unexpected:
            v.fp = 1
        v.verdict = ("TP" if v.tp else "FN") + ("+FP" if v.fp else "")
    else:
        if v.unexpected:
            v.fp = 1
            v.verdict = "FP"
        else:
            v.tn = 1
            v.verdict = "TN"
    # Things that make the verdict meaningless or the run a failure anyway.
    errors = list(result.errors)
    for d in crash:
        errors.append("%s at %s" % (d.first.kind, d.first.location_a))
    for r in result.runs:
        if r.hung:
            continue
        rc = r.returncode
        if rc is not None and rc < 0:  # a signal we did not send
            errors.append("run %d (%s): killed by %s" % (r.index, r.schedule, _exit_text(rc)))
        elif not ignore_exit and rc not in OK_EXIT and not result.reports:
            errors.append("run %d (%s): exit status %s with no report: the program "
                          "failed on its own (see %s)" % (
                              r.index, r.schedule, _exit_text(rc), os.path.basename(r.out)))
    if result.hung:
        hung = [r for r in result.runs if r.hung]
        v.why.append("%d of %d runs hung (killed after %.0f s): %s" % (
            len(hung), len(result.runs), result.case.timeout,
            ", ".join("run %d (%s)" % (r.index, r.schedule) for r in hung)))
        v.verdict = "HANG" + ("" if v.verdict in ("TN", "FN", "n/a") else " " + v.verdict)
    if errors:
        v.why.extend(errors)
        if not result.hung:
            v.verdict = "ERROR" + ("" if v.verdict in ("TN", "n/a") else " " + v.verdict)
    broken = result.hung or bool(errors)
    failing = broken or bool(v.fn or v.fp)
    xf = case.xfail.get(result.detector) or case.xfail.get("all")
    if xf and result.detector != "native" and not broken:
        # A declared detector limitation covers a missed or an extra report,
        # never a hang or a detector that did not run.
        if failing:
            v.verdict += " (xfail)"
            v.why.append("expected failure: " + xf)
            failing = False
        else:
            v.verdict += " (xpass)"
            v.why.append("declared xfail but passed: " + xf)
    v.failed = bool(failing)
    return v


def metrics(verdicts):
    """detector -> dict of counts, precision, recall."""
    out = OrderedDict()
    for v in verdicts:
        if v.verdict == "SKIP" or v.detector == "native":
            continue
        m = out.setdefault(v.detector, dict(cases=0, TP=0, FP=0, FN=0, TN=0, HANG=0,
                                            ERROR=0, xfail=0, failed=0))
        m["cases"] += 1
        m["TP"] += v.tp
        m["FP"] += v.fp
        m["FN"] += v.fn
        m["TN"] += v.tn
        m["HANG"] += int(v.result.hung)
        m["ERROR"] += int(v.verdict.startswith("ERROR"))
        m["xfail"] += int("(xfail)" in v.verdict)
        m["failed"] += int(v.failed)
    for m in out.values():
        m["precision"] = (m["TP"] / (m["TP"] + m["FP"])) if m["TP"] + m["FP"] else None
        m["recall"] = (m["TP"] / (m["TP"] + m["FN"])) if m["TP"] + m["FN"] else None
    return out


def fmt_ratio(x):
    # 3 decimals, as the detector table: 18/19 = 0.947, not 0.95
    return "n/a" if x is None else "%.3f" % x


def metrics_line(det, m):
    return ("%s: %d cases  TP=%d TN=%d FP=%d FN=%d HANG=%d ERROR=%d xfail=%d  "
            "precision=%s recall=%s" % (det, m["cases"], m["TP"], m["TN"], m["FP"],
                                         m["FN"], m["HANG"], m["ERROR"], m["xfail"],
                                         fmt_ratio(m["precision"]), fmt_ratio(m["recall"])))


def _rel(path, run_dir):
    return os.path.relpath(path, run_dir) if path else ""


def _found_text(v):
    return ",".join(v.found) if v.found else "-"


def excerpt(rep, roots=(), max_lines=14):
    """The report's header, then each stack's title and its top frame in our
    code (or its first frames when none is ours)."""
    from .model import our_frame
    lines = [rep.text.splitlines()[0] if rep.text else rep.kind]
    for st in rep.stacks[:6]:
        if st.title:
            lines.append("  " + st.title)
        f = our_frame(st.frames, roots)
        if f is not None:
            lines.append("    %s %s" % (f.func, f.where(roots)))
            g = our_frame(st.frames, roots, lock_site=True)
            if g is not f:
                lines.append("    %s %s" % (g.func, g.where(roots)))
        elif not st.restored:
            lines.append("    [failed to restore the stack]")
        if len(lines) >= max_lines:
            lines.append("  ...")
            break
    return "\n".join(lines[:max_lines + 1])


def write_csv(run_dir, verdicts):
    path = os.path.join(run_dir, "summary.csv")
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["case", "detector", "kind", "location_a", "location_b", "count",
                    "first_log", "category", "expected", "function_a", "function_b",
                    "threads", "mutexes", "runs", "stack_a", "stack_b", "seeds"])
        for v in verdicts:
            for d in v.distinct:
                r = d.first
                w.writerow([v.case.name, v.detector, r.kind, r.location_a, r.location_b,
                            d.count, _rel(d.logs[0], run_dir), r.category, v.case.expect,
                            r.function_a, r.function_b, ";".join(r.threads),
                            ";".join(r.mutexes), ";".join(str(x) for x in sorted(d.runs)),
                            r.stack_a, r.stack_b, ";".join(str(x) for x in seeds_of(v, d))])
    return path


def pair_text(r):
    """"a <-> b", each access with its caller ("race.c:54 < race.c:63"), so
    two rows for one line say how they differ."""
    def one(loc, stack):
        parts = [p for p in (stack or "").split("<") if p]
        if loc in parts and parts.index(loc) + 1 < len(parts):
            return "%s < %s" % (loc, parts[parts.index(loc) + 1])
        return loc
    a = one(r.location_a, r.stack_a)
    return a + (" <-> " + one(r.location_b, r.stack_b) if r.location_b else "")


def seeds_of(v, d):
    """The seeds of the runs that saw a distinct report (each replays with
    tsan-run --seed N --runs 1)."""
    by_index = {r.index: r.seed for r in v.result.runs}
    return [by_index[i] for i in sorted(d.runs) if i in by_index]


def exploration_text(res):
    """One line: how many schedules ran, in what time, and why it stopped."""
    found = [r for r in res.runs if r.found]
    return ("explored %d schedule(s) in %.1f s%s; %d found a report%s; stopped: %s" % (
        len(res.runs), res.seconds,
        " (budget %.0f s)" % res.budget if res.budget else "",
        len(found),
        " (first: run %d, seed %d)" % (found[0].index, found[0].seed) if found else "",
        res.stopped or "-"))


def runs_text(res, limit=40):
    """Per run: seed, schedule, perturbation, exit status, what it found.
    Runs that found something are always listed; quiet ones up to limit."""
    out = []
    quiet = 0
    for r in res.runs:
        if not r.found and quiet >= limit:
            continue
        quiet += not r.found
        out.append("run %d  seed %d  %s%s  exit %s  %.2f s  %s" % (
            r.index, r.seed, r.schedule, " [%s]" % r.chaos if r.chaos else "",
            _exit_text(r.returncode), r.seconds,
            "found: " + ", ".join(r.found) if r.found else "nothing"))
    hidden = len(res.runs) - len(out)
    if hidden:
        out.append("(%d more runs found nothing)" % hidden)
    if any(r.found for r in res.runs):
        first = next(r for r in res.runs if r.found)
        out.append("replay: tsan-run --seed %d --runs 1 ... (same schedule and "
                   "perturbation; the OS may still interleave differently)" % first.seed)
    return out


def blind_spots(verdicts):
    """Known detector blind spots that this run may have hit."""
    notes = []
    unrestored = sum(1 for v in verdicts for d in v.distinct
                     for s in d.first.stacks if not s.restored)
    if unrestored:
        notes.append(
            "known blind spot: TSan could not restore %d stack(s) of earlier accesses "
            "(`[failed to restore the stack]`: that thread's access history was "
            "overwritten; history_size=7 is already the most these runtimes keep)" % unrestored)
    v3 = sorted({v.result.runtime for v in verdicts if v.detector == "tsan" and (
        "v3" in (v.result.runtime or "") or "static" in (v.result.runtime or ""))})
    if v3:
        notes.append(
            "known blind spot of clang's TSan runtime (%s): a race whose earlier "
            "access's stack cannot be restored (the first thread stays busy long after "
            "its write) is dropped without any report; history_size=7 (the maximum) is "
            "set to make that rarer. A clean verdict here is weaker than under gcc's "
            "runtime: cross-check with a gcc build or --detector helgrind/drd" % ", ".join(v3))
    return notes


def write_cases_csv(run_dir, verdicts):
    path = os.path.join(run_dir, "cases.csv")
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["case", "detector", "kind", "expected", "found", "verdict", "failed",
                    "runs", "hangs", "exit_codes", "seconds", "reason"])
        for v in verdicts:
            res = v.result
            w.writerow([v.case.name, v.detector, v.case.kind, v.case.expect,
                        ";".join(v.found), v.verdict, int(v.failed), len(res.runs),
                        sum(1 for r in res.runs if r.hung),
                        ";".join(_exit_text(r.returncode) for r in res.runs),
                        "%.3f" % res.seconds, v.case.reason or "; ".join(v.why)])
    return path


def verdict_table(verdicts, width=None):
    """Plain-text table for the terminal."""
    rows = [("case", "detector", "expected", "found", "verdict", "runs", "time")]
    for v in verdicts:
        rows.append((v.case.name, v.detector, v.case.expect, _found_text(v), v.verdict,
                     str(len(v.result.runs)), "%.1fs" % v.result.seconds))
    w = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for n, r in enumerate(rows):
        out.append("  ".join(c.ljust(w[i]) for i, c in enumerate(r)).rstrip())
        if n == 0:
            out.append("  ".join("-" * x for x in w))
    return "\n".join(out)


def failures_text(verdicts, run_dir):
    """One paragraph per failing case: what went wrong and which report."""
    out = []
    for v in verdicts:
        if not v.failed:
            continue
        out.append("%s [%s]: %s (expected %s)" % (v.case.name, v.detector, v.verdict,
                                                    v.case.expect))
        for w in v.why:
            out.append("    " + w)
        if v.fn:
            out.append("    expected a %s report, none found in %d runs" % (
                v.case.expect, len(v.result.runs)))
        for d in v.unexpected:
            r = d.first
            out.append("    unexpected %s: %s (x%d, %s; seed %s)" % (
                r.kind, pair_text(r), d.count, _rel(d.logs[0], run_dir),
                ",".join(str(x) for x in seeds_of(v, d)) or "?"))
        hung = [r for r in v.result.runs if r.hung]
        for r in hung:
            out.append("    hung run %d output: %s" % (r.index, _rel(r.out, run_dir)))
    return "\n".join(out)


def _md_escape(s):
    return str(s).replace("|", "\\|")


def write_md(run_dir, verdicts, meta, roots=(), slowdown=None):
    """meta: OrderedDict of heading facts (run id, command, toolchain, notes)."""
    path = os.path.join(run_dir, "summary.md")
    L = ["# Race detection report", ""]
    for k, val in meta.items():
        if isinstance(val, (list, tuple)):
            if val:
                L.append("- %s:" % k)
                L.extend("  - %s" % x for x in val)
        elif val not in (None, ""):
            L.append("- %s: %s" % (k, val))
    L.append("")
    L.append("## Precision and recall")
    L.append("")
    L.append("| detector | cases | TP | TN | FP | FN | HANG | ERROR | xfail | precision | recall |")
    L.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for det, m in metrics(verdicts).items():
        L.append("| %s | %d | %d | %d | %d | %d | %d | %d | %d | %s | %s |" % (
            det, m["cases"], m["TP"], m["TN"], m["FP"], m["FN"], m["HANG"], m["ERROR"],
            m["xfail"], fmt_ratio(m["precision"]), fmt_ratio(m["recall"])))
    L.append("")
    if slowdown:
        L.append("## Slowdown against the uninstrumented build")
        L.append("")
        L.extend(slowdown)
        L.append("")
    L.append("## Verdicts")
    L.append("")
    L.append("| case | detector | expected | found | verdict | runs | time |")
    L.append("|---|---|---|---|---|---|---|")
    for v in verdicts:
        L.append("| %s | %s | %s | %s | **%s** | %d | %.1f s |" % (
            _md_escape(v.case.name), v.detector, v.case.expect, _found_text(v),
            v.verdict, len(v.result.runs), v.result.seconds))
    L.append("")
    L.append("## Cases")
    by_case = OrderedDict()
    for v in verdicts:
        by_case.setdefault(v.case.name, []).append(v)
    for name, vs in by_case.items():
        c = vs[0].case
        L.append("")
        L.append("### %s" % name)
        L.append("")
        if c.source or c.reason:
            L.append("Expectation `%s` declared in %s%s." % (
                c.expect, c.source or "the case list",
                " (%s)" % c.reason if c.reason else ""))
            L.append("")
        L.append("| detector | expected | found | verdict | schedules (exit status, s) |")
        L.append("|---|---|---|---|---|")
        for v in vs:
            shown = [r for r in v.result.runs if r.found or r.index < 12]
            sched = "; ".join("%s seed %d%s: %s%s, %.2f%s" % (
                r.schedule or "-", r.seed, " [%s]" % r.chaos if r.chaos else "",
                _exit_text(r.returncode), " HANG" if r.hung else "", r.seconds,
                " **found %s**" % ", ".join(r.found) if r.found else "")
                for r in shown)
            if len(shown) < len(v.result.runs):
                sched += "; ... %d more runs found nothing" % (len(v.result.runs) - len(shown))
            L.append("| %s | %s | %s | **%s** | %s |" % (
                v.detector, c.expect, _found_text(v), v.verdict, _md_escape(sched)))
        for v in vs:
            if v.result.runs:
                L.append("")
                L.append("- %s: %s" % (v.detector, exploration_text(v.result)))
            for w in v.why:
                L.append("")
                L.append("- %s: %s" % (v.detector, _md_escape(w)))
            for d in v.distinct:
                r = d.first
                tag = "expected" if r.category == c.expect else "UNEXPECTED"
                L.append("")
                L.append("**%s** %s (%s, %s): `%s`%s, seen %d× in run(s) %s; threads %s%s; "
                         "first log `%s`" % (
                             v.detector, _md_escape(r.kind), r.category, tag, r.location_a,
                             " ↔ `%s`" % r.location_b if r.location_b else "", d.count,
                             ",".join(str(x) for x in sorted(d.runs)),
                             ", ".join(r.threads) or "-",
                             "; mutexes " + ", ".join(r.mutexes) if r.mutexes else "",
                             _rel(d.logs[0], run_dir)))
                L.append("")
                L.append("```")
                L.append(excerpt(r, roots))
                L.append("```")
            hung = [r for r in v.result.runs if r.hung]
            for r in hung:
                L.append("")
                L.append("- %s run %d hung; program output: `%s`, detector logs so far: %s" % (
                    v.detector, r.index, _rel(r.out, run_dir),
                    ", ".join("`%s`" % _rel(p, run_dir) for p in r.logs) or "none"))
    L.append("")
    with open(path, "w") as fh:
        fh.write("\n".join(L))
    return path


def update_latest(run_dir):
    """<parent>/latest -> run_dir (relative symlink, replaced atomically)."""
    parent = os.path.dirname(os.path.abspath(run_dir))
    link = os.path.join(parent, "latest")
    tmp = link + ".tmp%d" % os.getpid()
    try:
        os.symlink(os.path.basename(os.path.abspath(run_dir)), tmp)
        os.replace(tmp, link)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
