/* Wait queue with exact wake accounting: see waitq.h. */
#include "waitq.h"

#include "qlock.h"
#include "vg_annotate.h"

void tl__wq_init(tl__waitq_t *wq)
{
	atomic_init(&wq->lock, 0);
	atomic_init(&wq->n, 0);
	wq->head = wq->tail = NULL;
	/* Helgrind/DRD: wake_all's relaxed store of n looks like a plain write
	 * racing with tl__wq_has_waiters' load; atomics cannot race. */
	TL__VG_IGNORE(&wq->n, sizeof wq->n);
}

void tl__wq_prepare(tl__waitq_t *wq, tl__wnode_t *w)
{
	atomic_init(&w->signalled, 0);
	/* Helgrind/DRD: the waker's release store of signalled and the
	 * sleeper's acquire load are atomics (cannot race); their edge is
	 * annotated on the word (woken() below). */
	TL__VG_IGNORE(&w->signalled, sizeof w->signalled);
	w->next = NULL;
	tl__qlock(&wq->lock);
	w->prev = wq->tail;
	if (wq->tail)
		((tl__wnode_t *)wq->tail)->next = w;
	else
		wq->head = w;
	wq->tail = w;
	/* seq_cst RMW before the caller's re-check (Dekker, see waitq.h). */
	atomic_fetch_add_explicit(&wq->n, 1, memory_order_seq_cst);
	tl__qunlock(&wq->lock);
}

static void unlink_node(tl__waitq_t *wq, tl__wnode_t *w)
{
	if (w->prev)
		w->prev->next = w->next;
	else
		wq->head = w->next;
	if (w->next)
		w->next->prev = w->prev;
	else
		wq->tail = w->prev;
	atomic_fetch_sub_explicit(&wq->n, 1, memory_order_relaxed);
}

/* Under the lock, signalled == 0 means still linked (a waker unlinks and
 * sets it in the same critical section). */
static bool unlink_unless_signalled(tl__waitq_t *wq, tl__wnode_t *w)
{
	tl__qlock(&wq->lock);
	bool sig = atomic_load_explicit(&w->signalled, memory_order_acquire) != 0;
	if (!sig)
		unlink_node(wq, w);
	tl__qunlock(&wq->lock);
	if (sig)
		TL__VG_HB_AFTER(&w->signalled);
	return sig;
}

bool tl__wq_cancel(tl__waitq_t *wq, tl__wnode_t *w)
{
	return unlink_unless_signalled(wq, w);
}

int tl__wq_wait(tl__waitq_t *wq, tl__wnode_t *w, const struct timespec *deadline)
{
	for (;;) {
		if (atomic_load_explicit(&w->signalled, memory_order_acquire)) {
			TL__VG_HB_AFTER(&w->signalled);
			return 0;
		}
		if (tl__futex_wait(&w->signalled, 0, deadline, 0) == -ETIMEDOUT)
			return unlink_unless_signalled(wq, w) ? 0 : TL_ETIMEDOUT;
	}
}

int tl__wq_wake_one(tl__waitq_t *wq)
{
	tl__qlock(&wq->lock);
	tl__wnode_t *w = wq->head;
	if (w) {
		unlink_node(wq, w);
		/* Set under the lock so cancel/timeout see linked <=> !signalled;
		 * the wake syscall happens after unlocking (possibly on a node
		 * whose owner already returned: harmless, see above). */
		TL__VG_HB_BEFORE(&w->signalled);
		atomic_store_explicit(&w->signalled, 1, memory_order_release);
	}
	tl__qunlock(&wq->lock);
	if (!w)
		return 0;
	tl__futex_wake(&w->signalled, 1, 0);
	return 1;
}

int tl__wq_wake_all(tl__waitq_t *wq)
{
	tl__qlock(&wq->lock);
	tl__wnode_t *list = wq->head;
	int n = 0;
	for (tl__wnode_t *w = list; w; w = w->next)
		n++;
	wq->head = wq->tail = NULL;
	atomic_store_explicit(&wq->n, 0, memory_order_relaxed);
	/* Read next before setting a node's flag: once set, its owner may
	 * return and the node (on its stack) go away. The wake may then target
	 * a dead address, which is harmless for a private futex: whoever waits
	 * there next re-checks its own word. Wakes are made under the lock
	 * (wake_all is for shutdown, not a fast path). */
	for (tl__wnode_t *w = list; w;) {
		tl__wnode_t *next = w->next;
		TL__VG_HB_BEFORE(&w->signalled);
		atomic_store_explicit(&w->signalled, 1, memory_order_release);
		tl__futex_wake(&w->signalled, 1, 0);
		w = next;
	}
	tl__qunlock(&wq->lock);
	return n;
}
