/* The record queue (threadlab/squeue.h): init, the put/get attempts, the
 * one deadline-driven wait core, task accounting and shutdown. The robust
 * lock is squeue_lock.c, the peer registry squeue_peer.c, names
 * squeue_named.c.
 *
 * Commits: under the lock, a put copies the record into slot tail % cap and
 * *then* publishes tail + 1 with a release store; a get copies slot
 * head % cap out, then publishes head + 1. A holder killed before the store
 * changed nothing visible; after it, the operation is complete (the getter's
 * copy dies with it). See squeue_lock.c for the recovery.
 *
 * Sleeping: a waiter increments its sleeper count (getters/putters), loads
 * the event word it will sleep on, then attempts under the lock; a
 * successful put, after unlocking, loads getters and only when non-zero
 * bumps put_ev and wakes one. The lock orders the two: if the waiter's
 * attempt came first, its count increment happens-before the put's load
 * (the put sees a sleeper and wakes it; the waiter's futex_wait sees put_ev
 * changed if it had not slept yet); if the put came first, the attempt sees
 * the record. A waiter that leaves without using a wake it may have taken
 * (peer died, owner died) passes one on. Wake order is the kernel's.
 *
 * Process-shared waits sleep in slices of TL_SQUEUE_LIVENESS_MS and scan
 * the peers after each (squeue_peer.c); private ones sleep until woken or
 * the deadline.
 */
#include "squeue_impl.h"

#include "spin.h"
#include "timeout.h"
#include "vg_annotate.h"

#include <limits.h>
#include <math.h>
#include <stdalign.h>
#include <string.h>

/* The poll before sleeping, in ns (spin.h turns it into pauses for this
 * CPU): about what 100 pauses took on the EPYC VM it was tuned on. */
#define SPIN_NS 2500

void (*tl__squeue_test_hook)(tl_squeue_t *q, int where);

static inline void hook(tl_squeue_t *q, int where)
{
	if (__builtin_expect(tl__squeue_test_hook != NULL, 0))
		tl__squeue_test_hook(q, where);
}

static inline unsigned char *slot(tl_squeue_t *q, uint64_t pos)
{
	return (unsigned char *)q + q->ring_off + (size_t)(pos % q->capacity) * q->record_size;
}

/* ---- init ---- */

static size_t header_size(void)
{
	return (sizeof(struct tl_squeue) + 63) & ~(size_t)63;
}

size_t tl_squeue_size(size_t capacity, size_t record_size)
{
	const size_t limit = (size_t)1 << 40;
	if (capacity == 0 || record_size == 0 || capacity > limit || record_size > limit)
		return 0;
	if (capacity > (SIZE_MAX / 2 - header_size()) / record_size)
		return 0;
	return header_size() + capacity * record_size;
}

int tl_squeue_init(void *mem, size_t capacity, size_t record_size, int flags)
{
	size_t size = tl_squeue_size(capacity, record_size);
	if (!mem || size == 0 || (flags & ~TL_PSHARED) || ((uintptr_t)mem & 63))
		return TL_EINVAL;
	tl_squeue_t *q = mem;
	memset(q, 0, sizeof *q);
	/* Helgrind/DRD: the header is the queue's own words (atomics, and
	 * fields fixed before the magic's release); the records after it stay
	 * checked, ordered by the lock (squeue_lock.c). */
	TL__VG_IGNORE(q, sizeof *q);
	q->flags = (uint32_t)flags;
	q->capacity = capacity;
	q->record_size = record_size;
	q->total_size = size;
	q->ring_off = header_size();
	/* Everything above is published by the magic's release store
	 * (tl__sq_check's acquire load, e.g. in a process opening it by name). */
	atomic_store_explicit(&q->magic, TL__SQ_MAGIC, memory_order_release);
	if (flags & TL_PSHARED) {
		int r = tl__sq_attach(q, 0);
		if (r) {
			atomic_store_explicit(&q->magic, 0, memory_order_relaxed);
			return r;
		}
	}
	return 0;
}

