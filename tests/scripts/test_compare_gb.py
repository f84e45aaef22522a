"""scripts/compare beyond two CSVs (issue 14): Google Benchmark JSON files,
run directories, across hosts, aligned columns, --format json."""
import csv
import json
import os
import re
import shutil
import unittest

from common import FIX, REGRESSED, RESULTS, TmpDir, run, script

GB_A = os.path.join(FIX, "gb", "a.json")
GB_B = os.path.join(FIX, "gb", "b.json")


def table_rows(stdout):
    """The comparison table's lines (after the ---- rule, up to the blank line)."""
    lines = stdout.splitlines()
    i = next(k for k, l in enumerate(lines) if l.startswith("----"))
    head = lines[i - 1]
    body = []
    for l in lines[i + 1:]:
        if not l.strip():
            break
        body.append(l)
    return head, body


class CompareGoogleBenchmark(TmpDir):
    def test_gb_json_files_compare_and_flag_the_regression(self):
        r = run([script("compare"), GB_A, GB_B, "--format", "json"])
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["regressions"], ["BM_Push/64"])
        push = [c for c in doc["compared"] if c["benchmark"] == "BM_Push/64"][0]
        # us in the file -> ns; the median of 1.2 us x (1.00, 1.01, 0.99, 1.02, 0.98)
        self.assertAlmostEqual(push["time_old"], 1200.0, places=6)
        self.assertAlmostEqual(push["time_change"], 0.5, places=9)
        self.assertEqual((push["reps_old"], push["reps_new"]), (5, 5))
        self.assertEqual([c["benchmark"] for c in doc["compared"]], ["BM_Push/64", "BM_Pop/64"])
        self.assertEqual(doc["errored"], ["BM_Fail: A: no device; B: no device"])
        self.assertEqual((doc["facts_a"]["host"], doc["facts_b"]["host"]), (["box-a"], ["box-b"]))

    def test_gb_json_against_itself_is_clean(self):
        r = run([script("compare"), GB_A, GB_A])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("0 significant regressions", r.stdout)
        self.assertNotIn("different machines", r.stdout)

    def test_gb_json_of_tl_bench_pairs_with_its_csv(self):
        """tl-bench's --benchmark_out JSON (pin part in the names, run facts
        in the context) pairs row for row with the CSV of the same run."""
        rows = list(csv.DictReader(open(RESULTS, newline="")))
        rows = [x for x in rows if x["peer"] == "c" and x["primitive"] in ("lock", "pthread_mutex")]
        benches = []
        for x in rows:
            agg = x["row_type"] == "aggregate"
            if agg and x["aggregate"] not in ("mean", "median", "stddev", "cv"):
                continue
            b = {"name": x["name"] + ("_" + x["aggregate"] if agg else ""), "run_name": x["name"],
                 "run_type": "aggregate" if agg else "iteration", "threads": int(x["threads"]),
                 "iterations": int(x["iterations"] or 0), "time_unit": "ns",
                 "real_time": float(x["real_ns"] or 0), "cpu_time": float(x["cpu_ns"] or 0)}
            if agg:
                b.update(aggregate_name=x["aggregate"],
                         aggregate_unit="percentage" if x["aggregate"] == "cv" else "time")
            else:
                b["repetition_index"] = int(x["repetition"] or 0)
            for kv in filter(None, x["counters"].split(";")):
                k, v = kv.split("=", 1)
                b[k] = float(v)
            if x["error"]:
                b.update(error_occurred=True, error_message=x["error"])
            benches.append(b)
        path = os.path.join(self.tmp, "run.json")
        with open(path, "w") as f:
            json.dump({"context": {"host_name": "fixture-host", "run_id": "r1"}, "benchmarks": benches}, f)
        sub = self.write_csv("sub.csv", list(rows[0].keys()), [list(x.values()) for x in rows])
        r = run([script("compare"), path, sub, "--format", "json"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual((doc["only_a"], doc["only_b"]), ([], []))
        self.assertTrue(any("[pin=scatter]" in c["benchmark"] for c in doc["compared"]), doc["compared"])
        for c in doc["compared"]:
            self.assertAlmostEqual(c["time_change"], 0.0, places=9, msg=c["benchmark"])
        self.assertEqual(doc["facts_a"]["run_id"], ["r1"])

    def test_run_directories(self):
        a, b = os.path.join(self.tmp, "runA"), os.path.join(self.tmp, "runB")
        os.makedirs(a)
        os.makedirs(b)
        shutil.copy(RESULTS, os.path.join(a, "results.csv"))
        shutil.copy(REGRESSED, os.path.join(b, "results.csv"))
        r = run([script("compare"), a, b, "--format", "json"])
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertEqual(json.loads(r.stdout)["regressions"],
                         ["lock/contended/cs:0/work:0/real_time/threads:2 [pin=compact]"])
        empty = os.path.join(self.tmp, "empty")
        os.makedirs(empty)
        r = run([script("compare"), empty, b])
        self.assertEqual(r.returncode, 2)
        self.assertIn("results.csv", r.stderr)

    def test_pairs_rows_across_hosts_by_name(self):
        with open(REGRESSED, newline="") as f:
            rd = csv.DictReader(f)
            header, rows = rd.fieldnames, list(rd)
        for x in rows:
            x.update(host="other-box", cpu_model="Other CPU 9000")
        other = self.write_csv("other-host.csv", header, [[x[c] for c in header] for x in rows])
        same = json.loads(run([script("compare"), RESULTS, REGRESSED, "--format", "json"]).stdout)
        r = run([script("compare"), RESULTS, other])
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("host other-box, CPU Other CPU 9000", r.stdout)
        self.assertIn("different machines", r.stdout)
        cross = json.loads(run([script("compare"), RESULTS, other, "--format", "json"]).stdout)
        self.assertEqual([c["benchmark"] for c in cross["compared"]],
                         [c["benchmark"] for c in same["compared"]])

    def test_columns_stay_aligned_with_huge_changes(self):
        with open(RESULTS, newline="") as f:
            rd = csv.DictReader(f)
            header, rows = rd.fieldnames, list(rd)
        for x in rows:  # B: lock/uncontended 1760x slower (49.86 us+175968.1% ran together)
            if x["name"].startswith("lock/uncontended/") and x["real_ns"]:
                x["real_ns"] = str(float(x["real_ns"]) * 1760.68)
                x["cpu_ns"] = str(float(x["cpu_ns"]) * 3224.4)
        slow = self.write_csv("slow.csv", header, [[x[c] for c in header] for x in rows])
        r = run([script("compare"), RESULTS, slow])
        head, body = table_rows(r.stdout)
        row = [l for l in body if l.startswith("lock/uncontended/real_time/threads:1 ")][0]
        self.assertIn("+175968.0%", row)
        # every cell is separated by at least two spaces, and the right-aligned
        # columns end where their headings end
        ends = [m.end() for m in re.finditer(r"\S+(?: \S+)*", head)]
        for l in body[:-1]:  # not the geomean line (empty cells)
            cells = re.split(r"\s{2,}", l.strip())
            self.assertEqual(len(cells), 9, l)
            got = [m.end() for m in re.finditer(r"\S+(?: \S+)*", l)]
            self.assertEqual(got[1:8], ends[1:8], "\n%s\n%s" % (head, l))

    def test_format_json_is_the_json_document(self):
        r = run([script("compare"), RESULTS, RESULTS, "--format", "json"])
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["regressions"], [])
        self.assertTrue(doc["compared"])

    def test_bad_gb_json_exits_2(self):
        bad = os.path.join(self.tmp, "bad.json")
        with open(bad, "w") as f:
            f.write('{"benchmarks": [{"name": "x", "real_time": "fast", "time_unit": "ns"}]}')
        r = run([script("compare"), bad, GB_A])
        self.assertEqual(r.returncode, 2)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        self.assertIn("real_time", r.stderr)

    def test_malformed_gb_fields_exit_2_naming_file_and_field(self):
        """Wrong types and out-of-range numbers are bad input (exit 2, one
        line naming file and field), never an internal error (exit 3) or a
        comparison showing inf (exit 0): the CSV path's number checks."""
        entry = '{"name": "x", "iterations": 10, "real_time": 1.0, "cpu_time": 1.0, %s}'
        big = "1" + "0" * 400
        cases = (('"items_per_second": "fast"', "items_per_second"),
                 ('"time_unit": ["ns"]', "time_unit"),
                 ('"run_name": 5', "run_name"),
                 ('"error_occurred": true, "error_message": {"a": 1}', "error_message"),
                 ('"threads": 1e400', "threads"),
                 ('"threads": 0', "threads"),
                 ('"label": ["l"]', "label"),
                 ('"c": %s' % big, "field c"),
                 ('"bytes_per_second": -1', "bytes_per_second"))
        docs = [("case%d" % i, '{"benchmarks": [%s]}' % (entry % field), text)
                for i, (field, text) in enumerate(cases)]
        for field, text in (('"real_time": %s' % big, "real_time"), ('"real_time": Infinity', "real_time"),
                            ('"real_time": 1e400', "real_time"), ('"real_time": -5', "real_time"),
                            ('"real_time": true', "real_time")):
            docs.append((field, '{"benchmarks": [{"name": "x", "iterations": 10, %s, "cpu_time": 1}]}'
                         % field, text))
        docs.append(("deep", '{"benchmarks": ' + "[" * 100000 + "]" * 100000 + "}", "nested too deeply"))
        for i, (label, doc, text) in enumerate(docs):
            with self.subTest(case=label):
                path = os.path.join(self.tmp, "bad%d.json" % i)
                with open(path, "w") as f:
                    f.write(doc)
                r = run([script("compare"), path, GB_A])
                self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
                self.assertNotIn("internal error", r.stderr)
                self.assertIn("bad%d.json" % i, r.stderr)
                self.assertIn(text, r.stderr)
        r = run([script("compare"), os.path.join(self.tmp, "bad0.json"), GB_A])
        self.assertIn("bad0.json: benchmarks[0]: field items_per_second: 'fast' is not a number", r.stderr)
        r = run([script("compare"), os.path.join(self.tmp, "bad%d.json" % (len(cases) + 1)), GB_A])
        self.assertIn("real_time: inf is not a finite number", r.stderr)


if __name__ == "__main__":
    unittest.main()
