"""scripts/report-page RUN_DIR: one self-contained HTML page per run.

RUN_DIR/index.html opens with the headline table (scripts/tlreport/
headline.py, when present) and the run's facts (run.json, else the CSV's
fact columns), then every notice (missing baselines, plots not drawn,
errored benchmarks, an incomplete run) in one collapsed line, the ratio
tables (ours vs baseline, CPython vs ours), every plot of RUN_DIR/plots
(drawn by scripts/plot; PNGs embedded as data: URIs, nothing loaded from
outside the file) and the ThreadSanitizer summary (reports/tsan/latest next
to the run dir, or --tsan DIR). Several run directories (`report-page A B
C...`, one per host) make one fleet page instead (tlreport/fleet.py).
Stdlib only.
"""
import argparse
import base64
import csv
import datetime
import glob
import html
import json
import os
import re
import sys

from . import families, headline, inputs, ratios, results, timeline

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:1400px;
padding:1em 2em;color:#222;line-height:1.4}
h1{margin-bottom:.2em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}
nav a{margin-right:1em}
table{border-collapse:collapse;margin:.5em 0;font-size:.88em}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.good{background:#e3f4e3}td.bad{background:#fbe3e3}td.racy{background:#eeeeee;color:#555}
dl.facts{display:grid;grid-template-columns:repeat(3,max-content minmax(0,1fr));gap:.15em .8em;
font-size:.88em;margin:.5em 0}dl.facts dt{font-weight:600;color:#444}dl.facts dd{margin:0;overflow-wrap:anywhere}
details.notices{margin:.8em 0;padding:.3em .8em;border:1px solid #e0b84a;border-radius:4px;background:#fffaf0}
details.notices summary{cursor:pointer;color:#7a5b00}
figure{margin:1.5em 0;padding:.5em;border:1px solid #e5e5e5;border-radius:4px}
figure img{max-width:100%;height:auto;display:block}
figcaption{font-size:.9em;color:#444;margin-top:.4em}
.warn{background:#fff4d6;border:1px solid #e0b84a;padding:.5em 1em;border-radius:4px}
.note{color:#666;font-size:.9em}
pre{background:#f6f6f6;padding:.6em;overflow-x:auto;font-size:.85em}
"""


def esc(x):
    return html.escape("" if x is None else str(x))


def fmt_ns(ns):
    """A time as the page (and the plots) write it: '20 ns', '1.5 \u00b5s'."""
    return results.fmt_time(ns).replace(" us", " \u00b5s")


# run.json keys shown in the first table, in this order (the rest is in a
# collapsed table below it).
KEY_FACTS = ("run_id", "status", "host", "cpu_model", "topology", "packages", "numa_nodes", "cores",
             "pus", "allowed_pus", "allowed_cpus", "git_commit", "build_type", "compiler",
             "google_benchmark", "mode", "pin_policy", "quick", "filter", "threads", "repetitions",
             "min_time", "benchmarks", "benchmarks_done", "skipped", "elapsed_s", "duration_s")
# What an empty value means, per key (tl-bench writes "" for "not given").
EMPTY_MEANS = {"filter": "none (the whole suite)", "threads": "default sweep (1, 2, 4 ... allowed, 2\u00d7 allowed)",
               "skipped": "none"}


def fact_value(key, v):
    """A run.json value for people: yes/no, not True/False; a list of
    {name, reason} as 'name (reason)'; an empty value says what it means."""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if v is None or v == "" or v == []:
        return EMPTY_MEANS.get(key, "\u2014")
    if isinstance(v, list):
        out = []
        for x in v:
            if isinstance(x, dict) and "name" in x:
                out.append("%s (%s)" % (x["name"], x["reason"]) if x.get("reason") else str(x["name"]))
            elif isinstance(x, dict):
                out.append(", ".join("%s=%s" % (k, fact_value(k, y)) for k, y in x.items()))
            else:
                out.append(fact_value(key, x))
        return "; ".join(out)
    if isinstance(v, dict):
        return ", ".join("%s %s" % (fact_value(k, y), k) for k, y in v.items())
    if isinstance(v, float):
        return "%g" % v
    return str(v)


def fact_html(key, v):
    """fact_value as HTML; a list of {name, reason} (run.json `skipped`)
    grouped by reason, the names one click away."""
    if isinstance(v, list) and v and all(isinstance(x, dict) and "name" in x for x in v):
        groups = {}
        for x in v:
            groups.setdefault(x.get("reason") or "", []).append(str(x["name"]))
        return "".join('<details><summary>%d: %s</summary>%s</details>'
                       % (len(names), esc(why or "no reason given"), esc(", ".join(names)))
                       for why, names in groups.items())
    return esc(fact_value(key, v))


def read_run_json(run_dir):
    """(dict or None, problem or None)."""
    path = os.path.join(run_dir, "run.json")
    if not os.path.isfile(path):
        return None, None
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        return None, "run.json unreadable (%s): facts from the CSV" % e
    return (doc, None) if isinstance(doc, dict) else (None, "run.json is not an object: facts from the CSV")


def facts_section(run_dir, rows):
    doc, problem = read_run_json(run_dir)
    parts = ['<section id="facts"><h2>Run facts</h2>']
    if doc is not None:
        key = [(k, doc[k]) for k in KEY_FACTS if k in doc]
        rest = [(k, v) for k, v in doc.items() if k not in KEY_FACTS]
        source = "run.json"
    else:
        f = results.facts(rows)
        key, rest = [(k, v) for k, v in f.items()], []
        source = "the CSV's fact columns (no run.json)"
    parts.append('<dl class="facts">%s</dl>' % "".join(
        "<dt>%s</dt><dd>%s</dd>" % (esc(k), fact_html(k, v)) for k, v in key))
    if rest:
        parts.append('<details><summary>%d more fields of run.json</summary><table>%s</table></details>'
                     % (len(rest), "".join("<tr><th>%s</th><td>%s</td></tr>" % (esc(k), esc(fact_value(k, v)))
                                           for k, v in rest)))
    pins = sorted({r.pin_policy for r in rows})
    modes = sorted({r.mode for r in rows})
    peers = sorted({r.peer for r in rows})
    parts.append('<p class="note">From %s. Rows: %d; pin policies: %s; modes: %s; peers: %s.</p>'
                 % (esc(source), len(rows), esc(", ".join(pins)), esc(", ".join(modes)),
                    esc(", ".join(peers))))
    parts.append("</section>")
    return "\n".join(parts), problem


def notices_section(run_dir, rows, points, plot_notes, problems):
    """Every notice of the run in one collapsed line: its summary counts
    them by kind; the list is one click away."""
    kinds = []
    inc = os.path.join(run_dir, "incomplete.txt")
    if os.path.isfile(inc):
        with open(inc, errors="replace") as f:
            kinds.append(("run incomplete", ['<b>This run is incomplete</b> (incomplete.txt):'
                                             '<pre>%s</pre>' % esc(f.read())]))
    if problems:
        kinds.append(("input problems", [esc(x) for x in problems]))
    _, missing = ratios.baseline_pairs(points)
    if missing:
        kinds.append(("baselines missing", ["%s: baseline %s not in the run (same params, threads, mode, "
                                            "pin policy)" % (esc(p.label() + results.pin_suffix(p)), esc(b))
                                            for p, b in missing]))
    errored = sorted({"%s: %s" % (r.name, r.error) for r in rows if r.error})
    if errored:
        kinds.append(("errored or skipped", [esc(e) for e in errored]))
    # the plot script's notes, less the baselines already listed
    notes = [n for n in plot_notes if not n.startswith("baseline ")]
    if notes:
        kinds.append(("plot notes", [esc(n) for n in notes]))
    if not kinds:
        return '<p class="note" id="notices">No notices: every baseline present, nothing errored.</p>'
    summary = ", ".join("%d %s" % (len(items), k) if k != "run incomplete" else "<b>run incomplete</b>"
                        for k, items in kinds)
    body = "".join("<h4>%s</h4><ul>%s</ul>" % (esc(k), "".join("<li>%s</li>" % x for x in items))
                   for k, items in kinds)
    return ('<details class="notices" id="notices"><summary>Notices: %s</summary>%s</details>'
            % (summary, body))


def headline_section(run_dir, rows, points):
    """The headline table goes first on the page (scripts/tlreport/headline.py:
    ours against the native baseline and the best blocking and spinning peer)."""
    return headline.section(points)


def _ratio_class(r, good_below, racy=False):
    if r is None:
        return "num"
    if racy:  # against a variant that races on purpose: neither better nor worse
        return "num racy"
    good = r < 1 if good_below else r > 1
    return "num good" if good else ("num bad" if abs(r - 1) > 0.05 else "num")


def ratio_section(points):
    pairs, missing = ratios.baseline_pairs(points)
    cpairs, _ = ratios.cpython_pairs(points)
    out = ['<section id="ratios"><h2>Ratios</h2>',
           '<p class="note">Medians over the repetitions of the time per operation (the '
           'benchmark\'s ns_per_op or ops-per-second counter when both sides report it, else real '
           'time per iteration); pairs share params, threads, mode and pin policy (a CPython row, '
           'unpinned, pairs with the run\'s first policy). ours/baseline &lt; 1: ours is faster.</p>']
    if pairs:
        pairs.sort(key=lambda p: (p.ours.primitive, p.ours.variant, p.ours.params_str, p.ours.threads))
        out.append("<table><tr><th>benchmark</th><th>params</th><th>threads</th><th>pin</th>"
                   "<th>ours</th><th>baseline</th><th>baseline time</th><th>ours / baseline</th></tr>")
        for p in pairs:
            o, b = p.ours, p.other
            racy = families.is_racy(o) or families.is_racy(b)
            out.append("<tr><td>%s</td><td>%s</td><td class=num>%d</td><td>%s</td><td class=num>%s</td>"
                       "<td>%s</td><td class=num>%s</td><td class='%s'>%s</td></tr>" % (
                           esc(o.pv + (" (%s)" % o.mode if o.mode != "threads" else "")),
                           esc(o.params_str), families.threads_of(o), esc(o.pin_policy),
                           esc(fmt_ns(p.ours_ns)), esc(b.pv) + (" <i>(racy)</i>" if racy else ""),
                           esc(fmt_ns(p.other_ns)), _ratio_class(p.ratio, True, racy),
                           "&times;%.3g" % p.ratio if p.ratio else "-"))
        out.append("</table>")
    else:
        out.append("<p>No benchmark of this run names a baseline that is also in the run.</p>")
    if missing:
        out.append('<p class="note">%d benchmark(s) without their baseline row: see '
                   '<a href="#notices">Notices</a>.</p>' % len(missing))
    if cpairs:
        cpairs.sort(key=lambda p: (p.ours.primitive, p.ours.variant, p.ours.params_str, p.ours.threads))
        out.append("<h3>CPython peer vs ours</h3><table><tr><th>benchmark</th><th>params</th>"
                   "<th>threads</th><th>ours</th><th>CPython</th><th>CPython / ours</th></tr>")
        for p in cpairs:
            out.append("<tr><td>%s</td><td>%s</td><td class=num>%d</td><td class=num>%s</td>"
                       "<td class=num>%s</td><td class='%s'>%s</td></tr>" % (
                           esc(p.ours.pv), esc(p.ours.params_str), families.threads_of(p.ours),
                           esc(fmt_ns(p.ours_ns)),
                           esc(fmt_ns(p.other_ns)),
                           _ratio_class(p.ratio, False), "&times;%.3g" % p.ratio if p.ratio else "-"))
        out.append("</table>")
    out.append("</section>")
    return "\n".join(out)


class PageError(results.InputError):
    pass


def read_manifest(path):
    """plots/index.json as scripts/plot writes it: {"plots": [{"stem": str,
    "title": str, "caption": str, ...}], "notes": [str]}; anything else is
    a PageError naming the file."""
    def bad(why):
        raise PageError("%s: %s: re-run scripts/plot" % (path, why))
    try:
        text = inputs.read_bytes(path, "plots/index.json").decode("utf-8")
        doc = json.loads(text)
    except UnicodeDecodeError as e:
        bad("not UTF-8 text (byte at offset %d)" % e.start)
    except RecursionError:
        bad("not valid JSON: nested too deeply")
    except ValueError as e:
        bad("not valid JSON: %s" % e)
    if not isinstance(doc, dict):
        bad("not a plot index (expected a JSON object, got %s)" % type(doc).__name__)
    if not isinstance(doc.get("plots", []), list):
        bad('"plots" is not a list')
    notes = doc.get("notes", [])
    if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
        bad('"notes" is not a list of strings')
    for i, m in enumerate(doc.get("plots", [])):
        if not isinstance(m, dict):
            bad("plots[%d] is not an object" % i)
        stem = m.get("stem")
        if not isinstance(stem, str) or not stem or os.path.basename(stem) != stem:
            bad("plots[%d]: \"stem\" is missing or not a file name" % i)
        for k in ("title", "caption"):
            if not isinstance(m.get(k, ""), str):
                bad("plots[%d]: \"%s\" is not a string" % (i, k))
    return doc


def load_plots(plot_dir):
    """[(stem, title, caption, png_path, svg_name)] from plots/index.json, else
    every PNG in the directory. A listed file that is missing is an error."""
    manifest = os.path.join(plot_dir, "index.json")
    out, notes = [], []
    if os.path.isfile(manifest):
        doc = read_manifest(manifest)
        notes = doc.get("notes", [])
        for m in doc.get("plots", []):
            png = os.path.join(plot_dir, m["stem"] + ".png")
            if not os.path.isfile(png) or os.path.getsize(png) == 0:
                raise PageError("%s lists %s but %s is missing or empty: re-run scripts/plot"
                                % (manifest, m["stem"], png))
            svg = m["stem"] + ".svg"
            out.append((m["stem"], m.get("title", m["stem"]), m.get("caption", ""), png,
                        svg if os.path.isfile(os.path.join(plot_dir, svg)) else None))
    else:
        for png in sorted(glob.glob(os.path.join(plot_dir, "*.png"))):
            stem = os.path.splitext(os.path.basename(png))[0]
            svg = stem + ".svg"
            out.append((stem, stem.replace("_", " "), "", png,
                        svg if os.path.isfile(os.path.join(plot_dir, svg)) else None))
    return out, notes


def plots_section(run_dir, plot_dir, plots, notes):
    rel = os.path.relpath(plot_dir, run_dir)
    out = ['<section id="plots"><h2>Plots</h2>']
    if plots:
        out.append("<ul>%s</ul>" % "".join('<li><a href="#plot-%s">%s</a></li>' % (esc(s), esc(t))
                                            for s, t, _, _, _ in plots))
    for stem, title, caption, png, svg in plots:
        with open(png, "rb") as f:
            data = base64.b64encode(f.read()).decode("ascii")
        link = (' <a href="%s">SVG</a>' % esc(os.path.join(rel, svg))) if svg else ""
        out.append('<figure id="plot-%s"><img class="plot" data-plot="%s" alt="%s" '
                   'src="data:image/png;base64,%s"><figcaption><b>%s.</b> %s%s</figcaption></figure>'
                   % (esc(stem), esc(stem), esc(title), data, esc(title), esc(caption), link))
    if notes:
        out.append('<p class="note">%d plot note(s) (families not drawn, unpaired rows): see '
                   '<a href="#notices">Notices</a>.</p>' % len(notes))
    out.append("</section>")
    return "\n".join(out)


def md_inline(text):
    """Escape, then **bold** and `code` (the markers survive html.escape)."""
    t = esc(text.replace("\\|", "|"))
    t = re.sub(r"`([^`]+)`", r"<code>\1</code>", t)
    return re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", t)


def md_to_html(text):
    """Just enough Markdown for scripts/tlrace's summary.md: headings, pipe
    tables (with \\| escapes), fenced code, bullet lists, paragraphs, **bold**
    and `code`. Everything is escaped."""
    lines = text.splitlines()
    out, i = [], 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            out.append("<pre>%s</pre>" % esc("\n".join(lines[i + 1:j])))
            i = j + 1
            continue
        m = re.match(r"^(#{1,6})\s+(.*)$", line)
        if m:
            level = min(6, len(m.group(1)) + 2)
            out.append("<h%d>%s</h%d>" % (level, md_inline(m.group(2)), level))
            i += 1
            continue
        if line.strip().startswith("|"):
            rows = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                row = lines[i].strip()
                row = row[1:] if row.startswith("|") else row
                row = row[:-1] if row.endswith("|") and not row.endswith("\\|") else row
                cells = [c.strip() for c in re.split(r"(?<!\\)\|", row)]
                if not all(re.match(r"^:?-{2,}:?$", c) for c in cells if c):
                    rows.append(cells)
                i += 1
            if rows:
                head, body = rows[0], rows[1:]
                out.append("<table><tr>%s</tr>%s</table>" % (
                    "".join("<th>%s</th>" % md_inline(c) for c in head),
                    "".join("<tr>%s</tr>" % "".join("<td>%s</td>" % md_inline(c) for c in r)
                            for r in body)))
            continue
        if re.match(r"^\s*[-*]\s+", line):
            items = []
            while i < len(lines) and re.match(r"^\s*[-*]\s+", lines[i]):
                items.append(re.sub(r"^\s*[-*]\s+", "", lines[i]))
                i += 1
            out.append("<ul>%s</ul>" % "".join("<li>%s</li>" % md_inline(x) for x in items))
            continue
        if not line.strip():
            i += 1
            continue
        para = []
        while i < len(lines) and lines[i].strip() and not lines[i].startswith(("```", "#", "|")):
            para.append(lines[i])
            i += 1
        out.append("<p>%s</p>" % md_inline(" ".join(para)))
    return "\n".join(out)


def tsan_section(tsan_dir, looked):
    out = ['<section id="tsan"><h2>ThreadSanitizer summary</h2>']
    if not tsan_dir:
        out.append('<p class="note">No TSan summary found (looked in %s). Run <code>make tsan</code> '
                   'or pass <code>--tsan DIR</code>.</p></section>' % esc(", ".join(looked)))
        return "\n".join(out)
    out.append('<p class="note">From %s.</p>' % esc(os.path.realpath(tsan_dir)))
    md = os.path.join(tsan_dir, "summary.md")
    if os.path.isfile(md):
        with open(md, errors="replace") as f:
            out.append('<div class="tsan-md">%s</div>' % md_to_html(f.read()))
    for name, title in (("cases.csv", "Verdict per case and detector"),
                        ("summary.csv", "Distinct reports")):
        path = os.path.join(tsan_dir, name)
        if not os.path.isfile(path):
            continue
        with open(path, newline="", errors="replace") as f:
            rows = list(csv.reader(f))
        if not rows:
            continue
        out.append("<details%s><summary>%s (%s, %d rows)</summary><table><tr>%s</tr>%s</table>"
                   "</details>" % (
                       "" if os.path.isfile(md) else " open", esc(title), esc(name), len(rows) - 1,
                       "".join("<th>%s</th>" % esc(c) for c in rows[0]),
                       "".join("<tr>%s</tr>" % "".join("<td>%s</td>" % esc(c) for c in r)
                               for r in rows[1:])))
    out.append("</section>")
    return "\n".join(out)


def find_tsan(run_dir, given):
    if given:
        if not os.path.isdir(given):
            raise PageError("--tsan %s: no such directory" % given)
        if not any(os.path.isfile(os.path.join(given, n))
                   for n in ("summary.md", "summary.csv", "cases.csv")):
            raise PageError("--tsan %s: no summary.md or summary.csv in it" % given)
        return given, [given]
    cands = [os.path.join(os.path.dirname(os.path.abspath(run_dir)), "tsan", "latest"),
             os.path.join(os.path.abspath(run_dir), "tsan")]
    for c in cands:
        if any(os.path.isfile(os.path.join(c, n)) for n in ("summary.md", "summary.csv")):
            return c, cands
    return None, cands


def build(run_dir, csv_path=None, plot_dir=None, tsan=None, out_path=None):
    if not os.path.isdir(run_dir):
        raise PageError("%s: no such run directory" % run_dir)
    csv_path = csv_path or os.path.join(run_dir, "results.csv")
    rows = results.load(csv_path)
    points = [p for p in results.points(rows) if p.ok]
    plot_dir = plot_dir or os.path.join(run_dir, "plots")
    if not os.path.isdir(plot_dir):
        raise PageError("%s: no plots directory: run scripts/plot %s first" % (plot_dir, csv_path))
    plots, notes = load_plots(plot_dir)
    if not plots:
        raise PageError("%s: no plots in it: run scripts/plot %s first" % (plot_dir, csv_path))
    tsan_dir, looked = find_tsan(run_dir, tsan)
    f = results.facts(rows)
    run_id = results.fact_str(f, "run_id")
    facts, problem = facts_section(run_dir, rows)
    body = [
        "<h1>threadlab run %s</h1>" % esc(run_id),
        '<p class="note">%s</p>' % esc(results.footnote(rows).replace(" us", " \u00b5s")),
        '<nav><a href="#headline">Ours against the field</a><a href="#facts">Run facts</a><a href="#notices">Notices</a><a href="#ratios">Ratios</a>'
        '<a href="#plots">Plots (%d)</a><a href="#tsan">TSan</a><a href="#timelines">Timelines</a></nav>' % len(plots),
        headline_section(run_dir, rows, points),
        facts,
        notices_section(run_dir, rows, points, notes, [problem] if problem else []),
        ratio_section(points),
        plots_section(run_dir, plot_dir, plots, notes),
        tsan_section(tsan_dir, looked),
        timeline.section(run_dir),
        '<footer class="note"><hr>Generated by scripts/report-page from %s at %s.</footer>' % (
            esc(os.path.abspath(csv_path)),
            datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")),
    ]
    doc = ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
           '<meta name="viewport" content="width=device-width, initial-scale=1">'
           '<title>threadlab run %s</title><style>%s</style></head>\n<body>\n%s\n</body></html>\n'
           % (esc(run_id), CSS, "\n".join(body)))
    flag = "--output" if out_path else "output"
    out_path = out_path or os.path.join(run_dir, "index.html")
    inputs.write_atomic(out_path, doc, flag)
    return out_path, len(plots)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="report-page",
                                 description="Write RUN_DIR/index.html, a self-contained report page; "
                                 "with several run directories (one per machine), one fleet page "
                                 "(default fleet.html next to them) with the machines side by side.")
    ap.add_argument("run_dir", metavar="RUN_DIR", nargs="+")
    ap.add_argument("--csv", help="results CSV (default RUN_DIR/results.csv)")
    ap.add_argument("--plots", help="plots directory (default RUN_DIR/plots)")
    ap.add_argument("--tsan", metavar="DIR",
                    help="TSan report dir with summary.md/csv (default: reports/tsan/latest "
                         "next to the run dir, if present)")
    ap.add_argument("-o", "--output", help="output file (default RUN_DIR/index.html)")
    ap.add_argument("--check", action="store_true",
                    help="then load the page in headless Chromium and fail (exit 1) unless "
                         "every plot rendered")
    args = ap.parse_args(argv)
    if len(args.run_dir) > 1:
        return fleet_main(args)
    args.run_dir = args.run_dir[0]
    try:
        if args.output is not None:
            inputs.check_out_file(args.output, "--output")
        path, n = build(args.run_dir, args.csv, args.plots, args.tsan, args.output)
    except results.InputError as e:
        results.die(e, "report-page")
    except (OSError, ValueError) as e:
        results.die(e, "report-page")
    print("report-page: wrote %s (%d plots embedded)" % (path, n))
    if args.check:
        r = _chromium_check(path)
        if r is None:
            return 1
        good = r["rendered"] == r["total"] == n and not r["external"]
        print("report-page: chromium rendered %d of %d images (%d plots)%s%s" % (
            r["rendered"], r["total"], n,
            "; broken: " + ",".join(r["broken"]) if r["broken"] else "",
            "; external resources: " + ",".join(r["external"]) if r["external"] else ""))
        return 0 if good else 1
    return 0


def _chromium_check(path):
    """--check: load the page in headless Chromium (pagecheck). The result,
    or None after printing why the check failed; no Chromium is exit 2."""
    from . import pagecheck
    try:
        return pagecheck.check(path)
    except pagecheck.ChromiumMissing as e:
        results.die("--check: %s" % e, "report-page")
    except RuntimeError as e:
        print("report-page: check failed: %s" % e, file=sys.stderr)
        return None


def fleet_main(args):
    """report-page A B C...: the fleet page (tlreport/fleet.py)."""
    from . import fleet
    if args.csv or args.plots or args.tsan:
        results.die("--csv, --plots and --tsan take one run directory, not %d" % len(args.run_dir),
                    "report-page")
    try:
        if args.output is not None:
            inputs.check_out_file(args.output, "--output")
        path, n = fleet.build(args.run_dir, args.output)
    except (results.InputError, OSError, ValueError) as e:
        results.die(e, "report-page")
    print("report-page: wrote %s (%d machines)" % (path, n))
    if args.check:
        r = _chromium_check(path)
        if r is None:
            return 1
        return 0 if not r["external"] and not r["broken"] else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
