"""scripts/report-page RUN_DIR: one self-contained HTML page per run.

RUN_DIR/index.html holds the run's facts (run.json, else the CSV's fact
columns), the headline ratio tables (ours vs baseline, CPython vs ours),
every plot of RUN_DIR/plots (drawn by scripts/plot; PNGs embedded as data:
URIs, nothing loaded from outside the file) and the ThreadSanitizer summary
(reports/tsan/latest next to the run dir, or --tsan DIR). Stdlib only.
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

from . import ratios, results, timeline

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:1280px;
padding:1em 2em;color:#222;line-height:1.4}
h1{margin-bottom:.2em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}
nav a{margin-right:1em}
table{border-collapse:collapse;margin:.5em 0;font-size:.88em}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}
td.good{background:#e3f4e3}td.bad{background:#fbe3e3}
figure{margin:1.5em 0;padding:.5em;border:1px solid #e5e5e5;border-radius:4px}
figure img{max-width:100%;height:auto;display:block}
figcaption{font-size:.9em;color:#444;margin-top:.4em}
.warn{background:#fff4d6;border:1px solid #e0b84a;padding:.5em 1em;border-radius:4px}
.note{color:#666;font-size:.9em}
pre{background:#f6f6f6;padding:.6em;overflow-x:auto;font-size:.85em}
"""


def esc(x):
    return html.escape("" if x is None else str(x))


def flatten(d, prefix=""):
    out = []
    for k, v in d.items():
        key = "%s.%s" % (prefix, k) if prefix else str(k)
        if isinstance(v, dict):
            out += flatten(v, key)
        elif isinstance(v, list):
            out.append((key, ", ".join(json.dumps(x) if isinstance(x, (dict, list)) else str(x)
                                       for x in v)))
        else:
            out.append((key, v))
    return out


def facts_section(run_dir, rows):
    path = os.path.join(run_dir, "run.json")
    parts = ['<section id="facts"><h2>Run facts</h2>']
    items, source = None, None
    if os.path.isfile(path):
        try:
            with open(path) as f:
                doc = json.load(f)
            if isinstance(doc, dict):
                items, source = flatten(doc), "run.json"
        except (OSError, ValueError) as e:
            parts.append('<p class="warn">run.json unreadable (%s): facts from the CSV.</p>' % esc(e))
    if items is None:
        f = results.facts(rows)
        items = [(k, ", ".join(v)) for k, v in f.items()]
        source = "the CSV's fact columns (no run.json)"
    parts.append('<table>%s</table>' % "".join(
        "<tr><th>%s</th><td>%s</td></tr>" % (esc(k), esc(v)) for k, v in items))
    pins = sorted({r.pin_policy for r in rows})
    modes = sorted({r.mode for r in rows})
    peers = sorted({r.peer for r in rows})
    parts.append('<p class="note">From %s. Rows: %d; pin policies: %s; modes: %s; peers: %s.</p>'
                 % (esc(source), len(rows), esc(", ".join(pins)), esc(", ".join(modes)),
                    esc(", ".join(peers))))
    inc = os.path.join(run_dir, "incomplete.txt")
    if os.path.isfile(inc):
        with open(inc, errors="replace") as f:
            parts.append('<div class="warn"><b>This run is incomplete</b> (incomplete.txt):'
                         '<pre>%s</pre></div>' % esc(f.read()))
    errored = sorted({"%s: %s" % (r.name, r.error) for r in rows if r.error})
    if errored:
        parts.append('<details><summary>%d benchmark(s) errored or skipped</summary><ul>%s</ul>'
                     '</details>' % (len(errored), "".join("<li>%s</li>" % esc(e) for e in errored)))
    parts.append("</section>")
    return "\n".join(parts)


def _ratio_class(r, good_below):
    if r is None:
        return "num"
    good = r < 1 if good_below else r > 1
    return "num good" if good else ("num bad" if abs(r - 1) > 0.05 else "num")


