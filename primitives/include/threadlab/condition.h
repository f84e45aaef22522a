/* threadlab/condition.h — Python's threading.Condition.
 *
 * Example (compiled and run by tests/api):
 *
 *   #include "threadlab/thread.h"
 *
 *   static tl_cond_t c;
 *   static int items; // guarded by c's lock
 *
 *   static int have_items(void *arg) { (void)arg; return items; }
 *
 *   static void producer(void *arg)
 *   {
 *       (void)arg;
 *       tl_cond_acquire(&c, true, TL_FOREVER);   // with c:
 *       items += 3;
 *       tl_cond_notify(&c, 1);                   //     c.notify()
 *       tl_cond_release(&c);
 *   }
 *
 *   int main(void)
 *   {
 *       // Condition(): its own RLock; (TL_COND_LOCK, &lock): Condition(lock)
 *       tl_cond_init(&c, TL_PRIVATE, TL_COND_RLOCK, NULL);
 *       tl_thread_t t;
 *       tl_thread_init(&t, producer, NULL, NULL);
 *       tl_thread_start(&t);
 *       tl_cond_acquire(&c, true, TL_FOREVER);
 *       int n = 0;                               // n = c.wait_for(have_items)
 *       int r = tl_cond_wait_for(&c, have_items, NULL, TL_FOREVER, &n);
 *       tl_cond_release(&c);
 *       tl_thread_join(&t, TL_FOREVER);
 *       tl_cond_destroy(&c);
 *       return r == 0 && n == 3 ? 0 : 1;
 *   }
 *
 * Semantics (CPython's): wait/notify without holding the lock is TL_EPERM
 * (for a Lock, "holding" can only mean "locked": Lock has no owner, as in
 * Python); wait releases the lock — every level of an RLock — and takes it
 * back before returning, also on timeout. Waiters queue in FIFO order and
 * notify(n) wakes exactly the n longest-waiting ones (fewer if fewer wait);
 * there are no spurious returns: wait returns 0 only when notified. A waiter
 * whose timeout expires while a notify picks it returns 0 (it was notified).
 *
 * Wake order (private conditions): a notified waiter that is asleep is not
 * woken while the notifier still holds the lock (it could only find the
 * lock taken and sleep again); the lock's next release wakes it (a Lock's,
 * by whichever thread releases it; an RLock's last level), and it competes
 * for the lock like any acquirer.
 *
 * The reference to the lock is stored as a self-relative offset (no
 * pointer: a given lock must live in the same mapping as the condition when
 * either is shared between processes).
 *
 * Process-shared (TL_PSHARED, in a MAP_SHARED mapping: see lock.h): the lock
 * must be process-shared too (a given private lock is TL_EINVAL). Same
 * semantics and results, with waiters kept in a table of
 * TL_COND_PSHARED_WAITERS slots inside the struct (a waiter's own memory is
 * out of other processes' reach) — FIFO, exact notify(n) — plus:
 *   - TL_EAGAIN from wait/wait_for when every slot holds a waiter (the lock
 *     is still held; nothing waited). A notified waiter keeps its slot until
 *     it has taken the lock back and left wait(). Slots of processes that
 *     died waiting are reclaimed first.
 *   - TL_EOWNERDEAD from wait/wait_for when re-taking the lock found its
 *     holder dead: the caller holds the lock (as after tl_lock_acquire's
 *     TL_EOWNERDEAD), must repair the protected state and call
 *     tl_cond_consistent(); count it as a spurious wake-up (whether it was
 *     notified is lost). TL_ENOTRECOVERABLE: the lock is not recoverable and
 *     not held (lock.h).
 *   - a process killed while it holds the lock in the middle of a wait or
 *     notify leaves the table half updated: the next wait/notify rebuilds it
 *     (waiters in arrival order; slots of dead waiters freed).
 *   - a waiter process that dies while asleep is skipped by notify (its
 *     futex wake finds no sleeper, a /proc check confirms it is gone), so
 *     notify(n) still wakes n live waiters; one that dies in its short spin
 *     before sleeping is not noticed and takes one notification with it.
 *     Its slot is freed by the notify, or when the table fills up.
 *   - who would notify a waiter is not known, so a waiter does not stop
 *     waiting because some other process died: use a timeout for that.
 *   - tl_cond_destroy is TL_EBUSY while any slot is in use, including the
 *     slot of a process that died waiting and was not reclaimed yet.
 * Without TL_PSHARED the table is unused (the thread version queues waiters
 * on their own stacks and is as fast as before).
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

/* Limit: waiters of one process-shared condition at once. The 65th
 * concurrent wait/wait_for gets TL_EAGAIN (it holds the lock and waited
 * for nothing; retry or report), never a hang or a lost wake-up. The table
 * lives inside tl_cond_t (shared memory cannot hold pointers to a waiter's
 * own memory), so every tl_cond_t pays for it: with more processes or
 * threads than this waiting on one condition (64- to 256-core machines),
 * shard the waiters over several conditions, or use a private condition
 * (no limit) where all waiters are threads of one process. */
