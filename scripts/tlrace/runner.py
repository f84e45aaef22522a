"""Run one case K times under a race detector and collect its raw logs.

Schedules (run i uses SCHEDULES[i % 3]; pinned CPUs rotate with i and the
case index, so parallel cases do not all pile onto CPU 0):

  pin1     every thread on ONE allowed CPU (taskset -c N): threads interleave
           only through preemption, so races that need a badly timed context
           switch (read, switch, write) get their chance.
  spread   the full allowed CPU set (taskset -c <all allowed>): threads run in
           true parallel, one per core when the kernel spreads them.
  threads  the full set again with a different thread count: TL_THREADS=N in
           the environment (programs may honour it; the race fixtures do, the
           unit tests today do not) and, for cases that declare one
           (tl-workload), an argument such as `--threads N`. N defaults to
           2*CPUs+1: more threads than CPUs, an odd count, unlike any default.

Under valgrind (helgrind, drd) every thread runs serialised on valgrind's big
lock whatever the affinity, so the schedules are instead: `default`
(valgrind's scheduler), `fair` (--fair-sched=yes: round-robin hand-off of the
lock) and `threads` (as above). Unit tests and workloads get --fair-sched=yes
in every schedule (they spin before sleeping; see _schedule).

TSAN_OPTIONS: the user's options are kept, then ours are added: log_path
(one log per process: <raw>/<case>.<run>.<pid>), halt_on_error=0,
exitcode=66, second_deadlock_stack=1, history_size=7 (the maximum these
runtimes accept), print_suppressions=1 and print_module_map=1: the memory
map every process then writes to its log at exit proves it really ran under
TSan (a run with no TSan log at all is an error, never "clean"). We do not
use verbosity=1 for that: its banner goes to the log, but its "Installed the
sigaction" lines go to the program's stderr, which tests may check. A user
value that conflicts with a required one is overridden, and we say so.

Exploration (issue 15): every run has a seed (the invocation's base seed +
the run index) from which everything random about its schedule is drawn:
the schedule kind (seed % 3: pin1, spread, threads), the pinned CPU, the
alternative thread count, whether a CPU hog shares the CPUs, and the chaos
shim's parameters (scripts/tlrace/chaos.c, LD_PRELOADed: random yields,
spins and sleeps at thread start and around mutex, condvar, semaphore, join
and futex calls; TL_CHAOS_SEED is the run's seed). `--seed S --runs 1`
replays run S's schedule. With a budget, runs continue past --runs until
the expected report appears (race/deadlock cases), any report appears
(clean cases), a run hangs or fails, or the budget is spent; no run starts
after the budget.

A run that outlives --timeout is killed (SIGKILL to its process group) and
reported as a HANG together with whatever the detector logged so far.
If TSan cannot start because of address-space randomisation ("unexpected
memory mapping", "memory layout is incompatible"), the run is repeated under
`setarch <arch> -R` (ASLR off for that process tree only) and every later
run uses it too; the output says so.
"""
import argparse
import hashlib
import math
import os
import random
import re
import shlex
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from . import tsan as tsan_parser
from . import valgrind as vg_parser

DETECTORS = ("tsan", "helgrind", "drd", "native")
TSAN_EXITCODE = 66
TSAN_SCHEDULES = ("pin1", "spread", "threads")
VG_SCHEDULES = ("default", "fair", "threads")

# gcc 12 / clang 14 runtimes die with "FATAL: ThreadSanitizer: unexpected
# memory mapping 0x..." when mmap randomisation puts a library where TSan's
# shadow must go (vm.mmap_rnd_bits > 28); newer runtimes print "memory layout
# is incompatible, possibly due to high-entropy ASLR" and re-exec themselves.
_ASLR = re.compile(r"unexpected memory mapping|memory layout is incompatible")
_SELF_REEXEC = "Re-execing with fixed virtual address space"


class UsageError(Exception):
    """A bad invocation: exit status 2, never a verdict."""


# --- command-line checks (shared with tsan-suite) ----------------------------

class Parser(argparse.ArgumentParser):
    """argparse with the repository's convention for bad input: one line
    on stderr ("<prog>: error: ..."), exit status 2, no usage dump."""

    def error(self, message):
        self.exit(2, "%s: error: %s\n" % (self.prog, message))


def number(name, kind=float, minimum=None, above=None):
    """argparse type: a finite number (nan and inf refused), >= minimum or
    > above; the message names the value as given."""
    def parse(text):
        try:
            v = kind(text)
        except ValueError:
            v = None
        if v is None or (kind is float and not math.isfinite(v)) or \
                (minimum is not None and v < minimum) or (above is not None and v <= above):
            what = "an integer" if kind is int else "a finite number"
            if minimum is not None:
                what += " >= %g" % minimum
            if above is not None:
                what += " > %g" % above
            raise argparse.ArgumentTypeError("%s must be %s, got '%s'" % (name, what, text))
        return v
    return parse


def shell_words(name):
    """argparse type: shlex.split of the value, with quoting errors as
    bad input."""
    def parse(text):
        try:
            return shlex.split(text)
        except ValueError as e:
            raise argparse.ArgumentTypeError("cannot split '%s' into shell words: %s" % (
                text, e))
    return parse


