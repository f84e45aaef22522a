"""tsan-suite: build threadlab for race detection and run every case.

Cases (each run K times under the runner's schedules, see runner.py):
  unit/<test>        every CTest test labelled `unit` (expect clean)
  workload/<case>    every line of `bench/tl-workload --cases`
                     ("<case> <race|deadlock|clean|skip> [reason]"), run as
                     `tl-workload <case> --quick` (+ `--threads N` in the
                     threads schedule); skipped with a note if not built
  fixture/<name>     tests/tsan/*.c (and primitives/tests/tsan_expect/*.c as
                     fixture/primitives/<name>), expectation from their
                     `// tsan-expect:` line, via the build's tsan_fixtures.tsv

Builds: TSan in build/tsan (-DTSAN=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
-DTL_WERROR=ON, so -O1 -g); helgrind, drd and the native baseline
(--report-slowdown) use an uninstrumented RelWithDebInfo build in
build/valgrind with the same -O1 -g (same code and line info, only the
instrumentation differs), -DTL_RACE_FIXTURES=ON and -DTL_VALGRIND=ON (the
primitives' Helgrind/DRD client requests; a few no-op instructions when not
under valgrind). CC/CXX are honoured as the Makefile does (CC=clang
brings CXX=clang++), and a build dir configured with another compiler is
re-configured from scratch.

Output: reports/tsan/<run>/ (reports/tsan/latest -> it): raw/, summary.csv,
cases.csv, summary.md, build logs. Exit 0 when every verdict holds, 1 on any
FN/FP/HANG/ERROR or a failed build, 2 on a setup error (bad suppressions,
cmake cannot configure).
"""
import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor

from . import report, supp, table
from .runner import (Case, Env, Parser, install_stop_handlers, new_run_dir, number,
                     out_dir_problem, report_path_problem, run_case, shell_words,
                     tsan_built)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SUPP_FILE = os.path.join(ROOT, "scripts", "tsan.supp")
OUR_CODE = [os.path.join(ROOT, d) for d in ("primitives", "bench", "tests")]

# -gdwarf-4: valgrind 3.19 cannot read clang 14's default DWARF 5 ("unhandled
# dwarf2 abbrev form code 0x25": every run an ERROR)
PLAIN_CFLAGS = "-O1 -g -gdwarf-4 -fno-omit-frame-pointer -DNDEBUG"

# per-run timeouts (s) by case kind; valgrind runs get VG_FACTOR times more
TIMEOUTS = {"unit": 300.0, "workload": 120.0, "fixture": 60.0}
VG_FACTOR = 5.0
# unit tests' heavy loops under valgrind: 1/VG_ITER_DIV (see --iter-div)
VG_ITER_DIV = 20


def say(msg=""):
    print(msg, flush=True)


# --- building ------------------------------------------------------------------

def compiler_args():
    """-DCMAKE_C_COMPILER/-DCMAKE_CXX_COMPILER as the Makefile passes them."""
    args = []
    cc, cxx = os.environ.get("CC"), os.environ.get("CXX")
    if cc:
        args.append("-DCMAKE_C_COMPILER=" + cc)
        if not cxx and "clang" in cc:
            args.append("-DCMAKE_CXX_COMPILER=" + cc.replace("clang", "clang++"))
    if cxx:
        args.append("-DCMAKE_CXX_COMPILER=" + cxx)
    return args


def cache_value(build, key):
    try:
        with open(os.path.join(build, "CMakeCache.txt")) as fh:
            for ln in fh:
                if ln.startswith(key + ":"):
                    return ln.split("=", 1)[1].strip()
    except OSError:
        pass
    return None


