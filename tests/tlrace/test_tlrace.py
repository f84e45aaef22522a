"""Tests of the race harness (scripts/tlrace, scripts/tsan-run).

Parsers run on real logs committed in data/ (data/capture.sh made them with
gcc 12 and clang 14 TSan, helgrind and drd 3.19); verdict, dedup and option
logic on synthetic results; tsan-run end to end on progs/race.c compiled
with -fsanitize=thread (skipped when no compiler can build it).
"""
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SCRIPTS = os.path.join(REPO, "scripts")
sys.path.insert(0, SCRIPTS)

from tlrace import model, report, runner, supp, tsan, valgrind  # noqa: E402

DATA = os.path.join(HERE, "data")
with open(os.path.join(DATA, "ROOT")) as _fh:
    CAPTURE_ROOT = _fh.read().strip()  # the checkout the logs were captured in
ROOTS = [CAPTURE_ROOT]
TSAN_RUN = os.path.join(SCRIPTS, "tsan-run")


def tsan_log(cc, name):
    log = tsan.parse_file(os.path.join(DATA, "tsan-" + cc, name + ".log"))
    for r in log.reports:
        r.locate(ROOTS)
    return log


def vg_log(tool, name):
    log = valgrind.parse_file(os.path.join(DATA, tool, name + ".xml"))
    for r in log.reports:
        r.locate(ROOTS)
    return log


