/* Internal: Python's timeout argument rules. CPython has three, per call,
 * and so do we (each public header says which one its calls follow):
 *   Lock/RLock.acquire, Queue.get/put: tl__acquire_args (and the queues'
 *     own check): blocking=false with a timeout, a negative timeout other
 *     than -1 (TL_FOREVER, Python's None), or NaN -> TL_EINVAL;
 *   Thread.join: tl__join_args: a negative timeout is clamped to 0;
 *   Condition-based waits (Event.wait, Condition.wait/wait_for,
 *     Barrier.wait, Semaphore.acquire, Future.result/exception, wait,
 *     as_completed, map): tl__poll_args / tl__sem_acquire_args: a
 *     negative timeout polls.
 *   timeout > ~31 years -> forever (tl_deadline), everywhere.
 */
#ifndef TL_TIMEOUT_H
#define TL_TIMEOUT_H

#include "threadlab/common.h"

#include <math.h>
#include <stdbool.h>

enum { TL__TRY_ONCE = 1 };

/* Returns TL__TRY_ONCE (non-blocking, or timeout 0: one attempt, no wait),
 * 0 with *deadline set (NULL = forever), or TL_EINVAL. */
static inline int tl__acquire_args(bool blocking, double timeout, struct timespec *buf,
				   const struct timespec **deadline)
{
	if (isnan(timeout))
		return TL_EINVAL;
	if (!blocking)
		return timeout == TL_FOREVER ? TL__TRY_ONCE : TL_EINVAL;
	if (timeout == TL_FOREVER) {
		*deadline = NULL;
		return 0;
	}
	if (timeout < 0)
		return TL_EINVAL;
	if (timeout == 0)
		return TL__TRY_ONCE;
	*deadline = tl_deadline(buf, timeout);
	return 0;
}

/* Thread.join's form: TL_FOREVER (None) waits forever; another negative
 * timeout is clamped to 0 (CPython: max(timeout, 0)), so the wait checks
 * once; NaN is TL_EINVAL (CPython's lock rejects it). Returns 0 with
 * *deadline set (NULL = forever), or TL_EINVAL. */
static inline int tl__join_args(double timeout, struct timespec *buf, const struct timespec **deadline)
{
	if (isnan(timeout))
		return TL_EINVAL;
	if (timeout < 0 && timeout != TL_FOREVER)
		timeout = 0;
	*deadline = tl_deadline(buf, timeout);
	return 0;
}

/* Semaphore.acquire's form: CPython's Semaphore waits on a Condition, so
 * blocking=false with a timeout is TL_EINVAL (ValueError) but a negative
 * timeout other than TL_FOREVER polls, as 0 does. NaN is TL_EINVAL (CPython
 * would poll forever). Returns as tl__acquire_args. */
static inline int tl__sem_acquire_args(bool blocking, double timeout, struct timespec *buf,
				       const struct timespec **deadline)
{
	if (blocking && timeout < 0 && timeout != TL_FOREVER)
		return TL__TRY_ONCE;
	return tl__acquire_args(blocking, timeout, buf, deadline);
}

/* Python's form for Event.wait, Condition.wait / wait_for, Barrier.wait:
 * TL_FOREVER waits forever; any other timeout <= 0 (or NaN) polls once —
 * these Python waits never raise for a negative timeout (Condition.wait
 * turns it into a non-blocking acquire). Sets *deadline (NULL = forever; a
 * passed one = poll). */
static inline void tl__poll_args(double timeout, struct timespec *buf, const struct timespec **deadline)
{
	if (isnan(timeout) || timeout < 0)
		timeout = timeout == TL_FOREVER ? TL_FOREVER : 0;
	*deadline = tl_deadline(buf, timeout);
}

#endif
