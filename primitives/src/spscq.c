/* The single-producer single-consumer bounded FIFO (threadlab/spscq.h).
 *
 * Positions are 64-bit counters: put number p stores its item in
 * ring[p & mask]. Only the producer writes tail and head_cache, only the
 * consumer head and tail_cache.
 *
 * Happens-before: the producer writes the slot, then stores tail = p + 1
 * with release; the consumer's acquire load of tail that shows p + 1 makes
 * the slot's item (and everything the producer did before the put) visible.
 * Back the other way, the consumer reads the slot, then stores head with
 * release; the producer reuses the slot one lap later only after an acquire
 * load of head that shows it free. These two pairs are what TSan sees.
 *
 * Sleeping, the getter's side (the putter's is its mirror on head,
 * put_sleeps): the consumer polls tail for a short time budget (spin.h), then
 *     get_sleeps = 1; heavy barrier; re-check tail; futex_wait(get_sleeps, 1)
 * and every put, after its tail store, does
 *     light barrier; if (get_sleeps) { get_sleeps = 0; futex_wake }
 * so either the put sees the flag or the re-check sees the item
 * (asym_fence.h: the putter's fast path pays no fence). Only the consumer
 * sets get_sleeps and only the producer clears it (the consumer also clears
 * its own flag when it leaves): a wake is made only while the consumer
 * sleeps or is about to, and at most once per sleep. A woken or timed-out
 * consumer re-checks before its deadline, as Python's loops do. */
#include "threadlab/spscq.h"

#include "asym_fence.h"
#include "futex.h"
#include "robust.h" /* tl__slice_deadline */
#include "spin.h"
#include "vg_annotate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The poll before sleeping (spin.h, in time): pauses first (the peer is
 * usually running on the other CPU and answers within a few hundred ns),
 * then timed yields (with more threads than CPUs, the peer may be queued
 * behind us on our own CPU). As tl_queue's. */
#ifndef TL__SPSCQ_PAUSE_NS
#define TL__SPSCQ_PAUSE_NS 3000
#endif
#ifndef TL__SPSCQ_SPIN_NS
#define TL__SPSCQ_SPIN_NS 12000
#endif
#define TL__SPSCQ_MAX (1L << 30)
/* A sleep whose wake may be missed (asym_fence.h: no barrier could be
 * made) is cut into slices this long (ms). */
#define TL__SPSCQ_BLIND_SLICE_MS 1

int tl_spscq_init(tl_spscq_t *q, long maxsize)
{
	if (!q || maxsize < 1 || maxsize > TL__SPSCQ_MAX)
		return TL_EINVAL;
	uint64_t cap = 1;
	while (cap < (uint64_t)maxsize)
		cap <<= 1;
	/* Whole cache lines of its own: no neighbouring allocation's words (a
	 * line some other thread writes) share the ring's first or last line,
	 * so its cost does not depend on where the heap put it. */
	size_t bytes = (cap * sizeof(void *) + 63) & ~(size_t)63;
	void **ring = aligned_alloc(64, bytes);
	if (!ring)
		return TL_ENOMEM;
	memset(ring, 0, bytes);
	tl__asym_init();
	q->ring = ring;
	q->mask = cap - 1;
	q->maxsize = (uint64_t)maxsize;
	atomic_init(&q->tail, 0);
	q->head_cache = 0;
	atomic_init(&q->head, 0);
	q->tail_cache = 0;
	atomic_init(&q->get_sleeps, 0);
	atomic_init(&q->put_sleeps, 0);
	atomic_init(&q->inside, 0);
	/* Helgrind/DRD: words only ever accessed atomically; the slot edges
	 * are annotated where the positions are published and seen. */
	TL__VG_IGNORE(&q->tail, sizeof q->tail);
	TL__VG_IGNORE(&q->head, sizeof q->head);
	TL__VG_IGNORE(&q->get_sleeps, 3 * sizeof(uint32_t));
	return 0;
}

int tl_spscq_destroy(tl_spscq_t *q)
{
	if (!q)
		return TL_EINVAL;
	/* Acquire: a call that left the slow path made its last access to the
	 * queue before its release decrement. */
	if (atomic_load_explicit(&q->inside, memory_order_acquire))
		return TL_EBUSY;
	free(q->ring);
	q->ring = NULL;
	return 0;
}

/* Wake the other side if it sleeps (or is about to): the hot half of the
 * Dekker check, after the index store. */
