/* ProcessPoolExecutor, modelled on CPython's
 * Lib/test/test_concurrent_futures/{test_process_pool,test_shutdown,
 * executor,test_init}.py: submit/result of byte buffers, exceptions, map
 * order/chunks/timeout, shutdown(wait, cancel_futures), max_tasks_per_child,
 * initializer, callbacks on the manager thread, and a worker killed from
 * inside a task (raise(SIGKILL) in the child: deterministic) breaking the
 * pool with no hang and no zombie.
 *
 * Tasks that must block in a worker read from a pipe created before the
 * pool (the workers inherit it); the test writes to release them. */
#include "pool_util.h"
#include "task.h"
#include "threadlab/procpool.h"
#include "threadlab/thread.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <unistd.h>

static int square(const void *arg, size_t len, void **out, size_t *out_len)
{
	ASSERT_EQ(len, sizeof(int64_t));
	int64_t v;
	memcpy(&v, arg, sizeof v);
	v *= v;
	*out = malloc(sizeof v);
	memcpy(*out, &v, sizeof v);
	*out_len = sizeof v;
	return 0;
}

static int fail_on_7(const void *arg, size_t len, void **out, size_t *out_len)
{
	int64_t v;
	memcpy(&v, arg, sizeof v);
	if (v == 7) { /* raise ValueError("seven is bad"): pickled back */
		*out = strdup("seven is bad");
		*out_len = strlen("seven is bad") + 1;
		return -77;
	}
	*out = malloc(len);
	memcpy(*out, arg, len);
	*out_len = len;
	return 0;
}

/* A task whose own code is TL_EBROKEN: its exception, not a broken pool. */
static int raises_ebroken(const void *arg, size_t len, void **out, size_t *out_len)
{
	(void)arg, (void)len, (void)out, (void)out_len;
	return TL_EBROKEN;
}

static int get_pid(const void *arg, size_t len, void **out, size_t *out_len)
{
	(void)arg;
	(void)len;
	pid_t *p = malloc(sizeof *p);
	*p = getpid();
	*out = p;
	*out_len = sizeof *p;
	return 0;
}

static int kill_self(const void *arg, size_t len, void **out, size_t *out_len)
{
	(void)arg, (void)len, (void)out, (void)out_len;
	raise(SIGKILL);
	return 0;
}

static int exit_in_task(const void *arg, size_t len, void **out, size_t *out_len)
{
	(void)arg, (void)len, (void)out, (void)out_len;
	_exit(0);
}

/* Blocks until the test writes a byte to the gate pipe; first reports its
 * start on the started pipe. arg: two ints (read end of gate, write end of
 * started). */
static int gated(const void *arg, size_t len, void **out, size_t *out_len)
{
	(void)len;
	int fds[2];
	memcpy(fds, arg, sizeof fds);
	char c = 's';
	ASSERT_EQ(write(fds[1], &c, 1), 1);
	ASSERT_EQ(read(fds[0], &c, 1), 1);
	*out = NULL;
	*out_len = 0;
	return 0;
}

PU_POOL_CONSTRUCTORS(tl_procpool_t, tl_procpool_opts_t, tl_procpool_create)

/* gated()'s pipes, made before the pool so that its workers inherit them. */
struct gate_pipes {
	int gate[2], started[2];
	int fds[2]; /* gated()'s argument: { gate[0], started[1] } */
};

/* A one-worker pool whose gated() tasks use g. */
static tl_procpool_t *gated_pool(struct gate_pipes *g)
{
	ASSERT_OK(pipe(g->gate));
	ASSERT_OK(pipe(g->started));
	g->fds[0] = g->gate[0];
	g->fds[1] = g->started[1];
	return new_pool(1);
}

/* Submit a gated() task; returns its future. */
static tl_future_t *submit_gated(tl_procpool_t *pp, struct gate_pipes *g)
{
	tl_future_t *f;
	ASSERT_OK(tl_procpool_submit(pp, gated, g->fds, sizeof g->fds, &f));
	return f;
}

/* One gated() task has started / may finish. */
static void gate_started(struct gate_pipes *g)
{
	char c;
	ASSERT_EQ(read(g->started[0], &c, 1), 1);
}

static void gate_release(struct gate_pipes *g)
{
	ASSERT_EQ(write(g->gate[1], "x", 1), 1);
}

