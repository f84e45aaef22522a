/* ThreadPoolExecutor, modelled on CPython's
 * Lib/test/test_concurrent_futures/{test_thread_pool,test_shutdown,
 * executor,test_init}.py: submit/result, map order, timeouts and chunks,
 * exceptions, shutdown(wait, cancel_futures), lazy and reused workers,
 * names, initializer failure breaking the pool, callbacks, exit handling.
 *
 * Tasks that must be "in progress" block on a gate (gate.h) the test opens;
 * "the worker is idle" is observed through the executor's idle count (a
 * test hook). No sleeps. */
#include "gate.h"
#include "pool_util.h"
#include "task.h"
#include "threadlab/executor.h"
#include "threadlab/thread.h"

#include <dirent.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/wait.h>

#define V(x) ((void *)(uintptr_t)(x))
#define U(p) ((uintptr_t)(p))

int tl__executor_idle(tl_executor_t *ex);

static int square(void *arg, void **result)
{
	*result = V(U(arg) * U(arg));
	return 0;
}

/* "raise ValueError(msg)": the code and the exception object, left in
 * *result, both reach the caller (Python keeps the exception itself). */
static const char msg7[] = "seven is bad";
static int fail_on_7(void *arg, void **result)
{
	ASSERT_NULL(*result); /* NULL before the call: no stale payload */
	if (U(arg) == 7) {
		*result = (void *)msg7;
		return -77;
	}
	*result = arg;
	return 0;
}

/* A task whose own code is TL_EBROKEN: its exception, not a broken pool. */
static int raises_ebroken(void *arg, void **result)
{
	(void)arg;
	(void)result;
	return TL_EBROKEN;
}

PU_POOL_CONSTRUCTORS(tl_executor_t, tl_executor_opts_t, tl_executor_create)

/* Submit fn(arg), which must be accepted; returns its future. */
static tl_future_t *submit(tl_executor_t *ex, tl_task_fn fn, void *arg)
{
	tl_future_t *f;
	ASSERT_OK(tl_executor_submit(ex, fn, arg, &f));
	return f;
}

static gate_t *the_gate;
static _Atomic int started;

static int gated(void *arg, void **result)
{
	atomic_fetch_add(&started, 1);
	gate_wait(the_gate);
	*result = arg;
	return 0;
}

static void wait_started(int n)
{
	while (atomic_load(&started) < n)
		sched_yield();
}

/* An executor made with o, whose gated() tasks wait on g (closed); none
 * started yet. */
static tl_executor_t *gated_executor(gate_t *g, tl_executor_opts_t o)
{
	the_gate = g;
	atomic_store(&started, 0);
	return pool_with(o);
}

TEST_IMPL(submit_and_result)
{
	tl_executor_t *ex = new_pool(TL_MAX_WORKERS_DEFAULT);
	tl_future_t *f = submit(ex, square, V(8));
	void *v;
	ASSERT_OK(tl_future_result(f, TL_FOREVER, &v));
	ASSERT_EQ(U(v), 64);
	ASSERT(tl_future_done(f));
	ASSERT_OK(tl_future_unref(f));
	ASSERT_OK(tl_executor_submit(ex, square, V(3), NULL)); /* fire and forget */
	ASSERT_EQ(tl_executor_submit(ex, NULL, NULL, &f), TL_EINVAL);
	ASSERT_OK(tl_executor_destroy(ex));
	return 0;
}