#define TL_COND_PSHARED_WAITERS 64

struct tl__cond_slot {
	_Atomic uint32_t state; /* futex word: waiting / sleeping / notified / free */
	uint32_t tid;           /* the waiting thread (liveness) */
	uint32_t ticket;        /* arrival order (to rebuild the FIFO) */
	uint16_t next, prev;    /* FIFO or free-list links: slot indices */
};

typedef struct tl_cond {
	ptrdiff_t lock_off;                  /* lock address minus this struct's address */
	uint32_t kind;                       /* enum tl_cond_lock_kind */
	uint32_t flags;                      /* TL_PRIVATE / TL_PSHARED; bit 8: the lock is `own` */
	struct tl__cond_waiter *head, *tail; /* FIFO of waiters (private), guarded by the lock */
	_Atomic uint32_t nwaiters;           /* FIFO length, for destroy */
	union {
		tl_lock_t lock;
		tl_rlock_t rlock;
	} own;                               /* the lock when none was given */
	struct {                             /* TL_PSHARED only, guarded by the lock */
		uint16_t head, tail, free, pad_;
		uint32_t busy;               /* set during a table update: a dead updater left it */
		uint32_t ticket;
		_Atomic uint32_t nslots;     /* slots in use (waiting or notified, not yet gone) */
		struct tl__cond_slot slot[TL_COND_PSHARED_WAITERS];
	} ps;
} tl_cond_t;

/* kind: TL_COND_RLOCK or TL_COND_LOCK; lock: a tl_rlock_t* / tl_lock_t* of
 * that kind, or NULL for a new one inside the condition (process-shared
 * with TL_PSHARED). TL_EINVAL for a bad kind or flags, or a private lock
 * given to a TL_PSHARED condition. */
int tl_cond_init(tl_cond_t *c, int flags, int kind, void *lock);
/* TL_EBUSY while threads wait, or while its own lock is held. */
int tl_cond_destroy(tl_cond_t *c);

/* After TL_EOWNERDEAD (from wait, or from acquiring the lock): the state the
 * lock protects is repaired. tl_lock_consistent / tl_rlock_consistent on the
 * condition's lock. */
int tl_cond_consistent(tl_cond_t *c);

/* The underlying lock: `with cond:` is acquire ... release. */
int tl_cond_acquire(tl_cond_t *c, bool blocking, double timeout);
int tl_cond_release(tl_cond_t *c);
void *tl_cond_lock(tl_cond_t *c); /* the tl_lock_t* or tl_rlock_t* */

/* cond.wait(timeout): 0 when notified, TL_ETIMEDOUT, TL_EPERM (lock not
 * held). TL_FOREVER waits forever; another negative timeout (or NaN) is a
 * poll like 0 — the lock is still released and retaken — as in Python.
 * TL_PSHARED also: TL_EAGAIN, TL_EOWNERDEAD, TL_ENOTRECOVERABLE (above). */
int tl_cond_wait(tl_cond_t *c, double timeout);
int tl_cond_wait_until(tl_cond_t *c, const struct timespec *deadline);

/* cond.wait_for(predicate, timeout), as CPython's: the predicate runs
 * first, whether or not the caller holds the lock, and a non-zero value
 * returns at once (0, nothing waited). Otherwise it waits (the lock must be
 * held then: TL_EPERM, the predicate was called once) and runs the
 * predicate again after each wake-up — with the lock held from then on —
 * until it is non-zero or the timeout runs out (TL_ETIMEDOUT; it always
 * waits at least once, a poll for timeout <= 0). Returns 0 or TL_ETIMEDOUT
 * and, when value is not NULL, *value = the predicate's last value (Python
 * returns it). Timeouts as wait. A wait's TL_EAGAIN, TL_EOWNERDEAD or
 * TL_ENOTRECOVERABLE (TL_PSHARED) ends it with that code (*value unset).
 * The predicate returns any int, non-zero meaning true (Python's
 * truthiness). */
typedef int (*tl_cond_predicate)(void *arg);
int tl_cond_wait_for(tl_cond_t *c, tl_cond_predicate pred, void *arg, double timeout, int *value);
int tl_cond_wait_for_until(tl_cond_t *c, tl_cond_predicate pred, void *arg,
			   const struct timespec *deadline, int *value);

/* notify(n): wakes the n longest waiters (n < 1 wakes none, as in Python);
 * notify_all: every waiter. TL_EPERM if the lock is not held. */
int tl_cond_notify(tl_cond_t *c, int n);
int tl_cond_notify_all(tl_cond_t *c);

#ifdef __cplusplus
}
#endif
#endif
