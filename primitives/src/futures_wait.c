/* concurrent.futures.wait and as_completed.
 *
 * As in CPython, a waiter is attached to every future not yet done (a link
 * in the future's list, under the future's lock) and the future notifies it
 * when it becomes done, still under its lock. Detaching takes each lock
 * again, so once detached no notification can touch the waiter and it may
 * be freed. Lock order: future, then as_completed's own lock.
 *
 * wait(): `pending` counts attached futures not yet done, plus one guard
 * held while attaching (so it cannot reach zero before all are attached);
 * the notification that satisfies return_when stores 1 into `event` (release)
 * and wakes the one sleeper, which re-reads the states (acquire) to fill the
 * done / not_done lists.
 * as_completed: notifications append to a ready list (room for every
 * future: each is appended once) and bump `event`. */
#include "future_impl.h"
#include "qlock.h"
#include "timeout.h"
#include "vg_annotate.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>

enum { TL__AS_COMPLETED = 4 };

struct tl__fwaiter {
	int mode;
	_Atomic uint32_t event;
	_Atomic size_t pending;
	_Atomic uint32_t lock; /* as_completed: ready list */
	tl_future_t **ready;
	size_t nready, nread;
};

static void fire(struct tl__fwaiter *w)
{
	atomic_store_explicit(&w->event, 1, memory_order_release);
	tl__futex_wake(&w->event, INT_MAX, 0);
}

static bool has_exception(tl_future_t *f)
{
	return (atomic_load_explicit(&f->state, memory_order_acquire) & TL__F_STATE_MASK) == TL_FUTURE_FINISHED &&
	       f->error != 0;
}

void tl__fwaiter_notify(struct tl__fwaiter *w, tl_future_t *f)
{
	switch (w->mode) {
	case TL__AS_COMPLETED:
		tl__qlock(&w->lock);
		w->ready[w->nready++] = f;
		tl__qunlock(&w->lock);
		atomic_fetch_add_explicit(&w->event, 1, memory_order_release);
		tl__futex_wake(&w->event, 1, 0);
		return;
	case TL_FIRST_COMPLETED:
		fire(w);
		return;
	default:
		/* FIRST_EXCEPTION stops at an exception; a result or a
		 * cancellation counts towards "all done", as for ALL_COMPLETED. */
		if ((w->mode == TL_FIRST_EXCEPTION && has_exception(f)) ||
		    atomic_fetch_sub_explicit(&w->pending, 1, memory_order_acq_rel) == 1)
			fire(w);
	}
}

static void link_waiter(tl_future_t *f, struct tl__flink *l, struct tl__fwaiter *w)
{
	l->w = w;
	l->prev = NULL;
	l->next = f->links;
	if (f->links)
		f->links->prev = l;
	f->links = l;
}

static void unlink_waiter(tl_future_t *f, struct tl__flink *l)
{
	tl__qlock(&f->lock);
	if (l->prev)
		l->prev->next = l->next;
	else
		f->links = l->next;
	if (l->next)
		l->next->prev = l->prev;
	tl__qunlock(&f->lock);
}

/* Python takes set(fs): copy fs to out without duplicates, first
 * occurrences in input order. O(n log n). Returns the count, or 0 with
 * *oom set. */
struct ent {
	tl_future_t *f;
	size_t idx;
};

static int ent_cmp(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;
	if (x->f != y->f)
		return (uintptr_t)x->f < (uintptr_t)y->f ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int uniq(tl_future_t *const *fs, size_t n, tl_future_t **out, size_t *nout)
{
	struct ent *e = malloc(n * sizeof *e);
	bool *first = calloc(n, sizeof *first);
	if (!e || !first) {
		free(e);
		free(first);
		return TL_ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		e[i] = (struct ent){ fs[i], i };
	qsort(e, n, sizeof *e, ent_cmp);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || e[i].f != e[i - 1].f)
			first[e[i].idx] = true;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (first[i])
			out[k++] = fs[i];
	*nout = k;
	free(e);
	free(first);
	return 0;
}

static bool condition_met(tl_future_t *const *u, size_t n, int mode)
{
	size_t ndone = 0;
	bool exc = false;
	for (size_t i = 0; i < n; i++) {
		if (tl_future_done(u[i])) {
			ndone++;
			exc = exc || has_exception(u[i]);
		}
	}
	switch (mode) {
	case TL_FIRST_COMPLETED:
		return ndone > 0 || n == 0;
	case TL_FIRST_EXCEPTION:
		return exc || ndone == n;
	default:
		return ndone == n;
	}
}

static int check_args(tl_future_t *const *fs, size_t n)
{
	if (n && !fs)
		return TL_EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!fs[i])
			return TL_EINVAL;
	return 0;
}

