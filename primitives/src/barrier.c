/* threading.Barrier, transcribed from CPython's threading.py: the same four
 * states and the same enter / release / wait / exit steps, under an internal
 * Lock. CPython's Condition.notify_all becomes "bump `seq` and wake every
 * sleeper on it"; a waiter reads `seq` under the lock before releasing it,
 * so a change made after that (under the lock) always changes the word it
 * sleeps on: no lost wake-up. Every wait loop re-checks its state, so
 * spurious wake-ups are harmless.
 *
 * TL_PSHARED: the internal Lock is the robust process-shared one, and each
 * arrival records its tid in arrived[index] (indices are unique within a
 * cycle: a new cycle starts only once count is back to 0). Waiters sleep in
 * slices of TL_LIVENESS_MS; after a slice the waiter (under the lock, at
 * most one scan per slice across all of them) probes the recorded tids. A
 * dead one is removed — its place freed and count decremented, as its own
 * exit would have — and, if the cycle was still filling, the barrier
 * breaks. A takeover of the internal lock from a dead holder does the same
 * from the arrivals table (the dead holder may have been half-way through an
 * update): count is recomputed from it and a filling cycle breaks.
 */
#include "threadlab/barrier.h"

#include "futex.h"
#include "liveness.h"
#include "robust.h"
#include "spin.h"
#include "tid.h"
#include "timeout.h"
#include "vg_annotate.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

enum { FILLING = 0, DRAINING = 1, RESETTING = -1, BROKEN = -2 };

static inline int pshared(const tl_barrier_t *b)
{
	return b->flags & TL_PSHARED;
}

int tl_barrier_init(tl_barrier_t *b, int flags, int parties, tl_barrier_action action, void *arg,
		    double timeout)
{
	if (parties < 1 || (flags & ~TL_PSHARED) ||
	    ((flags & TL_PSHARED) && parties > TL_BARRIER_PSHARED_PARTIES))
		return TL_EINVAL;
	int r = tl_lock_init(&b->lock, flags);
	if (r)
		return r;
	atomic_init(&b->seq, 0);
	/* DRD sees seq's fetch-add as a plain write racing with the loads;
	 * atomics cannot race (and every access is under the lock anyway). */
	TL__VG_IGNORE(&b->seq, sizeof b->seq);
	b->parties = (uint32_t)parties;
	b->count = 0;
	b->state = FILLING;
	b->flags = (uint32_t)flags;
	b->timeout = timeout;
	b->action = action;
	b->action_arg = arg;
	b->check_ns = 0;
	if (flags & TL_PSHARED)
		memset(b->arrived, 0, sizeof b->arrived);
	return 0;
}

/* Condition.notify_all, under the lock. */
static void wake_all(tl_barrier_t *b)
{
	atomic_fetch_add_explicit(&b->seq, 1, memory_order_relaxed);
	tl__futex_wake(&b->seq, INT_MAX, pshared(b));
}

static void break_barrier(tl_barrier_t *b)
{
	b->state = BROKEN;
	wake_all(b);
}

/* The last one out of a draining or resetting cycle opens the next one. */
static void maybe_refill(tl_barrier_t *b)
{
	if (b->count == 0 && (b->state == RESETTING || b->state == DRAINING)) {
		b->state = FILLING;
		wake_all(b);
	}
}

/* Under the lock (TL_PSHARED): drop dead waiters. A death in a filling
 * cycle breaks it; in a draining or resetting one it only frees the place
 * (the dead one had passed, or was being sent away anyway). */
static void scan(tl_barrier_t *b, bool force)
{
	uint64_t now = tl_monotonic_ns();
	if (!force && now - b->check_ns < (uint64_t)TL_LIVENESS_MS * 1000000u)
		return;
	b->check_ns = now;
	uint32_t me = tl__self_tid();
	bool died = false;
	for (uint32_t i = 0; i < b->parties; i++) {
		uint32_t tid = b->arrived[i];
		if (tid && tid != me && !tl__proc_alive((pid_t)tid, 0)) {
			b->arrived[i] = 0;
			b->count--;
			died = true;
		}
	}
	if (!died)
		return;
	if (b->state == FILLING)
		break_barrier(b);
	maybe_refill(b);
	wake_all(b);
}

/* Took the internal lock over from a dead holder: the fields may be half
 * updated. Trust the arrivals table (each entry is one store), drop the
 * dead, recount. */
