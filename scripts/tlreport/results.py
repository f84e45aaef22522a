"""Read a runner CSV (schema in reports/README.md and the team brief) and
reduce it to one point per benchmark: the median over its repetitions.

Stdlib only: compare and report-page import this without matplotlib.
"""
import csv
import io
import math
import os
import re
import statistics
import sys

COLUMNS = (
    "run_id", "timestamp", "host", "cpu_model", "packages", "cores", "pus",
    "allowed_pus", "git_commit", "build_type", "mode", "peer", "name",
    "primitive", "variant", "params", "baseline", "row_type", "aggregate",
    "repetition", "threads", "pin_policy", "cpus_used", "oversubscribed",
    "iterations", "real_ns", "cpu_ns", "items_per_second",
    "bytes_per_second", "counters", "error",
)

# Run-wide facts, shown in footnotes and on the page.
FACT_COLUMNS = ("run_id", "timestamp", "host", "cpu_model", "packages",
                "cores", "pus", "allowed_pus", "git_commit", "build_type")


from .inputs import InputError, check_raw_row, read_text  # noqa: E402 (bad input: one line, exit 2)


def parse_kv(text, where, numeric):
    """`k=v;k=v` -> dict (insertion order kept). Values are floats when
    `numeric` and they parse, else strings."""
    out = {}
    text = (text or "").strip()
    if not text:
        return out
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        if "=" not in part:
            raise InputError("%s: %r is not k=v" % (where, part))
        k, v = part.split("=", 1)
        k, v = k.strip(), v.strip()
        if numeric:
            try:
                out[k] = float(v)
                continue
            except ValueError:
                pass
        out[k] = v
    return out


def _num(text, where, column, kind=float, required=True):
    text = (text or "").strip()
    if not text:
        if required:
            raise InputError("%s: column %s is empty" % (where, column))
        return None
    try:
        v = kind(float(text)) if kind is int else kind(text)
    except ValueError:
        raise InputError("%s: column %s: %r is not a number" % (where, column, text))
    if kind is float and math.isnan(v) and required:
        raise InputError("%s: column %s is NaN" % (where, column))
    return v


class Row:
    """One CSV row with its fields parsed."""

    def __init__(self, raw, where):
        self.raw = raw
        self.where = where
        g = lambda c: (raw.get(c) or "").strip()
        self.name = g("name")
        if not self.name:
            raise InputError("%s: column name is empty" % where)
        self.peer = g("peer") or "c"
        self.mode = g("mode") or "threads"
        self.primitive = g("primitive")
        self.variant = g("variant")
        if not self.primitive:
            parts = self.name.split("/")
            self.primitive = parts[0]
            self.variant = self.variant or (parts[1] if len(parts) > 1 else "")
        self.pv = "%s/%s" % (self.primitive, self.variant) if self.variant else self.primitive
        self.params_str = g("params")
        self.params = parse_kv(self.params_str, where + " params", numeric=False)
        self.baseline = g("baseline")
        self.row_type = g("row_type") or "iteration"
        self.aggregate = g("aggregate")
        self.error = g("error")
        self.pin_policy = g("pin_policy") or "none"
        self.cpus_used = g("cpus_used")
        self.oversubscribed = g("oversubscribed") in ("1", "true", "True")
        strict = not self.error
        self.threads = _num(g("threads"), where, "threads", int, required=False) or 1
        self.repetition = _num(g("repetition"), where, "repetition", int, required=False)
        self.iterations = _num(g("iterations"), where, "iterations", int, required=False)
        # cv and other aggregates may be ratios, not ns: only iteration,
        # mean and median rows must carry times.
        need_time = strict and self.aggregate in ("", "mean", "median")
        self.real_ns = _num(g("real_ns"), where, "real_ns", required=need_time)
        self.cpu_ns = _num(g("cpu_ns"), where, "cpu_ns", required=False)
        self.items_per_second = _num(g("items_per_second"), where, "items_per_second", required=False)
        self.bytes_per_second = _num(g("bytes_per_second"), where, "bytes_per_second", required=False)
        self.counters = parse_kv(g("counters"), where + " counters", numeric=True)

    def fact(self, column):
        return (self.raw.get(column) or "").strip()


