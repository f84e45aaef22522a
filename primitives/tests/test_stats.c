/* threadlab/stats.h: the adaptive parts' choices are reported, and the
 * handoff counters move the way the waits went. Single-threaded where a
 * counter is compared, so no other wait can move it meanwhile. */
#include "task.h"
#include "threadlab/event.h"
#include "threadlab/stats.h"

TEST_IMPL(stats_arguments)
{
	ASSERT_EQ(tl_stats_get(NULL), TL_EINVAL);
	tl_stats_t s;
	ASSERT_OK(tl_stats_get(&s));
	ASSERT(s.pause_ps >= 100);              /* measured (floor 0.1 ns) */
	ASSERT(s.lock_spin_max_ns > 0);
	ASSERT(s.lock_spin_max_pauses >= 1);
	ASSERT(s.handoff_spin_ns > 0);
	ASSERT(s.handoff_spin_won <= s.handoff_spins);
	ASSERT(s.lock_fair_ns >= 200000); /* the Lock's fairness mark: never below its floor */
	return 0;
}

TEST_IMPL(stats_handoff_counted)
{
	/* A timed wait on an Event nobody sets enters the busy phase, gives up
	 * and sleeps until its deadline: one more spin, none won. */
	tl_event_t e;
	ASSERT_OK(tl_event_init(&e, TL_PRIVATE));
	tl_stats_t a, b;
	ASSERT_OK(tl_stats_get(&a));
	ASSERT_EQ(tl_event_wait(&e, 0.001), TL_ETIMEDOUT);
	ASSERT_OK(tl_stats_get(&b));
	ASSERT_EQ(b.handoff_spins, a.handoff_spins + 1);
	ASSERT_EQ(b.handoff_spin_won, a.handoff_spin_won);
	/* set before the wait: the fast path, no busy phase at all */
	ASSERT_OK(tl_event_set(&e));
	ASSERT_OK(tl_event_wait(&e, 0.001));
	ASSERT_OK(tl_stats_get(&a));
	ASSERT_EQ(a.handoff_spins, b.handoff_spins);
	ASSERT_OK(tl_event_destroy(&e));
	return 0;
}

TEST_LIST_BEGIN
TEST_ENTRY(stats_arguments)
TEST_ENTRY(stats_handoff_counted)
TEST_LIST_END