TEST_IMPL(exception_propagates)
{
	tl_executor_t *ex = new_pool(TL_MAX_WORKERS_DEFAULT);
	tl_future_t *f = submit(ex, fail_on_7, V(7));
	void *v;
	tl_future_error_t err;
	ASSERT_EQ(tl_future_result(f, TL_FOREVER, &v), TL_ETASK);
	ASSERT_OK(tl_future_exception(f, TL_FOREVER, &err));
	ASSERT_EQ(err.code, -77);
	ASSERT(err.payload == msg7);
	ASSERT_FALSE(err.broken);
	ASSERT_OK(tl_future_unref(f));
	/* CPython: a task's exception is whatever it raised, even an exception
	 * type the pool itself uses; only a broken pool is BrokenThreadPool */
	f = submit(ex, raises_ebroken, NULL);
	ASSERT_EQ(tl_future_result(f, TL_FOREVER, &v), TL_ETASK);
	ASSERT_OK(tl_future_exception(f, 0, &err));
	ASSERT_EQ(err.code, TL_EBROKEN);
	ASSERT_FALSE(err.broken);
	ASSERT_FALSE(tl_executor_broken(ex));
	ASSERT_OK(tl_future_unref(f));
	/* the worker survives a failing task */
	f = submit(ex, fail_on_7, V(6));
	ASSERT_OK(tl_future_result(f, TL_FOREVER, &v));
	ASSERT_EQ(U(v), 6);
	ASSERT_OK(tl_future_unref(f));
	ASSERT_OK(tl_executor_destroy(ex));
	return 0;
}

TEST_IMPL(max_workers)
{
	cpu_set_t set;
	ASSERT_OK(sched_getaffinity(0, sizeof set, &set));
	int want = CPU_COUNT(&set) + 4 < 32 ? CPU_COUNT(&set) + 4 : 32;
	ASSERT_EQ(tl_executor_default_max_workers(), want);
	tl_executor_t *ex;
	ASSERT_OK(tl_executor_create(&ex, NULL));
	ASSERT_EQ(tl_executor_max_workers(ex), want);
	ASSERT_OK(tl_executor_destroy(ex));
	/* CPython test_max_workers_negative / ValueError for 0: the default is
	 * asked for explicitly (None there), never by 0 */
	tl_executor_opts_t o = { .max_workers = 0 };
	ASSERT_EQ(tl_executor_create(&ex, &o), TL_EINVAL);
	o.max_workers = -2;
	ASSERT_EQ(tl_executor_create(&ex, &o), TL_EINVAL);
	o.max_workers = TL_MAX_WORKERS_DEFAULT;
	ASSERT_OK(tl_executor_create(&ex, &o));
	ASSERT_EQ(tl_executor_max_workers(ex), want);
	ASSERT_OK(tl_executor_destroy(ex));
	o.max_workers = 3;
	ASSERT_OK(tl_executor_create(&ex, &o));
	ASSERT_EQ(tl_executor_max_workers(ex), 3);
	ASSERT_OK(tl_executor_destroy(ex));
	return 0;
}

/* ---- map ---- */

TEST_IMPL(map_in_order)
{
	enum { N = 1000 };
	static void *args[N], *res[N];
	/* 200 under valgrind: chunks 0-64 still split it, 999 and up do not */
	const int n = (int)tl_test_iters(N, 200);
	for (int i = 0; i < n; i++)
		args[i] = V(i);
	tl_executor_t *ex = new_pool(4);
	static const size_t chunks[] = { 0, 1, 3, 64, 999, 1000, 5000 };
	for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
		memset(res, 0, sizeof res);
		tl_map_info_t info;
		ASSERT_OK(tl_executor_map(ex, square, args, n, res, TL_FOREVER, chunks[c], &info));
		ASSERT_EQ(info.completed, n);
		for (int i = 0; i < n; i++)
			ASSERT_EQ(U(res[i]), (uintptr_t)i * i);
	}
	ASSERT_OK(tl_executor_map(ex, square, NULL, 0, NULL, TL_FOREVER, 1, NULL)); /* empty */
	ASSERT_OK(tl_executor_destroy(ex));
	return 0;
}

