/* concurrent.futures.ThreadPoolExecutor (Lib/concurrent/futures/thread.py).
 *
 * The work queue is a tl_queue of futures (the work item lives in the
 * future: fn, arg, and for map chunks a chunk record). The executor holds
 * one reference on each queued future, dropped by the worker after running
 * it, or by whoever drains it (cancel_futures, a broken pool, destroy).
 * Shutdown is the queue's shutdown: submits fail from that instant, workers
 * drain what is queued and exit on TL_ESHUTDOWN (no sentinel items).
 *
 * Lazy workers, as Python: a submit first tries to take an "idle" token
 * (a worker adds one each time it finds the queue empty, Python's
 * _idle_semaphore); only if there is none and fewer than max_workers run
 * does it start a worker, under `mu`.
 *
 * Exit: workers are daemon tl_threads; the exit registry (exitreg.h) shuts
 * down and joins every live executor at process exit, Python's
 * _python_exit. */
#include "threadlab/executor.h"
#include "threadlab/queue.h"
#include "threadlab/thread.h"

#include "exitreg.h"
#include "future_impl.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TL__EXEC_PREFIX_MAX 48

struct tl_executor {
	tl_queue_t q;
	_Atomic uint32_t idle;
	_Atomic int broken;
	_Atomic int nthreads;
	int max_workers;
	int (*initializer)(void *);
	void *initarg;
	pthread_mutex_t mu; /* thread creation, shutdown, breakage */
	tl_thread_t *threads;
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
	cpu_set_t set;
	int cpus = 1;
	if (sched_getaffinity(0, sizeof set, &set) == 0)
		cpus = CPU_COUNT(&set);
	if (cpus < 1)
		cpus = 1;
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
			if (rc == 0)
				tl_future_set_result(f, res);
			else
				tl_future_set_exception(f, rc);
		}
	}
	tl_future_release(f); /* the executor's reference */
}

/* Empty the queue (it is shut down): fail or cancel what was not started. */
static void drain(tl_executor_t *ex, int error)
{
	void *item;
	while (tl_queue_get_nowait(&ex->q, &item) == 0) {
		tl_future_t *f = item;
		if (error)
			tl_future_set_exception(f, error); /* TL_ESTATE if cancelled: fine */
		else
			tl_future_cancel(f);
		tl_future_release(f);
	}
}

static void initializer_failed(tl_executor_t *ex, int rc)
{
	fprintf(stderr, "threadlab: ThreadPoolExecutor initializer failed: %s (%d); the pool is broken\n",
		tl_strerror(rc), rc);
	pthread_mutex_lock(&ex->mu);
	atomic_store(&ex->broken, 1);
	tl_queue_shutdown(&ex->q, false); /* later submits fail (TL_EBROKEN) */
	drain(ex, TL_EBROKEN);
	pthread_mutex_unlock(&ex->mu);
}

static void worker_main(void *arg)
{
	tl_executor_t *ex = arg;
	if (ex->initializer) {
		int rc = ex->initializer(ex->initarg);
		if (rc != 0) {
			initializer_failed(ex, rc);
			return;
		}
	}
	for (;;) {
		void *item;
		int r = tl_queue_get_nowait(&ex->q, &item);
		if (r == TL_EEMPTY) {
			atomic_fetch_add_explicit(&ex->idle, 1, memory_order_relaxed);
			r = tl_queue_get(&ex->q, &item, true, TL_FOREVER);
		}
		if (r != 0)
			return; /* shut down and drained */
		run_item(item);
	}
}

/* Python's _adjust_thread_count. Returns TL_EAGAIN only if no worker exists
 * and none could be started. */
