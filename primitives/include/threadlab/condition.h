/* threadlab/condition.h — Python's threading.Condition.
 *
 *   tl_cond_t c;
 *   tl_cond_init(&c, TL_PRIVATE, TL_COND_RLOCK, NULL);   // Condition(): its own RLock
 *   tl_cond_init(&c, TL_PRIVATE, TL_COND_LOCK, &lock);   // Condition(lock)
 *
 *   tl_cond_acquire(&c, true, TL_FOREVER);     // with cond:
 *   while (!ready)
 *           tl_cond_wait(&c, TL_FOREVER);
 *   tl_cond_release(&c);
 *
 * Semantics (CPython's): wait/notify without holding the lock is TL_EPERM
 * (for a Lock, "holding" can only mean "locked": Lock has no owner, as in
 * Python); wait releases the lock — every level of an RLock — and takes it
 * back before returning, also on timeout. Waiters queue in FIFO order and
 * notify(n) wakes exactly the n longest-waiting ones (fewer if fewer wait);
 * there are no spurious returns: wait returns 0 only when notified. A waiter
 * whose timeout expires while a notify picks it returns 0 (it was notified).
 *
 * The reference to the lock is stored as a self-relative offset. TL_PSHARED
 * is not supported yet (TL_EINVAL): waiters queue on their own stacks, which
 * another process cannot reach (issue 9 will add a pointer-free waiter queue).
 */
#ifndef THREADLAB_CONDITION_H
#define THREADLAB_CONDITION_H

#include "threadlab/common.h"
#include "threadlab/lock.h"
#include "threadlab/rlock.h"

#include <stdatomic.h>

#ifdef __cplusplus
extern "C" {
#endif

enum tl_cond_lock_kind {
	TL_COND_RLOCK = 0, /* tl_rlock_t (Python's default) */
	TL_COND_LOCK = 1,  /* tl_lock_t */
};

struct tl__cond_waiter;

typedef struct tl_cond {
	ptrdiff_t lock_off;                  /* lock address minus this struct's address */
	uint32_t kind;                       /* enum tl_cond_lock_kind */
	uint32_t flags;                      /* TL_PRIVATE; bit 8: the lock is `own` */
	struct tl__cond_waiter *head, *tail; /* FIFO of waiters, guarded by the lock */
	_Atomic uint32_t nwaiters;           /* list length, for destroy */
	union {
		tl_lock_t lock;
		tl_rlock_t rlock;
	} own;                               /* the lock when none was given */
} tl_cond_t;

/* kind: TL_COND_RLOCK or TL_COND_LOCK; lock: a tl_rlock_t* / tl_lock_t* of
 * that kind, or NULL for a new one inside the condition. TL_EINVAL for a bad
 * kind or flags (TL_PSHARED included, for now). */
int tl_cond_init(tl_cond_t *c, int flags, int kind, void *lock);
/* TL_EBUSY while threads wait, or while its own lock is held. */
int tl_cond_destroy(tl_cond_t *c);

/* The underlying lock: `with cond:` is acquire ... release. */
int tl_cond_acquire(tl_cond_t *c, bool blocking, double timeout);
int tl_cond_release(tl_cond_t *c);
void *tl_cond_lock(tl_cond_t *c); /* the tl_lock_t* or tl_rlock_t* */

/* cond.wait(timeout): 0 when notified, TL_ETIMEDOUT, TL_EPERM (lock not
 * held). TL_FOREVER waits forever; another negative timeout (or NaN) is a
 * poll like 0 — the lock is still released and retaken — as in Python. */
int tl_cond_wait(tl_cond_t *c, double timeout);
int tl_cond_wait_until(tl_cond_t *c, const struct timespec *deadline);

/* cond.wait_for(predicate, timeout): returns Python's result as 0 (the
 * predicate is true) or TL_ETIMEDOUT (still false when the timeout ran out);
 * TL_EPERM and timeouts as wait. The predicate runs with the lock held, first
 * before any wait, and once more after the last wait. */
typedef bool (*tl_cond_predicate)(void *arg);
int tl_cond_wait_for(tl_cond_t *c, tl_cond_predicate pred, void *arg, double timeout);
int tl_cond_wait_for_until(tl_cond_t *c, tl_cond_predicate pred, void *arg,
			   const struct timespec *deadline);

/* notify(n): wakes the n longest waiters (n < 1 wakes none, as in Python);
 * notify_all: every waiter. TL_EPERM if the lock is not held. */
int tl_cond_notify(tl_cond_t *c, int n);
int tl_cond_notify_all(tl_cond_t *c);

#ifdef __cplusplus
}
#endif
#endif