def ratio_section(points):
    pairs, missing = ratios.baseline_pairs(points)
    cpairs, _ = ratios.cpython_pairs(points)
    out = ['<section id="ratios"><h2>Headline ratios</h2>',
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
            out.append("<tr><td>%s</td><td>%s</td><td class=num>%d</td><td>%s</td><td class=num>%s</td>"
                       "<td>%s</td><td class=num>%s</td><td class='%s'>%s</td></tr>" % (
                           esc(o.pv + (" (%s)" % o.mode if o.mode != "threads" else "")),
                           esc(o.params_str), o.threads, esc(o.pin_policy),
                           esc(results.fmt_time(p.ours_ns)), esc(b.pv),
                           esc(results.fmt_time(p.other_ns)), _ratio_class(p.ratio, True),
                           "&times;%.3g" % p.ratio if p.ratio else "-"))
        out.append("</table>")
    else:
        out.append("<p>No benchmark of this run names a baseline that is also in the run.</p>")
    if missing:
        out.append('<p class="warn">Baseline rows missing for: %s</p>' % esc(
            ", ".join("%s (wants %s)" % (p.label(), b) for p, b in missing)))
    if cpairs:
        cpairs.sort(key=lambda p: (p.ours.primitive, p.ours.variant, p.ours.params_str, p.ours.threads))
        out.append("<h3>CPython peer vs ours</h3><table><tr><th>benchmark</th><th>params</th>"
                   "<th>threads</th><th>ours</th><th>CPython</th><th>CPython / ours</th></tr>")
        for p in cpairs:
            out.append("<tr><td>%s</td><td>%s</td><td class=num>%d</td><td class=num>%s</td>"
                       "<td class=num>%s</td><td class='%s'>%s</td></tr>" % (
                           esc(p.ours.pv), esc(p.ours.params_str), p.ours.threads,
                           esc(results.fmt_time(p.ours_ns)),
                           esc(results.fmt_time(p.other_ns)),
                           _ratio_class(p.ratio, False), "&times;%.3g" % p.ratio if p.ratio else "-"))
        out.append("</table>")
    out.append("</section>")
    return "\n".join(out)


class PageError(results.InputError):
    pass


def load_plots(plot_dir):
    """[(stem, title, caption, png_path, svg_name)] from plots/index.json, else
    every PNG in the directory. A listed file that is missing is an error."""
    manifest = os.path.join(plot_dir, "index.json")
    out, notes = [], []
    if os.path.isfile(manifest):
        with open(manifest) as f:
            doc = json.load(f)
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
        out.append('<h3>Not drawn</h3><ul class="note">%s</ul>'
                   % "".join("<li>%s</li>" % esc(n) for n in notes))
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
    body = [
        "<h1>threadlab run %s</h1>" % esc(run_id),
        '<p class="note">%s</p>' % esc(results.footnote(rows)),
        '<nav><a href="#facts">Run facts</a><a href="#ratios">Headline ratios</a>'
        '<a href="#plots">Plots (%d)</a><a href="#tsan">TSan</a><a href="#timelines">Timelines</a></nav>' % len(plots),
        facts_section(run_dir, rows),
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
    out_path = out_path or os.path.join(run_dir, "index.html")
    tmp = out_path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(doc)
    os.replace(tmp, out_path)
    return out_path, len(plots)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="report-page",
                                 description="Write RUN_DIR/index.html, a self-contained report page.")
    ap.add_argument("run_dir", metavar="RUN_DIR")
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
    try:
        path, n = build(args.run_dir, args.csv, args.plots, args.tsan, args.output)
    except results.InputError as e:
        results.die(e, "report-page")
    except (OSError, ValueError) as e:
        results.die(e, "report-page")
    print("report-page: wrote %s (%d plots embedded)" % (path, n))
    if args.check:
        from . import pagecheck
        try:
            r = pagecheck.check(path)
        except pagecheck.ChromiumMissing as e:
            results.die("--check: %s" % e, "report-page")
        except RuntimeError as e:
            print("report-page: check failed: %s" % e, file=sys.stderr)
            return 1
        good = r["rendered"] == r["total"] == n and not r["external"]
        print("report-page: chromium rendered %d of %d images (%d plots)%s%s" % (
            r["rendered"], r["total"], n,
            "; broken: " + ",".join(r["broken"]) if r["broken"] else "",
            "; external resources: " + ",".join(r["external"]) if r["external"] else ""))
        return 0 if good else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
