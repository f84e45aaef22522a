/* concurrent.futures.Future, wait() and as_completed(), modelled on
 * CPython's Lib/test/test_concurrent_futures/test_future.py, test_wait.py and
 * test_as_completed.py. Futures are driven by hand (and by raw pthreads
 * where a test needs another thread), not by an executor.
 *
 * "Thread X is blocked in result()/wait()" is observed through the future's
 * state word (its sleeper bit) or its attached waiter list: polls on a
 * visible state, never sleeps. */
#include "task.h"
#include "threadlab/future.h"

#include "future_impl.h"
#include "qlock.h"
#include "vg_annotate.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define V(x) ((void *)(uintptr_t)(x))
#define U(p) ((uintptr_t)(p))

static tl_future_t *make(void)
{
	tl_future_t *f;
	ASSERT_OK(tl_future_create(&f));
	return f;
}

static tl_future_t *make_in(tl_future_state_t st)
{
	tl_future_t *f = make();
	switch (st) {
	case TL_FUTURE_PENDING:
		break;
	case TL_FUTURE_RUNNING:
		ASSERT_OK(tl_future_set_running_or_notify_cancel(f));
		break;
	case TL_FUTURE_CANCELLED:
		ASSERT_OK(tl_future_cancel(f));
		break;
	case TL_FUTURE_FINISHED:
		ASSERT_OK(tl_future_set_result(f, V(42)));
		break;
	}
	return f;
}

static tl_future_t *make_exception(int code)
{
	tl_future_t *f = make();
	ASSERT_OK(tl_future_set_exception(f, code, NULL));
	return f;
}

/* CPython's PENDING_FUTURE, RUNNING_FUTURE, CANCELLED_FUTURE,
 * SUCCESSFUL_FUTURE (42) and EXCEPTION_FUTURE (-5). */
struct states {
	tl_future_t *p, *r, *c, *f, *e;
};

static struct states make_states(void)
{
	return (struct states){ make_in(TL_FUTURE_PENDING), make_in(TL_FUTURE_RUNNING), make_in(TL_FUTURE_CANCELLED),
				make_in(TL_FUTURE_FINISHED), make_exception(-5) };
}

static void release_states(struct states *s)
{
	tl_future_t *all[] = { s->p, s->r, s->c, s->f, s->e };
	for (int i = 0; i < 5; i++)
		ASSERT_OK(tl_future_unref(all[i]));
}

static void wait_for_sleeper(tl_future_t *f)
{
	while (!(atomic_load(&f->state) & TL__F_SLEEPERS))
		sched_yield();
}

static void wait_for_link(tl_future_t *f)
{
	for (;;) {
		tl__qlock(&f->lock); /* links is written under the future's lock */
		bool linked = f->links != NULL;
		tl__qunlock(&f->lock);
		if (linked)
			return;
		sched_yield();
	}
}

/* ---- states ---- */

TEST_IMPL(states_and_predicates)
{
	struct states s = make_states();
	ASSERT(!tl_future_done(s.p) && !tl_future_running(s.p) && !tl_future_cancelled(s.p));
	ASSERT(!tl_future_done(s.r) && tl_future_running(s.r) && !tl_future_cancelled(s.r));
	ASSERT(tl_future_done(s.c) && !tl_future_running(s.c) && tl_future_cancelled(s.c));
	ASSERT(tl_future_done(s.f) && !tl_future_running(s.f) && !tl_future_cancelled(s.f));
	ASSERT(tl_future_done(s.e) && !tl_future_cancelled(s.e));
	ASSERT_EQ(tl_future_state(s.p), TL_FUTURE_PENDING);
	ASSERT_EQ(tl_future_state(s.e), TL_FUTURE_FINISHED);
	release_states(&s);
	return 0;
}

TEST_IMPL(cancel)
{
	/* CPython test_cancel */
	struct states s = make_states();
	ASSERT_OK(tl_future_cancel(s.p));
	ASSERT_EQ(tl_future_state(s.p), TL_FUTURE_CANCELLED);
	ASSERT_EQ(tl_future_cancel(s.r), TL_ESTATE);
	ASSERT_EQ(tl_future_state(s.r), TL_FUTURE_RUNNING);
	ASSERT_OK(tl_future_cancel(s.c));
	ASSERT_EQ(tl_future_cancel(s.f), TL_ESTATE);
	ASSERT_EQ(tl_future_cancel(s.e), TL_ESTATE);
	ASSERT_EQ(tl_future_state(s.f), TL_FUTURE_FINISHED);
	release_states(&s);
	return 0;
}

TEST_IMPL(set_running_or_notify_cancel)
{
	tl_future_t *p = make(), *c = make_in(TL_FUTURE_CANCELLED), *f = make_in(TL_FUTURE_FINISHED);
	ASSERT_OK(tl_future_set_running_or_notify_cancel(p));
	ASSERT(tl_future_running(p));
	ASSERT_EQ(tl_future_set_running_or_notify_cancel(p), TL_ESTATE); /* RuntimeError */
	ASSERT_EQ(tl_future_set_running_or_notify_cancel(c), TL_ECANCELLED);
	ASSERT_EQ(tl_future_set_running_or_notify_cancel(f), TL_ESTATE);
	ASSERT_OK(tl_future_set_result(p, V(1)));
	ASSERT_OK(tl_future_unref(p));
	ASSERT_OK(tl_future_unref(c));
	ASSERT_OK(tl_future_unref(f));
	return 0;
}

