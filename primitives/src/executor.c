/* concurrent.futures.ThreadPoolExecutor (Lib/concurrent/futures/thread.py).
 *
 * The work queue is the pool's (pool.h, shared with the process pool): a
 * tl_queue of futures (the work item lives in the future: fn, arg, and for
 * map chunks a chunk record), each holding one executor reference, dropped
 * by the worker after running it, or by whoever drains it (cancel_futures,
 * a broken pool, destroy). Shutdown is the queue's shutdown: submits fail
 * from that instant, workers drain what is queued and exit on TL_ESHUTDOWN
 * (no sentinel items).
 *
 * Lazy workers, as Python: a submit first tries to take an "idle" token
 * (a worker adds one each time it finds the queue empty, Python's
 * _idle_semaphore); only if there is none and fewer than max_workers run
 * does it start a worker, under `pool.mu`.
 *
 * Exit: workers are daemon tl_threads; the exit registry (exitreg.h) shuts
 * down and joins every live executor at process exit, Python's
 * _python_exit. */
#include "threadlab/executor.h"
#include "threadlab/thread.h"

#include "exitreg.h"
#include "pool.h"
#include "vg_annotate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TL__EXEC_PREFIX_MAX 48

struct tl_executor {
	struct tl__pool pool;
	/* idle: written by workers, CASed by submit while threads may still
	 * start; nthreads: written max_workers times, then read by every
	 * submit. Apart, so the workers' idle updates do not evict the line
	 * every submit reads (padding, not _Alignas: the struct is calloc'd). */
	_Atomic uint32_t idle;
	char pad_[64];
	_Atomic int nthreads;
	tl_thread_t *threads; /* max_workers; started under pool.mu */
	char prefix[TL__EXEC_PREFIX_MAX];
	struct tl__exitreg reg;
};

static _Atomic int exec_counter;

static void on_process_exit(struct tl__exitreg *r)
{
	tl_executor_shutdown(tl_container_of(r, tl_executor_t, reg), true, false);
}

/* ---- workers ---- */

int tl_executor_default_max_workers(void)
{
	int cpus = tl__pool_allowed_cpus();
	return cpus + 4 < 32 ? cpus + 4 : 32;
}

/* A map chunk: run fn over consecutive items, stop at the first failure. */
struct chunk {
	tl_task_fn fn;
	size_t count, ok;
	int error;
	void **args;    /* count */
	void **results; /* count */
};

static void run_chunk(struct chunk *c)
{
	for (size_t i = 0; i < c->count; i++) {
		c->results[i] = NULL; /* a failing item's payload: what it leaves here */
		int rc = c->fn(c->args[i], &c->results[i]);
		if (rc != 0) {
			c->error = rc;
			return;
		}
		c->ok++;
	}
}

static void run_item(tl_future_t *f)
{
	if (tl_future_set_running_or_notify_cancel(f) == 0) {
		if (f->task_ctx) {
			/* The chunk is already the future's owned value. */
			struct chunk *c = f->task_ctx;
			run_chunk(c);
			tl_future_set_result_owned(f, c, 0, free);
		} else {
			void *res = NULL;
			int rc = ((tl_task_fn)f->task_fn)(f->task_arg, &res);
			/* A failing task's exception object is its code and
			 * what it left in *result (Python keeps the exception
			 * it raised, not just its type). */
			if (rc == 0)
				tl_future_set_result(f, res);
			else
				tl_future_set_exception(f, rc, res);
		}
	}
	tl_future_unref(f); /* the executor's reference */
}

static void initializer_failed(tl_executor_t *ex, int rc)
{
	fprintf(stderr, "threadlab: ThreadPoolExecutor initializer failed: %s (%d); the pool is broken\n",
		tl_strerror(rc), rc);
	pthread_mutex_lock(&ex->pool.mu);
	atomic_store(&ex->pool.broken, 1);
	tl_queue_shutdown(&ex->pool.q, false); /* later submits fail (TL_EBROKEN) */
	tl__pool_drain(&ex->pool, TL_EBROKEN);
	pthread_mutex_unlock(&ex->pool.mu);
}