static int adjust_thread_count(tl_executor_t *ex)
{
	uint32_t idle = atomic_load_explicit(&ex->idle, memory_order_relaxed);
	while (idle > 0)
		if (atomic_compare_exchange_weak_explicit(&ex->idle, &idle, idle - 1, memory_order_relaxed,
							  memory_order_relaxed))
			return 0;
	if (atomic_load_explicit(&ex->nthreads, memory_order_acquire) >= ex->max_workers)
		return 0;
	int rc = 0;
	pthread_mutex_lock(&ex->mu);
	int n = atomic_load_explicit(&ex->nthreads, memory_order_relaxed);
	if (n < ex->max_workers) {
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
	pthread_mutex_unlock(&ex->mu);
	return rc;
}

/* Queue f (taking the executor's reference) and make sure a worker will
 * run it. */
static int enqueue(tl_executor_t *ex, tl_future_t *f)
{
	tl_future_retain(f);
	int r = tl_queue_put_nowait(&ex->q, f);
	if (r != 0) {
		tl_future_release(f);
		return (r == TL_ESHUTDOWN && atomic_load(&ex->broken)) ? TL_EBROKEN : r;
	}
	r = adjust_thread_count(ex);
	if (r != 0)
		tl_future_cancel(f); /* stays queued until drained: never runs */
	return r;
}

/* ---- public ---- */

int tl_executor_create(tl_executor_t **out, const tl_executor_opts_t *opts)
{
	tl_executor_opts_t o = { 0 };
	if (opts)
		o = *opts;
	if (!out || o.max_workers < 0)
		return TL_EINVAL;
	tl_executor_t *ex = calloc(1, sizeof *ex);
	if (!ex)
		return TL_ENOMEM;
	ex->max_workers = o.max_workers ? o.max_workers : tl_executor_default_max_workers();
	ex->threads = calloc((size_t)ex->max_workers, sizeof *ex->threads);
	int r = ex->threads ? tl_queue_init(&ex->q, TL_QUEUE_FIFO, 0) : TL_ENOMEM;
	if (r != 0) {
		free(ex->threads);
		free(ex);
		return r;
	}
	atomic_init(&ex->idle, 0);
	atomic_init(&ex->broken, 0);
	atomic_init(&ex->nthreads, 0);
	ex->initializer = o.initializer;
	ex->initarg = o.initarg;
	pthread_mutex_init(&ex->mu, NULL);
	if (o.thread_name_prefix && *o.thread_name_prefix)
		snprintf(ex->prefix, sizeof ex->prefix, "%s", o.thread_name_prefix);
	else
		snprintf(ex->prefix, sizeof ex->prefix, "ThreadPoolExecutor-%d", atomic_fetch_add(&exec_counter, 1));
	ex->reg.on_exit = on_process_exit;
	r = tl__exitreg_add(&ex->reg); /* TL_ESHUTDOWN once exiting */
	if (r != 0) {
		tl_queue_destroy(&ex->q);
		pthread_mutex_destroy(&ex->mu);
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
	if (atomic_load_explicit(&ex->broken, memory_order_relaxed))
		return TL_EBROKEN;
	tl_future_t *f;
	int r = tl_future_create(&f);
	if (r != 0)
		return r;
	f->task_fn = (void (*)(void))fn;
	f->task_arg = arg;
	r = enqueue(ex, f);
	if (r != 0) {
		tl_future_release(f);
		return r;
	}
	if (out)
		*out = f;
	else
		tl_future_release(f);
	return 0;
}

static int submit_chunk(tl_executor_t *ex, tl_task_fn fn, void *const *args, size_t count, tl_future_t **out)
{
	if (atomic_load_explicit(&ex->broken, memory_order_relaxed))
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
	int r = tl_future_create(&f);
	if (r != 0) {
		free(c);
		return r;
	}
	/* Owned by the future from now on, whether it runs or is cancelled. */
	f->value = c;
	f->free_value = free;
	f->task_ctx = c;
	r = enqueue(ex, f);
	if (r != 0) {
		tl_future_release(f);
		return r;
	}
	*out = f;
	return 0;
}

int tl_executor_map(tl_executor_t *ex, tl_task_fn fn, void *const *args, size_t n, void **results,
		    double timeout, size_t chunksize, tl_map_info_t *info)
{
	tl_map_info_t dummy;
	if (!info)
		info = &dummy;
	info->completed = 0;
	info->task_error = 0;
	if (!ex || !fn || (n && (!args || !results)) || timeout != timeout || (timeout < 0 && timeout != TL_FOREVER))
		return TL_EINVAL;
	if (n == 0)
		return 0;
	struct timespec ts;
	const struct timespec *deadline = tl_deadline(&ts, timeout); /* from the call, as Python */
	size_t per = chunksize > 1 ? chunksize : 1;
	size_t nf = (n + per - 1) / per;
	tl_future_t **fs = malloc(nf * sizeof *fs);
	if (!fs)
		return TL_ENOMEM;
	int r = 0;
	size_t submitted = 0;
	for (; submitted < nf; submitted++) {
		size_t first = submitted * per;
		size_t count = n - first < per ? n - first : per;
		if (per == 1)
			r = tl_executor_submit(ex, fn, args[first], &fs[submitted]);
		else
			r = submit_chunk(ex, fn, args + first, count, &fs[submitted]);
		if (r != 0)
			break;
	}
	size_t done = 0, k = 0;
	if (r == 0) {
		for (; k < nf; k++) {
			void *v;
			r = tl_future_result_until(fs[k], deadline, &v);
			if (per == 1) {
				if (r == 0)
					results[done++] = v;
				else if (r == TL_ETASK)
					tl_future_exception(fs[k], 0, &info->task_error);
			} else if (r == 0) {
				struct chunk *c = v;
				memcpy(results + done, c->results, c->ok * sizeof(void *));
				done += c->ok;
				if (c->error) {
					info->task_error = c->error;
					r = TL_ETASK;
				}
			}
			if (r != 0)
				break;
		}
	}
	/* Python's map generator: on the way out (a failure, a timeout) cancel
	 * from the one that failed on; cancel is a no-op on done or running
	 * futures. k == nf when all succeeded. */
	tl__futures_drop_from(fs, submitted, k);
	info->completed = done;
	return r;
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
	pthread_mutex_lock(&ex->mu);
	tl_queue_shutdown(&ex->q, false);
	if (cancel_futures)
		drain(ex, 0);
	pthread_mutex_unlock(&ex->mu);
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
	drain(ex, 0); /* only if no worker ever started */
	tl_queue_destroy(&ex->q);
	pthread_mutex_destroy(&ex->mu);
	free(ex->threads);
	free(ex);
	return 0;
}

int tl_executor_max_workers(const tl_executor_t *ex)
{
	return ex->max_workers;
}

int tl_executor_num_threads(tl_executor_t *ex)
{
	return atomic_load(&ex->nthreads);
}

bool tl_executor_broken(tl_executor_t *ex)
{
	return atomic_load(&ex->broken) != 0;
}

/* Test hook (not in the header): idle tokens, i.e. workers known idle. */
int tl__executor_idle(tl_executor_t *ex);
int tl__executor_idle(tl_executor_t *ex)
{
	return (int)atomic_load(&ex->idle);
}
