"""Reports as every parser returns them, and the rules shared by all parsers:
which category a detector's kind belongs to, and which stack frame is "ours"."""
import os
import re
from dataclasses import dataclass, field
from typing import List, Optional

# Categories are what expectations talk about. A case expects `race`,
# `deadlock` or `clean`; a report of any other category is unexpected.
RACE = "race"
DEADLOCK = "deadlock"
EXPECTATIONS = ("race", "deadlock", "clean")

# (regex on the detector's own kind text, category). First match wins.
_CATEGORY_RULES = [
    (r"lock-order-inversion|lock ?order", DEADLOCK),
    (r"data race|heap-use-after-free|race on|conflicting (load|store|access)|^race$",
     RACE),
    (r"thread leak", "thread-leak"),
    (r"signal-unsafe|signal handler spoils errno", "signal"),
    (r"mutex|unlock|double lock|rwlock|lock", "mutex-misuse"),
    (r"cond|semaphore|barrier|pthread api|pthapierror", "api-misuse"),
    (r"segv|bus|fpe|ill|abrt|deadly signal|stack-overflow", "crash"),
    (r"fatal|check failed|tool", "tool-error"),
]


def category_of(kind: str) -> str:
    k = kind.lower()
    for rx, cat in _CATEGORY_RULES:
        if re.search(rx, k):
            return cat
    return "other"


@dataclass
class Frame:
    func: str = "<null>"
    file: Optional[str] = None   # absolute or as the symbolizer printed it
    line: Optional[int] = None
    module: Optional[str] = None  # object file (libtsan.so.2, the program, ...)

    def where(self, roots=()) -> str:
        """file:line, relative to the first root that contains it."""
        if not self.file:
            return "%s (%s)" % (self.func, self.module or "?")
        path = relpath_under(self.file, roots)
        return "%s:%d" % (path, self.line) if self.line else path


@dataclass
class Stack:
    title: str          # e.g. "Previous write of size 4 at ... by thread T1"
    role: str           # "primary" (the access / acquisition) or "context"
    frames: List[Frame] = field(default_factory=list)
    restored: bool = True  # False: "[failed to restore the stack]"


@dataclass
class Report:
    detector: str       # tsan | helgrind | drd
    kind: str           # the detector's own words ("data race", "Race", ...)
    category: str       # race | deadlock | thread-leak | signal | ...
    stacks: List[Stack] = field(default_factory=list)
    threads: List[str] = field(default_factory=list)
    mutexes: List[str] = field(default_factory=list)
    text: str = ""      # the report as printed (XML reduced to text for valgrind)
    log: str = ""       # raw log it came from
    pid: Optional[int] = None
    count: int = 1      # the detector's own repeat count (valgrind, thread leaks)
    truncated: bool = False  # log ended inside the report (killed process)
    # Filled by locate(): the top frame in our code of the first two primary
    # stacks, as "file:line" (relative to the repo), and their functions.
    location_a: str = ""
    location_b: str = ""
    function_a: str = ""
    function_b: str = ""
    # Filled by locate(): each primary stack as its frames outside the
    # runtimes, "file:line<file:line<..." (at most STACK_DEPTH), so that two
    # races on the same line reached from different callers stay apart.
    stack_a: str = ""
    stack_b: str = ""
    run: int = 0        # which run of the case, and under which schedule
    schedule: str = ""
    # mutex name -> the Stack where it was created (TSan), if printed
    mutex_stacks: dict = field(default_factory=dict)

    def locate(self, roots):
        primary = [s for s in self.stacks if s.role == "primary"]
        if not primary:
            primary = self.stacks[:1]  # thread leak: only the creation stack
        lock_site = self.category in (DEADLOCK, "mutex-misuse")
        locs, sigs = [], []
        for s in primary[:2]:
            frames = past_lock_impl(s.frames) if lock_site else s.frames
            sigs.append(stack_signature(frames, roots))
            if not s.restored and not s.frames:
                locs.append(("[stack not restored]", ""))
                continue
            f = our_frame(s.frames, roots, lock_site)
            locs.append((f.where(roots), f.func) if f else ("?", ""))
        while len(locs) < 2:
            locs.append(("", ""))
        while len(sigs) < 2:
            sigs.append("")
        (self.location_a, self.function_a), (self.location_b, self.function_b) = locs
        self.stack_a, self.stack_b = sigs
        named = []
        for mx in self.mutexes:
            st = self.mutex_stacks.get(mx)
            f = our_frame(st.frames, roots) if st else None
            named.append("%s@%s" % (mx, f.where(roots)) if f else mx)
        self.mutexes = named
        self.mutex_stacks = {}
        return self

    def key(self):
        """Duplicates: same kind and the same pair of accesses (each one's
        location and whole stack in our code), either order. Two races on
        one line reached through different callers are two rows."""
        return (self.detector, self.kind,
                tuple(sorted(((self.location_a, self.stack_a),
                              (self.location_b, self.stack_b)))))