static void worker_main(void *arg)
{
	tl_executor_t *ex = arg;
	if (ex->pool.initializer) {
		int rc = ex->pool.initializer(ex->pool.initarg);
		if (rc != 0) {
			initializer_failed(ex, rc);
			return;
		}
	}
	for (;;) {
		void *item;
		int r = tl_queue_get_nowait(&ex->pool.q, &item);
		if (r == TL_EEMPTY) {
			/* Python's _idle_semaphore.release(): a token that lets
			 * a submit skip starting a thread. Once every worker
			 * runs, no submit starts one or looks at a token
			 * (adjust_thread_count), so none is counted. */
			if (atomic_load_explicit(&ex->nthreads, memory_order_relaxed) < ex->pool.max_workers)
				atomic_fetch_add_explicit(&ex->idle, 1, memory_order_relaxed);
			r = tl_queue_get(&ex->pool.q, &item, true, TL_FOREVER);
		}
		if (r != 0)
			return; /* shut down and drained */
		run_item(item);
	}
}

/* Python's _adjust_thread_count, submit's kick (pool.h). Returns TL_EAGAIN
 * only if no worker exists and none could be started. */
static int adjust_thread_count(struct tl__pool *p)
{
	tl_executor_t *ex = tl_container_of(p, tl_executor_t, pool);
	/* All workers started: nothing to decide (whether an idle token is
	 * taken or not, no thread starts). One load of a line that stays in
	 * every cache, instead of a CAS on the workers' idle count per task. */
	if (atomic_load_explicit(&ex->nthreads, memory_order_acquire) >= p->max_workers)
		return 0;
	uint32_t idle = atomic_load_explicit(&ex->idle, memory_order_relaxed);
	while (idle > 0)
		if (atomic_compare_exchange_weak_explicit(&ex->idle, &idle, idle - 1, memory_order_relaxed,
							  memory_order_relaxed))
			return 0;
	int rc = 0;
	pthread_mutex_lock(&p->mu);
	int n = atomic_load_explicit(&ex->nthreads, memory_order_relaxed);
	if (n < p->max_workers) {
		tl_thread_t *t = &ex->threads[n];
		char name[TL_THREAD_NAME_MAX];
		snprintf(name, sizeof name, "%s_%d", ex->prefix, n);
		int r = tl_thread_init(t, worker_main, ex, name);
		if (r == 0)
			r = tl_thread_set_daemon(t, true);
		if (r == 0)
			r = tl_thread_start(t);
		if (r == 0)
			atomic_store_explicit(&ex->nthreads, n + 1, memory_order_release);
		else if (n == 0)
			rc = TL_EAGAIN;
	}
	pthread_mutex_unlock(&p->mu);
	return rc;
}

/* ---- public ---- */

int tl_executor_create(tl_executor_t **out, const tl_executor_opts_t *opts)
{
	tl_executor_opts_t o = { .max_workers = TL_MAX_WORKERS_DEFAULT };
	if (opts)
		o = *opts;
	/* Python: max_workers <= 0 is a ValueError; None is the default. */
	if (!out || (o.max_workers <= 0 && o.max_workers != TL_MAX_WORKERS_DEFAULT))
		return TL_EINVAL;
	tl_executor_t *ex = calloc(1, sizeof *ex);
	if (!ex)
		return TL_ENOMEM;
	int max = o.max_workers == TL_MAX_WORKERS_DEFAULT ? tl_executor_default_max_workers() : o.max_workers;
	ex->threads = calloc((size_t)max, sizeof *ex->threads);
	int r = ex->threads ? tl__pool_init(&ex->pool, max, o.initializer, o.initarg) : TL_ENOMEM;
	if (r != 0) {
		free(ex->threads);
		free(ex);
		return r;
	}
	atomic_init(&ex->idle, 0);
	atomic_init(&ex->nthreads, 0);
	/* Helgrind/DRD: atomics they see as racing plain accesses (cannot race) */
	TL__VG_IGNORE(&ex->idle, sizeof ex->idle);
	TL__VG_IGNORE(&ex->nthreads, sizeof ex->nthreads);
	if (o.thread_name_prefix && *o.thread_name_prefix)
		snprintf(ex->prefix, sizeof ex->prefix, "%s", o.thread_name_prefix);
	else
		snprintf(ex->prefix, sizeof ex->prefix, "ThreadPoolExecutor-%d", atomic_fetch_add(&exec_counter, 1));
	ex->reg.on_exit = on_process_exit;
	r = tl__exitreg_add(&ex->reg); /* TL_ESHUTDOWN once exiting */
	if (r != 0) {
		tl__pool_fini(&ex->pool);
		free(ex->threads);
		free(ex);
		return r;
	}
	*out = ex;
	return 0;
}

int tl_executor_submit(tl_executor_t *ex, tl_task_fn fn, void *arg, tl_future_t **out)
{
	if (!ex || !fn)
		return TL_EINVAL;
	if (atomic_load_explicit(&ex->pool.broken, memory_order_relaxed))
		return TL_EBROKEN;
	tl_future_t *f;
	int r = tl_future_create(&f);
	if (r != 0)
		return r;
	f->task_fn = (void (*)(void))fn;
	f->task_arg = arg;
	return tl__pool_submit(&ex->pool, f, adjust_thread_count, out);
}

