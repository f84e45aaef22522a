"""How the plots draw (issue 14), checked on the figures themselves
(plot_probe.py under the matplotlib interpreter): bars of times start at 0
or on a power of ten, units on the ticks, one colour per pin policy, each
queue pattern's own capacities, labelled handoff bars, a one-thread-count
panel without warnings."""
import csv
import json
import math
import os
import unittest

from common import HERE, RESULTS, TmpDir, need_matplotlib, run


class PlotAxes(TmpDir):
    def probe(self, keep=lambda row: True):
        py = need_matplotlib(self)
        with open(RESULTS, newline="") as f:
            rd = csv.DictReader(f)
            header, rows = rd.fieldnames, [x for x in rd if keep(x)]
        path = os.path.join(self.tmp, "results.csv")
        with open(path, "w", newline="") as f:
            w = csv.DictWriter(f, header)
            w.writeheader()
            w.writerows(rows)
        r = run([os.path.join(HERE, "plot_probe.py"), path, os.path.join(self.tmp, "plots")], python=py)
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        doc = json.loads(r.stdout)
        self.assertEqual(doc["failed"], [])
        return doc

    def test_axes_colours_and_slots(self):
        # SPSC ran at capacity 0 only: its panel must not show MPMC's capacities
        doc = self.probe(lambda x: not ("/spsc/" in x["name"] and "/cap:0/" not in x["name"]))
        figs = doc["figures"]
        self.assertEqual(doc["labels"], {"5ns": "5 ns", "1.5us": "1.5 \u00b5s", "20ns": "20 ns", "2ms": "2 ms"})
        # bar charts of times: linear from 0, or log from a power of ten (and said so)
        for stem in ("handoff", "executors", "start", "wakeup"):
            for ax in figs[stem]:
                if not ax["bars"]:
                    continue
                axis = "y" if stem in ("handoff", "executors", "wakeup") else "x"
                scale, lim, label = ax[axis + "scale"], ax[axis + "lim"], ax[axis + "label"]
                if scale == "linear":
                    self.assertEqual(lim[0], 0, (stem, lim))
                else:
                    self.assertEqual(scale, "log", stem)
                    e = math.log10(lim[0])
                    self.assertAlmostEqual(e, round(e), places=9, msg=(stem, lim))
                    self.assertIn("bars start at", label)
                self.assertNotIn("(s, log)", label)
                ticks = [t for t in ax[axis + "ticks"] if t]
                self.assertTrue(ticks and all(t.endswith(("ns", "\u00b5s", "ms", " s")) or t == "0"
                                              for t in ticks), (stem, ticks))
                self.assertFalse([t for t in ticks if ".0 " in t], (stem, ticks))
        # handoff bars carry their values
        hand = figs["handoff"][0]
        self.assertEqual(len([t for t in hand["texts"] if t]), hand["bars"])
        self.assertTrue(all(t.endswith(("ns", "\u00b5s", "ms", " s")) for t in hand["texts"]))
        # queue: each pattern's panel has its own capacities, every slot used
        for ax in figs["queue"]:
            used = {int(x) for l in ax["lines"] for x in l["x"]}
            self.assertEqual(used, set(range(len(ax["xticks"]))), (ax["title"], ax["xticks"]))
        spsc = [ax for ax in figs["queue"] if ax["title"] == "SPSC"][0]
        self.assertEqual(spsc["xticks"], ["unbounded"])
        # one colour per implementation and pin policy
        for stem in ("queue", "fairness"):
            for ax in figs[stem]:
                by = {}
                for l in ax["lines"]:
                    if " pin=" in l["label"]:
                        impl = l["label"].replace(" pin=compact", "").replace(" pin=scatter", "")
                        by.setdefault(impl, set()).add(l["color"])
                # compact and scatter of one implementation: two colours
                self.assertTrue(by, (stem, ax["title"]))
                self.assertTrue(all(len(cs) == 2 for cs in by.values()), (stem, ax["title"], by))

    def test_one_thread_count_draws_without_warnings(self):
        # a filtered run: the contended sweeps at 2 threads only
        doc = self.probe(lambda x: x["primitive"] in ("lock", "pthread_mutex") and x["threads"] == "2")
        panels = [ax for ax in doc["figures"]["scaling_lock"] if ax["lines"]]
        self.assertTrue(panels)
        for ax in panels:
            self.assertIn("one thread count in this run: no curve", ax["texts"])
            self.assertLess(ax["xlim"][0], 2)
            self.assertGreater(ax["xlim"][1], 2)


if __name__ == "__main__":
    unittest.main()