static void recover(tl_barrier_t *b)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < b->parties; i++) {
		uint32_t tid = b->arrived[i];
		if (tid && !tl__proc_alive((pid_t)tid, 0))
			b->arrived[i] = tid = 0;
		n += tid != 0;
	}
	b->count = n;
	if (b->state == FILLING)
		b->state = BROKEN;
	maybe_refill(b);
	wake_all(b);
}

static void block(tl_barrier_t *b)
{
	if (tl_lock_acquire_until(&b->lock, NULL) == TL_EOWNERDEAD) {
		recover(b);
		tl_lock_consistent(&b->lock);
	}
}

static void unblock(tl_barrier_t *b)
{
	tl_lock_release(&b->lock);
}

int tl_barrier_destroy(tl_barrier_t *b)
{
	block(b);
	if (b->count && pshared(b))
		scan(b, true);
	uint32_t count = b->count;
	unblock(b);
	return count ? TL_EBUSY : tl_lock_destroy(&b->lock);
}

/* Condition.wait, under the lock: 0, or TL_ETIMEDOUT at the deadline. A
 * process-shared wait comes back every slice to look for dead waiters. */
static int cwait(tl_barrier_t *b, const struct timespec *deadline)
{
	uint32_t s = atomic_load_explicit(&b->seq, memory_order_relaxed);
	struct timespec slice;
	bool at_deadline = true;
	const struct timespec *dl =
		pshared(b) ? tl__slice_deadline(&slice, deadline, TL_LIVENESS_MS, &at_deadline) : deadline;
	unblock(b);
	/* The handoff's short busy phase (spin.h) before the sleep: the thread
	 * that releases the cycle is usually on another CPU and a microsecond
	 * away, while a futex sleep + wake costs tens of microseconds on a VM.
	 * seq only changes under the lock, after everything a released waiter
	 * reads there (it re-takes the lock below before looking). */
	tl__spin_t sp = TL__SPIN_INIT;
	while (atomic_load_explicit(&b->seq, memory_order_acquire) == s && tl__spin(&sp))
		;
	int r = atomic_load_explicit(&b->seq, memory_order_acquire) != s ? 0
									 : tl__futex_wait(&b->seq, s, dl, pshared(b));
	block(b);
	if (r != -ETIMEDOUT)
		return 0;
	if (at_deadline)
		return TL_ETIMEDOUT;
	scan(b, false);
	return 0;
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

int tl_barrier_wait_until(tl_barrier_t *b, const struct timespec *deadline, int *index_out)
{
	block(b);
	while (b->state == DRAINING || b->state == RESETTING) /* the previous cycle is leaving */
		cwait(b, NULL);
	if (b->state < 0) {
		unblock(b);
		return TL_EBROKEN;
	}
	uint32_t index = b->count++;
	if (pshared(b))
		b->arrived[index] = tl__self_tid();
	int r = index + 1 == b->parties ? release(b) : wait_released(b, deadline);
	if (pshared(b))
		b->arrived[index] = 0;
	b->count--;
	maybe_refill(b);
	unblock(b);
	if (r == 0 && index_out)
		*index_out = (int)index;
	return r;
}

int tl_barrier_wait(tl_barrier_t *b, double timeout, int *index)
{
	struct timespec buf;
	const struct timespec *deadline;
	tl__poll_args(timeout == TL_BARRIER_DEFAULT ? b->timeout : timeout, &buf, &deadline);
	return tl_barrier_wait_until(b, deadline, index);
}

int tl_barrier_reset(tl_barrier_t *b)
{
	block(b);
	if (b->count > 0) {
		if (b->state == FILLING || b->state == BROKEN)
			b->state = RESETTING; /* waiters get TL_EBROKEN; the last one out refills */
	} else {
		b->state = FILLING;
	}
	wake_all(b);
	unblock(b);
	return 0;
}

int tl_barrier_abort(tl_barrier_t *b)
{
	block(b);
	break_barrier(b);
	unblock(b);
	return 0;
}

int tl_barrier_parties(const tl_barrier_t *b)
{
	return (int)b->parties;
}

int tl_barrier_n_waiting(tl_barrier_t *b)
{
	block(b);
	int n = b->state == FILLING ? (int)b->count : 0;
	unblock(b);
	return n;
}

bool tl_barrier_broken(tl_barrier_t *b)
{
	block(b);
	bool broken = b->state == BROKEN;
	unblock(b);
	return broken;
}
