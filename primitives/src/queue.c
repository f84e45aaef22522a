/* queue.Queue / LifoQueue / PriorityQueue: the public calls, the one
 * deadline-driven wait core for put and get, task accounting and shutdown.
 *
 * Sleeping (the part a mutex + condvar queue pays for on every call): a get
 * that finds the queue empty polls briefly, then links itself into getq
 * (waitq.h), re-checks, and sleeps. A successful put, after its seq_cst
 * claim, loads getq.n and only when non-zero unlinks and wakes the oldest
 * sleeper: no syscall while nobody sleeps, one per sleeper otherwise (a
 * woken sleeper is no longer counted, so a burst of puts against a getter
 * that has not run yet makes one wake, not one per put). Putters wait for
 * room in putq the same way. Wake order: oldest sleeper first. A woken
 * thread re-checks its condition before its deadline (as Python's loops do).
 *
 * unfinished_tasks = puts - done, where puts is tail's count: task_done CASes
 * `done` up only while done < puts (else TL_EOVERFLOW), join waits until done
 * == puts. join reads done before tail; with done <= puts always, equal
 * values mean the count was zero at the instant done was read. Joiners sleep
 * on join_ev (a plain event word: task_done wakes them only at zero). */
#include "qlock.h"
#include "queue_fifo.h"
#include "queue_impl.h"
#include "waitq.h"

#include <limits.h>
#include "spin.h"
#include "trace_hooks.h"

#include <sched.h>
#include <math.h>

/* How long a get on an empty (put on a full) queue polls before sleeping
 * (spin.h: budgeted in time). First TL__QUEUE_PAUSE_NS of pauses: a peer
 * that is running on another CPU is usually well within that, while a futex
 * sleep + wake costs a syscall on each side, and on a busy machine the
 * sleeper's CPU. Then timed yields until TL__QUEUE_SPIN_NS: with more
 * runnable threads than CPUs the peer we wait for may be queued behind us on
 * our own CPU; yielding lets it run (and costs one cheap syscall when nobody
 * else is runnable). On the loaded 2-vCPU VM the yields took a capacity-1
 * SPSC handoff from ~50 us (sleep + wake every item, as the mutex + condvar
 * ring does) to ~1 us. A yield that gives a whole time slice away switches
 * them off for a while (spin.h). */
#ifndef TL__QUEUE_PAUSE_NS
#define TL__QUEUE_PAUSE_NS 3000
#endif
#ifndef TL__QUEUE_SPIN_NS
#define TL__QUEUE_SPIN_NS 12000
#endif
#define QUEUE_SPIN_INIT TL__SPIN_INIT_PAUSE(TL__QUEUE_PAUSE_NS, TL__QUEUE_SPIN_NS)

int tl_queue_init(tl_queue_t *q, tl_queue_kind_t kind, long maxsize)
{
	if (!q || (kind != TL_QUEUE_FIFO && kind != TL_QUEUE_LIFO && kind != TL_QUEUE_PRIORITY))
		return TL_EINVAL;
	q->kind = kind;
	q->maxsize = maxsize > 0 ? maxsize : 0;
	atomic_init(&q->tail, 0);
	atomic_init(&q->head, 0);
	atomic_init(&q->head_cache, 0);
	atomic_init(&q->tail_ring, NULL);
	atomic_init(&q->head_ring, NULL);
	atomic_init(&q->lock, 0);
	q->items = NULL;
	atomic_init(&q->count, 0);
	q->cap = 0;
	q->seq = 0;
	tl__wq_init(&q->getq);
	tl__wq_init(&q->putq);
	atomic_init(&q->done, 0);
	atomic_init(&q->joiners, 0);
	atomic_init(&q->join_ev, 0);
	/* Helgrind/DRD see these atomics' stores (under the lock) and lock-free
	 * loads (polling, qsize) as races; atomics cannot race. The edges:
	 * the lock (qlock.h), the FIFO ring's slots, task_done -> join. */
	TL__VG_IGNORE(&q->tail, sizeof q->tail);
	TL__VG_IGNORE(&q->head, sizeof q->head);
	TL__VG_IGNORE(&q->count, sizeof q->count);
	TL__VG_IGNORE(&q->done, sizeof q->done);
	TL__VG_IGNORE(&q->joiners, sizeof q->joiners);
	TL__VG_IGNORE(&q->join_ev, sizeof q->join_ev);
	return kind == TL_QUEUE_FIFO ? tl__fifo_init(q) : tl__heap_init(q);
}