TEST_IMPL(set_twice_is_invalid_state)
{
	/* CPython test_multiple_set_result / test_multiple_set_exception */
	tl_future_t *f = make();
	ASSERT_OK(tl_future_set_result(f, V(1)));
	ASSERT_EQ(tl_future_set_result(f, V(2)), TL_ESTATE);
	ASSERT_EQ(tl_future_set_exception(f, -7, NULL), TL_ESTATE);
	void *v;
	ASSERT_OK(tl_future_result(f, 0, &v));
	ASSERT_EQ(U(v), 1);
	ASSERT_OK(tl_future_unref(f));

	f = make();
	ASSERT_EQ(tl_future_set_exception(f, 0, NULL), TL_EINVAL);
	ASSERT_OK(tl_future_set_exception(f, -7, NULL));
	ASSERT_EQ(tl_future_set_exception(f, -8, NULL), TL_ESTATE);
	ASSERT_EQ(tl_future_set_result(f, V(2)), TL_ESTATE);
	tl_future_error_t err;
	ASSERT_OK(tl_future_exception(f, 0, &err));
	ASSERT_EQ(err.code, -7);
	ASSERT_OK(tl_future_unref(f));

	f = make_in(TL_FUTURE_CANCELLED);
	ASSERT_EQ(tl_future_set_result(f, V(2)), TL_ESTATE);
	ASSERT_OK(tl_future_unref(f));
	return 0;
}

/* ---- result / exception ---- */

TEST_IMPL(result_with_timeout)
{
	void *v = V(7);
	tl_future_error_t err = { 123, true, NULL, 0 };
	struct states s = make_states();
	tl_future_t *b = make_exception(TL_EBROKEN);
	ASSERT_EQ(tl_future_result(s.p, 0, &v), TL_ETIMEDOUT);
	ASSERT_EQ(tl_future_result(s.p, 0.01, &v), TL_ETIMEDOUT);
	ASSERT_EQ(tl_future_result(s.r, 0.01, &v), TL_ETIMEDOUT);
	ASSERT_EQ(U(v), 7);
	ASSERT_EQ(tl_future_exception(s.p, 0.01, &err), TL_ETIMEDOUT);
	ASSERT_EQ(tl_future_wait(s.p, 0), TL_ETIMEDOUT);
	ASSERT_EQ(tl_future_result(s.c, 0, &v), TL_ECANCELLED);
	ASSERT_EQ(tl_future_exception(s.c, 0, &err), TL_ECANCELLED);
	ASSERT_OK(tl_future_result(s.f, 0, &v));
	ASSERT_EQ(U(v), 42);
	ASSERT_OK(tl_future_exception(s.f, 0, &err));
	ASSERT_EQ(err.code, 0);
	ASSERT_FALSE(err.broken);
	ASSERT_NULL(err.payload);
	ASSERT_EQ(tl_future_result(s.e, TL_FOREVER, &v), TL_ETASK);
	ASSERT_OK(tl_future_exception(s.e, TL_FOREVER, &err));
	ASSERT_EQ(err.code, -5);
	/* A task's own TL_EBROKEN is its exception, not a broken pool
	 * (test_executor's broken pools give result() TL_EBROKEN). */
	ASSERT_EQ(tl_future_result(b, TL_FOREVER, &v), TL_ETASK);
	ASSERT_OK(tl_future_exception(b, TL_FOREVER, &err));
	ASSERT_EQ(err.code, TL_EBROKEN);
	ASSERT_FALSE(err.broken);
	/* Future.result(timeout=-2) polls (Condition.wait), like 0 */
	ASSERT_EQ(tl_future_result(s.p, -2, &v), TL_ETIMEDOUT);
	ASSERT_EQ(tl_future_exception(s.p, -2, &err), TL_ETIMEDOUT);
	ASSERT_EQ(tl_future_wait(s.p, NAN), TL_ETIMEDOUT);
	ASSERT_OK(tl_future_result(s.f, -2, &v));
	release_states(&s);
	ASSERT_OK(tl_future_unref(b));
	return 0;
}

static int free_count;
static void counting_free(void *p)
{
	free(p);
	free_count++;
}

TEST_IMPL(result_bytes_owned)
{
	tl_future_t *f = make();
	char *buf = malloc(6);
	memcpy(buf, "hello", 6);
	ASSERT_OK(tl_future_set_result_owned(f, buf, 6, counting_free));
	const void *d;
	size_t len;
	ASSERT_OK(tl_future_result_bytes(f, 0, &d, &len));
	ASSERT_EQ(len, 6);
	ASSERT_STR_EQ((const char *)d, "hello");
	tl_future_ref(f);
	ASSERT_OK(tl_future_unref(f));
	ASSERT_EQ(free_count, 0);
	ASSERT_OK(tl_future_unref(f));
	ASSERT_EQ(free_count, 1);
	return 0;
}