class TsanParser(unittest.TestCase):
    def each(self):
        for cc in ("gcc", "clang"):
            with self.subTest(cc=cc):
                yield cc

    def one(self, cc, name):
        log = tsan_log(cc, name)
        self.assertEqual(len(log.reports), 1, [r.kind for r in log.reports])
        return log, log.reports[0]

    def test_banner_and_clean_log(self):
        for cc in self.each():
            log = tsan_log(cc, "clean_mutex")
            self.assertEqual(log.reports, [])
            self.assertEqual(len(log.processes), 1)
            self.assertEqual(log.runtime, "ThreadSanitizer v2" if cc == "gcc"
                             else "ThreadSanitizer v3")
            self.assertTrue(log.complete)

    def test_data_race(self):
        for cc in self.each():
            log, r = self.one(cc, "race_counter")
            self.assertEqual(r.kind, "data race")
            self.assertEqual(r.category, "race")
            self.assertEqual((r.location_a, r.location_b),
                             ("tests/tsan/race_counter.c:11", "tests/tsan/race_counter.c:13"))
            self.assertEqual((r.function_a, r.function_b), ("worker", "worker"))
            self.assertIn("main thread", r.threads)
            self.assertEqual(log.warnings_reported, 1)
            self.assertTrue(r.text.startswith("WARNING: ThreadSanitizer: data race"))

    def test_two_races_in_one_log(self):
        for cc in self.each():
            log = tsan_log(cc, "race_busywait")
            self.assertEqual([r.kind for r in log.reports], ["data race", "data race"])
            locs = {frozenset((r.location_a, r.location_b)) for r in log.reports}
            self.assertEqual(locs, {
                frozenset(("tests/tsan/race_busywait.c:25", "tests/tsan/race_busywait.c:32")),
                frozenset(("tests/tsan/race_busywait.c:37", "tests/tsan/race_busywait.c:24"))})

    def test_lock_order_inversion(self):
        for cc in self.each():
            _, r = self.one(cc, "deadlock_order")
            self.assertEqual(r.kind, "lock-order-inversion (potential deadlock)")
            self.assertEqual(r.category, "deadlock")
            # the two "acquired here while holding" stacks, not the
            # second_deadlock_stack "previously acquired" ones
            self.assertEqual((r.location_a, r.location_b),
                             ("tests/tsan/deadlock_order.c:16", "tests/tsan/deadlock_order.c:26"))
            self.assertEqual(r.mutexes, ["M0", "M1"])
            self.assertEqual(r.threads[:2], ["T1", "T2"])
            primary = [s for s in r.stacks if s.role == "primary"]
            self.assertEqual(len(primary), 2)
            self.assertEqual(len(r.stacks), 6)  # 2 primary, 2 previously, 2 threads

    def test_race_with_free(self):
        for cc in self.each():
            _, r = self.one(cc, "race_free")
            self.assertEqual(r.kind, "heap-use-after-free")
            self.assertEqual(r.category, "race")
            # the free() interceptor frame is skipped: main's call site
            self.assertEqual((r.location_a, r.location_b),
                             ("tests/tsan/race_free.c:30", "tests/tsan/race_free.c:43"))
            self.assertEqual(r.function_b, "main")

    def test_race_inside_libc_call(self):
        _, r = self.one("gcc", "race_in_libc")
        # memset/memcpy interceptor frames (libsanitizer) are not ours
        self.assertEqual((r.location_a, r.location_b),
                         ("tests/tlrace/data/src/kinds.c:150", "tests/tlrace/data/src/kinds.c:141"))
        self.assertEqual(r.function_a, "race_in_libc")

    def test_race_under_mutex_names_the_mutex(self):
        for cc in self.each():
            _, r = self.one(cc, "race_with_mutex")
            self.assertEqual(r.mutexes, ["M0@tests/tlrace/data/src/kinds.c:19"])
            self.assertEqual(r.location_b, "tests/tlrace/data/src/kinds.c:20")

    def test_thread_leak(self):
        for cc in self.each():
            _, r = self.one(cc, "thread_leak")
            self.assertEqual(r.category, "thread-leak")
            # no access stack: the creation stack locates it
            self.assertEqual((r.location_a, r.location_b),
                             ("tests/tlrace/data/src/kinds.c:42", ""))

    def test_signal_reports(self):
        for cc in self.each():
            log = tsan_log(cc, "signal_unsafe")
            self.assertEqual([r.kind for r in log.reports], [
                "signal-unsafe call inside of a signal",
                "signal-unsafe call inside of a signal",
                "signal handler spoils errno"])
            self.assertEqual({r.category for r in log.reports}, {"signal"})
            # clang's frame "__tsan::CallUserSignalHandler(...) x.cpp.o" is skipped
            self.assertEqual([r.location_a for r in log.reports], [
                "tests/tlrace/data/src/kinds.c:50", "tests/tlrace/data/src/kinds.c:51",
                "tests/tlrace/data/src/kinds.c:48"])
            _, r = self.one(cc, "spoil_errno")
            self.assertEqual(r.function_a, "handler_errno")

    def test_mutex_misuse(self):
        want = {
            "unlock_unlocked": ("unlock of an unlocked mutex (or by a wrong thread)", 99, 98),
            "double_lock": ("double lock of a mutex", 122, 118),
            "destroy_locked": ("destroy of a locked mutex", 131, 129),
        }
        for cc in self.each():
            for name, (kind, line, created) in want.items():
                _, r = self.one(cc, name)
                self.assertEqual(r.kind, kind)
                self.assertEqual(r.category, "mutex-misuse")
                self.assertEqual(r.location_a, "tests/tlrace/data/src/kinds.c:%d" % line)
                self.assertEqual(r.mutexes, ["M0@tests/tlrace/data/src/kinds.c:%d" % created])

    def test_crash_under_tsan(self):
        for cc in self.each():
            _, r = self.one(cc, "segv")
            self.assertEqual((r.kind, r.category), ("SEGV", "crash"))
            self.assertEqual(r.location_a, "tests/tlrace/data/src/kinds.c:158")

    def test_truncated_log(self):
        with open(os.path.join(DATA, "tsan-gcc", "deadlock_order.log")) as fh:
            text = fh.read()
        cut = text[:text.index("Mutex M0 acquired here")]
        log = tsan.parse_text(cut, "cut")
        self.assertFalse(log.complete)
        self.assertEqual(len(log.reports), 1)
        self.assertTrue(log.reports[0].truncated)
        self.assertEqual(log.reports[0].category, "deadlock")

    def test_memory_map_proves_the_process_ran(self):
        log = tsan.parse_text("==4242==Process memory map follows:\n"
                              "\t0x008000000000-0x010000000000\t\n"
                              "==4242==End of process memory map.\n")
        self.assertEqual(log.processes, [4242])
        self.assertEqual(log.reports, [])

    def test_fatal_and_suppressions_lines(self):
        text = ("FATAL: ThreadSanitizer: unexpected memory mapping 0x1-0x2\n"
                "ThreadSanitizer: Matched 2 suppressions (pid=1):\n"
                "Suppressions used:\n  count      bytes template\n"
                "      2          0 race:libfoo.so\n")
        log = tsan.parse_text(text)
        self.assertEqual(log.fatal, ["FATAL: ThreadSanitizer: unexpected memory mapping 0x1-0x2"])
        self.assertEqual(log.suppressions_used, ["race:libfoo.so x2"])

    def test_frames(self):
        f = tsan.parse_frame("#1 func1 /src/deadlock_order.c:15 (prog+0x1285)")
        self.assertEqual((f.func, f.file, f.line, f.module),
                         ("func1", "/src/deadlock_order.c", 15, "prog"))
        f = tsan.parse_frame("#1 func1 /src/d.c:15:2 (prog+0xd01a1) (BuildId: c29bbc04e4)")
        self.assertEqual((f.func, f.file, f.line), ("func1", "/src/d.c", 15))
        f = tsan.parse_frame("#0 pthread_mutex_lock <null> (prog+0x6ef3a) (BuildId: c29b)")
        self.assertEqual((f.func, f.file), ("pthread_mutex_lock", None))
        f = tsan.parse_frame("#2 __tsan::CallUserSignalHandler(__tsan::ThreadState*, bool, "
                             "bool, int, void*) tsan_interceptors_posix.cpp.o (p+0x57c91)")
        self.assertTrue(f.func.startswith("__tsan::CallUserSignalHandler("))
        self.assertTrue(model.is_runtime(f))
        f = tsan.parse_frame("#3 <null> <null> (libc.so.6+0x27249)")
        self.assertTrue(model.is_runtime(f))
        ours = model.Frame(func="worker", file="/repo/tests/tsan/x.c", line=3)
        self.assertFalse(model.is_runtime(ours))  # a dir named tsan is not the runtime


    def test_custom_lock_reports_point_at_the_caller(self):
        F = model.Frame
        frames = [F("__tsan_mutex_post_lock", "../../src/libsanitizer/tsan/ann.cpp", 1,
                    "libtsan.so.2"),
                  F("acquire_until", "/r/primitives/src/lock.c", 97, "p"),
                  F("tl_lock_acquire", "/r/primitives/src/lock.c", 120, "p"),
                  F("func1", "/r/bench/deadlock.c", 40, "p"),
                  F("main", "/r/bench/deadlock.c", 90, "p")]
        self.assertEqual(model.our_frame(frames, ["/r"]).where(["/r"]),
                         "primitives/src/lock.c:97")
        self.assertEqual(model.our_frame(frames, ["/r"], lock_site=True).where(["/r"]),
                         "bench/deadlock.c:40")
        # pthread locks (interceptor frames) are left alone
        pframes = [F("pthread_mutex_lock", None, None, "prog"), frames[3]]
        self.assertIs(model.our_frame(pframes, ["/r"], lock_site=True), frames[3])


