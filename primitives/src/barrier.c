/* threading.Barrier, transcribed from CPython's threading.py: the same four
 * states and the same enter / release / wait / exit steps, under an internal
 * Lock. CPython's Condition.notify_all becomes "bump `seq` and wake every
 * sleeper on it"; a waiter reads `seq` under the lock before releasing it,
 * so a change made after that (under the lock) always changes the word it
 * sleeps on: no lost wake-up. Every wait loop re-checks its state, so
 * spurious wake-ups are harmless.
 */
#include "threadlab/barrier.h"

#include "futex.h"
#include "timeout.h"

#include <errno.h>
#include <limits.h>

enum { FILLING = 0, DRAINING = 1, RESETTING = -1, BROKEN = -2 };

static inline int pshared(const tl_barrier_t *b)
{
	return b->flags & TL_PSHARED;
}

int tl_barrier_init(tl_barrier_t *b, int flags, int parties, tl_barrier_action action, void *arg,
		    double timeout)
{
	if (parties < 1 || (flags & ~TL_PSHARED))
		return TL_EINVAL;
	int r = tl_lock_init(&b->lock, flags);
	if (r)
		return r;
	atomic_init(&b->seq, 0);
	b->parties = (uint32_t)parties;
	b->count = 0;
	b->state = FILLING;
	b->flags = (uint32_t)flags;
	b->timeout = timeout;
	b->action = action;
	b->action_arg = arg;
	return 0;
}

int tl_barrier_destroy(tl_barrier_t *b)
{
	tl_lock_acquire_until(&b->lock, NULL);
	uint32_t count = b->count;
	tl_lock_release(&b->lock);
	return count ? TL_EBUSY : tl_lock_destroy(&b->lock);
}

/* Condition.notify_all, under the lock. */
static void wake_all(tl_barrier_t *b)
{
	atomic_fetch_add_explicit(&b->seq, 1, memory_order_relaxed);
	tl__futex_wake(&b->seq, INT_MAX, pshared(b));
}

/* Condition.wait, under the lock: 0, or TL_ETIMEDOUT. */
static int cwait(tl_barrier_t *b, const struct timespec *deadline)
{
	uint32_t s = atomic_load_explicit(&b->seq, memory_order_relaxed);
	tl_lock_release(&b->lock);
	int r = tl__futex_wait(&b->seq, s, deadline, pshared(b));
	tl_lock_acquire_until(&b->lock, NULL);
	return r == -ETIMEDOUT ? TL_ETIMEDOUT : 0;
}

static void break_barrier(tl_barrier_t *b)
{
	b->state = BROKEN;
	wake_all(b);
}

/* The last thread in: run the action, then let everyone go. */
static int release(tl_barrier_t *b)
{
	if (b->action && b->action(b->action_arg) != 0) {
		break_barrier(b);
		return TL_EBROKEN;
	}
	b->state = DRAINING;
	wake_all(b);
	return 0;
}

/* Wait until released (wait_for(state != FILLING, timeout)); a timeout
 * breaks the barrier. */
static int wait_released(tl_barrier_t *b, const struct timespec *deadline)
{
	while (b->state == FILLING) {
		if (cwait(b, deadline) == TL_ETIMEDOUT && b->state == FILLING) {
			break_barrier(b);
			return TL_EBROKEN;
		}
	}
	return b->state < 0 ? TL_EBROKEN : 0;
}

int tl_barrier_wait_until(tl_barrier_t *b, const struct timespec *deadline)
{
	tl_lock_acquire_until(&b->lock, NULL);
	while (b->state == DRAINING || b->state == RESETTING) /* the previous cycle is leaving */
		cwait(b, NULL);
	if (b->state < 0) {
		tl_lock_release(&b->lock);
		return TL_EBROKEN;
	}
	uint32_t index = b->count++;
	int r = index + 1 == b->parties ? release(b) : wait_released(b, deadline);
	if (--b->count == 0 && (b->state == RESETTING || b->state == DRAINING)) {
		b->state = FILLING; /* the last one out opens the next cycle */
		wake_all(b);
	}
	tl_lock_release(&b->lock);
	return r ? r : (int)index;
}

int tl_barrier_wait_timeout(tl_barrier_t *b, double timeout)
{
	struct timespec buf;
	const struct timespec *deadline;
	tl__poll_args(timeout, &buf, &deadline);
	return tl_barrier_wait_until(b, deadline);
}

int tl_barrier_wait(tl_barrier_t *b)
{
	return tl_barrier_wait_timeout(b, b->timeout);
}

int tl_barrier_reset(tl_barrier_t *b)
{
	tl_lock_acquire_until(&b->lock, NULL);
	if (b->count > 0) {
		if (b->state == FILLING || b->state == BROKEN)
			b->state = RESETTING; /* waiters get TL_EBROKEN; the last one out refills */
	} else {
		b->state = FILLING;
	}
	wake_all(b);
	tl_lock_release(&b->lock);
	return 0;
}

int tl_barrier_abort(tl_barrier_t *b)
{
	tl_lock_acquire_until(&b->lock, NULL);
	break_barrier(b);
	tl_lock_release(&b->lock);
	return 0;
}

int tl_barrier_parties(const tl_barrier_t *b)
{
	return (int)b->parties;
}

int tl_barrier_n_waiting(tl_barrier_t *b)
{
	tl_lock_acquire_until(&b->lock, NULL);
	int n = b->state == FILLING ? (int)b->count : 0;
	tl_lock_release(&b->lock);
	return n;
}

bool tl_barrier_broken(tl_barrier_t *b)
{
	tl_lock_acquire_until(&b->lock, NULL);
	bool broken = b->state == BROKEN;
	tl_lock_release(&b->lock);
	return broken;
}
