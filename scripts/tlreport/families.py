"""Which benchmark rows feed which plot family.

The benchmark authors (issues 5, 7, 9) choose the names; these rules are the
contract between their names/counters and the plots. A row that matches no
special family still appears in the time-vs-threads and ratio charts, so
nothing is dropped silently. Matching is on the name's `/`-separated parts
(`primitive`, `variant`), the `params` keys and the counter names:

  lesson    counters final_n and expected_n (or lost_updates); the variant is
            the name part among unlocked, lock, lock-narrow, join, atomic.
            Time: counter wall_s (seconds), else real_ns.
  fairness  counter jain and/or min_max (per-thread acquisition counts).
  handoff   a name part handoff / pingpong / ping-pong / ping_pong.
            Placement: params place|placement (0 or same_core, 1 or
            cross_core, 2 or cross_package), else a variant token
            same-core / cross-core / cross-package / smt.
  wakeup    a name part containing "wake" and percentile counters
            (p50, p90, p99, max; suffix _ns/_us/_ms/_s sets the unit, ns
            when none).
  timer     primitive "timer" (lateness percentiles as counters).
  queue     a pattern spsc / mpsc / spmc / mpmc as the variant or params
            pattern, and a primitive containing "queue" or "ring" or a
            capacity param; capacity from params
            cap|capacity|maxsize (0 or negative = unbounded, as in Python).
  executor  primitive containing "pool" or "per_task"/"per-task", or
            "executor"; the variant is the operation (roundtrip, throughput,
            map, ...).
  start     primitive "start" (variants pthread_create, fork, posix_spawn,
            tl_thread, ...) or variant "start" / "start_join".
  workload  any other row with a wall_s counter (the seed's other lessons,
            bench/workloads): wall time per variant and parameter set.
"""
import math
import re

LESSON_ORDER = ("unlocked", "atomic", "lock-narrow", "lock", "join")
_LESSON_ALIASES = {
    "unlocked": "unlocked", "nolock": "unlocked", "no-lock": "unlocked",
    "atomic": "atomic",
    "lock-narrow": "lock-narrow", "lock_narrow": "lock-narrow", "narrow": "lock-narrow",
    "lock": "lock", "locked": "lock",
    "join": "join", "serial": "join",
}

PLACEMENTS = ("same core", "cross core", "cross package")
_PLACE_WORDS = {
    "0": "same core", "same_core": "same core", "same-core": "same core",
    "samecore": "same core", "smt": "same core", "same": "same core",
    "1": "cross core", "cross_core": "cross core", "cross-core": "cross core",
    "crosscore": "cross core", "core": "cross core",
    "2": "cross package", "cross_package": "cross package",
    "cross-package": "cross package", "crosspackage": "cross package",
    "package": "cross package", "numa": "cross package",
}

