/* Workload invariants that are deterministic, run through tl-workload at
 * quick sizes. Clean variants only: this file also runs under TSan (see
 * CMakeLists.txt); racy and deadlocking variants live in
 * test_workloads_racy.c. No timing is asserted anywhere. */
#include "task.h"
#include "wl_run.h"

#include <math.h>
#include <sched.h>

static struct wl_out o; /* big: static, one test per process */

TEST_IMPL(cases_contract)
{
	ASSERT_EQ(wl(&o, "--cases", NULL), 0);
	int n = 0;
	char seen[256][64];
	for (char *line = o.out; *line;) {
		char *nl = strchr(line, '\n');
		ASSERT_NOT_NULL(nl);
		*nl = '\0';
		char name[64], expect[16], reason[256] = "";
		int k = sscanf(line, "%63s %15s %255[^\n]", name, expect, reason);
		ASSERT(k >= 2);
		ASSERT_NOT_NULL(strchr(name, '/'));
		ASSERT(!strcmp(expect, "clean") || !strcmp(expect, "race") || !strcmp(expect, "deadlock") ||
		       !strcmp(expect, "skip"));
		if (!strcmp(expect, "skip"))
			ASSERT(k == 3 && strlen(reason) > 0);
		for (int i = 0; i < n; i++)
			ASSERT(strcmp(seen[i], name) != 0);
		ASSERT_LT(n, 256);
		snprintf(seen[n++], sizeof seen[0], "%s", name);
		line = nl + 1;
	}
	/* The expected set of issue 6, where it concerns the workloads. */
	static const char *const must[][2] = {
		{ "lockjoin/unlocked", "race" },   { "lockjoin/lock", "clean" },  { "lockjoin/lock-narrow", "clean" },
		{ "lockjoin/join", "clean" },      { "lockjoin/atomic", "clean" },
		{ "lockjoin/proc-private", "skip TSan does not follow forked children" },
		{ "lockjoin/proc-shared-unlocked", "skip TSan does not follow forked children" },
		{ "lockjoin/proc-shared-lock", "skip TSan does not follow forked children" },
		{ "deadlock/two-locks", "deadlock" }, { "deadlock/rlock", "clean" },
		{ "pipeline/busywait", "race" },   { "pipeline/queue", "clean" },
		{ "timer/rearm", "clean" },        { "timer/ticker", "clean" },
		{ "daemon/confusing", "clean" },   { "daemon/daemon-only", "clean" }, { "daemon/swapped", "clean" },
		{ "start/thread", "clean" },       { "start/process", "clean" },
		{ "gil/gil-cpu", "clean" },        { "gil/nogil-cpu", "clean" },   { "gil/gil-io", "clean" },
		{ "gil/nogil-io", "clean" }, { "semaphore/semaphore", "clean" }, { "semaphore/bounded", "clean" },
		{ "echo/thread", "clean" },        { "echo/pool", "clean" },
		{ "event/timeout", "clean" },      { "event/connect", "clean" },
		{ "condition/notify", "clean" },   { "condition/notify-all", "clean" }, { "condition/wait-for", "clean" },
		{ "crawler/serial", "clean" },     { "crawler/thread", "clean" },
	};
	ASSERT_EQ(wl(&o, "--cases", NULL), 0);
	for (size_t i = 0; i < sizeof must / sizeof must[0]; i++) {
		char want[128];
		snprintf(want, sizeof want, "%s %s\n", must[i][0], must[i][1]);
		if (!strstr(o.out, want)) {
			fprintf(stderr, "--cases lacks '%s'\n", must[i][0]);
			ASSERT(0);
		}
	}
	ASSERT_NOT_NULL(strstr(o.out, "crawler/process skip TSan does not follow forked children"));
	return 0;
}

