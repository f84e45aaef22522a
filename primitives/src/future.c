/* concurrent.futures.Future: state machine, waiting, done callbacks.
 *
 * Transitions (Python's, minus CANCELLED_AND_NOTIFIED, see future.h):
 *   PENDING -> RUNNING     set_running_or_notify_cancel (CAS, no lock: it
 *                          touches neither callbacks nor waiters)
 *   PENDING -> CANCELLED   cancel
 *   PENDING|RUNNING -> FINISHED   set_result / set_exception
 * The last two run under the future's lock: they detach the callback list
 * and notify attached waiters in the same critical section in which the
 * state changes, so a concurrent add_done_callback either lands in the list
 * or sees "done" and runs the callback itself — never both, never neither.
 * Wake order: waiters are notified, then sleepers in result() woken (only
 * if one set TL__F_SLEEPERS), then callbacks run in the completing thread. */
#include "future_cache.h"
#include "future_impl.h"
#include "qlock.h"
#include "spin.h"
#include "timeout.h"
#include "trace_hooks.h"
#include "vg_annotate.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int tl_future_create(tl_future_t **out)
{
	if (!out)
		return TL_EINVAL;
	tl_future_t *f = tl__future_alloc();
	if (!f)
		return TL_ENOMEM;
	*f = (tl_future_t){ .cbs = NULL };
	atomic_init(&f->state, TL_FUTURE_PENDING);
	atomic_init(&f->refs, 1);
	atomic_init(&f->lock, 0);
	/* Helgrind/DRD see these atomics' RMWs and loads as racing plain
	 * accesses (atomics cannot race); the edges they carry are annotated
	 * where made: completion -> done seen, last unref -> free. */
	TL__VG_IGNORE(&f->state, sizeof f->state);
	TL__VG_IGNORE(&f->refs, sizeof f->refs);
	TL__VG_IGNORE(&f->lock, sizeof f->lock);
	f->cbs_tail = &f->cbs;
	*out = f;
	return 0;
}

tl_future_t *tl_future_ref(tl_future_t *f)
{
	atomic_fetch_add_explicit(&f->refs, 1, memory_order_relaxed);
	return f;
}

int tl_future_unref(tl_future_t *f)
{
	if (!f)
		return TL_EINVAL;
	/* acq_rel: every other holder's last use happens-before the free. */
	TL__VG_HB_BEFORE(&f->refs);
	if (atomic_fetch_sub_explicit(&f->refs, 1, memory_order_acq_rel) != 1)
		return 0;
	TL__VG_HB_AFTER(&f->refs);
	if (f->free_value)
		f->free_value(f->value);
	for (struct tl__fcb *c = f->cbs; c;) {
		struct tl__fcb *next = c->next;
		free(c);
		c = next;
	}
	tl__future_release(f);
	return 0;
}

/* Helgrind/DRD: the completer's release (TL__VG_HB_BEFORE in complete and
 * cancel) seen by an acquire load that found the future done. */
static inline uint32_t seen(tl_future_t *f, uint32_t s)
{
	if (tl__fstate_done(s))
		TL__VG_HB_AFTER(&f->state);
	return s;
}

tl_future_state_t tl_future_state(tl_future_t *f)
{
	return (tl_future_state_t)(seen(f, atomic_load_explicit(&f->state, memory_order_acquire)) &
				   TL__F_STATE_MASK);
}

bool tl_future_done(tl_future_t *f)
{
	return tl__fstate_done(seen(f, atomic_load_explicit(&f->state, memory_order_acquire)));
}

bool tl_future_running(tl_future_t *f)
{
	return tl_future_state(f) == TL_FUTURE_RUNNING;
}

bool tl_future_cancelled(tl_future_t *f)
{
	return tl_future_state(f) == TL_FUTURE_CANCELLED;
}

/* ---- completion ---- */

static void invoke(tl_future_t *f, tl_future_cb fn, void *arg)
{
	fn(f, arg);
}

static void run_callbacks(tl_future_t *f, struct tl__fcb *c)
{
	while (c) {
		struct tl__fcb *next = c->next;
		invoke(f, c->fn, c->arg);
		free(c);
		c = next;
	}
}

/* Under f->lock, right after the state word became done (old: the word
 * before): detach the callbacks, notify the attached waiters. */
static void done_locked(tl_future_t *f, struct tl__fcb **cbs)
{
	*cbs = f->cbs;
	f->cbs = NULL;
	f->cbs_tail = &f->cbs;
	for (struct tl__flink *l = f->links; l; l = l->next)
		tl__fwaiter_notify(l->w, f);
}

/* After unlocking: wake result() sleepers, run callbacks. The caller holds
 * a reference, so f stays valid throughout. */
