/* The single-producer single-consumer bounded FIFO (threadlab/spscq.h).
 *
 * The ring has exactly maxsize slots, and a slot says by itself whether it
 * holds an item: NULL is empty (a NULL item is stored as NULL_ITEM). The
 * producer fills the slot at tpos when it is empty, the consumer takes the
 * slot at hpos when it is full and empties it; each side steps its index
 * round the ring. So neither side reads the other's position on the fast
 * path: the only line that moves between the two CPUs is the slots' own,
 * and a producer running ahead fills a whole line before the consumer pulls
 * it over (an index design moves the index line too, once per item when the
 * consumer keeps up). tail and head only count puts and gets, for qsize and
 * the pollers; only the producer writes tpos and tail, only the consumer
 * hpos and head.
 *
 * Happens-before: the producer's release store of an item into a slot and
 * the consumer's acquire load that sees it make the item (and everything
 * the producer did before the put) visible; back the other way, the
 * consumer's release store of NULL and the producer's acquire load that
 * sees the slot empty order the get before the slot's reuse. These pairs
 * are what TSan sees.
 *
 * Sleeping, the getter's side (the putter's is its mirror, put_sleeps): the
 * consumer polls its slot for a short time budget (spin.h), then
 *     get_sleeps = 1; heavy barrier; re-check the slot; futex_wait(get_sleeps, 1)
 * and every put, after its slot store, does
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
	/* Whole cache lines of its own: no neighbouring allocation's words (a
	 * line some other thread writes) share the ring's first or last line,
	 * so its cost does not depend on where the heap put it. All NULL:
	 * every slot empty. */
	size_t bytes = ((size_t)maxsize * sizeof(void *) + 63) & ~(size_t)63;
	void **ring = aligned_alloc(64, bytes);
	if (!ring)
		return TL_ENOMEM;
	memset(ring, 0, bytes);
	tl__asym_init();
	q->ring = ring;
	q->maxsize = (uint64_t)maxsize;
	atomic_init(&q->tail, 0);
	q->tpos = 0;
	atomic_init(&q->head, 0);
	q->hpos = 0;
	atomic_init(&q->get_sleeps, 0);
	atomic_init(&q->put_sleeps, 0);
	atomic_init(&q->inside, 0);
	/* Helgrind/DRD: words only ever accessed atomically (the slots too:
	 * their edges are annotated per slot where an item or an empty slot
	 * is published and seen). */
	TL__VG_IGNORE(ring, bytes);
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

typedef _Atomic(void *) slot_t;

static inline slot_t *slot(tl_spscq_t *q, uint64_t i)
{
	return (slot_t *)(void *)q->ring + i;
}

static inline uint64_t step(const tl_spscq_t *q, uint64_t i)
{
	return i + 1 == q->maxsize ? 0 : i + 1;
}

/* A NULL item's stand-in in its slot (NULL says empty). */
static char null_item;
#define NULL_ITEM ((void *)&null_item)

static inline int try_put(tl_spscq_t *q, void *item)
{
	slot_t *s = slot(q, q->tpos);
	if (atomic_load_explicit(s, memory_order_acquire))
		return TL_EFULL;
	TL__VG_HB_AFTER(s); /* the get that emptied it */
	q->tpos = step(q, q->tpos);
	/* Counted before the item shows (relaxed, ordered by the release
	 * below): a get that took it finds tail past it, so qsize's head-
	 * then-tail reading never sees more gets than puts. */
	atomic_store_explicit(&q->tail, atomic_load_explicit(&q->tail, memory_order_relaxed) + 1,
			      memory_order_relaxed);
	TL__VG_HB_BEFORE(s);
	atomic_store_explicit(s, item ? item : NULL_ITEM, memory_order_release);
	return 0;
}

static inline int try_get(tl_spscq_t *q, void **item)
{
	slot_t *s = slot(q, q->hpos);
	void *v = atomic_load_explicit(s, memory_order_acquire);
	if (!v)
		return TL_EEMPTY;
	TL__VG_HB_AFTER(s); /* the put that filled it */
	*item = v == NULL_ITEM ? NULL : v;
	TL__VG_HB_BEFORE(s);
	atomic_store_explicit(s, NULL, memory_order_release);
	q->hpos = step(q, q->hpos);
	/* Release: qsize's acquire load of head then sees tail at least as
	 * far (see try_put). */
	atomic_store_explicit(&q->head, atomic_load_explicit(&q->head, memory_order_relaxed) + 1,
			      memory_order_release);
	return 0;
}

/* ---- the one wait core ---- */

/* Is it worth retrying? Reads one slot. A full put waits for some slack,
 * not one free slot: retrying at each get would run the two sides in
 * lockstep one slot apart, bouncing the slot line once per item (as
 * tl_queue's spin_fifo). The full slots are the run from hpos to tpos
 * round the ring, so the slot slack - 1 past tpos is empty only when all
 * the slack is. */
static bool ready(tl_spscq_t *q, bool put)
{
	if (!put)
		return atomic_load_explicit(slot(q, q->hpos), memory_order_relaxed) != NULL;
	uint64_t slack = q->maxsize / 8;
	slack = slack < 1 ? 1 : slack > 64 ? 64 : slack;
	uint64_t i = q->tpos + slack - 1;
	if (i >= q->maxsize)
		i -= q->maxsize;
	return atomic_load_explicit(slot(q, i), memory_order_relaxed) == NULL;
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
	/* head first (acquire: see try_get), so tail - head >= 0; with puts
	 * in between it can exceed what was ever queued at one instant: clamp. */
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