class ValgrindParser(unittest.TestCase):
    def test_helgrind_race(self):
        log = vg_log("helgrind", "race_counter")
        self.assertEqual(log.runtime, "helgrind")
        self.assertTrue(log.complete)
        self.assertEqual({r.kind for r in log.reports}, {"Possible data race"})
        r = log.reports[0]
        self.assertEqual(r.category, "race")
        self.assertEqual((r.location_a, r.location_b),
                         ("tests/tsan/race_counter.c:11", "tests/tsan/race_counter.c:13"))
        self.assertEqual(r.count, 7)  # valgrind's own repeat count
        self.assertEqual(len(r.threads), 2)

    def test_helgrind_lock_order(self):
        log = vg_log("helgrind", "deadlock_order")
        self.assertEqual(len(log.reports), 1)
        r = log.reports[0]
        self.assertEqual((r.kind, r.category), ("lock order violated", "deadlock"))
        # same pair of lines as TSan's report of the same fixture
        self.assertEqual(sorted((r.location_a, r.location_b)),
                         ["tests/tsan/deadlock_order.c:16", "tests/tsan/deadlock_order.c:26"])
        self.assertEqual(len(r.mutexes), 2)

    def test_drd(self):
        log = vg_log("drd", "race_counter")
        self.assertEqual({(r.kind, r.category) for r in log.reports},
                         {("Conflicting access", "race")})
        self.assertEqual(sorted(r.location_a for r in log.reports),
                         ["tests/tsan/race_counter.c:11", "tests/tsan/race_counter.c:13"])
        self.assertEqual(vg_log("drd", "deadlock_order").reports, [])  # no lock-order checker
        self.assertEqual(vg_log("drd", "clean_mutex").reports, [])

    def test_cut_short_xml_is_repaired(self):
        with open(os.path.join(DATA, "helgrind", "race_counter.xml")) as fh:
            text = fh.read()
        second = text.index("<error>", text.index("</error>"))
        with tempfile.NamedTemporaryFile("w", suffix=".xml", delete=False) as fh:
            fh.write(text[:second + 40])
        try:
            log = valgrind.parse_file(fh.name)
        finally:
            os.unlink(fh.name)
        self.assertFalse(log.complete)
        self.assertEqual(len(log.reports), 1)