enum { SET_RESULT, SET_EXCEPTION, CANCEL };
struct completer {
	tl_future_t *f;
	int how;
	int wait_link; /* wait for a wait()/as_completed link, not a sleeper */
};

static void *complete_when_blocked(void *arg)
{
	struct completer *c = arg;
	if (c->wait_link)
		wait_for_link(c->f);
	else
		wait_for_sleeper(c->f);
	switch (c->how) {
	case SET_RESULT:
		ASSERT_OK(tl_future_set_result(c->f, V(99)));
		break;
	case SET_EXCEPTION:
		ASSERT_OK(tl_future_set_exception(c->f, -33, NULL));
		break;
	case CANCEL:
		ASSERT_OK(tl_future_cancel(c->f));
		break;
	}
	return NULL;
}

TEST_IMPL(result_released_by_other_thread)
{
	/* CPython test_result_with_success / _with_cancel, exception_with_success */
	for (int how = SET_RESULT; how <= CANCEL; how++) {
		for (int use_exc = 0; use_exc < 2; use_exc++) {
			tl_future_t *f = make();
			struct completer c = { f, how, 0 };
			pthread_t t;
			ASSERT_OK(pthread_create(&t, NULL, complete_when_blocked, &c));
			void *v = NULL;
			tl_future_error_t err = { 0, false, NULL, 0 };
			int r;
			if (use_exc)
				r = tl_future_exception(f, TL_FOREVER, &err);
			else
				r = tl_future_result(f, 60.0, &v);
			ASSERT_OK(pthread_join(t, NULL));
			if (how == CANCEL) {
				ASSERT_EQ(r, TL_ECANCELLED);
			} else if (use_exc) {
				ASSERT_OK(r);
				ASSERT_EQ(err.code, how == SET_EXCEPTION ? -33 : 0);
			} else if (how == SET_EXCEPTION) {
				ASSERT_EQ(r, TL_ETASK);
			} else {
				ASSERT_OK(r);
				ASSERT_EQ(U(v), 99);
			}
			ASSERT_OK(tl_future_unref(f));
		}
	}
	return 0;
}

/* ---- done callbacks ---- */

struct cbrec {
	int calls;
	int order[8];
	int n;
	pthread_t thread;
	tl_future_state_t seen_state;
	void *seen_value;
};

static void rec_cb(tl_future_t *f, void *arg)
{
	struct cbrec *r = arg;
	r->calls++;
	r->thread = pthread_self();
	r->seen_state = tl_future_state(f);
	if (r->seen_state == TL_FUTURE_FINISHED)
		tl_future_result(f, 0, &r->seen_value);
}

static struct cbrec *order_rec;
static void order_cb(tl_future_t *f, void *arg)
{
	(void)f;
	order_rec->order[order_rec->n++] = (int)U(arg);
}

static void failing_cb(tl_future_t *f, void *arg)
{
	(void)f;
	order_rec->order[order_rec->n++] = (int)U(arg);
	/* a callback that "raises": it cannot even report it (Python logs
	 * and ignores it), so the others run on */
}

TEST_IMPL(done_callbacks)
{
	/* with result / exception / cancel: run once, in the completing thread */
	for (int how = SET_RESULT; how <= CANCEL; how++) {
		tl_future_t *f = make();
		struct cbrec r = { 0 };
		ASSERT_OK(tl_future_add_done_callback(f, rec_cb, &r));
		ASSERT_EQ(r.calls, 0);
		if (how == SET_RESULT)
			ASSERT_OK(tl_future_set_result(f, V(5)));
		else if (how == SET_EXCEPTION)
			ASSERT_OK(tl_future_set_exception(f, -1, NULL));
		else
			ASSERT_OK(tl_future_cancel(f));
		ASSERT_EQ(r.calls, 1);
		ASSERT(pthread_equal(r.thread, pthread_self()));
		ASSERT_EQ(r.seen_state, how == CANCEL ? TL_FUTURE_CANCELLED : TL_FUTURE_FINISHED);
		if (how == SET_RESULT)
			ASSERT_EQ(U(r.seen_value), 5);
		ASSERT_EQ(tl_future_cancel(f), how == CANCEL ? 0 : TL_ESTATE); /* no second call */
		ASSERT_EQ(r.calls, 1);
		ASSERT_OK(tl_future_unref(f));
	}
	/* order, and a failing callback does not stop the others */
	struct cbrec o = { 0 };
	order_rec = &o;
	tl_future_t *f = make();
	ASSERT_OK(tl_future_add_done_callback(f, order_cb, V(1)));
	ASSERT_OK(tl_future_add_done_callback(f, failing_cb, V(2)));
	ASSERT_OK(tl_future_add_done_callback(f, order_cb, V(3)));
	ASSERT_OK(tl_future_set_result(f, NULL));
	ASSERT_EQ(o.n, 3);
	ASSERT_EQ(o.order[0], 1);
	ASSERT_EQ(o.order[1], 2);
	ASSERT_EQ(o.order[2], 3);
	ASSERT_OK(tl_future_unref(f));
	/* never completed: the callbacks are freed with the future */
	f = make();
	ASSERT_OK(tl_future_add_done_callback(f, order_cb, V(9)));
	ASSERT_OK(tl_future_unref(f));
	ASSERT_EQ(o.n, 3);
	return 0;
}

