/* Internal: the short busy phase before a thread sleeps in the kernel, for
 * handoffs (Event, Condition, Semaphore and Future waits).
 *
 * Budgeted in time, never in a count of pause instructions (a pause takes
 * ~10 cycles on some CPUs and ~140 on others): rounds of one sched_yield()
 * then pauses for TL__SPIN_ROUND_NS, until TL__SPIN_NS have passed since the
 * first step; then the caller sleeps.
 *
 * The yield comes first: if the peer that will wake us is runnable on
 * *this* CPU (pinned together, or more threads than CPUs), every pause only
 * burns the time slice it needs, while a yield lets it run at once. On
 * another CPU the peer usually answers within a microsecond or two, far
 * sooner than a futex sleep and wake-up (tens of microseconds on a VM,
 * where the wake is an IPI), and the loop sees it.
 *
 * On a busy machine a yield is a trap: it hands the CPU to another runnable
 * thread for a whole time slice (milliseconds), and a handoff that spun
 * through yields was 35-40x slower than a plain futex sleep. So each yield
 * is timed: one that took longer than TL__SPIN_SLOW_YIELD_NS means other
 * work holds this CPU. Waits that start on that CPU then spin without
 * yields, and only for TL__SPIN_BUSY_NS (a peer running on another CPU
 * still answers within that; one on ours cannot run until we sleep), for a
 * window of TL__SPIN_BUSY_WINDOW_NS << k (k grows by one while the probe
 * at the end of a window finds the CPU busy again, up to
 * TL__SPIN_SKIP_SHIFT_MAX, and shrinks by one for each quick yield): a
 * loaded CPU pays one lost slice per window, a CPU that became quiet gets
 * the yields back after a few probes. On a busy CPU even the 2 us spin
 * is learned: where busy-mode spins keep ending in a sleep (the peer waits
 * for our CPU), waits there skip it and sleep at once, but for one in 32
 * that keeps the estimate current (spin.c, `miss`). The thresholds were set on the 2-vCPU
 * EPYC VM: a 50 us threshold and a 50 ms window marked a quiet CPU busy
 * for most of a same-CPU ping-pong (a few long yields a second happen
 * there too), a 1 ms window that forgot its verdict at the first quick
 * yield let a loaded CPU probe (and lose a slice) every few ms. The learned state is per CPU (a
 * thread's CPU is what a yield tells about, and benchmark or pool threads
 * come and go), a hint only: no ordering hangs on it.

 *   tl__spin_t sp = TL__SPIN_INIT;
 *   while (!done())
 *           if (!tl__spin(&sp))
 *                   break;           ... then the futex wait ...
 *
 * Counters (tl__spin_stats) say how often the busy phase found what it
 * waited for, how often it gave up to sleep, and how often a slow yield
 * switched it off. */
#ifndef TL_SPIN_H
#define TL_SPIN_H

#include "futex.h"

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#ifndef TL__SPIN_NS
#define TL__SPIN_NS 10000 /* whole busy phase of a handoff wait */
#endif
#ifndef TL__SPIN_ROUND_NS
#define TL__SPIN_ROUND_NS 250 /* pauses after each yield */
#endif
#ifndef TL__SPIN_BUSY_NS
#define TL__SPIN_BUSY_NS 2000 /* whole busy phase, yields off (CPU found busy) */
#endif
#ifndef TL__SPIN_SLOW_YIELD_NS
#define TL__SPIN_SLOW_YIELD_NS 250000 /* a yield this long gave a time slice away (slices are 0.75-3 ms) */
#endif
#ifndef TL__SPIN_BUSY_WINDOW_NS
#define TL__SPIN_BUSY_WINDOW_NS 4000000ull /* 4 ms: yields off on a busy CPU for this, doubling */
#endif
#ifndef TL__SPIN_SKIP_SHIFT_MAX
/* At most 128 ms between two probes. The verdict outlives the load that
 * caused it by about the sum of the windows (a quiet probe shrinks one step
 * per window): with 2 s windows, the rows tl-bench runs after its
 * oversubscribed ones (4 threads on 2 CPUs) still waited as on a busy CPU,
 * a 2 us spin then a futex sleep, and the SPSC handoff at capacity 1 took
 * 31-51 us an item instead of 60-75 ns (3 of 4 runs, 0 of 3 with 128 ms);
 * a loaded CPU now pays a lost slice per 128 ms instead of per 2 s, which
 * the --load 1 handoff rows did not show (2 interleaved runs each). */
#define TL__SPIN_SKIP_SHIFT_MAX 5
#endif
#define TL__SPIN_CLOCK_EVERY 4 /* pauses between two clock reads */

typedef struct {
	uint64_t t0, round_end; /* ns, CLOCK_MONOTONIC; t0 == 0: not started */
	uint32_t pause_ns;      /* pure pauses before the first yield */
	uint32_t budget_ns;     /* the whole busy phase */
	uint32_t i;
	bool busy;              /* yields off for this wait */
} tl__spin_t;

/* Handoffs: yield first. */
#define TL__SPIN_INIT { 0, 0, 0, TL__SPIN_NS, 0, false }
/* Pause for pause_ns before the first yield, budget_ns in all (queues,
 * whose peer is usually running on another CPU). */
#define TL__SPIN_INIT_PAUSE(pause_ns, budget_ns) { 0, 0, (pause_ns), (budget_ns), 0, false }

static inline uint64_t tl__now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Out of line (spin.c): the start of a round (a timed yield) and the
 * verdict when the budget is spent. */
bool tl__spin_round(tl__spin_t *s, uint64_t now);

/* One step of the busy phase: true = look again, false = go to sleep. */
static inline bool tl__spin(tl__spin_t *s)
{
	if (s->t0 && ++s->i % TL__SPIN_CLOCK_EVERY) {
		tl__cpu_relax();
		return true;
	}
	uint64_t now = tl__now_ns();
	if (s->t0 && now < s->round_end) {
		tl__cpu_relax();
		return true;
	}
	return tl__spin_round(s, now);
}

/* Pauses that take about `ns` on this CPU (at least 1): a pause costs ~10
 * cycles on some CPUs and ~140 on others, so a spin that counts pauses
 * converts its budget here. The cost is measured once per process, at the
 * first call (about 5 us: the fastest of three runs of 64 pauses, so a
 * preemption in one run does not skew it). */
uint32_t tl__pauses_for_ns(uint32_t ns);
uint32_t tl__pause_ps(void); /* the measured cost of one pause, picoseconds */

/* Process-wide counters since start (relaxed: a hint, not an exact
 * count). A wait that saw its state before the busy phase counts nowhere;
 * the busy phase won spun - gave_up times. */
struct tl__spin_stats {
	uint64_t spun;       /* waits that entered the busy phase */
	uint64_t gave_up;    /* ... and slept after it */
	uint64_t busy;       /* ... of them with yields off (their CPU had been found busy) */
	uint64_t slow_yield; /* yields that gave a time slice away */
};
void tl__spin_stats_get(struct tl__spin_stats *out);

#endif
