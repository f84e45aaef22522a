/* threading.Condition as CPython builds it: a FIFO list of waiters, each
 * with its own wake-up word, guarded by the condition's lock (wait and
 * notify both require it, so no other lock is needed).
 *
 * wait: link a node (on the waiter's stack) at the tail, release the lock
 * (all RLock levels), sleep on node.state until a notifier marks it, take
 * the lock back, and — if nobody marked it (timeout) — unlink it. The node
 * cannot go away while a notifier uses it: the waiter needs the lock, which
 * the notifier holds, before it can return.
 * notify(n): unlink the n first nodes and mark each NOTIFIED (release
 * order); a futex wake only for nodes whose waiter already went to sleep
 * (state SLEEPING), none for one still spinning. Spurious futex returns
 * just loop: a waiter leaves only on NOTIFIED or its deadline, so exactly
 * the n oldest waiters wake.
 */
#include "threadlab/condition.h"

#include "futex.h"
#include "rlock_impl.h"
#include "spin.h"
#include "timeout.h"

#include <errno.h>
#include <limits.h>

enum { WAITING = 0, SLEEPING = 1, NOTIFIED = 2 };
#define OWN_LOCK 0x100u

struct tl__cond_waiter {
	struct tl__cond_waiter *next, *prev;
	_Atomic uint32_t state;
};

static inline void *lock_of(const tl_cond_t *c)
{
	return (char *)c + c->lock_off;
}

int tl_cond_init(tl_cond_t *c, int flags, int kind, void *lock)
{
	if (flags != TL_PRIVATE || (kind != TL_COND_RLOCK && kind != TL_COND_LOCK))
		return TL_EINVAL;
	c->kind = (uint32_t)kind;
	c->flags = (uint32_t)flags;
	c->head = c->tail = NULL;
	atomic_init(&c->nwaiters, 0);
	if (!lock) {
		lock = &c->own;
		c->flags |= OWN_LOCK;
		int r = kind == TL_COND_LOCK ? tl_lock_init(&c->own.lock, flags)
					     : tl_rlock_init(&c->own.rlock, flags);
		if (r)
			return r;
	}
	c->lock_off = (char *)lock - (char *)c;
	return 0;
}

int tl_cond_destroy(tl_cond_t *c)
{
	if (atomic_load_explicit(&c->nwaiters, memory_order_relaxed))
		return TL_EBUSY;
	if (!(c->flags & OWN_LOCK))
		return 0;
	return c->kind == TL_COND_LOCK ? tl_lock_destroy(&c->own.lock) : tl_rlock_destroy(&c->own.rlock);
}

void *tl_cond_lock(tl_cond_t *c)
{
	return lock_of(c);
}

int tl_cond_acquire(tl_cond_t *c, bool blocking, double timeout)
{
	return c->kind == TL_COND_LOCK ? tl_lock_acquire(lock_of(c), blocking, timeout)
				       : tl_rlock_acquire(lock_of(c), blocking, timeout);
}

int tl_cond_release(tl_cond_t *c)
{
	return c->kind == TL_COND_LOCK ? tl_lock_release(lock_of(c)) : tl_rlock_release(lock_of(c));
}

/* Python's Condition._is_owned(). */
static bool owned(tl_cond_t *c)
{
	return c->kind == TL_COND_LOCK ? tl_lock_locked(lock_of(c)) : tl_rlock_is_owned(lock_of(c));
}

static void unlink_waiter(tl_cond_t *c, struct tl__cond_waiter *w)
{
	if (w->prev)
		w->prev->next = w->next;
	else
		c->head = w->next;
	if (w->next)
		w->next->prev = w->prev;
	else
		c->tail = w->prev;
	atomic_fetch_sub_explicit(&c->nwaiters, 1, memory_order_relaxed);
}

/* Sleep until notified or the deadline; returns the last state seen. */
static uint32_t sleep_on(struct tl__cond_waiter *w, const struct timespec *deadline)
{
	uint32_t s;
	int spin = deadline && tl_deadline_remaining(deadline) <= 0 ? 0 : TL__SPIN_STEPS; /* a poll */
	for (int i = 0; i < spin; i++) {
		if ((s = atomic_load_explicit(&w->state, memory_order_acquire)) == NOTIFIED)
			return s;
		tl__spin_step(i);
	}
	s = WAITING;
	if (!atomic_compare_exchange_strong_explicit(&w->state, &s, SLEEPING, memory_order_acquire,
						     memory_order_acquire))
		return s; /* NOTIFIED meanwhile */
	for (;;) {
		int r = tl__futex_wait(&w->state, SLEEPING, deadline, 0);
		if ((s = atomic_load_explicit(&w->state, memory_order_acquire)) == NOTIFIED || r == -ETIMEDOUT)
			return s;
	}
}

int tl_cond_wait_until(tl_cond_t *c, const struct timespec *deadline)
{
	if (!owned(c))
		return TL_EPERM;
	struct tl__cond_waiter w = { .next = NULL, .prev = c->tail };
	atomic_init(&w.state, WAITING);
	if (c->tail)
		c->tail->next = &w;
	else
		c->head = &w;
	c->tail = &w;
	atomic_fetch_add_explicit(&c->nwaiters, 1, memory_order_relaxed);

	uint32_t depth = 0;
	if (c->kind == TL_COND_LOCK)
		tl_lock_release(lock_of(c));
	else
		tl__rlock_release_save(lock_of(c), &depth);

	sleep_on(&w, deadline);

	if (c->kind == TL_COND_LOCK)
		tl_lock_acquire_until(lock_of(c), NULL);
	else
		tl__rlock_acquire_restore(lock_of(c), depth);
	/* Under the lock again: the state is final (notify runs under it). */
	if (atomic_load_explicit(&w.state, memory_order_relaxed) == NOTIFIED)
		return 0;
	unlink_waiter(c, &w);
	return TL_ETIMEDOUT;
}

int tl_cond_wait(tl_cond_t *c, double timeout)
{
	struct timespec buf;
	const struct timespec *deadline;
	tl__poll_args(timeout, &buf, &deadline);
	return tl_cond_wait_until(c, deadline);
}

int tl_cond_wait_for_until(tl_cond_t *c, tl_cond_predicate pred, void *arg, const struct timespec *deadline)
{
	if (!owned(c))
		return TL_EPERM;
	/* CPython's loop: after a false predicate always wait once (a poll if
	 * the deadline has passed), then stop when the time is up. */
	for (bool waited = false; !pred(arg); waited = true) {
		if (waited && deadline && tl_deadline_remaining(deadline) <= 0)
			return TL_ETIMEDOUT;
		tl_cond_wait_until(c, deadline); /* notified or timed out: look again */
	}
	return 0;
}

int tl_cond_wait_for(tl_cond_t *c, tl_cond_predicate pred, void *arg, double timeout)
{
	struct timespec buf;
	const struct timespec *deadline;
	tl__poll_args(timeout, &buf, &deadline);
	return tl_cond_wait_for_until(c, pred, arg, deadline);
}

int tl_cond_notify(tl_cond_t *c, int n)
{
	if (!owned(c))
		return TL_EPERM;
	for (; n > 0 && c->head; n--) {
		struct tl__cond_waiter *w = c->head;
		unlink_waiter(c, w);
		if (atomic_exchange_explicit(&w->state, NOTIFIED, memory_order_release) == SLEEPING)
			tl__futex_wake(&w->state, 1, 0);
	}
	return 0;
}

int tl_cond_notify_all(tl_cond_t *c)
{
	return tl_cond_notify(c, INT_MAX);
}
