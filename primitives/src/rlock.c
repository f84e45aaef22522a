/* threading.RLock: the owner's tid in the futex word.
 *   owner == 0                 free
 *   owner == tid               held by tid, nobody sleeping
 *   owner == tid | SLEEPERS    held, some thread may sleep in the kernel
 * (robust.h's layout: WAITERS is bit 31; DIED, bit 30, only ever set in a
 * process-shared RLock taken over from a dead owner). Re-entry compares the word with our own tid: only
 * this thread can have stored it, so a relaxed load is enough, and `count` is
 * touched only by the owner (ownership passes with the acquire/release pair
 * on the word). Acquire and release follow lock.c's three-state scheme.
 *
 * TSan: a write-reentrant mutex (an owner, recursion, release by a non-owner
 * is refused before annotating); the mutex annotation itself carries the
 * happens-before edge. Condition.wait releases all levels with a recursive-
 * unlock annotation and takes them back with a recursive-lock one.
 *
 * TL_PSHARED: the same word and fast paths; the slow path is robust.h's,
 * which sleeps in slices and takes the word over from a dead owner thread
 * (TL_EOWNERDEAD, depth 1, DIED set until tl_rlock_consistent). DIED can
 * only be set while the owner is dead, so a live owner reads it from its
 * own relaxed load of the word at release: releasing the last level of a
 * DIED word stores NOTREC instead of 0.
 */
#include "rlock_impl.h"

#include "futex.h"
#include "lock_tsan.h"
#include "robust.h"
#include "tid.h"
#include "timeout.h"
#include "tsan_mutex.h"
#include "trace_hooks.h"

#include <errno.h>

#define TID_MASK TL__ROBUST_IDMASK

static inline int pshared(const tl_rlock_t *r)
{
	return r->flags & TL_PSHARED;
}

int tl_rlock_init(tl_rlock_t *r, int flags)
{
	if (flags & ~TL_PSHARED)
		return TL_EINVAL;
	atomic_init(&r->owner, 0);
	r->count = 0;
	r->flags = (uint32_t)flags;
	r->deferred = NULL;
	TL_TSAN_MUTEX_CREATE(r, TL__TSAN_REENTRANT | TL__TSAN_NOT_STATIC);
	return 0;
}

int tl_rlock_destroy(tl_rlock_t *r)
{
	uint32_t w = atomic_load_explicit(&r->owner, memory_order_relaxed);
	if (w != 0 && w != TL__ROBUST_NOTREC)
		return TL_EBUSY;
	TL_TSAN_MUTEX_DESTROY(r, 0);
	return 0;
}

static inline bool try_fast(tl_rlock_t *r, uint32_t me)
{
	uint32_t zero = 0;
	return atomic_compare_exchange_strong_explicit(&r->owner, &zero, me, memory_order_acquire,
						       memory_order_relaxed);
}

/* 0, TL_ETIMEDOUT; TL_PSHARED also TL_EOWNERDEAD, TL_ENOTRECOVERABLE. */
__attribute__((noinline)) static int lock_slow(tl_rlock_t *r, uint32_t me, const struct timespec *deadline)
{
	unsigned mode = pshared(r) ? TL__ROBUST_PSHARED | TL__ROBUST_ID_TID | TL__ROBUST_MARK_DIED : TL__ROBUST_ID_TID;
	return tl__robust_lock_slow(&r->owner, me, deadline, mode, TL_LIVENESS_MS, NULL);
}

static inline int try_failed(tl_rlock_t *r)
{
	return tl__robust_notrec(atomic_load_explicit(&r->owner, memory_order_relaxed)) ? TL_ENOTRECOVERABLE
											: TL_EBUSY;
}

/* Acquire when not already the owner; try_only: one attempt. */
static int acquire(tl_rlock_t *r, uint32_t me, bool try_only, const struct timespec *deadline)
{
	unsigned tf = try_only ? TL__TSAN_TRY : 0;
	(void)tf;
	TL_TSAN_MUTEX_PRE_LOCK(r, tf);
	TL_TRACE_T0(t0);
	int rc = try_fast(r, me) ? 0 : try_only ? try_failed(r) : lock_slow(r, me, deadline);
	TL_TRACE_WAITED(TL__TR_RLOCK, r, t0, rc);
	bool got = rc == 0 || rc == TL_EOWNERDEAD;
	if (got)
		r->count = 1;
	TL_TSAN_MUTEX_POST_LOCK(r, tf | (got ? 0 : TL__TSAN_TRY_FAILED), 0);
	return rc;
}

/* Re-entry by the owner. */
static int reenter(tl_rlock_t *r)
{
	if (r->count == UINT32_MAX)
		return TL_EAGAIN;
	TL_TSAN_MUTEX_PRE_LOCK(r, 0);
	r->count++;
	TL_TSAN_MUTEX_POST_LOCK(r, 0, 0);
	return 0;
}

static inline bool owned_by(const tl_rlock_t *r, uint32_t me)
{
	uint32_t w = atomic_load_explicit(&((tl_rlock_t *)r)->owner, memory_order_relaxed);
	return (w & TID_MASK) == me;
}

