/* The out-of-line half of the busy phase (spin.h): rounds, the timed
 * yield, the per-CPU "this CPU is busy" learning and the counters. */
#include "spin.h"
#include "adaptive_spin.h"
#include "vg_annotate.h"

#include <pthread.h>

#include <sched.h>
#include <stdatomic.h>

/* Per CPU (modulo the table size: two CPUs sharing a slot share a verdict,
 * which only costs a probe): until when yields are off, and the log2 of the
 * next window. Read at the start of a wait, written after a probe. */
#define SLOTS 256
static struct {
	_Atomic uint64_t until;
	_Atomic uint64_t decay_at; /* the next quick yield after this may shorten the window */
	_Atomic uint32_t shift;
	_Atomic uint32_t miss; /* busy-mode spins that slept, x256, decayed (below) */
	_Atomic uint32_t nth;  /* busy-mode waits that skipped the spin */
} cpu_busy[SLOTS];

/* Does a busy-mode spin on this CPU ever win? On a busy CPU the peer that
 * will wake us either runs on another CPU (it answers within the 2 us spin:
 * worth it) or waits for *our* CPU (pinned together, or more runnable
 * threads than CPUs): then every spin is lost time before the futex sleep
 * that lets it run, on both sides of each handoff. `miss` learns which:
 * each busy wait decays it by 1/8 (as if it won) and a spin that gave up
 * adds 32, so it settles near 256 x the share of spins that gave up. Above
 * 3/4 the waits on this CPU sleep at once, all but one in 32 (which keep
 * the estimate current: a peer that moved to another CPU is noticed within
 * a few dozen waits). Learned at run time; no count tuned to one CPU. */
#define MISS_ONE 32
#define MISS_MAX 256
#define MISS_SKIP 192
#define MISS_PROBE_EVERY 32

static _Atomic uint64_t n_spun, n_gave_up, n_busy, n_slow_yield;