def configure_and_build(build, extra, jobs, logdir, name):
    """(ok, message). Re-configures from scratch when the compiler changed
    (same .tl-compiler stamp as the Makefile's configure)."""
    os.makedirs(build, exist_ok=True)
    cargs = compiler_args()
    stamp = os.path.join(build, ".tl-compiler")
    want = " ".join(cargs)
    have = None
    if os.path.exists(stamp):
        with open(stamp) as fh:
            have = fh.read().strip()
    elif os.path.exists(os.path.join(build, "CMakeCache.txt")) and os.environ.get("CC"):
        cached = cache_value(build, "CMAKE_C_COMPILER")
        want_cc = shutil.which(os.environ["CC"]) or os.environ["CC"]
        if cached and os.path.realpath(cached) != os.path.realpath(want_cc):
            have = "?"
    if have is not None and have != want:
        say("%s: compiler changed, re-configuring from scratch" % build)
        shutil.rmtree(os.path.join(build, "CMakeFiles"), ignore_errors=True)
        try:
            os.unlink(os.path.join(build, "CMakeCache.txt"))
        except FileNotFoundError:
            pass
    log = os.path.join(logdir, "build-%s.log" % name)
    cmd = ["cmake", "-S", ROOT, "-B", build] + cargs + extra
    with open(log, "w") as fh:
        fh.write("$ %s\n" % " ".join(shlex.quote(c) for c in cmd))
        fh.flush()
        r = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT)
        if r.returncode != 0:
            return False, "configure failed (see %s)" % log, True
        with open(stamp, "w") as st:
            st.write(want + "\n")
        gen = cache_value(build, "CMAKE_GENERATOR") or ""
        keep_going = ["--", "-k", "0"] if "Ninja" in gen else ["--", "-k"]
        cmd = ["cmake", "--build", build, "-j", str(jobs)] + keep_going
        fh.write("$ %s\n" % " ".join(shlex.quote(c) for c in cmd))
        fh.flush()
        t0 = time.monotonic()
        r = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT)
        dt = time.monotonic() - t0
    if r.returncode != 0:
        with open(log, errors="replace") as fh:
            errs = [ln.rstrip() for ln in fh if re.search(r"error|Error", ln)]
        return False, "build failed (see %s):\n    %s" % (log, "\n    ".join(errs[:12])), False
    return True, "built in %.0f s" % dt, False


# --- discovering cases -----------------------------------------------------------

def unit_cases(build, timeout):
    try:
        out = subprocess.run(["ctest", "--show-only=json-v1"], cwd=build,
                             capture_output=True, text=True, timeout=120)
        data = json.loads(out.stdout)
    except (OSError, subprocess.SubprocessError, ValueError) as e:
        return [], ["cannot list the CTest tests of %s: %s" % (build, e)]
    cases = []
    for t in data.get("tests", []):
        props = {p["name"]: p["value"] for p in t.get("properties", [])}
        labels = props.get("LABELS", [])
        if "unit" not in labels or not t.get("command"):
            continue
        env = {}
        for kv in props.get("ENVIRONMENT", []):
            k, _, v = kv.partition("=")
            env[k] = v
        cases.append(Case(name="unit/" + t["name"], argv=list(t["command"]), expect="clean",
                          kind="unit", cwd=props.get("WORKING_DIRECTORY") or build,
                          env=env, timeout=timeout,
                          source="CTest label `unit` (every unit test must be clean)"))
    return cases, []


def fixture_cases(build, timeout):
    path = os.path.join(build, "tests", "tsan", "tsan_fixtures.tsv")
    if not os.path.exists(path):
        return [], ["no fixture manifest %s (tests/tsan not configured in this build)" % path]
    cases = []
    with open(path) as fh:
        for ln in fh:
            parts = ln.rstrip("\n").split("\t")
            if len(parts) < 4:
                continue
            name, expect, exe, src = parts[:4]
            xfail = {}
            for item in (parts[4] if len(parts) > 4 else "").split(" | "):
                dets, _, why = item.strip().partition(" ")
                for d in filter(None, dets.split(",")):
                    xfail[d] = why
            rel = os.path.relpath(src, ROOT)
            sites = []
            try:
                with open(src, errors="replace") as sf:
                    sites = ["%s:%d" % (rel, n) for n, l in enumerate(sf, 1)
                             if "tsan-site" in l]
            except OSError:
                pass
            cases.append(Case(name="fixture/" + name, argv=[exe], expect=expect,
                              kind="fixture", cwd=build, timeout=timeout, xfail=xfail,
                              sites=sites, source="`// tsan-expect:` in %s" % rel, src_file=src))
    return cases, []