int tl_squeue_destroy(tl_squeue_t *q)
{
	int r = tl__sq_check(q);
	if (r)
		return r;
	if (atomic_load(&q->lock) || atomic_load(&q->getters) || atomic_load(&q->putters) ||
	    atomic_load(&q->joiners))
		return TL_EBUSY;
	atomic_store_explicit(&q->magic, 0, memory_order_release);
	return 0;
}

/* ---- attempts (never block on the queue's state) ---- */

/* Takes the lock; reports (once) and unlocks if a takeover is unreported. */
static inline int enter(tl_squeue_t *q)
{
	tl__sq_lock(q);
	if (__builtin_expect(q->dirty != 0, 0)) {
		q->dirty = 0;
		tl__sq_unlock(q);
		return TL_EOWNERDEAD;
	}
	return 0;
}

static int try_put(tl_squeue_t *q, const void *rec)
{
	int r = enter(q);
	if (r)
		return r;
	uint64_t t = atomic_load_explicit(&q->tail, memory_order_relaxed);
	uint64_t h = atomic_load_explicit(&q->head, memory_order_relaxed);
	if (atomic_load_explicit(&q->shut, memory_order_relaxed) & TL__SQ_SHUT)
		r = TL_ESHUTDOWN;
	else if (t - h >= q->capacity)
		r = TL_EFULL;
	else {
		memcpy(slot(q, t), rec, q->record_size);
		hook(q, TL__SQ_HOOK_PUT);
		atomic_store_explicit(&q->tail, t + 1, memory_order_release);
	}
	tl__sq_unlock(q);
	return r;
}

static int try_get(tl_squeue_t *q, void *out)
{
	int r = enter(q);
	if (r)
		return r;
	uint64_t h = atomic_load_explicit(&q->head, memory_order_relaxed);
	if (atomic_load_explicit(&q->tail, memory_order_relaxed) == h) {
		r = (atomic_load_explicit(&q->shut, memory_order_relaxed) & TL__SQ_SHUT) ? TL_ESHUTDOWN
											: TL_EEMPTY;
	} else {
		memcpy(out, slot(q, h), q->record_size);
		hook(q, TL__SQ_HOOK_GET);
		atomic_store_explicit(&q->head, h + 1, memory_order_release);
	}
	tl__sq_unlock(q);
	return r;
}

/* Wake one sleeper on ev if its count says someone sleeps. */
static inline void notify(tl_squeue_t *q, _Atomic uint32_t *count, _Atomic uint32_t *ev)
{
	if (atomic_load_explicit(count, memory_order_seq_cst)) {
		atomic_fetch_add_explicit(ev, 1, memory_order_release);
		tl__futex_wake(ev, 1, tl__sq_pshared(q));
	}
}

/* ---- the wait core ---- */

struct op {
	bool put;
	const void *in;
	void *out;
};

static inline int attempt(tl_squeue_t *q, const struct op *op)
{
	return op->put ? try_put(q, op->in) : try_get(q, op->out);
}

/* Lock-free hint for the spin: could an attempt succeed (or fail for good)? */
static inline bool worth_trying(tl_squeue_t *q, const struct op *op)
{
	uint64_t t = atomic_load_explicit(&q->tail, memory_order_relaxed);
	uint64_t h = atomic_load_explicit(&q->head, memory_order_relaxed);
	if (atomic_load_explicit(&q->shut, memory_order_relaxed))
		return true;
	return op->put ? t - h < q->capacity : t != h;
}

/* Sleeper accounting: the total that wakers read, and the process's own
 * registry slot (subtracted by whoever finds the process dead). */
static void count_in(_Atomic uint32_t *total, _Atomic uint32_t *mine)
{
	atomic_fetch_add_explicit(total, 1, memory_order_seq_cst);
	if (mine)
		atomic_fetch_add_explicit(mine, 1, memory_order_relaxed);
}