def fake_result(expect, reports=(), detector="tsan", hung=False, rc=0, errors=(),
                sites=(), xfail=None, name="c"):
    case = runner.Case(name=name, argv=["x"], expect=expect, sites=list(sites),
                       xfail=xfail or {})
    res = runner.CaseResult(case=case, detector=detector)
    res.runs = [runner.Run(index=0, schedule="pin1", argv=[], returncode=rc, hung=hung,
                           out="x.out")]
    res.parsed = [model.ParsedLog(path="log", reports=list(reports), processes=[1])]
    res.errors = list(errors)
    return res


def rep(category, a="f.c:1", b="f.c:2", kind=None, count=1, run=0):
    r = model.Report(detector="tsan", kind=kind or {"race": "data race",
                                                    "deadlock": "lock-order-inversion"}.get(
                         category, category), category=category, log="log", count=count)
    r.location_a, r.location_b, r.run = a, b, run
    return r


class Verdicts(unittest.TestCase):
    def test_dedup_is_order_insensitive_and_counts(self):
        ds = report.dedup([rep("race", "a:1", "b:2"), rep("race", "b:2", "a:1", run=1),
                           rep("race", "a:1", "c:3"), rep("race", "a:1", "b:2", count=5)])
        self.assertEqual(len(ds), 2)
        self.assertEqual(ds[0].count, 7)
        self.assertEqual(ds[0].runs, {0, 1})
        self.assertEqual(ds[1].count, 1)

    def test_dedup_keeps_kinds_apart(self):
        ds = report.dedup([rep("race", "a:1", "b:2"),
                           rep("race", "a:1", "b:2", kind="heap-use-after-free")])
        self.assertEqual(len(ds), 2)

    def check(self, res, verdict, failed):
        v = report.judge(res)
        self.assertEqual((v.verdict, v.failed), (verdict, failed), v.why)
        return v

    def test_basic_verdicts(self):
        self.check(fake_result("race", [rep("race")], rc=66), "TP", False)
        self.check(fake_result("clean"), "TN", False)
        self.check(fake_result("race"), "FN", True)
        self.check(fake_result("deadlock", [rep("race")], rc=66), "FN+FP", True)
        self.check(fake_result("clean", [rep("race")], rc=66), "FP", True)

    def test_other_kind_is_a_false_positive(self):
        v = self.check(fake_result("race", [rep("race"), rep("thread-leak", b="")], rc=66),
                       "TP+FP", True)
        self.assertEqual([d.first.category for d in v.unexpected], ["thread-leak"])

    def test_hang_always_fails(self):
        self.check(fake_result("deadlock", hung=True, rc=-9), "HANG", True)
        self.check(fake_result("race", [rep("race")], hung=True, rc=-9), "HANG TP", True)

    def test_errors_are_never_clean(self):
        self.check(fake_result("clean", rc=3), "ERROR", True)        # failed on its own
        self.check(fake_result("clean", rc=-11), "ERROR", True)      # crashed
        self.check(fake_result("clean", errors=["no TSan log"]), "ERROR", True)
        self.check(fake_result("clean", [rep("crash", kind="SEGV", b="")], rc=66),
                   "ERROR", True)
        v = report.judge(fake_result("clean", rc=3), ignore_exit=True)
        self.assertEqual(v.verdict, "TN")

    def test_xfail(self):
        self.check(fake_result("deadlock", xfail={"tsan": "timedlock"}), "FN (xfail)", False)
        self.check(fake_result("deadlock", [rep("deadlock")], rc=66, xfail={"tsan": "x"}),
                   "TP (xpass)", False)
        # another detector's limitation does not apply
        self.check(fake_result("deadlock", xfail={"drd": "x"}), "FN", True)
        # a hang is never excused
        self.check(fake_result("deadlock", hung=True, rc=-9, xfail={"tsan": "x"}),
                   "HANG", True)

    def test_sites(self):
        sites = ["t.c:10", "t.c:12"]
        self.check(fake_result("race", [rep("race", "t.c:12", "t.c:40")], rc=66, sites=sites),
                   "TP", False)
        v = self.check(fake_result("race", [rep("race", "t.c:11", "u.c:1")], rc=66,
                                   sites=sites), "FN+FP", True)
        self.assertEqual(v.found, ["race@elsewhere"])

    def test_metrics(self):
        vs = [report.judge(r) for r in (
            fake_result("race", [rep("race")], rc=66),           # TP
            fake_result("race"),                                 # FN
            fake_result("clean", [rep("race")], rc=66),          # FP
            fake_result("clean"),                                # TN
            fake_result("race", [rep("race"), rep("signal")], rc=66))]  # TP+FP
        m = report.metrics(vs)["tsan"]
        self.assertEqual((m["TP"], m["FP"], m["FN"], m["TN"]), (2, 2, 1, 1))
        self.assertAlmostEqual(m["precision"], 0.5)
        self.assertAlmostEqual(m["recall"], 2 / 3)
        self.assertIsNone(report.metrics([vs[3]])["tsan"]["precision"])


