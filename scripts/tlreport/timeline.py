"""The seed lessons as per-thread timelines (issue 16): small inline SVGs on
the report page, drawn from the Chrome Trace Event files tl-workload --trace
writes, each next to a link to its full trace (open it in ui.perfetto.dev
or chrome://tracing).

    scripts/timelines RUN_DIR [--tl-workload PATH]   records RUN_DIR/traces/<lesson>.json
    section(run_dir)                                 the page's "Timelines" section

One row per thread: red = waiting (for a lock, a condition, a queue...),
blue = holding a lock, green = running user work, grey = sleeping, orange =
busy-waiting; black ticks are notify/set/put, red triangles lost updates,
thin arrows go from a release/put to the acquire/get it let through.
Stdlib only.
"""
import html
import json
import os
import re
import subprocess

TRACE_SUBDIR = "traces"

# (file stem, tl-workload case and arguments, caption). 10 threads where the
# lesson is about N threads (lock vs join vs unlocked).
LESSONS = [
    ("lock", ["lockjoin/lock", "--threads", "10", "--work-us", "2000", "--pre-us", "1000", "--start", "barrier"],
     "Lock, 10 threads: they take turns holding n's lock; the others wait (red); "
     "each release lets the next one in (arrows)."),
    ("join", ["lockjoin/join", "--threads", "10", "--work-us", "2000", "--pre-us", "1000"],
     "join after each start, 10 threads: one thread at a time, nothing overlaps."),
    ("unlocked", ["lockjoin/unlocked", "--threads", "10", "--work-us", "2000", "--pre-us", "1000",
                  "--start", "barrier"],
     "No lock, 10 threads: they all read n, work at once, then write; each red triangle is a "
     "store that erased another thread's update."),
    ("deadlock", ["deadlock/two-locks", "--quick"],
     "Deadlock: one thread holds mutexB and waits for mutexA, another holds mutexA and waits for "
     "mutexB; the watchdog breaks the cycle by releasing them (arrows)."),
    ("gil", ["gil/gil-cpu", "--threads", "4", "--work-us", "10000"],
     "The GIL model, 4 CPU-bound threads: only the thread holding the GIL runs (green); "
     "the others wait a switch interval, then ask for it."),
    ("pipeline-busywait", ["pipeline/busywait", "--items", "100", "--pace-us", "200"],
     "Pipeline with busy-waiting: the consumers burn a CPU (orange) while the input idles."),
    ("pipeline-queue", ["pipeline/queue", "--items", "100", "--pace-us", "200"],
     "The same pipeline with blocking queues: the consumers sleep in get() (red) until a put "
     "wakes them (arrows)."),
]

COLORS = {"wait": "#d9534f", "hold": "#3b73b9", "work": "#4caf50", "sleep": "#b5b5b5",
          "busy": "#f0a030", "other": "#8e7cc3"}


class TraceError(Exception):
    pass


def record(run_dir, exe, lessons=None, timeout=120):
    """Runs every lesson with tl-workload --trace into RUN_DIR/traces.
    Returns [(stem, ok, message)]."""
    out = os.path.join(run_dir, TRACE_SUBDIR)
    os.makedirs(out, exist_ok=True)
    done = []
    for stem, args, _ in lessons or LESSONS:
        path = os.path.join(out, stem + ".json")
        try:
            p = subprocess.run([exe] + args + ["--trace", path], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, timeout=timeout)
            ok = p.returncode == 0
            msg = "" if ok else (p.stderr.strip().splitlines() or ["exit %d" % p.returncode])[-1]
        except (OSError, subprocess.TimeoutExpired) as e:
            ok, msg = False, str(e)
        done.append((stem, ok, msg))
    return done


def _category(name, cat):
    if cat == "wait" or name.startswith("waiting"):
        return "wait"
    if cat == "hold":
        return "hold"
    if name.startswith("running"):
        return "work"
    if name.startswith("sleeping"):
        return "sleep"
    if name.startswith("busy"):
        return "busy"
    return "other"