static void count_out(_Atomic uint32_t *total, _Atomic uint32_t *mine)
{
	_Atomic uint32_t *w[2] = { mine, total };
	for (int i = 0; i < 2; i++) {
		if (!w[i])
			continue;
		uint32_t v = atomic_load_explicit(w[i], memory_order_relaxed);
		while (v && !atomic_compare_exchange_weak_explicit(w[i], &v, v - 1, memory_order_relaxed,
								   memory_order_relaxed))
			;
	}
}

/* Sleep on ev (value e) until woken, the deadline, or — process-shared —
 * the end of a liveness slice, after which the peers are scanned.
 * Returns true once the caller's deadline has passed. */
static bool sleep_on(tl_squeue_t *q, _Atomic uint32_t *ev, uint32_t e, const struct timespec *deadline)
{
	int ps = tl__sq_pshared(q);
	const struct timespec *dl = deadline;
	struct timespec slice;
	bool sliced = false;
	if (ps) {
		tl__sq_after_ms(&slice, TL_SQUEUE_LIVENESS_MS);
		if (!deadline || tl__ts_before(&slice, deadline)) {
			dl = &slice;
			sliced = true;
		}
	}
	if (tl__futex_wait(ev, e, dl, ps) != -ETIMEDOUT)
		return false;
	if (!sliced)
		return true;
	tl__sq_check_peers(q, false);
	return false;
}

/* Entered after a first attempt found the queue full (put) or empty (get):
 * poll briefly, then sleep until the attempt succeeds, fails for good, the
 * deadline passes (one last attempt, as Python checks before the clock), or
 * — process-shared — nobody else is left alive to satisfy it. */
static int wait_core(tl_squeue_t *q, const struct op *op, const struct timespec *deadline)
{
	const int busy = op->put ? TL_EFULL : TL_EEMPTY;
	int r = busy;
	const uint32_t spin = tl__pauses_for_ns(SPIN_NS);
	for (uint32_t i = 0; r == busy && i < spin; i++) {
		tl__cpu_relax();
		if (worth_trying(q, op))
			r = attempt(q, op);
	}
	if (r != busy)
		return r;

	_Atomic uint32_t *total = op->put ? &q->putters : &q->getters;
	_Atomic uint32_t *ev = op->put ? &q->get_ev : &q->put_ev;
	_Atomic uint32_t *mine = NULL;
	int ps = tl__sq_pshared(q);
	if (ps) {
		int s = tl__sq_my_slot(q);
		if (s >= 0)
			mine = op->put ? &q->peers[s].putters : &q->peers[s].getters;
	}
	count_in(total, mine);
	for (;;) {
		uint32_t e = atomic_load_explicit(ev, memory_order_acquire);
		r = attempt(q, op);
		if (r != busy)
			break;
		if (ps && tl__sq_broken(q)) {
			r = TL_EBROKEN;
			break;
		}
		if (sleep_on(q, ev, e, deadline)) {
			r = attempt(q, op);
			break;
		}
	}
	count_out(total, mine);
	if (r == TL_EBROKEN || r == TL_EOWNERDEAD)
		notify(q, total, ev); /* pass on a wake we may have swallowed */
	return r;
}

static int check_timeout(double timeout)
{
	return (isnan(timeout) || (timeout < 0 && timeout != TL_FOREVER)) ? TL_EINVAL : 0;
}

/* ---- put ---- */

int tl_squeue_put_until(tl_squeue_t *q, const void *record, const struct timespec *deadline)
{
	int r = tl__sq_check(q);
	if (r || !record)
		return r ? r : TL_EINVAL;
	r = try_put(q, record);
	if (r == TL_EFULL) {
		struct op op = { .put = true, .in = record };
		r = wait_core(q, &op, deadline);
	}
	if (r == 0)
		notify(q, &q->getters, &q->put_ev);
	return r;
}

