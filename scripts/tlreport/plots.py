"""scripts/plot REPORT.csv [--out DIR]: every chart of a run, PNG and SVG.

Needs Debian's python3-matplotlib (/usr/bin/python3); Agg backend, no
display. Each figure is titled, its axes carry units, and a footnote gives
host, CPU model, topology, pin policy and commit of the rows it shows. A plot
family without rows is skipped with a one-line note. plots/index.json lists
what was drawn (used by scripts/report-page).
"""
import argparse
import json
import math
import os
import sys
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import (EngFormatter, FixedLocator, FuncFormatter, LogLocator,  # noqa: E402
                               MaxNLocator, NullFormatter, NullLocator, ScalarFormatter)

from . import families, inputs, ratios, results  # noqa: E402



def time_label(v):
    """Seconds -> '20 ns', '1.5 \u00b5s' (3 significant digits, no '.0'):
    ticks and bar labels, as the page writes times."""
    return results.fmt_time(v * 1e9).replace(" us", " \u00b5s") if v > 0 else "0"


TIME = FuncFormatter(lambda v, _: time_label(v))
# Bars: a linear axis from 0 while the values span at most this factor (so
# 20 ns is drawn half as long as 41 ns); wider spans need a log axis.
LINEAR_SPAN = 30.0
# Line style per pin policy when a run has several (colour stays the implementation's).
PIN_STYLES = ("-", "--", "-.", (0, (1, 1)))


def fmt_s(v):
    """Bar label: 3 significant digits with a unit."""
    return time_label(v)


def _params_label(params, drop=()):
    return ";".join("%s=%s" % (k, v) for k, v in params.items() if k not in drop)


def impl_label(p, with_params=False, drop=()):
    s = p.pv
    if with_params and p.params:
        pl = ";".join(x for x in families.params_pretty(p, ";").split(";")
                      if x.split("=", 1)[0] not in drop)
        if pl:
            s += " " + pl
    if p.mode != "threads":
        s += " (%s)" % p.mode
    s += results.pin_suffix(p)
    if p.peer != "c":
        s += " [%s]" % p.peer
    return s


def paired_series(pts, labeler, group_of, value=None):
    """Bar series ordered so that each of ours is followed by its baseline
    (same colour, hatched) and its CPython peer (same colour, dotted hatch).
    Returns [(label, {group: value}, style)]."""
    value = value or secs
    by_label, order = {}, []
    for p in pts:
        lab = labeler(p)
        if lab not in by_label:
            by_label[lab] = []
            order.append(lab)
        by_label[lab].append(p)
    first = {lab: ps[0] for lab, ps in by_label.items()}
    targets = {p.baseline for p in pts if p.baseline}
    out, done, color = [], set(), [0]

    def emit(lab, style):
        if lab in done:
            return
        done.add(lab)
        out.append((lab, {group_of(p): value(p) for p in by_label[lab]}, style))

    def next_color():
        c = "C%d" % (color[0] % 10)
        color[0] += 1
        return c
    for lab in order:
        p = first[lab]
        if lab in done or p.peer != "c" or p.pv in targets:
            continue
        c = next_color()
        emit(lab, {"color": c})
        base = {"color": c, "alpha": 0.55, "hatch": "//", "edgecolor": "white"}
        peer = {"color": c, "alpha": 0.35, "hatch": "..", "edgecolor": "black"}
        # the baseline / CPython twin with the same params; any params only
        # when none has them
        for kind, style in (("base", base), ("peer", peer)):
            def match(q):
                if kind == "base":
                    return q.peer == "c" and p.baseline and q.pv == p.baseline
                return q.peer != "c" and q.pv == p.pv
            cands = [o for o in order if o not in done and match(first[o])]
            exact = [o for o in cands if families.canon_params(first[o]) == families.canon_params(p)]
            for o in exact or cands:
                emit(o, style)
    for lab in order:
        if lab not in done:
            emit(lab, {"color": next_color()})
    return out


def counter(p, k):
    """A counter as a finite number, or None: absent, text (final_n=lots), inf
    or NaN are not drawn (the CSV reader keeps such values as they are)."""
    v = p.counters.get(k)
    return v if isinstance(v, float) and math.isfinite(v) else None


def fmt_num(v):
    return "?" if v is None else "%g" % v


def secs(p):
    """Time per operation in seconds (a ns_per_op / ops-per-second counter
    when the benchmark reports one, else real_ns; see results.Point)."""
    return p.time_ns * 1e-9