static void count(_Atomic uint64_t *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

static unsigned slot(void)
{
	int c = sched_getcpu();
	return c < 0 ? 0 : (unsigned)c % SLOTS;
}

bool tl__spin_round(tl__spin_t *s, uint64_t now)
{
	if (!s->t0) { /* the first step of this wait */
		if (!s->budget_ns)
			return false;
		s->t0 = now;
		count(&n_spun);
		unsigned c = slot();
		if (now < atomic_load_explicit(&cpu_busy[c].until, memory_order_relaxed)) {
			s->busy = true;
			count(&n_busy);
			if (s->budget_ns > TL__SPIN_BUSY_NS)
				s->budget_ns = TL__SPIN_BUSY_NS;
			uint32_t m = atomic_load_explicit(&cpu_busy[c].miss, memory_order_relaxed);
			if (m > MISS_SKIP && atomic_fetch_add_explicit(&cpu_busy[c].nth, 1, memory_order_relaxed) %
						     MISS_PROBE_EVERY) {
				count(&n_gave_up); /* spun 0 ns: straight to sleep */
				return false;
			}
			atomic_store_explicit(&cpu_busy[c].miss, m - (m >> 3), memory_order_relaxed);
		}
		if (s->pause_ns || s->busy) {
			s->round_end = now + (s->busy ? s->budget_ns : s->pause_ns);
			return true;
		}
	} else if (now - s->t0 >= s->budget_ns || s->busy) {
		count(&n_gave_up);
		if (s->busy) {
			unsigned c = slot();
			uint32_t m = atomic_load_explicit(&cpu_busy[c].miss, memory_order_relaxed) + MISS_ONE;
			atomic_store_explicit(&cpu_busy[c].miss, m > MISS_MAX ? MISS_MAX : m, memory_order_relaxed);
		}
		return false;
	}
	unsigned c = slot();
	sched_yield();
	uint64_t after = tl__now_ns();
	if (after - now > TL__SPIN_SLOW_YIELD_NS) {
		/* Somebody else had this CPU for a slice: it is busy. Look once
		 * more (the peer had that long to answer), then sleep. */
		uint32_t sh = atomic_load_explicit(&cpu_busy[c].shift, memory_order_relaxed);
		uint64_t until = after + (TL__SPIN_BUSY_WINDOW_NS << sh);
		atomic_store_explicit(&cpu_busy[c].until, until, memory_order_relaxed);
		atomic_store_explicit(&cpu_busy[c].decay_at, until + (TL__SPIN_BUSY_WINDOW_NS << sh),
				      memory_order_relaxed);
		if (sh < TL__SPIN_SKIP_SHIFT_MAX)
			atomic_store_explicit(&cpu_busy[c].shift, sh + 1, memory_order_relaxed);
		s->busy = true;
		count(&n_slow_yield);
		s->round_end = 0;
		return true;
	}
	/* A quick yield halves the next window rather than forgetting the
	 * verdict: on a loaded CPU some yields are quick (the scheduler may
	 * pick us again at once), and each probe that is not costs a slice.
	 * At most once per window of such quiet, though: in a hand-off between
	 * two threads on one loaded CPU most yields are quick (they hand the
	 * CPU to the peer, which answers within microseconds), and shrinking
	 * at each of them brought the window down to a few ms, a lost slice
	 * every few ms (Event ping-pong on one CPU next to a spinner: 1.1-1.4x
	 * the raw futex). */
	uint32_t sh = atomic_load_explicit(&cpu_busy[c].shift, memory_order_relaxed);
	if (sh && after >= atomic_load_explicit(&cpu_busy[c].decay_at, memory_order_relaxed)) {
		atomic_store_explicit(&cpu_busy[c].shift, sh - 1, memory_order_relaxed);
		atomic_store_explicit(&cpu_busy[c].decay_at, after + (TL__SPIN_BUSY_WINDOW_NS << (sh - 1)),
				      memory_order_relaxed);
	}
	s->round_end = after + TL__SPIN_ROUND_NS;
	return true;
}

static _Atomic uint32_t pause_ps; /* 0: not measured yet */

uint32_t tl__pause_ps(void)
{
	uint32_t ps = atomic_load_explicit(&pause_ps, memory_order_relaxed);
	if (ps)
		return ps;
	uint64_t best = UINT64_MAX;
	for (int run = 0; run < 3; run++) {
		uint64_t t0 = tl__now_ns();
		for (int i = 0; i < 64; i++)
			tl__cpu_relax();
		uint64_t dt = tl__now_ns() - t0;
		best = dt < best ? dt : best;
	}
	ps = (uint32_t)(best * 1000 / 64);
	ps = ps < 100 ? 100 : ps; /* no pause instruction, or a clock too coarse */
	atomic_store_explicit(&pause_ps, ps, memory_order_relaxed);
	return ps;
}

uint32_t tl__pauses_for_ns(uint32_t ns)
{
	uint64_t n = (uint64_t)ns * 1000 / tl__pause_ps();
	return n ? (uint32_t)n : 1;
}

static struct tl__aspin_limits aspin;
static pthread_once_t aspin_once = PTHREAD_ONCE_INIT;

static void aspin_init(void)
{
	aspin.max = tl__pauses_for_ns(TL__ASPIN_MAX_NS);
	aspin.max = aspin.max > 0xffff ? 0xffff : aspin.max; /* the learned average is 16 bits */
	aspin.min = tl__pauses_for_ns(TL__ASPIN_MIN_NS);
	/* Not rounded to a power of two: rounded down, a pause measured at
	 * 25.8 ns instead of 24.5 halved the cap (16 -> 8 pauses, 400 -> 200
	 * ns) and put the spinner on the holder's line twice as often (a
	 * 2-thread Lock with ~85 ns inside: 205 vs 172 ns/op with the 8-pause
	 * cap in one machine state, 118 vs 110 in another). */
	aspin.backoff_max = tl__pauses_for_ns(TL__ASPIN_BACKOFF_NS);
	TL__VG_HB_BEFORE(&aspin_once); /* Helgrind/DRD do not see pthread_once's edge */
}

const struct tl__aspin_limits *tl__aspin_limits(void)
{
	pthread_once(&aspin_once, aspin_init);
	TL__VG_HB_AFTER(&aspin_once);
	return &aspin;
}

void tl__spin_stats_get(struct tl__spin_stats *out)
{
	out->spun = atomic_load_explicit(&n_spun, memory_order_relaxed);
	out->gave_up = atomic_load_explicit(&n_gave_up, memory_order_relaxed);
	out->busy = atomic_load_explicit(&n_busy, memory_order_relaxed);
	out->slow_yield = atomic_load_explicit(&n_slow_yield, memory_order_relaxed);
}

#ifdef TL_VALGRIND
/* Helgrind/DRD: the busy table, the counters and the measured pause are
 * relaxed atomics that order nothing (heuristics: any value read is a
 * valid one); valgrind sees their stores as plain writes racing with the
 * loads. Atomics cannot race, so neither tool checks them. */
__attribute__((constructor)) static void vg_ignore_heuristics(void)
{
	TL__VG_IGNORE(cpu_busy, sizeof cpu_busy);
	TL__VG_IGNORE(&pause_ps, sizeof pause_ps);
	TL__VG_IGNORE(&n_spun, sizeof n_spun);
	TL__VG_IGNORE(&n_gave_up, sizeof n_gave_up);
	TL__VG_IGNORE(&n_busy, sizeof n_busy);
	TL__VG_IGNORE(&n_slow_yield, sizeof n_slow_yield);
}
#endif