def workload_cases(build, timeout, extra_args):
    exe = os.path.join(build, "bench", "tl-workload")
    if not os.path.exists(exe):
        return [], ["%s not built: workload cases skipped" % os.path.relpath(exe, ROOT)], []
    env = dict(os.environ)
    env.pop("TSAN_OPTIONS", None)
    try:
        out = subprocess.run([exe, "--cases"], capture_output=True, text=True, env=env,
                             timeout=120)
    except (OSError, subprocess.SubprocessError) as e:
        return [], [], ["%s --cases failed: %s" % (exe, e)]
    if out.returncode != 0:
        return [], [], ["%s --cases exited %d: %s" % (exe, out.returncode,
                                                       out.stderr.strip()[:300])]
    # Which workloads take --threads: `tl-workload --list` prints each
    # workload ("<name> — lesson") followed by its "  --<param> ..." lines.
    with_threads = set()
    try:
        lst = subprocess.run([exe, "--list"], capture_output=True, text=True, env=env,
                             timeout=120).stdout
        cur = None
        for ln in lst.splitlines():
            m = re.match(r"^(\S+)\s", ln)
            if m:
                cur = m.group(1)
            elif cur and re.match(r"^\s+--threads\b", ln):
                with_threads.add(cur)
    except (OSError, subprocess.SubprocessError):
        pass
    cases, errors = [], []
    for ln in out.stdout.splitlines():
        if not ln.strip() or ln.startswith("#"):
            continue
        parts = ln.split(None, 2)
        if len(parts) < 2 or parts[1] not in ("race", "deadlock", "clean", "skip"):
            errors.append("tl-workload --cases: bad line %r" % ln)
            continue
        name, expect = parts[0], parts[1]
        reason = parts[2] if len(parts) > 2 else ""
        if expect == "skip" and not reason:
            errors.append("tl-workload --cases: %s is skipped without a reason" % name)
        cases.append(Case(name="workload/" + name, argv=[exe, name] + extra_args,
                          expect=expect, kind="workload", cwd=build, timeout=timeout,
                          threads_arg=(["--threads", "{n}"]
                                       if name.split("/")[0] in with_threads else None),
                          reason=reason,
                          source="bench/workloads (`tl-workload --cases`)"))
    return cases, [], errors


def build_vg_atomics(a, cases, out):
    """({case name: executable}, problems, note): every plain-C fixture
    (tests/tsan/*.c: no threadlab, so nothing of ours annotates its atomics)
    rebuilt with scripts/tlrace/vgatomics.py into <plain build>/vgatomics/
    with the plain build's compiler and flags."""
    from . import vgatomics
    cc = cache_value(a.plain_build_dir, "CMAKE_C_COMPILER") or os.environ.get("CC", "cc")
    cflags = PLAIN_CFLAGS.split() + ["-Wall", "-Wextra", "-Werror", "-std=c11",
                                     "-D_GNU_SOURCE"]
    exes, errs = {}, []
    vdir = os.path.join(a.plain_build_dir, "vgatomics")
    os.makedirs(vdir, exist_ok=True)
    logs = []
    for c in cases:
        src = c.src_file
        if c.kind != "fixture" or not src or c.expect == "skip" or \
                os.path.dirname(os.path.realpath(src)) != os.path.realpath(
                    os.path.join(ROOT, "tests", "tsan")):
            continue
        exe = os.path.join(vdir, c.name.split("/", 1)[1])
        ok, log = vgatomics.build(cc, [src], exe, cflags)
        logs.append(log)
        if not ok:
            errs.append("vgatomics build of %s failed (see %s)" % (
                src, os.path.join(out, "build-vgatomics.log")))
            continue
        missing = vgatomics.missing_entry_points(exe)
        if missing:
            errs.append("%s: TSan entry points vgatomics.c lacks: %s" % (exe, ", ".join(missing)))
            continue
        exes[c.name] = exe
    with open(os.path.join(out, "build-vgatomics.log"), "w") as fh:
        fh.write("\n".join(logs) + "\n")
    note = None
    if exes:
        note = ("helgrind/drd ran the %d plain-C fixtures built with scripts/tlrace/"
                "vgatomics.py (C11 atomics annotated as C11 orders them; relaxed ones "
                "give no edge): %s" % (len(exes), ", ".join(sorted(exes))))
    return exes, errs, note


# --- slowdown --------------------------------------------------------------------