int tl_futures_wait_until(tl_future_t *const *fs, size_t n, const struct timespec *deadline, int return_when,
			  tl_future_t **done, size_t *ndone, tl_future_t **not_done, size_t *nnot_done)
{
	if (return_when != TL_FIRST_COMPLETED && return_when != TL_FIRST_EXCEPTION &&
	    return_when != TL_ALL_COMPLETED)
		return TL_EINVAL;
	int r = check_args(fs, n);
	if (r)
		return r;
	tl_future_t **u = n ? malloc(n * sizeof *u) : NULL;
	size_t nu = 0;
	if (n && !u)
		return TL_ENOMEM;
	if (n && (r = uniq(fs, n, u, &nu)) != 0) {
		free(u);
		return r;
	}

	if (!condition_met(u, nu, return_when)) {
		struct tl__flink *links = calloc(nu, sizeof *links);
		bool *linked = calloc(nu, sizeof *linked);
		if (!links || !linked) {
			free(links);
			free(linked);
			free(u);
			return TL_ENOMEM;
		}
		struct tl__fwaiter w = { .mode = return_when };
		atomic_init(&w.event, 0);
		atomic_init(&w.pending, 1); /* the guard */
		atomic_init(&w.lock, 0);
		/* Helgrind/DRD: atomics they see as racing plain accesses; what
		 * the futures publish is read through tl_future_done (annotated). */
		TL__VG_IGNORE(&w.event, sizeof w.event);
		TL__VG_IGNORE(&w.pending, sizeof w.pending);
		bool early = false;
		for (size_t i = 0; i < nu; i++) {
			tl_future_t *f = u[i];
			tl__qlock(&f->lock);
			if (!tl_future_done(f)) {
				atomic_fetch_add_explicit(&w.pending, 1, memory_order_relaxed);
				link_waiter(f, &links[i], &w);
				linked[i] = true;
			} else if (return_when == TL_FIRST_COMPLETED ||
				   (return_when == TL_FIRST_EXCEPTION && has_exception(f))) {
				early = true;
			}
			tl__qunlock(&f->lock);
		}
		if (early)
			fire(&w);
		if (atomic_fetch_sub_explicit(&w.pending, 1, memory_order_acq_rel) == 1)
			fire(&w);
		while (atomic_load_explicit(&w.event, memory_order_acquire) == 0)
			if (tl__futex_wait(&w.event, 0, deadline, 0) == -ETIMEDOUT)
				break;
		for (size_t i = 0; i < nu; i++)
			if (linked[i])
				unlink_waiter(u[i], &links[i]);
		free(links);
		free(linked);
	}

	size_t d = 0, nd = 0;
	for (size_t i = 0; i < nu; i++) {
		if (tl_future_done(u[i])) {
			if (done)
				done[d] = u[i];
			d++;
		} else {
			if (not_done)
				not_done[nd] = u[i];
			nd++;
		}
	}
	if (ndone)
		*ndone = d;
	if (nnot_done)
		*nnot_done = nd;
	free(u);
	return 0;
}

int tl_futures_wait(tl_future_t *const *fs, size_t n, double timeout, int return_when, tl_future_t **done,
		    size_t *ndone, tl_future_t **not_done, size_t *nnot_done)
{
	/* Python's wait() waits on an Event: a negative timeout (or NaN) polls. */
	struct timespec ts;
	const struct timespec *deadline;
	tl__poll_args(timeout, &ts, &deadline);
	return tl_futures_wait_until(fs, n, deadline, return_when, done, ndone, not_done, nnot_done);
}