int tl_squeue_put_nowait(tl_squeue_t *q, const void *record)
{
	int r = tl__sq_check(q);
	if (r || !record)
		return r ? r : TL_EINVAL;
	r = try_put(q, record);
	if (r == 0)
		notify(q, &q->getters, &q->put_ev);
	return r;
}

int tl_squeue_put(tl_squeue_t *q, const void *record, bool block, double timeout)
{
	if (!block)
		return tl_squeue_put_nowait(q, record);
	if (check_timeout(timeout))
		return TL_EINVAL;
	struct timespec ts;
	return tl_squeue_put_until(q, record, tl_deadline(&ts, timeout));
}

/* ---- get ---- */

int tl_squeue_get_until(tl_squeue_t *q, void *out, const struct timespec *deadline)
{
	int r = tl__sq_check(q);
	if (r || !out)
		return r ? r : TL_EINVAL;
	r = try_get(q, out);
	if (r == TL_EEMPTY) {
		struct op op = { .put = false, .out = out };
		r = wait_core(q, &op, deadline);
	}
	if (r == 0)
		notify(q, &q->putters, &q->get_ev);
	return r;
}

int tl_squeue_get_nowait(tl_squeue_t *q, void *out)
{
	int r = tl__sq_check(q);
	if (r || !out)
		return r ? r : TL_EINVAL;
	r = try_get(q, out);
	if (r == 0)
		notify(q, &q->putters, &q->get_ev);
	return r;
}

int tl_squeue_get(tl_squeue_t *q, void *out, bool block, double timeout)
{
	if (!block)
		return tl_squeue_get_nowait(q, out);
	if (check_timeout(timeout))
		return TL_EINVAL;
	struct timespec ts;
	return tl_squeue_get_until(q, out, tl_deadline(&ts, timeout));
}

/* ---- size ---- */

size_t tl_squeue_qsize(tl_squeue_t *q)
{
	if (tl__sq_check(q))
		return 0;
	/* Under the lock, so exact at one instant; a takeover here stays
	 * unreported (dirty) for the next call that can return a code. */
	tl__sq_lock(q);
	uint64_t n = atomic_load_explicit(&q->tail, memory_order_relaxed) -
		     atomic_load_explicit(&q->head, memory_order_relaxed);
	tl__sq_unlock(q);
	return (size_t)n;
}

bool tl_squeue_empty(tl_squeue_t *q)
{
	return tl_squeue_qsize(q) == 0;
}

bool tl_squeue_full(tl_squeue_t *q)
{
	return tl__sq_check(q) == 0 && tl_squeue_qsize(q) >= q->capacity;
}

long tl_squeue_maxsize(const tl_squeue_t *q)
{
	return tl__sq_check(q) ? TL_EINVAL : (long)q->capacity;
}

size_t tl_squeue_record_size(const tl_squeue_t *q)
{
	return tl__sq_check(q) ? 0 : (size_t)q->record_size;
}

/* ---- task accounting ---- */

uint64_t tl_squeue_unfinished_tasks(tl_squeue_t *q)
{
	if (tl__sq_check(q))
		return 0;
	/* done first: done <= tail always and both only grow. */
	uint64_t d = atomic_load_explicit(&q->done, memory_order_acquire);
	return atomic_load_explicit(&q->tail, memory_order_acquire) - d;
}

int tl_squeue_task_done(tl_squeue_t *q)
{
	int r = tl__sq_check(q);
	if (r || (r = enter(q)))
		return r;
	uint64_t d = atomic_load_explicit(&q->done, memory_order_relaxed);
	uint64_t t = atomic_load_explicit(&q->tail, memory_order_relaxed);
	if (d >= t) {
		tl__sq_unlock(q);
		return TL_EOVERFLOW;
	}
	/* Release: the consumer's work on the item happens-before a join
	 * that reads this count. */
	atomic_store_explicit(&q->done, d + 1, memory_order_release);
	tl__sq_unlock(q);
	if (d + 1 == t && atomic_load_explicit(&q->joiners, memory_order_seq_cst)) {
		atomic_fetch_add_explicit(&q->join_ev, 1, memory_order_release);
		tl__futex_wake(&q->join_ev, INT_MAX, tl__sq_pshared(q));
	}
	return 0;
}