def slowdown(results):
    """Lines (markdown) and rows comparing each detector's time per case with
    the native run of the same case (same runs and thread counts). Only cases
    that ran properly everywhere (no HANG or ERROR under any detector or
    natively) count, so every detector is measured on the same set."""
    by_case = OrderedDict()
    for r in results:
        if r is not None and r.case.expect != "skip":
            by_case.setdefault(r.case.name, {})[r.detector] = r
    dets = []
    for r in results:
        if r is not None and r.detector != "native" and r.detector not in dets:
            dets.append(r.detector)
    good, dropped = [], []
    for name, per_det in by_case.items():
        ok = "native" in per_det and all(d in per_det for d in dets)
        for r in per_det.values():
            v = report.judge(r)
            if r.hung or v.verdict.startswith(("ERROR", "HANG")) or r.seconds <= 0:
                ok = False
        (good if ok else dropped).append(name)
    per = OrderedDict()
    for name in good:
        nat = by_case[name]["native"].seconds
        for d in dets:
            per.setdefault(d, []).append((name, by_case[name][d].seconds, nat))
    if not per:
        return [], []
    lines = ["| detector | cases | native total | detector total | total ratio | "
             "median | geo. mean | min | max |",
             "|---|---|---|---|---|---|---|---|---|"]
    rows = []
    import math
    import statistics
    for det, xs in per.items():
        ratios = [d / nat for _, d, nat in xs]
        tn, td = sum(x[2] for x in xs), sum(x[1] for x in xs)
        geo = math.exp(sum(math.log(x) for x in ratios) / len(ratios))
        lines.append("| %s | %d | %.1f s | %.1f s | %.1fx | %.1fx | %.1fx | %.1fx | %.1fx |" % (
            det, len(xs), tn, td, td / tn, statistics.median(ratios), geo, min(ratios),
            max(ratios)))
        for name, d, nat in xs:
            rows.append((det, name, d, nat, d / nat))
    lines.append("")
    lines.append("Measured on the %d cases that ran properly under every detector and "
                 "natively%s. Uninstrumented build: same -O1 -g, no instrumentation; "
                 "cases run one at a time." % (
                     len(good), " (left out: %s)" % ", ".join(dropped) if dropped else ""))
    lines.append("")
    lines.append("Per case (detector seconds / native seconds, all runs summed):")
    lines.append("")
    lines.append("| detector | case | detector s | native s | ratio |")
    lines.append("|---|---|---|---|---|")
    for det, name, d, nat, ratio in rows:
        lines.append("| %s | %s | %.2f | %.2f | %.1fx |" % (det, name, d, nat, ratio))
    return lines, rows


# --- the detector table ----------------------------------------------------------

def detector_table(a, builds, results, out, meta):
    """detectors.md / detectors.json in the run dir (and --table-md/json):
    per detector precision, recall and, with --report-slowdown, slowdown
    (tlrace/table.py; merge a gcc and a clang run with it)."""
    compilers = {}
    for name, bdir, _ in builds:
        cc = table.compiler_name(cache_value(bdir, "CMAKE_C_COMPILER"))
        for det in (("tsan",) if name == "tsan" else ("helgrind", "drd", "native")):
            compilers[det] = cc
    rows_ = table.rows(results, compilers)
    tmeta = OrderedDict(run=meta["run"], command=meta["command"], host=meta["host"])
    tmeta["note"] = ("cases: %s; %d run(s) per case%s" % (
        ", ".join(k for k in ("unit", "workload", "fixture") if k not in a.skip) +
        (" matching %s" % a.only if a.only else ""), a.runs,
        "" if a.report_slowdown else "; no native runs (--report-slowdown): no slowdown"))
    table.write(rows_, os.path.join(out, "detectors.md"), os.path.join(out, "detectors.json"),
                tmeta)
    if a.table_md or a.table_json:
        table.write(rows_, a.table_md, a.table_json, tmeta)
    return rows_


# --- main ------------------------------------------------------------------------