/* ---- as_completed ---- */

struct tl_as_completed {
	struct tl__fwaiter w;
	tl_future_t **fs; /* unique, each retained */
	size_t n, yielded;
	struct tl__flink *links;
	bool *linked;
	struct timespec deadline_buf;
	const struct timespec *deadline;
};

int tl_as_completed_destroy(tl_as_completed_t *it)
{
	if (!it)
		return TL_EINVAL;
	for (size_t i = 0; i < it->n; i++) {
		if (it->linked && it->linked[i])
			unlink_waiter(it->fs[i], &it->links[i]);
		tl_future_unref(it->fs[i]);
	}
	free(it->fs);
	free(it->links);
	free(it->linked);
	free(it->w.ready);
	free(it);
	return 0;
}

int tl_as_completed_create(tl_as_completed_t **out, tl_future_t *const *fs, size_t n, double timeout)
{
	if (!out)
		return TL_EINVAL;
	int r = check_args(fs, n);
	if (r)
		return r;
	tl_as_completed_t *it = calloc(1, sizeof *it);
	if (!it)
		return TL_ENOMEM;
	/* Python's as_completed yields what is done, then raises TimeoutError
	 * once the time left is negative: a negative timeout (or NaN) polls. */
	tl__poll_args(timeout, &it->deadline_buf, &it->deadline);
	it->w.mode = TL__AS_COMPLETED;
	atomic_init(&it->w.event, 0);
	atomic_init(&it->w.pending, 0);
	atomic_init(&it->w.lock, 0);
	/* as above; the ready list is under w.lock (a qlock, annotated) */
	TL__VG_IGNORE(&it->w.event, sizeof it->w.event);
	TL__VG_IGNORE(&it->w.pending, sizeof it->w.pending);
	size_t cap = n ? n : 1;
	it->fs = malloc(cap * sizeof *it->fs);
	it->links = calloc(cap, sizeof *it->links);
	it->linked = calloc(cap, sizeof *it->linked);
	it->w.ready = malloc(cap * sizeof *it->w.ready);
	if (!it->fs || !it->links || !it->linked || !it->w.ready ||
	    (n && uniq(fs, n, it->fs, &it->n) != 0)) {
		it->n = 0;
		tl_as_completed_destroy(it);
		return TL_ENOMEM;
	}
	for (size_t i = 0; i < it->n; i++)
		tl_future_ref(it->fs[i]);
	/* The ones already done go first, in input order (notifications of
	 * others completing meanwhile may interleave: they are done too). */
	for (size_t i = 0; i < it->n; i++) {
		tl_future_t *f = it->fs[i];
		tl__qlock(&f->lock);
		if (tl_future_done(f)) {
			tl__qlock(&it->w.lock);
			it->w.ready[it->w.nready++] = f;
			tl__qunlock(&it->w.lock);
		} else {
			link_waiter(f, &it->links[i], &it->w);
			it->linked[i] = true;
		}
		tl__qunlock(&f->lock);
	}
	*out = it;
	return 0;
}

int tl_as_completed_next(tl_as_completed_t *it, tl_future_t **out)
{
	if (!it || !out)
		return TL_EINVAL;
	if (it->yielded == it->n) {
		*out = NULL;
		return 0;
	}
	for (;;) {
		tl__qlock(&it->w.lock);
		if (it->w.nread < it->w.nready) {
			*out = it->w.ready[it->w.nread++];
			tl__qunlock(&it->w.lock);
			it->yielded++;
			return 0;
		}
		/* Read under the lock: an append after it bumps the word after
		 * unlocking, so the wait below returns at once. */
		uint32_t e = atomic_load_explicit(&it->w.event, memory_order_acquire);
		tl__qunlock(&it->w.lock);
		if (tl__futex_wait(&it->w.event, e, it->deadline, 0) == -ETIMEDOUT) {
			tl__qlock(&it->w.lock);
			bool more = it->w.nread < it->w.nready;
			tl__qunlock(&it->w.lock);
			if (!more)
				return TL_ETIMEDOUT;
		}
	}
}
