#!/usr/bin/env python3
"""Traces written by tl-workload --trace / tl-bench --trace (issue 16).

    test_trace.py TL_WORKLOAD WORKDIR [TL_BENCH]

Every trace is loaded as JSON and checked by check_trace(): one track per
thread (one thread_name each), begin/end spans balanced and nested per
track, flows with one start and one end, each at an event of its track.
Deterministic lessons are checked for their content (the deadlock's waits
and the arrows from the releases that ended them, the join's one thread at a
time); racy ones only for structure. Bad input exits 2 with one line.
"""
import collections
import json
import os
import shutil
import subprocess
import sys
import unittest

WORKLOAD = BENCH = WORK = None


# Cases ThreadSanitizer reports on purpose (tl-workload --cases: race / deadlock).
RACY = {"lockjoin/unlocked", "deadlock/two-locks", "pipeline/busywait"}


def run(args, timeout=300, env=None):
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout,
                          env=env)


def check_trace(test, doc):
    """Structure of one Chrome Trace Event document; returns per-track spans."""
    test.assertIsInstance(doc, dict)
    evs = doc["traceEvents"]
    test.assertIsInstance(evs, list)
    names = collections.Counter()
    tracks = set()
    for e in evs:
        test.assertIn(e["ph"], "MBEisf", e)
        if e["ph"] == "M":
            if e["name"] == "thread_name":
                names[(e["pid"], e["tid"])] += 1
            continue
        test.assertIsInstance(e["ts"], (int, float))
        tracks.add((e["pid"], e["tid"]))
    # One track per thread: every thread with events is named exactly once,
    # and no name is left without events.
    test.assertEqual(set(names), tracks)
    test.assertTrue(all(n == 1 for n in names.values()), names)
    test.assertEqual(doc["otherData"]["threads"], len(tracks))

    spans = collections.defaultdict(list)    # track -> [(name, b, e)]
    points = collections.defaultdict(list)   # track -> instants' ts
    by_track = collections.defaultdict(list)
    for e in evs:
        if e["ph"] != "M":
            by_track[(e["pid"], e["tid"])].append(e)
    for tr, es in by_track.items():
        stack, last = [], None
        for e in es:
            if e["ph"] in "sf":
                continue
            if last is not None:
                test.assertGreaterEqual(e["ts"], last, "time goes back on %s: %s" % (tr, e))
            last = e["ts"]
            if e["ph"] == "B":
                stack.append(e)
            elif e["ph"] == "E":
                test.assertTrue(stack, "E without B on %s: %s" % (tr, e))
                b = stack.pop()
                test.assertEqual(b["name"], e["name"], "E closes another span on %s" % (tr,))
                spans[tr].append((b["name"], b["ts"], e["ts"]))
            elif e["ph"] == "i":
                points[tr].append(e["ts"])
        test.assertEqual(stack, [], "unbalanced B on %s" % (tr,))

    flows = collections.defaultdict(dict)
    for e in evs:
        if e["ph"] in "sf":
            test.assertNotIn(e["ph"], flows[e["id"]], "flow %s has two %s" % (e["id"], e["ph"]))
            flows[e["id"]][e["ph"]] = e
    for fid, ends in flows.items():
        test.assertEqual(set(ends), {"s", "f"}, "flow %s is missing an end" % fid)
        test.assertLessEqual(ends["s"]["ts"], ends["f"]["ts"])
        test.assertNotEqual(ends["s"]["tid"], ends["f"]["tid"])
        for e in ends.values():
            tr = (e["pid"], e["tid"])
            inside = any(b <= e["ts"] <= x for _, b, x in spans[tr]) or e["ts"] in points[tr]
            test.assertTrue(inside, "flow %s %s points at no event on %s" % (fid, e["ph"], tr))
    return spans, flows


