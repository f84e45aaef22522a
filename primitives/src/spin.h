/* Internal: the short busy phase before a thread sleeps in the kernel, for
 * handoffs (Event, Condition, Semaphore waits).
 *
 * Rounds of one sched_yield() and a few pauses. The yield comes first: if
 * the peer that will wake us is runnable on *this* CPU (pinned together, or
 * more threads than CPUs), every pause only burns the time slice it needs,
 * while a yield lets it run at once. On another CPU the peer usually answers
 * within a microsecond or two — far sooner than a futex sleep and wake-up
 * (tens of microseconds on a VM, where the wake is an IPI) — and the loop
 * sees it. After TL__SPIN_ROUNDS rounds, sleep.
 *
 *   for (int i = 0; i < TL__SPIN_STEPS; i++) {
 *           if (done()) return;
 *           tl__spin_step(i);
 *   }
 *   ... futex wait ...
 */
#ifndef TL_SPIN_H
#define TL_SPIN_H

#include "futex.h"

#include <sched.h>

#ifndef TL__SPIN_PAUSES
#define TL__SPIN_PAUSES 8 /* per round, after the yield */
#endif
#ifndef TL__SPIN_ROUNDS
#define TL__SPIN_ROUNDS 6
#endif
#define TL__SPIN_STEPS (TL__SPIN_ROUNDS * (TL__SPIN_PAUSES + 1))

static inline void tl__spin_step(int i)
{
#ifdef TL__SPIN_PAUSE_FIRST
	if (i % (TL__SPIN_PAUSES + 1) == TL__SPIN_PAUSES)
#else
	if (i % (TL__SPIN_PAUSES + 1) == 0)
#endif
		sched_yield();
	else
		tl__cpu_relax();
}

#endif
