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

int tl_event_init(tl_event_t *e, int flags);
int tl_event_destroy(tl_event_t *e); /* TL_EBUSY while threads wait */

int tl_event_set(tl_event_t *e);   /* wakes every waiter */
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