TEST_IMPL(map_exception)
{
	enum { N = 20 };
	void *args[N], *res[N];
	for (int i = 0; i < N; i++)
		args[i] = V(i);
	tl_executor_t *ex = new_pool(TL_MAX_WORKERS_DEFAULT);
	for (size_t chunk = 1; chunk <= 4; chunk += 3) {
		tl_map_info_t info;
		ASSERT_EQ(tl_executor_map(ex, fail_on_7, args, N, res, TL_FOREVER, chunk, &info), TL_ETASK);
		ASSERT_EQ(info.task_error, -77);
		ASSERT(info.task_payload == msg7); /* the exception object, chunked or not */
		ASSERT_EQ(info.completed, 7); /* the ones before the failing item */
		for (int i = 0; i < 7; i++)
			ASSERT_EQ(U(res[i]), i);
	}
	ASSERT_OK(tl_executor_destroy(ex));
	return 0;
}

TEST_IMPL(map_timeout)
{
	/* CPython test_map_timeout: a blocked task makes map time out, and
	 * map cancels what has not started. The blocker runs before map is
	 * called (it holds the only worker, seen started), so none of map's
	 * tasks can start before the timeout, however slowly the worker thread
	 * gets a CPU: all three are cancelled, whatever the schedule. (With
	 * map's own first task as the blocker, whether it had started by the
	 * 10 ms timeout was up to the scheduler: 1 run in 50 under load.) */
	gate_t g = GATE_INIT;
	tl_executor_t *ex = gated_executor(&g, (tl_executor_opts_t){ .max_workers = 1 });
	tl_future_t *blocker = submit(ex, gated, V(0));
	wait_started(1);
	void *args[3] = { V(1), V(2), V(3) }, *res[3], *v;
	tl_map_info_t info;
	ASSERT_EQ(tl_executor_map(ex, gated, args, 3, res, 0.01, 1, &info), TL_ETIMEDOUT);
	ASSERT_EQ(info.completed, 0);
	gate_open(&g); /* the blocker finishes, map's three were cancelled */
	ASSERT_OK(tl_future_result(blocker, TL_FOREVER, &v));
	tl_future_unref(blocker);
	ASSERT_OK(tl_executor_shutdown(ex, true, false));
	ASSERT_EQ(atomic_load(&started), 1);
	ASSERT_OK(tl_executor_destroy(ex));
	ASSERT_EQ(tl_executor_map(NULL, square, args, 3, res, TL_FOREVER, 1, NULL), TL_EINVAL);
	return 0;
}

TEST_IMPL(map_negative_timeout_polls)
{
	/* CPython's map: `fs.pop().result(end_time - time.monotonic())`, and
	 * Future.result polls for a negative timeout: TimeoutError, not
	 * ValueError; a map whose results are ready succeeds at once. */
	gate_t g = GATE_INIT;
	tl_executor_t *ex = gated_executor(&g, (tl_executor_opts_t){ .max_workers = 1 });
	void *args[3] = { V(1), V(2), V(3) }, *res[3];
	tl_map_info_t info;
	ASSERT_EQ(tl_executor_map(ex, gated, args, 3, res, -1.5, 1, &info), TL_ETIMEDOUT);
	ASSERT_EQ(info.completed, 0);
	gate_open(&g);
	ASSERT_OK(tl_executor_shutdown(ex, true, false));
	ASSERT_OK(tl_executor_destroy(ex));
	return 0;
}

/* ---- shutdown ---- */

static _Atomic int counter;
static int count_task(void *arg, void **result)
{
	(void)arg;
	atomic_fetch_add(&counter, 1);
	*result = NULL;
	return 0;
}

/* A pool of max_workers with n count_task()s queued, counter reset. */
static tl_executor_t *queue_counts(int max_workers, int n)
{
	atomic_store(&counter, 0);
	tl_executor_t *ex = new_pool(max_workers);
	for (int i = 0; i < n; i++)
		ASSERT_OK(tl_executor_submit(ex, count_task, NULL, NULL));
	return ex;
}