def report_path_problem(path, out_dir=None):
    """Why a report cannot be written at `path` (a message naming it), or
    None: checked before any run, so a bad path is not found at the end.
    Missing parent directories are created now (the writers would create
    them at the end); a file directly in out_dir (made later) is fine."""
    if not path:
        return "empty report path"
    if os.path.isdir(path):
        return "'%s' is a directory" % path
    parent = os.path.dirname(os.path.abspath(path))
    if out_dir and parent == os.path.abspath(out_dir):
        return None
    if os.path.exists(parent) and not os.path.isdir(parent):
        return "cannot write '%s': %s is not a directory" % (path, parent)
    try:
        os.makedirs(parent, exist_ok=True)
    except OSError as e:
        return "cannot write '%s': cannot create directory %s: %s" % (
            path, parent, e.strerror or e)
    if not os.access(parent, os.W_OK | os.X_OK):
        return "cannot write '%s': directory %s is not writable" % (path, parent)
    return None


def out_dir_problem(path):
    """Why `path` cannot be (made) the run directory, or None."""
    if path == "":
        return "--out must not be empty"
    if os.path.exists(path) and not os.path.isdir(path):
        return "--out '%s' exists and is not a directory" % path
    return None


# --- the children: killed with us ------------------------------------------
# Every run (and CPU hog) is started in its own process group and listed
# here while it lives. On SIGTERM, SIGINT or SIGHUP the handler kills each
# group, reaps the direct children and exits 128+signal: nothing is left
# running behind a killed tsan-run / tsan-suite. A signal that arrives while
# a thread is between fork and listing its child is finished by that thread
# once the child is listed.

_live = {}               # pid (= process group) -> Popen
_live_lock = threading.Lock()
_spawning = [0]          # threads inside _popen
_stop_signal = [None]
_stop_prog = ["tsan-run"]


def _stop_now(signum):
    for pid in list(_live):
        _kill_group(pid)
    for pid in list(_live):
        try:
            os.waitpid(pid, 0)
        except (ChildProcessError, OSError):
            pass
    try:
        os.write(2, ("%s: stopped by signal %d; its runs were killed\n" % (
            _stop_prog[0], signum)).encode())
    except OSError:
        pass
    os._exit(128 + signum)


def _on_signal(signum, _frame):
    _stop_signal[0] = signum
    if _spawning[0] == 0:
        _stop_now(signum)


def install_stop_handlers(prog):
    _stop_prog[0] = prog
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, _on_signal)


def _popen(argv, **kw):
    """subprocess.Popen in a new session, listed in _live until _forget()."""
    with _live_lock:
        _spawning[0] += 1
    try:
        p = subprocess.Popen(argv, start_new_session=True, **kw)
        _live[p.pid] = p
        return p
    finally:
        with _live_lock:
            _spawning[0] -= 1
        if _stop_signal[0] is not None:
            _stop_now(_stop_signal[0])


def _forget(p):
    _live.pop(p.pid, None)


@dataclass
class Case:
    name: str                   # display name, e.g. fixture/race_counter
    argv: List[str]
    expect: str                 # race | deadlock | clean | skip
    kind: str = "user"          # unit | fixture | workload | user
    cwd: Optional[str] = None
    env: Dict[str, str] = field(default_factory=dict)
    threads_arg: Optional[List[str]] = None  # e.g. ["--threads", "{n}"]
    timeout: float = 120.0
    xfail: Dict[str, str] = field(default_factory=dict)  # detector -> reason
    reason: str = ""            # why skipped
    source: str = ""            # where the expectation is declared
    sites: List[str] = field(default_factory=list)  # "file:line" the report must hit
    src_file: str = ""          # a fixture's C source (tsan_fixtures.tsv)
    index: int = 0              # position in the suite

    @property
    def stem(self):
        return re.sub(r"[^\w.-]+", "_", self.name).strip("_")


@dataclass
class Run:
    index: int
    schedule: str
    argv: List[str]
    returncode: Optional[int] = None   # negative: killed by that signal
    seconds: float = 0.0
    hung: bool = False
    aslr_workaround: bool = False
    logs: List[str] = field(default_factory=list)
    out: str = ""                      # program stdout+stderr
    seed: int = 0                      # replays this schedule: --seed N --runs 1
    chaos: str = ""                    # perturbation applied, e.g. "shim 20%/1000us+hog"
    found: List[str] = field(default_factory=list)  # report kinds of this run


@dataclass
class CaseResult:
    case: Case
    detector: str
    runs: List[Run] = field(default_factory=list)
    parsed: list = field(default_factory=list)   # ParsedLog per raw log
    errors: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    runtime: str = ""
    budget: float = 0.0                # seconds of exploration allowed
    stopped: str = ""                  # why exploration stopped

    @property
    def hung(self):
        return any(r.hung for r in self.runs)

    @property
    def seconds(self):
        return sum(r.seconds for r in self.runs)

    @property
    def reports(self):
        return [rep for p in self.parsed for rep in p.reports]