def parse_args(argv):
    ap = Parser(prog="tsan-suite", description=__doc__,
                formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--detector", default="tsan",
                    help="tsan (default), helgrind, drd, a comma list, or all")
    ap.add_argument("--report-slowdown", action="store_true",
                    help="also run every case uninstrumented and report each "
                         "detector's slowdown (runs cases one at a time)")
    ap.add_argument("--runs", type=int, default=3, help="runs per case (default 3)")
    ap.add_argument("--budget", type=number("--budget", minimum=0), default=0.0,
                    help="per case: keep exploring schedules after --runs for up to this "
                         "many seconds until the expected report (or, for clean cases, any "
                         "report) appears (default 0: exactly --runs)")
    ap.add_argument("--seed", type=int, help="base seed (default random, printed); case k "
                    "run i uses seed + 1000*k + i (tsan-run --seed replays one)")
    ap.add_argument("--no-chaos", action="store_true",
                    help="no schedule perturbation shim and no CPU hog")
    ap.add_argument("--junit", help="JUnit XML (default <run dir>/junit.xml)")
    ap.add_argument("--sarif", help="SARIF 2.1.0 (default <run dir>/results.sarif)")
    ap.add_argument("--jobs", type=int, help="cases in parallel (default 2; 1 with "
                    "--report-slowdown, unless given)")
    ap.add_argument("--timeout", type=number("--timeout", above=0), help="per-run timeout for every case "
                    "(default: unit 300 s, workload 120 s, fixture 60 s; x5 under valgrind)")
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build", "tsan"))
    ap.add_argument("--plain-build-dir", default=os.path.join(ROOT, "build", "valgrind"))
    ap.add_argument("--out", help="run directory (default reports/tsan/<timestamp>)")
    ap.add_argument("--only", help="regex: run only the cases whose name matches")
    ap.add_argument("--skip", action="append", default=[],
                    choices=("unit", "workload", "fixture"), help="skip a kind of case")
    ap.add_argument("--no-build", action="store_true", help="use the build dirs as they are")
    ap.add_argument("--workload-args", type=shell_words("--workload-args"),
                    default=["--quick"],
                    help="extra arguments for every tl-workload case (default --quick)")
    ap.add_argument("--alt-threads", type=number("--alt-threads", int, minimum=1), help="thread count of the threads schedule")
    ap.add_argument("--iter-div", type=int,
                    help="run the unit tests' heavy loops at 1/N of their count "
                         "(TL_TEST_ITER_DIV; default %d when helgrind or drd is among the "
                         "detectors, for every detector of the run, else 1)" % VG_ITER_DIV)
    ap.add_argument("--no-vg-atomics", action="store_true",
                    help="run the plain-C fixtures (tests/tsan) under helgrind/drd as "
                         "built by CMake, not rebuilt with their C11 atomics annotated "
                         "(scripts/tlrace/vgatomics.py)")
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    ap.add_argument("--table-md", help="also write the detector table (Markdown) here")
    ap.add_argument("--table-json", help="also write the detector table (JSON) here")
    a = ap.parse_args(argv)
    dets = []
    for d in a.detector.split(","):
        d = d.strip()
        if d == "all":
            dets += ["tsan", "helgrind", "drd"]
        elif d in ("tsan", "helgrind", "drd"):
            dets.append(d)
        else:
            ap.error("unknown detector %r (tsan, helgrind, drd, all)" % d)
    a.detectors = list(OrderedDict.fromkeys(dets))
    # cases run with the build dir as their cwd: a relative build dir
    # would name the wrong place there
    a.build_dir = os.path.abspath(a.build_dir)
    a.plain_build_dir = os.path.abspath(a.plain_build_dir)
    if a.iter_div is not None and a.iter_div < 1:
        ap.error("--iter-div must be >= 1, got %d" % a.iter_div)
    if a.runs < 1 or (a.jobs is not None and a.jobs < 1):
        ap.error("--runs and --jobs must be >= 1")
    if a.only is not None:
        try:
            a.only_rx = re.compile(a.only)
        except re.error as e:
            ap.error("--only: bad regular expression '%s': %s" % (a.only, e))
    if a.out is not None and out_dir_problem(a.out):
        ap.error(out_dir_problem(a.out))
    for flag, path in (("--junit", a.junit), ("--sarif", a.sarif),
                       ("--table-md", a.table_md), ("--table-json", a.table_json)):
        why = path is not None and report_path_problem(path, a.out)
        if why:
            ap.error("%s: %s" % (flag, why))
    if a.seed is not None and a.seed < 0:
        ap.error("--seed must be >= 0, got %d" % a.seed)
    return a