def load(path):
    """Read and validate a CSV; returns a list of Row. Raises InputError."""
    text = read_text(path)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames
    if not header:
        raise InputError("%s: empty file (no header row; expected columns: %s)"
                         % (path, ",".join(COLUMNS)))
    header = [h.strip() for h in header]
    dup = sorted({h for h in header if header.count(h) > 1})
    if dup:
        raise InputError("%s: duplicate column%s in the header: %s" % (
            path, "s" if len(dup) > 1 else "", ", ".join(repr(h) for h in dup)))
    reader.fieldnames = header
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise InputError("%s: missing column%s: %s" % (
            path, "s" if len(missing) > 1 else "", ", ".join(missing)))
    rows = []
    for i, raw in enumerate(reader, start=2):
        if None in raw:
            raise InputError("%s:%d: more fields than the header has" % (path, i))
        if not any((v or "").strip() for v in raw.values()):
            continue
        check_raw_row(raw, "%s:%d" % (path, reader.line_num))
        rows.append(Row(raw, "%s:%d" % (path, i)))
    if not rows:
        raise InputError("%s: no data rows (header only)" % path)
    return rows


def load_any(path):
    """A run as compare and report-page take it: our CSV, a run directory
    (its results.csv; reports/latest too), or a Google Benchmark JSON file
    (tlreport.gbjson). Returns a list of Row. Raises InputError."""
    from . import gbjson
    if os.path.isdir(path):
        csv_path = os.path.join(path, "results.csv")
        if not os.path.isfile(csv_path):
            raise InputError("%s: a directory without results.csv (not a run directory)" % path)
        return load(csv_path)
    if os.path.isfile(path) and gbjson.looks_like(path):
        def error(msg):
            raise InputError(msg)
        rows = []
        for raw, where in gbjson.load_raw(path, error):
            check_raw_row(raw, where)  # the same number checks as a CSV row
            rows.append(Row(raw, where))
        if not rows:
            raise InputError("%s: no benchmarks in this Google Benchmark JSON" % path)
        return rows
    return load(path)


def facts(rows):
    """Run facts: column -> sorted distinct non-empty values."""
    out = {}
    for c in FACT_COLUMNS:
        vals = sorted({r.fact(c) for r in rows if r.fact(c)})
        out[c] = vals
    return out


def fact_str(f, column, sep=", "):
    return sep.join(f.get(column) or []) or "?"


def footnote(rows, run_facts=None):
    """One line: host, CPU, topology, pin policy, commit (of these rows)."""
    f = facts(rows)
    topo = "%s pkg / %s cores / %s PUs (%s allowed)" % (
        fact_str(f, "packages", "|"), fact_str(f, "cores", "|"),
        fact_str(f, "pus", "|"), fact_str(f, "allowed_pus", "|"))
    pins = ",".join(sorted({r.pin_policy for r in rows})) or "?"
    commit = short_commits(f)
    return "host %s · CPU %s · topology %s · pin %s · commit %s · run %s · %s" % (
        fact_str(f, "host"), fact_str(f, "cpu_model"), topo, pins, commit,
        fact_str(f, "run_id"), fact_str(f, "build_type"))


def short_commits(f):
    """Commit(s) for display: full hashes shortened, `describe` output
    (e.g. `f96171dfdaf2-dirty`) kept whole."""
    out = [c[:12] if re.fullmatch(r"[0-9a-f]{40}", c) else c for c in f.get("git_commit") or []]
    return ",".join(out) or "?"


# Counters that carry the true time per operation when a benchmark reports it
# (reports/README.md: Google Benchmark's real_ns averages per-thread times;
# true throughput is a counter over one common window).
NS_PER_OP_COUNTERS = ("ns_per_op",)
OPS_PER_SEC_COUNTERS = ("ops_per_s", "ops_per_sec", "ops_per_second", "throughput")