static bool all_done(tl_squeue_t *q)
{
	return tl_squeue_unfinished_tasks(q) == 0;
}

int tl_squeue_join_until(tl_squeue_t *q, const struct timespec *deadline)
{
	int r = tl__sq_check(q);
	if (r || (r = enter(q)))
		return r;
	tl__sq_unlock(q);
	if (all_done(q))
		return 0;
	int ps = tl__sq_pshared(q);
	_Atomic uint32_t *mine = NULL;
	if (ps) {
		int s = tl__sq_my_slot(q);
		if (s >= 0)
			mine = &q->peers[s].joiners;
	}
	/* Same pairing as put/get: the count is up before the check, and
	 * task_done reads it after its done store. */
	count_in(&q->joiners, mine);
	for (;;) {
		uint32_t e = atomic_load_explicit(&q->join_ev, memory_order_acquire);
		if (all_done(q)) {
			r = 0;
			break;
		}
		if (ps && tl__sq_broken(q)) {
			r = TL_EBROKEN;
			break;
		}
		if (sleep_on(q, &q->join_ev, e, deadline)) {
			r = all_done(q) ? 0 : TL_ETIMEDOUT;
			break;
		}
	}
	count_out(&q->joiners, mine);
	return r;
}

int tl_squeue_join(tl_squeue_t *q, double timeout)
{
	if (check_timeout(timeout))
		return TL_EINVAL;
	struct timespec ts;
	return tl_squeue_join_until(q, tl_deadline(&ts, timeout));
}

/* ---- shutdown ---- */

int tl_squeue_shutdown(tl_squeue_t *q, bool immediate)
{
	int r = tl__sq_check(q);
	if (r || (r = enter(q)))
		return r;
	uint32_t s = atomic_load_explicit(&q->shut, memory_order_relaxed);
	if (immediate) {
		/* Two stores (head, done): record them first, so a holder that
		 * dies in between leaves a redo record (squeue_lock.c). Dropped
		 * items count as done, never past the puts. */
		uint64_t h = atomic_load_explicit(&q->head, memory_order_relaxed);
		uint64_t t = atomic_load_explicit(&q->tail, memory_order_relaxed);
		uint64_t d = atomic_load_explicit(&q->done, memory_order_relaxed);
		q->intent_tail = t;
		q->intent_done = d + (t - h) > t ? t : d + (t - h);
		atomic_store_explicit(&q->shut, s | TL__SQ_SHUT | TL__SQ_IMMEDIATE | TL__SQ_INTENT,
				      memory_order_release);
		hook(q, TL__SQ_HOOK_SHUTDOWN);
		atomic_store_explicit(&q->head, t, memory_order_release);
		atomic_store_explicit(&q->done, q->intent_done, memory_order_release);
		atomic_store_explicit(&q->shut, s | TL__SQ_SHUT | TL__SQ_IMMEDIATE, memory_order_release);
	} else {
		atomic_store_explicit(&q->shut, s | TL__SQ_SHUT, memory_order_release);
	}
	tl__sq_unlock(q);
	/* Everyone blocked re-checks: putters fail, getters drain then fail,
	 * joiners see the drop. */
	tl__sq_wake_all(q);
	return 0;
}

bool tl_squeue_is_shutdown(tl_squeue_t *q)
{
	return tl__sq_check(q) == 0 && (atomic_load_explicit(&q->shut, memory_order_acquire) & TL__SQ_SHUT);
}