def main(argv=None):
    a = parse_args(sys.argv[1:] if argv is None else argv)
    t_start = time.monotonic()
    # The suppressions policy first: nothing runs with a file that hides us.
    entries, problems = supp.check(SUPP_FILE, OUR_CODE)
    if problems:
        print("tsan-suite: refusing %s:\n  %s" % (SUPP_FILE, "\n  ".join(problems)),
              file=sys.stderr)
        return 2
    valgrind_dets = [d for d in a.detectors if d in ("helgrind", "drd")]
    if valgrind_dets and not shutil.which("valgrind"):
        print("tsan-suite: valgrind is not installed (apt-get install valgrind)",
              file=sys.stderr)
        return 2
    need_tsan = "tsan" in a.detectors
    need_plain = bool(valgrind_dets) or a.report_slowdown
    try:
        out = a.out or new_run_dir(os.path.join(ROOT, "reports", "tsan"))
        os.makedirs(out, exist_ok=True)
    except OSError as e:
        print("tsan-suite: error: cannot create the run directory %s: %s" % (
            "'%s'" % a.out if a.out else "under reports/tsan", e.strerror or e),
            file=sys.stderr)
        return 2
    install_stop_handlers("tsan-suite")
    say("tsan-suite: run directory %s" % os.path.relpath(out, os.getcwd()))

    builds = []  # (name, dir, cmake args)
    if need_tsan:
        builds.append(("tsan", a.build_dir, ["-DTSAN=ON", "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
                                             "-DTL_WERROR=ON"]))
    if need_plain:
        builds.append(("plain", a.plain_build_dir,
                       ["-DTSAN=OFF", "-DASAN=OFF", "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
                        # the TSan build's -O1 -g: same code shape and line
                        # info, only the instrumentation differs
                        "-DCMAKE_C_FLAGS_RELWITHDEBINFO=" + PLAIN_CFLAGS,
                        # and for the C++ linked into tl-workload/tl-bench
                        # (bench/shim, bench/peers): clang++ 14's DWARF 5
                        # there made every clang workload run an ERROR
                        # under valgrind 3.19 ("unhandled dwarf2 abbrev
                        # form code 0x25", then "debuginfo reader:
                        # ensure_valid failed")
                        "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=" + PLAIN_CFLAGS,
                        "-DTL_WERROR=ON", "-DTL_RACE_FIXTURES=ON",
                        # Helgrind/DRD client requests in the primitives
                        # (primitives/src/vg_annotate.h); inert natively
                        "-DTL_VALGRIND=ON"]))
    failures, notes = [], []
    for name, bdir, args in builds:
        if a.no_build:
            continue
        say("tsan-suite: configuring and building %s (%s)" % (
            os.path.relpath(bdir, os.getcwd()), " ".join(compiler_args() + args)))
        ok, msg, fatal = configure_and_build(bdir, args, a.jobs or 2, out, name)
        say("  " + msg)
        if fatal:
            return 2
        if not ok:
            failures.append("%s build: %s" % (name, msg))

    # cases per build
    case_sets = {}
    for name, bdir, _ in builds:
        cases = []
        t = lambda kind: a.timeout or TIMEOUTS[kind]
        if "unit" not in a.skip:
            cs, errs = unit_cases(bdir, t("unit"))
            cases += cs
            failures += errs
        if "workload" not in a.skip:
            cs, nts, errs = workload_cases(bdir, t("workload"), a.workload_args)
            cases += cs
            notes += ["%s build: %s" % (name, n) for n in nts]
            failures += errs
        if "fixture" not in a.skip:
            cs, errs = fixture_cases(bdir, t("fixture"))
            cases += cs
            failures += errs
        if a.only is not None:
            cases = [c for c in cases if a.only_rx.search(c.name)]
        for i, c in enumerate(cases):
            c.index = i
        case_sets[name] = cases
    # The plain-C fixtures (tests/tsan, no threadlab) under helgrind/drd:
    # rebuilt with vgatomics (their C11 atomics as C11 defines them, see
    # tlrace/vgatomics.c); the native baseline keeps the plain build.
    vga_exes = {}
    if valgrind_dets and not a.no_vg_atomics and "plain" in case_sets:
        vga_exes, errs, vnote = build_vg_atomics(a, case_sets["plain"], out)
        failures += errs
        if vnote:
            notes.append(vnote)
    # sanity: the TSan build's binaries really are TSan-built
    if need_tsan:
        checked = {}
        for c in case_sets.get("tsan", []):
            exe = c.argv[0]
            if c.expect == "skip" or not os.path.exists(exe):
                continue
            if exe not in checked:
                checked[exe] = tsan_built(exe)
                if not checked[exe]:
                    failures.append("%s is in the TSan build but not built with TSan" % exe)
            if not checked[exe]:
                c.expect, c.reason = "skip", "not a TSan binary"

    if a.list:
        for name, cases in case_sets.items():
            for c in cases:
                say("%-6s %-40s %-8s %s" % (name, c.name, c.expect, c.reason))
        return 0

    jobs = []  # (detector, case)
    for det in a.detectors:
        for c in case_sets.get("tsan" if det == "tsan" else "plain", []):
            jobs.append((det, c))
    if a.report_slowdown:
        for c in case_sets.get("plain", []):
            jobs.append(("native", c))
    import copy
    env = Env(out, [ROOT], suppressions=SUPP_FILE, alt_threads=a.alt_threads, log=say)
    vg_env = Env(out, [ROOT], suppressions=None, alt_threads=a.alt_threads, log=say)
    if a.seed is not None:
        env.base_seed = vg_env.base_seed = a.seed
    else:
        vg_env.base_seed = env.base_seed
    env.chaos = vg_env.chaos = not a.no_chaos
    # The unit tests' heavy loops (primitives/tests/task.h: tl_test_iters)
    # run 1/div of their count: needed under valgrind, and applied to every
    # detector of the run (and the native baseline) so that all of them are
    # compared on the same work.
    iter_div = a.iter_div if a.iter_div is not None else (
        VG_ITER_DIV if valgrind_dets else 1)
    todo = []
    for det, c in jobs:
        c = copy.deepcopy(c)
        if c.kind == "unit" and iter_div > 1:
            c.env["TL_TEST_ITER_DIV"] = str(iter_div)
        if det in ("helgrind", "drd"):
            if c.name in vga_exes:
                c.argv = [vga_exes[c.name]] + c.argv[1:]
                c.source += "; helgrind/drd: built with scripts/tlrace/vgatomics.py"
            c.timeout *= VG_FACTOR
            if c.kind == "unit":
                # each test's own watchdog (primitives/tests/runner.c): 150 s
                # was outlived by test_trace's trace writes under Helgrind
                # on the loaded 2-vCPU VM (86 s for the whole test idle)
                c.env.setdefault("TL_TEST_TIMEOUT", "%d" % (60 * VG_FACTOR))
        todo.append((det, c))
    # longest first: unit tests, then workloads, then fixtures
    order = {"unit": 0, "workload": 1, "fixture": 2}
    todo.sort(key=lambda dc: (order.get(dc[1].kind, 3)))
    jobs_n = a.jobs or (1 if a.report_slowdown else 2)
    if a.report_slowdown:
        say("tsan-suite: --report-slowdown: %d case(s) at a time (timings)" % jobs_n)
    say("tsan-suite: %d cases x %d runs, detectors %s, %d in parallel" % (
        len(todo), a.runs, ",".join(a.detectors + (["native"] if a.report_slowdown else [])),
        jobs_n))
    results = [None] * len(todo)

    def work(k):
        det, c = todo[k]
        if c.expect == "skip":
            from .runner import CaseResult
            return k, CaseResult(case=c, detector=det)
        e = env if det == "tsan" else vg_env
        return k, run_case(e, c, det, a.runs, budget=a.budget,
                           seed=e.base_seed + 1000 * c.index)

    done = 0
    with ThreadPoolExecutor(max_workers=jobs_n) as ex:
        for k, res in ex.map(work, range(len(todo))):
            results[k] = res
            done += 1
            v = report.judge(res)
            say("[%3d/%d] %-44s %-8s expect=%-8s found=%-12s %s  (%.1f s)" % (
                done, len(todo), res.case.name, res.detector, res.case.expect,
                ",".join(v.found) or "-", v.verdict, res.seconds))

    verdicts = [report.judge(r) for r in results]
    shown = [v for v in verdicts]
    sd_lines, sd_rows = slowdown(results) if a.report_slowdown else ([], [])
    if sd_rows:
        import csv
        with open(os.path.join(out, "slowdown.csv"), "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["detector", "case", "detector_seconds", "native_seconds", "ratio"])
            for row in sd_rows:
                w.writerow([row[0], row[1], "%.3f" % row[2], "%.3f" % row[3], "%.2f" % row[4]])
    meta = OrderedDict()
    meta["run"] = os.path.basename(os.path.abspath(out))
    meta["command"] = "scripts/tsan-suite " + " ".join(shlex.quote(x) for x in (
        sys.argv[1:] if argv is None else argv))
    meta["host"] = "%s, %d allowed CPUs" % (os.uname().nodename, len(os.sched_getaffinity(0)))
    for name, bdir, _ in builds:
        cc = cache_value(bdir, "CMAKE_C_COMPILER") or "?"
        meta["%s build" % name] = "%s (%s, %s)" % (
            os.path.relpath(bdir, ROOT), os.path.basename(cc),
            cache_value(bdir, "CMAKE_BUILD_TYPE") or "?")
    runtimes = sorted({r.runtime for r in results if r and r.runtime})
    meta["detector runtimes"] = ", ".join(runtimes)
    meta["schedules"] = ("tsan/native: pin1 (one CPU), spread (all allowed CPUs), threads "
                         "(TL_THREADS=%d or another count, --threads for workloads)%s; "
                         "helgrind/drd: default, fair (--fair-sched=yes), threads; base seed "
                         "%d (case k run i: seed + 1000*k + i; replay one with tsan-run "
                         "--seed N --runs 1); budget %s" % (
                             env.alt_threads, "" if a.no_chaos else
                             ", fixtures each with the chaos shim (scripts/tlrace/chaos.c) and "
                             "sometimes a CPU hog", env.base_seed,
                             "%.0f s per case" % a.budget if a.budget else "none (exactly "
                             "--runs runs)"))
    meta["suppressions"] = "%s (%d active entries; policy: none may match our code)" % (
        os.path.relpath(SUPP_FILE, ROOT), len(entries))
    used = sorted({s for r in results if r for p in r.parsed for s in p.suppressions_used})
    meta["suppressions used"] = used
    meta["notes"] = notes + [n for n in (env.aslr_note, env.chaos_note) if n] + \
        report.blind_spots(shown)
    meta["problems"] = failures
    from . import ci
    try:
        report.write_csv(out, shown)
        report.write_cases_csv(out, shown)
        md = report.write_md(out, [v for v in shown if v.detector != "native"] +
                             [v for v in shown if v.detector == "native"], meta, [ROOT],
                             slowdown=sd_lines)
        junit = ci.write_junit(a.junit or os.path.join(out, "junit.xml"), shown,
                               "race-suite", out)
        sarif = ci.write_sarif(a.sarif or os.path.join(out, "results.sarif"), shown, [ROOT],
                               out)
        det_rows = detector_table(a, builds, results, out, meta)
    except OSError as e:
        print("tsan-suite: cannot write the report: %s" % e, file=sys.stderr)
        return 1
    if not a.out:
        report.update_latest(out)

    say("")
    say(report.verdict_table([v for v in shown if v.detector != "native"]))
    say("")
    for det, m in report.metrics(shown).items():
        say(report.metrics_line(det, m))
    say("")
    say("detector table (%s):" % os.path.relpath(os.path.join(out, "detectors.md"),
                                                 os.getcwd()))
    for ln in table.markdown(det_rows).splitlines():
        say("  " + ln)
    if sd_lines:
        say("")
        say("slowdown vs uninstrumented build:")
        for ln in sd_lines[:2 + len({r[0] for r in sd_rows})]:
            say("  " + ln)
    for n in meta["notes"]:
        say("note: " + n)
    failed = [v for v in verdicts if v.failed]
    if failed:
        say("")
        say("FAILED cases:")
        say(report.failures_text(verdicts, out))
    for f in failures:
        say("PROBLEM: " + f)
    say("")
    say("report: %s  (%.0f s); JUnit %s; SARIF %s" % (
        os.path.relpath(md, os.getcwd()), time.monotonic() - t_start,
        os.path.relpath(junit, os.getcwd()), os.path.relpath(sarif, os.getcwd())))
    return 1 if (failed or failures) else 0