static void after_done(tl_future_t *f, uint32_t old, struct tl__fcb *cbs)
{
	if (old & TL__F_SLEEPERS)
		tl__futex_wake(&f->state, INT_MAX, 0);
	run_callbacks(f, cbs);
}

static int complete(tl_future_t *f, int error, bool broken, void *value, size_t len, void (*free_fn)(void *))
{
	if (!f)
		return TL_EINVAL;
	struct tl__fcb *cbs;
	tl__qlock(&f->lock);
	if (tl__fstate_done(atomic_load_explicit(&f->state, memory_order_relaxed))) {
		tl__qunlock(&f->lock);
		return TL_ESTATE;
	}
	/* An executor may have parked its own owned data in value while the
	 * future was pending (a map chunk, a process-pool message): it goes
	 * now, unless it is the value itself. */
	if (f->free_value && f->value != value)
		f->free_value(f->value);
	TL_TRACE_SIGNAL(TL__TR_FUTURE, f);
	f->error = error;
	f->broken = broken;
	f->value = value;
	f->len = len;
	f->free_value = free_fn;
	/* Release: value/error/len written before, read after an acquire of
	 * the state. From PENDING or RUNNING (a racing set_running CAS then
	 * fails and reports TL_ESTATE). */
	TL__VG_HB_BEFORE(&f->state);
	uint32_t old = atomic_exchange_explicit(&f->state, TL_FUTURE_FINISHED, memory_order_acq_rel);
	done_locked(f, &cbs);
	tl__qunlock(&f->lock);
	after_done(f, old, cbs);
	return 0;
}

int tl_future_set_result(tl_future_t *f, void *value)
{
	return complete(f, 0, false, value, 0, NULL);
}

int tl_future_set_result_owned(tl_future_t *f, void *value, size_t len, void (*free_fn)(void *))
{
	return complete(f, 0, false, value, len, free_fn);
}

/* The exception's payload lives where a result would: value/len/free_value
 * (result() never hands it out, it checks error first). */
int tl_future_set_exception(tl_future_t *f, int code, void *payload)
{
	if (code == 0)
		return TL_EINVAL;
	return complete(f, code, false, payload, 0, NULL);
}

int tl_future_set_exception_owned(tl_future_t *f, int code, void *payload, size_t len, void (*free_fn)(void *))
{
	if (code == 0)
		return TL_EINVAL;
	return complete(f, code, false, payload, len, free_fn);
}

int tl__future_set_broken(tl_future_t *f)
{
	return complete(f, TL_EBROKEN, true, NULL, 0, NULL);
}

int tl_future_cancel(tl_future_t *f)
{
	struct tl__fcb *cbs;
	tl__qlock(&f->lock);
	/* A CAS, not a store: set_running_or_notify_cancel takes no lock and
	 * may move PENDING -> RUNNING under us; exactly one of the two wins. */
	uint32_t old = atomic_load_explicit(&f->state, memory_order_relaxed);
	for (;;) {
		uint32_t s = old & TL__F_STATE_MASK;
		if (s != TL_FUTURE_PENDING) {
			tl__qunlock(&f->lock);
			return s == TL_FUTURE_CANCELLED ? 0 : TL_ESTATE;
		}
		TL__VG_HB_BEFORE(&f->state);
		if (atomic_compare_exchange_weak_explicit(&f->state, &old, TL_FUTURE_CANCELLED, memory_order_acq_rel,
							  memory_order_relaxed))
			break;
	}
	done_locked(f, &cbs);
	tl__qunlock(&f->lock);
	after_done(f, old, cbs);
	return 0;
}

int tl_future_set_running_or_notify_cancel(tl_future_t *f)
{
	uint32_t s = atomic_load_explicit(&f->state, memory_order_acquire);
	for (;;) {
		switch (s & TL__F_STATE_MASK) {
		case TL_FUTURE_CANCELLED:
			return TL_ECANCELLED;
		case TL_FUTURE_PENDING:
			break;
		default:
			return TL_ESTATE;
		}
		if (atomic_compare_exchange_weak_explicit(&f->state, &s,
							  TL_FUTURE_RUNNING | (s & TL__F_SLEEPERS),
							  memory_order_acq_rel, memory_order_acquire))
			return 0;
	}
}

/* ---- waiting ---- */

#ifndef TL__FUTURE_PAUSE_NS
#define TL__FUTURE_PAUSE_NS 3000 /* pauses before the first yield of a result() wait */
#endif

/* Python's Future.result/exception wait on a Condition: a negative
 * timeout (or NaN) polls, TL_FOREVER (None) waits forever (timeout.h). */