class Options(unittest.TestCase):
    def opts(self, s):
        return dict(kv.split("=", 1) for kv in s.split())

    def test_defaults(self):
        s, notes = runner.tsan_options("", "/o/raw/c.0", None)
        o = self.opts(s)
        self.assertEqual(o["log_path"], "/o/raw/c.0")
        self.assertEqual((o["halt_on_error"], o["exitcode"], o["second_deadlock_stack"],
                          o["history_size"], o["print_module_map"]), ("0", "66", "1", "7", "1"))
        self.assertNotIn("verbosity", o)  # its sigaction lines would go to stderr
        self.assertEqual(notes, [])

    def test_user_options_kept_conflicts_overridden(self):
        s, notes = runner.tsan_options(
            "halt_on_error=1:report_signal_unsafe=0 history_size=9 verbosity=2 "
            "exitcode=1", "/l", "/s.supp")
        o = self.opts(s)
        self.assertEqual(o["report_signal_unsafe"], "0")
        self.assertEqual(o["halt_on_error"], "0")
        self.assertEqual(o["exitcode"], "66")
        self.assertEqual(o["history_size"], "7")   # the runtimes' maximum
        self.assertEqual(o["verbosity"], "2")      # more is fine
        self.assertEqual(o["suppressions"], "/s.supp")
        self.assertEqual(len(notes), 2)
        self.assertIn("halt_on_error", notes[0] + notes[1])