int tl_queue_destroy(tl_queue_t *q)
{
	if (!q)
		return TL_EINVAL;
	if (atomic_load(&q->getq.n) || atomic_load(&q->putq.n) || atomic_load(&q->joiners))
		return TL_EBUSY;
	if (q->kind == TL_QUEUE_FIFO)
		tl__fifo_destroy(q);
	else
		tl__heap_destroy(q);
	return 0;
}

static inline int try_put(tl_queue_t *q, int64_t prio, void *item)
{
	if (q->kind == TL_QUEUE_FIFO)
		return tl__fifo_try_put(q, item);
	return tl__heap_try_put(q, prio, item);
}

static inline int try_get(tl_queue_t *q, int64_t *prio, void **item)
{
	if (q->kind == TL_QUEUE_FIFO) {
		if (prio)
			*prio = 0;
		return tl__fifo_try_get(q, item);
	}
	return tl__heap_try_get(q, prio, item);
}

static void wake_all(_Atomic uint32_t *ev)
{
	atomic_fetch_add_explicit(ev, 1, memory_order_release);
	tl__futex_wake(ev, INT_MAX, 0);
}

/* After a successful put: wake a sleeping getter, if any. */
static inline void put_done(tl_queue_t *q)
{
	tl__wq_notify(&q->getq);
}

/* After a successful get: wake a putter sleeping for room, if any. */
static inline void get_done(tl_queue_t *q)
{
	if (q->maxsize)
		tl__wq_notify(&q->putq);
}

/* One put or get, as the wait core sees it. */
struct op {
	bool put;
	int64_t prio;      /* put */
	void *item;        /* put */
	int64_t *prio_out; /* get */
	void **item_out;   /* get */
};

static inline int attempt(tl_queue_t *q, const struct op *op)
{
	return op->put ? try_put(q, op->prio, op->item) : try_get(q, op->prio_out, op->item_out);
}

/* Poll a FIFO (reads only, paced by pause) until a retry makes sense: a get
 * watches its next slot, a put head and tail. A full queue waits for some
 * slack, not one free slot: a producer that retries at each get runs in
 * lockstep one slot behind the consumer, and every slot and index line then
 * bounces between their caches once per item. Waiting for 1/8 of maxsize
 * (at most 64) lets each side run a burst on lines the other is not
 * touching. A blocked put may take a little longer to see room, which is
 * not observable: it sleeps (and is woken at the first free slot) once the
 * short poll is over. */
static void spin_fifo(tl_queue_t *q, bool put)
{
	tl__spin_t sp = QUEUE_SPIN_INIT;
	if (!put) {
		while (tl__spin(&sp))
			if (tl__fifo_get_ready(q))
				return;
		return;
	}
	uint64_t slack = (uint64_t)q->maxsize / 8;
	slack = slack < 1 ? 1 : slack > 64 ? 64 : slack;
	while (tl__spin(&sp)) {
		uint64_t h = atomic_load_explicit(&q->head, memory_order_relaxed);
		uint64_t t = atomic_load_explicit(&q->tail, memory_order_relaxed);
		if (t & TL__Q_SHUT)
			return;
		if ((t & TL__Q_POS) - h + slack <= (uint64_t)q->maxsize)
			return;
	}
}

/* The same for LIFO / PRIORITY, on the count (no lock taken while polling:
 * a poller hammering the lock would slow the very thread it waits for). */
