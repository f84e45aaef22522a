"""Google Benchmark JSON (`--benchmark_out=x.json`, any program's) as rows of
the runner's CSV schema, so compare (and anything reading results.load_any)
can take it as it takes our CSV, as Google Benchmark's tools/compare.py does.

Mapping: run_name -> name (aggregates: run_type "aggregate" + aggregate_name);
real_time / cpu_time in time_unit -> real_ns / cpu_ns (cv rows, unit
"percentage", stay fractions as in our CSV); items_per_second,
bytes_per_second; every other numeric field that is not one of Google
Benchmark's own -> counters; error_message -> error; a `/pin:<policy>` part
of a tl-bench name -> pin_policy (else none); context host_name -> host,
date -> timestamp; run_id, cpu_model, git_commit, build_type from the context
when there (tl-bench adds them), else run_id = the file's name. Stdlib only.
"""
import json
import math
import os
import re

from . import inputs

_SCALE = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
# Google Benchmark's own fields of a benchmark entry (not user counters).
_OWN = {"name", "family_index", "per_family_instance_index", "run_name", "run_type", "repetitions",
        "repetition_index", "threads", "iterations", "real_time", "cpu_time", "time_unit",
        "aggregate_name", "aggregate_unit", "error_occurred", "error_message", "label",
        "items_per_second", "bytes_per_second", "big_o", "rms", "complexity_n", "allocs_per_iter",
        "max_bytes_used", "manual_time"}
_PIN = re.compile(r"/pin:([^/]+)")


def looks_like(path):
    """True when the file is JSON (a .json name, or '{' first)."""
    if path.endswith(".json"):
        return True
    try:
        with open(path, "rb") as f:
            head = f.read(64).lstrip()
    except OSError:
        return False
    return head.startswith(b"{")


def _num(v):
    return "" if v is None else "%.10g" % v


class _Fields:
    """Typed access to one benchmark entry's fields: a field of the wrong
    type or out of range is error(...) naming the file, entry and field."""

    def __init__(self, b, where, error):
        self.b, self.where, self.error = b, where, error

    def bad(self, k, why):
        v = repr(self.b.get(k))
        self.error("%s: field %s: %s %s" % (self.where, k, v if len(v) <= 40 else v[:37] + "...", why))

    def str(self, k, default=""):
        v = self.b.get(k, default)
        if v is None:
            return default
        if not isinstance(v, str):
            self.bad(k, "is not a string")
        return v

    def num(self, k, integer=False):
        """A finite, non-negative number (NaN passes: the row reader
        decides where it may be), or None when absent."""
        v = self.b.get(k)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            self.bad(k, "is not a number")
        try:
            f = float(v)
        except OverflowError:
            f = math.inf
        if math.isinf(f):
            self.bad(k, "is not a finite number")
        if f < 0:
            self.bad(k, "is negative")
        if integer and (f != f or f != int(f)):
            self.bad(k, "is not a whole number")
        return f


def load_raw(path, error):
    """Google Benchmark JSON -> list of (raw dict, where). error(msg) raises."""
    try:
        data = inputs.read_bytes(path, "a Google Benchmark JSON file")
    except inputs.InputError as e:
        error(str(e))
    try:
        doc = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as e:
        error("%s: not UTF-8 (byte 0x%02x at offset %d)" % (path, data[e.start], e.start))
    except RecursionError:
        error("%s: not valid JSON: nested too deeply" % path)
    except ValueError as e:
        error("%s: not valid JSON: %s" % (path, e))
    if not isinstance(doc, dict) or not isinstance(doc.get("benchmarks"), list):
        error("%s: not Google Benchmark JSON (no \"benchmarks\" list)" % path)
    ctx = doc.get("context") if isinstance(doc.get("context"), dict) else {}
    facts = {"run_id": str(ctx.get("run_id") or os.path.splitext(os.path.basename(path))[0]),
             "timestamp": str(ctx.get("date", "")), "host": str(ctx.get("host_name", "")),
             "cpu_model": str(ctx.get("cpu_model", "")),
             "pus": str(ctx.get("num_cpus", "")), "allowed_pus": str(ctx.get("num_cpus", "")),
             "git_commit": str(ctx.get("git_commit", "")),
             "build_type": str(ctx.get("build_type") or ctx.get("library_build_type", ""))}
    out = []
    for i, b in enumerate(doc["benchmarks"]):
        where = "%s: benchmarks[%d]" % (path, i)
        if not isinstance(b, dict) or not isinstance(b.get("name"), str):
            error("%s: not a benchmark entry (no name)" % where)
        f = _Fields(b, where, error)
        run_type = f.str("run_type")
        agg = run_type == "aggregate"
        aggregate_name = f.str("aggregate_name")
        if agg and aggregate_name not in ("mean", "median", "stddev", "cv"):
            continue  # BigO / RMS rows: not part of the schema
        name = f.str("run_name") or b["name"]
        unit = f.str("time_unit", "ns")
        if unit not in _SCALE:
            error("%s: unknown time_unit %r" % (where, unit))
        scale = 1.0 if f.str("aggregate_unit") == "percentage" else _SCALE[unit]
        if not isinstance(b.get("error_occurred", False), bool):
            f.bad("error_occurred", "is not true or false")
        err = f.str("error_message") if b.get("error_occurred") else ""
        label = f.str("label")
        threads = f.num("threads", integer=True)
        iterations = f.num("iterations", integer=True)
        repetition = f.num("repetition_index", integer=True)
        real, cpu = f.num("real_time"), f.num("cpu_time")
        ips, bps = f.num("items_per_second"), f.num("bytes_per_second")

        def t(v):
            return "" if v is None or err else _num(v * scale)
        counters = ";".join("%s=%s" % (k, _num(f.num(k))) for k, v in sorted(b.items())
                            if k not in _OWN and isinstance(v, (int, float)) and not isinstance(v, bool))
        m = _PIN.search(name)
        raw = dict(facts)
        raw.update({
            "mode": "processes" if "/processes:" in name else "threads", "peer": "c", "name": name,
            "primitive": "", "variant": "", "params": "", "baseline": "",
            "row_type": "aggregate" if agg else "iteration",
            "aggregate": aggregate_name if agg else "",
            "repetition": "" if agg else "%d" % (repetition or 0),
            "threads": "%d" % (1 if threads is None else threads),
            "pin_policy": m.group(1) if m else "none",
            "cpus_used": "", "oversubscribed": "0",
            "iterations": "" if iterations is None else "%d" % iterations,
            "real_ns": t(real), "cpu_ns": t(cpu),
            "items_per_second": _num(ips) if not err else "",
            "bytes_per_second": _num(bps) if not err else "",
            "counters": counters if not err else "", "error": err, "label": label,
        })
        out.append((raw, where))
    return out
