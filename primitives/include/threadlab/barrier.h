/* threadlab/barrier.h — Python's threading.Barrier.
 *
 * Example (compiled and run by tests/api):
 *
 *   #include "threadlab/thread.h"
 *
 *   static tl_barrier_t b;
 *   static int seen[3];
 *
 *   static void party(void *arg)
 *   {
 *       int i = -1;                                  // i = b.wait()
 *       if (tl_barrier_wait(&b, TL_BARRIER_DEFAULT, &i) == 0)
 *           seen[i] = 1;                             // each index once
 *       (void)arg;
 *   }
 *
 *   int main(void)
 *   {
 *       tl_barrier_init(&b, TL_PRIVATE, 3, NULL, NULL, TL_FOREVER);  // Barrier(3)
 *       tl_thread_t t[2];
 *       for (int k = 0; k < 2; k++) {
 *           tl_thread_init(&t[k], party, NULL, NULL);
 *           tl_thread_start(&t[k]);
 *       }
 *       party(NULL);
 *       for (int k = 0; k < 2; k++)
 *           tl_thread_join(&t[k], TL_FOREVER);
 *       tl_barrier_abort(&b);
 *       int broken = tl_barrier_wait(&b, 1.0, NULL); // BrokenBarrierError: TL_EBROKEN
 *       tl_barrier_destroy(&b);
 *       return seen[0] && seen[1] && seen[2] && broken == TL_EBROKEN ? 0 : 1;
 *   }
 *
 * wait returns 0 and stores the arrival index (Python's return value: the
 * first thread to arrive gets 0, the last parties-1), or TL_EBROKEN (Python's
 * BrokenBarrierError) when the barrier is or becomes broken: abort(), a
 * reset() while threads wait, a failing action, or a wait's timeout — which
 * breaks the barrier for everyone, as in Python. The action runs in the last
 * thread to arrive, before any thread is released, with the barrier's lock
 * held; if it returns non-zero the barrier breaks and that thread gets
 * TL_EBROKEN too. reset() returns the barrier to its empty state (threads
 * waiting get TL_EBROKEN).
 *
 * Process-shared (TL_PSHARED, in a MAP_SHARED mapping: see lock.h): the
 * parties may be processes; the action runs in the last process to arrive
 * (its pointer must be valid there: fork, or the same executable). At most
 * TL_BARRIER_PSHARED_PARTIES parties (TL_EINVAL beyond): the barrier records
 * the thread of each arrival. Deaths:
 *   - a party that dies (is killed) while it waits in the barrier breaks it
 *     for the others, as a timeout does: the waiters sleep in slices of
 *     TL_LIVENESS_MS (lock.h) and check the recorded waiters; they, and
 *     later arrivals, get TL_EBROKEN; reset() makes it usable again. If the
 *     last party arrives before anyone noticed the death (within a slice),
 *     that cycle completes without it; the dead one's place is freed anyway,
 *     so the next cycle does not wait for it to leave.
 *   - a process that dies holding the barrier's internal lock (inside a
 *     call, e.g. in the action) breaks it too (TL_EBROKEN for the rest).
 *   - a party that dies *before* it arrives cannot be told from a slow one:
 *     give waits a timeout (Python's answer), which breaks the barrier.
 */
#ifndef THREADLAB_BARRIER_H
#define THREADLAB_BARRIER_H

#include "threadlab/common.h"
#include "threadlab/lock.h"

#include <stdatomic.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef int (*tl_barrier_action)(void *arg); /* non-zero: break the barrier */

/* Parties of a process-shared barrier at most. */
#define TL_BARRIER_PSHARED_PARTIES 256

typedef struct tl_barrier {
	tl_lock_t lock;          /* guards the fields below */
	_Atomic uint32_t seq;    /* futex word, bumped by every state change */
	uint32_t parties;
	uint32_t count;          /* threads inside wait() */
	int32_t state;           /* 0 filling, 1 draining, -1 resetting, -2 broken */
	uint32_t flags;          /* TL_PSHARED */
	double timeout;          /* default timeout of tl_barrier_wait */
	tl_barrier_action action;
	void *action_arg;
	/* TL_PSHARED only: */
	uint64_t check_ns;       /* last scan for dead waiters */
	uint32_t arrived[TL_BARRIER_PSHARED_PARTIES]; /* tid of the waiter with that arrival index, or 0 */
} tl_barrier_t;

/* parties < 1 (or, with TL_PSHARED, > TL_BARRIER_PSHARED_PARTIES) or bad
 * flags: TL_EINVAL. action may be NULL. timeout: the default for
 * tl_barrier_wait, TL_FOREVER or seconds (<= 0: a wait breaks the barrier
 * unless it is the last party, as in Python). */
int tl_barrier_init(tl_barrier_t *b, int flags, int parties, tl_barrier_action action, void *arg,
		    double timeout);
int tl_barrier_destroy(tl_barrier_t *b); /* TL_EBUSY while threads wait */

/* barrier.wait(timeout) -> 0 with *index (may be NULL) = the arrival
 * index, or TL_EBROKEN. timeout: TL_BARRIER_DEFAULT (Python's None) uses
 * the timeout given at init; TL_FOREVER; seconds (another negative or a NaN
 * timeout acts as 0, as in Python: Condition.wait_for polls). */
#define TL_BARRIER_DEFAULT (-2.0)
int tl_barrier_wait(tl_barrier_t *b, double timeout, int *index);
/* The core: absolute CLOCK_MONOTONIC deadline, NULL = forever. */
int tl_barrier_wait_until(tl_barrier_t *b, const struct timespec *deadline, int *index);

/* reset(): back to empty, threads waiting get TL_EBROKEN; abort(): break
 * it (every wait, now and later, TL_EBROKEN until reset). Always 0. */
int tl_barrier_reset(tl_barrier_t *b);
int tl_barrier_abort(tl_barrier_t *b);
/* Python's parties, n_waiting (threads waiting in the current cycle) and
 * broken: snapshots. */
int tl_barrier_parties(const tl_barrier_t *b);
int tl_barrier_n_waiting(tl_barrier_t *b);
bool tl_barrier_broken(tl_barrier_t *b);

#ifdef __cplusplus
}
#endif
#endif