static void spin_heap(tl_queue_t *q, bool put)
{
	tl__spin_t sp = QUEUE_SPIN_INIT;
	while (tl__spin(&sp)) {
		size_t n = atomic_load_explicit(&q->count, memory_order_relaxed);
		if (atomic_load_explicit(&q->tail, memory_order_relaxed) & TL__Q_SHUT)
			return;
		if (put ? n < (unsigned long)q->maxsize : n > 0)
			return;
	}
}

/* The one wait core, entered after a first attempt found the queue full
 * (put) or empty (get): poll a little, then sleep in the wait queue until
 * woken or the deadline; re-check after every wake, and once more after the
 * deadline (Python checks the condition before the clock). */
static int wait_core(tl_queue_t *q, const struct op *op, const struct timespec *deadline)
{
	tl__waitq_t *wq = op->put ? &q->putq : &q->getq;
	const int busy = op->put ? TL_EFULL : TL_EEMPTY;
	int r = busy;
	if (q->kind == TL_QUEUE_FIFO) {
		spin_fifo(q, op->put);
		r = attempt(q, op);
	} else {
		spin_heap(q, op->put);
		r = attempt(q, op);
	}
	while (r == busy) {
		tl__wnode_t w;
		tl__wq_prepare(wq, &w);
		r = attempt(q, op);
		if (r != busy) {
			/* A wake that raced in is unused by us: pass it on. */
			if (tl__wq_cancel(wq, &w))
				tl__wq_notify(wq);
			break;
		}
		int wr = tl__wq_wait(wq, &w, deadline);
		r = attempt(q, op);
		if (wr == TL_ETIMEDOUT)
			break;
	}
	return r;
}

/* put/get: the _until forms pass their deadline (NULL = forever, with
 * timeout TL_FOREVER); the others pass NULL and their timeout, turned into a
 * deadline only if the first attempt has to wait: the fast path reads no
 * clock. */
static inline int put_core(tl_queue_t *q, int64_t prio, void *item, const struct timespec *deadline,
			   double timeout)
{
	TL_TRACE_SIGNAL(TL__TR_QUEUE, q);
	int r = try_put(q, prio, item);
	if (r == TL_EFULL) {
		struct timespec ts;
		struct op op = { .put = true, .prio = prio, .item = item };
		r = wait_core(q, &op, deadline ? deadline : tl_deadline(&ts, timeout));
	}
	if (r == 0)
		put_done(q);
	return r;
}

static inline int get_core(tl_queue_t *q, int64_t *prio, void **item, const struct timespec *deadline,
			   double timeout)
{
	int r = try_get(q, prio, item);
	if (r == TL_EEMPTY) {
		struct timespec ts;
		struct op op = { .put = false, .prio_out = prio, .item_out = item };
		TL_TRACE_T0(t0);
		r = wait_core(q, &op, deadline ? deadline : tl_deadline(&ts, timeout));
		TL_TRACE_WAITED(TL__TR_QUEUE, q, t0, r);
	}
	if (r == 0)
		get_done(q);
	return r;
}

static int check_timeout(double timeout)
{
	return (isnan(timeout) || (timeout < 0 && timeout != TL_FOREVER)) ? TL_EINVAL : 0;
}

/* ---- put ---- */

/* A priority queue needs each item's priority: the plain puts refuse it
 * (Python's PriorityQueue has no "default priority" either; an item that
 * does not compare raises TypeError). */
int tl_queue_put_until(tl_queue_t *q, void *item, const struct timespec *deadline)
{
	if (q->kind == TL_QUEUE_PRIORITY)
		return TL_EINVAL;
	return put_core(q, 0, item, deadline, TL_FOREVER);
}

int tl_queue_put_nowait(tl_queue_t *q, void *item)
{
	if (q->kind == TL_QUEUE_PRIORITY)
		return TL_EINVAL;
	int r = try_put(q, 0, item);
	if (r == 0)
		put_done(q);
	return r;
}

int tl_queue_put(tl_queue_t *q, void *item, bool block, double timeout)
{
	if (!block)
		return tl_queue_put_nowait(q, item);
	if (q->kind == TL_QUEUE_PRIORITY || check_timeout(timeout))
		return TL_EINVAL;
	return put_core(q, 0, item, NULL, timeout);
}