static void gate_close(struct gate_pipes *g)
{
	close(g->gate[0]), close(g->gate[1]), close(g->started[0]), close(g->started[1]);
}

static int64_t result_i64(tl_future_t *f)
{
	const void *d;
	size_t len;
	ASSERT_OK(tl_future_result_bytes(f, TL_FOREVER, &d, &len));
	ASSERT_EQ(len, sizeof(int64_t));
	int64_t v;
	memcpy(&v, d, sizeof v);
	return v;
}

static void assert_no_children(void)
{
	int st;
	ASSERT_EQ(waitpid(-1, &st, WNOHANG), -1);
	ASSERT_EQ(errno, ECHILD);
}

TEST_IMPL(submit_and_result)
{
	tl_procpool_t *pp = new_pool(2);
	ASSERT_EQ(tl_procpool_max_workers(pp), 2);
	pid_t pids[4];
	ASSERT_EQ(tl_procpool_pids(pp, pids, 4), 2);
	ASSERT(pids[0] != getpid() && pids[1] != getpid());
	tl_future_t *f;
	int64_t v = 12;
	ASSERT_OK(tl_procpool_submit(pp, square, &v, sizeof v, &f));
	v = 99; /* the argument was copied */
	ASSERT_EQ(result_i64(f), 144);
	ASSERT_OK(tl_future_unref(f));
	/* the task really ran in a worker */
	ASSERT_OK(tl_procpool_submit(pp, get_pid, NULL, 0, &f));
	const void *d;
	size_t len;
	ASSERT_OK(tl_future_result_bytes(f, TL_FOREVER, &d, &len));
	pid_t wp = *(const pid_t *)d;
	ASSERT(wp == pids[0] || wp == pids[1]);
	ASSERT_OK(tl_future_unref(f));
	ASSERT_EQ(tl_procpool_submit(pp, NULL, NULL, 0, &f), TL_EINVAL);
	ASSERT_OK(tl_procpool_destroy(pp));
	assert_no_children();
	return 0;
}

TEST_IMPL(default_max_workers)
{
	cpu_set_t set;
	ASSERT_OK(sched_getaffinity(0, sizeof set, &set));
	ASSERT_EQ(tl_procpool_default_max_workers(), CPU_COUNT(&set));
	tl_procpool_t *pp;
	ASSERT_OK(tl_procpool_create(&pp, NULL));
	ASSERT_EQ(tl_procpool_max_workers(pp), CPU_COUNT(&set));
	ASSERT_OK(tl_procpool_destroy(pp));
	/* CPython: max_workers <= 0 is a ValueError (None: the default) */
	tl_procpool_opts_t o = { .max_workers = -2 };
	ASSERT_EQ(tl_procpool_create(&pp, &o), TL_EINVAL);
	o.max_workers = 0;
	ASSERT_EQ(tl_procpool_create(&pp, &o), TL_EINVAL);
	assert_no_children();
	return 0;
}

TEST_IMPL(exception_propagates)
{
	tl_procpool_t *pp = new_pool(1);
	tl_future_t *f;
	int64_t v = 7;
	ASSERT_OK(tl_procpool_submit(pp, fail_on_7, &v, sizeof v, &f));
	tl_future_error_t err;
	ASSERT_EQ(tl_future_result_bytes(f, TL_FOREVER, NULL, NULL), TL_ETASK);
	ASSERT_OK(tl_future_exception(f, 0, &err));
	ASSERT_EQ(err.code, -77);
	ASSERT_FALSE(err.broken);
	ASSERT_EQ(err.len, strlen("seven is bad") + 1);
	ASSERT_STR_EQ((const char *)err.payload, "seven is bad");
	ASSERT_OK(tl_future_unref(f));
	/* the task's own TL_EBROKEN is not BrokenProcessPool */
	ASSERT_OK(tl_procpool_submit(pp, raises_ebroken, NULL, 0, &f));
	ASSERT_EQ(tl_future_result_bytes(f, TL_FOREVER, NULL, NULL), TL_ETASK);
	ASSERT_OK(tl_future_exception(f, 0, &err));
	ASSERT_EQ(err.code, TL_EBROKEN);
	ASSERT_FALSE(err.broken);
	ASSERT_NULL(err.payload);
	ASSERT_FALSE(tl_procpool_broken(pp));
	ASSERT_OK(tl_future_unref(f));
	v = 8; /* the worker lives on */
	ASSERT_OK(tl_procpool_submit(pp, fail_on_7, &v, sizeof v, &f));
	ASSERT_EQ(result_i64(f), 8);
	ASSERT_OK(tl_future_unref(f));
	ASSERT_FALSE(tl_procpool_broken(pp));
	ASSERT_OK(tl_procpool_destroy(pp));
	return 0;
}