static inline void notify(_Atomic uint32_t *sleeps)
{
	tl__asym_light();
	if (atomic_load_explicit(sleeps, memory_order_relaxed)) {
		atomic_store_explicit(sleeps, 0, memory_order_relaxed);
		tl__futex_wake(sleeps, 1, 0);
	}
}

/* ---- the attempts: no blocking, no wake ---- */

static inline bool can_put(tl_spscq_t *q, uint64_t t)
{
	if (t - q->head_cache < q->maxsize)
		return true;
	q->head_cache = atomic_load_explicit(&q->head, memory_order_acquire);
	TL__VG_HB_AFTER(&q->head); /* the gets that freed these slots */
	return t - q->head_cache < q->maxsize;
}

static inline int try_put(tl_spscq_t *q, void *item)
{
	uint64_t t = atomic_load_explicit(&q->tail, memory_order_relaxed);
	if (!can_put(q, t))
		return TL_EFULL;
	q->ring[t & q->mask] = item;
	TL__VG_HB_BEFORE(&q->tail);
	atomic_store_explicit(&q->tail, t + 1, memory_order_release);
	return 0;
}

static inline bool can_get(tl_spscq_t *q, uint64_t h)
{
	if (h != q->tail_cache)
		return true;
	q->tail_cache = atomic_load_explicit(&q->tail, memory_order_acquire);
	TL__VG_HB_AFTER(&q->tail); /* the puts that filled these slots */
	return h != q->tail_cache;
}

static inline int try_get(tl_spscq_t *q, void **item)
{
	uint64_t h = atomic_load_explicit(&q->head, memory_order_relaxed);
	if (!can_get(q, h))
		return TL_EEMPTY;
	*item = q->ring[h & q->mask];
	TL__VG_HB_BEFORE(&q->head);
	atomic_store_explicit(&q->head, h + 1, memory_order_release);
	return 0;
}

/* ---- the one wait core ---- */

/* Is it worth retrying? Reads the other side's index only. A full put waits
 * for some slack, not one free slot: retrying at each get would run the two
 * sides in lockstep one slot apart, bouncing the slot and index lines once
 * per item (as tl_queue's spin_fifo). */
static bool ready(tl_spscq_t *q, bool put)
{
	if (!put)
		return atomic_load_explicit(&q->tail, memory_order_relaxed) !=
		       atomic_load_explicit(&q->head, memory_order_relaxed);
	uint64_t slack = q->maxsize / 8;
	slack = slack < 1 ? 1 : slack > 64 ? 64 : slack;
	uint64_t t = atomic_load_explicit(&q->tail, memory_order_relaxed);
	return t - atomic_load_explicit(&q->head, memory_order_relaxed) + slack <= q->maxsize;
}

static bool passed(const struct timespec *deadline)
{
	return deadline && tl_deadline_remaining(deadline) <= 0;
}

/* Entered after a first attempt found the queue full (put) or empty (get):
 * poll, then sleep on our flag until woken or the deadline; re-check after
 * every wake, and once more at the deadline. */
static int wait_core(tl_spscq_t *q, bool put, void *in, void **out, const struct timespec *deadline)
{
	_Atomic uint32_t *sleeps = put ? &q->put_sleeps : &q->get_sleeps;
	const int busy = put ? TL_EFULL : TL_EEMPTY;
	tl__spin_t sp = TL__SPIN_INIT_PAUSE(TL__SPSCQ_PAUSE_NS, TL__SPSCQ_SPIN_NS);
	if (!passed(deadline)) /* timeout 0 is one attempt (Python), no poll */
		while (!ready(q, put) && tl__spin(&sp))
			;
	int r;
	bool counted = false;
	for (;;) {
		if ((r = put ? try_put(q, in) : try_get(q, out)) != busy)
			break;
		if (passed(deadline))
			break;
		/* Counted only from here (destroy: TL_EBUSY while blocked): an
		 * RMW while merely polling would dirty the line of the sleep
		 * flags that every put and get of the other side reads. */
		if (!counted) {
			atomic_fetch_add_explicit(&q->inside, 1, memory_order_relaxed);
			counted = true;
		}
		atomic_store_explicit(sleeps, 1, memory_order_relaxed);
		bool sure = tl__asym_heavy();
		if ((r = put ? try_put(q, in) : try_get(q, out)) != busy)
			break;
		struct timespec slice;
		bool is_deadline;
		/* no barrier: a wake may be missed, sleep in slices */
		const struct timespec *until =
			sure ? deadline : tl__slice_deadline(&slice, deadline, TL__SPSCQ_BLIND_SLICE_MS, &is_deadline);
		tl__futex_wait(sleeps, 1, until, 0);
	}
	if (!counted)
		return r;
	atomic_store_explicit(sleeps, 0, memory_order_relaxed);
	/* Release: our last access to the queue comes before destroy's
	 * acquire load sees zero. */
	atomic_fetch_sub_explicit(&q->inside, 1, memory_order_release);
	return r;
}

