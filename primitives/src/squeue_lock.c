/* The record queue's internal lock: robust.h's owner-word lock with the
 * holder's kernel tid (tid | WAITERS; the DIED mark is not used: a takeover
 * recovers the queue at once). glibc owns the thread's one robust-list head,
 * so the kernel cannot clean up for us; waiters find a dead holder
 * themselves.
 *
 * Lock: CAS 0 -> tid (acquire), else robust.h's slow path: spin, then sleep
 * with WAITERS set; a process-shared waiter sleeps in slices of
 * TL_SQUEUE_LIVENESS_MS, probes the holder's tid (liveness.h) after each and
 * takes a dead holder's word over with one CAS (one winner; a live holder is
 * never robbed). Unlock: swap 0 (release); wake one if WAITERS was set.
 *
 * Recovery: critical sections commit with one release store each (see
 * squeue.c), so the only multi-store section, shutdown(immediate), leaves a
 * redo record (intent) that the new holder applies. The takeover's acquire
 * CAS reads the dead holder's last lock-word value, not a release store by
 * it, so the recoverer reads the commit words with acquire loads (they were
 * release stores): whatever commit it sees, it sees what preceded it.
 */
#include "squeue_impl.h"

#include "robust.h"
#include "tid.h"
#include "vg_annotate.h"

#include <limits.h>

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

void tl__sq_lock(tl_squeue_t *q)
{
	uint32_t me = tl__self_tid() & TL__SQ_TIDMASK;
	uint32_t zero = 0;
	if (atomic_compare_exchange_strong_explicit(&q->lock, &zero, me, memory_order_acquire, memory_order_relaxed)) {
		TL__VG_HB_AFTER(&q->lock); /* Helgrind/DRD: pairs with tl__sq_unlock's */
		return;
	}
	unsigned mode = TL__ROBUST_ID_TID | (tl__sq_pshared(q) ? TL__ROBUST_PSHARED : 0);
	if (tl__robust_lock_slow(&q->lock, me, NULL, mode, TL_SQUEUE_LIVENESS_MS, NULL) == TL_EOWNERDEAD)
		recover(q);
	TL__VG_HB_AFTER(&q->lock);
}

void tl__sq_unlock(tl_squeue_t *q)
{
	TL__VG_HB_BEFORE(&q->lock);
	tl__robust_unlock(&q->lock, tl__sq_pshared(q));
}