static int echo(const void *arg, size_t len, void **out, size_t *out_len)
{
	*out = len ? malloc(len) : NULL;
	if (len)
		memcpy(*out, arg, len);
	*out_len = len;
	return 0;
}

TEST_IMPL(large_and_empty_buffers)
{
	tl_procpool_t *pp = new_pool(2);
	size_t big = 3 * 1024 * 1024 + 17; /* more than a socket buffer */
	unsigned char *buf = malloc(big);
	for (size_t i = 0; i < big; i++)
		buf[i] = (unsigned char)(i * 31 + 7);
	tl_future_t *f[3];
	ASSERT_OK(tl_procpool_submit(pp, echo, buf, big, &f[0]));
	ASSERT_OK(tl_procpool_submit(pp, echo, NULL, 0, &f[1]));
	ASSERT_OK(tl_procpool_submit(pp, echo, buf, big, &f[2]));
	for (int k = 0; k < 3; k++) {
		const void *d;
		size_t len;
		ASSERT_OK(tl_future_result_bytes(f[k], TL_FOREVER, &d, &len));
		ASSERT_EQ(len, k == 1 ? 0 : big);
		if (k != 1)
			ASSERT(memcmp(d, buf, big) == 0);
		tl_future_unref(f[k]);
	}
	free(buf);
	ASSERT_OK(tl_procpool_destroy(pp));
	return 0;
}

TEST_IMPL(map_in_order)
{
	enum { N = 500 };
	static int64_t vals[N];
	static const void *args[N];
	static size_t lens[N];
	for (int i = 0; i < N; i++) {
		vals[i] = i;
		args[i] = &vals[i];
		lens[i] = sizeof vals[i];
	}
	tl_procpool_t *pp = new_pool(2);
	static const size_t chunks[] = { 1, 7, 100, 1000 };
	for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
		static void *res[N];
		static size_t rlen[N];
		tl_map_info_t info;
		ASSERT_OK(tl_procpool_map(pp, square, args, lens, N, res, rlen, TL_FOREVER, chunks[c], &info));
		ASSERT_EQ(info.completed, N);
		for (int i = 0; i < N; i++) {
			ASSERT_EQ(rlen[i], sizeof(int64_t));
			ASSERT_EQ(*(int64_t *)res[i], (int64_t)i * i);
			free(res[i]);
		}
	}
	/* an exception: results before it, its code */
	for (size_t c = 1; c <= 4; c += 3) {
		static void *res[N];
		static size_t rlen[N];
		tl_map_info_t info;
		ASSERT_EQ(tl_procpool_map(pp, fail_on_7, args, lens, 20, res, rlen, TL_FOREVER, c, &info), TL_ETASK);
		ASSERT_EQ(info.task_error, -77);
		ASSERT_EQ(info.task_payload_len, strlen("seven is bad") + 1);
		ASSERT_STR_EQ((const char *)info.task_payload, "seven is bad");
		free(info.task_payload); /* a copy: the futures are gone */
		ASSERT_EQ(info.completed, 7);
		for (size_t i = 0; i < info.completed; i++) {
			ASSERT_EQ(*(int64_t *)res[i], (int64_t)i);
			free(res[i]);
		}
	}
	ASSERT_OK(tl_procpool_destroy(pp));
	return 0;
}

