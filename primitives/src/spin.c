/* The out-of-line half of the busy phase (spin.h): rounds, the timed
 * yield, the per-thread "this CPU is busy" learning and the counters. */
#include "spin.h"

#include <sched.h>
#include <stdatomic.h>

/* Per thread: waits left to spin without yields, and the log2 of the next
 * such run (doubles while probes keep finding the CPU busy). */
static _Thread_local struct {
	uint32_t skip;
	uint8_t shift;
} tls;

static _Atomic uint64_t n_spun, n_gave_up, n_busy, n_slow_yield;

static void count(_Atomic uint64_t *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

bool tl__spin_round(tl__spin_t *s, uint64_t now)
{
	if (!s->t0) { /* the first step of this wait */
		s->t0 = now;
		count(&n_spun);
		if (tls.skip) {
			tls.skip--;
			s->busy = true;
			count(&n_busy);
			if (s->budget_ns > TL__SPIN_BUSY_NS)
				s->budget_ns = TL__SPIN_BUSY_NS;
		}
		if (s->pause_ns || s->busy) {
			s->round_end = now + (s->busy ? s->budget_ns : s->pause_ns);
			return true;
		}
	} else if (now - s->t0 >= s->budget_ns || s->busy) {
		count(&n_gave_up);
		return false;
	}
	sched_yield();
	uint64_t after = tl__now_ns();
	if (after - now > TL__SPIN_SLOW_YIELD_NS) {
		/* Somebody else had this CPU for a slice: it is busy. Look once
		 * more (the peer had that long to answer), then sleep. */
		if (tls.shift < TL__SPIN_SKIP_SHIFT_MAX)
			tls.shift++;
		tls.skip = 1u << tls.shift;
		s->busy = true;
		count(&n_slow_yield);
		s->round_end = 0;
		return true;
	}
	tls.shift = 0;
	s->round_end = after + TL__SPIN_ROUND_NS;
	return true;
}

void tl__spin_stats_get(struct tl__spin_stats *out)
{
	out->spun = atomic_load_explicit(&n_spun, memory_order_relaxed);
	out->gave_up = atomic_load_explicit(&n_gave_up, memory_order_relaxed);
	out->busy = atomic_load_explicit(&n_busy, memory_order_relaxed);
	out->slow_yield = atomic_load_explicit(&n_slow_yield, memory_order_relaxed);
}
