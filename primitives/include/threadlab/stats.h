/* threadlab/stats.h — what the adaptive parts of the library chose on this
 * machine, for benchmarks and bug reports ("why did this number move?").
 *
 * Spins are budgeted in time, not in pause instructions (a pause costs ~10
 * cycles on some CPUs and ~140 on others): the library measures one pause
 * once per process and turns each nanosecond budget into a count. Handoff
 * waits (Event, Condition, Semaphore, Future, queues) spin briefly before
 * they sleep, and switch their yields off on a CPU found busy (a yield that
 * gave a whole time slice away). The counters are process-wide, counted
 * with relaxed atomics: exact when read after the threads that waited have
 * been joined, approximate while they run.
 *
 * Example (compiled and run by tests/api):
 *
 *   #include "threadlab/event.h"
 *   #include <stdio.h>
 *
 *   int main(void)
 *   {
 *       tl_event_t e;
 *       tl_event_init(&e, TL_PRIVATE);
 *       tl_stats_t before, after;
 *       tl_stats_get(&before);
 *       tl_event_wait(&e, 0.001);           // nobody sets it: spins, then sleeps
 *       tl_stats_get(&after);
 *       printf("pause %u ps, Lock spin cap %u ns (%u pauses)\n", after.pause_ps,
 *              after.lock_spin_max_ns, after.lock_spin_max_pauses);
 *       tl_event_destroy(&e);
 *       return after.handoff_spins == before.handoff_spins + 1 ? 0 : 1;
 *   }
 */
#ifndef THREADLAB_STATS_H
#define THREADLAB_STATS_H

#include "threadlab/common.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tl_stats {
	uint32_t pause_ps;           /* one pause instruction, picoseconds (measured now if not yet) */
	uint32_t lock_spin_max_ns;   /* contended Lock: the spin budget's cap (the learned budget stays below) */
	uint32_t lock_spin_max_pauses; /* ... the same in pauses on this CPU */
	uint32_t handoff_spin_ns;    /* a handoff wait's busy phase on a quiet CPU */
	uint64_t handoff_spins;      /* handoff waits that entered the busy phase */
	uint64_t handoff_spin_won;   /* ... and found what they waited for without sleeping */
	uint64_t handoff_busy_cpu;   /* ... that spun without yields (their CPU had been found busy) */
	uint64_t slow_yields;        /* yields that gave a time slice away (each switches yields off a while) */
	uint32_t lock_fair_ns;       /* Lock eventual fairness: a sleeper waiting this long gets the next release
					(learned from hand-over delays; longer on a busy machine) */
	uint64_t lock_handoffs;      /* ... releases that handed the Lock to such a waiter */
	uint64_t lock_yields;        /* Lock releases followed by sched_yield(): the releaser had run contended
					500 us while a waiter sat on its CPU (oversubscribed CPUs) */
} tl_stats_t;

/* Fill *out. 0, or TL_EINVAL for NULL. */
int tl_stats_get(tl_stats_t *out);

#ifdef __cplusplus
}
#endif
#endif