class Suppressions(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        os.makedirs(os.path.join(self.tmp, "src"))
        with open(os.path.join(self.tmp, "src", "queue.c"), "w") as fh:
            fh.write("static int helper(int x)\n{\n\treturn x;\n}\n"
                     "int tl_queue_put(void *q)\n{\n\treturn 0;\n}\n")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def check(self, text):
        p = os.path.join(self.tmp, "x.supp")
        with open(p, "w") as fh:
            fh.write(text)
        return supp.check(p, [os.path.join(self.tmp, "src")])

    def test_third_party_is_allowed(self):
        entries, problems = self.check("# ok\nrace:libglib-2.0.so\ncalled_from_lib:libfoo.so\n")
        self.assertEqual(problems, [])
        self.assertEqual(len(entries), 2)

    def test_our_code_is_refused(self):
        for line, what in (("race:tl_queue_*", "function"), ("race:queue.c", "source file"),
                           ("deadlock:*", "source file"), ("race_top:^helper$", "function"),
                           ("called_from_lib:libthreadlab.so", "binary")):
            with self.subTest(line=line):
                _, problems = self.check(line + "\n")
                self.assertEqual(len(problems), 1, problems)
                self.assertIn(what, problems[0])

    def test_bad_lines(self):
        _, problems = self.check("bogus:x\nno colon here\n")
        self.assertEqual(len(problems), 2)

    def test_template_semantics(self):
        self.assertTrue(supp.template_regex("^tl_*put$").search("tl_queue_put"))
        self.assertFalse(supp.template_regex("^queue").search("tl_queue_put"))
        self.assertTrue(supp.template_regex("queue").search("tl_queue_put"))

    def test_project_file_passes_its_own_policy(self):
        roots = [os.path.join(REPO, d) for d in ("primitives", "bench", "tests")]
        _, problems = supp.check(os.path.join(SCRIPTS, "tsan.supp"), roots)
        self.assertEqual(problems, [])


def _compile(cc, src, out, flags):
    try:
        r = subprocess.run([cc, "-std=c11", "-D_GNU_SOURCE", "-g", "-O1"] + flags +
                           [src, "-o", out, "-lpthread"], capture_output=True, timeout=120)
        return r.returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


class TsanRunEndToEnd(unittest.TestCase):
    """tsan-run on progs/race.c built with this build's compiler and TSan."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="tlrace-")
        cc = os.environ.get("TLRACE_CC") or shutil.which("cc") or "gcc"
        src = os.path.join(HERE, "progs", "race.c")
        cls.prog = os.path.join(cls.tmp, "race_tsan")
        cls.plain = os.path.join(cls.tmp, "race_plain")
        if not _compile(cc, src, cls.prog, ["-fsanitize=thread"]):
            raise unittest.SkipTest("%s cannot build with -fsanitize=thread" % cc)
        if not _compile(cc, src, cls.plain, []):
            raise unittest.SkipTest("%s cannot build progs/race.c" % cc)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def tsan_run(self, *args, cwd=None):
        env = dict(os.environ)
        env.pop("TSAN_OPTIONS", None)
        p = subprocess.run([sys.executable, TSAN_RUN] + list(args), capture_output=True,
                           text=True, cwd=cwd or self.tmp, env=env, timeout=300)
        return p.returncode, p.stdout + p.stderr

    def out(self, name):
        return os.path.join(self.tmp, name)

    def cases_row(self, out):
        with open(os.path.join(out, "cases.csv")) as fh:
            return list(csv.DictReader(fh))[0]

    def test_bad_invocations_exit_2(self):
        for args, msg in (
                (["--expect", "race"], "no program"),
                (["--expect", "race", "--"], "no program"),
                (["--expect", "race", "--", "./does-not-exist"], "not found"),
                (["--expect", "race", "--", self.plain], "not built with ThreadSanitizer"),
                (["--expect", "racy", "--", self.prog], "invalid choice"),
                (["--", self.prog], "--expect"),
                (["--expect", "race", "--detector", "helgrind", "--", self.prog],
                 "built with ThreadSanitizer"),
                (["--expect", "race", "--runs", "0", "--", self.prog], "--runs")):
            with self.subTest(args=args):
                rc, text = self.tsan_run(*args)
                self.assertEqual(rc, 2, text)
                self.assertIn(msg, text)

    def test_script_is_not_a_program(self):
        script = self.out("wrapper.sh")
        with open(script, "w") as fh:
            fh.write("#!/bin/sh\nexec %s race\n" % self.prog)
        os.chmod(script, 0o755)
        rc, text = self.tsan_run("--expect", "race", "--", script)
        self.assertEqual(rc, 2, text)
        self.assertIn("not an ELF", text)
        # with --no-elf-check the wrapper runs; TSan's log proves the program ran under it
        rc, text = self.tsan_run("--expect", "race", "--runs", "1", "--no-elf-check",
                                 "--out", self.out("wrapped"), "--", script)
        self.assertEqual(rc, 0, text)

    def test_race_found_and_outputs(self):
        out = self.out("race")
        rc, text = self.tsan_run("--expect", "race", "--out", out, "--case", "racy",
                                 "--", self.prog, "race")
        self.assertEqual(rc, 0, text)
        self.assertIn("TP", text)
        with open(os.path.join(out, "summary.csv")) as fh:
            rows = list(csv.DictReader(fh))
        self.assertEqual(len(rows), 1)  # three runs, one distinct report
        self.assertEqual(rows[0]["kind"], "data race")
        self.assertEqual(rows[0]["case"], "racy")
        self.assertGreaterEqual(int(rows[0]["count"]), 3)
        self.assertTrue(rows[0]["location_a"].endswith("race.c:24"))
        self.assertTrue(os.path.exists(os.path.join(out, rows[0]["first_log"])))
        row = self.cases_row(out)
        self.assertEqual((row["verdict"], row["runs"]), ("TP", "3"))
        with open(os.path.join(out, "summary.md")) as fh:
            md = fh.read()
        self.assertIn("pin1(cpu", md)
        self.assertIn("threads", md)
        raws = os.listdir(os.path.join(out, "raw"))
        self.assertEqual(len([f for f in raws if f.endswith(".out")]), 3)
        self.assertGreaterEqual(len([f for f in raws if f[-1].isdigit()]), 3)

    def test_unexpected_race_fails(self):
        rc, text = self.tsan_run("--expect", "clean", "--runs", "1", "--out",
                                 self.out("fp"), "--", self.prog, "race")
        self.assertEqual(rc, 1, text)
        self.assertIn("FP", text)
        self.assertIn("unexpected data race", text)

    def test_missing_report_fails(self):
        rc, text = self.tsan_run("--expect", "deadlock", "--runs", "1", "--out",
                                 self.out("fn"), "--", self.prog, "clean")
        self.assertEqual(rc, 1, text)
        self.assertIn("FN", text)

    def test_clean(self):
        rc, text = self.tsan_run("--expect", "clean", "--runs", "2", "--out",
                                 self.out("clean"), "--", self.prog, "clean")
        self.assertEqual(rc, 0, text)
        self.assertEqual(self.cases_row(self.out("clean"))["verdict"], "TN")

    def test_program_failing_on_its_own_is_an_error(self):
        rc, text = self.tsan_run("--expect", "clean", "--runs", "1", "--out",
                                 self.out("fail"), "--", self.prog, "fail")
        self.assertEqual(rc, 1, text)
        self.assertIn("ERROR", text)

    def test_hang_is_killed_and_reported(self):
        out = self.out("hang")
        rc, text = self.tsan_run("--expect", "clean", "--runs", "1", "--timeout", "2",
                                 "--out", out, "--", self.prog, "hang")
        self.assertEqual(rc, 1, text)
        self.assertIn("HANG", text)
        row = self.cases_row(out)
        self.assertEqual((row["verdict"], row["hangs"]), ("HANG", "1"))
        with open(os.path.join(out, "raw", "race_tsan.0.out")) as fh:
            self.assertIn("HANG: killed after 2 s", fh.read())

    def test_aslr_workaround(self):
        if not shutil.which("setarch"):
            self.skipTest("no setarch")
        out = self.out("aslr")
        rc, text = self.tsan_run("--expect", "clean", "--runs", "2", "--out", out,
                                 "--", self.prog, "aslr")
        self.assertEqual(rc, 0, text)
        self.assertIn("setarch", text)
        self.assertIn("unexpected memory mapping", text)
        with open(os.path.join(out, "summary.md")) as fh:
            self.assertIn("setarch", fh.read())
        self.assertTrue(any(f.endswith(".aslr-failed") for f in os.listdir(os.path.join(out, "raw"))))

    def test_default_out_dir_and_latest(self):
        cwd = self.out("proj")
        os.makedirs(cwd, exist_ok=True)
        rc, text = self.tsan_run("--expect", "race", "--runs", "1", "--", self.prog,
                                 cwd=cwd)
        self.assertEqual(rc, 0, text)
        latest = os.path.join(cwd, "reports", "tsan", "latest")
        self.assertTrue(os.path.islink(latest))
        self.assertTrue(os.path.exists(os.path.join(latest, "summary.md")))

    def test_suppressions_hiding_our_code_are_refused(self):
        proj = self.out("proj2")
        os.makedirs(proj, exist_ok=True)
        shutil.copy(os.path.join(HERE, "progs", "race.c"), proj)
        sfile = os.path.join(proj, "bad.supp")
        with open(sfile, "w") as fh:
            fh.write("race:worker\n")
        rc, text = self.tsan_run("--expect", "clean", "--src", proj, "--suppressions",
                                 sfile, "--", self.prog, cwd=proj)
        self.assertEqual(rc, 2, text)
        self.assertIn("our function worker()", text)

    def test_helgrind_and_drd(self):
        if not shutil.which("valgrind"):
            self.skipTest("no valgrind")
        for det in ("helgrind", "drd"):
            with self.subTest(det=det):
                rc, text = self.tsan_run("--expect", "race", "--runs", "1", "--detector",
                                         det, "--out", self.out(det), "--", self.plain)
                self.assertEqual(rc, 0, text)
                with open(os.path.join(self.out(det), "summary.csv")) as fh:
                    rows = list(csv.DictReader(fh))
                self.assertEqual({r["detector"] for r in rows}, {det})
                self.assertEqual({r["category"] for r in rows}, {"race"})
                # DRD treats free() as a write (races with free, as TSan
                # reports them); Helgrind keeps its default
                outs = sorted(os.listdir(os.path.join(self.out(det), "raw")))
                outs = [o for o in outs if o.endswith(".out")]
                with open(os.path.join(self.out(det), "raw", outs[0])) as fh:
                    cmd = fh.readline()
                self.assertEqual("--free-is-write=yes" in cmd, det == "drd", cmd)


if __name__ == "__main__":
    unittest.main()