TEST_IMPL(shutdown_waits_and_refuses)
{
	tl_executor_t *ex = queue_counts(3, 500);
	ASSERT_OK(tl_executor_shutdown(ex, true, false));
	ASSERT_EQ(atomic_load(&counter), 500); /* all queued work ran */
	tl_future_t *f = NULL;
	ASSERT_EQ(tl_executor_submit(ex, count_task, NULL, &f), TL_ESHUTDOWN); /* RuntimeError */
	ASSERT_NULL(f);
	void *args[1] = { NULL }, *res[1];
	ASSERT_EQ(tl_executor_map(ex, count_task, args, 1, res, TL_FOREVER, 1, NULL), TL_ESHUTDOWN);
	ASSERT_OK(tl_executor_shutdown(ex, true, false)); /* idempotent */
	ASSERT_LE(tl_executor_num_threads(ex), 3);
	ASSERT_OK(tl_executor_destroy(ex));
	return 0;
}

TEST_IMPL(shutdown_no_wait_then_destroy)
{
	tl_executor_t *ex = queue_counts(TL_MAX_WORKERS_DEFAULT, 100);
	ASSERT_OK(tl_executor_shutdown(ex, false, false)); /* returns at once */
	ASSERT_OK(tl_executor_destroy(ex));                /* joins */
	ASSERT_EQ(atomic_load(&counter), 100);
	return 0;
}

TEST_IMPL(shutdown_cancel_futures)
{
	/* CPython test_cancel_futures: the running task finishes, the queued
	 * ones are cancelled */
	gate_t g = GATE_INIT;
	tl_executor_t *ex = gated_executor(&g, (tl_executor_opts_t){ .max_workers = 1 });
	enum { N = 10 };
	tl_future_t *fs[N];
	for (int i = 0; i < N; i++)
		fs[i] = submit(ex, gated, V(i));
	wait_started(1);
	ASSERT_OK(tl_executor_shutdown(ex, false, true));
	for (int i = 1; i < N; i++)
		ASSERT(tl_future_cancelled(fs[i]));
	ASSERT(tl_future_running(fs[0]));
	gate_open(&g);
	void *v;
	ASSERT_OK(tl_future_result(fs[0], TL_FOREVER, &v));
	ASSERT_EQ(U(v), 0);
	ASSERT_EQ(tl_future_result(fs[5], 0, &v), TL_ECANCELLED);
	ASSERT_OK(tl_executor_destroy(ex));
	ASSERT_EQ(atomic_load(&started), 1);
	for (int i = 0; i < N; i++)
		tl_future_unref(fs[i]);
	return 0;
}

static tl_executor_t *self_ex;
static _Atomic int self_result = 1;
static int shutdown_from_task(void *arg, void **result)
{
	(void)arg;
	*result = NULL;
	/* wait=true from inside: must not join the calling worker */
	ASSERT_OK(tl_executor_shutdown(self_ex, true, false));
	atomic_store(&self_result, tl_executor_destroy(self_ex));
	return 0;
}

TEST_IMPL(shutdown_from_inside_a_task)
{
	ASSERT_OK(tl_executor_create(&self_ex, NULL));
	tl_future_t *f = submit(self_ex, shutdown_from_task, NULL);
	ASSERT_OK(tl_future_result(f, TL_FOREVER, NULL));
	ASSERT_EQ(atomic_load(&self_result), TL_EDEADLK);
	ASSERT_OK(tl_future_unref(f));
	ASSERT_OK(tl_executor_destroy(self_ex));
	return 0;
}

/* ---- workers: lazy, reused, named ---- */

static int name_task(void *arg, void **result)
{
	(void)arg;
	*result = strdup(tl_thread_name(tl_thread_current()));
	return 0;
}