class Trace(unittest.TestCase):
    def setUp(self):
        self.dir = os.path.join(WORK, self.id().split(".")[-1])
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)

    def traced(self, case, *args):
        path = os.path.join(self.dir, case.replace("/", "-") + ".json")
        env = None
        if case in RACY:  # under TSan: its expected report must not fail the run...
            env = dict(os.environ, TSAN_OPTIONS=(os.environ.get("TSAN_OPTIONS", "") + ":exitcode=0").lstrip(":"))
        r = run([WORKLOAD, case, *args, "--trace", path], env=env)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # ...and no report may point into the recorder.
        self.assertNotRegex(r.stderr, r"primitives/src/trace\.c|trace_hooks\.h", r.stderr)
        self.assertIn("trace=%s\n" % path, r.stdout)
        self.assertEqual([f for f in os.listdir(self.dir) if ".tmp" in f or ".probe" in f], [])
        with open(path) as f:
            doc = json.load(f)
        counters = dict(l.split("=", 1) for l in r.stdout.splitlines() if "=" in l)
        return doc, counters

    def test_every_lesson_structure(self):
        cases = [
            ("lockjoin/lock", "--threads", "10", "--work-us", "300", "--pre-us", "300", "--start", "barrier"),
            ("lockjoin/unlocked", "--threads", "10", "--work-us", "300", "--pre-us", "300", "--start", "barrier"),
            ("lockjoin/join", "--threads", "5", "--work-us", "200", "--pre-us", "200"),
            ("deadlock/two-locks", "--quick"),
            ("deadlock/rlock", "--quick"),
            ("gil/gil-cpu", "--threads", "3", "--work-us", "3000"),
            ("pipeline/queue", "--items", "100", "--pace-us", "20"),
            ("pipeline/busywait", "--items", "100", "--pace-us", "20"),
            ("condition/notify", "--quick"),
        ]
        for case, *args in cases:
            with self.subTest(case=case):
                doc, _ = self.traced(case, *args)
                check_trace(self, doc)
                self.assertIs(doc["otherData"]["truncated"], False)

    def test_join_one_thread_at_a_time(self):
        doc, _ = self.traced("lockjoin/join", "--threads", "5", "--work-us", "200", "--pre-us", "200")
        spans, flows = check_trace(self, doc)
        self.assertEqual(len(spans), 6)  # one track per thread: the 5 and main, which joins them
        main = [tr for tr, s in spans.items() if all(n.startswith("waiting on Thread-") for n, _, _ in s)]
        self.assertEqual(len(main), 1)
        self.assertEqual(sorted(n for n, _, _ in spans[main[0]]), ["waiting on Thread-%d" % i for i in range(1, 6)])
        self.assertLessEqual(len(flows), 5)  # from a thread's end to its join, when the join waited
        # join: each thread's whole life ends before the next one's begins.
        lives = sorted((min(b for _, b, _ in s), max(e for _, _, e in s)) for tr, s in spans.items() if tr != main[0])
        for (b0, e0), (b1, e1) in zip(lives, lives[1:]):
            self.assertLessEqual(e0, b1)

    def test_lock_spans_do_not_overlap(self):
        doc, _ = self.traced("lockjoin/lock", "--threads", "8", "--work-us", "200", "--pre-us", "100",
                             "--start", "barrier")
        spans, flows = check_trace(self, doc)
        held = sorted((b, e) for s in spans.values() for n, b, e in s if n == "holding lock (n)")
        self.assertEqual(len(held), 8)
        for (b0, e0), (b1, e1) in zip(held, held[1:]):
            self.assertLessEqual(e0, b1)  # mutual exclusion, seen in the trace
        waits = {(tr, b, e) for tr, s in spans.items() for n, b, e in s if n == "waiting to acquire lock (n)"}
        into = {(tr, b, e) for f in (x["f"] for x in flows.values()) for tr in [(f["pid"], f["tid"])]
                for n, b, e in spans[tr] if n == "waiting to acquire lock (n)" and b <= f["ts"] <= e}
        self.assertEqual(waits, into)  # every wait shown ended by an arrow from a release

    def test_deadlock_waits_and_arrows(self):
        doc, c = self.traced("deadlock/two-locks", "--quick")
        spans, flows = check_trace(self, doc)
        waits = [n for s in spans.values() for n, _, _ in s if n.startswith("waiting to acquire mutex")]
        self.assertGreaterEqual(len(waits), 2, c)
        self.assertGreaterEqual(len(flows), 1)
        held = {n for s in spans.values() for n, _, _ in s if n.startswith("holding")}
        self.assertEqual(held, {"holding mutexA", "holding mutexB"})

    def test_unlocked_lost_updates_are_marked(self):
        doc, c = self.traced("lockjoin/unlocked", "--threads", "10", "--work-us", "2000", "--pre-us", "0",
                             "--start", "barrier")
        check_trace(self, doc)
        lost = [e for e in doc["traceEvents"] if e["ph"] == "i" and e["name"] == "lost update"]
        # Each marked store overwrote another thread's decrement: never more
        # marks than threads after the first, and none without a loss.
        self.assertLessEqual(len(lost), 9)
        if int(c["lost_updates"]) == 0:
            self.assertEqual(lost, [])

    def test_queue_put_get_arrows(self):
        doc, _ = self.traced("pipeline/queue", "--items", "50", "--pace-us", "100")
        spans, flows = check_trace(self, doc)
        puts = [e for e in doc["traceEvents"] if e["ph"] == "i" and e["name"].startswith("put ")]
        self.assertEqual(len(puts), 100)  # 50 lines through two queues
        ends = [e for e in doc["traceEvents"] if e["ph"] == "i" and e["name"].startswith("end of ")]
        for fl in flows.values():  # every arrow starts at a put (or a thread's end, to its join)
            s = fl["s"]
            self.assertTrue(any(p["tid"] == s["tid"] and p["ts"] == s["ts"] for p in puts + ends))

    def test_process_variant_one_track_per_process(self):
        doc, _ = self.traced("lockjoin/proc-shared-lock", "--threads", "3", "--work-us", "300", "--pre-us", "100")
        spans, _ = check_trace(self, doc)
        self.assertEqual(len({pid for pid, _ in spans}), 3)  # the children, each its own process
        names = sorted(e["args"]["name"] for e in doc["traceEvents"] if e.get("name") == "thread_name")
        self.assertEqual(names, ["process 1", "process 2", "process 3"])
        held = sorted((b, e) for s in spans.values() for n, b, e in s if n == "holding lock (shared n)")
        self.assertEqual(len(held), 3)
        for (b0, e0), (b1, e1) in zip(held, held[1:]):
            self.assertLessEqual(e0, b1)  # one clock for all processes: the exclusion shows
        self.assertEqual([f for f in os.listdir(self.dir) if ".part-" in f or ".merge-" in f], [])

    def test_full_budget_is_cut_with_a_marker(self):
        doc, _ = self.traced("pipeline/queue", "--items", "2000", "--pace-us", "0", "--trace-max-events", "1024")
        check_trace(self, doc)
        self.assertIs(doc["otherData"]["truncated"], True)
        cuts = [e for e in doc["traceEvents"] if e["ph"] == "i" and e["name"].startswith("trace cut")]
        self.assertGreaterEqual(len(cuts), 1)

    def one_line_exit_2(self, args, *want):
        r = run([WORKLOAD] + args)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        for w in want:
            self.assertIn(w, r.stderr)
        return r

    def test_bad_input(self):
        out = os.path.join(self.dir, "x.json")
        self.one_line_exit_2(["nosuch/case", "--trace", out], "unknown case 'nosuch/case'")
        self.one_line_exit_2(["lockjoin/lock", "--trace", "/nonexistent-dir/x.json"], "/nonexistent-dir/x.json")
        self.one_line_exit_2(["lockjoin/lock", "--trace", self.dir], "is a directory")
        self.one_line_exit_2(["lockjoin/lock", "--trace", out, "--trace-max-events", "12"], "'12'")
        self.one_line_exit_2(["lockjoin/lock", "--trace-max-events", "4096"], "needs --trace")
        self.assertFalse(os.path.exists(out))

    def test_tl_bench_trace_dir(self):
        if not BENCH:
            self.skipTest("tl-bench not built")
        tdir, out = os.path.join(self.dir, "traces"), os.path.join(self.dir, "out")
        r = run([BENCH, "--quick", "--filter", "^lockjoin/lock/", "--no-baselines", "--trace", tdir, "--out", out])
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        files = sorted(os.listdir(tdir))
        self.assertEqual(len(files), 2, files)  # start:seed and start:barrier
        for name in files:
            self.assertTrue(name.startswith("lockjoin-lock-threads=20,"), name)
            with open(os.path.join(tdir, name)) as f:
                check_trace(self, json.load(f))
        r = run([BENCH, "--trace", "/proc/nope/x", "--filter", "^lockjoin/lock/"])
        self.assertEqual(r.returncode, 2)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        self.assertIn("/proc/nope/x", r.stderr)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        print("usage: test_trace.py TL_WORKLOAD WORKDIR [TL_BENCH]", file=sys.stderr)
        sys.exit(2)
    WORKLOAD, WORK = sys.argv[1], sys.argv[2]
    BENCH = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] else None
    os.makedirs(WORK, exist_ok=True)
    res = unittest.main(argv=sys.argv[:1], exit=False, verbosity=2).result
    sys.exit(0 if res.wasSuccessful() else 1)