static int submit_chunk(tl_executor_t *ex, tl_task_fn fn, void *const *args, size_t count, tl_future_t **out)
{
	if (atomic_load_explicit(&ex->pool.broken, memory_order_relaxed))
		return TL_EBROKEN;
	struct chunk *c = malloc(sizeof *c + 2 * count * sizeof(void *));
	if (!c)
		return TL_ENOMEM;
	c->fn = fn;
	c->count = count;
	c->ok = 0;
	c->error = 0;
	c->args = (void **)(c + 1);
	c->results = c->args + count;
	memcpy(c->args, args, count * sizeof(void *)); /* the caller's array may go */
	tl_future_t *f;
	int r = tl__pool_future(&f, c);
	if (r != 0)
		return r;
	f->task_ctx = c;
	return tl__pool_submit(&ex->pool, f, adjust_thread_count, out);
}

struct exec_map {
	struct tl__map m;
	tl_executor_t *ex;
	tl_task_fn fn;
	void *const *args;
	void **results;
};

static int map_submit(struct tl__map *m, size_t first, size_t count, bool chunk, tl_future_t **out)
{
	struct exec_map *x = tl_container_of(m, struct exec_map, m);
	if (!chunk)
		return tl_executor_submit(x->ex, x->fn, x->args[first], out);
	return submit_chunk(x->ex, x->fn, x->args + first, count, out);
}

static int map_collect(struct tl__map *m, tl_future_t *f, const void *data, bool chunk, size_t *done,
		       tl_future_error_t *item_error)
{
	struct exec_map *x = tl_container_of(m, struct exec_map, m);
	(void)f;
	if (!chunk) {
		x->results[(*done)++] = (void *)data;
		return 0;
	}
	const struct chunk *c = data;
	memcpy(x->results + *done, c->results, c->ok * sizeof(void *));
	*done += c->ok;
	if (c->error) {
		item_error->code = c->error;
		item_error->payload = c->results[c->ok];
	}
	return 0;
}

int tl_executor_map(tl_executor_t *ex, tl_task_fn fn, void *const *args, size_t n, void **results,
		    double timeout, size_t chunksize, tl_map_info_t *info)
{
	struct exec_map x = { { map_submit, map_collect, false }, ex, fn, args, results };
	return tl__pool_map(&x.m, ex && fn && (!n || (args && results)), n, timeout, chunksize, info);
}

static void join_workers(tl_executor_t *ex)
{
	tl_thread_t *self = tl_thread_current();
	/* Re-read the count: a submit that got in before the shutdown may start
	 * one more worker. */
	for (int i = 0; i < atomic_load_explicit(&ex->nthreads, memory_order_acquire); i++)
		if (&ex->threads[i] != self)
			tl_thread_join(&ex->threads[i], TL_FOREVER);
}

int tl_executor_shutdown(tl_executor_t *ex, bool wait, bool cancel_futures)
{
	if (!ex)
		return TL_EINVAL;
	tl__pool_shutdown(&ex->pool, cancel_futures);
	if (wait)
		join_workers(ex);
	return 0;
}

int tl_executor_destroy(tl_executor_t *ex)
{
	if (!ex)
		return TL_EINVAL;
	tl_thread_t *self = tl_thread_current();
	for (int i = 0; i < atomic_load(&ex->nthreads); i++)
		if (&ex->threads[i] == self)
			return TL_EDEADLK;
	tl_executor_shutdown(ex, true, false);
	if (!tl__exitreg_remove(&ex->reg))
		return 0; /* the exit handler is using it: the process is exiting */
	tl__pool_fini(&ex->pool); /* cancels what is left: only if no worker ever started */
	free(ex->threads);
	free(ex);
	return 0;
}

int tl_executor_max_workers(const tl_executor_t *ex)
{
	return ex->pool.max_workers;
}

int tl_executor_num_threads(tl_executor_t *ex)
{
	return atomic_load(&ex->nthreads);
}

bool tl_executor_broken(tl_executor_t *ex)
{
	return atomic_load(&ex->pool.broken) != 0;
}

/* Test hook (not in the header): idle tokens, i.e. workers known idle. */
int tl__executor_idle(tl_executor_t *ex);
int tl__executor_idle(tl_executor_t *ex)
{
	return (int)atomic_load(&ex->idle);
}