TEST_IMPL(bad_args_exit_2)
{
	static const char *const bad[][4] = {
		{ NULL },
		{ "no-such-workload/x", NULL },
		{ "lockjoin", NULL },
		{ "lockjoin/no-such-variant", NULL },
		{ "lockjoin/lock", "--no-such-param", "1", NULL },
		{ "lockjoin/lock", "--threads", "0", NULL },
		{ "lockjoin/lock", "--threads", "12x", NULL },
		{ "lockjoin/lock", "--start", "later", NULL },
		{ "lockjoin/lock", "--pin", "bogus", NULL },
		{ "lockjoin/lock", "--threads", NULL },
		{ "lockjoin/lock", "stray", NULL },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ASSERT_EQ(wl(&o, bad[i][0], bad[i][0] ? bad[i][1] : NULL, bad[i][0] && bad[i][1] ? bad[i][2] : NULL,
			     NULL),
			  2);
		ASSERT_GT(strlen(o.err), 0); /* a message, not silence */
		ASSERT_EQ(strlen(o.out), 0); /* and no half-run output */
	}
	return 0;
}

static void lockjoin_exact(const char *variant, const char *start, const char *work)
{
	ASSERT_EQ(wl(&o, variant, "--quick", "--start", start, "--work", work, NULL), 0);
	ASSERT_EQ(wl_num(&o, "expected_n"), 0);
	ASSERT_EQ(wl_num(&o, "final_n"), 0);
	ASSERT_EQ(wl_num(&o, "lost_updates"), 0);
	ASSERT(wl_num(&o, "wall_s") > 0);
	ASSERT(wl_num(&o, "ratio_vs_unlocked") > 0);
	/* The reference run is unlocked's race-free twin: it may lose updates,
	 * never more than all but one. */
	ASSERT(wl_num(&o, "ref_lost_updates") <= wl_num(&o, "threads") - 1);
}

TEST_IMPL(lockjoin_correct_variants_exact)
{
	static const char *const v[] = { "lockjoin/lock", "lockjoin/lock-narrow", "lockjoin/join", "lockjoin/atomic" };
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		lockjoin_exact(v[i], "seed", "sleep");
		lockjoin_exact(v[i], "barrier", "sleep");
		lockjoin_exact(v[i], "barrier", "spin");
	}
	return 0;
}

TEST_IMPL(lockjoin_pinned)
{
	ASSERT_EQ(wl(&o, "lockjoin/lock", "--quick", "--pin", "compact", NULL), 0);
	ASSERT_EQ(wl_num(&o, "final_n"), 0);
	/* An explicit CPU list: the first CPU this process may use (the race
	 * suite runs tests under taskset, so CPU 0 need not be allowed). */
	cpu_set_t set;
	ASSERT_OK(sched_getaffinity(0, sizeof set, &set));
	int first = 0;
	while (first < CPU_SETSIZE && !CPU_ISSET(first, &set))
		first++;
	ASSERT(first < CPU_SETSIZE);
	char cpu[16];
	snprintf(cpu, sizeof cpu, "%d", first);
	ASSERT_EQ(wl(&o, "lockjoin/lock", "--quick", "--pin", cpu, NULL), 0);
	ASSERT_EQ(wl_num(&o, "final_n"), 0);
	return 0;
}

/* Seed 三.3: forked processes do not share memory. Each child decrements
 * its own copy of n (from N to N - 1); the parent's n never moves. */
TEST_IMPL(lockjoin_proc_private_parent_unchanged)
{
	static const char *const starts[] = { "seed", "barrier" };
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(wl(&o, "lockjoin/proc-private", "--quick", "--start", starts[i], NULL), 0);
		double n = wl_num(&o, "processes");
		ASSERT_GT(n, 1);
		ASSERT_EQ(wl_num(&o, "parent_n"), n);
		ASSERT_EQ(wl_num(&o, "final_n"), n);
		ASSERT_EQ(wl_num(&o, "lost_updates"), n); /* all of them, as far as the parent can tell */
		ASSERT_EQ(wl_num(&o, "child_n_min"), n - 1);
		ASSERT_EQ(wl_num(&o, "child_n_max"), n - 1);
	}
	ASSERT_EQ(wl(&o, "lockjoin/proc-private", "--quick", "--threads", "3", "--pin", "compact", NULL), 0);
	ASSERT_EQ(wl_num(&o, "parent_n"), 3);
	ASSERT_GE(wl_num(&o, "cpus_seen"), 1); /* the children report where they ran */
	return 0;
}

/* n and a TL_PSHARED tl_lock in shared memory: one lock for every process,
 * so the read-work-write is serialised and n ends exactly at 0; under the
 * lock each child sees its own write, so their values are N-1 .. 0. */
