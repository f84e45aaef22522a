"""scripts/compare on the committed fixtures (stdlib only)."""
import json
import os
import unittest

from common import REGRESSED, RESULTS, TmpDir, run, script

REG_NAME = "lock/contended/cs:0/work:0/real_time/threads:2 [pin=compact]"
BARRIER = ["barrier/wait/real_time/threads:2 [pin=compact]", "barrier/wait/real_time/threads:2 [pin=scatter]"]


class Compare(TmpDir):
    def test_injected_regression_exits_1_and_is_flagged(self):
        r = run([script("compare"), RESULTS, REGRESSED, "--threshold", "5%"])
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        flagged = [l for l in r.stdout.splitlines() if l.startswith("REGRESSION:")]
        self.assertEqual(len(flagged), 1, r.stdout)
        self.assertIn(REG_NAME, flagged[0])
        self.assertIn("+29", flagged[0])  # injected +30% (with noise)
        row = [l for l in r.stdout.splitlines() if l.startswith(REG_NAME + " ")]
        self.assertEqual(len(row), 1)
        self.assertTrue(row[0].rstrip().endswith("REGRESSION"), row[0])
        # the injected improvement is reported, not flagged
        imp = [l for l in r.stdout.splitlines() if l.startswith("semaphore/uncontended/real_time/threads:1 ")]
        self.assertTrue(imp[0].rstrip().endswith("improved"), imp[0])

    def test_threshold_above_change_exits_0(self):
        r = run([script("compare"), RESULTS, REGRESSED, "--threshold", "40%"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("0 significant regressions", r.stdout)

    def test_identical_runs_exit_0(self):
        r = run([script("compare"), RESULTS, RESULTS])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("0 significant regressions", r.stdout)
        self.assertNotIn("Only in", r.stdout)

    def test_only_in_one_run_is_listed(self):
        r = run([script("compare"), RESULTS, REGRESSED])
        out = r.stdout
        a = out.index("Only in A (1):")
        self.assertIn("timer/repeating/interval_us:1000/manual_time/threads:1", out[a:a + 200])
        b = out.index("Only in B (2):")
        self.assertEqual(out[b:].splitlines()[1:3], ["  " + x for x in BARRIER])
        self.assertIn("grecmutex/uncontended", out[out.index("Errored or skipped"):])

    def test_json_output(self):
        path = os.path.join(self.tmp, "cmp.json")
        r = run([script("compare"), RESULTS, REGRESSED, "--json", path])
        self.assertEqual(r.returncode, 1)
        with open(path) as f:
            doc = json.load(f)
        self.assertEqual(doc["regressions"], [REG_NAME])
        self.assertEqual(doc["only_a"], ["timer/repeating/interval_us:1000/manual_time/threads:1"])
        self.assertEqual(doc["only_b"], BARRIER)
        reg = [c for c in doc["compared"] if c["benchmark"] == REG_NAME][0]
        self.assertLess(reg["time_pvalue"], 0.05)
        self.assertEqual((reg["reps_old"], reg["reps_new"]), (5, 5))
        self.assertAlmostEqual(reg["time_change"], 0.30, delta=0.04)

    def test_medians_come_from_iteration_rows(self):
        from tlreport import compare, results
        rows = results.load(RESULTS)
        pts = {p.key: p for p in results.points(rows)}
        p = pts[("lock/uncontended/real_time/threads:1", "c", "threads", "")]
        its = sorted(float(r.raw["real_ns"]) for r in p.rows if r.row_type == "iteration")
        self.assertEqual(len(its), 5)
        self.assertEqual(p.real_ns, its[2])
        self.assertEqual(compare.change(100.0, 110.0), 0.1)

    def test_time_per_op_from_throughput_counter(self):
        from tlreport import ratios, results
        pts = [p for p in results.points(results.load(RESULTS)) if p.ok]
        key = ("lock/contended/cs:0/work:0/real_time/threads:2", "c", "threads", "compact")
        p = [q for q in pts if q.key == key][0]
        self.assertEqual(p.time_source, "1/ops_per_s")
        self.assertAlmostEqual(p.time_ns, 1e9 / p.counters["ops_per_s"])
        pairs, missing = ratios.baseline_pairs(pts)
        self.assertEqual(missing, [])
        pr = [x for x in pairs if x.ours is p][0]
        self.assertEqual((pr.other.pv, pr.source), ("pthread_mutex/contended", "1/ops_per_s"))
        self.assertAlmostEqual(pr.ratio, p.time_ns / pr.other.time_ns)
        # the CPython twin has no counter: both sides fall back to real_ns
        cp = [x for x in ratios.cpython_pairs(pts)[0] if x.ours is p][0]
        self.assertEqual(cp.source, "real_ns")
        self.assertAlmostEqual(cp.ratio, cp.other.real_ns / p.real_ns)

    def test_pairing_normalises_enumerated_params(self):
        from tlreport import families, ratios, results

        def point(peer, name, pv, params, real, baseline=""):
            prim, var = pv.split("/")
            raw = dict.fromkeys(results.COLUMNS, "")
            raw.update(name=name, peer=peer, mode="threads", primitive=prim, variant=var,
                       params=params, baseline=baseline, row_type="iteration", repetition="0",
                       threads="2", real_ns=str(real))
            row = results.Row(raw, "test")
            return results.Point(results.bench_key(row, False), [row])
        c = point("c", "queue/pingpong/placement:0", "queue/pingpong", "placement=0", 100.0)
        py = point("cpython", "queue/pingpong/placement:same_core", "queue/pingpong",
                   "placement=same_core", 900.0)
        q = point("c", "queue/put_get/kind:2", "queue/put_get", "kind=2", 50.0)
        qpy = point("cpython", "queue/put_get/kind:prio", "queue/put_get", "kind=prio", 400.0)
        self.assertEqual(families.canon_params(c), (("placement", "same core"),))
        pairs, missing = ratios.cpython_pairs([c, py, q, qpy])
        self.assertEqual(missing, [])
        self.assertEqual(sorted(round(p.ratio, 6) for p in pairs), [8.0, 9.0])

    # ---- pin policies (a default tl-bench run: compact+scatter) ----
    def _fixture_rows(self):
        import csv
        with open(RESULTS, newline="") as f:
            r = csv.DictReader(f)
            return r.fieldnames, list(r)

    def _single_policy_csv(self, name, pin):
        """The fixture as a `--pin <pin>` run would write it: the swept
        benchmarks' <pin> rows without the /pin: name part, every other C row
        under <pin>."""
        from tlreport import results
        header, rows = self._fixture_rows()
        out = []
        for r in rows:
            swept = "/pin:" in r["name"]
            if swept and r["pin_policy"] != pin:
                continue
            r = dict(r, name=results.base_name(r["name"]))
            if r["peer"] == "c":
                r["pin_policy"] = pin
            out.append([r[c] for c in header])
        return self.write_csv(name, header, out)

    def test_pin_policies_never_share_a_median(self):
        from tlreport import results
        pts = results.points(results.load(RESULTS))
        for p in pts:
            self.assertEqual(len({r.pin_policy for r in p.rows}), 1, p.key)
        swept = [p for p in pts if "/pin:" in p.name]
        self.assertTrue(swept)
        for p in swept:
            self.assertEqual(p.key[3], p.pin_policy)
            self.assertNotIn("/pin:", p.key[0])
        by_base = {}
        for p in swept:
            by_base.setdefault(p.key[:3], set()).add(p.pin_policy)
        self.assertEqual(set(map(frozenset, by_base.values())), {frozenset({"compact", "scatter"})})
        # single-run benchmarks keep one point with no pin in the key
        one = [p for p in pts if p.key[0] == "lock/uncontended/real_time/threads:1" and p.peer == "c"]
        self.assertEqual([p.key[3] for p in one], [""])

    def test_baselines_pair_within_one_pin_policy(self):
        from tlreport import ratios, results
        pts = [p for p in results.points(results.load(RESULTS)) if p.ok]
        pairs, missing = ratios.baseline_pairs(pts)
        self.assertEqual(missing, [])
        for pr in pairs:
            self.assertEqual(pr.ours.pin_policy, pr.other.pin_policy, (pr.ours.key, pr.other.key))
        lock = [pr for pr in pairs if pr.ours.key[0] == "lock/contended/cs:0/work:0/real_time/threads:2"]
        self.assertEqual(sorted((pr.ours.pin_policy, pr.other.key[3]) for pr in lock),
                         [("compact", "compact"), ("scatter", "scatter")])
        # a baseline present only under the other policy is missing, not borrowed
        no_scatter_base = [p for p in pts if not (p.pv == "pthread_mutex/contended" and p.pin_policy == "scatter")]
        pairs, missing = ratios.baseline_pairs(no_scatter_base)
        self.assertTrue(missing)
        self.assertEqual({p.pin_policy for p, _ in missing}, {"scatter"})
        self.assertTrue(all(pr.ours.pin_policy == pr.other.pin_policy for pr in pairs))
        # CPython (unpinned) pairs with the first policy's C row
        cp = [x for x in ratios.cpython_pairs(pts)[0]
              if x.ours.key[0] == "lock/contended/cs:0/work:0/real_time/threads:2"]
        self.assertEqual([x.ours.pin_policy for x in cp], ["compact"])

    def test_old_single_policy_run_pairs_by_policy(self):
        old = self._single_policy_csv("old-compact.csv", "compact")
        path = os.path.join(self.tmp, "cmp.json")
        r = run([script("compare"), old, RESULTS, "--json", path])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        with open(path) as f:
            doc = json.load(f)
        self.assertEqual(doc["only_a"], [])
        self.assertTrue(doc["only_b"])
        self.assertTrue(all(x.endswith("[pin=scatter]") for x in doc["only_b"]), doc["only_b"])
        self.assertIn(REG_NAME, [c["benchmark"] for c in doc["compared"]])
        self.assertEqual(doc["regressions"], [])  # same numbers: compact paired with compact

    def test_two_single_policy_runs_pair_across_policies(self):
        a = self._single_policy_csv("compact.csv", "compact")
        b = self._single_policy_csv("scatter.csv", "scatter")
        path = os.path.join(self.tmp, "cmp.json")
        run([script("compare"), a, b, "--json", path])
        with open(path) as f:
            doc = json.load(f)
        self.assertEqual((doc["only_a"], doc["only_b"]), ([], []))
        names = [c["benchmark"] for c in doc["compared"]]
        self.assertIn("lock/contended/cs:0/work:0/real_time/threads:2", names)
        self.assertFalse([n for n in names if "[pin=" in n or "/pin:" in n], names)

    def test_missing_column_exits_2_naming_it(self):
        bad = self.fixture_without_column("real_ns")
        r = run([script("compare"), bad, RESULTS])
        self.assertEqual(r.returncode, 2)
        self.assertIn("missing column: real_ns", r.stderr)
        self.assertNotIn("Traceback", r.stderr)

    def test_bad_inputs_exit_2(self):
        empty = self.write_csv("empty.csv", ["run_id"], [])
        for args, text in (([RESULTS, os.path.join(self.tmp, "nope.csv")], "no such file"),
                           ([RESULTS, empty], "missing columns"),
                           ([RESULTS, RESULTS, "--threshold", "five"], "threshold"),
                           ([RESULTS, RESULTS, "--alpha", "2"], "alpha"),
                           ([RESULTS], "required")):
            with self.subTest(args=args):
                r = run([script("compare")] + args)
                self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                self.assertIn(text, r.stderr)
                self.assertNotIn("Traceback", r.stderr)

    def test_header_only_csv_exits_2(self):
        from tlreport.results import COLUMNS
        hdr = self.write_csv("hdr.csv", list(COLUMNS), [])
        r = run([script("compare"), hdr, RESULTS])
        self.assertEqual(r.returncode, 2)
        self.assertIn("no data rows", r.stderr)

    def test_bad_number_names_line_and_column(self):
        with open(RESULTS) as f:
            lines = f.read().splitlines()
        cells = lines[1].split(",")
        from tlreport.results import COLUMNS
        cells[COLUMNS.index("real_ns")] = "fast"
        lines[1] = ",".join(cells)
        path = os.path.join(self.tmp, "badnum.csv")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        r = run([script("compare"), path, RESULTS])
        self.assertEqual(r.returncode, 2)
        self.assertIn("badnum.csv:2: column real_ns: 'fast' is not a number", r.stderr)

    def test_device_or_fifo_input_exits_2_without_reading_it(self):
        """/dev/zero would be read forever: a non-regular file is refused."""
        fifo = os.path.join(self.tmp, "fifo.csv")
        os.mkfifo(fifo)
        for bad in ("/dev/zero", fifo):
            with self.subTest(bad=bad):
                r = run([script("compare"), RESULTS, bad])
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertEqual(r.stderr.strip().splitlines(),
                                 ["compare: error: %s: not a regular file (a device, FIFO or socket), "
                                  "expected a CSV file" % bad])

    def test_duplicate_column_exits_2_naming_it(self):
        with open(RESULTS) as f:
            lines = f.read().splitlines()
        lines = [lines[0] + ",name"] + [l + ",zzz" for l in lines[1:]]
        path = os.path.join(self.tmp, "dup.csv")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        r = run([script("compare"), path, RESULTS])
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr.strip().splitlines(),
                         ["compare: error: %s: duplicate column in the header: 'name'" % path])


if __name__ == "__main__":
    unittest.main()
