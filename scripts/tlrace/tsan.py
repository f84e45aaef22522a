"""Parser for ThreadSanitizer logs (one file per process: log_path=X gives
X.<pid>). Works with gcc's runtime (libtsan.so, "v2") and clang's static one
("v3"); frames look like

    #1 func1 /src/deadlock_order.c:15 (prog+0x1285)                     gcc
    #1 func1 /src/deadlock_order.c:15:2 (prog+0xd01a1) (BuildId: c29b)   clang
    #0 pthread_mutex_lock <null> (prog+0x6ef3a) (BuildId: ...)          clang runtime
"""
import re

from .model import ParsedLog, Report, Stack, Frame, category_of

_BANNER = re.compile(r"^\*+ Running under (ThreadSanitizer v\d+) \(pid (\d+)\) \*+")
_MEMMAP = re.compile(r"^==(\d+)==Process memory map follows:")  # print_module_map=1
_WARNING = re.compile(r"^WARNING: ThreadSanitizer: (.+?) \(pid=(\d+)\)\s*$")
_ERROR = re.compile(r"^==(\d+)==ERROR: ThreadSanitizer: (\S+)(.*)$")
_SUMMARY = re.compile(r"^SUMMARY: ThreadSanitizer: ")
_SEPARATOR = "=================="
_FATAL = re.compile(r"FATAL: ThreadSanitizer|ThreadSanitizer: CHECK failed|"
                    r"ThreadSanitizer: unexpected memory mapping|"
                    r"ThreadSanitizer: memory layout is incompatible|"
                    r"ThreadSanitizer: unsupported VMA range|"
                    r"ThreadSanitizer failed to allocate|"
                    r"ThreadSanitizer: failed to ")
_REPORTED = re.compile(r"^ThreadSanitizer: reported (\d+) warnings")
_MORE_LEAKS = re.compile(r"^\s*And (\d+) more similar thread leaks")
_SUPP_HDR = re.compile(r"^Suppressions used:")
_SUPP_LINE = re.compile(r"^\s*(\d+)\s+(\d+)\s+(\S+:.*)$")
_FRAME = re.compile(r"^\s+#(\d+)\s+(.*)$")
_BUILDID = re.compile(r"\s+\(BuildId: [0-9a-fA-F]+\)\s*$")
_MODULE = re.compile(r"\s+\(([^()]*?)\+0x[0-9a-fA-F]+\)\s*$")
_FILELINE = re.compile(r"^(.*?):(\d+)(?::(\d+))?$")
_TITLE = re.compile(r"^  (\S.*):\s*$")
_THREAD = re.compile(r"\b(main thread|thread T\d+|Thread T\d+)")
_MUTEX_REF = re.compile(r"\bM(\d+)\b")
_MUTEX_CREATED = re.compile(r"^  Mutex (M\d+) \((0x[0-9a-f]+)\) created at:")

# Stack titles that describe the report's own accesses or acquisitions
# ("primary"); the rest (thread creation, mutex creation, allocation, the
# second_deadlock_stack "previously acquired" stacks) are context.
_PRIMARY = re.compile(
    r"^(previous )?(atomic )?(read|write)\b|acquired here while holding", re.I)


_FRAME_NO = re.compile(r"^\s*#\d+\s+")


def parse_frame(text: str) -> Frame:
    """One stack frame, with or without its leading "#N "."""
    t = _BUILDID.sub("", _FRAME_NO.sub("", text).rstrip())
    module = None
    m = _MODULE.search(t)
    if m:
        module = m.group(1)
        t = t[:m.start()]
    # "<func> <location>": the location is the last token; the function may
    # itself contain spaces (C++ signatures).
    func, _, loc = t.rpartition(" ")
    if not func:  # only one token: "0x7f... (module+off)" style
        func, loc = loc, "<null>"
    if func.startswith("0x") and " " not in func:
        func = "<null>"
    f = Frame(func=func or "<null>", module=module)
    fl = _FILELINE.match(loc)
    if fl and not loc.startswith("<"):
        f.file, f.line = fl.group(1), int(fl.group(2))
    elif loc != "<null>" and not loc.startswith("("):
        f.file = loc  # an object file, e.g. tsan_interceptors_posix.cpp.o
    return f