TEST_IMPL(lockjoin_proc_shared_lock_exact)
{
	static const char *const runs[][2] = { { "seed", "sleep" }, { "barrier", "sleep" }, { "barrier", "spin" } };
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(wl(&o, "lockjoin/proc-shared-lock", "--quick", "--start", runs[i][0], "--work", runs[i][1],
			     NULL),
			  0);
		double n = wl_num(&o, "processes");
		ASSERT_EQ(wl_num(&o, "final_n"), 0);
		ASSERT_EQ(wl_num(&o, "parent_n"), 0);
		ASSERT_EQ(wl_num(&o, "expected_n"), 0);
		ASSERT_EQ(wl_num(&o, "lost_updates"), 0);
		ASSERT_EQ(wl_num(&o, "child_n_min"), 0);
		ASSERT_EQ(wl_num(&o, "child_n_max"), n - 1);
	}
	return 0;
}

TEST_IMPL(deadlock_rlock_completes)
{
	ASSERT_EQ(wl(&o, "deadlock/rlock", "--quick", NULL), 0);
	ASSERT_EQ(wl_num(&o, "deadlocked"), 0);
	ASSERT_EQ(wl_num(&o, "completed_threads"), wl_num(&o, "threads"));
	ASSERT_EQ(wl_num(&o, "max_recursion"), 2); /* func2 takes the RLock as B, then again as A */
	ASSERT_EQ(wl_num(&o, "locks_left_held"), 0);
	return 0;
}

TEST_IMPL(pipeline_queue_exactly_once_in_order)
{
	ASSERT_EQ(wl(&o, "pipeline/queue", "--quick", NULL), 0);
	ASSERT_EQ(wl_num(&o, "lines"), wl_num(&o, "items"));
	ASSERT_EQ(wl_num(&o, "missing"), 0);
	ASSERT_EQ(wl_num(&o, "doubled"), 0);
	ASSERT_EQ(wl_num(&o, "bad_lines"), 0);
	ASSERT_EQ(wl_num(&o, "out_of_order"), 0);
	ASSERT_EQ(wl_num(&o, "exactly_once"), 1);
	ASSERT_EQ(wl_num(&o, "in_order"), 1);
	ASSERT_EQ(wl_num(&o, "empty_polls"), 0); /* consumers block, never poll */
	return 0;
}

TEST_IMPL(timer_refresher_verified_and_cancelled)
{
	static const char *const v[] = { "timer/rearm", "timer/ticker" };
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(wl(&o, v[i], "--quick", NULL), 0);
		ASSERT_GE(wl_num(&o, "ticks"), 10); /* at least the quick size's ticks */
		ASSERT_EQ(wl_num(&o, "verified"), 1);
		ASSERT_EQ(wl_num(&o, "refreshed_after_check"), 0);
		ASSERT_EQ(wl_num(&o, "ticks_after_stop"), 0);
		ASSERT(wl_num(&o, "late_max_ms") >= wl_num(&o, "late_p50_ms"));
	}
	return 0;
}

TEST_IMPL(daemon_prints_what_python_prints)
{
	static const char *const v[] = { "daemon/confusing", "daemon/daemon-only", "daemon/swapped" };
	static const int lines[] = { 5, 2, 4 };
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(wl(&o, v[i], "--quick", NULL), 0);
		ASSERT_EQ(wl_num(&o, "lines"), lines[i]);
		ASSERT_EQ(wl_num(&o, "missing"), 0);
		ASSERT_EQ(wl_num(&o, "extra"), 0);
		ASSERT_EQ(wl_num(&o, "never_lines_printed"), 0);
		ASSERT_EQ(wl_num(&o, "order_as_python"), 1);
		ASSERT_EQ(wl_num(&o, "as_python"), 1);
	}
	return 0;
}

TEST_IMPL(start_pid_and_sharing)
{
	ASSERT_EQ(wl(&o, "start/thread", "--quick", NULL), 0);
	ASSERT_EQ(wl_num(&o, "same_pid"), wl_num(&o, "reps"));
	ASSERT_EQ(wl_num(&o, "parent_saw_write"), wl_num(&o, "reps"));
	ASSERT_EQ(wl(&o, "start/process", "--quick", NULL), 0);
	ASSERT_EQ(wl_num(&o, "same_pid"), 0);
	ASSERT_EQ(wl_num(&o, "parent_saw_write"), 0);
	return 0;
}

