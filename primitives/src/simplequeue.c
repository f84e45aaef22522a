/* queue.SimpleQueue: put never waits, get has one deadline-driven wait core.
 *
 * Storage is tl_queue's FIFO engine (queue_fifo.h: chained Vyukov rings,
 * items published by a release store of their slot's seq and taken with an
 * acquire load: that pair is the happens-before TSan sees from a put to the
 * get that returns its item). Without maxsize, task accounting or shutdown,
 * a put is the ring's try_put plus one load of the sleeper count, a get is
 * the ring's try_get.
 *
 * Sleeping (get only): a get that finds the queue empty polls the slot it
 * will take (reads only, tl__fifo_get_ready) for a short while, then links
 * a node into getq (waitq.h), re-checks and sleeps on the node's own futex
 * word. A put, after its seq_cst tail CAS, loads getq.n (seq_cst) and,
 * only when non-zero, unlinks and wakes the oldest sleeper. Dekker pairing:
 * the sleeper's seq_cst increment of getq.n comes before its re-check's
 * seq_cst load of tail, the put's tail CAS before its load of getq.n, so
 * either the put sees the sleeper or the re-check sees the item.
 *
 * Wake order: oldest sleeper first, one wake per put while anyone sleeps (a
 * woken sleeper is no longer counted: puts against a sleeper that has not
 * run yet wake the next one, never it twice). The item is not reserved for
 * the woken thread: a get that barges in (spinning, or a get_nowait) may take
 * it; the woken thread then finds the queue empty and sleeps again, which is
 * right since its wake's item went to someone. A sleeper that leaves without
 * using a wake it received (it found an item in its re-check) passes the
 * wake on, so no item sits in the queue while someone sleeps. */
#include "threadlab/simplequeue.h"

#include "queue_fifo.h"
#include "spin.h"
#include "waitq.h"

#include <math.h>
#include <sched.h>
#include <time.h>

/* The poll before sleeping (spin.h, budgeted in time): TL__SQ_PAUSE_NS of
 * pauses, then timed yields until TL__SPIN_NS. A producer running on another
 * CPU usually answers within the pauses; one queued behind us on our own
 * CPU (pinned together, more threads than CPUs) gets the CPU at the first
 * yield instead of after a long pause spin. On the 2-vCPU EPYC VM, a
 * ping-pong round trip through two queues (median of 7 runs): threads on
 * two CPUs ~0.23 us with 0.6-1.2 us of pauses before the first yield, ~0.8 us
 * with less (the yield comes too early); both threads on one CPU 3.5 us vs
 * 6.0 us with tl_queue's longer pause phase. */
#ifndef TL__SQ_PAUSE_NS
#define TL__SQ_PAUSE_NS 800
#endif

int tl_simplequeue_init(tl_simplequeue_t *q)
{
	if (!q)
		return TL_EINVAL;
	atomic_init(&q->inside, 0);
	return tl_queue_init(&q->fifo, TL_QUEUE_FIFO, 0);
}

int tl_simplequeue_destroy(tl_simplequeue_t *q)
{
	if (!q)
		return TL_EINVAL;
	/* Acquire: a get that has left the slow path made its last access to
	 * the queue before its release decrement. */
	if (atomic_load_explicit(&q->inside, memory_order_acquire))
		return TL_EBUSY;
	tl__fifo_destroy(&q->fifo);
	return 0;
}

/* ---- put ---- */

int tl_simplequeue_put(tl_simplequeue_t *q, void *item)
{
	if (!q)
		return TL_EINVAL;
	int r = tl__fifo_try_put(&q->fifo, item); /* 0 or TL_ENOMEM: no maxsize, no shutdown */
	if (r == 0)
		tl__wq_notify(&q->fifo.getq);
	return r;
}

int tl_simplequeue_put_nowait(tl_simplequeue_t *q, void *item)
{
	return tl_simplequeue_put(q, item);
}

/* ---- get ---- */

static bool passed(const struct timespec *deadline)
{
	if (!deadline)
		return false;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > deadline->tv_sec ||
	       (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
}

/* Poll until the queue looks non-empty or the poll is over. Relaxed loads:
 * only a hint, the try_get that follows decides. */
static void poll_nonempty(tl_queue_t *f)
{
	tl__spin_t sp = TL__SPIN_INIT_PAUSE(TL__SQ_PAUSE_NS, TL__SPIN_NS);
	while (tl__spin(&sp))
		if (tl__fifo_get_ready(f))
			return;
}

/* The one wait core, entered after a first attempt found the queue empty.
 * deadline: NULL = forever. Returns 0 or TL_EEMPTY. */
static __attribute__((noinline)) int get_wait(tl_simplequeue_t *q, void **item, const struct timespec *deadline)
{
	tl_queue_t *f = &q->fifo;
	tl__waitq_t *wq = &f->getq;
	int r;
	atomic_fetch_add_explicit(&q->inside, 1, memory_order_relaxed);
	if (passed(deadline)) { /* timeout 0 or a past deadline: no poll, no sleep */
		r = tl__fifo_try_get(f, item);
		goto out;
	}
	poll_nonempty(f);
	r = tl__fifo_try_get(f, item);
	while (r == TL_EEMPTY) {
		tl__wnode_t w;
		tl__wq_prepare(wq, &w);
		r = tl__fifo_try_get(f, item);
		if (r != TL_EEMPTY) {
			if (tl__wq_cancel(wq, &w)) /* a wake raced in, unused: pass it on */
				tl__wq_notify(wq);
			break;
		}
		int wr = tl__wq_wait(wq, &w, deadline);
		/* Woken (wr == 0: unlinked by a put) or timed out (unlinked by
		 * us): either way no longer in the wait queue. Re-check before
		 * the deadline verdict, as Python does. */
		r = tl__fifo_try_get(f, item);
		if (wr == TL_ETIMEDOUT)
			break;
	}
out:
	/* Release: every access to the queue above happens-before a destroy
	 * that reads zero. */
	atomic_fetch_sub_explicit(&q->inside, 1, memory_order_release);
	return r;
}

int tl_simplequeue_get_until(tl_simplequeue_t *q, void **item, const struct timespec *deadline)
{
	if (!q || !item)
		return TL_EINVAL;
	int r = tl__fifo_try_get(&q->fifo, item);
	if (r == TL_EEMPTY)
		r = get_wait(q, item, deadline);
	return r;
}

int tl_simplequeue_get_nowait(tl_simplequeue_t *q, void **item)
{
	if (!q || !item)
		return TL_EINVAL;
	return tl__fifo_try_get(&q->fifo, item);
}

int tl_simplequeue_get(tl_simplequeue_t *q, void **item, bool block, double timeout)
{
	if (!q || !item)
		return TL_EINVAL;
	if (!block)
		return tl__fifo_try_get(&q->fifo, item);
	if (isnan(timeout) || (timeout < 0 && timeout != TL_FOREVER))
		return TL_EINVAL;
	int r = tl__fifo_try_get(&q->fifo, item);
	if (r == TL_EEMPTY && timeout != 0) {
		/* The clock is read only now that we have to wait. */
		struct timespec ts;
		r = get_wait(q, item, tl_deadline(&ts, timeout));
	}
	return r;
}

/* ---- size ---- */

size_t tl_simplequeue_qsize(tl_simplequeue_t *q)
{
	return q ? tl__fifo_qsize(&q->fifo) : 0;
}

bool tl_simplequeue_empty(tl_simplequeue_t *q)
{
	return tl_simplequeue_qsize(q) == 0;
}