struct cb_thread {
	tl_future_t *f;
	struct cbrec r;
};

static void *add_cb_in_thread(void *arg)
{
	struct cb_thread *c = arg;
	ASSERT_OK(tl_future_add_done_callback(c->f, rec_cb, &c->r));
	return NULL;
}

TEST_IMPL(done_callback_on_done_future_runs_in_caller)
{
	/* CPython test_done_callback_already_successful/_failed/_cancelled,
	 * from another thread to see the callback run in the adder's thread */
	tl_future_t *fs[] = { make_in(TL_FUTURE_FINISHED), make_exception(-2), make_in(TL_FUTURE_CANCELLED) };
	for (int i = 0; i < 3; i++) {
		struct cb_thread c = { .f = fs[i] };
		pthread_t t;
		ASSERT_OK(pthread_create(&t, NULL, add_cb_in_thread, &c));
		ASSERT_OK(pthread_join(t, NULL));
		ASSERT_EQ(c.r.calls, 1);
		ASSERT(pthread_equal(c.r.thread, t));
		if (i == 0)
			ASSERT_EQ(U(c.r.seen_value), 42);
		ASSERT_OK(tl_future_unref(fs[i]));
	}
	return 0;
}

/* Callbacks added from many threads while another thread completes: each
 * runs exactly once (in the list or at once), none lost. */
struct race_cb {
	tl_future_t *f;
	_Atomic int *count;
	int adds;
};

static void count_cb(tl_future_t *f, void *arg)
{
	(void)f;
	atomic_fetch_add((_Atomic int *)arg, 1);
}

static void *add_many(void *arg)
{
	struct race_cb *r = arg;
	for (int i = 0; i < r->adds; i++)
		ASSERT_OK(tl_future_add_done_callback(r->f, count_cb, r->count));
	return NULL;
}

TEST_IMPL(callbacks_race_with_completion)
{
	for (int round = 0; round < 50; round++) {
		tl_future_t *f = make();
		_Atomic int count = 0;
		struct race_cb r = { f, &count, 200 };
		pthread_t t[3];
		for (int i = 0; i < 3; i++)
			ASSERT_OK(pthread_create(&t[i], NULL, add_many, &r));
		ASSERT_OK(tl_future_set_result(f, NULL));
		for (int i = 0; i < 3; i++)
			ASSERT_OK(pthread_join(t[i], NULL));
		ASSERT_EQ(atomic_load(&count), 600);
		ASSERT_OK(tl_future_unref(f));
	}
	return 0;
}

struct runrace {
	tl_future_t *_Atomic f;
	_Atomic int round;
	int run_result;
};

static void *runner_thread(void *arg)
{
	struct runrace *r = arg;
	for (int round = 1; round <= 500; round++) {
		while (atomic_load(&r->round) != round)
			sched_yield();
		TL__VG_HB_AFTER(&r->round);
		r->run_result = tl_future_set_running_or_notify_cancel(atomic_load(&r->f));
		TL__VG_HB_BEFORE(&r->round); /* Helgrind/DRD: the seq_cst store below */
		atomic_store(&r->round, -round);
	}
	return NULL;
}

TEST_IMPL(cancel_races_with_running)
{
	/* exactly one of cancel and set_running wins */
	struct runrace r = { NULL, 0, 0 };
	/* Helgrind/DRD: the hand-off words are atomics (cannot race) */
	TL__VG_IGNORE(&r.f, sizeof r.f);
	TL__VG_IGNORE(&r.round, sizeof r.round);
	pthread_t t;
	ASSERT_OK(pthread_create(&t, NULL, runner_thread, &r));
	for (int round = 1; round <= 500; round++) {
		tl_future_t *f = make();
		atomic_store(&r.f, f);
		TL__VG_HB_BEFORE(&r.round);
		atomic_store(&r.round, round);
		bool cancelled = tl_future_cancel(f) == 0;
		while (atomic_load(&r.round) != -round)
			sched_yield();
		TL__VG_HB_AFTER(&r.round);
		ASSERT(r.run_result == 0 ? !cancelled : (cancelled && r.run_result == TL_ECANCELLED));
		ASSERT_EQ(tl_future_state(f), cancelled ? TL_FUTURE_CANCELLED : TL_FUTURE_RUNNING);
		ASSERT_OK(tl_future_unref(f));
	}
	ASSERT_OK(pthread_join(t, NULL));
	return 0;
}

/* ---- wait ---- */

static size_t index_of(tl_future_t **arr, size_t n, tl_future_t *f)
{
	for (size_t i = 0; i < n; i++)
		if (arr[i] == f)
			return i;
	return (size_t)-1;
}