static int check_timeout(double timeout)
{
	return (isnan(timeout) || (timeout < 0 && timeout != TL_FOREVER)) ? TL_EINVAL : 0;
}

/* ---- put ---- */

int tl_spscq_put_nowait(tl_spscq_t *q, void *item)
{
	if (!q)
		return TL_EINVAL;
	int r = try_put(q, item);
	if (r == 0)
		notify(&q->get_sleeps);
	return r;
}

/* The _until forms pass their deadline (NULL = forever); the others pass
 * their timeout, turned into a deadline only if the first attempt has to
 * wait: the fast path reads no clock. */
static inline int put_core(tl_spscq_t *q, void *item, const struct timespec *deadline, double timeout)
{
	int r = try_put(q, item);
	if (r == TL_EFULL) {
		struct timespec ts;
		r = wait_core(q, true, item, NULL, deadline ? deadline : tl_deadline(&ts, timeout));
	}
	if (r == 0)
		notify(&q->get_sleeps);
	return r;
}

int tl_spscq_put_until(tl_spscq_t *q, void *item, const struct timespec *deadline)
{
	if (!q)
		return TL_EINVAL;
	return put_core(q, item, deadline, TL_FOREVER);
}

/* Everything but a blocking put that finds room at once, out of line: so
 * that the common case below needs no stack frame (as lock.acquire()). */
__attribute__((noinline)) static int put_args(tl_spscq_t *q, void *item, bool block, double timeout)
{
	if (!block)
		return tl_spscq_put_nowait(q, item);
	if (!q || check_timeout(timeout))
		return TL_EINVAL;
	return put_core(q, item, NULL, timeout);
}

int tl_spscq_put(tl_spscq_t *q, void *item, bool block, double timeout)
{
	if (__builtin_expect(q && block && timeout == TL_FOREVER, 1) && try_put(q, item) == 0) {
		notify(&q->get_sleeps);
		return 0;
	}
	return put_args(q, item, block, timeout);
}

/* ---- get ---- */

int tl_spscq_get_nowait(tl_spscq_t *q, void **item)
{
	if (!q || !item)
		return TL_EINVAL;
	int r = try_get(q, item);
	if (r == 0)
		notify(&q->put_sleeps);
	return r;
}

static inline int get_core(tl_spscq_t *q, void **item, const struct timespec *deadline, double timeout)
{
	int r = try_get(q, item);
	if (r == TL_EEMPTY) {
		struct timespec ts;
		r = wait_core(q, false, NULL, item, deadline ? deadline : tl_deadline(&ts, timeout));
	}
	if (r == 0)
		notify(&q->put_sleeps);
	return r;
}

int tl_spscq_get_until(tl_spscq_t *q, void **item, const struct timespec *deadline)
{
	if (!q || !item)
		return TL_EINVAL;
	return get_core(q, item, deadline, TL_FOREVER);
}

__attribute__((noinline)) static int get_args(tl_spscq_t *q, void **item, bool block, double timeout)
{
	if (!block)
		return tl_spscq_get_nowait(q, item);
	if (!q || !item || check_timeout(timeout))
		return TL_EINVAL;
	return get_core(q, item, NULL, timeout);
}

int tl_spscq_get(tl_spscq_t *q, void **item, bool block, double timeout)
{
	if (__builtin_expect(q && item && block && timeout == TL_FOREVER, 1) && try_get(q, item) == 0) {
		notify(&q->put_sleeps);
		return 0;
	}
	return get_args(q, item, block, timeout);
}

/* ---- anyone's ---- */

size_t tl_spscq_qsize(tl_spscq_t *q)
{
	if (!q)
		return 0;
	/* head first: tail only grows, so tail - head >= 0; with puts in
	 * between it can exceed what was ever queued at one instant: clamp. */
	uint64_t h = atomic_load_explicit(&q->head, memory_order_acquire);
	uint64_t t = atomic_load_explicit(&q->tail, memory_order_acquire);
	uint64_t n = t - h;
	return (size_t)(n > q->maxsize ? q->maxsize : n);
}

bool tl_spscq_empty(tl_spscq_t *q)
{
	return q && tl_spscq_qsize(q) == 0;
}

bool tl_spscq_full(tl_spscq_t *q)
{
	return q && tl_spscq_qsize(q) >= q->maxsize;
}
