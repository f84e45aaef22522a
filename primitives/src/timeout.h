/* Internal: Python's (blocking, timeout) argument rules, shared by every
 * acquire/wait that takes them.
 *   blocking=false with timeout != -1  -> TL_EINVAL (Python ValueError)
 *   timeout < 0 other than -1, or NaN -> TL_EINVAL
 *   timeout > ~31 years                -> forever (tl_deadline)
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

/* Strict form for waits that have no "blocking" flag (Thread.join uses
 * it): TL_FOREVER or >= 0. Returns 0 with *deadline set, or TL_EINVAL. A
 * zero timeout gives a deadline already passed: the wait checks once. */
static inline int tl__wait_args(double timeout, struct timespec *buf, const struct timespec **deadline)
{
	if (isnan(timeout) || (timeout < 0 && timeout != TL_FOREVER))
		return TL_EINVAL;
	*deadline = tl_deadline(buf, timeout);
	return 0;
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