class Plotter:
    def __init__(self, csv_path, out_dir, quiet=False):
        self.rows = results.load(csv_path)
        self.points = [p for p in results.points(self.rows)]
        self.ok = [p for p in self.points if p.ok]
        if not self.ok:
            errs = sorted({e for p in self.points for e in p.errors})
            raise results.InputError(
                "%s: no benchmark has timing rows (every row errored or skipped%s)"
                % (csv_path, ": " + "; ".join(errs[:3]) if errs else ""))
        self.csv_path = csv_path
        self.out = out_dir
        self.quiet = quiet
        self.manifest = []
        self.notes = []
        self.failed = []
        self.attached = {}
        f = results.facts(self.rows)
        try:
            self.allowed = max(int(x) for x in f["allowed_pus"]) if f["allowed_pus"] else None
        except ValueError:
            self.allowed = None
        self.fam = families.classify(self.ok)
        # pin policies that split benchmarks, in run order (compact first)
        self.pins = []
        for p in self.ok:
            if p.key[3] and p.key[3] not in self.pins:
                self.pins.append(p.key[3])

    # ---- output ----
    def note(self, text):
        self.notes.append(text)
        if not self.quiet:
            print("plot: " + text)

    def save(self, fig, stem, title, family, used, caption):
        fig.suptitle(title, fontsize=13, fontweight="bold")
        rows = [r for p in used for r in p.rows]
        foot = "\n".join(textwrap.wrap(results.footnote(rows), 170))
        fig.text(0.0, -0.01, foot, fontsize=7, color="#555555", ha="left", va="top",
                 transform=fig.transFigure)
        files = []
        try:
            make_out_dir(self.out)
            for ext in ("png", "svg"):
                path = os.path.join(self.out, "%s.%s" % (stem, ext))
                savefig_atomic(fig, path, ext)
                files.append(os.path.basename(path))
        finally:
            plt.close(fig)
        self.manifest.append({"stem": stem, "title": title, "family": family,
                              "caption": caption, "files": files, "_used": used})
        if not self.quiet:
            print("plot: wrote %s.{png,svg}" % os.path.join(self.out, stem))

    def write_manifest(self):
        plots = [{k: v for k, v in m.items() if not k.startswith("_")} for m in self.manifest]
        text = json.dumps({"csv": os.path.abspath(self.csv_path), "plots": plots,
                           "notes": self.notes}, indent=2) + "\n"
        inputs.write_atomic(os.path.join(self.out, "index.json"), text, "--out")

    # ---- helpers ----
    def pin_style(self, p):
        """Line style of a point's pin policy (solid: the first policy, or a
        benchmark that ran under one)."""
        return PIN_STYLES[self.pins.index(p.key[3]) % len(PIN_STYLES)] if p.key[3] in self.pins else "-"

    @staticmethod
    def legend(ax, n):
        """Inside the axes for a few series, below them for many."""
        if n > 8:
            ax.legend(fontsize=6.5, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2)
        else:
            ax.legend(fontsize=7)

    def shade_oversub(self, ax, xs):
        if self.allowed and xs and max(xs) > self.allowed:
            ax.axvspan(self.allowed * 1.05, max(xs) * 1.3, color="#999999", alpha=0.15,
                       label="oversubscribed (> %d allowed PUs)" % self.allowed)

    @staticmethod
    def log_axis(ax, axis, values, formatter=TIME):
        """Log scale labelled at 1-2-5 steps when the data spans few decades."""
        (ax.set_yscale if axis == "y" else ax.set_xscale)("log")
        a = getattr(ax, axis + "axis")
        vals = [v for v in values if v and v > 0]
        span = (max(vals) / min(vals)) if vals else 1e9
        if span < 10:
            # within a decade the 1-2-5 steps leave at most one tick, and
            # matplotlib then labels every minor one: a few linear steps
            a.set_major_locator(MaxNLocator(nbins=4))
        else:
            a.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0) if span < 1e3 else (1.0,)))
        a.set_major_formatter(formatter)
        a.set_minor_formatter(NullFormatter())

    def log_time_axis(self, ax, axis, values):
        self.log_axis(ax, axis, values, TIME)

    def bar_time_axis(self, ax, axis, values, label):
        """The value axis of a bar chart of times. Within LINEAR_SPAN: linear
        from 0, so bar lengths are proportional to the times. Wider: log,
        the bars starting at the power of ten below the smallest value, and
        the label says so. Room above the longest bar for its value label."""
        vals = [v for v in values if v and v > 0]
        a = getattr(ax, axis + "axis")
        setlim = ax.set_xlim if axis == "x" else ax.set_ylim
        setlabel = ax.set_xlabel if axis == "x" else ax.set_ylabel
        if not vals:
            setlabel(label)
            return
        lo, hi = min(vals), max(vals)
        if hi / lo <= LINEAR_SPAN:
            (ax.set_xscale if axis == "x" else ax.set_yscale)("linear")
            a.set_major_locator(MaxNLocator(nbins=5))
            a.set_major_formatter(TIME)
            setlim(0, hi * 1.22)
            setlabel(label)
        else:
            self.log_axis(ax, axis, vals, TIME)
            floor = 10 ** math.floor(math.log10(lo))
            setlim(floor, hi * 4)
            setlabel("%s (log scale; bars start at %s)" % (label, time_label(floor)))

    @staticmethod
    def grouped_bars(ax, groups, series, value, log=True, fmt=None):
        """groups: x categories; series: [(label, {group: value}[, bar style])]."""
        n = max(1, len(series))
        width = 0.8 / n
        for i, ser in enumerate(series):
            label, vals = ser[0], ser[1]
            style = ser[2] if len(ser) > 2 else {}
            xs = [gi + (i - (n - 1) / 2.0) * width for gi, g in enumerate(groups) if g in vals]
            ys = [vals[g] for g in groups if g in vals]
            bars = ax.bar(xs, ys, width * 0.95, label=label, **style)
            if fmt:
                ax.bar_label(bars, labels=[fmt(y) for y in ys], fontsize=6, rotation=90, padding=2)
        ax.set_xticks(range(len(groups)))
        ax.set_xticklabels(groups)
        if log:
            ax.set_yscale("log")

    # ---- families ----
    def plot_scaling(self):
        pts = self.fam["scaling"]
        targets = {p.baseline for p in self.ok if p.baseline}
        ours = [p for p in pts if p.peer == "c" and p.pv not in targets
                and not families.is_native_peer(p)]
        if not ours:
            self.note("no rows for time per op vs threads (no C benchmark outside the special "
                      "families): skipped scaling_*")
            return
        self.attached = self._attach_native_peers(self.ok, ours, targets)
        self._scaling_figures(pts, ours)
        # Peers (GLib...) and baselines that no figure above showed get their own.
        shown = {id(p) for m in self.manifest if m["family"] == "scaling" for p in m["_used"]}
        rest = [p for p in pts if p.peer == "c" and id(p) not in shown]
        if rest:
            self._scaling_figures(pts, rest)

    @staticmethod
    def _attach_native_peers(all_points, ours, targets):
        """Native code measured without a baseline of its own (GMutex, a C11
        spinlock, the adaptive pthread mutex...) joins the figures of the
        baseline primitive whose variants include all of its variants
        (closest name on ties): {baseline primitive: [peer primitives]}."""
        variants = {}
        for p in all_points:
            if p.peer == "c":
                variants.setdefault(p.primitive, set()).add(p.variant)
        ours_prims = {p.primitive for p in ours}
        base_prims = {t.split("/")[0] for t in targets} & set(variants)
        out = {}
        for n, vs in variants.items():
            if n in ours_prims or n in base_prims:
                continue
            cands = [b for b in base_prims if vs <= variants[b]]
            if not cands:
                continue

            def prefix(b):
                k = 0
                while k < min(len(b), len(n)) and b[k] == n[k]:
                    k += 1
                return (n.startswith(b), k)
            best = max(sorted(cands), key=prefix)
            out.setdefault(best, []).append(n)
        return out

    def _scaling_figures(self, pts, ours):
        prims = []
        for p in ours:
            if p.primitive not in prims:
                prims.append(p.primitive)
        for prim in prims:
            # One panel per variant, and per pin policy when the variant ran
            # under several (a default run: compact and scatter side by side).
            panels = []
            for p in ours:
                if p.primitive != prim:
                    continue
                pin = p.key[3] or None
                if (p.variant, pin) not in panels:
                    panels.append((p.variant, pin))
            n = len(panels)
            ncols = min(3, n)
            nrows = (n + ncols - 1) // ncols
            fig, axes = plt.subplots(nrows, ncols, figsize=(5.6 * ncols, 4.2 * nrows),
                                     squeeze=False, constrained_layout=True)
            used = []
            for ax, (variant, pin) in zip(axes.flat, panels):
                # C rows of this panel's policy only (CPython rows are unpinned)
                def here(p, pin=pin):
                    return pin is None or p.peer != "c" or p.pin_policy == pin
                pv = "%s/%s" % (prim, variant) if variant else prim
                mine = [p for p in ours if p.pv == pv and here(p)]
                bases = {p.baseline for p in mine if p.baseline}
                group = mine + [p for p in self.ok if p.pv in bases and p.peer == "c" and here(p)]
                group += [p for p in self.ok if p.baseline in bases and p.pv != pv and p.peer == "c"
                          and here(p)]
                peers = {n for b in bases for n in self.attached.get(b.split("/")[0], ())}
                group += [p for p in pts if p.primitive in peers and p.variant == variant
                          and p.peer == "c" and p not in group and here(p)]
                group += [p for p in self.ok if p.peer == "cpython" and p.pv == pv]
                used += group
                self._scaling_axes(ax, pv, group, bases, pin)
            for ax in list(axes.flat)[n:]:
                ax.set_visible(False)
            stem = "scaling_%s" % _safe(prim)
            if any(m["stem"] == stem for m in self.manifest):
                stem += "_peer"
            self.save(fig, stem,
                      "%s: time per operation vs threads" % prim, "scaling", used,
                      "Median real time per iteration (per thread) of each %s benchmark vs "
                      "thread count, next to its native baselines, peers naming the same "
                      "baseline, and the CPython peer; one panel per pin policy where the "
                      "run has several. Log axes." % prim)

    def _scaling_axes(self, ax, pv, group, bases, pin=None):
        pins = {p.pin_policy for p in group if p.peer == "c"}
        modes = {p.mode for p in group}
        series = {}
        for p in group:
            key = (p.pv, p.peer, p.mode, p.params_str, p.pin_policy if len(pins) > 1 else "")
            series.setdefault(key, []).append(p)
        threads = sorted({p.threads for p in group})
        if threads == [1]:
            # Single-thread benchmarks: a bar per implementation.
            items = sorted(series.items(), key=lambda kv: secs(kv[1][0]))
            labels = [self._series_label(k, pins, modes) for k, _ in items]
            vals = [secs(v[0]) for _, v in items]
            colors = [("#c44e52" if k[1] != "c" else "#4c72b0" if k[0] == pv else "#8c8c8c")
                      for k, _ in items]
            bars = ax.barh(labels, vals, color=colors)
            ax.bar_label(bars, labels=[fmt_s(v) for v in vals],
                         fontsize=7, padding=2)
            self.bar_time_axis(ax, "x", vals, "real time per operation")
            ax.set_title("%s (1 thread%s)" % (pv, ", pin " + pin if pin else ""), fontsize=10)
            return
        styles = ["-", "--", ":", "-."]
        param_sets = sorted({k[3] for k in series})
        mixed = {p.time_source for p in group}
        colors = {}
        for key, ps in sorted(series.items()):
            ps = sorted(ps, key=lambda p: p.threads)
            impl = (key[0], key[1], key[2], key[4])
            if impl not in colors:
                colors[impl] = "C%d" % (len(colors) % 10)
            ls = styles[param_sets.index(key[3]) % len(styles)]
            width = 2.2 if key[0] == pv and key[1] == "c" else 1.3
            label = self._series_label(key, pins, modes, len(param_sets) > 1)
            if len(mixed) > 1 and ps[0].time_source == "real_ns":
                label += " (GB real time/iter)"  # others report a throughput counter
            ax.plot([p.threads for p in ps], [secs(p) for p in ps], ls, marker="o",
                    color=colors[impl], lw=width, ms=4, label=label)
        self.shade_oversub(ax, threads)
        ax.set_xscale("log", base=2)
        ax.xaxis.set_major_locator(FixedLocator(threads))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.xaxis.set_major_formatter(ScalarFormatter())
        if len(threads) == 1:  # one thread count (a filtered run): a column of points, said so
            ax.set_xlim(threads[0] / 1.6, threads[0] * 1.6)
            ax.text(0.5, 0.02, "one thread count in this run: no curve", transform=ax.transAxes,
                    ha="center", va="bottom", fontsize=7, color="#666666")
        self.log_time_axis(ax, "y", [secs(p) for p in group])
        ax.set_xlabel("threads (log2)")
        srcs = {p.time_source for p in group}
        ax.set_ylabel("time per operation (log scale)" if srcs != {"real_ns"} else
                      "real time per iteration per thread (log scale)")
        ax.set_title(pv + (" vs " + ", ".join(sorted(bases)) if bases else "")
                     + (" (pin %s)" % pin if pin else ""), fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
        longest = max(len(t) for t in ax.get_legend_handles_labels()[1])
        ax.legend(fontsize=6.5, loc="upper center", bbox_to_anchor=(0.5, -0.2),
                  ncol=1 if longest > 48 else 2)

    @staticmethod
    def _series_label(key, pins, modes, with_params=True):
        pv, peer, mode, params, pin = key
        s = pv
        if with_params and params:
            s += " " + params
        if len(modes) > 1 or mode != "threads":
            s += " (%s)" % mode
        if pin and peer == "c":
            s += " pin=" + pin
        if peer != "c":
            s += " [%s]" % peer
        return s

    def plot_ratios(self):
        pairs, missing = ratios.baseline_pairs(self.ok)
        for p, b in missing:
            self.note("baseline %s missing for %s (no row with the same params, threads, mode, "
                      "pin policy)" % (b, p.label() + results.pin_suffix(p)))
        if not pairs:
            self.note("no ours/baseline pairs (no row names a baseline present in the run): "
                      "skipped ratio_baseline")
        else:
            self._ratio_chart(pairs, "ratio_baseline", "ours / baseline: median time ratio",
                              "time ratio ours / baseline (log; < 1: ours faster)",
                              lambda pr: self._ratio_label(pr.ours),
                              "Ratio of median real time per iteration, ours over the "
                              "baseline its row names (same params, threads, mode, pin "
                              "policy). Below 1: ours is faster.")
        cpairs, cmissing = ratios.cpython_pairs(self.ok)
        for c, pv in cmissing:
            self.note("CPython row %s has no C row to pair with" % c.label())
        if not cpairs:
            self.note("no CPython peer rows paired with C rows: skipped ratio_cpython")
        else:
            self._ratio_chart(cpairs, "ratio_cpython", "CPython / ours: what the C version buys",
                              "time ratio CPython / ours (log; > 1: C faster)",
                              lambda pr: self._ratio_label(pr.ours),
                              "How many times longer CPython's threading/queue/"
                              "concurrent.futures takes than ours for the same operation "
                              "(median real time per iteration).", good_above=True)

    def _ratio_chart(self, pairs, stem, title, xlabel, labeler, caption, good_above=False):
        """Small multiples, one panel per primitive, in two columns (one
        screen wide): a row per benchmark instance without its thread count,
        a marker per thread count, on a log axis centred on 1 with a stem
        from 1 (its length is the log of the ratio, so x2 and /2 look
        alike). Green: ours better, red: worse, grey: against (or of) a
        variant that races on purpose, where faster is no achievement."""
        pairs = [pr for pr in pairs if pr.ratio]
        pairs.sort(key=lambda pr: (pr.ours.primitive, pr.ours.variant, pr.ours.params_str,
                                   families.threads_of(pr.ours)))
        panels, versus = {}, {}
        for pr in pairs:
            rows = panels.setdefault(pr.ours.primitive, {})
            rows.setdefault(labeler(pr), []).append(pr)
            if pr.kind == "baseline":
                o = pr.other
                versus.setdefault(pr.ours.primitive, {})[
                    o.primitive if o.primitive != pr.ours.primitive else o.variant] = 1
        prims = list(panels)
        threads = sorted({families.threads_of(pr.ours) for pr in pairs})
        markers = ("o", "s", "^", "D", "v", "P", "X", "*", "h", "<")
        mk = {t: markers[i % len(markers)] for i, t in enumerate(threads)}
        # two columns, split where the rows divide evenly (panels stay in order)
        sizes = [len(panels[p]) + 2 for p in prims]  # + title and spacing
        half, acc, cut = sum(sizes) / 2.0, 0, len(prims)
        for i, n in enumerate(sizes):
            if acc + n / 2.0 > half and i > 0:
                cut = i
                break
            acc += n
        cols = [prims[:cut], prims[cut:]] if len(prims) > 1 else [prims]
        height = max(sum(len(panels[p]) + 2 for p in c) for c in cols if c) * 0.19 + 1.4
        height = max(3.0, height)
        fig = plt.figure(figsize=(10.8, height), constrained_layout=True)  # <= 1300 px: the page shows it 1:1
        # a strip for the legend on top (matplotlib 3.6 has no "outside" legends)
        top, body = fig.subfigures(2, 1, height_ratios=[0.45, height - 0.45])
        subs = body.subfigures(1, len(cols), squeeze=False)[0] if len(cols) > 1 else [body]
        lo = min(min(pr.ratio for pr in pairs), 1 / max(pr.ratio for pr in pairs), 0.5)
        lim = (lo / 1.6, 1.6 / lo)
        racy_any = False
        for sub, col in zip(subs, cols):
            if not col:
                continue
            axes = sub.subplots(len(col), 1, squeeze=False, sharex=True,
                                gridspec_kw={"height_ratios": [len(panels[p]) + 0.8 for p in col]})[:, 0]
            for ax, prim in zip(axes, col):
                rows = list(panels[prim].items())
                for y, (lab, prs) in enumerate(rows):
                    for pr in prs:
                        racy = families.is_racy(pr.ours) or families.is_racy(pr.other)
                        racy_any = racy_any or racy
                        good = pr.ratio > 1 if good_above else pr.ratio < 1
                        col_ = "#8c8c8c" if racy else "#55a868" if good else "#c44e52"
                        ax.plot([1.0, pr.ratio], [y, y], color=col_, lw=1.2, alpha=0.6)
                        ax.plot([pr.ratio], [y], marker=mk[families.threads_of(pr.ours)], ms=5,
                                color=col_, ls="none")
                ax.set_yticks(range(len(rows)))
                ax.set_yticklabels([lab for lab, _ in rows], fontsize=7)
                ax.set_ylim(len(rows) - 0.5, -0.5)
                ax.set_xscale("log")
                ax.set_xlim(*lim)
                ax.axvline(1.0, color="black", lw=0.8)
                vs = list(versus.get(prim, {}))
                t = prim + (" vs " + ", ".join(vs) if vs else "")
                ax.set_title(t if len(t) <= 52 else t[:51] + "\u2026", fontsize=9, loc="left",
                             fontweight="bold")
                ax.grid(True, axis="x", which="major", alpha=0.3)
                ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: "\u00d7%g" % v))
                ax.xaxis.set_minor_formatter(NullFormatter())
                ax.tick_params(axis="x", labelsize=7)
            axes[-1].set_xlabel(xlabel, fontsize=8)
        from matplotlib.lines import Line2D
        handles = [Line2D([], [], marker=mk[t], color="#555555", ls="none", label="%d thread%s"
                          % (t, "" if t == 1 else "s")) for t in threads]
        handles += [Line2D([], [], color=c, lw=3, label=l) for c, l in (
            ("#55a868", "ours better"), ("#c44e52", "ours worse"))]
        if racy_any:
            handles.append(Line2D([], [], color="#8c8c8c", lw=3, label="vs a racy variant (wrong result)"))
        top.legend(handles=handles, loc="center", ncol=min(8, len(handles)), fontsize=7, frameon=False)
        self.save(fig, stem, title, "ratio", [pr.ours for pr in pairs] + [pr.other for pr in pairs],
                  caption + " One panel per primitive; markers are thread counts; the axis is "
                  "logarithmic and centred on 1, each stem starts at 1.")

    def _ratio_label(self, p, width=44):
        """A ratio row: variant, params (without thread counts: the marker
        shows them), mode and pin policy when the run has several; at most
        `width` characters (the page's table has the full names)."""
        params = ",".join("%s=%s" % (k, v) for k, v in p.params.items()
                          if k not in families.THREAD_PARAMS)
        s = (p.variant or p.pv) + (" " + params if params else "")
        if p.mode != "threads":
            s += " (%s)" % ("proc" if p.mode == "processes" else p.mode)
        if len(self.pins) > 1 and p.pin_policy in self.pins:
            s += " [%s]" % p.pin_policy
        if p.peer != "c":
            s += " [%s]" % p.peer
        return s if len(s) <= width else s[:width - 1] + "\u2026"

    def plot_handoff(self):
        pts = self.fam["handoff"]
        if not pts:
            self.note("no handoff/ping-pong rows: skipped handoff")
            return
        order = list(families.PLACEMENTS)
        places = sorted({families.placement(p) for p in pts},
                        key=lambda x: (order.index(x) if x in order else 9, x))
        series = paired_series(pts, lambda p: impl_label(p, True, drop=("place", "placement")),
                               families.placement)
        fig, ax = plt.subplots(figsize=(max(7, 1.6 * len(places) * max(1, len(series)) / 3), 5),
                               constrained_layout=True)
        self.grouped_bars(ax, places, series, None, log=False, fmt=fmt_s)
        self.bar_time_axis(ax, "y", [v for _, d, _ in series for v in d.values()],
                           "round trip per ping-pong")
        ax.set_xlabel("placement of the two threads")
        ax.grid(True, axis="y", which="both", alpha=0.3)
        ax.legend(fontsize=7, ncol=2)
        self.save(fig, "handoff", "Handoff latency by placement (ping-pong round trip)", "handoff",
                  pts, "Median round-trip time of a ping-pong between two threads placed on "
                  "the same core, on different cores, or on different packages.")

    def _percentile_chart(self, pts, stem, title, ylabel, caption, family):
        keys = set()
        for p in pts:
            keys.update(families.percentiles(p))
        order = [lab for lab, _, _ in paired_series(pts, lambda p: impl_label(p, True),
                                                       lambda p: 0)]
        byl = {impl_label(p, True): families.percentiles(p) for p in pts}
        series = [(lab, byl[lab]) for lab in order]
        keys = families.pct_order(keys)
        groups = [lab for lab, _ in series]
        fig, ax = plt.subplots(figsize=(max(7, 1.1 * len(groups) + 2), 5), constrained_layout=True)
        bars = [(k, {lab: pc[k] * 1e-9 for lab, pc in series if k in pc}) for k in keys]
        self.grouped_bars(ax, groups, bars, None, log=False)
        self.bar_time_axis(ax, "y", [v for _, d in bars for v in d.values()], ylabel)
        ax.tick_params(axis="x", labelrotation=20, labelsize=8)
        ax.grid(True, axis="y", which="both", alpha=0.3)
        ax.legend(title="percentile", fontsize=8)
        self.save(fig, stem, title, family, pts, caption)

    def plot_wakeup(self):
        pts = self.fam["wakeup"]
        if not pts:
            self.note("no wake-up latency rows (percentile counters): skipped wakeup")
            return
        self._percentile_chart(pts, "wakeup", "Wake-up latency percentiles",
                               "wake-up latency",
                               "Time from the waker's signal to the waiter running, as "
                               "percentile counters (p50/p90/p99/max) per primitive.", "wakeup")

    def plot_timer(self):
        pts = self.fam["timer"]
        if not pts:
            self.note("no timer rows: skipped timer")
            return
        if not any(families.percentiles(p) for p in pts):
            self.note("timer rows carry no percentile counters: skipped timer")
            return
        self._percentile_chart([p for p in pts if families.percentiles(p)], "timer",
                               "Timer lateness (fire time minus due time)",
                               "lateness",
                               "How late each timer fired relative to its due time: "
                               "percentiles per timer kind.", "timer")

    def plot_fairness(self):
        pts = self.fam["fairness"]
        if not pts:
            self.note("no fairness rows (jain / min_max counters): skipped fairness")
            return
        fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), constrained_layout=True)
        series = {}
        for p in pts:
            series.setdefault(impl_label(p, True), []).append(p)
        impls = sorted(series)  # a colour per implementation and pin policy
        threads = sorted({p.threads for p in pts})
        for ax, name, label in ((axes[0], "jain", "Jain's fairness index"),
                                   (axes[1], "min_max", "min / max acquisitions per thread")):
            for lab, ps in sorted(series.items()):
                ps = sorted((p for p in ps if counter(p, name) is not None),
                            key=lambda p: p.threads)
                if ps:
                    ax.plot([p.threads for p in ps], [counter(p, name) for p in ps],
                            marker="o", label=lab, ls=self.pin_style(ps[0]),
                            color="C%d" % (impls.index(lab) % 10))
            self.shade_oversub(ax, threads)
            ax.set_xscale("log", base=2)
            ax.xaxis.set_major_locator(FixedLocator(threads))
            ax.xaxis.set_minor_locator(NullLocator())
            ax.xaxis.set_major_formatter(ScalarFormatter())
            if len(threads) == 1:
                ax.set_xlim(threads[0] / 1.6, threads[0] * 1.6)
            ax.set_ylim(0, 1.05)
            ax.set_xlabel("threads (log2)")
            ax.set_ylabel(label + " (1 = perfectly fair)")
            ax.grid(True, alpha=0.3)
            self.legend(ax, len(series))
        self.save(fig, "fairness", "Fairness under contention", "fairness", pts,
                  "Per-thread acquisition counts under contention, summarised as Jain's "
                  "index and the min/max ratio (both 1 when every thread got the same share).")

    def plot_queue(self):
        pts = self.fam["queue"]
        if not pts:
            self.note("no queue throughput rows (queue primitive with spsc/mpsc/mpmc pattern): "
                      "skipped queue")
            return
        patterns = sorted({families.queue_pattern(p) for p in pts},
                          key=lambda x: (families.PATTERNS + (x,)).index(x))
        caps = sorted({families.queue_capacity(p) for p in pts},
                      key=lambda c: (1, 0) if c == "unbounded" else (0, int(c)) if c.isdigit() else (2, c))
        # a rate needs a positive time: a real_ns of 0 has none (not drawn)
        drop = [p for p in pts if not p.items_per_second and not (p.real_ns or 0) > 0]
        if drop:
            self.note("%d queue point(s) with neither items_per_second nor a positive real_ns: "
                      "not drawn (%s)" % (len(drop), drop[0].label()))
            pts = [p for p in pts if p not in drop]
            if not pts:
                return
        use_items = all(p.items_per_second for p in pts)
        fig, axes = plt.subplots(1, len(patterns), figsize=(5.2 * len(patterns), 4.6),
                                 squeeze=False, constrained_layout=True)
        def qlabel(p):
            lab = impl_label(p, True, drop=("cap", "capacity", "maxsize", "pattern"))
            return lab.replace("/" + families.queue_pattern(p), "")
        # a colour per series: implementation and pin policy (compact and
        # scatter of one queue must not look alike; the dash says it too)
        colors = {lab: "C%d" % (i % 10) for i, lab in enumerate(sorted({qlabel(p) for p in pts}))}
        for ax, pattern in zip(axes[0], patterns):
            series, style = {}, {}
            for p in pts:
                if families.queue_pattern(p) != pattern:
                    continue
                lab = qlabel(p)
                v = p.items_per_second if use_items else 1e9 / p.real_ns
                series.setdefault(lab, {})[families.queue_capacity(p)] = v
                style[lab] = (colors[lab], ":" if p.peer != "c" else self.pin_style(p))
            # this pattern's capacities only (SPSC had an empty slot for a
            # capacity only MPMC ran)
            here = [c for c in caps if any(c in vals for vals in series.values())]
            for lab, vals in sorted(series.items()):
                xs = [i for i, c in enumerate(here) if c in vals]
                ax.plot(xs, [vals[here[i]] for i in xs], marker="o", label=lab, color=style[lab][0],
                        ls=style[lab][1])
            ax.set_xticks(range(len(here)))
            ax.set_xticklabels(here)
            if len(here) == 1:
                ax.set_xlim(-0.5, 0.5)
            self.log_axis(ax, "y", [v for vals in series.values() for v in vals.values()],
                          EngFormatter(unit="/s", places=0))
            ax.set_xlabel("capacity (maxsize)")
            ax.set_ylabel(("items per second" if use_items else "iterations per second") + " (log)")
            ax.set_title(pattern.upper(), fontsize=10)
            ax.grid(True, which="both", alpha=0.3)
            self.legend(ax, len(series))
        self.save(fig, "queue", "Queue throughput by capacity and pattern", "queue", pts,
                  "Items per second through FIFO/LIFO/priority queues by capacity, for "
                  "single/multi producer and consumer patterns (GAsyncQueue where present).")

    def plot_executor(self):
        pts = self.fam["executor"]
        if not pts:
            self.note("no executor rows (pool / per-task primitives): skipped executors")
            return
        ops = list(dict.fromkeys(p.variant for p in pts))
        def lab(p):
            s = p.primitive + (" " + p.params_str if p.primitive.lower() in ("executor", "executors")
                               and p.params_str else "")
            return s + _run_suffix(p)
        series = paired_series(pts, lab, lambda p: p.variant)
        fig, ax = plt.subplots(figsize=(max(8, 2.2 * len(ops) + 2), 5), constrained_layout=True)
        self.grouped_bars(ax, ops, series, None, log=False)
        self.bar_time_axis(ax, "y", [v for _, d, _ in series for v in d.values()],
                           "time per task / call")
        ax.set_xlabel("operation")
        ax.grid(True, axis="y", which="both", alpha=0.3)
        ax.legend(fontsize=7, ncol=2)
        self.save(fig, "executors", "Executors: pools vs a thread / process per task", "executor",
                  pts, "Submit-to-result round trip, throughput of trivial tasks and map, for "
                  "the thread pool, process pool, a thread per task and a process per task.")

    def plot_start(self):
        pts = self.fam["start"]
        if not pts:
            self.note("no thread/process start rows: skipped start")
            return
        pts = sorted(pts, key=secs)
        labels = []
        for p in pts:
            lab = p.variant if p.primitive.lower() in ("start", "spawn", "startup") else p.primitive
            if p.params_str:
                lab += " " + p.params_str
            labels.append(lab + _run_suffix(p))
        vals = [secs(p) for p in pts]
        fig, ax = plt.subplots(figsize=(9, 1.4 + 0.45 * len(pts)), constrained_layout=True)
        colors = ["#c44e52" if p.peer != "c" else
                  "#dd8452" if any(w in p.pv.lower() for w in ("fork", "spawn", "process")) else
                  "#4c72b0" for p in pts]
        bars = ax.barh(labels, vals, color=colors)
        ax.bar_label(bars, labels=[fmt_s(v) for v in vals], fontsize=8, padding=2)
        self.bar_time_axis(ax, "x", vals, "time to start and finish one thread / process")
        ax.grid(True, axis="x", which="both", alpha=0.3)
        self.save(fig, "start", "Thread vs process start (create + join / fork + wait)", "start",
                  pts, "Cost of starting and reaping one thread (pthread_create+join, our "
                  "Thread) vs one process (fork+waitpid, posix_spawn+waitpid): the seed's "
                  "section 3.")

    def plot_lesson(self):
        pts = self.fam["lesson"]
        if not pts:
            self.note("no lock/join/unlocked workload rows (final_n/expected_n counters): "
                      "skipped lesson")
            return
        sets = {}
        for p in pts:
            key = (p.mode, p.peer, families.params_pretty(p), results.pin_suffix(p))
            sets.setdefault(key, []).append(p)
        keys = sorted(sets)
        fig, axes = plt.subplots(len(keys), 2, figsize=(12, 3.6 * len(keys) + 0.6),
                                 squeeze=False, constrained_layout=True)
        order = list(families.LESSON_ORDER)
        for (ax_t, ax_l), key in zip(axes, keys):
            ps = sets[key]
            ps.sort(key=lambda p: (order.index(families.lesson_variant(p))
                                   if families.lesson_variant(p) in order else 99, p.variant))
            names = [families.lesson_variant(p) or p.variant for p in ps]
            wall = [counter(p, "wall_s") if (counter(p, "wall_s") or 0) > 0 else secs(p) for p in ps]
            lost = []
            for p in ps:
                v = counter(p, "lost_updates")
                if v is None and counter(p, "final_n") is not None and counter(p, "expected_n") is not None:
                    v = counter(p, "final_n") - counter(p, "expected_n")
                lost.append(v)  # None: not known (no usable counters), drawn grey
            colors = ["#999999" if v is None else "#c44e52" if v else "#55a868" for v in lost]
            lost = [v or 0.0 for v in lost]
            b = ax_t.bar(names, wall, color=colors)
            ax_t.bar_label(b, labels=[fmt_s(v) for v in wall], fontsize=8)
            self.bar_time_axis(ax_t, "y", wall, "wall time of the whole run")
            label = key[2] or "default parameters"
            if key[0] != "threads":
                label += " (%s)" % key[0]
            label += key[3]
            if key[1] != "c":
                label += " [%s]" % key[1]
            ax_t.set_title("time: " + label, fontsize=10)
            b = ax_l.bar(names, lost, color=colors)
            finals = ["n=%s (want %s)" % (fmt_num(counter(p, "final_n")), fmt_num(counter(p, "expected_n")))
                      for p in ps]
            ax_l.bar_label(b, labels=finals, fontsize=7)
            ax_l.set_ylabel("lost updates (final n - expected n)")
            top = max(lost + [1.0])
            ax_l.set_ylim(0, top * 1.25)
            ax_l.set_title("correctness: " + label, fontsize=10)
            for ax in (ax_t, ax_l):
                ax.grid(True, axis="y", alpha=0.3)
        from matplotlib.patches import Patch
        axes[0][1].legend(handles=[Patch(color="#c44e52", label="wrong result (lost updates)"),
                                   Patch(color="#55a868", label="correct result")], fontsize=8,
                          loc="upper right")
        self.save(fig, "lesson_lock_join_unlocked",
                  "The seed's lesson: lock vs lock-narrow vs join vs unlocked vs atomic "
                  "(time and lost updates)", "lesson", pts,
                  "N threads each do temp = n; work; n = temp - 1. Left: wall time of the whole "
                  "run per variant; right: updates lost (red = wrong final n). One row per "
                  "parameter set (work kind, W, start mode).")

    def plot_workloads(self):
        pts = self.fam["workload"]
        if not pts:
            self.note("no other workload rows (wall_s counter): skipped workload_*")
            return
        for name in dict.fromkeys(p.primitive for p in pts):
            ps = [p for p in pts if p.primitive == name]
            labels, vals = [], []
            for p in ps:
                labels.append(p.variant + ("  " + families.params_pretty(p) if p.params else "")
                              + _run_suffix(p))
                w = counter(p, "wall_s")
                vals.append(w if w is not None and w > 0 else secs(p))
            variants = sorted({p.variant for p in ps})
            colors = ["C%d" % (variants.index(p.variant) % 10) for p in ps]
            fig, ax = plt.subplots(figsize=(10, 1.4 + 0.42 * len(ps)), constrained_layout=True)
            bars = ax.barh(range(len(ps)), vals, color=colors)
            ax.set_yticks(range(len(ps)))
            ax.set_yticklabels(labels, fontsize=8)
            ax.invert_yaxis()
            ax.bar_label(bars, labels=[fmt_s(v) for v in vals], fontsize=8, padding=2)
            self.bar_time_axis(ax, "x", vals, "wall time of one run (median of repetitions)")
            ax.grid(True, axis="x", which="both", alpha=0.3)
            self.save(fig, "workload_%s" % _safe(name), "Workload %s: wall time per variant" % name,
                      "workload", ps, "Median wall time of one run of the %s workload per variant "
                      "and parameter set; its counters (final state, counts) are in the CSV."
                      % name)

    def previous_files(self):
        """The plot files a previous run of this script listed in index.json
        (only those: the directory may hold other files)."""
        try:
            with open(os.path.join(self.out, "index.json"), encoding="utf-8") as f:
                doc = json.load(f)
            return {os.path.basename(name) for m in doc.get("plots", [])
                    for name in m.get("files", []) if isinstance(name, str)}
        except (OSError, ValueError, AttributeError, TypeError, RecursionError):
            return set()

    def remove_previous(self, old):
        """Delete the previous run's plots this run did not redraw: only once
        the new plots and index.json are all written."""
        new = {name for m in self.manifest for name in m["files"]}
        for name in sorted(old - new):
            path = os.path.join(self.out, name)
            if os.path.isfile(path):
                try:
                    os.remove(path)
                except OSError:
                    pass

    def run(self):
        old = self.previous_files()
        for fn in (self.plot_lesson, self.plot_workloads, self.plot_scaling, self.plot_ratios,
                   self.plot_handoff, self.plot_wakeup, self.plot_fairness, self.plot_queue, self.plot_executor,
                   self.plot_start, self.plot_timer):
            try:
                fn()
            except inputs.InputError:
                raise  # an output that cannot be written: the run failed
            except Exception as e:  # one family's bug must not cost the others
                if os.environ.get("TLREPORT_DEBUG"):
                    raise
                plt.close("all")
                self.failed.append(fn.__name__)
                print("plot: error: %s failed on this CSV: %s: %s (TLREPORT_DEBUG=1 for the "
                      "traceback)" % (fn.__name__, type(e).__name__, e), file=sys.stderr)
        errored = sorted({p.label() for p in self.points if not p.ok})
        if errored:
            self.note("%d benchmark(s) errored or skipped, not plotted: %s"
                      % (len(errored), ", ".join(errored[:5]) + (" ..." if len(errored) > 5 else "")))
        if self.manifest or self.failed:
            self.write_manifest()
            self.remove_previous(old)
        return self.manifest


