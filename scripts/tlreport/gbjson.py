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
import os
import re

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


def load_raw(path, error):
    """Google Benchmark JSON -> list of (raw dict, where). error(msg) raises."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, UnicodeDecodeError) as e:
        error("%s: cannot read: %s" % (path, e))
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
        agg = b.get("run_type") == "aggregate"
        if agg and b.get("aggregate_name") not in ("mean", "median", "stddev", "cv"):
            continue  # BigO / RMS rows: not part of the schema
        name = b.get("run_name") or b["name"]
        unit = b.get("time_unit", "ns")
        if unit not in _SCALE:
            error("%s: unknown time_unit %r" % (where, unit))
        scale = 1.0 if b.get("aggregate_unit") == "percentage" else _SCALE[unit]
        err = b.get("error_message", "") if b.get("error_occurred") else ""

        def t(k):
            v = b.get(k)
            if v is None or err:
                return ""
            if not isinstance(v, (int, float)):
                error("%s: %s %r is not a number" % (where, k, v))
            return _num(v * scale)
        counters = ";".join("%s=%s" % (k, _num(v)) for k, v in sorted(b.items())
                            if k not in _OWN and isinstance(v, (int, float)) and not isinstance(v, bool))
        m = _PIN.search(name)
        raw = dict(facts)
        raw.update({
            "mode": "processes" if "/processes:" in name else "threads", "peer": "c", "name": name,
            "primitive": "", "variant": "", "params": "", "baseline": "",
            "row_type": "aggregate" if agg else "iteration",
            "aggregate": b.get("aggregate_name", "") if agg else "",
            "repetition": "" if agg else str(b.get("repetition_index", 0)),
            "threads": str(b.get("threads", 1)), "pin_policy": m.group(1) if m else "none",
            "cpus_used": "", "oversubscribed": "0", "iterations": str(b.get("iterations", "")),
            "real_ns": t("real_time"), "cpu_ns": t("cpu_time"),
            "items_per_second": _num(b.get("items_per_second")) if not err else "",
            "bytes_per_second": _num(b.get("bytes_per_second")) if not err else "",
            "counters": counters if not err else "", "error": err, "label": b.get("label", ""),
        })
        out.append((raw, where))
    return out
