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
 *
 * TL_PSHARED: the same protocol, with the nodes in a table of slots inside
 * the struct (another process cannot reach a waiter's stack) linked by
 * index: a FIFO of waiting slots and a free list, both guarded by the lock.
 * A notified slot leaves the FIFO at once but stays allocated until its
 * waiter, back under the lock, has read its state and frees it. Crash
 * safety: every table update runs between ps_begin and ps_end, which set and
 * clear `busy`; a process that dies holding the lock half-way through one
 * leaves `busy` set, and the next update (under the lock, now held by
 * someone else: the takeover's TL_EOWNERDEAD went to the user) rebuilds the
 * table from the slots themselves — state says linked or not, ticket gives
 * the FIFO order — dropping slots whose thread is dead.
 */
#include "threadlab/condition.h"

#include "futex.h"
#include "liveness.h"
#include "lock_impl.h"
#include "rlock_impl.h"
#include "spin.h"
#include "tid.h"
#include "timeout.h"
#include "trace_hooks.h"
#include "vg_annotate.h"

#include <errno.h>
#include <limits.h>

enum { WAITING = 0, SLEEPING = 1, NOTIFIED = 2, FREE = 3 };
#define OWN_LOCK 0x100u
#define NIL 0xffffu
#define NSLOTS TL_COND_PSHARED_WAITERS

struct tl__cond_waiter {
	struct tl__cond_waiter *next, *prev;
	_Atomic uint32_t state;
	struct tl__deferred_wake wake; /* notified while asleep: the release wakes it */
};

static inline void *lock_of(const tl_cond_t *c)
{
	return (char *)c + c->lock_off;
}

static inline bool pshared(const tl_cond_t *c)
{
	return (c->flags & TL_PSHARED) != 0;
}

static void ps_init(tl_cond_t *c)
{
	c->ps.head = c->ps.tail = NIL;
	c->ps.free = 0;
	c->ps.pad_ = 0;
	c->ps.busy = 0;
	c->ps.ticket = 0;
	atomic_init(&c->ps.nslots, 0);
	/* DRD/Helgrind: a slot's state is an atomic the waiter loads while
	 * notify (exchange) and ps_free (store) write it; atomics cannot race,
	 * and the waiter's reads that matter are under the lock. */
	TL__VG_IGNORE(c->ps.slot, sizeof c->ps.slot);
	TL__VG_IGNORE(&c->ps.nslots, sizeof c->ps.nslots);
	for (uint16_t i = 0; i < NSLOTS; i++) {
		struct tl__cond_slot *s = &c->ps.slot[i];
		atomic_init(&s->state, FREE);
		s->tid = 0;
		s->ticket = 0;
		s->next = i + 1 < NSLOTS ? (uint16_t)(i + 1) : NIL;
		s->prev = NIL;
	}
}

int tl_cond_init(tl_cond_t *c, int flags, int kind, void *lock)
{
	if ((flags & ~TL_PSHARED) || (kind != TL_COND_RLOCK && kind != TL_COND_LOCK))
		return TL_EINVAL;
	if (lock && (flags & TL_PSHARED)) {
		uint32_t lf = kind == TL_COND_LOCK ? ((tl_lock_t *)lock)->flags : ((tl_rlock_t *)lock)->flags;
		if (!(lf & TL_PSHARED))
			return TL_EINVAL; /* other processes could not use it */
	}
	c->kind = (uint32_t)kind;
	c->flags = (uint32_t)flags;
	c->head = c->tail = NULL;
	atomic_init(&c->nwaiters, 0);
	TL__VG_IGNORE(&c->nwaiters, sizeof c->nwaiters); /* an atomic: cannot race */
	if (flags & TL_PSHARED)
		ps_init(c);
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
	if (pshared(c) && atomic_load_explicit(&c->ps.nslots, memory_order_relaxed))
		return TL_EBUSY; /* a notified waiter has not taken its leave yet */
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

int tl_cond_consistent(tl_cond_t *c)
{
	return c->kind == TL_COND_LOCK ? tl_lock_consistent(lock_of(c)) : tl_rlock_consistent(lock_of(c));
}

/* Python's Condition._is_owned(). */
static bool owned(tl_cond_t *c)
{
	return c->kind == TL_COND_LOCK ? tl_lock_locked(lock_of(c)) : tl_rlock_is_owned(lock_of(c));
}

/* Release the lock for a wait (every RLock level); *depth for restore. */
static void release_for_wait(tl_cond_t *c, uint32_t *depth)
{
	*depth = 0;
	if (c->kind == TL_COND_LOCK)
		tl_lock_release(lock_of(c));
	else
		tl__rlock_release_save(lock_of(c), depth);
}

/* Take it back: 0, or (process-shared) TL_EOWNERDEAD / TL_ENOTRECOVERABLE. */
static int reacquire(tl_cond_t *c, uint32_t depth)
{
	return c->kind == TL_COND_LOCK ? tl_lock_acquire_until(lock_of(c), NULL)
				       : tl__rlock_acquire_restore(lock_of(c), depth);
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

/* Sleep on a waiter's word until notified or the deadline; returns the
 * last state seen. */
static uint32_t sleep_on(_Atomic uint32_t *state, const struct timespec *deadline, int ps)
{
	uint32_t s;
	if (!deadline || tl_deadline_remaining(deadline) > 0) { /* not a poll */
		tl__spin_t sp = TL__SPIN_INIT;
		do {
			if ((s = atomic_load_explicit(state, memory_order_acquire)) == NOTIFIED)
				return s;
		} while (tl__spin(&sp));
	}
	s = WAITING;
	if (!atomic_compare_exchange_strong_explicit(state, &s, SLEEPING, memory_order_acquire,
						     memory_order_acquire))
		return s; /* NOTIFIED meanwhile */
	for (;;) {
		int r = tl__futex_wait(state, SLEEPING, deadline, ps);
		if ((s = atomic_load_explicit(state, memory_order_acquire)) == NOTIFIED || r == -ETIMEDOUT)
			return s;
	}
}

/* ---- the process-shared waiter table (all under the lock) ---- */

static void ps_link_tail(tl_cond_t *c, uint16_t i)
{
	struct tl__cond_slot *s = &c->ps.slot[i];
	s->next = NIL;
	s->prev = c->ps.tail;
	if (c->ps.tail != NIL)
		c->ps.slot[c->ps.tail].next = i;
	else
		c->ps.head = i;
	c->ps.tail = i;
	atomic_fetch_add_explicit(&c->nwaiters, 1, memory_order_relaxed);
}

static void ps_unlink(tl_cond_t *c, uint16_t i)
{
	struct tl__cond_slot *s = &c->ps.slot[i];
	if (s->prev != NIL)
		c->ps.slot[s->prev].next = s->next;
	else
		c->ps.head = s->next;
	if (s->next != NIL)
		c->ps.slot[s->next].prev = s->prev;
	else
		c->ps.tail = s->prev;
	s->next = s->prev = NIL;
	atomic_fetch_sub_explicit(&c->nwaiters, 1, memory_order_relaxed);
}

static void ps_free(tl_cond_t *c, uint16_t i)
{
	struct tl__cond_slot *s = &c->ps.slot[i];
	atomic_store_explicit(&s->state, FREE, memory_order_relaxed);
	s->tid = 0;
	s->prev = NIL;
	s->next = c->ps.free;
	c->ps.free = i;
	atomic_fetch_sub_explicit(&c->ps.nslots, 1, memory_order_relaxed);
}

static inline bool linked_state(uint32_t st)
{
	return st == WAITING || st == SLEEPING;
}

static bool slot_dead(const struct tl__cond_slot *s)
{
	return s->tid == 0 || !tl__proc_alive((pid_t)s->tid, 0);
}

/* Rebuild the lists from the slots after an update died half-way. */
static void ps_rebuild(tl_cond_t *c)
{
	uint16_t order[NSLOTS];
	int n = 0, used = 0;
	c->ps.head = c->ps.tail = c->ps.free = NIL;
	for (int i = NSLOTS - 1; i >= 0; i--) {
		struct tl__cond_slot *s = &c->ps.slot[i];
		uint32_t st = atomic_load_explicit(&s->state, memory_order_relaxed);
		if (st != FREE && !slot_dead(s)) {
			used++;
			if (linked_state(st)) {
				/* insertion sort by ticket (wrapping compare) */
				int k = n++;
				while (k > 0 && (int32_t)(c->ps.slot[order[k - 1]].ticket - s->ticket) > 0) {
					order[k] = order[k - 1];
					k--;
				}
				order[k] = (uint16_t)i;
			}
			continue;
		}
		atomic_store_explicit(&s->state, FREE, memory_order_relaxed);
		s->tid = 0;
		s->prev = NIL;
		s->next = c->ps.free;
		c->ps.free = (uint16_t)i;
	}
	atomic_store_explicit(&c->nwaiters, 0, memory_order_relaxed);
	for (int k = 0; k < n; k++)
		ps_link_tail(c, order[k]);
	atomic_store_explicit(&c->ps.nslots, (uint32_t)used, memory_order_relaxed);
}

static void ps_begin(tl_cond_t *c)
{
	if (c->ps.busy)
		ps_rebuild(c);
	c->ps.busy = 1;
}

static void ps_end(tl_cond_t *c)
{
	c->ps.busy = 0;
}

/* The table is full: free the slots of waiters that died. */
static void ps_reclaim(tl_cond_t *c)
{
	for (uint16_t i = 0; i < NSLOTS; i++) {
		struct tl__cond_slot *s = &c->ps.slot[i];
		uint32_t st = atomic_load_explicit(&s->state, memory_order_relaxed);
		if (st == FREE || !slot_dead(s))
			continue;
		if (linked_state(st))
			ps_unlink(c, i);
		ps_free(c, i);
	}
}

static int ps_alloc(tl_cond_t *c)
{
	if (c->ps.free == NIL)
		ps_reclaim(c);
	uint16_t i = c->ps.free;
	if (i == NIL)
		return -1;
	c->ps.free = c->ps.slot[i].next;
	atomic_fetch_add_explicit(&c->ps.nslots, 1, memory_order_relaxed);
	return i;
}

__attribute__((noinline)) static int ps_wait(tl_cond_t *c, const struct timespec *deadline)
{
	ps_begin(c);
	int i = ps_alloc(c);
	if (i < 0) {
		ps_end(c);
		return TL_EAGAIN;
	}
	struct tl__cond_slot *s = &c->ps.slot[i];
	s->tid = tl__self_tid();
	s->ticket = c->ps.ticket++;
	atomic_store_explicit(&s->state, WAITING, memory_order_relaxed);
	ps_link_tail(c, (uint16_t)i);
	ps_end(c);

	uint32_t depth;
	release_for_wait(c, &depth);
	sleep_on(&s->state, deadline, 1);
	int r = reacquire(c, depth);
	if (r == TL_ENOTRECOVERABLE)
		return r; /* not held: the table is not ours to touch (the lock is dead) */

	/* Under the lock again: the state is final (notify runs under it). */
	ps_begin(c);
	bool notified = atomic_load_explicit(&s->state, memory_order_relaxed) == NOTIFIED;
	if (!notified)
		ps_unlink(c, (uint16_t)i);
	ps_free(c, (uint16_t)i);
	ps_end(c);
	if (r == TL_EOWNERDEAD)
		return r;
	return notified ? 0 : TL_ETIMEDOUT;
}

__attribute__((noinline)) static void ps_notify(tl_cond_t *c, int n)
{
	ps_begin(c);
	while (n > 0 && c->ps.head != NIL) {
		uint16_t i = c->ps.head;
		struct tl__cond_slot *s = &c->ps.slot[i];
		ps_unlink(c, i);
		if (atomic_exchange_explicit(&s->state, NOTIFIED, memory_order_release) == SLEEPING &&
		    tl__futex_wake(&s->state, 1, 1) == 0 && slot_dead(s)) {
			/* Nobody sleeps there and its thread is gone (killed while
			 * waiting): free its slot and notify the next one instead.
			 * (0 woken with a live waiter: it is between its SLEEPING
			 * CAS and the futex call, which will not sleep.) */
			ps_free(c, i);
			continue;
		}
		n--;
	}
	ps_end(c);
}

/* ---- wait / notify ---- */

int tl_cond_wait_until(tl_cond_t *c, const struct timespec *deadline)
{
	if (!owned(c))
		return TL_EPERM;
	if (pshared(c))
		return ps_wait(c, deadline);
	struct tl__cond_waiter w = { .next = NULL, .prev = c->tail };
	atomic_init(&w.state, WAITING);
	if (c->tail)
		c->tail->next = &w;
	else
		c->head = &w;
	c->tail = &w;
	atomic_fetch_add_explicit(&c->nwaiters, 1, memory_order_relaxed);

	uint32_t depth;
	release_for_wait(c, &depth);
	TL_TRACE_T0(t0);
	sleep_on(&w.state, deadline, 0);
	TL_TRACE_WAITED(TL__TR_COND, c, t0, atomic_load_explicit(&w.state, memory_order_relaxed) == NOTIFIED ? 0 : TL_ETIMEDOUT);
	reacquire(c, depth); /* private: always 0 */
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

/* CPython's Condition.wait_for: the predicate runs first, whoever holds the
 * lock, and a true value is returned at once; only a wait needs the lock
 * (TL_EPERM from wait). After a false value it always waits once (a poll if
 * the deadline has passed), then stops when the time is up. */
int tl_cond_wait_for_until(tl_cond_t *c, tl_cond_predicate pred, void *arg, const struct timespec *deadline,
			   int *value)
{
	if (!c || !pred)
		return TL_EINVAL;
	int v, r = 0;
	for (bool waited = false; !(v = pred(arg)); waited = true) {
		if (waited && deadline && tl_deadline_remaining(deadline) <= 0) {
			r = TL_ETIMEDOUT;
			break;
		}
		r = tl_cond_wait_until(c, deadline); /* notified or timed out: look again */
		if (r != 0 && r != TL_ETIMEDOUT)
			return r; /* not held (EPERM), or process-shared trouble: EAGAIN, EOWNERDEAD, ENOTRECOVERABLE */
		r = 0;
	}
	if (value)
		*value = v;
	return r;
}

int tl_cond_wait_for(tl_cond_t *c, tl_cond_predicate pred, void *arg, double timeout, int *value)
{
	struct timespec buf;
	const struct timespec *deadline;
	tl__poll_args(timeout, &buf, &deadline);
	return tl_cond_wait_for_until(c, pred, arg, deadline, value);
}

int tl_cond_notify(tl_cond_t *c, int n)
{
	if (!owned(c))
		return TL_EPERM;
	TL_TRACE_SIGNAL(TL__TR_COND, c);
	/* Nobody waits (both kinds keep nwaiters, under the lock): done. */
	if (atomic_load_explicit(&c->nwaiters, memory_order_relaxed) == 0)
		return 0;
	if (pshared(c)) {
		ps_notify(c, n);
		return 0;
	}
	/* A waiter asleep in the kernel is not woken now, while we hold the
	 * lock it must take next, but by the lock's release (deferred_wake.h).
	 * A waiter still polling (WAITING) just sees NOTIFIED; no syscall.
	 * NOTIFIED is stored before the wake is left to the release (or done
	 * here, when the lock cannot take it), so a waiter between its SLEEPING
	 * CAS and its futex call does not sleep at all. */
	const bool is_lock = c->kind == TL_COND_LOCK;
	for (; n > 0 && c->head; n--) {
		struct tl__cond_waiter *w = c->head;
		unlink_waiter(c, w);
		if (atomic_exchange_explicit(&w->state, NOTIFIED, memory_order_release) != SLEEPING)
			continue; /* still polling */
		w->wake.word = &w->state;
		if (!(is_lock ? tl__lock_defer_wake(lock_of(c), &w->wake) : tl__rlock_defer_wake(lock_of(c), &w->wake)))
			tl__futex_wake(&w->state, 1, 0);
	}
	return 0;
}

int tl_cond_notify_all(tl_cond_t *c)
{
	return tl_cond_notify(c, INT_MAX);
}
