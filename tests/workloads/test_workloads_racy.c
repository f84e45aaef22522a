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

TEST_LIST_BEGIN
TEST_ENTRY(lockjoin_unlocked_bounds)
TEST_LIST_END