/* tl_futures_wait(fs, n, TL_FOREVER, return_when, ...) while another
 * thread completes f (how) once the wait has linked its waiter to it. */
static void wait_while_completing(tl_future_t *f, int how, tl_future_t *const *fs, size_t n, int return_when,
				  tl_future_t **d, size_t *d_n, tl_future_t **nd, size_t *nd_n)
{
	struct completer c = { f, how, 1 };
	pthread_t t;
	ASSERT_OK(pthread_create(&t, NULL, complete_when_blocked, &c));
	ASSERT_OK(tl_futures_wait(fs, n, TL_FOREVER, return_when, d, d_n, nd, nd_n));
	ASSERT_OK(pthread_join(t, NULL));
}

TEST_IMPL(wait_first_completed)
{
	tl_future_t *done_f = make_in(TL_FUTURE_FINISHED), *p1 = make(), *p2 = make_in(TL_FUTURE_RUNNING);
	tl_future_t *fs[] = { p1, done_f, p2 };
	tl_future_t *d[3], *nd[3];
	size_t nd_n, d_n;
	ASSERT_OK(tl_futures_wait(fs, 3, TL_FOREVER, TL_FIRST_COMPLETED, d, &d_n, nd, &nd_n));
	ASSERT_EQ(d_n, 1);
	ASSERT(d[0] == done_f);
	ASSERT_EQ(nd_n, 2);
	ASSERT(nd[0] == p1 && nd[1] == p2); /* input order */

	/* nothing done yet: blocks until another thread completes one */
	tl_future_t *fs2[] = { p1, p2 };
	wait_while_completing(p2, SET_RESULT, fs2, 2, TL_FIRST_COMPLETED, d, &d_n, nd, &nd_n);
	ASSERT_EQ(d_n, 1);
	ASSERT(d[0] == p2);
	ASSERT_EQ(nd_n, 1);
	ASSERT(nd[0] == p1);
	ASSERT(p1->links == NULL); /* waiter detached */
	tl_future_unref(done_f);
	tl_future_unref(p1);
	tl_future_unref(p2);
	return 0;
}

TEST_IMPL(wait_first_exception)
{
	/* already failed: returns at once */
	tl_future_t *ok = make_in(TL_FUTURE_FINISHED), *bad = make_exception(-3), *p = make();
	tl_future_t *fs[] = { ok, bad, p };
	tl_future_t *d[3];
	size_t d_n, nd_n;
	ASSERT_OK(tl_futures_wait(fs, 3, TL_FOREVER, TL_FIRST_EXCEPTION, d, &d_n, NULL, &nd_n));
	ASSERT_EQ(d_n, 2);
	ASSERT_EQ(nd_n, 1);

	/* successes and cancellations do not stop it; an exception does */
	tl_future_t *a = make(), *b = make(), *e = make();
	tl_future_t *fs2[] = { a, b, e };
	ASSERT_OK(tl_future_set_result(a, NULL));
	ASSERT_OK(tl_future_cancel(b));
	ASSERT_OK(tl_futures_wait(fs2, 3, 0, TL_FIRST_EXCEPTION, NULL, &d_n, NULL, &nd_n));
	ASSERT_EQ(d_n, 2); /* timed out: e still pending */
	ASSERT_EQ(nd_n, 1);
	wait_while_completing(e, SET_EXCEPTION, fs2, 3, TL_FIRST_EXCEPTION, NULL, &d_n, NULL, &nd_n);
	ASSERT_EQ(d_n, 3);
	ASSERT_EQ(nd_n, 0);

	/* no exception at all: behaves like ALL_COMPLETED */
	tl_future_t *x = make(), *y = make();
	tl_future_t *fs3[] = { x, y };
	ASSERT_OK(tl_future_set_result(x, NULL));
	wait_while_completing(y, SET_RESULT, fs3, 2, TL_FIRST_EXCEPTION, NULL, &d_n, NULL, &nd_n);
	ASSERT_EQ(d_n, 2);
	tl_future_t *all[] = { ok, bad, p, a, b, e, x, y };
	for (int i = 0; i < 8; i++)
		tl_future_unref(all[i]);
	return 0;
}

struct completer_many {
	tl_future_t **fs;
	int n;
};

static void *complete_all_after_link(void *arg)
{
	struct completer_many *c = arg;
	wait_for_link(c->fs[c->n - 1]);
	for (int i = c->n - 1; i >= 0; i--)
		if (!tl_future_done(c->fs[i]))
			ASSERT_OK(tl_future_set_result(c->fs[i], V(i)));
	return NULL;
}

