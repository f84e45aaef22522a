"""Parser for Helgrind and DRD XML output (--xml=yes --xml-file=X.%p.xml: one
file per process). Valgrind already merges repeats of one error; its
<errorcounts> give how often each was seen. A file cut short (the process
was killed on a timeout) is repaired up to its last complete <error>."""
import os
import re
import xml.etree.ElementTree as ET

from .model import ParsedLog, Report, Stack, Frame, category_of

# XML <kind> -> the words used in our summaries. Helgrind: Race, LockOrder,
# UnlockUnlocked, UnlockForeign, UnlockBogus, PthAPIerror, Misc. DRD:
# ConflictingAccess, MutexErr, CondErr, CondDestrErr, CondRaceErr,
# CondWaitErr, SemaphoreErr, BarrierErr, RwlockErr, HoldtimeErr, GenericErr,
# InvalidThreadId, UnimpHgClReq, UnimpDrdClReq.
KINDS = {
    "Race": "Possible data race",
    "LockOrder": "lock order violated",
    "UnlockUnlocked": "unlock of an unlocked lock",
    "UnlockForeign": "unlock of a lock held by another thread",
    "UnlockBogus": "unlock of an invalid lock",
    "PthAPIerror": "pthread API error",
    "ConflictingAccess": "Conflicting access",
    "MutexErr": "mutex error",
    "CondErr": "condition variable error",
    "CondDestrErr": "condition variable destroyed while waited on",
    "CondRaceErr": "condition variable signalled without its mutex",
    "CondWaitErr": "condition wait with different mutexes",
    "SemaphoreErr": "semaphore error",
    "BarrierErr": "barrier error",
    "RwlockErr": "rwlock error",
    "HoldtimeErr": "lock held too long",
}

_HG_THREAD = re.compile(r"thread #(\d+)", re.I)
_DRD_THREAD = re.compile(r"by thread (\d+)")
_LOCK_ADDR = re.compile(r"lock (?:at )?(0x[0-9A-Fa-f]+)")


def _frame(el) -> Frame:
    d, f = el.findtext("dir"), el.findtext("file")
    path = os.path.join(d, f) if d and f else f
    line = el.findtext("line")
    return Frame(func=el.findtext("fn") or "<null>", file=path,
                 line=int(line) if line and line.isdigit() else None,
                 module=el.findtext("obj"))


def _stack(el, title, role) -> Stack:
    return Stack(title=title, role=role, frames=[_frame(f) for f in el.findall("frame")])


def _text(el):
    if el is None:
        return ""
    return (el.findtext("text") or el.text or "").strip()


def _repair(data: str) -> str:
    """Keep everything up to the last complete </error> of a cut-short file."""
    end = data.rfind("</error>")
    head = data[:end + len("</error>")] if end >= 0 else data[:data.find("<error>")] \
        if "<error>" in data else data
    return head + "\n</valgrindoutput>\n"


def _report_from(err, tool, path, pid) -> Report:
    xkind = err.findtext("kind") or "?"
    kind = KINDS.get(xkind, xkind)
    rep = Report(detector=tool, kind=kind, category=category_of(kind), log=path, pid=pid)
    what = _text(err.find("xwhat")) or (err.findtext("what") or "").strip()
    lines = [what]
    title = what
    role = "primary"
    # Children in order: (x)what, stack, (x)auxwhat, stack, ... For a lock
    # order error the stacks are: the violating acquisition, where the
    # required order was established, the later acquisition that completed
    # it, then where each lock was first observed. The primary pair is the
    # violating acquisition and the later acquisition (as TSan's cycle).
    aux_n = 0
    for ch in err:
        if ch.tag in ("auxwhat", "xauxwhat"):
            title = _text(ch)
            lines.append("  " + title)
            aux_n += 1
            if xkind == "Race":
                role = "primary" if title.startswith("This conflicts") else "context"
            elif xkind == "LockOrder":
                role = "primary" if title.startswith("followed by a later") else "context"
            else:
                role = "context"
        elif ch.tag == "stack":
            st = _stack(ch, title, role)
            rep.stacks.append(st)
            for f in st.frames[:4]:
                lines.append("    %s %s" % (f.func, "%s:%s" % (f.file, f.line) if f.file else f.module))
            role = "context"
        elif ch.tag in ("other_segment_start", "other_segment_end"):
            s = ch.find("stack")
            if s is not None:
                st = _stack(s, ch.tag.replace("_", " "), "context")
                rep.stacks.append(st)
    threads = []
    rx = _HG_THREAD if tool == "helgrind" else _DRD_THREAD
    for t in rx.findall(" ".join(lines)):
        name = "#" + t
        if name not in threads:
            threads.append(name)
    if xkind == "LockOrder":
        locks = []
        for a in _LOCK_ADDR.findall(" ".join(lines)) + re.findall(r"0x[0-9A-Fa-f]+", what):
            if a.lower() not in locks:
                locks.append(a.lower())
        rep.mutexes = locks[:2]
    rep.threads = threads
    rep.text = "\n".join(lines)
    return rep


def parse_file(path: str) -> ParsedLog:
    log = ParsedLog(path=path)
    with open(path, "r", errors="replace") as fh:
        data = fh.read()
    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        log.complete = False
        try:
            root = ET.fromstring(_repair(data))
        except ET.ParseError as e:
            log.fatal.append("unreadable valgrind XML %s: %s" % (path, e))
            return log
    tool = (root.findtext("tool") or root.findtext("protocoltool") or "valgrind").strip()
    pid_s = root.findtext("pid")
    pid = int(pid_s) if pid_s and pid_s.isdigit() else None
    log.runtime = tool
    if pid is not None:
        log.processes.append(pid)
    counts = {}
    for pair in root.findall("errorcounts/pair"):
        u, c = pair.findtext("unique"), pair.findtext("count")
        if u and c and c.isdigit():
            counts[u] = int(c)
    for err in root.findall("error"):
        rep = _report_from(err, tool, path, pid)
        rep.count = counts.get(err.findtext("unique"), 1)
        log.reports.append(rep)
    # <suppcounts> are valgrind's own default suppressions (ld.so, libc): we
    # pass none of ours, so they are not listed.
    states = [s.findtext("state") for s in root.findall("status")]
    if "FINISHED" not in states:
        log.complete = False
    for ln in root.findall("fatal_signal") or []:
        log.fatal.append("fatal signal: %s" % (ln.findtext("signame") or "?"))
    return log