TEST_IMPL(workers_lazy_reused_named)
{
	tl_executor_t *ex = pool_with((tl_executor_opts_t){ .max_workers = 8, .thread_name_prefix = "SpecialPool" });
	ASSERT_EQ(tl_executor_num_threads(ex), 0); /* lazy */
	for (int i = 0; i < 5; i++) {
		tl_future_t *f = submit(ex, name_task, NULL);
		void *name;
		ASSERT_OK(tl_future_result(f, TL_FOREVER, &name));
		ASSERT_STR_EQ((char *)name, "SpecialPool_0");
		free(name);
		ASSERT_OK(tl_future_unref(f));
		/* CPython test_idle_thread_reuse: once the worker is idle, the
		 * next submit reuses it */
		while (tl__executor_idle(ex) == 0)
			sched_yield();
		ASSERT_EQ(tl_executor_num_threads(ex), 1);
	}
	ASSERT_OK(tl_executor_destroy(ex));

	/* default prefix ThreadPoolExecutor-<n>_<i>; up to max_workers threads */
	gate_t g = GATE_INIT;
	ex = gated_executor(&g, (tl_executor_opts_t){ .max_workers = 2 });
	tl_future_t *fs[4];
	for (int i = 0; i < 4; i++)
		fs[i] = submit(ex, gated, V(i));
	wait_started(2);
	ASSERT_EQ(tl_executor_num_threads(ex), 2);
	gate_open(&g);
	tl_future_t *nf = submit(ex, name_task, NULL);
	void *name;
	ASSERT_OK(tl_future_result(nf, TL_FOREVER, &name));
	ASSERT(strncmp((char *)name, "ThreadPoolExecutor-", 19) == 0);
	const char *us = strrchr((char *)name, '_');
	ASSERT(us && (strcmp(us, "_0") == 0 || strcmp(us, "_1") == 0));
	free(name);
	ASSERT_OK(tl_future_unref(nf));
	for (int i = 0; i < 4; i++) {
		ASSERT_OK(tl_future_result(fs[i], TL_FOREVER, NULL));
		tl_future_unref(fs[i]);
	}
	ASSERT_EQ(tl_executor_num_threads(ex), 2);
	ASSERT_OK(tl_executor_destroy(ex));
	return 0;
}

/* Issue 19: a pool with nobody working burns no CPU: once the work is
 * done every worker ends up asleep in the kernel (its spin phase is
 * bounded), found by its name in /proc/self/task. */
TEST_IMPL(idle_workers_sleep)
{
	tl_executor_t *ex = pool_with((tl_executor_opts_t){ .max_workers = 2, .thread_name_prefix = "IdlePool" });
	tl_future_t *fs[64];
	for (int i = 0; i < 64; i++)
		fs[i] = submit(ex, square, V(i));
	for (int i = 0; i < 64; i++) {
		ASSERT_OK(tl_future_result(fs[i], TL_FOREVER, NULL));
		tl_future_unref(fs[i]);
	}
	/* A started worker names itself: poll until every one shows its name. */
	int nthreads = tl_executor_num_threads(ex), seen;
	pid_t tids[2];
	ASSERT(nthreads >= 1 && nthreads <= 2);
	do {
		seen = 0;
		DIR *d = opendir("/proc/self/task");
		ASSERT(d != NULL);
		for (struct dirent *e; (e = readdir(d)) && seen < 2;) {
			char path[300], comm[32] = "";
			snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
			FILE *f = fopen(path, "re");
			if (!f)
				continue;
			if (!fgets(comm, sizeof comm, f))
				comm[0] = 0;
			fclose(f);
			if (strncmp(comm, "IdlePool_", 9) == 0)
				tids[seen++] = (pid_t)atoi(e->d_name);
		}
		closedir(d);
		if (seen < nthreads)
			sched_yield();
	} while (seen < nthreads);
	ASSERT_EQ(seen, nthreads);
	for (int i = 0; i < seen; i++)
		su_wait_in_futex(tids[i]);
	ASSERT_OK(tl_executor_destroy(ex));
	return 0;
}