@dataclass
class ParsedLog:
    """Everything one raw log (one process) told us."""
    path: str
    reports: List[Report] = field(default_factory=list)
    processes: List[int] = field(default_factory=list)  # detector banners seen
    runtime: str = ""          # e.g. "ThreadSanitizer v2", "Helgrind"
    fatal: List[str] = field(default_factory=list)      # tool could not run
    suppressions_used: List[str] = field(default_factory=list)
    warnings_reported: Optional[int] = None  # "ThreadSanitizer: reported N warnings"
    complete: bool = True      # False: no end marker (killed)


# --- "our code" --------------------------------------------------------------

# Runtime and system frames: never "ours", whatever the roots say.
# (valgrind's own modules by their install dir: tsan-suite's build dir is
# build/valgrind, whose programs are ours)
_RUNTIME_MODULES = re.compile(
    r"(^|/)(libtsan|libasan|libubsan|libclang_rt|libc\.so|libc-|libpthread|ld-linux|"
    r"libstdc\+\+|libgcc_s|libm\.so|vgpreload_|lib(exec)?/valgrind/)")
# Our code is compiled with absolute paths (CMake does), so the symbolizer
# prints it absolute; runtimes print paths relative to their own build tree
# (gcc: ../../../../src/libsanitizer/..., glibc: ../sysdeps/..., ./nptl/...)
# or an object file (clang's static runtime: tsan_interceptors_posix.cpp.o).
_RUNTIME_FILES = re.compile(
    r"^\.\.?/|/libsanitizer/|/compiler-rt/|/sanitizer_common/|\.o$")
_RUNTIME_FUNCS = re.compile(
    r"^(__tsan|__interceptor_|___interceptor_|__sanitizer|__asan|__ubsan|_start$|"
    r"__libc_start|start_thread$|clone3?$|__clone|<null>$|"
    r"__tsan::|__sanitizer::|_vgw|_vgr|VG_)")
_SYSTEM_DIRS = ("/usr/", "/lib/", "/lib64/", "/opt/")


def is_runtime(f: Frame) -> bool:
    if f.module and _RUNTIME_MODULES.search(f.module):
        return True
    if f.file and _RUNTIME_FILES.search(f.file):
        return True
    return bool(_RUNTIME_FUNCS.search(f.func or "<null>"))


def under(path: str, root: str) -> bool:
    root = root.rstrip("/") + "/"
    return os.path.isabs(path) and (path + "/").startswith(root)


def relpath_under(path: str, roots) -> str:
    for r in roots:
        if under(path, r):
            return os.path.relpath(path, r)
    return path


STACK_DEPTH = 6


def stack_signature(frames, roots) -> str:
    """The stack's frames outside the runtimes, top first, as file:line (or
    function for frames without a file), at most STACK_DEPTH of them."""
    out = []
    for f in frames:
        if is_runtime(f):
            continue
        out.append(f.where(roots) if f.file else f.func)
        if len(out) >= STACK_DEPTH:
            break
    return "<".join(out)


def past_lock_impl(frames):
    """For a stack that enters TSan through a mutex annotation
    (__tsan_mutex_pre_lock & co., i.e. a custom lock such as tl_lock; under
    Helgrind/DRD threadlab's tl__vg_* client-request wrappers), the
    frames below it are the lock's own implementation: drop them, up to the
    first frame in another source file, so the location is the code that
    took the lock, as it is for pthread_mutex_lock (an interceptor)."""
    k = None
    for i, f in enumerate(frames):
        # threadlab's Helgrind/DRD annotations (primitives/src/lock_tsan.c)
        # play the part of __tsan_mutex_* under valgrind
        if (f.func or "").startswith(("__tsan_mutex_", "tl__vg_")):
            k = i
    if k is None:
        return frames
    rest = frames[k + 1:]
    impl = next((f.file for f in rest if not is_runtime(f) and f.file), None)
    if impl is None:
        return frames
    j = next((i for i, f in enumerate(rest)
              if not is_runtime(f) and f.file and f.file != impl), None)
    return rest[j:] if j is not None else frames


def our_frame(frames, roots, lock_site=False) -> Optional[Frame]:
    """The top frame in our code: first frame whose file is under one of the
    roots; else the first non-runtime frame with a source file outside the
    system dirs; else the first non-runtime frame; else the first frame.
    lock_site: skip a custom lock's implementation (see past_lock_impl)."""
    if lock_site:
        frames = past_lock_impl(frames)
    candidates = [f for f in frames if not is_runtime(f)]
    for f in candidates:
        if f.file and any(under(f.file, r) for r in roots):
            return f
    for f in candidates:
        if f.file and not f.file.startswith(_SYSTEM_DIRS):
            return f
    if candidates:
        return candidates[0]
    return frames[0] if frames else None