class Env:
    """What all runs of one invocation share: the ASLR decision, CPUs, paths."""

    def __init__(self, out_dir, roots, suppressions=None, alt_threads=None,
                 log=print):
        self.out_dir = os.path.abspath(out_dir)
        self.raw = os.path.join(self.out_dir, "raw")
        os.makedirs(self.raw, exist_ok=True)
        self.roots = [os.path.abspath(r) for r in roots]
        self.suppressions = os.path.abspath(suppressions) if suppressions else None
        self.allowed = sorted(os.sched_getaffinity(0))
        self.alt_threads = alt_threads or 2 * len(self.allowed) + 1
        self.alt_threads_fixed = bool(alt_threads)
        self.aslr_off = False
        self.aslr_note = ""
        self.said = set()  # notes already printed
        self.lock = threading.Lock()
        self.log = log
        self.arch = os.uname().machine
        self.has_taskset = shutil.which("taskset") is not None
        self.has_setarch = shutil.which("setarch") is not None
        self.chaos = True          # LD_PRELOAD the chaos shim (tsan/native)
        self.chaos_lib = None      # path once built, "" when it cannot be
        self.chaos_note = ""
        self.base_seed = random.SystemRandom().randrange(1, 1 << 31)


# --- the chaos shim ----------------------------------------------------------------

CHAOS_SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "chaos.c")


def chaos_lib(env: "Env") -> str:
    """Build scripts/tlrace/chaos.c once per invocation (into <out>/chaos/,
    named by the source's hash); "" when no compiler can, with a note."""
    with env.lock:
        if env.chaos_lib is not None:
            return env.chaos_lib
        with open(CHAOS_SRC, "rb") as fh:
            h = hashlib.sha1(fh.read()).hexdigest()[:12]
        d = os.path.join(env.out_dir, "chaos")
        lib = os.path.join(d, "libtlchaos-%s.so" % h)
        if not os.path.exists(lib):
            os.makedirs(d, exist_ok=True)
            cc = os.environ.get("TLRACE_CC") or os.environ.get("CC") or "cc"
            tmp = lib + ".tmp%d" % os.getpid()
            try:
                r = subprocess.run([cc, "-shared", "-fPIC", "-O2", "-o", tmp, CHAOS_SRC,
                                    "-ldl", "-lpthread"], capture_output=True, text=True,
                                   timeout=120)
                ok = r.returncode == 0
                err = (r.stderr or "").strip().splitlines()[-1:] if not ok else []
            except (OSError, subprocess.SubprocessError) as e:
                ok, err = False, [str(e)]
            if not ok:
                env.chaos_lib = ""
                env.chaos_note = ("schedule perturbation shim not built (%s: %s): runs vary "
                                  "CPU sets, thread counts and a CPU hog only" % (
                                      cc, "; ".join(err) or "failed"))
                env.log("note: " + env.chaos_note)
                return ""
            os.replace(tmp, lib)
        env.chaos_lib = lib
        return lib


# --- checking the program --------------------------------------------------

def resolve_program(prog: str) -> str:
    if not prog:
        raise UsageError("no program given: tsan-run [options] -- ./program args")
    if "/" in prog:
        path = prog
    else:
        path = shutil.which(prog) or ""
    if not path or not os.path.exists(path):
        raise UsageError("program not found: %s" % prog)
    if os.path.isdir(path) or not os.access(path, os.X_OK):
        raise UsageError("not an executable file: %s" % path)
    return os.path.abspath(path)


def _is_elf(path):
    try:
        with open(path, "rb") as fh:
            return fh.read(4) == b"\x7fELF"
    except OSError:
        return False


def tsan_built(path: str) -> bool:
    """True if the ELF file references the TSan runtime (__tsan_init): gcc
    links libtsan.so (an undefined dynamic symbol), clang links the runtime
    statically and exports it. Dynamic symbols first, then the full symbol
    table (static -static-libtsan links), then a byte search as last resort
    when binutils is missing."""
    for cmd in (["readelf", "--dyn-syms", "-W", path], ["nm", path]):
        if shutil.which(cmd[0]):
            try:
                out = subprocess.run(cmd, capture_output=True, text=True,
                                     errors="replace", timeout=60).stdout
            except (OSError, subprocess.SubprocessError):
                continue
            if re.search(r"\b__tsan_init\b", out):
                return True
    if not shutil.which("readelf") and not shutil.which("nm"):
        with open(path, "rb") as fh:
            return b"__tsan_init" in fh.read()
    return False


VGATOMICS_MARKER = b"threadlab-vgatomics-runtime-1"


def vgatomics_built(path: str) -> bool:
    """True if the program is linked with scripts/tlrace/vgatomics.c (TSan's
    instrumentation without libtsan, for Helgrind/DRD): it defines
    __tsan_init too, so tsan_built() alone cannot tell."""
    try:
        with open(path, "rb") as fh:
            return VGATOMICS_MARKER in fh.read()
    except OSError:
        return False


