/* threading.RLock: the owner's tid in the futex word.
 *   owner == 0                 free
 *   owner == tid               held by tid, nobody sleeping
 *   owner == tid | SLEEPERS    held, some thread may sleep in the kernel
 * (the robust-futex layout: FUTEX_WAITERS is bit 31, FUTEX_OWNER_DIED bit 30
 * stays clear for issue 9). Re-entry compares the word with our own tid: only
 * this thread can have stored it, so a relaxed load is enough, and `count` is
 * touched only by the owner (ownership passes with the acquire/release pair
 * on the word). Acquire and release follow lock.c's three-state scheme.
 *
 * TSan: a write-reentrant mutex (an owner, recursion, release by a non-owner
 * is refused before annotating); the mutex annotation itself carries the
 * happens-before edge. Condition.wait releases all levels with a recursive-
 * unlock annotation and takes them back with a recursive-lock one.
 */
#include "rlock_impl.h"

#include "futex.h"
#include "lock_tsan.h"
#include "tid.h"
#include "timeout.h"
#include "tsan_mutex.h"

#include <errno.h>

#define SLEEPERS 0x80000000u
#define TID_MASK 0x3fffffffu
#define SPIN 100

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
	TL_TSAN_MUTEX_CREATE(r, TL__TSAN_REENTRANT | TL__TSAN_NOT_STATIC);
	return 0;
}

int tl_rlock_destroy(tl_rlock_t *r)
{
	if (atomic_load_explicit(&r->owner, memory_order_relaxed) != 0)
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

__attribute__((noinline)) static int lock_slow(tl_rlock_t *r, uint32_t me, const struct timespec *deadline)
{
	uint32_t w;
	for (int i = 0; i < SPIN; i++) {
		w = atomic_load_explicit(&r->owner, memory_order_relaxed);
		if (w == 0 && try_fast(r, me))
			return 0;
		if (w & SLEEPERS)
			break;
		tl__cpu_relax();
	}
	for (;;) {
		w = atomic_load_explicit(&r->owner, memory_order_relaxed);
		if (w == 0) {
			/* Taken after sleeping (or behind sleepers): keep the bit, others
			 * may still sleep, so our release must wake one. */
			if (atomic_compare_exchange_weak_explicit(&r->owner, &w, me | SLEEPERS,
								  memory_order_acquire, memory_order_relaxed))
				return 0;
			continue;
		}
		if (!(w & SLEEPERS) &&
		    !atomic_compare_exchange_weak_explicit(&r->owner, &w, w | SLEEPERS,
							   memory_order_relaxed, memory_order_relaxed))
			continue;
		if (tl__futex_wait(&r->owner, w | SLEEPERS, deadline, pshared(r)) == -ETIMEDOUT)
			return TL_ETIMEDOUT;
	}
}

/* Acquire when not already the owner; try_only: one attempt. */
static int acquire(tl_rlock_t *r, uint32_t me, bool try_only, const struct timespec *deadline)
{
	unsigned tf = try_only ? TL__TSAN_TRY : 0;
	(void)tf;
	TL_TSAN_MUTEX_PRE_LOCK(r, tf);
	int rc = try_fast(r, me) ? 0 : try_only ? TL_EBUSY : lock_slow(r, me, deadline);
	if (rc == 0)
		r->count = 1;
	TL_TSAN_MUTEX_POST_LOCK(r, tf | (rc ? TL__TSAN_TRY_FAILED : 0), 0);
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

/* The owner gives the word up. */
static void unlock_word(tl_rlock_t *r)
{
	uint32_t w = atomic_exchange_explicit(&r->owner, 0, memory_order_release);
	if (w & SLEEPERS)
		tl__futex_wake(&r->owner, 1, pshared(r));
}

int tl_rlock_release(tl_rlock_t *r)
{
	if (!owned_by(r, tl__self_tid()))
		return TL_EPERM;
	TL_TSAN_MUTEX_PRE_UNLOCK(r, 0);
	if (--r->count == 0)
		unlock_word(r);
	TL_TSAN_MUTEX_POST_UNLOCK(r, 0);
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
	if (!owned_by(r, tl__self_tid()))
		return TL_EPERM;
	*count = r->count;
	(void)TL__TSAN_PRE_UNLOCK_REC(r, TL__TSAN_REC_UNLOCK);
	r->count = 0;
	unlock_word(r);
	TL_TSAN_MUTEX_POST_UNLOCK(r, TL__TSAN_REC_UNLOCK);
	return 0;
}

void tl__rlock_acquire_restore(tl_rlock_t *r, uint32_t count)
{
	uint32_t me = tl__self_tid();
	tl__tsan_lock_sync();
	TL_TSAN_MUTEX_PRE_LOCK(r, 0);
	if (!try_fast(r, me))
		lock_slow(r, me, NULL);
	r->count = count;
	TL_TSAN_MUTEX_POST_LOCK(r, TL__TSAN_REC_LOCK, (int)count);
}