PATTERNS = ("spsc", "mpsc", "spmc", "mpmc")
_PCT_RE = re.compile(r"^(p(\d+(?:\.\d+)?)|max|min|mean)(?:_(ns|us|ms|s))?$")
_UNIT_NS = {None: 1.0, "ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def parts(p):
    return [x.lower() for x in p.name.split("/")]


def _tokens(p):
    out = set()
    for x in (p.primitive, p.variant):
        x = x.lower()
        out.add(x)
        out.update(t for t in re.split(r"[-_.]", x) if t)
    return out


def percentiles(p):
    """Percentile counters of a point, in ns: {'p50': v, ..., 'max': v}."""
    out = {}
    for k, v in p.counters.items():
        m = _PCT_RE.match(k.lower())
        if m and isinstance(v, float) and math.isfinite(v):
            out[m.group(1)] = v * _UNIT_NS[m.group(3)]
    return out


def pct_order(keys):
    def k(name):
        if name == "min":
            return -1.0
        if name == "mean":
            return 49.5
        if name == "max":
            return 1000.0
        return float(name[1:])
    return sorted(keys, key=k)


def lesson_variant(p):
    for part in [p.variant.lower()] + parts(p):
        if part in _LESSON_ALIASES:
            return _LESSON_ALIASES[part]
    return None


def is_lesson(p):
    c = p.counters
    return ("final_n" in c and "expected_n" in c) or "lost_updates" in c


def is_fairness(p):
    return "jain" in p.counters or "min_max" in p.counters


def is_handoff(p):
    return bool({"handoff", "pingpong", "ping-pong", "ping_pong"} & (set(parts(p)) | _tokens(p)))


def placement(p):
    for key in ("place", "placement"):
        if key in p.params:
            v = str(p.params[key]).lower()
            if v.endswith(".0"):
                v = v[:-2]
            return _PLACE_WORDS.get(v, "place=" + v)
    v = p.variant.lower()
    for word in ("cross-package", "cross_package", "crosspackage", "cross-core",
                 "cross_core", "crosscore", "same-core", "same_core", "samecore", "smt"):
        if word in v or word in p.name.lower():
            return _PLACE_WORDS[word]
    return "unspecified"


def is_wakeup(p):
    return any("wake" in x for x in parts(p)) and bool(percentiles(p))


def is_timer(p):
    return p.primitive.lower() == "timer"


def queue_pattern(p):
    for key in ("pattern",):
        if key in p.params:
            return str(p.params[key]).lower()
    for t in [p.variant.lower()] + parts(p):
        if t in PATTERNS:
            return t
    return None


def queue_capacity(p):
    for key in ("cap", "capacity", "maxsize"):
        if key in p.params:
            try:
                v = int(float(p.params[key]))
            except ValueError:
                return str(p.params[key])
            return "unbounded" if v <= 0 else str(v)
    return "unbounded"


def is_queue(p):
    pr = p.primitive.lower()
    return queue_pattern(p) is not None and (
        "queue" in pr or "ring" in pr or any(k in p.params for k in ("cap", "capacity", "maxsize")))


def is_executor(p):
    pr = p.primitive.lower()
    return ("pool" in pr or "per_task" in pr or "per-task" in pr
            or pr in ("executor", "executors")
            or (is_peer_library(p) and p.baseline.startswith("gthreadpool/")))  # oneTBB's


def is_start(p):
    v = p.variant.lower()
    return (p.primitive.lower() in ("start", "spawn", "startup")
            or v == "start" or v.startswith(("start_", "start-")))


def is_workload(p):
    return "wall_s" in p.counters


# Enumerated parameters, for labels and for pairing rows that spell them
# differently (C: kind=0, CPython peer: kind=fifo): bench/include/workload.h
# (start, work), bench/benchmarks/common.h (queue kind).
_PARAM_WORDS = {"start": ("seed", "barrier"), "work": ("sleep", "spin"),
                "kind": ("fifo", "lifo", "prio")}


def canon_params(p):
    """Params as comparable (key, value) pairs: enumerations and placements
    spelled one way, place/placement one key."""
    out = []
    for k, v in p.params.items():
        v = str(v)
        if k in ("place", "placement"):
            k, v = "placement", _PLACE_WORDS.get(v.lower()[:-2] if v.endswith(".0") else v.lower(), v)
        elif k in _PARAM_WORDS:
            words = _PARAM_WORDS[k]
            try:
                i = int(float(v))
                if 0 <= i < len(words):
                    v = words[i]
            except ValueError:
                pass
        out.append((k, v))
    return tuple(sorted(out))


def params_pretty(p, sep=", "):
    out = []
    for k, v in p.params.items():
        words = _PARAM_WORDS.get(k)
        try:
            i = int(float(v))
        except ValueError:
            i = None
        if words and i is not None and 0 <= i < len(words):
            v = "%s (%s)" % (v, words[i])
        elif k in ("place", "placement") and str(v).lower() in _PLACE_WORDS:
            v = "%s (%s)" % (v, _PLACE_WORDS[str(v).lower()]) if i is not None else v
        out.append("%s=%s" % (k, v))
    return sep.join(out)


# Params that carry the thread count of benchmarks that start their own
# threads (workloads run as one Google Benchmark thread: threads=1).
THREAD_PARAMS = ("nthreads", "threads", "n_threads", "workers")


def threads_of(p):
    """The threads a benchmark really ran: Google Benchmark's thread count,
    else (when that is 1) a thread-count param (`nthreads=20`)."""
    if p.threads > 1:
        return p.threads
    for k in THREAD_PARAMS:
        try:
            n = int(float(p.params[k]))
        except (KeyError, ValueError):
            continue
        if n > 0:
            return n
    return p.threads


_RACY_WORDS = {"unlocked", "racy", "busywait", "busy-wait", "busy_wait"}


def is_racy(p):
    """A variant that races on purpose (or lost updates in this run): being
    faster than it is no achievement, so ratios against it are not
    'better' or 'worse'."""
    c = p.counters
    lost = c.get("lost_updates")
    if isinstance(lost, float) and lost > 0:
        return True
    fn, en = c.get("final_n"), c.get("expected_n")
    if isinstance(fn, float) and isinstance(en, float) and fn != en:
        return True
    return lesson_variant(p) == "unlocked" or bool(_RACY_WORDS & ({p.variant.lower()} | set(parts(p))))


# The order matters: the first match wins.
RULES = (
    ("lesson", is_lesson),
    ("fairness", is_fairness),
    ("handoff", is_handoff),
    ("timer", is_timer),
    ("wakeup", is_wakeup),
    ("queue", is_queue),
    ("executor", is_executor),
    ("start", is_start),
    ("workload", is_workload),
)


# Native code and third-party peers (GLib, bench/peers/) measured next to ours: they appear
# in the figures of the primitives that name them as baseline, not as "ours".
_NATIVE_RE = re.compile(r"^(pthread|sem_t|futex|c11|atomic|stdatomic|native|glib|g(mutex|recmutex|"
                        r"rwlock|cond|asyncqueue|threadpool|thread|private|once))", re.I)


def is_native_peer(p):
    return bool(_NATIVE_RE.match(p.primitive)) or is_peer_library(p)


def is_peer_library(p):
    """A third-party library's row (bench/peers/: `waits` is set): shown in
    the figures of ours that share its baseline, never as ours."""
    rows = getattr(p, "rows", None) or [p]
    return bool(rows[0].fact("waits"))


def family(p):
    for name, rule in RULES:
        if rule(p):
            return name
    return "scaling"


def classify(points):
    out = {name: [] for name, _ in RULES}
    out["scaling"] = []
    for p in points:
        out[family(p)].append(p)
    return out