TEST_IMPL(gil_model_accounting)
{
	/* Only counts are deterministic here: every bytecode stretch takes the
	 * GIL once (rounds + 1 per I/O thread), and no GIL means no switch. */
	ASSERT_EQ(wl(&o, "gil/gil-io", "--quick", "--threads", "3", NULL), 0);
	ASSERT_GE(wl_num(&o, "gil_switches"), 3 * (5 + 1));
	ASSERT_EQ(wl(&o, "gil/gil-cpu", "--quick", "--threads", "2", NULL), 0);
	ASSERT_GE(wl_num(&o, "gil_switches"), 2);
	ASSERT_EQ(wl(&o, "gil/nogil-cpu", "--quick", "--threads", "2", NULL), 0);
	ASSERT_EQ(wl_num(&o, "gil_switches"), 0);
	ASSERT_EQ(wl_num(&o, "forced_drops"), 0);
	ASSERT_EQ(wl(&o, "gil/nogil-io", "--quick", "--threads", "2", NULL), 0);
	ASSERT_EQ(wl_num(&o, "gil_switches"), 0);
	return 0;
}

TEST_IMPL(semaphore_admits_exactly_value)
{
	ASSERT_EQ(wl(&o, "semaphore/semaphore", "--quick", NULL), 0);
	ASSERT_EQ(wl_num(&o, "acquired"), wl_num(&o, "threads"));
	ASSERT_EQ(wl_num(&o, "peak"), wl_num(&o, "value")); /* <= by the semaphore, == by the wave rule */
	ASSERT_EQ(wl_num(&o, "extra_release_refused"), 0);  /* Semaphore: release past the start is allowed */
	ASSERT_EQ(wl_num(&o, "value_after"), wl_num(&o, "value") + 1);
	ASSERT_EQ(wl(&o, "semaphore/bounded", "--quick", "--threads", "7", "--value", "3", NULL), 0);
	ASSERT_EQ(wl_num(&o, "acquired"), 7);
	ASSERT_EQ(wl_num(&o, "peak"), 3);
	ASSERT_EQ(wl_num(&o, "waves"), 3);
	ASSERT_EQ(wl_num(&o, "extra_release_refused"), 1); /* BoundedSemaphore: ValueError */
	ASSERT_EQ(wl_num(&o, "value_after"), 3);
	return 0;
}

TEST_IMPL(echo_every_message_upper_cased)
{
	static const char *const v[] = { "echo/thread", "echo/pool" };
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(wl(&o, v[i], "--quick", NULL), 0);
		double expect = wl_num(&o, "connections") * 10; /* quick: 10 messages per connection */
		ASSERT_EQ(wl_num(&o, "messages"), expect);
		ASSERT_EQ(wl_num(&o, "bad_echoes"), 0);
		ASSERT_EQ(wl_num(&o, "client_errors"), 0);
		ASSERT_EQ(wl_num(&o, "server_errors"), 0);
		ASSERT_EQ(wl_num(&o, "all_echoed"), 1);
	}
	ASSERT_EQ(wl(&o, "echo/thread", "--quick", NULL), 0);
	ASSERT_EQ(wl_num(&o, "server_threads"), wl_num(&o, "connections")); /* one per connection */
	ASSERT_EQ(wl(&o, "echo/pool", "--quick", "--workers", "3", NULL), 0);
	ASSERT_GE(wl_num(&o, "server_threads"), 1); /* started lazily, reused, */
	ASSERT_LE(wl_num(&o, "server_threads"), 3); /* never more than max_workers */
	return 0;
}