TEST_IMPL(map_timeout_and_cancel_futures)
{
	struct gate_pipes g;
	tl_procpool_t *pp = gated_pool(&g);
	/* CPython test_map_timeout: the only worker is blocked, so map's task
	 * cannot finish in time */
	tl_future_t *blocker = submit_gated(pp, &g);
	gate_started(&g);
	int64_t one = 1;
	const void *args[1] = { &one };
	size_t lens[1] = { sizeof one };
	void *res[1];
	size_t rlen[1];
	tl_map_info_t info;
	ASSERT_EQ(tl_procpool_map(pp, square, args, lens, 1, res, rlen, 0.05, 1, &info), TL_ETIMEDOUT);
	ASSERT_EQ(info.completed, 0);
	gate_release(&g);
	ASSERT_OK(tl_future_result_bytes(blocker, TL_FOREVER, NULL, NULL));
	tl_future_unref(blocker);

	/* cancel_futures: one task blocks the only worker; of the rest, those
	 * not yet sent to it are cancelled, and all end up done */
	enum { N = 60 };
	tl_future_t *fs[N];
	for (int i = 0; i < N; i++)
		fs[i] = submit_gated(pp, &g);
	gate_started(&g); /* fs[0] runs */
	ASSERT_OK(tl_procpool_shutdown(pp, false, true));
	int cancelled = 0;
	for (int i = 0; i < N; i++)
		cancelled += tl_future_cancelled(fs[i]);
	ASSERT_GE(cancelled, N - 16); /* at most a window's worth was sent */
	ASSERT_FALSE(tl_future_cancelled(fs[0]));
	for (int i = 0; i < N - cancelled; i++)
		gate_release(&g);
	for (int i = 0; i < N; i++) {
		ASSERT_OK(tl_future_wait(fs[i], TL_FOREVER));
		tl_future_unref(fs[i]);
	}
	int64_t v = 1;
	ASSERT_EQ(tl_procpool_submit(pp, square, &v, sizeof v, NULL), TL_ESHUTDOWN);
	ASSERT_OK(tl_procpool_destroy(pp));
	assert_no_children();
	gate_close(&g);
	return 0;
}

TEST_IMPL(shutdown_waits_for_queued_work)
{
	tl_procpool_t *pp = new_pool(2);
	enum { N = 300 };
	tl_future_t *fs[N];
	for (int i = 0; i < N; i++) {
		int64_t v = i;
		ASSERT_OK(tl_procpool_submit(pp, square, &v, sizeof v, &fs[i]));
	}
	ASSERT_OK(tl_procpool_shutdown(pp, true, false));
	for (int i = 0; i < N; i++) {
		ASSERT(tl_future_done(fs[i]));
		ASSERT_EQ(result_i64(fs[i]), (int64_t)i * i);
		tl_future_unref(fs[i]);
	}
	assert_no_children(); /* shutdown(wait) reaped them */
	tl_future_t *f;
	int64_t v = 2;
	ASSERT_EQ(tl_procpool_submit(pp, square, &v, sizeof v, &f), TL_ESHUTDOWN);
	ASSERT_OK(tl_procpool_shutdown(pp, true, false));
	ASSERT_OK(tl_procpool_destroy(pp));
	return 0;
}

TEST_IMPL(killed_worker_breaks_pool)
{
	/* CPython test_crash / ExecutorDeadlockTest: a worker dies in a task;
	 * its future and every pending one fail at once; nothing hangs; every
	 * child is reaped. */
	for (int how = 0; how < 2; how++) {
		tl_procpool_t *pp = new_pool(2);
		enum { N = 50 };
		tl_future_t *fs[N];
		int64_t v = 3;
		int n = N; /* futures submitted */
		for (int i = 0; i < N; i++) {
			if (i == 5) {
				ASSERT_OK(tl_procpool_submit(pp, how ? exit_in_task : kill_self, NULL, 0, &fs[i]));
				continue;
			}
			int r = tl_procpool_submit(pp, square, &v, sizeof v, &fs[i]);
			if (i > 5 && r == TL_EBROKEN) { /* task 5 already broke the pool:
							  * CPython's submit raises BrokenProcessPool too */
				n = i;
				break;
			}
			ASSERT_OK(r);
		}
		ASSERT_EQ(tl_future_result_bytes(fs[5], TL_FOREVER, NULL, NULL), TL_EBROKEN);
		tl_future_error_t err;
		ASSERT_OK(tl_future_exception(fs[5], 0, &err));
		ASSERT_EQ(err.code, TL_EBROKEN);
		ASSERT_TRUE(err.broken); /* BrokenProcessPool */
		assert_no_children(); /* reaped before the futures failed */
		int ok = 0, broken = 0;
		for (int i = 0; i < n; i++) {
			int r = tl_future_result_bytes(fs[i], TL_FOREVER, NULL, NULL);
			ASSERT(r == 0 || r == TL_EBROKEN);
			ok += r == 0;
			broken += r == TL_EBROKEN;
			tl_future_unref(fs[i]);
		}
		ASSERT_EQ(ok + broken, n);
		ASSERT_GE(broken, 1);
		ASSERT(tl_procpool_broken(pp));
		tl_future_t *f;
		ASSERT_EQ(tl_procpool_submit(pp, square, &v, sizeof v, &f), TL_EBROKEN);
		ASSERT_OK(tl_procpool_destroy(pp));
		assert_no_children();
	}
	return 0;
}

