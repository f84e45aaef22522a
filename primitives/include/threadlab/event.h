/* threadlab/event.h — Python's threading.Event.
 *
 * A flag with set / clear / is_set and wait(timeout). Python's wait()
 * returns the flag; here tl_event_wait returns 0 for Python's True and
 * TL_ETIMEDOUT for False. As in Python, a
 * waiter woken by set() returns 0 even if clear() ran before it woke
 * (CPython issue #13502), and a wait whose timeout expires returns 0 if the
 * flag is set by then.
 *
 * Process-shared (TL_PSHARED, in a MAP_SHARED mapping: see lock.h): same
 * semantics between processes (multiprocessing.Event). An Event has no
 * owner: whether the process that would set it is alive is not knowable, so
 * a waiter does not stop because some process died (use a timeout). A
 * process killed while it waits stays counted as a waiter: every set()
 * that raises the flag makes one (harmless) wake call, and
 * tl_event_destroy reports TL_EBUSY; live processes are unaffected.
 *
 * Example (compiled and run by tests/api):
 *
 *   #include "threadlab/thread.h"
 *
 *   static void setter(void *arg) { tl_event_set(arg); }
 *
 *   int main(void)
 *   {
 *       tl_event_t e;
 *       tl_event_init(&e, TL_PRIVATE);
 *       int before = tl_event_wait(&e, 0);       // e.wait(0): False -> TL_ETIMEDOUT
 *       tl_thread_t t;
 *       tl_thread_init(&t, setter, &e, NULL);
 *       tl_thread_start(&t);
 *       int r = tl_event_wait(&e, TL_FOREVER);   // e.wait(): True -> 0
 *       tl_thread_join(&t, TL_FOREVER);
 *       bool set = tl_event_is_set(&e);
 *       tl_event_clear(&e);
 *       tl_event_destroy(&e);
 *       return before == TL_ETIMEDOUT && r == 0 && set ? 0 : 1;
 *   }
 */
#ifndef THREADLAB_EVENT_H
#define THREADLAB_EVENT_H

#include "threadlab/common.h"

#include <stdatomic.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tl_event {
	_Atomic uint32_t word;    /* bit 0: the flag; bits 1..31: count of set() that raised it */
	_Atomic uint32_t waiters; /* threads inside a blocking wait */
	uint32_t flags;           /* TL_PSHARED */
} tl_event_t;

#define TL_EVENT_INITIALIZER { 0, 0, TL_PRIVATE }

/* flags TL_PRIVATE or TL_PSHARED (else TL_EINVAL); the flag starts false. */
int tl_event_init(tl_event_t *e, int flags);
int tl_event_destroy(tl_event_t *e); /* TL_EBUSY while threads wait */

/* set() raises the flag and wakes every waiter; clear() lowers it;
 * is_set() reads it (a snapshot). set and clear always return 0. */
int tl_event_set(tl_event_t *e);
int tl_event_clear(tl_event_t *e);
bool tl_event_is_set(const tl_event_t *e);

/* event.wait(timeout): 0 (flag set / was set while waiting) or TL_ETIMEDOUT.
 * TL_FOREVER waits forever; another negative timeout (or NaN) polls, as a
 * timeout of 0 does (Python's Event.wait does not reject it either). */
int tl_event_wait(tl_event_t *e, double timeout);
int tl_event_wait_until(tl_event_t *e, const struct timespec *deadline);

#ifdef __cplusplus
}
#endif
#endif