def tsan_runtime(path: str) -> str:
    """"gcc libtsan.so.N" (shared runtime) or "static (clang)" for a TSan
    binary; "" when unknown."""
    if not shutil.which("readelf"):
        return ""
    try:
        out = subprocess.run(["readelf", "-d", "-W", path], capture_output=True, text=True,
                             errors="replace", timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return ""
    m = re.search(r"\[(libtsan\.so[.\d]*)\]", out)
    return ("ThreadSanitizer, shared %s (gcc)" % m.group(1) if m
            else "ThreadSanitizer, static runtime (clang)")


def check_program(path: str, detector: str, elf_check=True):
    if not elf_check:
        return
    if not _is_elf(path):
        raise UsageError(
            "%s is not an ELF executable (a script or wrapper?): give the "
            "program itself, or pass --no-elf-check (runs without TSan's "
            "banner in a log are still errors, never 'clean')" % path)
    built = tsan_built(path)
    if built and vgatomics_built(path):
        if detector in ("helgrind", "drd"):
            return
        raise UsageError(
            "%s is linked with scripts/tlrace/vgatomics.c (TSan instrumentation "
            "without libtsan, for helgrind/drd only): %s needs %s" % (
                path, detector, "a -fsanitize=thread link" if detector == "tsan"
                else "an uninstrumented build of the same program"))
    if detector == "tsan" and not built:
        raise UsageError(
            "%s was not built with ThreadSanitizer (no __tsan_init symbol): "
            "compile and link it with -fsanitize=thread" % path)
    if detector in ("helgrind", "drd", "native") and built:
        raise UsageError(
            "%s is built with ThreadSanitizer: %s needs an uninstrumented "
            "build of the same program" % (path, detector))


# --- TSAN_OPTIONS ------------------------------------------------------------

_OPT = re.compile(r"""(\w+)=("[^"]*"|'[^']*'|[^\s,:]+)""")


def tsan_options(user: str, log_path: str, suppressions: Optional[str]):
    """(options string, notes). The user's options are kept unless they
    conflict with what the harness needs."""
    opts, order = {}, []
    for k, v in _OPT.findall(user or ""):
        if k not in opts:
            order.append(k)
        opts[k] = v.strip("'\"")
    notes = []
    required = {"log_path": log_path, "halt_on_error": "0",
                "exitcode": str(TSAN_EXITCODE)}
    for k, v in required.items():
        if k in opts and opts[k] != v and k != "log_path":
            notes.append("TSAN_OPTIONS: overriding your %s=%s with %s=%s" % (k, opts[k], k, v))
        if k not in opts:
            order.append(k)
        opts[k] = v
    # at least these values
    # handle_abort: an abort() (assert) gets a TSan report with its stack
    # instead of a silent death before TSan writes anything
    for k, v in (("second_deadlock_stack", 1), ("print_module_map", 1),
                 ("print_suppressions", 1), ("handle_abort", 1)):
        cur = opts.get(k)
        try:
            ok = cur is not None and int(cur) >= v
        except ValueError:
            ok = False
        if not ok:
            if k not in opts:
                order.append(k)
            opts[k] = str(v)
    # history_size: 7 is the largest value both runtimes accept
    try:
        hs = int(opts.get("history_size", "7"))
    except ValueError:
        hs = 7
    if "history_size" not in opts:
        order.append("history_size")
    opts["history_size"] = str(max(0, min(7, max(hs, 7))))
    if suppressions:
        if "suppressions" in opts and opts["suppressions"] != suppressions:
            notes.append("TSAN_OPTIONS: using --suppressions %s instead of your "
                         "suppressions=%s" % (suppressions, opts["suppressions"]))
        if "suppressions" not in opts:
            order.append("suppressions")
        opts["suppressions"] = suppressions
    return " ".join("%s=%s" % (k, opts[k]) for k in order), notes


def user_suppressions(user: str) -> Optional[str]:
    for k, v in _OPT.findall(user or ""):
        if k == "suppressions":
            return v.strip("'\"")
    return None


# --- running -------------------------------------------------------------------

def _schedule(env: Env, case: Case, detector: str, seed: int):
    """Everything random about one run, drawn from its seed (see the module
    docstring): (name, cpus, env, extra args, valgrind options, chaos)."""
    rng = random.Random(seed)
    names = TSAN_SCHEDULES if detector in ("tsan", "native") else VG_SCHEDULES
    name = names[seed % len(names)]
    cpus, extra_env, extra_args, vg_opts = None, {}, [], []
    pct = rng.choice((5, 10, 20, 40))
    max_us = rng.choice((50, 200, 1000, 3000))
    hog = rng.random() < 0.25
    alt = rng.choice((env.alt_threads, env.alt_threads, len(env.allowed) + 1, 3))
    pick = rng.randrange(len(env.allowed))
    chaos = {"seed": seed, "pct": pct, "max_us": max_us, "hog": False}
    if detector in ("tsan", "native"):
        if name == "pin1":
            cpus = [env.allowed[pick]]
        else:
            cpus = env.allowed
        chaos["hog"] = hog
    if name == "threads":
        n = env.alt_threads if env.alt_threads_fixed else alt
        extra_env["TL_THREADS"] = str(n)
        if case.threads_arg:
            extra_args = [a.replace("{n}", str(n)) for a in case.threads_arg]
    if name == "fair" or (detector in ("helgrind", "drd") and case.kind in ("unit", "workload")):
        # The unit tests and workloads spin before they sleep (spin.h): under
        # valgrind's default lock hand-off a spinning thread can keep the
        # CPU for whole time slices while the thread it waits for cannot
        # run; the round-robin hand-off keeps them within their timeouts.
        vg_opts = ["--fair-sched=yes"]
    extra_env["TL_RACE_SCHEDULE"] = name
    extra_env["TL_RACE_SEED"] = str(seed)
    return name, cpus, extra_env, extra_args, vg_opts, chaos


def _start_hog(cpus):
    """A CPU hog on the run's CPUs: the kernel then preempts the program's
    threads at times no program decides."""
    try:
        return _popen(["taskset", "-c", ",".join(map(str, cpus)), "sh", "-c",
                       "while :; do :; done"], stdin=subprocess.DEVNULL,
                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:
        return None


def _logs_of(raw, stem):
    """Raw logs of one run: <stem>.<pid> (TSan) or <stem>.<pid>.xml."""
    rx = re.compile(re.escape(stem) + r"\.(\d+)(\.xml)?$")
    out = [os.path.join(raw, f) for f in os.listdir(raw) if rx.match(f)]
    return sorted(out, key=lambda p: int(rx.match(os.path.basename(p)).group(1)))


def _run_once(env: Env, case: Case, detector: str, i: int, run: Run, stem: str):
    name, cpus, extra_env, extra_args, vg_opts, chaos = _schedule(env, case, detector,
                                                                  run.seed)
    argv = list(case.argv) + extra_args
    penv = dict(os.environ)
    penv.update(case.env)
    penv.update(extra_env)
    log_base = os.path.join(env.raw, stem)
    prefix = []
    what = []
    # The shim and the hog perturb fixtures and user programs, where a rare
    # schedule is the point; the suite's unit tests and workloads make
    # thousands of synchronisation calls each, and at 40% x up to 3 ms a
    # call they would crawl past their timeouts (CI runs them all).
    perturb = case.kind in ("fixture", "user")
    if detector in ("tsan", "native") and env.chaos and perturb:
        lib = chaos_lib(env)
        if lib:
            pre = penv.get("LD_PRELOAD", "")
            penv["LD_PRELOAD"] = lib + (" " + pre if pre else "")
            penv["TL_CHAOS_SEED"] = str(chaos["seed"])
            penv["TL_CHAOS_PCT"] = str(chaos["pct"])
            penv["TL_CHAOS_MAX_US"] = str(chaos["max_us"])
            penv["TL_CHAOS_TRACE"] = log_base + ".chaos"
            what.append("shim %d%%/%dus" % (chaos["pct"], chaos["max_us"]))
    hog = None
    if chaos["hog"] and cpus and env.has_taskset and perturb:
        what.append("hog")
    if detector == "tsan":
        opts, notes = tsan_options(os.environ.get("TSAN_OPTIONS", ""), log_base,
                                   env.suppressions)
        penv["TSAN_OPTIONS"] = opts
        for n in notes:
            with env.lock:
                if n not in env.said:
                    env.said.add(n)
                    env.log("note: " + n)
        if env.aslr_off:
            prefix += ["setarch", env.arch, "-R"]
            run.aslr_workaround = True
    elif detector in ("helgrind", "drd"):
        prefix += ["valgrind", "--tool=" + detector, "--xml=yes",
                   "--xml-file=" + log_base + ".%p.xml", "--trace-children=yes",
                   "--child-silent-after-fork=yes", "--error-limit=no",
                   "--error-exitcode=%d" % TSAN_EXITCODE] + vg_opts
        if detector == "helgrind":
            prefix += ["--history-level=full"]
        if detector == "drd":
            # free() as a write by the freeing thread, as TSan reports a
            # race with free: by default DRD drops a freed block's access
            # history, so a use after free unordered with the free (the
            # race_free fixture) has nothing to conflict with. Allocation
            # still starts a block clean (no stale accesses from before).
            # Helgrind's equivalent is documented as experimental and did
            # not report race_free either way: left at its default.
            prefix += ["--free-is-write=yes"]
        prefix.append("--")
    if cpus is not None and env.has_taskset:
        prefix = ["taskset", "-c", ",".join(map(str, cpus))] + prefix
    full = prefix + argv
    run.schedule = name if cpus is None or name != "pin1" else "pin1(cpu%d)" % cpus[0]
    run.chaos = "+".join(what)
    run.argv = full
    run.out = log_base + ".out"
    if "hog" in what:
        hog = _start_hog(cpus)
    t0 = time.monotonic()
    try:
        _spawn(case, run, full, penv)
    finally:
        if hog is not None:
            _kill_group(hog.pid)
            hog.wait()
            _forget(hog)
    run.seconds = time.monotonic() - t0
    run.logs = _logs_of(env.raw, stem)


def _spawn(case: Case, run: Run, full, penv):
    with open(run.out, "wb") as out:
        out.write(("$ %s\n" % " ".join(shlex.quote(a) for a in full)).encode())
        out.flush()
        try:
            p = _popen(full, cwd=case.cwd, env=penv, stdin=subprocess.DEVNULL,
                       stdout=out, stderr=subprocess.STDOUT)
        except OSError as e:
            run.returncode = 127
            out.write(("cannot start: %s\n" % e).encode())
            return
        try:
            run.returncode = p.wait(timeout=case.timeout)
        except subprocess.TimeoutExpired:
            run.hung = True
            _kill_group(p.pid)
            run.returncode = p.wait()
            out.write(("\n[tsan-run] HANG: killed after %.0f s (SIGKILL to the "
                       "process group)\n" % case.timeout).encode())
        finally:
            _kill_group(p.pid)  # stragglers left in the group
            _forget(p)


def _kill_group(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _aslr_failure(run: Run):
    texts = []
    for p in run.logs + [run.out]:
        try:
            with open(p, errors="replace") as fh:
                texts.append(fh.read(200000))
        except OSError:
            pass
    for t in texts:
        m = _ASLR.search(t)
        if m and _SELF_REEXEC not in t:
            line = t[max(0, t.rfind("\n", 0, m.start()) + 1):t.find("\n", m.end())]
            return line.strip() or m.group(0)
    return None


def target_found(case: Case, reports) -> bool:
    """Exploration can stop: the expected report (at a declared site, if
    any) for race/deadlock cases; any report at all for clean ones."""
    if case.expect == "clean":
        return bool(reports)
    from .report import site_lines, near_site
    sites = site_lines(case.sites or [])
    return any(r.category == case.expect and (not sites or any(
        near_site(loc, sites) for loc in (r.location_a, r.location_b))) for r in reports)


def run_case(env: Env, case: Case, detector: str, runs: int, budget: float = 0.0,
             seed: Optional[int] = None, max_runs: int = 0) -> CaseResult:
    """At least `runs` runs; then, within `budget` seconds (counted from the
    first run), more until target_found(), a hang or an error. Run i uses
    seed (default env.base_seed) + i."""
    res = CaseResult(case=case, detector=detector, budget=budget)
    if detector == "tsan" and os.path.exists(case.argv[0]):
        res.runtime = tsan_runtime(case.argv[0])
    base = env.base_seed if seed is None else seed
    suffix = "" if detector == "tsan" else "." + detector
    t0 = time.monotonic()
    i = 0
    while True:
        if i >= runs:
            if target_found(case, res.reports):
                res.stopped = ("found the expected %s" % case.expect if case.expect != "clean"
                               else "found a report")
                break
            if res.hung or res.errors:
                res.stopped = "a run hung or failed"
                break
            if budget <= 0 or time.monotonic() - t0 >= budget:
                res.stopped = ("%d runs" % runs if budget <= 0 else
                               "budget of %.0f s spent" % budget)
                break
            if max_runs and i >= max_runs:
                res.stopped = "--max-runs %d" % max_runs
                break
        _one_run(env, case, detector, i, base + i, suffix, res)
        i += 1
    return res


def _one_run(env: Env, case: Case, detector: str, i: int, seed: int, suffix: str,
             res: CaseResult):
    stem = "%s%s.%d" % (case.stem, suffix, i)
    run = Run(index=i, schedule="", argv=[], seed=seed)
    _run_once(env, case, detector, i, run, stem)
    if detector == "tsan" and not run.hung:
        why = _aslr_failure(run)
        # (a parallel case may have switched ASLR off after this run began:
        # what matters is whether *this* run had the workaround)
        if why and not run.aslr_workaround and env.has_setarch:
            with env.lock:
                if not env.aslr_off:
                    env.aslr_off = True
                    env.aslr_note = (
                        "TSan could not start with address-space randomisation "
                        "on (%s): re-running every case under `setarch %s -R` "
                        "(ASLR off for the tested processes only)" % (why, env.arch))
                    env.log("note: " + env.aslr_note)
            for p in run.logs + [run.out]:
                os.replace(p, p + ".aslr-failed")
            run = Run(index=i, schedule="", argv=[], seed=seed)
            _run_once(env, case, detector, i, run, stem)
            why = _aslr_failure(run)
        if why:
            res.errors.append("run %d: TSan could not start%s: %s" % (
                i, " even under setarch -R" if run.aslr_workaround else "", why))
    res.runs.append(run)
    crashes = []
    for path in run.logs:
        parsed = (tsan_parser.parse_file(path) if detector == "tsan"
                  else vg_parser.parse_file(path))
        for rep in parsed.reports:
            rep.locate(env.roots)
            rep.run = i
            rep.schedule = run.schedule
            if rep.kind not in run.found:
                run.found.append(rep.kind)
            if rep.category == "crash":
                crashes.append(rep)
        if parsed.runtime and (not res.runtime or "v" in parsed.runtime):
            res.runtime = parsed.runtime
        for f in parsed.fatal:
            if not _ASLR.search(f):
                res.errors.append("run %d: %s: %s" % (i, os.path.basename(path), f))
        res.parsed.append(parsed)
    rel_out = os.path.relpath(run.out, env.out_dir)
    if crashes:
        # It ran under TSan and died: say how, where, in which thread.
        for rep in crashes:
            res.errors.append("run %d: the program crashed under TSan: %s in %s at %s%s "
                              "(TSan's report: %s)" % (
                                  i, rep.kind, rep.function_a or "?", rep.location_a,
                                  " (thread %s)" % rep.threads[0] if rep.threads else "",
                                  os.path.relpath(rep.log, env.out_dir)))
    elif detector != "native" and not run.hung and not run.logs and run.returncode != 127:
        if run.returncode is not None and run.returncode < 0:
            res.errors.append(
                "run %d: killed by %s before %s wrote anything (the program %s; "
                "its output: %s)" % (
                    i, _signame(-run.returncode), "TSan" if detector == "tsan" else detector,
                    "is TSan-instrumented (__tsan_init found)" if detector == "tsan"
                    and os.path.exists(case.argv[0]) and tsan_built(case.argv[0])
                    else "started", rel_out))
        else:
            res.errors.append(
                "run %d: no %s log at all: the program did not run under the detector "
                "(not instrumented? exec'd something else?) - refusing to call it clean"
                % (i, "TSan" if detector == "tsan" else detector))
    elif detector == "tsan" and run.logs and not run.hung and not any(
            p.processes for p in res.parsed if p.path in run.logs):
        if run.returncode is not None and run.returncode < 0:
            res.errors.append("run %d: killed by %s before TSan's exit report (its "
                              "logs have no memory map; output: %s)" % (
                                  i, _signame(-run.returncode), rel_out))
        else:
            res.errors.append("run %d: no process finished under TSan (no memory "
                              "map or banner in its logs; exit status %s; output: %s)"
                              % (i, run.returncode, rel_out))
    if run.returncode == 127 and not run.logs:
        res.errors.append("run %d: could not start %s (see %s)" % (
            i, case.argv[0], rel_out))


def _signame(sig):
    try:
        return "%s (%d)" % (signal.Signals(sig).name, sig)
    except ValueError:
        return "signal %d" % sig


# --- tsan-run ------------------------------------------------------------------

USAGE = """tsan-run --expect race|deadlock|clean [--runs K] [--budget S] [--seed N]
                [--max-runs M] [--no-chaos] [--timeout S] [--out DIR] [--sarif FILE] [--junit FILE]
                [--detector tsan|helgrind|drd] [--case NAME] [--src DIR]...
                [--suppressions FILE] [--threads-arg ARG] [--alt-threads N]
                [--xfail REASON] [--ignore-exit-status] [--no-elf-check]
                -- ./program args"""

DESCRIPTION = """Run a program several times under a race detector, parse every
report, write raw logs, summary.csv, cases.csv and summary.md, and exit with
the verdict: 0 when the expectation holds (TP or TN), 1 on FN, FP, HANG or
ERROR, 2 on a bad invocation (no program, program not found, not built with
TSan, unknown expectation, a suppression that would hide our own code)."""


def new_run_dir(base):
    """<base>/<YYYYmmdd-HHMMSS>[-N], created exclusively."""
    os.makedirs(base, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for n in range(1000):
        d = os.path.join(base, stamp if n == 0 else "%s-%d" % (stamp, n))
        try:
            os.mkdir(d)
            return d
        except FileExistsError:
            continue
    raise UsageError("cannot create a run directory under %s" % base)


def _git_toplevel(path):
    try:
        out = subprocess.run(["git", "-C", path, "rev-parse", "--show-toplevel"],
                             capture_output=True, text=True, timeout=10)
        if out.returncode == 0:
            return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return None


def main(argv=None):
    import sys
    from collections import OrderedDict
    from . import report, supp

    if argv is None:
        argv = sys.argv[1:]
    if "--" in argv:
        k = argv.index("--")
        opts, prog = argv[:k], argv[k + 1:]
    else:
        opts, prog = argv, []
    ap = Parser(prog="tsan-run", usage=USAGE, description=DESCRIPTION)
    ap.add_argument("--expect", required=True, choices=("race", "deadlock", "clean"),
                    help="what the detector must find")
    ap.add_argument("--runs", type=int, help="runs (schedules) at least; default 3")
    ap.add_argument("--budget", type=number("--budget", minimum=0),
                    help="seconds to keep exploring schedules after --runs until the "
                         "expected report (race/deadlock) or any report (clean) appears; "
                         "default 60, or 0 when --runs is given (exactly K runs)")
    ap.add_argument("--seed", type=int, help="base seed: run i uses seed+i; "
                                             "`--seed S --runs 1` replays run S")
    ap.add_argument("--max-runs", type=int, default=0, help="stop exploring after M runs")
    ap.add_argument("--no-chaos", action="store_true",
                    help="no schedule perturbation shim (LD_PRELOAD) and no CPU hog")
    ap.add_argument("--sarif", help="also write SARIF 2.1.0 here (default <out>/results.sarif)")
    ap.add_argument("--junit", help="also write JUnit XML here (default <out>/junit.xml)")
    ap.add_argument("--timeout", type=number("--timeout", above=0), default=120.0,
                    help="per-run timeout in seconds (default 120): then HANG")
    ap.add_argument("--out", help="run directory (default reports/tsan/<timestamp>, "
                                  "with reports/tsan/latest pointing to it)")
    ap.add_argument("--detector", default="tsan", choices=("tsan", "helgrind", "drd"))
    ap.add_argument("--case", help="case name (default: the program's name)")
    ap.add_argument("--src", action="append", default=[],
                    help="our source tree (repeatable; default: the git work tree "
                         "of the current directory, else the current directory): "
                         "frames under it are 'our code'")
    ap.add_argument("--suppressions", help="TSan suppressions file (checked: it may "
                                           "not match our own code)")
    ap.add_argument("--threads-arg", type=shell_words("--threads-arg"), help="argument template for the 'threads' "
                                          "schedule, e.g. '--threads {n}'")
    ap.add_argument("--alt-threads", type=number("--alt-threads", int, minimum=1),
                    help="thread count of the 'threads' "
                                                    "schedule (default 2*CPUs+1)")
    ap.add_argument("--xfail", help="known detector limitation: a FN/FP is "
                                    "reported but does not fail")
    ap.add_argument("--ignore-exit-status", action="store_true",
                    help="a non-zero exit without a report is not an ERROR")
    ap.add_argument("--no-elf-check", action="store_true",
                    help="skip the __tsan_init check (for wrapper scripts)")
    a = ap.parse_args(opts)

    def die(msg):
        print("tsan-run: error: %s" % msg, file=sys.stderr)
        return 2

    if a.runs is not None and a.runs < 1:
        return die("--runs must be >= 1, got %d" % a.runs)
    if a.budget is None:
        a.budget = 0.0 if a.runs is not None else 60.0
    if a.runs is None:
        a.runs = 3
    if a.max_runs < 0:
        return die("--max-runs must be >= 0, got %d" % a.max_runs)
    if a.seed is not None and a.seed < 0:
        return die("--seed must be >= 0, got %d" % a.seed)
    if not prog:
        return die("no program given: tsan-run --expect ... -- ./program args")
    try:
        path = resolve_program(prog[0])
        check_program(path, a.detector, elf_check=not a.no_elf_check)
    except UsageError as e:
        return die(str(e))
    if a.detector in ("helgrind", "drd") and not shutil.which("valgrind"):
        return die("valgrind is not installed (apt-get install valgrind)")
    for src in a.src:
        if not os.path.exists(src):
            return die("--src '%s': no such file or directory" % src)
    roots = a.src or [_git_toplevel(os.getcwd()) or os.getcwd()]
    supp_file = a.suppressions or (user_suppressions(os.environ.get("TSAN_OPTIONS", ""))
                                   if a.detector == "tsan" else None)
    if supp_file:
        _, problems = supp.check(supp_file, roots)
        if problems:
            return die("refusing the suppressions: " + "; ".join(problems))
    base_default = a.out is None
    if not base_default and out_dir_problem(a.out):
        return die(out_dir_problem(a.out))
    for flag, rpath in (("--sarif", a.sarif), ("--junit", a.junit)):
        why = rpath is not None and report_path_problem(rpath, a.out)
        if why:
            return die("%s: %s" % (flag, why))
    try:
        out = new_run_dir(os.path.join("reports", "tsan")) if base_default else a.out
        os.makedirs(out, exist_ok=True)
    except OSError as e:
        return die("cannot create the run directory %s: %s" % (
            "under reports/tsan" if base_default else "'%s'" % out, e.strerror or e))
    except UsageError as e:
        return die(str(e))
    install_stop_handlers("tsan-run")
    env = Env(out, roots, suppressions=a.suppressions, alt_threads=a.alt_threads,
              log=lambda m: print(m, flush=True))
    case = Case(name=a.case or os.path.basename(path), argv=[path] + prog[1:],
                expect=a.expect, timeout=a.timeout,
                threads_arg=a.threads_arg or None,
                xfail={a.detector: a.xfail} if a.xfail else {})
    env.chaos = not a.no_chaos
    res = run_case(env, case, a.detector, a.runs, budget=a.budget, seed=a.seed,
                   max_runs=a.max_runs)
    v = report.judge(res, ignore_exit=a.ignore_exit_status)
    meta = OrderedDict()
    meta["run"] = os.path.basename(os.path.abspath(out))
    meta["command"] = " ".join(shlex.quote(x) for x in ["tsan-run"] + argv)
    meta["detector"] = "%s (%s)" % (a.detector, res.runtime or "?")
    meta["exploration"] = report.exploration_text(res)
    meta["notes"] = [n for n in (env.aslr_note, env.chaos_note) if n] + \
        report.blind_spots([v])
    from . import ci
    try:
        report.write_csv(out, [v])
        report.write_cases_csv(out, [v])
        report.write_md(out, [v], meta, env.roots)
        ci.write_sarif(a.sarif or os.path.join(out, "results.sarif"), [v], env.roots, out)
        ci.write_junit(a.junit or os.path.join(out, "junit.xml"), [v], "tsan-run", out)
    except OSError as e:
        print("tsan-run: error: cannot write the report: %s" % e, file=sys.stderr)
        return 1
    if base_default:
        report.update_latest(out)
    print(report.verdict_table([v]))
    print(report.exploration_text(res))
    for ln in report.runs_text(res):
        print("  " + ln)
    for n in meta["notes"]:
        print("note: " + n)
    for det, m in report.metrics([v]).items():
        print(report.metrics_line(det, m))
    for d in v.distinct:
        r = d.first
        print("  %s: %s (x%d)" % (r.kind, report.pair_text(r), d.count))
    if v.failed:
        print(report.failures_text([v], out))
    print("report: %s" % os.path.join(out, "summary.md"))
    return 1 if v.failed else 0
