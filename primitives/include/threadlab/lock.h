/* threadlab/lock.h — Python's threading.Lock (and multiprocessing.Lock).
 *
 * A non-recursive lock with no owner: any thread may release a locked Lock
 * (Python allows it; it makes Lock usable as a binary semaphore / handoff).
 * Releasing an unlocked Lock is an error (TL_EPERM, Python RuntimeError).
 *
 * Example (compiled and run by tests/api):
 *
 *   int main(void)
 *   {
 *       tl_lock_t l;
 *       if (tl_lock_init(&l, TL_PRIVATE) != 0)
 *           return 1;
 *       int r = tl_lock_acquire(&l, true, TL_FOREVER);   // lock.acquire(): 0
 *       int busy = tl_lock_acquire(&l, false, TL_FOREVER); // lock.acquire(False): TL_EBUSY
 *       int late = tl_lock_acquire(&l, true, 0.01);      // acquire(timeout=0.01): TL_ETIMEDOUT
 *       int bad = tl_lock_acquire(&l, true, -5);         // ValueError: TL_EINVAL
 *       tl_lock_release(&l);
 *       int twice = tl_lock_release(&l);                 // RuntimeError: TL_EPERM
 *       tl_lock_destroy(&l);
 *       return r == 0 && busy == TL_EBUSY && late == TL_ETIMEDOUT && bad == TL_EINVAL &&
 *              twice == TL_EPERM ? 0 : 1;
 *   }
 *
 * Implementation: the classic three-state futex mutex (0 free, 1 locked,
 * 2 locked and maybe waiters), a short adaptive spin before sleeping, its
 * budget in nanoseconds (learned per lock, capped; threadlab/stats.h says
 * what it is on this CPU).
 *
 * Fairness: like Python's, this Lock makes no FIFO promise, and a thread
 * that releases and re-acquires at once usually wins (that is most of its
 * speed). But it does not starve anyone: a sleeping waiter that keeps
 * being woken by releases only to find the lock taken again counts itself
 * urgent once the fairness mark has passed, and the next release hands the
 * lock to an urgent waiter instead of freeing it (eventual fairness, as in parking_lot
 * and Abseil). The mark is 200 us on a quiet machine; on a busy one, where
 * a woken thread may wait milliseconds for a CPU while the handed-over lock
 * lies idle, it grows to 4x the recent hand-over delay (at most 20 ms), so
 * fairness costs at most about a fifth of the lock's time
 * (tl_stats_t.lock_fair_ns says what it is). So no acquire waits much longer
 * than the mark plus the critical sections and wake-ups ahead of it (timed
 * acquires keep their own deadline). This holds for a TL_PRIVATE Lock; the
 * process-shared one has no handoff.
 *
 * More runnable threads than CPUs: a waiter that has lost its CPU waits for
 * the thread running there to give it up, a scheduler tick or more. So a
 * thread that releases a TL_PRIVATE Lock while some thread of this process
 * has sat in a contended Lock acquire on its CPU for 250 us yields the CPU
 * (sched_yield, after the release: it holds nothing then). A thread
 * preempted just before its acquire starts is invisible to this, so waits
 * of a tick still happen, rarely (tl_stats_t.lock_yields counts the yields).
 *
 * Process-shared (TL_PSHARED): the struct may live in any MAP_SHARED mapping
 * — anonymous and inherited over fork(), or a named POSIX shm object that
 * every process maps (shm_open + ftruncate + mmap; threadlab adds nothing for
 * naming: the creator initialises the struct in place once, before anyone
 * else uses it, and whoever is last calls destroy). The struct holds no
 * pointer, so the mapping may sit at different addresses in each process.
 * The lock word then records the *process* holding it (its pid), and the
 * lock is robust, as a pthread robust mutex:
 *   - a process that dies while its Lock is locked (killed, crashed, exited)
 *     does not hang the others: a blocked acquire notices within
 *     TL_LIVENESS_MS (it sleeps in slices and checks the holder's
 *     /proc/<pid>), a timed acquire also checks when its timeout expires,
 *     and takes the lock over: it returns TL_EOWNERDEAD and *holds* the lock.
 *     What the dead process protected may be half updated: repair it, then
 *     call tl_lock_consistent(); release as usual.
 *   - released without tl_lock_consistent() the lock becomes not recoverable:
 *     every acquire (and every blocked one) returns TL_ENOTRECOVERABLE, and
 *     only destroy + init make it usable again.
 *   - non-blocking attempts (blocking=false, or timeout 0) never probe: they
 *     return TL_EBUSY for a dead holder's lock, as for a live one.
 *   - a thread that exits while its Lock is locked is not a death (Python
 *     lets another thread release it): only the whole holding process
 *     counts. And since any thread may release a Lock, a process that dies
 *     holding a Lock another process was going to release for it is a death
 *     too: use a Semaphore for cross-process signalling.
 *   Limits: processes must share a pid namespace; a dead holder's pid
 *   recycled by a new process within one slice looks alive (a blocked
 *   acquire then waits for that process); a process whose main thread
 *   called pthread_exit() looks dead (/proc shows its leader as a zombie).
 * Without TL_PSHARED none of this applies: the private Lock keeps its
 * three-state word and its speed.
 */