TEST_IMPL(wait_all_completed)
{
	enum { N = 6 };
	tl_future_t *fs[N];
	for (int i = 0; i < N; i++)
		fs[i] = make();
	ASSERT_OK(tl_future_cancel(fs[0]));
	ASSERT_OK(tl_future_set_exception(fs[1], -4, NULL));
	struct completer_many c = { fs, N };
	pthread_t t;
	ASSERT_OK(pthread_create(&t, NULL, complete_all_after_link, &c));
	tl_future_t *d[N];
	size_t d_n, nd_n;
	ASSERT_OK(tl_futures_wait(fs, N, TL_FOREVER, TL_ALL_COMPLETED, d, &d_n, NULL, &nd_n));
	ASSERT_OK(pthread_join(t, NULL));
	ASSERT_EQ(d_n, N);
	ASSERT_EQ(nd_n, 0);
	for (int i = 0; i < N; i++) {
		ASSERT(d[i] == fs[i]);
		ASSERT(fs[i]->links == NULL);
	}
	for (int i = 0; i < N; i++)
		tl_future_unref(fs[i]);
	return 0;
}

TEST_IMPL(wait_timeout_and_duplicates)
{
	/* CPython test_timeout, test_20369 (duplicates) */
	tl_future_t *f = make_in(TL_FUTURE_FINISHED), *p = make();
	tl_future_t *fs[] = { f, p, f, p, f };
	tl_future_t *d[5], *nd[5];
	size_t d_n, nd_n;
	ASSERT_OK(tl_futures_wait(fs, 5, 0.01, TL_ALL_COMPLETED, d, &d_n, nd, &nd_n));
	ASSERT_EQ(d_n, 1);
	ASSERT(d[0] == f);
	ASSERT_EQ(nd_n, 1);
	ASSERT(nd[0] == p);
	ASSERT(p->links == NULL);
	ASSERT_OK(tl_futures_wait(fs, 5, 0, TL_ALL_COMPLETED, d, &d_n, nd, &nd_n));
	ASSERT_EQ(nd_n, 1);
	tl_future_t *dup[] = { f, f };
	ASSERT_OK(tl_futures_wait(dup, 2, TL_FOREVER, TL_ALL_COMPLETED, d, &d_n, nd, &nd_n));
	ASSERT_EQ(d_n, 1);
	ASSERT_EQ(nd_n, 0);
	/* empty set: returns at once; bad arguments */
	ASSERT_OK(tl_futures_wait(NULL, 0, TL_FOREVER, TL_ALL_COMPLETED, d, &d_n, nd, &nd_n));
	ASSERT_EQ(d_n + nd_n, 0);
	ASSERT_EQ(tl_futures_wait(fs, 5, TL_FOREVER, 0, d, &d_n, nd, &nd_n), TL_EINVAL);
	/* CPython's wait() waits on an Event: a negative timeout polls */
	ASSERT_OK(tl_futures_wait(fs, 5, -3, TL_ALL_COMPLETED, d, &d_n, nd, &nd_n));
	ASSERT_EQ(d_n, 1);
	ASSERT_EQ(nd_n, 1);
	ASSERT_OK(tl_futures_wait(fs, 5, NAN, TL_ALL_COMPLETED, d, &d_n, nd, &nd_n));
	ASSERT_EQ(nd_n, 1);
	tl_future_t *withnull[] = { f, NULL };
	ASSERT_EQ(tl_futures_wait(withnull, 2, 0, TL_ALL_COMPLETED, d, &d_n, nd, &nd_n), TL_EINVAL);
	ASSERT_EQ(index_of(d, 0, f), (size_t)-1);
	tl_future_unref(f);
	tl_future_unref(p);
	return 0;
}

/* ---- as_completed ---- */

TEST_IMPL(as_completed_order)
{
	/* Done ones first (input order), then in completion order. */
	tl_future_t *a = make(), *b = make_in(TL_FUTURE_FINISHED), *c = make(), *d = make_exception(-1),
		    *e = make();
	tl_future_t *fs[] = { a, b, c, d, e, b };
	tl_as_completed_t *it;
	ASSERT_OK(tl_as_completed_create(&it, fs, 6, TL_FOREVER));
	tl_future_t *got;
	ASSERT_OK(tl_as_completed_next(it, &got));
	ASSERT(got == b);
	ASSERT_OK(tl_as_completed_next(it, &got));
	ASSERT(got == d);
	ASSERT_OK(tl_future_set_result(e, NULL));
	ASSERT_OK(tl_future_cancel(a));
	ASSERT_OK(tl_as_completed_next(it, &got));
	ASSERT(got == e);
	ASSERT_OK(tl_as_completed_next(it, &got));
	ASSERT(got == a);
	struct completer cc = { c, SET_RESULT, 1 };
	pthread_t t;
	ASSERT_OK(pthread_create(&t, NULL, complete_when_blocked, &cc));
	ASSERT_OK(tl_as_completed_next(it, &got)); /* blocks until c */
	ASSERT_OK(pthread_join(t, NULL));
	ASSERT(got == c);
	ASSERT_OK(tl_as_completed_next(it, &got));
	ASSERT_NULL(got); /* exhausted (b counted once) */
	ASSERT_OK(tl_as_completed_next(it, &got));
	ASSERT_NULL(got);
	/* the iterator holds references: release ours first */
	tl_future_t *all[] = { a, b, c, d, e };
	for (int i = 0; i < 5; i++)
		tl_future_unref(all[i]);
	ASSERT_OK(tl_as_completed_destroy(it));
	return 0;
}

