/* The record queue's internal lock: a robust futex mutex whose word holds
 * the holder's kernel tid (same layout as the kernel's robust futexes:
 * tid | WAITERS). glibc owns the thread's one robust-list head, so the
 * kernel cannot clean up for us; waiters find a dead holder themselves.
 *
 * Lock: CAS 0 -> tid (acquire). Else spin on loads while nobody sleeps,
 * then set WAITERS and futex-wait. A process-shared waiter sleeps in slices
 * of TL_SQUEUE_LIVENESS_MS; after a slice it probes the holder's tid
 * (liveness.h) and, if it is dead, CASes the exact word it slept on to its
 * own tid | WAITERS: only one waiter can win, and a holder that released
 * meanwhile changed the word, so a live holder is never robbed.
 * Unlock: swap 0 (release); wake one if WAITERS was set. A woken waiter
 * installs tid | WAITERS (it cannot know whether others still sleep).
 *
 * Recovery: critical sections commit with one release store each (see
 * squeue.c), so the only multi-store section, shutdown(immediate), leaves a
 * redo record (intent) that the new holder applies. The takeover's acquire
 * CAS reads the dead holder's last lock-word value, not a release store by
 * it, so the recoverer reads the commit words with acquire loads (they were
 * release stores): whatever commit it sees, it sees what preceded it.
 */
#include "squeue_impl.h"

#include "liveness.h"
#include "tid.h"

#include <errno.h>
#include <limits.h>

#define SPIN 100

void tl__sq_after_ms(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

void tl__sq_wake_all(tl_squeue_t *q)
{
	int ps = tl__sq_pshared(q);
	_Atomic uint32_t *ev[] = { &q->put_ev, &q->get_ev, &q->join_ev };
	for (int i = 0; i < 3; i++) {
		atomic_fetch_add_explicit(ev[i], 1, memory_order_release);
		tl__futex_wake(ev[i], INT_MAX, ps);
	}
}

/* Under the lock, just taken over from a dead holder. */
static void recover(tl_squeue_t *q)
{
	uint32_t s = atomic_load_explicit(&q->shut, memory_order_acquire);
	if (s & TL__SQ_INTENT) {
		/* Redo the recorded drop: idempotent, the fields were written
		 * before the intent bit was released. */
		atomic_store_explicit(&q->head, q->intent_tail, memory_order_release);
		atomic_store_explicit(&q->done, q->intent_done, memory_order_release);
		atomic_store_explicit(&q->shut, s & ~TL__SQ_INTENT, memory_order_release);
	}
	/* Make the commits this process reads with relaxed loads visible. */
	(void)atomic_load_explicit(&q->head, memory_order_acquire);
	(void)atomic_load_explicit(&q->tail, memory_order_acquire);
	(void)atomic_load_explicit(&q->done, memory_order_acquire);
	q->dirty = 1;
	atomic_fetch_add_explicit(&q->owner_deaths, 1, memory_order_relaxed);
	/* Sleepers may have been waiting on a put/get the dead one never
	 * finished announcing: let them all re-check. */
	tl__sq_wake_all(q);
}

static void lock_slow(tl_squeue_t *q, uint32_t me)
{
	int ps = tl__sq_pshared(q);
	for (int i = 0; i < SPIN; i++) {
		uint32_t v = atomic_load_explicit(&q->lock, memory_order_relaxed);
		if (v == 0 && atomic_compare_exchange_weak_explicit(&q->lock, &v, me, memory_order_acquire,
								     memory_order_relaxed))
			return;
		if (v & TL__SQ_WAITERS) /* sleepers already: queue behind them */
			break;
		tl__cpu_relax();
	}
	for (;;) {
		uint32_t v = atomic_load_explicit(&q->lock, memory_order_relaxed);
		if (v == 0) {
			if (atomic_compare_exchange_strong_explicit(&q->lock, &v, me | TL__SQ_WAITERS,
								    memory_order_acquire, memory_order_relaxed))
				return;
			continue;
		}
		if (!(v & TL__SQ_WAITERS)) {
			if (!atomic_compare_exchange_strong_explicit(&q->lock, &v, v | TL__SQ_WAITERS,
								     memory_order_relaxed, memory_order_relaxed))
				continue;
			v |= TL__SQ_WAITERS;
		}
		struct timespec slice, *dl = NULL;
		if (ps) {
			tl__sq_after_ms(&slice, TL_SQUEUE_LIVENESS_MS);
			dl = &slice;
		}
		if (tl__futex_wait(&q->lock, v, dl, ps) != -ETIMEDOUT)
			continue;
		/* A slice passed with the same holder: is it still alive? */
		uint32_t owner = v & TL__SQ_TIDMASK;
		/* (our own tid there means a dead holder's recycled tid: we
		 * are not holding it, the lock is not recursive) */
		if (owner != me && tl__proc_alive((pid_t)owner, 0))
			continue;
		if (atomic_compare_exchange_strong_explicit(&q->lock, &v, me | TL__SQ_WAITERS,
							    memory_order_acquire, memory_order_relaxed)) {
			recover(q);
			return;
		}
	}
}

void tl__sq_lock(tl_squeue_t *q)
{
	uint32_t me = tl__self_tid() & TL__SQ_TIDMASK;
	uint32_t zero = 0;
	if (!atomic_compare_exchange_strong_explicit(&q->lock, &zero, me, memory_order_acquire,
						     memory_order_relaxed))
		lock_slow(q, me);
}

void tl__sq_unlock(tl_squeue_t *q)
{
	uint32_t v = atomic_exchange_explicit(&q->lock, 0, memory_order_release);
	if (v & TL__SQ_WAITERS)
		tl__futex_wake(&q->lock, 1, tl__sq_pshared(q));
}