/* ---- initializer ---- */

static _Atomic int init_calls;
static int init_ok(void *arg)
{
	ASSERT_EQ(U(arg), 5);
	atomic_fetch_add(&init_calls, 1);
	return 0;
}

static int init_fails(void *arg)
{
	(void)arg;
	atomic_fetch_add(&init_calls, 1);
	return -EIO;
}

static int never_runs(void *arg, void **result)
{
	(void)arg;
	(void)result;
	ASSERT(0 && "a task ran in a broken pool");
	return 0;
}

TEST_IMPL(initializer)
{
	atomic_store(&init_calls, 0);
	tl_executor_t *ex = pool_with((tl_executor_opts_t){ .max_workers = 1, .initializer = init_ok, .initarg = V(5) });
	for (int i = 0; i < 10; i++) {
		tl_future_t *f = submit(ex, square, V(2));
		ASSERT_OK(tl_future_result(f, TL_FOREVER, NULL));
		tl_future_unref(f);
	}
	ASSERT_EQ(atomic_load(&init_calls), 1); /* once per worker */
	ASSERT_FALSE(tl_executor_broken(ex));
	ASSERT_OK(tl_executor_destroy(ex));
	return 0;
}

TEST_IMPL(initializer_failure_breaks_pool)
{
	/* CPython FailingInitializerMixin: every future fails with
	 * BrokenThreadPool (or submit refuses), no task runs */
	atomic_store(&init_calls, 0);
	tl_executor_t *ex = pool_with((tl_executor_opts_t){ .max_workers = 3, .initializer = init_fails });
	enum { N = 8 };
	tl_future_t *fs[N];
	int submitted = 0;
	for (int i = 0; i < N; i++) {
		int r = tl_executor_submit(ex, never_runs, NULL, &fs[submitted]);
		if (r == 0)
			submitted++;
		else
			ASSERT_EQ(r, TL_EBROKEN);
	}
	ASSERT_GE(submitted, 1);
	for (int i = 0; i < submitted; i++) {
		tl_future_error_t err;
		ASSERT_EQ(tl_future_result(fs[i], TL_FOREVER, NULL), TL_EBROKEN);
		ASSERT_OK(tl_future_exception(fs[i], 0, &err));
		ASSERT_EQ(err.code, TL_EBROKEN);
		ASSERT_TRUE(err.broken); /* BrokenThreadPool, not the task's code */
		tl_future_unref(fs[i]);
	}
	ASSERT(tl_executor_broken(ex));
	tl_future_t *f;
	ASSERT_EQ(tl_executor_submit(ex, never_runs, NULL, &f), TL_EBROKEN);
	ASSERT_GE(atomic_load(&init_calls), 1);
	ASSERT_OK(tl_executor_destroy(ex));
	return 0;
}

/* ---- callbacks ---- */

static _Atomic int cb_in_worker, cb_calls;
static void cb_check_thread(tl_future_t *f, void *arg)
{
	(void)f;
	(void)arg;
	if (strncmp(tl_thread_name(tl_thread_current()), "cbpool_", 7) == 0)
		atomic_fetch_add(&cb_in_worker, 1);
	atomic_fetch_add(&cb_calls, 1);
}

TEST_IMPL(callbacks_and_failing_callback)
{
	gate_t g = GATE_INIT;
	tl_executor_t *ex =
		gated_executor(&g, (tl_executor_opts_t){ .max_workers = 1, .thread_name_prefix = "cbpool" });
	tl_future_t *f = submit(ex, gated, V(1));
	ASSERT_OK(tl_future_add_done_callback(f, cb_check_thread, NULL));
	gate_open(&g);
	ASSERT_OK(tl_future_result(f, TL_FOREVER, NULL));
	/* already done: runs at once, in this (non-worker) thread */
	ASSERT_OK(tl_future_add_done_callback(f, cb_check_thread, NULL));
	tl_future_unref(f);
	ASSERT_OK(tl_executor_shutdown(ex, true, false)); /* callbacks ran by now */
	ASSERT_EQ(atomic_load(&cb_calls), 2);
	ASSERT_EQ(atomic_load(&cb_in_worker), 1);
	ASSERT_OK(tl_executor_destroy(ex));
	return 0;
}