static inline int acquire_until(tl_rlock_t *r, bool try_only, const struct timespec *deadline)
{
	uint32_t me = tl__self_tid();
	if (owned_by(r, me))
		return reenter(r);
	tl__tsan_lock_sync();
	return acquire(r, me, try_only, deadline);
}

int tl_rlock_acquire_until(tl_rlock_t *r, const struct timespec *deadline)
{
	return acquire_until(r, false, deadline);
}

int tl_rlock_try_acquire(tl_rlock_t *r)
{
	return acquire_until(r, true, NULL);
}

__attribute__((noinline)) static int acquire_args(tl_rlock_t *r, bool blocking, double timeout)
{
	struct timespec buf;
	const struct timespec *deadline;
	int rc = tl__acquire_args(blocking, timeout, &buf, &deadline);
	if (rc == TL__TRY_ONCE) {
		rc = acquire_until(r, true, NULL);
		return rc == TL_EBUSY && blocking ? TL_ETIMEDOUT : rc;
	}
	return rc ? rc : acquire_until(r, false, deadline);
}

int tl_rlock_acquire(tl_rlock_t *r, bool blocking, double timeout)
{
	if (blocking && timeout == TL_FOREVER)
		return acquire_until(r, false, NULL);
	return acquire_args(r, blocking, timeout);
}

/* The owner gives the word up; w: its own load of the word (DIED is
 * stable while it owns it). Then it wakes the Condition waiters notified
 * meanwhile (deferred_wake.h; `deferred` is the owner's alone, an RLock has
 * one: no word bit needed). */
static void unlock_word(tl_rlock_t *r, uint32_t w)
{
	if (__builtin_expect(w & TL__ROBUST_DIED, 0)) {
		tl__robust_unlock_notrec(&r->owner, pshared(r));
	} else if (__builtin_expect(r->deferred != NULL, 0)) {
		struct tl__deferred_batch later = { 0 };
		tl__deferred_take(&r->deferred, &later);
		tl__robust_unlock(&r->owner, pshared(r));
		tl__deferred_wake_all(&later);
	} else {
		tl__robust_unlock(&r->owner, pshared(r));
	}
}

int tl_rlock_release(tl_rlock_t *r)
{
	uint32_t w = atomic_load_explicit(&r->owner, memory_order_relaxed);
	if ((w & TID_MASK) != tl__self_tid())
		return TL_EPERM;
	if (r->count == 1) TL_TRACE_RELEASE(TL__TR_RLOCK, r); /* the outermost release only */
	TL_TSAN_MUTEX_PRE_UNLOCK(r, 0);
	if (--r->count == 0)
		unlock_word(r, w);
	TL_TSAN_MUTEX_POST_UNLOCK(r, 0);
	return 0;
}

int tl_rlock_consistent(tl_rlock_t *r)
{
	uint32_t w = atomic_load_explicit(&r->owner, memory_order_relaxed);
	if ((w & TID_MASK) != tl__self_tid())
		return TL_EPERM;
	if (!(w & TL__ROBUST_DIED))
		return TL_EINVAL;
	tl__robust_clear_died(&r->owner);
	return 0;
}

bool tl_rlock_is_owned(const tl_rlock_t *r)
{
	return owned_by(r, tl__self_tid());
}

bool tl_rlock_locked(const tl_rlock_t *r)
{
	return atomic_load_explicit(&((tl_rlock_t *)r)->owner, memory_order_relaxed) != 0;
}

unsigned tl_rlock_count(const tl_rlock_t *r)
{
	return owned_by(r, tl__self_tid()) ? r->count : 0;
}

int tl__rlock_release_save(tl_rlock_t *r, uint32_t *count)
{
	uint32_t w = atomic_load_explicit(&r->owner, memory_order_relaxed);
	if ((w & TID_MASK) != tl__self_tid())
		return TL_EPERM;
	*count = r->count;
	(void)TL__TSAN_PRE_UNLOCK_REC(r, TL__TSAN_REC_UNLOCK);
	r->count = 0;
	unlock_word(r, w);
	TL_TSAN_MUTEX_POST_UNLOCK(r, TL__TSAN_REC_UNLOCK);
	return 0;
}

int tl__rlock_acquire_restore(tl_rlock_t *r, uint32_t count)
{
	uint32_t me = tl__self_tid();
	tl__tsan_lock_sync();
	TL_TSAN_MUTEX_PRE_LOCK(r, 0);
	int rc = try_fast(r, me) ? 0 : lock_slow(r, me, NULL);
	bool got = rc == 0 || rc == TL_EOWNERDEAD;
	if (got) {
		r->count = count;
		TL_TSAN_MUTEX_POST_LOCK(r, TL__TSAN_REC_LOCK, (int)count);
	} else {
		TL_TSAN_MUTEX_POST_LOCK(r, TL__TSAN_TRY_FAILED, 0);
	}
	return rc;
}

bool tl__rlock_defer_wake(tl_rlock_t *r, struct tl__deferred_wake *d)
{
	if (pshared(r) || !owned_by(r, tl__self_tid()))
		return false;
	d->next = r->deferred;
	r->deferred = d;
	return true;
}
