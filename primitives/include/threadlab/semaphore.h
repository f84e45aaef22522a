/* threadlab/semaphore.h — Python's threading.Semaphore and BoundedSemaphore.
 *
 * Example (compiled and run by tests/api):
 *
 *   int main(void)
 *   {
 *       tl_sem_t s;
 *       tl_sem_init_bounded(&s, TL_PRIVATE, 2);      // BoundedSemaphore(2); tl_sem_init: Semaphore(2)
 *       tl_sem_acquire(&s, true, TL_FOREVER);        // s.acquire()
 *       tl_sem_acquire(&s, true, TL_FOREVER);
 *       int none = tl_sem_acquire(&s, false, TL_FOREVER); // s.acquire(False): TL_EBUSY
 *       tl_sem_release(&s, 2);                       // s.release(2)
 *       int over = tl_sem_release(&s, 1);            // ValueError: TL_EOVERFLOW
 *       uint32_t v = tl_sem_value(&s);
 *       tl_sem_destroy(&s);
 *       return none == TL_EBUSY && over == TL_EOVERFLOW && v == 2 ? 0 : 1;
 *   }
 *
 * A BoundedSemaphore refuses a release that would take the value past its
 * initial value (TL_EOVERFLOW, Python's ValueError) and leaves it unchanged.
 * The value is a 32-bit count: a release past UINT32_MAX is TL_EOVERFLOW
 * for both kinds. No FIFO order among waiters (Python gives none either:
 * a new acquirer may take a unit before an older waiter wakes).
 *
 * Process-shared (TL_PSHARED, in a MAP_SHARED mapping: see lock.h): same
 * semantics between processes (multiprocessing.Semaphore). A semaphore has
 * no owner, so a dead process is mostly undecidable:
 *   - units a process acquired and never released because it died are gone
 *     (nothing says which units were "its": a Semaphore is released by
 *     whoever likes, often not the acquirer). Use a process-shared Lock or
 *     RLock where a holder's death must be noticed (TL_EOWNERDEAD).
 *   - a process killed while it sleeps in acquire stays counted as a
 *     sleeper: later releases make one (harmless) wake call each, and
 *     tl_sem_destroy reports TL_EBUSY; the value and every live process are
 *     unaffected. Re-initialise the memory to start afresh.
 *   - a waiter does not stop because the process that would have released
 *     died: use a timeout.
 */
#ifndef THREADLAB_SEMAPHORE_H
#define THREADLAB_SEMAPHORE_H

#include "threadlab/common.h"

#include <stdatomic.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tl_sem {
	_Atomic uint64_t word; /* low 32 bits: value (the futex word); high 32: sleepers */
	uint32_t flags;        /* TL_PSHARED, bounded */
	uint32_t bound;        /* BoundedSemaphore: the initial value */
} tl_sem_t;

/* value < 0 or > UINT32_MAX: TL_EINVAL (Python: ValueError for negative). */
int tl_sem_init(tl_sem_t *s, int flags, int64_t value);
int tl_sem_init_bounded(tl_sem_t *s, int flags, int64_t value);
int tl_sem_destroy(tl_sem_t *s); /* TL_EBUSY while threads wait in it */

/* sem.acquire(blocking, timeout): 0; TL_EBUSY (non-blocking, value 0);
 * TL_ETIMEDOUT. TL_EINVAL for blocking=false with a timeout, or NaN.
 * CPython's Semaphore waits on a Condition, so unlike Lock.acquire a
 * negative timeout other than TL_FOREVER polls (TL_ETIMEDOUT if no unit). */
int tl_sem_acquire(tl_sem_t *s, bool blocking, double timeout);
int tl_sem_acquire_until(tl_sem_t *s, const struct timespec *deadline);
int tl_sem_try_acquire(tl_sem_t *s); /* 0 or TL_EBUSY */

/* sem.release(n): n < 1 -> TL_EINVAL; bounded and value + n > initial ->
 * TL_EOVERFLOW (nothing released). Wakes up to n waiters. */
int tl_sem_release(tl_sem_t *s, int n);

/* The current value (Python's _value), a snapshot. */
uint32_t tl_sem_value(const tl_sem_t *s);

#ifdef __cplusplus
}
#endif
#endif