TEST_IMPL(killed_idle_worker_breaks_pool)
{
	tl_procpool_t *pp = new_pool(2);
	pid_t pids[2];
	ASSERT_EQ(tl_procpool_pids(pp, pids, 2), 2);
	ASSERT_OK(kill(pids[1], SIGKILL));
	while (!tl_procpool_broken(pp))
		sched_yield();
	int64_t v = 1;
	ASSERT_EQ(tl_procpool_submit(pp, square, &v, sizeof v, NULL), TL_EBROKEN);
	ASSERT_OK(tl_procpool_destroy(pp));
	assert_no_children();
	return 0;
}

TEST_IMPL(max_tasks_per_child)
{
	/* CPython test_max_tasks_per_child: a worker is replaced after N tasks */
	tl_procpool_t *pp = pool_with((tl_procpool_opts_t){ .max_workers = 1, .max_tasks_per_child = 3 });
	enum { N = 10 };
	pid_t seen[N];
	for (int i = 0; i < N; i++) {
		tl_future_t *f;
		ASSERT_OK(tl_procpool_submit(pp, get_pid, NULL, 0, &f));
		const void *d;
		size_t len;
		ASSERT_OK(tl_future_result_bytes(f, TL_FOREVER, &d, &len));
		seen[i] = *(const pid_t *)d;
		tl_future_unref(f);
	}
	for (int i = 0; i < N; i++) {
		if (i % 3)
			ASSERT_EQ(seen[i], seen[i - 1]);
		else if (i)
			ASSERT_NE(seen[i], seen[i - 1]);
	}
	ASSERT_FALSE(tl_procpool_broken(pp));
	/* submitted all at once too: replaced as it goes, order kept */
	tl_future_t *fs[N];
	for (int i = 0; i < N; i++) {
		int64_t v = i;
		ASSERT_OK(tl_procpool_submit(pp, square, &v, sizeof v, &fs[i]));
	}
	for (int i = 0; i < N; i++) {
		ASSERT_EQ(result_i64(fs[i]), (int64_t)i * i);
		tl_future_unref(fs[i]);
	}
	ASSERT_OK(tl_procpool_destroy(pp));
	assert_no_children();
	return 0;
}

static int64_t init_value;
static int init_set(void *arg)
{
	init_value = (int64_t)(intptr_t)arg;
	return 0;
}
static int init_fail(void *arg)
{
	(void)arg;
	return -1;
}
static int get_init_value(const void *arg, size_t len, void **out, size_t *out_len)
{
	(void)arg, (void)len;
	int64_t *p = malloc(sizeof *p);
	*p = init_value;
	*out = p;
	*out_len = sizeof *p;
	return 0;
}

TEST_IMPL(initializer)
{
	tl_procpool_t *pp =
		pool_with((tl_procpool_opts_t){ .max_workers = 2, .initializer = init_set, .initarg = (void *)(intptr_t)4242 });
	for (int i = 0; i < 4; i++) {
		tl_future_t *f;
		ASSERT_OK(tl_procpool_submit(pp, get_init_value, NULL, 0, &f));
		ASSERT_EQ(result_i64(f), 4242);
		tl_future_unref(f);
	}
	ASSERT_EQ(init_value, 0); /* it ran in the workers, not here */
	ASSERT_OK(tl_procpool_destroy(pp));

	/* a failing initializer breaks the pool (BrokenProcessPool) */
	pp = pool_with((tl_procpool_opts_t){ .max_workers = 2, .initializer = init_fail });
	tl_future_t *f;
	int r = tl_procpool_submit(pp, get_init_value, NULL, 0, &f);
	if (r == 0) {
		ASSERT_EQ(tl_future_result_bytes(f, TL_FOREVER, NULL, NULL), TL_EBROKEN);
		tl_future_unref(f);
	} else {
		ASSERT_EQ(r, TL_EBROKEN);
	}
	while (!tl_procpool_broken(pp))
		sched_yield();
	ASSERT_OK(tl_procpool_destroy(pp));
	assert_no_children();
	return 0;
}