TEST_IMPL(failing_callback_does_not_break_executor)
{
	tl_executor_t *ex = pool_with((tl_executor_opts_t){ .max_workers = 2, .thread_name_prefix = "cbpool" });
	for (int i = 0; i < 50; i++) {
		tl_future_t *f = submit(ex, square, V(i));
		ASSERT_OK(tl_future_add_done_callback(f, cb_check_thread, NULL));
		tl_future_unref(f);
	}
	tl_future_t *f = submit(ex, square, V(9));
	void *v;
	ASSERT_OK(tl_future_result(f, TL_FOREVER, &v));
	ASSERT_EQ(U(v), 81);
	tl_future_unref(f);
	ASSERT_OK(tl_executor_destroy(ex));
	ASSERT_EQ(atomic_load(&cb_calls), 50);
	return 0;
}

/* ---- load ---- */

static int load_submit(void *ex, int i, tl_future_t **f)
{
	return tl_executor_submit(ex, square, V(i % 1000), f);
}

static void load_check(tl_future_t *f, int i)
{
	void *v;
	ASSERT_OK(tl_future_result(f, TL_FOREVER, &v));
	ASSERT_EQ(U(v), (uintptr_t)(i % 1000) * (i % 1000));
}

TEST_IMPL(many_submitters)
{
	tl_executor_t *ex = new_pool(4);
	struct pu_load l = { ex, (int)tl_test_iters(5000, 100), load_submit, load_check };
	pu_load_run(&l, 4);
	ASSERT_LE(tl_executor_num_threads(ex), 4);
	ASSERT_OK(tl_executor_destroy(ex));
	return 0;
}

/* ---- process exit (Python's _python_exit) ---- */

static int write_byte(void *arg, void **result)
{
	int fd = (int)U(arg);
	char c = 'x';
	ASSERT_EQ(write(fd, &c, 1), 1);
	*result = NULL;
	return 0;
}

static void exit_body(int wfd)
{
	tl_executor_t *ex = new_pool(2);
	for (int i = 0; i < 200; i++)
		ASSERT_OK(tl_executor_submit(ex, write_byte, V(wfd), NULL));
}

TEST_IMPL(exit_runs_queued_tasks)
{
	/* A child submits tasks and returns from main without shutdown: the
	 * exit handler runs them all and joins the workers (no hang). */
	ASSERT_EQ(pu_exiting_child(exit_body), 200);
	return 0;
}

TEST_LIST_BEGIN
TEST_ENTRY(submit_and_result)
TEST_ENTRY(exception_propagates)
TEST_ENTRY(max_workers)
TEST_ENTRY(map_in_order)
TEST_ENTRY(map_exception)
TEST_ENTRY(map_timeout)
TEST_ENTRY(map_negative_timeout_polls)
TEST_ENTRY(shutdown_waits_and_refuses)
TEST_ENTRY(shutdown_no_wait_then_destroy)
TEST_ENTRY(shutdown_cancel_futures)
TEST_ENTRY(shutdown_from_inside_a_task)
TEST_ENTRY(workers_lazy_reused_named)
TEST_ENTRY(idle_workers_sleep)
TEST_ENTRY(initializer)
TEST_ENTRY(initializer_failure_breaks_pool)
TEST_ENTRY(callbacks_and_failing_callback)
TEST_ENTRY(failing_callback_does_not_break_executor)
TEST_ENTRY(many_submitters)
TEST_ENTRY(exit_runs_queued_tasks)
TEST_LIST_END
