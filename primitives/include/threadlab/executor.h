/* threadlab/executor.h — concurrent.futures.ThreadPoolExecutor.
 *
 * Example (compiled and run by tests/api):
 *
 *   #include <stdint.h>
 *
 *   static int square(void *arg, void **result)      // def square(x): return x * x
 *   {
 *       uintptr_t x = (uintptr_t)arg;
 *       if (x > 1000) {
 *           *result = "too big";                     // the exception's payload
 *           return TL_EINVAL;                        // raise ValueError("too big")
 *       }
 *       *result = (void *)(x * x);
 *       return 0;
 *   }
 *
 *   int main(void)
 *   {
 *       tl_executor_t *ex;                           // ThreadPoolExecutor(max_workers=2)
 *       tl_executor_opts_t o = { .max_workers = 2 }; // or NULL: the defaults
 *       if (tl_executor_create(&ex, &o) != 0)
 *           return 1;
 *       tl_future_t *f, *g;
 *       tl_executor_submit(ex, square, (void *)7, &f);
 *       tl_executor_submit(ex, square, (void *)5000, &g);
 *       void *res = NULL;
 *       int r = tl_future_result(f, TL_FOREVER, &res);     // 49
 *       tl_future_error_t e;
 *       int t = tl_future_result(g, TL_FOREVER, NULL);     // TL_ETASK
 *       tl_future_exception(g, TL_FOREVER, &e);            // e.code TL_EINVAL, e.payload "too big"
 *       void *args[] = { (void *)1, (void *)2, (void *)3 }, *out[3];
 *       int m = tl_executor_map(ex, square, args, 3, out, TL_FOREVER, 1, NULL); // list(map(...))
 *       tl_future_unref(f);
 *       tl_future_unref(g);
 *       tl_executor_destroy(ex);                     // shutdown(wait=True), free
 *       return r == 0 && (uintptr_t)res == 49 && t == TL_ETASK && e.code == TL_EINVAL &&
 *              m == 0 && (uintptr_t)out[2] == 9 ? 0 : 1;
 *   }
 *
 * A task returns 0 and sets *result, or raises: returns a non-zero error
 * code, and what it left in *result (NULL before the call) is the
 * exception's payload (tl_future_result gives TL_ETASK, tl_future_exception
 * the code and the payload: future.h).
 *
 * Python's behaviour, decisions marked *:
 *   - max_workers TL_MAX_WORKERS_DEFAULT (Python's None; also opts NULL):
 *     min(32, allowed CPUs + 4) (sched_getaffinity, as 3.13's
 *     os.process_cpu_count()); 0 or another negative: TL_EINVAL
 *     (ValueError).
 *   - workers start lazily: a submit starts one when no worker is idle,
 *     up to max_workers; they are then reused. Named "<prefix>_<i>"; the
 *     default prefix is "ThreadPoolExecutor-<n>", n counting executors.
 *   - initializer(initarg) runs first in every worker; if it fails (returns
 *     non-zero) the pool is broken (BrokenThreadPool): pending futures fail
 *     with TL_EBROKEN and later submits return TL_EBROKEN.
 *   - submit after shutdown: TL_ESHUTDOWN (RuntimeError).
 *   - shutdown(wait, cancel_futures): no new tasks; cancel_futures cancels
 *     the ones not started; wait joins the workers (the tasks already queued
 *     still run unless cancelled). Idempotent; from inside a task it does not
 *     join the calling worker.
 *   - * workers are daemon threads; an atexit handler shuts down and joins
 *     every executor still alive (Python's _python_exit), so queued tasks
 *     finish at process exit and a forgotten executor does not hang it.
 *   - * map takes chunksize (Python ignores it for threads): with
 *     chunksize > 1 each task runs a chunk of consecutive items, fewer
 *     futures for many small tasks.
 *
 * Lifetime: the executor is heap-allocated; tl_executor_destroy() shuts it
 * down waiting for the workers, then frees it (never from one of its own
 * tasks: TL_EDEADLK). Futures outlive it (refcounted, see future.h).
 */
#ifndef THREADLAB_EXECUTOR_H
#define THREADLAB_EXECUTOR_H

#include "threadlab/common.h"
#include "threadlab/future.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef int (*tl_task_fn)(void *arg, void **result);

typedef struct tl_executor tl_executor_t;

/* max_workers of an executor or process pool: the default (Python's None). */
#define TL_MAX_WORKERS_DEFAULT (-1)

typedef struct tl_executor_opts {
	int max_workers;                /* >= 1, or TL_MAX_WORKERS_DEFAULT */
	const char *thread_name_prefix; /* NULL or "": "ThreadPoolExecutor-<n>" */
	int (*initializer)(void *initarg);
	void *initarg;
} tl_executor_opts_t;

int tl_executor_create(tl_executor_t **out, const tl_executor_opts_t *opts /* NULL: defaults */);

/* *out (may be NULL: fire and forget) gets one reference to the future.
 * TL_ESHUTDOWN, TL_EBROKEN, TL_ENOMEM, TL_EAGAIN (no worker could be
 * started and none exists: the task will not run). */
int tl_executor_submit(tl_executor_t *ex, tl_task_fn fn, void *arg, tl_future_t **out);

/* Executor.map: runs fn(args[i], &results[i]) for i in [0, n) and collects
 * the results in submission order, within timeout seconds (TL_FOREVER, or
 * seconds counted from the call; a negative timeout or NaN polls, as
 * Python's). Returns 0 when all succeeded; otherwise the first failure in
 * order: TL_ETASK (info has the task's code and payload), TL_ETIMEDOUT,
 * TL_ECANCELLED, TL_EBROKEN, TL_ESHUTDOWN, TL_ENOMEM. On failure the later
 * tasks not yet started are cancelled and results[i] is valid for
 * i < info->completed. Tasks already running keep running: keep what args
 * point to alive until they finish (e.g. until shutdown(wait)). */
typedef struct tl_map_info {
	size_t completed;        /* leading results filled */
	int task_error;          /* the failing task's code when TL_ETASK */
	void *task_payload;      /* its payload: tl_executor_map: what it left in its result slot;
				  * tl_procpool_map: a malloc'd copy of its bytes, the caller frees it */
	size_t task_payload_len; /* tl_procpool_map: the payload's bytes */
} tl_map_info_t;
int tl_executor_map(tl_executor_t *ex, tl_task_fn fn, void *const *args, size_t n, void **results,
		    double timeout, size_t chunksize /* 0 or 1: one task per item */, tl_map_info_t *info);

/* shutdown(wait, cancel_futures) as above; destroy: shutdown(wait) and
 * free (TL_EDEADLK from one of its own tasks). */
int tl_executor_shutdown(tl_executor_t *ex, bool wait, bool cancel_futures);
int tl_executor_destroy(tl_executor_t *ex);

/* max_workers as created; worker threads started so far; whether the pool
 * is broken (an initializer failed). Snapshots. */
int tl_executor_max_workers(const tl_executor_t *ex);
int tl_executor_num_threads(tl_executor_t *ex);
bool tl_executor_broken(tl_executor_t *ex);

/* min(32, allowed CPUs + 4): the default max_workers. */
int tl_executor_default_max_workers(void);

#ifdef __cplusplus
}
#endif
#endif