def _finish(report: Report, lines):
    report.text = "\n".join(lines).rstrip()
    threads, mutexes = [], []
    for ln in lines:
        if _FRAME.match(ln):
            continue
        for th in _THREAD.findall(ln):
            th = th[0].lower() + th[1:] if th.startswith("Thread") else th
            th = th.replace("thread ", "")
            if th not in threads:
                threads.append(th)
        if ln.startswith("  Cycle in lock order graph") or "(mutexes:" in ln or \
           "Mutex M" in ln or "mutex M" in ln:
            for mx in _MUTEX_REF.findall(ln):
                if "M" + mx not in mutexes:
                    mutexes.append("M" + mx)
    # mutex creation sites: "Mutex M0 (0x..) created at:" + its stack
    created = {}
    for st in report.stacks:
        m = _MUTEX_CREATED.match("  " + st.title + ":")
        if m and st.frames:
            created[m.group(1)] = st
    report.threads = threads
    report.mutexes = mutexes
    report.mutex_stacks = created  # Report.locate() turns them into file:line
    return report


def parse_text(text: str, path: str = "") -> ParsedLog:
    log = ParsedLog(path=path)
    lines = text.splitlines()
    i, n = 0, len(lines)
    in_supp = False
    while i < n:
        ln = lines[i]
        m = _BANNER.match(ln)
        if m:
            log.runtime = m.group(1)
            if int(m.group(2)) not in log.processes:
                log.processes.append(int(m.group(2)))
            i += 1
            continue
        m = _MEMMAP.match(ln)
        if m:
            if int(m.group(1)) not in log.processes:
                log.processes.append(int(m.group(1)))
            i += 1
            continue
        if _FATAL.search(ln):
            log.fatal.append(ln.strip())
        m = _REPORTED.match(ln)
        if m:
            log.warnings_reported = int(m.group(1))
        if _SUPP_HDR.match(ln):
            in_supp = True
            i += 1
            continue
        if in_supp:
            sm = _SUPP_LINE.match(ln)
            if sm:
                log.suppressions_used.append("%s x%s" % (sm.group(3), sm.group(1)))
                i += 1
                continue
            if not ln.strip() or ln.strip().startswith("count"):
                i += 1
                continue
            in_supp = False
        m = _WARNING.match(ln)
        e = None if m else _ERROR.match(ln)
        if m or e:
            if m:
                kind, pid = m.group(1), int(m.group(2))
            else:
                pid = int(e.group(1))
                kind = e.group(2)  # SEGV, BUS, ... (a crash under TSan)
            rep = Report(detector="tsan", kind=kind, category=category_of(kind),
                         log=path, pid=pid)
            block = [ln]
            cur = None
            if e:  # crash reports: header, "==pid==..." notes, then frames
                cur = Stack(title=e.group(2) + e.group(3), role="primary")
                rep.stacks.append(cur)
            j = i + 1
            ended = False
            while j < n:
                l2 = lines[j]
                if _WARNING.match(l2) or _ERROR.match(l2):
                    break  # next report without a separator (truncated one)
                block.append(l2)
                if _SUMMARY.match(l2) or (e and l2.endswith("==ABORTING")):
                    ended = True
                    j += 1
                    break
                fm = _FRAME.match(l2)
                lm = _MORE_LEAKS.match(l2)
                tm = _TITLE.match(l2)
                if fm:
                    if cur is None:  # untitled stack right after the header
                        cur = Stack(title="", role="primary")
                        rep.stacks.append(cur)
                    cur.frames.append(parse_frame(fm.group(2)))
                elif l2.strip() == "[failed to restore the stack]":
                    if cur is not None:
                        cur.restored = False
                elif lm:
                    rep.count += int(lm.group(1))
                elif tm:
                    title = tm.group(1)
                    role = "primary" if _PRIMARY.search(title) else "context"
                    cur = Stack(title=title, role=role)
                    rep.stacks.append(cur)
                elif l2.strip() == "":
                    cur = None if (cur and cur.frames) else cur
                j += 1
            if not ended:
                rep.truncated = True
                log.complete = False
            # drop the closing separator from the excerpt
            while block and block[-1].strip() in ("", _SEPARATOR):
                block.pop()
            log.reports.append(_finish(rep, block))
            i = j
            continue
        i += 1
    return log


def parse_file(path: str) -> ParsedLog:
    with open(path, "r", errors="replace") as fh:
        return parse_text(fh.read(), path)
