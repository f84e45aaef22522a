/* threadlab/stats.h: the adaptive parts' choices, gathered from spin.c. */
#include "threadlab/stats.h"

#include "adaptive_spin.h"
#include "lock_impl.h"
#include "spin.h"

int tl_stats_get(tl_stats_t *out)
{
	if (!out)
		return TL_EINVAL;
	struct tl__spin_stats s;
	tl__spin_stats_get(&s);
	const struct tl__aspin_limits *lim = tl__aspin_limits();
	*out = (tl_stats_t){
		.pause_ps = tl__pause_ps(),
		.lock_spin_max_ns = TL__ASPIN_MAX_NS,
		.lock_spin_max_pauses = lim->max,
		.handoff_spin_ns = TL__SPIN_NS,
		.handoff_spins = s.spun,
		.handoff_spin_won = s.spun >= s.gave_up ? s.spun - s.gave_up : 0,
		.handoff_busy_cpu = s.busy,
		.slow_yields = s.slow_yield,
		.lock_fair_ns = (uint32_t)tl__lock_fair_ns(),
		.lock_handoffs = tl__lock_handoffs(),
		.lock_yields = tl__lock_yields(),
	};
	return 0;
}