TEST_IMPL(as_completed_timeout)
{
	/* CPython test_zero_timeout: finished ones come out, then TimeoutError */
	tl_future_t *f = make_in(TL_FUTURE_FINISHED), *p = make();
	tl_future_t *fs[] = { p, f };
	tl_as_completed_t *it;
	ASSERT_OK(tl_as_completed_create(&it, fs, 2, 0));
	tl_future_t *got;
	ASSERT_OK(tl_as_completed_next(it, &got));
	ASSERT(got == f);
	ASSERT_EQ(tl_as_completed_next(it, &got), TL_ETIMEDOUT);
	ASSERT_EQ(tl_as_completed_next(it, &got), TL_ETIMEDOUT);
	/* completed after the deadline: still handed out */
	ASSERT_OK(tl_future_set_result(p, NULL));
	ASSERT_OK(tl_as_completed_next(it, &got));
	ASSERT(got == p);
	ASSERT_OK(tl_as_completed_destroy(it));

	/* destroyed while futures are pending: detaches cleanly */
	tl_future_t *q = make();
	tl_future_t *fs2[] = { q };
	ASSERT_OK(tl_as_completed_create(&it, fs2, 1, 0.01));
	ASSERT_EQ(tl_as_completed_next(it, &got), TL_ETIMEDOUT);
	ASSERT_OK(tl_as_completed_destroy(it));
	ASSERT(q->links == NULL);
	ASSERT_OK(tl_future_set_result(q, NULL));
	/* CPython's as_completed(timeout=-5): the done ones, then TimeoutError
	 * (a negative timeout polls, like 0) */
	tl_future_t *fs3[] = { q, make() };
	ASSERT_OK(tl_as_completed_create(&it, fs3, 2, -5));
	ASSERT_OK(tl_as_completed_next(it, &got));
	ASSERT(got == q);
	ASSERT_EQ(tl_as_completed_next(it, &got), TL_ETIMEDOUT);
	ASSERT_OK(tl_as_completed_destroy(it));
	tl_future_unref(fs3[1]);
	tl_future_unref(q);
	tl_future_unref(f);
	tl_future_unref(p);
	return 0;
}

struct many {
	tl_future_t **fs;
	int from, to;
};

static void *complete_range(void *arg)
{
	struct many *m = arg;
	for (int i = m->from; i < m->to; i++) {
		if (i % 3 == 0)
			tl_future_cancel(m->fs[i]);
		else
			ASSERT_OK(tl_future_set_result(m->fs[i], V(i)));
	}
	return NULL;
}

TEST_IMPL(as_completed_many_threads)
{
	enum { N = 600, T = 3 };
	tl_future_t *fs[N];
	for (int i = 0; i < N; i++)
		fs[i] = make();
	tl_as_completed_t *it;
	ASSERT_OK(tl_as_completed_create(&it, fs, N, TL_FOREVER));
	pthread_t t[T];
	struct many m[T];
	for (int i = 0; i < T; i++) {
		m[i] = (struct many){ fs, i * N / T, (i + 1) * N / T };
		ASSERT_OK(pthread_create(&t[i], NULL, complete_range, &m[i]));
	}
	static bool seen[N];
	int count = 0;
	tl_future_t *got;
	while (tl_as_completed_next(it, &got) == 0 && got) {
		size_t i = index_of(fs, N, got);
		ASSERT(i < N);
		ASSERT_FALSE(seen[i]);
		ASSERT(tl_future_done(got));
		seen[i] = true;
		count++;
	}
	ASSERT_EQ(count, N);
	for (int i = 0; i < T; i++)
		ASSERT_OK(pthread_join(t[i], NULL));
	ASSERT_OK(tl_as_completed_destroy(it));
	for (int i = 0; i < N; i++)
		tl_future_unref(fs[i]);
	return 0;
}

/* CPython test_done_callback_with_exception: the callback sees the
 * exception object itself (args[0] == 'test'): here code and payload. */
static tl_future_error_t cb_seen;
static void exc_cb(tl_future_t *f, void *arg)
{
	(void)arg;
	ASSERT_OK(tl_future_exception(f, 0, &cb_seen));
}

TEST_IMPL(done_callback_with_exception)
{
	static char test[] = "test";
	tl_future_t *f = make();
	ASSERT_OK(tl_future_add_done_callback(f, exc_cb, NULL));
	ASSERT_OK(tl_future_set_exception(f, -9, test));
	ASSERT_EQ(cb_seen.code, -9);
	ASSERT(cb_seen.payload == test);
	ASSERT_FALSE(cb_seen.broken);
	ASSERT_OK(tl_future_unref(f));
	/* an owned payload (a process pool's bytes) is freed with the future */
	f = make();
	char *copy = strdup("owned");
	ASSERT_OK(tl_future_set_exception_owned(f, -10, copy, 6, free));
	ASSERT_OK(tl_future_add_done_callback(f, exc_cb, NULL)); /* done: runs here */
	ASSERT_EQ(cb_seen.code, -10);
	ASSERT_EQ(cb_seen.len, 6);
	ASSERT_STR_EQ((const char *)cb_seen.payload, "owned");
	ASSERT_EQ(tl_future_set_exception_owned(f, -11, NULL, 0, free), TL_ESTATE);
	ASSERT_EQ(tl_future_set_exception(f, 0, NULL), TL_EINVAL);
	ASSERT_OK(tl_future_unref(f));
	return 0;
}

