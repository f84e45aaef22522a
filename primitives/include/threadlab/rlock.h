/* threadlab/rlock.h — Python's threading.RLock.
 *
 * Re-entrant: the owning thread may acquire again; each acquire needs its
 * release. Only the owner may release (TL_EPERM otherwise, Python's
 * RuntimeError). Same acquire arguments as tl_lock_acquire.
 *
 * Implementation: one futex word holding the owner's kernel tid (0 = free)
 * plus a "sleepers" bit, and a recursion count only the owner touches. The
 * owner is a tid, so with TL_PSHARED an RLock in a MAP_SHARED mapping works
 * between processes (anonymous before fork, or a named shm object: see
 * lock.h), and is robust like a process-shared Lock, with the owner
 * *thread* as the unit that dies:
 *   - the owner thread dies (its process is killed, or it exits while
 *     owning the RLock): a blocked or timed acquire takes it over within
 *     TL_LIVENESS_MS (lock.h) and returns TL_EOWNERDEAD — the caller owns it
 *     at depth 1 and calls tl_rlock_consistent() once the protected state is
 *     repaired; releasing the last level before that makes the RLock not
 *     recoverable (every acquire: TL_ENOTRECOVERABLE; destroy + init to
 *     reuse). Non-blocking attempts do not probe (TL_EBUSY).
 *   Limits: as lock.h's, with tids: a dead owner's tid reused within a
 *   slice by a new thread looks alive.
 *
 * Example (compiled and run by tests/api):
 *
 *   int main(void)
 *   {
 *       tl_rlock_t r;
 *       tl_rlock_init(&r, TL_PRIVATE);
 *       tl_rlock_acquire(&r, true, TL_FOREVER);   // with r:
 *       tl_rlock_acquire(&r, true, TL_FOREVER);   //     with r: (re-entered)
 *       unsigned depth = tl_rlock_count(&r);      // 2
 *       tl_rlock_release(&r);
 *       tl_rlock_release(&r);
 *       int extra = tl_rlock_release(&r);         // RuntimeError: TL_EPERM
 *       tl_rlock_destroy(&r);
 *       return depth == 2 && extra == TL_EPERM ? 0 : 1;
 *   }
 */
#ifndef THREADLAB_RLOCK_H
#define THREADLAB_RLOCK_H

#include "threadlab/common.h"

#include <stdatomic.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tl_rlock {
	_Atomic uint32_t owner; /* 0 free; owner tid | bit 31 when threads may sleep */
	uint32_t count;         /* recursion depth, owner-only */
	uint32_t flags;         /* TL_PSHARED */
	void *deferred;         /* private: Condition waiters its release wakes (internal) */
} tl_rlock_t;

#define TL_RLOCK_INITIALIZER { 0, 0, TL_PRIVATE, 0 }

int tl_rlock_init(tl_rlock_t *r, int flags); /* TL_EINVAL on unknown flags */
int tl_rlock_destroy(tl_rlock_t *r);         /* TL_EBUSY if held (a not recoverable one may go) */

/* rlock.acquire(blocking, timeout): 0; TL_EBUSY; TL_ETIMEDOUT; TL_EINVAL
 * (as tl_lock_acquire); TL_EAGAIN if the recursion count would overflow;
 * TL_PSHARED only: TL_EOWNERDEAD (now owned), TL_ENOTRECOVERABLE. */
int tl_rlock_acquire(tl_rlock_t *r, bool blocking, double timeout);
int tl_rlock_acquire_until(tl_rlock_t *r, const struct timespec *deadline);
int tl_rlock_try_acquire(tl_rlock_t *r); /* 0 or TL_EBUSY */

/* 0, or TL_EPERM if the calling thread does not own it. */
int tl_rlock_release(tl_rlock_t *r);

/* After TL_EOWNERDEAD: mark the protected state repaired. TL_EPERM if the
 * caller does not own it, TL_EINVAL if it was not taken over (or already
 * marked). */
int tl_rlock_consistent(tl_rlock_t *r);

/* Python's RLock._is_owned(): held by the calling thread. */
bool tl_rlock_is_owned(const tl_rlock_t *r);
/* Held by any thread (snapshot). */
bool tl_rlock_locked(const tl_rlock_t *r);
/* Recursion depth if the calling thread owns it, else 0. */
unsigned tl_rlock_count(const tl_rlock_t *r);

#ifdef __cplusplus
}
#endif
#endif