def _run_suffix(p):
    """What tells apart rows of one benchmark in a label: mode (when not
    threads), pin policy (when the run has several) and peer (when not C)."""
    s = " (%s)" % p.mode if p.mode != "threads" else ""
    s += results.pin_suffix(p)
    return s + (" [%s]" % p.peer if p.peer != "c" else "")


def make_out_dir(out):
    try:
        os.makedirs(out, exist_ok=True)
    except OSError as e:
        raise inputs.InputError("--out %s: cannot create output directory: %s" % (out, e.strerror or e))


def savefig_atomic(fig, path, ext):
    """fig as path (png or svg), written whole or not at all: a temporary
    file in the same directory, then rename (a reader, or a full disk, never
    leaves a truncated plot in place of the previous one)."""
    def put(f):
        fig.savefig(f, format=ext, dpi=110 if ext == "png" else None, bbox_inches="tight")
    inputs.write_atomic_with(path, put, path)


def _safe(s):
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in s)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="plot", description="Plot a threadlab results CSV.")
    ap.add_argument("csv", metavar="REPORT.csv")
    ap.add_argument("--out", metavar="DIR",
                    help="output directory (default: plots/ next to the CSV)")
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args(argv)
    out = args.out or os.path.join(os.path.dirname(os.path.abspath(args.csv)), "plots")
    try:
        inputs.check_out_dir(out if args.out is None else args.out, "--out")
        pl = Plotter(args.csv, out, args.quiet)
        created = not os.path.isdir(out)
        make_out_dir(out)
        manifest = pl.run()
        if created and not manifest and not pl.failed:
            try:
                os.rmdir(out)  # nothing drawn: leave no empty directory behind
            except OSError:
                pass
    except results.InputError as e:
        results.die(e, "plot")
    if not manifest and not pl.failed:
        results.die("%s: no plot could be drawn from these rows" % args.csv, "plot")
    print("plot: %d plots in %s" % (len(manifest), out))
    return 1 if pl.failed else 0


if __name__ == "__main__":
    sys.exit(main())