#ifndef THREADLAB_LOCK_H
#define THREADLAB_LOCK_H

#include "threadlab/common.h"

#include <stdatomic.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How often (ms) a blocked process-shared waiter checks whether the holder
 * (Lock, RLock) or a waiting party (Barrier) is still alive. */
#define TL_LIVENESS_MS 50

typedef struct tl_lock {
	_Atomic uint32_t state; /* private: 0 free, 1 locked, 2 locked + maybe sleepers;
				 * TL_PSHARED: 0 or holder pid | flags (src/robust.h) */
	uint16_t flags;         /* TL_PSHARED */
	_Atomic uint16_t spins; /* private: learned spin budget of the contended path */
	void *deferred;         /* private: Condition waiters its release wakes (internal) */
} tl_lock_t;

/* Static initialiser for a private Lock (same as tl_lock_init(l, TL_PRIVATE)). */
#define TL_LOCK_INITIALIZER { 0, TL_PRIVATE, 0, 0 }

int tl_lock_init(tl_lock_t *l, int flags);   /* TL_EINVAL on unknown flags */
int tl_lock_destroy(tl_lock_t *l);           /* TL_EBUSY if locked (a not recoverable one may go) */

/* lock.acquire(blocking, timeout): 0 acquired; TL_EBUSY (non-blocking, held);
 * TL_ETIMEDOUT; TL_EINVAL for blocking=false with a timeout, or a negative
 * timeout other than TL_FOREVER. timeout 0 with blocking tries once and
 * gives TL_ETIMEDOUT. TL_PSHARED only: TL_EOWNERDEAD (acquired from a dead
 * holder), TL_ENOTRECOVERABLE (not acquired). */
int tl_lock_acquire(tl_lock_t *l, bool blocking, double timeout);

/* The core: absolute CLOCK_MONOTONIC deadline, NULL = forever.
 * 0, TL_ETIMEDOUT, or (TL_PSHARED) TL_EOWNERDEAD / TL_ENOTRECOVERABLE. */
int tl_lock_acquire_until(tl_lock_t *l, const struct timespec *deadline);

/* One attempt: 0 or TL_EBUSY (TL_ENOTRECOVERABLE for such a lock). */
int tl_lock_try_acquire(tl_lock_t *l);

/* 0, or TL_EPERM if the lock was not locked (or is not recoverable). Any
 * thread may release. Releasing a lock taken over with TL_EOWNERDEAD and
 * not marked consistent makes it not recoverable (and returns 0). */
int tl_lock_release(tl_lock_t *l);

/* After TL_EOWNERDEAD: the protected state is repaired, the lock is usable
 * again after its release. TL_EINVAL if the lock is not in that state
 * (never taken over, already marked, or private). */
int tl_lock_consistent(tl_lock_t *l);

/* lock.locked() — a snapshot (a not recoverable lock counts as locked). */
bool tl_lock_locked(const tl_lock_t *l);

#ifdef __cplusplus
}
#endif
#endif
