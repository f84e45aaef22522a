"""report-page A B C...: one page for runs of several machines (a fleet).

Each argument is a run directory (reports/<run_id> of one host; its
results.csv and run.json), or a results CSV / Google Benchmark JSON. The
page sets the machines side by side: a column per run with its host, CPU
model, topology and commit; then every ours-vs-baseline ratio with one
column per machine, the rows where the machines disagree on the winner
first (the CPU changes what wins); then the CPython-vs-ours ratios and
each benchmark's median time per machine. Benchmarks pair across
machines by name (without the /pin: part), params, threads, mode and pin
policy, as compare pairs them. No server: the CSVs are the interchange.
Stdlib only; the page is one self-contained HTML file.
"""
import datetime
import html
import json
import os

from . import families, inputs, ratios, results

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:1400px;
padding:1em 2em;color:#222;line-height:1.4}
h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0;font-size:.86em}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.good{background:#e3f4e3}td.bad{background:#fbe3e3}td.racy{background:#eeeeee;color:#555}
tr.split td:first-child{border-left:4px solid #e0b84a}
.note{color:#666;font-size:.9em}
details.notices{margin:.8em 0;padding:.3em .8em;border:1px solid #e0b84a;border-radius:4px;background:#fffaf0}
"""


def esc(x):
    return html.escape("" if x is None else str(x))


def fmt_ns(ns):
    return results.fmt_time(ns).replace(" us", " \u00b5s")


class Run:
    """One machine's run: rows, points, facts, run.json, its page."""

    def __init__(self, path):
        self.path = path
        self.rows = results.load_any(path)
        self.points = [p for p in results.points(self.rows) if p.ok]
        self.facts = results.facts(self.rows)
        self.doc = {}
        d = path if os.path.isdir(path) else None
        if d and os.path.isfile(os.path.join(d, "run.json")):
            try:
                with open(os.path.join(d, "run.json")) as f:
                    doc = json.load(f)
                self.doc = doc if isinstance(doc, dict) else {}
            except (OSError, ValueError):
                self.doc = {}
        self.page = os.path.join(d, "index.html") if d and os.path.isfile(os.path.join(d, "index.html")) else None

    def fact(self, key):
        v = self.doc.get(key)
        if v not in (None, ""):
            return str(v)
        return results.fact_str(self.facts, key) if key in results.FACT_COLUMNS else "?"

    def label(self):
        return self.fact("host")

    def dates(self):
        """The run's first and last row timestamps (one per row in the CSV)."""
        ts = self.facts.get("timestamp") or []
        return "?" if not ts else ts[0] if len(ts) == 1 else "%s \u2013 %s" % (ts[0], ts[-1])

    def topology(self):
        g = lambda k: self.doc.get(k) if self.doc.get(k) not in (None, "") else results.fact_str(self.facts, k, "|")
        numa = self.doc.get("numa_nodes")
        return "%s pkg%s / %s cores / %s PUs (%s allowed)" % (
            g("packages"), " / %s NUMA" % numa if numa else "", g("cores"), g("pus"), g("allowed_pus"))


def pair_key(pr):
    o = pr.ours
    return (results.base_name(o.name), o.mode, o.pin_policy, pr.other.pv)


def _cls(r, good_below, racy):
    if r is None:
        return "num"
    if racy:
        return "num racy"
    good = r < 1 if good_below else r > 1
    return "num good" if good else ("num bad" if abs(r - 1) > 0.05 else "num")


def machines_table(runs):
    rows = [("host", lambda r: r.fact("host")), ("CPU model", lambda r: r.fact("cpu_model")),
            ("topology", Run.topology), ("commit", lambda r: results.short_commits(r.facts)),
            ("build", lambda r: "%s %s" % (r.fact("build_type"), r.doc.get("compiler", ""))),
            ("run", lambda r: r.fact("run_id")), ("date", Run.dates),
            ("mode / pin", lambda r: "%s / %s" % (
                r.doc.get("mode") or ",".join(sorted({x.mode for x in r.rows})),
                r.doc.get("pin_policy") or ",".join(sorted({x.pin_policy for x in r.rows})))),
            ("repetitions", lambda r: str(r.doc.get("repetitions", "?"))),
            ("rows", lambda r: str(len(r.rows)))]
    head = "".join("<th>%s</th>" % esc(r.label()) for r in runs)
    body = "".join("<tr><th>%s</th>%s</tr>" % (esc(name), "".join("<td>%s</td>" % esc(fn(r)) for r in runs))
                   for name, fn in rows)
    links = "".join("<td>%s</td>" % ('<a href="%s">its page</a>' % esc(os.path.relpath(r.page, OUT_DIR[0]))
                                     if r.page else '<span class="note">no index.html</span>') for r in runs)
    return ('<section id="machines"><h2>Machines</h2><table><tr><th></th>%s</tr>%s'
            '<tr><th>report</th>%s</tr></table></section>' % (head, body, links))


def ratio_table(runs, kind):
    """A row per pair (ours vs baseline, or CPython vs ours), a column per
    machine. Rows where some machines say ours is faster and others slower
    come first (class split)."""
    per = []
    for r in runs:
        pairs = ratios.baseline_pairs(r.points)[0] if kind == "baseline" else ratios.cpython_pairs(r.points)[0]
        per.append({pair_key(pr): pr for pr in pairs if pr.ratio})
    keys = []
    for d in per:
        for k in d:
            if k not in keys:
                keys.append(k)
    if not keys:
        return "", 0
    good_below = kind == "baseline"
    table = []
    for k in keys:
        prs = [d.get(k) for d in per]
        present = [pr for pr in prs if pr]
        racy = any(families.is_racy(pr.ours) or families.is_racy(pr.other) for pr in present)
        wins = {(pr.ratio < 1) if good_below else (pr.ratio > 1) for pr in present}
        split = len(present) > 1 and len(wins) > 1 and not racy
        table.append((not split, k, prs, racy, split))
    table.sort(key=lambda t: (t[0], t[1]))
    nsplit = sum(1 for t in table if t[4])
    title = ("ours / baseline" if kind == "baseline" else "CPython / ours")
    out = ["<table><tr><th>benchmark</th><th>params</th><th>threads</th><th>%s</th>%s</tr>" % (
        "baseline" if kind == "baseline" else "mode / pin",
        "".join("<th>%s<br><span class=note>%s</span></th>" % (esc(r.label()), esc(title)) for r in runs))]
    for _, k, prs, racy, split in table:
        pr0 = next(pr for pr in prs if pr)
        o = pr0.ours
        cells = "".join(
            "<td class='%s'>%s</td>" % (_cls(pr.ratio, good_below, racy), "&times;%.3g" % pr.ratio)
            if pr else "<td class=num>&mdash;</td>" for pr in prs)
        third = esc(pr0.other.pv) + (" <i>(racy)</i>" if racy else "") if kind == "baseline" else \
            esc("%s / %s" % (o.mode, o.pin_policy))
        out.append("<tr%s><td>%s%s</td><td>%s</td><td class=num>%d</td><td>%s</td>%s</tr>" % (
            ' class="split"' if split else "", esc(o.pv), esc(results.pin_suffix(o)), esc(o.params_str),
            families.threads_of(o), third, cells))
    out.append("</table>")
    return "\n".join(out), nsplit


def times_table(runs):
    per = [{(p.key, p.pin_policy): p for p in r.points} for r in runs]
    keys = []
    for d in per:
        for k in d:
            if k not in keys:
                keys.append(k)
    out = ["<table><tr><th>benchmark</th>%s</tr>" % "".join("<th>%s</th>" % esc(r.label()) for r in runs)]
    for k in keys:
        out.append("<tr><td>%s</td>%s</tr>" % (esc(results.key_str(k[0])), "".join(
            "<td class=num>%s</td>" % (esc(fmt_ns(d[k].time_ns)) if k in d else "&mdash;") for d in per)))
    out.append("</table>")
    return "\n".join(out), len(keys)


OUT_DIR = [""]


def default_output(paths):
    """fleet.html in the directory the runs share (reports/ for reports/<run>...)."""
    dirs = [os.path.abspath(p if os.path.isdir(p) else os.path.dirname(p) or ".") for p in paths]
    common = os.path.commonpath(dirs)
    if common in dirs:
        common = os.path.dirname(common)
    return os.path.join(common, "fleet.html")


def build(paths, out_path=None):
    runs = [Run(p) for p in paths]
    given = bool(out_path)
    out_path = out_path or default_output(paths)
    OUT_DIR[0] = os.path.dirname(os.path.abspath(out_path))
    base, nsplit = ratio_table(runs, "baseline")
    cpy, _ = ratio_table(runs, "cpython")
    times, ntimes = times_table(runs)
    missing = []
    for r in runs:
        for p, b in ratios.baseline_pairs(r.points)[1]:
            missing.append("%s: %s: baseline %s not in the run" % (r.label(), p.label() + results.pin_suffix(p), b))
    hosts = ", ".join(r.label() for r in runs)
    body = [
        "<h1>threadlab fleet: %d machines</h1>" % len(runs),
        '<p class="note">%s. Benchmarks pair across machines by name (without its /pin: part), params, '
        "threads, mode and pin policy; ratios are of medians of time per operation, as on each run's "
        "page.</p>" % esc(hosts),
        machines_table(runs),
        ('<details class="notices" id="notices"><summary>Notices: %d baselines missing</summary><ul>%s</ul>'
         "</details>" % (len(missing), "".join("<li>%s</li>" % esc(m) for m in missing))) if missing else "",
        '<section id="ratios"><h2>Ours vs baseline, per machine</h2>',
        '<p class="note">ours / baseline &lt; 1: ours faster on that machine. <b>%d</b> pair(s) where the '
        "machines disagree on the winner come first (marked at the left).</p>" % nsplit if base else
        "<p>No ours/baseline pairs in these runs.</p>",
        base, "</section>",
        ('<section id="cpython"><h2>CPython vs ours, per machine</h2>%s</section>' % cpy) if cpy else "",
        '<section id="times"><h2>Median time per operation, per machine</h2><details><summary>%d '
        "benchmarks</summary>%s</details></section>" % (ntimes, times),
        '<footer class="note"><hr>Generated by scripts/report-page from %s at %s.</footer>' % (
            esc(", ".join(os.path.abspath(p) for p in paths)),
            datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")),
    ]
    doc = ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
           '<meta name="viewport" content="width=device-width, initial-scale=1">'
           "<title>threadlab fleet: %s</title><style>%s</style></head>\n<body>\n%s\n</body></html>\n"
           % (esc(hosts), CSS, "\n".join(x for x in body if x)))
    inputs.write_atomic(out_path, doc, "--output" if given else "output")
    return out_path, len(runs)