static const struct timespec *deadline_of(double timeout, struct timespec *buf)
{
	const struct timespec *d;
	tl__poll_args(timeout, buf, &d);
	return d;
}

int tl_future_wait_until(tl_future_t *f, const struct timespec *deadline)
{
	TL_TRACE_WAIT_SCOPE(TL__TR_FUTURE, f);
	uint32_t s = atomic_load_explicit(&f->state, memory_order_acquire);
	/* A trivial task finishes in about a microsecond on another CPU: look
	 * for it briefly (spin.h) before sleeping, since a futex sleep + wake
	 * costs tens of microseconds on a VM (the wake is an IPI). Pauses
	 * first, as a queue's get (queue.c): the worker that completes it
	 * runs on another CPU in the common case, and a yield there is a
	 * syscall during which the completion goes unseen. */
	tl__spin_t sp = TL__SPIN_INIT_PAUSE(TL__FUTURE_PAUSE_NS, TL__SPIN_NS);
	while (!tl__fstate_done(s) && tl__spin(&sp))
		s = atomic_load_explicit(&f->state, memory_order_acquire);
	while (!tl__fstate_done(s)) {
		if (!(s & TL__F_SLEEPERS)) {
			if (!atomic_compare_exchange_weak_explicit(&f->state, &s, s | TL__F_SLEEPERS,
								   memory_order_acquire, memory_order_acquire))
				continue;
			s |= TL__F_SLEEPERS;
		}
		int r = tl__futex_wait(&f->state, s, deadline, 0);
		s = atomic_load_explicit(&f->state, memory_order_acquire);
		if (r == -ETIMEDOUT && !tl__fstate_done(s))
			return TL_ETIMEDOUT;
	}
	seen(f, s);
	return 0;
}

int tl_future_wait(tl_future_t *f, double timeout)
{
	struct timespec ts;
	return tl_future_wait_until(f, deadline_of(timeout, &ts));
}

int tl_future_result_bytes_until(tl_future_t *f, const struct timespec *deadline, const void **data,
				 size_t *len)
{
	int r = tl_future_wait_until(f, deadline);
	if (r)
		return r;
	if (tl_future_state(f) == TL_FUTURE_CANCELLED)
		return TL_ECANCELLED;
	if (f->error)
		return f->broken ? TL_EBROKEN : TL_ETASK;
	if (data)
		*data = f->value;
	if (len)
		*len = f->len;
	return 0;
}

int tl_future_result_until(tl_future_t *f, const struct timespec *deadline, void **value)
{
	const void *v;
	int r = tl_future_result_bytes_until(f, deadline, &v, NULL);
	if (r == 0 && value)
		*value = (void *)v;
	return r;
}

int tl_future_result(tl_future_t *f, double timeout, void **value)
{
	struct timespec ts;
	return tl_future_result_until(f, deadline_of(timeout, &ts), value);
}

int tl_future_result_bytes(tl_future_t *f, double timeout, const void **data, size_t *len)
{
	struct timespec ts;
	return tl_future_result_bytes_until(f, deadline_of(timeout, &ts), data, len);
}

int tl_future_exception_until(tl_future_t *f, const struct timespec *deadline, tl_future_error_t *error)
{
	int r = tl_future_wait_until(f, deadline);
	if (r)
		return r;
	if (tl_future_state(f) == TL_FUTURE_CANCELLED)
		return TL_ECANCELLED;
	if (error) {
		bool exc = f->error != 0;
		*error = (tl_future_error_t){ f->error, f->broken, exc ? f->value : NULL, exc ? f->len : 0 };
	}
	return 0;
}

int tl_future_exception(tl_future_t *f, double timeout, tl_future_error_t *error)
{
	struct timespec ts;
	return tl_future_exception_until(f, deadline_of(timeout, &ts), error);
}

/* ---- callbacks ---- */

int tl_future_add_done_callback(tl_future_t *f, tl_future_cb fn, void *arg)
{
	if (!f || !fn)
		return TL_EINVAL;
	if (tl_future_done(f)) {
		invoke(f, fn, arg);
		return 0;
	}
	struct tl__fcb *c = malloc(sizeof *c);
	if (!c)
		return TL_ENOMEM;
	c->next = NULL;
	c->fn = fn;
	c->arg = arg;
	tl__qlock(&f->lock);
	if (!tl__fstate_done(atomic_load_explicit(&f->state, memory_order_relaxed))) {
		*f->cbs_tail = c;
		f->cbs_tail = &c->next;
		tl__qunlock(&f->lock);
		return 0;
	}
	tl__qunlock(&f->lock);
	free(c);
	invoke(f, fn, arg);
	return 0;
}
