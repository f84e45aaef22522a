"""Run scripts/plot's Plotter on a CSV and print, as JSON, what each figure's
axes show (scales, limits, tick labels, lines, bars, texts), with every
warning an error. Run with the matplotlib interpreter:
    plot_probe.py CSV OUT_DIR
Used by test_plot_axes.py."""
import json
import os
import sys
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))
warnings.simplefilter("error")  # a warning while drawing fails the test

from matplotlib.colors import to_hex  # noqa: E402

from tlreport import plots  # noqa: E402


def describe(fig):
    out = []
    for ax in fig.get_axes():
        if not ax.get_visible():
            continue
        out.append({
            "title": ax.get_title() or ax.get_title(loc="left"),
            "xscale": ax.get_xscale(), "yscale": ax.get_yscale(),
            "xlim": list(ax.get_xlim()), "ylim": list(ax.get_ylim()),
            "xlabel": ax.get_xlabel(), "ylabel": ax.get_ylabel(),
            "xticks": [t.get_text() for t in ax.get_xticklabels()],
            "yticks": [t.get_text() for t in ax.get_yticklabels()],
            "lines": [{"label": l.get_label(), "color": to_hex(l.get_color()),
                       "x": [float(v) for v in l.get_xdata()]} for l in ax.get_lines()
                      if not l.get_label().startswith("_")],
            "bars": len(ax.patches),
            "texts": [t.get_text() for t in ax.texts],
        })
    return out


class Probe(plots.Plotter):
    seen = {}

    def save(self, fig, stem, title, family, used, caption):
        fig.canvas.draw()  # layout and tick labels as in the file
        Probe.seen[stem] = describe(fig)
        super().save(fig, stem, title, family, used, caption)


def main():
    p = Probe(sys.argv[1], sys.argv[2], quiet=True)
    p.run()
    print(json.dumps({"failed": p.failed, "figures": Probe.seen,
                      "labels": {k: plots.time_label(v) for k, v in
                                 (("5ns", 5e-9), ("1.5us", 1.5e-6), ("20ns", 2e-8), ("2ms", 2e-3))}}))


if __name__ == "__main__":
    main()
