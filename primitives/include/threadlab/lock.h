/* threadlab/lock.h — Python's threading.Lock.
 *
 * A non-recursive lock with no owner: any thread may release a locked Lock
 * (Python allows it; it makes Lock usable as a binary semaphore / handoff).
 * Releasing an unlocked Lock is an error (TL_EPERM, Python RuntimeError).
 *
 *   tl_lock_t l;
 *   tl_lock_init(&l, TL_PRIVATE);
 *   tl_lock_acquire(&l, true, TL_FOREVER);      // lock.acquire()
 *   tl_lock_acquire(&l, false, TL_FOREVER);     // lock.acquire(False): 0 or TL_EBUSY
 *   tl_lock_acquire(&l, true, 0.5);             // lock.acquire(timeout=0.5): 0 or TL_ETIMEDOUT
 *   tl_lock_release(&l);
 *
 * Implementation: the classic three-state futex mutex (0 free, 1 locked,
 * 2 locked and maybe waiters), a short spin before sleeping. With
 * TL_PSHARED the struct may live in a MAP_SHARED mapping.
 */
#ifndef THREADLAB_LOCK_H
#define THREADLAB_LOCK_H

#include "threadlab/common.h"

#include <stdatomic.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tl_lock {
	_Atomic uint32_t state; /* 0 free, 1 locked, 2 locked + maybe sleepers */
	uint32_t flags;         /* TL_PSHARED */
} tl_lock_t;

/* Static initialiser for a private Lock (same as tl_lock_init(l, TL_PRIVATE)). */
#define TL_LOCK_INITIALIZER { 0, TL_PRIVATE }

int tl_lock_init(tl_lock_t *l, int flags);   /* TL_EINVAL on unknown flags */
int tl_lock_destroy(tl_lock_t *l);           /* TL_EBUSY if locked */

/* lock.acquire(blocking, timeout): 0 acquired; TL_EBUSY (non-blocking, held);
 * TL_ETIMEDOUT; TL_EINVAL for blocking=false with a timeout, or a negative
 * timeout other than TL_FOREVER. timeout 0 with blocking tries once and
 * gives TL_ETIMEDOUT. */
int tl_lock_acquire(tl_lock_t *l, bool blocking, double timeout);

/* The core: absolute CLOCK_MONOTONIC deadline, NULL = forever.
 * 0 or TL_ETIMEDOUT. */
int tl_lock_acquire_until(tl_lock_t *l, const struct timespec *deadline);

/* One attempt: 0 or TL_EBUSY. */
int tl_lock_try_acquire(tl_lock_t *l);

/* 0, or TL_EPERM if the lock was not locked. Any thread may release. */
int tl_lock_release(tl_lock_t *l);

/* lock.locked() — a snapshot. */
bool tl_lock_locked(const tl_lock_t *l);

#ifdef __cplusplus
}
#endif
#endif
