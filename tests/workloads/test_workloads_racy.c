/* Deterministic facts about the variants that race or deadlock on purpose.
 * Not part of the unit suite and not built under TSan (see CMakeLists.txt):
 * TSan reports these cases by design; the race harness checks that. The
 * race's outcome itself is not deterministic: only bounds are asserted. */
#include "task.h"
#include "wl_run.h"

static struct wl_out o;

TEST_IMPL(lockjoin_unlocked_bounds)
{
	static const char *const starts[] = { "seed", "barrier" };
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(wl(&o, "lockjoin/unlocked", "--quick", "--start", starts[i], NULL), 0);
		double n = wl_num(&o, "final_n"), threads = wl_num(&o, "threads");
		/* every writer stores temp - 1 with temp <= N: n ends in [0, N-1] */
		ASSERT(n >= 0 && n <= threads - 1);
		ASSERT_EQ(wl_num(&o, "lost_updates"), n);
		ASSERT_EQ(wl_num(&o, "ratio_vs_unlocked"), 1);
	}
	return 0;
}

/* n in shared memory without a lock: processes lose updates as threads do
 * (a race across processes, invisible to TSan). Bounds only. */
TEST_IMPL(lockjoin_proc_shared_unlocked_bounds)
{
	static const char *const starts[] = { "seed", "barrier" };
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(wl(&o, "lockjoin/proc-shared-unlocked", "--quick", "--start", starts[i], NULL), 0);
		double n = wl_num(&o, "final_n"), procs = wl_num(&o, "processes");
		ASSERT(n >= 0 && n <= procs - 1);
		ASSERT_EQ(wl_num(&o, "parent_n"), n); /* the parent reads the shared n */
		ASSERT_EQ(wl_num(&o, "lost_updates"), n);
	}
	return 0;
}

TEST_IMPL(deadlock_two_locks_detected_and_broken)
{
	static const char *const threads[] = { "2", "4", "10" };
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(wl(&o, "deadlock/two-locks", "--quick", "--threads", threads[i], NULL), 0);
		ASSERT_EQ(wl_num(&o, "deadlocked"), 1);
		ASSERT_EQ(wl_num(&o, "cycle_len"), 2);
		/* the seed's picture: Thread-1 holds B, another one holds A */
		ASSERT_EQ(wl_num(&o, "b_holder"), 1);
		ASSERT_GE(wl_num(&o, "a_holder"), 2);
		ASSERT_LE(wl_num(&o, "a_holder"), atoi(threads[i]));
		ASSERT_GE(wl_num(&o, "blocked_threads"), 2);
		ASSERT_EQ(wl_num(&o, "completed_threads"), 0);
		ASSERT_EQ(wl_num(&o, "locks_left_held"), 0); /* broken, nothing left behind */
		ASSERT(wl_num(&o, "time_to_deadlock_s") >= 0);
		ASSERT(wl_has(&o, "note"));
	}
	return 0;
}

TEST_IMPL(pipeline_busywait_terminates_and_accounts)
{
	ASSERT_EQ(wl(&o, "pipeline/busywait", "--quick", NULL), 0);
	double items = wl_num(&o, "items"), lines = wl_num(&o, "lines");
	/* whatever the race did, the file accounts for it exactly */
	ASSERT_EQ(lines, items - wl_num(&o, "missing") + wl_num(&o, "doubled") + wl_num(&o, "bad_lines"));
	ASSERT_EQ(wl_num(&o, "exactly_once"),
		  wl_num(&o, "missing") == 0 && wl_num(&o, "doubled") == 0 && wl_num(&o, "bad_lines") == 0);
	return 0;
}

TEST_LIST_BEGIN
TEST_ENTRY(lockjoin_unlocked_bounds)
TEST_ENTRY(lockjoin_proc_shared_unlocked_bounds)
TEST_ENTRY(deadlock_two_locks_detected_and_broken)
TEST_ENTRY(pipeline_busywait_terminates_and_accounts)
TEST_LIST_END