def load(path):
    """A trace as {'tracks': [(label, [(name, cat, depth, b, e)], [(kind, name, ts)])],
    'flows': [(s_track, s_ts, f_track, f_ts)], 't0', 't1', 'process', 'truncated'}."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        evs = doc["traceEvents"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise TraceError("%s: not a readable trace (%s)" % (path, e))
    names, order, process = {}, {}, ""
    per = {}
    for e in evs:
        if not isinstance(e, dict) or "ph" not in e:
            continue
        key = (e.get("pid"), e.get("tid"))
        if e["ph"] == "M":
            args = e.get("args") or {}
            if e.get("name") == "thread_name":
                names[key] = str(args.get("name", ""))
            elif e.get("name") == "thread_sort_index":
                order[key] = args.get("sort_index", 0)
            elif e.get("name") == "process_name":
                process = str(args.get("name", ""))
            continue
        per.setdefault(key, []).append(e)
    def natural(k):  # main first, then Thread-2 before Thread-10
        label = names.get(k) or ""
        parts = re.split(r"(\d+)", label)
        return (label != "main", [int(p) if p.isdigit() else p for p in parts], order.get(k, 0), k[1] or 0)
    keys = sorted(per, key=natural)
    tracks, where, flows_s, flows_f = [], {}, {}, {}
    t0, t1 = None, None
    for idx, key in enumerate(keys):
        spans, marks, stack = [], [], []
        where[key] = idx
        for e in per[key]:
            ts = float(e.get("ts", 0))
            t0 = ts if t0 is None else min(t0, ts)
            t1 = ts if t1 is None else max(t1, ts)
            ph = e["ph"]
            if ph == "B":
                stack.append(e)
            elif ph == "E" and stack:
                b = stack.pop()
                spans.append((b.get("name", ""), _category(b.get("name", ""), b.get("cat")), len(stack),
                              float(b["ts"]), ts))
            elif ph == "i":
                kind = "lost" if "lost" in e.get("name", "") else "cut" if e.get("cat") == "cut" else "tick"
                marks.append((kind, e.get("name", ""), ts))
            elif ph == "s":
                flows_s[e.get("id")] = (idx, ts)
            elif ph == "f":
                flows_f[e.get("id")] = (idx, ts)
        tracks.append((names.get(key) or "thread %s" % key[1], spans, marks))
    flows = [flows_s[i] + flows_f[i] for i in flows_s if i in flows_f]
    # The view starts where the workload's threads do: a main thread that only
    # waited for them to start would squeeze the lesson into the right edge.
    firsts = [min(float(e.get("ts", 0)) for e in per[k]) for k in keys if names.get(k) != "main"]
    if firsts and t0 is not None and len(firsts) < len(keys):
        t0 = max(t0, min(firsts) - 0.02 * ((t1 or 0) - min(firsts)))
    return {"tracks": tracks, "flows": flows, "t0": t0 or 0.0, "t1": t1 or 0.0, "process": process,
            "truncated": bool((doc.get("otherData") or {}).get("truncated"))}


def _fmt_ms(us):
    return "%.3g ms" % (us / 1000.0)


def svg(model, width=900, row=16, label_w=110, max_tracks=16):
    """An inline SVG of the model; small spans merge so a long trace stays light."""
    tracks = model["tracks"][:max_tracks]
    hidden = len(model["tracks"]) - len(tracks)
    t0, t1 = model["t0"], model["t1"]
    span_us = max(t1 - t0, 1e-3)
    plot_w = width - label_w - 10
    top = 18
    height = top + row * len(tracks) + 26

    def x(ts):
        return label_w + (max(ts, t0) - t0) / span_us * plot_w

    out = ['<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="%d" height="%d" '
           'viewBox="0 0 %d %d" role="img" aria-label="%s">' % (width, height, width, height,
                                                                html.escape(model["process"] or "trace")),
           '<defs><marker id="tl-arrow" viewBox="0 0 6 6" refX="6" refY="3" markerWidth="5" markerHeight="5" '
           'orient="auto"><path d="M0,0L6,3L0,6z" fill="#333"/></marker></defs>',
           '<rect x="0" y="0" width="%d" height="%d" fill="#fff"/>' % (width, height)]
    for i, (label, spans, marks) in enumerate(tracks):
        y = top + i * row
        if i % 2:
            out.append('<rect x="0" y="%d" width="%d" height="%d" fill="#f6f6f6"/>' % (y, width, row))
        out.append('<text x="4" y="%d" font-size="10" font-family="sans-serif">%s</text>'
                   % (y + row - 4, html.escape(label[:18])))
        merged = []  # (name, cat, depth, b, e), neighbours under a pixel apart joined
        for s in sorted(spans, key=lambda s: (s[2], s[3])):
            if merged and merged[-1][:3] == s[:3] and x(s[3]) - x(merged[-1][4]) < 1.0:
                merged[-1] = merged[-1][:4] + (max(merged[-1][4], s[4]),)
            else:
                merged.append(s)
        for name, cat, depth, b, e in sorted(merged, key=lambda s: s[2]):
            inset = min(depth, 3) * 3
            out.append('<rect class="span" x="%.1f" y="%d" width="%.1f" height="%d" fill="%s">'
                       '<title>%s: %s</title></rect>'
                       % (x(b), y + 1 + inset, max(x(e) - x(b), 0.8), row - 2 - 2 * inset, COLORS[cat],
                          html.escape(name), _fmt_ms(e - b)))
        for kind, name, ts in marks[:400]:
            if kind == "lost":
                out.append('<path d="M%.1f,%dl-4,7h8z" fill="#c00"><title>%s</title></path>'
                           % (x(ts), y + 1, html.escape(name)))
            else:
                out.append('<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="%s" stroke-width="1">'
                           '<title>%s</title></line>' % (x(ts), x(ts), y + 1, y + row - 1,
                                                         "#c00" if kind == "cut" else "#222",
                                                         html.escape(name)))
    for si, sts, fi, fts in model["flows"][:300]:
        if si >= len(tracks) or fi >= len(tracks):
            continue
        out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#333" stroke-width="0.7" '
                   'marker-end="url(#tl-arrow)"/>' % (x(sts), top + si * row + row // 2, x(fts),
                                                      top + fi * row + row // 2))
    yb = top + row * len(tracks) + 14
    out.append('<text x="%d" y="%d" font-size="10" font-family="sans-serif">0</text>' % (label_w, yb))
    out.append('<text x="%d" y="%d" font-size="10" font-family="sans-serif" text-anchor="end">%s%s</text>'
               % (label_w + plot_w, yb, _fmt_ms(span_us),
                  " (%d more threads not shown)" % hidden if hidden > 0 else ""))
    lx = label_w + 60
    for cat, label in (("wait", "waiting"), ("hold", "holding a lock"), ("work", "running"),
                       ("sleep", "sleeping"), ("busy", "busy-waiting")):
        out.append('<rect x="%d" y="4" width="10" height="9" fill="%s"/><text x="%d" y="12" font-size="10" '
                   'font-family="sans-serif">%s</text>' % (lx, COLORS[cat], lx + 13, label))
        lx += 28 + 6 * len(label)
    out.append("</svg>")
    return "\n".join(out)


def section(run_dir):
    """The page section: one figure per lesson trace in RUN_DIR/traces."""
    tdir = os.path.join(run_dir, TRACE_SUBDIR)
    parts = ['<section id="timelines"><h2>Timelines</h2>',
             '<p class="note">Per-thread timelines of the seed lessons, recorded by '
             '<code>tl-workload CASE --trace FILE.json</code> (Chrome Trace Event format: open the '
             'full file in ui.perfetto.dev or chrome://tracing). Red: waiting; blue: holding a lock; '
             'green: running; grey: sleeping; orange: busy-waiting; arrows: the release / put that '
             'ended a wait; red triangles: lost updates.</p>']
    captions = {stem: cap for stem, _, cap in LESSONS}
    files = sorted(f for f in os.listdir(tdir) if f.endswith(".json")) if os.path.isdir(tdir) else []
    if not files:
        parts.append('<p class="note">No traces in %s: record them with '
                     '<code>scripts/timelines %s</code>.</p></section>' % (html.escape(tdir), html.escape(run_dir)))
        return "\n".join(parts)
    known = [s + ".json" for s, _, _ in LESSONS]
    files = [f for f in known if f in files] + [f for f in files if f not in known]
    for f in files:
        stem = f[:-5]
        try:
            model = load(os.path.join(tdir, f))
        except TraceError as e:
            parts.append('<p class="warn">%s</p>' % html.escape(str(e)))
            continue
        cap = captions.get(stem, model["process"] or stem)
        parts.append('<figure data-timeline="%s">%s<figcaption><b>%s</b> (%s): %s %s'
                     '<a href="%s/%s">full trace</a></figcaption></figure>'
                     % (html.escape(stem), svg(model), html.escape(stem), html.escape(model["process"]),
                        html.escape(cap), "<b>Trace cut (event budget reached).</b> " if model["truncated"] else "",
                        TRACE_SUBDIR, html.escape(f)))
    parts.append("</section>")
    return "\n".join(parts)


def main(argv=None):
    import argparse
    import sys
    ap = argparse.ArgumentParser(prog="timelines",
                                 description="Record the seed lessons' traces into RUN_DIR/traces "
                                             "(tl-workload --trace), for the report page's timelines.")
    ap.add_argument("run_dir", metavar="RUN_DIR")
    ap.add_argument("--tl-workload", metavar="PATH",
                    help="tl-workload binary (default: build/release/bench/tl-workload of this checkout)")
    args = ap.parse_args(argv)
    exe = args.tl_workload or os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.realpath(__file__)))), "build", "release", "bench", "tl-workload")
    if not os.path.isdir(args.run_dir):
        print("timelines: %s: no such run directory" % args.run_dir, file=sys.stderr)
        return 2
    if not (os.path.isfile(exe) and os.access(exe, os.X_OK)):
        print("timelines: %s: no tl-workload there (not an executable file; make build, or "
              "--tl-workload PATH)" % exe, file=sys.stderr)
        return 2
    traces = os.path.join(args.run_dir, TRACE_SUBDIR)
    if os.path.exists(traces) and not os.path.isdir(traces):
        print("timelines: %s: exists and is not a directory (the traces go there)" % traces,
              file=sys.stderr)
        return 2
    if not os.access(traces if os.path.isdir(traces) else args.run_dir, os.W_OK | os.X_OK):
        print("timelines: %s: not writable (read-only or no permission)"
              % (traces if os.path.isdir(traces) else args.run_dir), file=sys.stderr)
        return 2
    bad = 0
    for stem, ok, msg in record(args.run_dir, exe):
        print("timelines: %s %s%s" % (stem, "ok" if ok else "FAILED", "" if ok else ": " + msg))
        bad += not ok
    return 1 if bad else 0