class Point:
    """One benchmark of one run (all its repetitions), reduced to medians."""

    def __init__(self, key, rows):
        self.key = key
        first = rows[0]
        for attr in ("name", "peer", "mode", "primitive", "variant", "pv",
                     "params", "params_str", "baseline", "threads",
                     "pin_policy", "oversubscribed", "cpus_used"):
            setattr(self, attr, getattr(first, attr))
        self.rows = rows
        its = [r for r in rows if r.row_type == "iteration" and not r.error]
        self.errors = sorted({r.error for r in rows if r.error})
        agg = {r.aggregate: r for r in rows if r.row_type == "aggregate" and not r.error}
        self.reps = [r.real_ns for r in its if r.real_ns is not None]
        self.cpu_reps = [r.cpu_ns for r in its if r.cpu_ns is not None]
        src = its or [agg[a] for a in ("median", "mean") if a in agg][:1]
        self.source = "iterations" if its else ("aggregate" if src else "none")

        def med(vals):
            vals = [v for v in vals if v is not None]
            return statistics.median(vals) if vals else None
        self.real_ns = med(r.real_ns for r in src)
        self.cpu_ns = med(r.cpu_ns for r in src)
        self.items_per_second = med(r.items_per_second for r in src)
        self.bytes_per_second = med(r.bytes_per_second for r in src)
        self.counters = {}
        names = []
        for r in src:
            for k in r.counters:
                if k not in names:
                    names.append(k)
        for k in names:
            vals = [r.counters.get(k) for r in src]
            nums = [v for v in vals if isinstance(v, float)]
            if nums:
                self.counters[k] = statistics.median(nums)
            else:
                self.counters[k] = next(v for v in vals if v is not None)
        self.cv = agg["cv"].real_ns if "cv" in agg else None
        self.ok = self.real_ns is not None
        self.time_ns, self.time_source = self.real_ns, "real_ns"
        for k in NS_PER_OP_COUNTERS:
            v = self.counters.get(k)
            if isinstance(v, float) and 0 < v < math.inf:
                self.time_ns, self.time_source = v, k
                break
        else:
            for k in OPS_PER_SEC_COUNTERS:
                v = self.counters.get(k)
                if isinstance(v, float) and 0 < v < math.inf:
                    self.time_ns, self.time_source = 1e9 / v, "1/" + k
                    break

    def label(self):
        return self.name if self.peer == "c" else "%s [%s]" % (self.name, self.peer)


# tl-bench runs a multi-threaded benchmark once per --pin policy (default
# compact+scatter) and names each copy with a `/pin:<policy>` part
# (`lock/contended/pin:scatter/cs:0/...`); the policy is also the row's
# pin_policy. Identity strips that part and keys on the column instead, so
# the same benchmark matches across runs however it was named (older runs,
# `--pin X` runs: no pin part).
_PIN_PART = re.compile(r"/pin:[^/]*")


def base_name(name):
    """A row's name without its `/pin:<policy>` part."""
    return _PIN_PART.sub("", name, count=1)


def _ident(row):
    return (base_name(row.name), row.peer, row.mode)


def multi_pin(rows):
    """(base name, peer, mode) of the benchmarks these rows hold under more
    than one pin policy."""
    pins = {}
    for r in rows:
        pins.setdefault(_ident(r), set()).add(r.pin_policy)
    return {k for k, v in pins.items() if len(v) > 1}


def bench_key(row, multi_pin):
    """Identity of a benchmark across runs: name (without its pin part) +
    peer + mode, + pin policy when the benchmark is held under several
    policies (then rows of different policies are different benchmarks and
    never share a median)."""
    k = _ident(row)
    return k + ((row.pin_policy,) if multi_pin else ("",))


def points(rows, multi=None):
    """Rows -> list of Point, in first-seen order. multi: the identities to
    split by pin policy (default: those these rows hold under several; a
    comparison passes the union over both runs)."""
    if multi is None:
        multi = multi_pin(rows)
    groups = {}
    for r in rows:
        key = bench_key(r, _ident(r) in multi)
        groups.setdefault(key, []).append(r)
    return [Point(k, rs) for k, rs in groups.items()]


def pin_suffix(p):
    """' pin=<policy>' for a point that is one of several pin policies of its
    benchmark (labels must tell them apart), else ''."""
    return " pin=" + p.key[3] if len(p.key) > 3 and p.key[3] else ""


def key_str(key):
    name, peer, mode, pin = key
    s = name
    extra = []
    if peer != "c":
        extra.append("peer=" + peer)
    if mode != "threads":
        extra.append("mode=" + mode)
    if pin:
        extra.append("pin=" + pin)
    return s + (" [" + ",".join(extra) + "]" if extra else "")


def fmt_time(ns, digits=3):
    """Nanoseconds -> '12.3 ns' / '4.56 us' / '7.89 ms' / '1.23 s'."""
    if ns is None:
        return "-"
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if abs(ns) >= scale:
            return "%.*g %s" % (digits, ns / scale, unit)
    return "%.*g ns" % (digits, ns)


def write_atomic(path, text):
    """Write text to path whole or not at all: a temporary file next to it,
    then rename. Raises OSError (the temporary file is removed)."""
    tmp = "%s.tmp-%d" % (path, os.getpid())
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def die(err, prog):
    print("%s: error: %s" % (prog, err), file=sys.stderr)
    sys.exit(2)