static _Atomic int cb_on_manager, cb_calls;
static void cb(tl_future_t *f, void *arg)
{
	(void)f, (void)arg;
	if (strcmp(tl_thread_name(tl_thread_current()), "ProcessPoolExecutor-manager") == 0)
		atomic_fetch_add(&cb_on_manager, 1);
	atomic_fetch_add(&cb_calls, 1);
}

TEST_IMPL(callbacks_on_manager_thread)
{
	struct gate_pipes g;
	tl_procpool_t *pp = gated_pool(&g);
	tl_future_t *f = submit_gated(pp, &g);
	ASSERT_OK(tl_future_add_done_callback(f, cb, NULL));
	gate_started(&g);
	gate_release(&g);
	ASSERT_OK(tl_future_wait(f, TL_FOREVER));
	ASSERT_OK(tl_procpool_shutdown(pp, true, false)); /* callbacks ran */
	ASSERT_EQ(atomic_load(&cb_calls), 1);
	ASSERT_EQ(atomic_load(&cb_on_manager), 1);
	ASSERT_OK(tl_future_add_done_callback(f, cb, NULL)); /* done: here */
	ASSERT_EQ(atomic_load(&cb_calls), 2);
	ASSERT_EQ(atomic_load(&cb_on_manager), 1);
	tl_future_unref(f);
	ASSERT_OK(tl_procpool_destroy(pp));
	gate_close(&g);
	return 0;
}

static int load_submit(void *pp, int i, tl_future_t **f)
{
	int64_t v = i;
	return tl_procpool_submit(pp, square, &v, sizeof v, f);
}

static void load_check(tl_future_t *f, int i)
{
	ASSERT_EQ(result_i64(f), (int64_t)i * i);
}

TEST_IMPL(many_tasks_many_submitters)
{
	tl_procpool_t *pp = new_pool(2);
	struct pu_load l = { pp, (int)tl_test_iters(4000, 100), load_submit, load_check };
	pu_load_run(&l, 3);
	ASSERT_OK(tl_procpool_destroy(pp));
	assert_no_children();
	return 0;
}

static int write_byte(const void *arg, size_t len, void **out, size_t *out_len)
{
	(void)len;
	int fd;
	memcpy(&fd, arg, sizeof fd);
	ASSERT_EQ(write(fd, "x", 1), 1);
	*out = NULL;
	*out_len = 0;
	return 0;
}

static void exit_body(int wfd)
{
	tl_procpool_t *pp = new_pool(2);
	for (int i = 0; i < 100; i++)
		ASSERT_OK(tl_procpool_submit(pp, write_byte, &wfd, sizeof wfd, NULL));
	close(wfd); /* the workers hold copies */
}

TEST_IMPL(exit_waits_for_queued_work)
{
	/* A process that returns from main with work queued and no shutdown:
	 * the exit handler completes it and reaps the workers. */
	ASSERT_EQ(pu_exiting_child(exit_body), 100);
	return 0;
}

TEST_LIST_BEGIN
TEST_ENTRY(submit_and_result)
TEST_ENTRY(default_max_workers)
TEST_ENTRY(exception_propagates)
TEST_ENTRY(large_and_empty_buffers)
TEST_ENTRY(map_in_order)
TEST_ENTRY(map_timeout_and_cancel_futures)
TEST_ENTRY(shutdown_waits_for_queued_work)
TEST_ENTRY(killed_worker_breaks_pool)
TEST_ENTRY(killed_idle_worker_breaks_pool)
TEST_ENTRY(max_tasks_per_child)
TEST_ENTRY(initializer)
TEST_ENTRY(callbacks_on_manager_thread)
TEST_ENTRY(many_tasks_many_submitters)
TEST_ENTRY(exit_waits_for_queued_work)
TEST_LIST_END