/* ---- block recycling (future_cache.c) ----
 * Waves of futures made on one thread and finished and dropped for the last
 * time on another (whose magazines go through the process depot), and by
 * short-lived threads (whose magazine is handed on at exit): every future
 * made afterwards, on any thread, starts PENDING, with no value, error or
 * callback of an earlier life. */

#define RECYCLE_WAVE 1000

struct recycler {
	tl_future_t **fs;
	int n;
};

static void *finish_and_drop(void *arg)
{
	struct recycler *r = arg;
	for (int i = 0; i < r->n; i++) {
		ASSERT_OK(tl_future_set_exception(r->fs[i], -7 - i, V(i + 1)));
		ASSERT_OK(tl_future_unref(r->fs[i]));
	}
	return NULL;
}

static void check_fresh(tl_future_t *f)
{
	ASSERT_EQ(tl_future_state(f), TL_FUTURE_PENDING);
	ASSERT_EQ((int)f->error, 0);
	ASSERT_TRUE(f->value == NULL && f->len == 0 && f->free_value == NULL);
	ASSERT_TRUE(f->cbs == NULL && f->links == NULL && f->task_ctx == NULL);
	ASSERT_EQ((int)atomic_load(&f->refs), 1);
}

static void *make_check_drop(void *arg)
{
	(void)arg;
	tl_future_t *fs[200];
	for (int i = 0; i < 200; i++) {
		fs[i] = make();
		check_fresh(fs[i]);
	}
	for (int i = 0; i < 200; i++) {
		ASSERT_OK(tl_future_set_result(fs[i], V(i)));
		ASSERT_OK(tl_future_unref(fs[i]));
	}
	return NULL;
}

TEST_IMPL(blocks_recycled_across_threads)
{
	static tl_future_t *fs[RECYCLE_WAVE];
	static struct cbrec recs[RECYCLE_WAVE];
	int waves = (int)tl_test_iters(20, 2);
	for (int w = 0; w < waves; w++) {
		for (int i = 0; i < RECYCLE_WAVE; i++) {
			fs[i] = make();
			check_fresh(fs[i]);
			recs[i] = (struct cbrec){ 0 };
			ASSERT_OK(tl_future_add_done_callback(fs[i], rec_cb, &recs[i]));
		}
		for (int i = 0; i < RECYCLE_WAVE; i++)
			ASSERT_OK(tl_future_set_running_or_notify_cancel(fs[i]));
		struct recycler r = { fs, RECYCLE_WAVE };
		pthread_t t;
		/* hold a reference each, so the other thread's unref is not the last
		 * for the first half and is for the second */
		for (int i = 0; i < RECYCLE_WAVE / 2; i++)
			tl_future_ref(fs[i]);
		ASSERT_OK(pthread_create(&t, NULL, finish_and_drop, &r));
		ASSERT_OK(pthread_join(t, NULL));
		for (int i = 0; i < RECYCLE_WAVE; i++)
			ASSERT_TRUE(recs[i].calls == 1 && recs[i].seen_state == TL_FUTURE_FINISHED);
		for (int i = 0; i < RECYCLE_WAVE / 2; i++) {
			tl_future_error_t e;
			ASSERT_OK(tl_future_exception(fs[i], 0, &e));
			ASSERT_EQ(e.code, -7 - i);
			ASSERT_OK(tl_future_unref(fs[i]));
		}
		pthread_t u[2];
		for (int k = 0; k < 2; k++)
			ASSERT_OK(pthread_create(&u[k], NULL, make_check_drop, NULL));
		for (int k = 0; k < 2; k++)
			ASSERT_OK(pthread_join(u[k], NULL));
	}
	return 0;
}

TEST_LIST_BEGIN
TEST_ENTRY(done_callback_with_exception)
TEST_ENTRY(states_and_predicates)
TEST_ENTRY(cancel)
TEST_ENTRY(set_running_or_notify_cancel)
TEST_ENTRY(set_twice_is_invalid_state)
TEST_ENTRY(result_with_timeout)
TEST_ENTRY(result_bytes_owned)
TEST_ENTRY(result_released_by_other_thread)
TEST_ENTRY(done_callbacks)
TEST_ENTRY(done_callback_on_done_future_runs_in_caller)
TEST_ENTRY(callbacks_race_with_completion)
TEST_ENTRY(cancel_races_with_running)
TEST_ENTRY(wait_first_completed)
TEST_ENTRY(wait_first_exception)
TEST_ENTRY(wait_all_completed)
TEST_ENTRY(wait_timeout_and_duplicates)
TEST_ENTRY(as_completed_order)
TEST_ENTRY(as_completed_timeout)
TEST_ENTRY(as_completed_many_threads)
TEST_ENTRY(blocks_recycled_across_threads)
TEST_LIST_END