int tl_queue_put_prio_until(tl_queue_t *q, void *item, int64_t prio, const struct timespec *deadline)
{
	if (q->kind != TL_QUEUE_PRIORITY)
		return TL_EINVAL;
	return put_core(q, prio, item, deadline, TL_FOREVER);
}

int tl_queue_put_prio_nowait(tl_queue_t *q, void *item, int64_t prio)
{
	if (q->kind != TL_QUEUE_PRIORITY)
		return TL_EINVAL;
	int r = try_put(q, prio, item);
	if (r == 0)
		put_done(q);
	return r;
}

int tl_queue_put_prio(tl_queue_t *q, void *item, int64_t prio, bool block, double timeout)
{
	if (q->kind != TL_QUEUE_PRIORITY)
		return TL_EINVAL;
	if (!block)
		return tl_queue_put_prio_nowait(q, item, prio);
	if (check_timeout(timeout))
		return TL_EINVAL;
	return put_core(q, prio, item, NULL, timeout);
}

/* ---- get ---- */

int tl_queue_get_until(tl_queue_t *q, void **item, const struct timespec *deadline)
{
	return get_core(q, NULL, item, deadline, TL_FOREVER);
}

int tl_queue_get_nowait(tl_queue_t *q, void **item)
{
	int r = try_get(q, NULL, item);
	if (r == 0)
		get_done(q);
	return r;
}

int tl_queue_get(tl_queue_t *q, void **item, bool block, double timeout)
{
	if (!block)
		return tl_queue_get_nowait(q, item);
	if (check_timeout(timeout))
		return TL_EINVAL;
	return get_core(q, NULL, item, NULL, timeout);
}

int tl_queue_get_prio_until(tl_queue_t *q, void **item, int64_t *prio, const struct timespec *deadline)
{
	if (q->kind != TL_QUEUE_PRIORITY)
		return TL_EINVAL;
	return get_core(q, prio, item, deadline, TL_FOREVER);
}

int tl_queue_get_prio_nowait(tl_queue_t *q, void **item, int64_t *prio)
{
	if (q->kind != TL_QUEUE_PRIORITY)
		return TL_EINVAL;
	int r = try_get(q, prio, item);
	if (r == 0)
		get_done(q);
	return r;
}

int tl_queue_get_prio(tl_queue_t *q, void **item, int64_t *prio, bool block, double timeout)
{
	if (q->kind != TL_QUEUE_PRIORITY)
		return TL_EINVAL;
	if (!block)
		return tl_queue_get_prio_nowait(q, item, prio);
	if (check_timeout(timeout))
		return TL_EINVAL;
	return get_core(q, prio, item, NULL, timeout);
}

/* ---- size ---- */

size_t tl_queue_qsize(tl_queue_t *q)
{
	return q->kind == TL_QUEUE_FIFO ? tl__fifo_qsize(q) : tl__heap_qsize(q);
}

bool tl_queue_empty(tl_queue_t *q)
{
	return tl_queue_qsize(q) == 0;
}

bool tl_queue_full(tl_queue_t *q)
{
	return q->maxsize > 0 && tl_queue_qsize(q) >= (unsigned long)q->maxsize;
}

long tl_queue_maxsize(const tl_queue_t *q)
{
	return q->maxsize;
}

/* ---- task accounting ---- */

uint64_t tl_queue_unfinished_tasks(tl_queue_t *q)
{
	uint64_t d = atomic_load_explicit(&q->done, memory_order_seq_cst);
	uint64_t t = atomic_load_explicit(&q->tail, memory_order_seq_cst) & TL__Q_POS;
	return t - d;
}