TEST_IMPL(event_timeout_and_connect)
{
	/* The seed's numbers: the checker comes after 3 waits, all time out. */
	ASSERT_EQ(wl(&o, "event/timeout", "--quick", NULL), 0);
	double n = wl_num(&o, "workers");
	ASSERT_EQ(wl_num(&o, "connected"), 0);
	ASSERT_EQ(wl_num(&o, "timed_out"), n);
	ASSERT_EQ(wl_num(&o, "attempts"), 3 * n);
	ASSERT_EQ(wl_num(&o, "attempts_max"), 3);
	ASSERT_EQ(wl_num(&o, "woken_by_set"), 0);
	/* set() after every first attempt; a long wait so no attempt expires first */
	ASSERT_EQ(wl(&o, "event/connect", "--quick", "--wait-us", "30000000", NULL), 0);
	n = wl_num(&o, "workers");
	ASSERT_EQ(wl_num(&o, "connected"), n);
	ASSERT_EQ(wl_num(&o, "timed_out"), 0);
	ASSERT_EQ(wl_num(&o, "attempts"), n);
	ASSERT_EQ(wl_num(&o, "woken_by_set"), n); /* set() wakes every waiter */
	return 0;
}

TEST_IMPL(condition_notify_n_releases_exactly_n)
{
	ASSERT_EQ(wl(&o, "condition/notify", "--quick", NULL), 0);
	double n = wl_num(&o, "threads");
	ASSERT_EQ(wl_num(&o, "stuck"), 0);
	ASSERT_EQ(wl_num(&o, "released"), n);
	ASSERT_EQ(wl_num(&o, "rounds"), 4); /* 10 = 1 + 2 + 3 + 4 */
	ASSERT_EQ(wl_num(&o, "rounds_exact"), wl_num(&o, "rounds"));
	ASSERT_EQ(wl_num(&o, "fifo_order"), 1); /* the longest waiters go first */
	ASSERT_EQ(wl(&o, "condition/notify-all", "--quick", NULL), 0);
	ASSERT_EQ(wl_num(&o, "rounds"), 1);
	ASSERT_EQ(wl_num(&o, "released"), wl_num(&o, "threads"));
	ASSERT_EQ(wl(&o, "condition/wait-for", "--quick", "--threads", "7", NULL), 0);
	ASSERT_EQ(wl_num(&o, "stuck"), 0);
	ASSERT_EQ(wl_num(&o, "released"), 7);
	ASSERT_EQ(wl_num(&o, "rounds_exact"), wl_num(&o, "rounds"));
	ASSERT_GE(wl_num(&o, "predicate_evaluations"), 2 * 7); /* false before waiting, true after */
	return 0;
}

/* Seed 十五: submit(get_page).add_done_callback(parse_page): every page is
 * fetched and parsed exactly once, and each callback ran somewhere. The
 * process-pool variant forks (out of TSan's view) and is left to tl-bench. */
TEST_IMPL(crawler_every_page_parsed_once)
{
	static const char *const v[] = { "crawler/serial", "crawler/thread" };
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		ASSERT_EQ(wl(&o, v[i], "--quick", NULL), 0);
		ASSERT_EQ(wl_num(&o, "parsed_once"), 1);
		ASSERT_EQ(wl_num(&o, "fetch_errors"), 0);
		ASSERT_EQ(wl_num(&o, "parse_errors"), 0);
		ASSERT_EQ(wl_num(&o, "missing"), 0);
		ASSERT_EQ(wl_num(&o, "duplicates"), 0);
		ASSERT_EQ(wl_num(&o, "cb_in_caller") + wl_num(&o, "cb_in_worker"), wl_num(&o, "pages"));
	}
	return 0;
}

TEST_LIST_BEGIN
TEST_ENTRY(cases_contract)
TEST_ENTRY(bad_args_exit_2)
TEST_ENTRY(lockjoin_correct_variants_exact)
TEST_ENTRY(lockjoin_pinned)
TEST_ENTRY(lockjoin_proc_private_parent_unchanged)
TEST_ENTRY(lockjoin_proc_shared_lock_exact)
TEST_ENTRY(deadlock_rlock_completes)
TEST_ENTRY(pipeline_queue_exactly_once_in_order)
TEST_ENTRY(timer_refresher_verified_and_cancelled)
TEST_ENTRY(daemon_prints_what_python_prints)
TEST_ENTRY(start_pid_and_sharing)
TEST_ENTRY(gil_model_accounting)
TEST_ENTRY(semaphore_admits_exactly_value)
TEST_ENTRY(echo_every_message_upper_cased)
TEST_ENTRY(event_timeout_and_connect)
TEST_ENTRY(condition_notify_n_releases_exactly_n)
TEST_ENTRY(crawler_every_page_parsed_once)
TEST_LIST_END