int tl_queue_task_done(tl_queue_t *q)
{
	TL__VG_HB_BEFORE(&q->done); /* the CAS below, for Helgrind/DRD */
	uint64_t d = atomic_load_explicit(&q->done, memory_order_relaxed);
	for (;;) {
		uint64_t puts = atomic_load_explicit(&q->tail, memory_order_acquire) & TL__Q_POS;
		if (d >= puts)
			return TL_EOVERFLOW;
		/* Release: the consumer's work on the item happens-before the
		 * join that sees this count. */
		if (atomic_compare_exchange_weak_explicit(&q->done, &d, d + 1, memory_order_seq_cst,
							  memory_order_relaxed))
			break;
	}
	/* Zero reached (at the CAS, since tail read now equals d + 1 and only
	 * grows): wake joiners, if any registered (seq_cst pairs with join). */
	if ((atomic_load_explicit(&q->tail, memory_order_seq_cst) & TL__Q_POS) == d + 1 &&
	    atomic_load_explicit(&q->joiners, memory_order_seq_cst))
		wake_all(&q->join_ev);
	return 0;
}

static bool all_done(tl_queue_t *q)
{
	uint64_t d = atomic_load_explicit(&q->done, memory_order_seq_cst);
	bool all = d == (atomic_load_explicit(&q->tail, memory_order_seq_cst) & TL__Q_POS);
	if (all)
		TL__VG_HB_AFTER(&q->done); /* every task_done's */
	return all;
}

int tl_queue_join_until(tl_queue_t *q, const struct timespec *deadline)
{
	if (all_done(q))
		return 0;
	int r;
	atomic_fetch_add_explicit(&q->joiners, 1, memory_order_seq_cst);
	for (;;) {
		uint32_t e = atomic_load_explicit(&q->join_ev, memory_order_acquire);
		if (all_done(q)) {
			r = 0;
			break;
		}
		if (tl__futex_wait(&q->join_ev, e, deadline, 0) == -ETIMEDOUT) {
			r = all_done(q) ? 0 : TL_ETIMEDOUT;
			break;
		}
	}
	atomic_fetch_sub_explicit(&q->joiners, 1, memory_order_relaxed);
	return r;
}

int tl_queue_join(tl_queue_t *q, double timeout)
{
	if (check_timeout(timeout))
		return TL_EINVAL;
	struct timespec ts;
	return tl_queue_join_until(q, tl_deadline(&ts, timeout));
}

/* ---- shutdown ---- */

int tl_queue_shutdown(tl_queue_t *q, bool immediate)
{
	uint64_t dropped = 0;
	void *item;
	if (q->kind == TL_QUEUE_FIFO) {
		/* From here on every put's tail CAS fails: puts are over. */
		atomic_fetch_or_explicit(&q->tail, TL__Q_SHUT, memory_order_seq_cst);
		if (immediate)
			while (tl__fifo_try_get(q, &item) == 0)
				dropped++;
	} else {
		tl__qlock(&q->lock);
		atomic_fetch_or_explicit(&q->tail, TL__Q_SHUT, memory_order_seq_cst);
		if (immediate) {
			dropped = atomic_load_explicit(&q->count, memory_order_relaxed);
			atomic_store_explicit(&q->count, 0, memory_order_relaxed);
		}
		tl__qunlock(&q->lock);
	}
	if (immediate) {
		/* Count the dropped items as done (never past puts: a consumer
		 * may already have called task_done for some). */
		uint64_t d = atomic_load_explicit(&q->done, memory_order_relaxed);
		for (;;) {
			uint64_t puts = atomic_load_explicit(&q->tail, memory_order_acquire) & TL__Q_POS;
			uint64_t nd = d + dropped > puts ? puts : d + dropped;
			if (nd <= d)
				break;
			if (atomic_compare_exchange_weak_explicit(&q->done, &d, nd, memory_order_seq_cst,
								  memory_order_relaxed))
				break;
		}
		wake_all(&q->join_ev);
	}
	/* Everyone blocked re-checks: putters fail, getters drain then fail. */
	tl__wq_wake_all(&q->getq);
	tl__wq_wake_all(&q->putq);
	return 0;
}

bool tl_queue_is_shutdown(tl_queue_t *q)
{
	return (atomic_load_explicit(&q->tail, memory_order_acquire) & TL__Q_SHUT) != 0;
}
