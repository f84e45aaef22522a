/* exec_native.c — running tasks without threadlab, through the shared
 * executor bodies (execbody.h):
 *   thread_per_task   pthread_create per task, pthread_join for its result
 *                     (throughput: 128 threads in flight at most)
 *   fork_per_task     fork per task; the child runs it and writes the
 *                     8-byte result to a pipe, the parent reads it and
 *                     reaps the child (throughput: 32 children in flight)
 *   gthreadpool       GLib's GThreadPool (BM_GLIB, common.h): g_thread_pool_push,
 *                     completion through a per-task flag / a shared count
 *                     (a futex, the cheapest thing a C programmer would add)
 * The trivial task: result = argument + 1.
 */
#include "execbody.h"

#include "threadlab/common.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef BM_GLIB
#include <glib.h>
#endif

/* ---- thread per task ---- */
static void *tpt_task(void *arg) { return (void *)((uintptr_t)arg + 1); }

static int tpt_create(int workers) { (void)workers; return 0; }
static void tpt_destroy(void) {}

static int tpt_roundtrip(void)
{
	pthread_t t;
	void *r;
	if (pthread_create(&t, NULL, tpt_task, (void *)41) != 0)
		return TL_EAGAIN;
	pthread_join(t, &r);
	return (uintptr_t)r == 42 ? 0 : TL_EINVAL;
}

#define TPT_INFLIGHT 128
static int tpt_group(void *ctx, int64_t first, int k)
{
	pthread_t t[TPT_INFLIGHT];
	(void)ctx;
	for (int i = 0; i < k; i++)
		if (pthread_create(&t[i], NULL, tpt_task, (void *)(uintptr_t)(first + i)) != 0) {
			for (int j = 0; j < i; j++)
				pthread_join(t[j], NULL);
			return TL_EAGAIN;
		}
	int bad = 0;
	for (int i = 0; i < k; i++) {
		void *r;
		pthread_join(t[i], &r);
		bad |= (uintptr_t)r != (uintptr_t)(first + i) + 1;
	}
	return bad ? TL_EINVAL : 0;
}
static int tpt_batch(int64_t n) { return bm_exec_groups(n, TPT_INFLIGHT, tpt_group, NULL); }
static const struct bm_exec_ops tpt_ops = {tpt_create, tpt_destroy, tpt_roundtrip, tpt_batch, NULL};
BM_EXEC_FNS(tpt, tpt_ops)

/* ---- fork per task ---- */
static int fpt_pipe[2] = {-1, -1};

static int fpt_create(int workers)
{
	(void)workers;
	return pipe(fpt_pipe) == 0 ? 0 : -errno;
}

static void fpt_destroy(void)
{
	close(fpt_pipe[0]);
	close(fpt_pipe[1]);
	fpt_pipe[0] = fpt_pipe[1] = -1;
}

static pid_t fpt_spawn(uint64_t arg)
{
	pid_t pid = fork();
	if (pid == 0) {
		uint64_t r = arg + 1;
		_exit(write(fpt_pipe[1], &r, sizeof r) == sizeof r ? 0 : 1);
	}
	return pid;
}

static int fpt_collect(uint64_t *sum, int k, const pid_t *pids)
{
	int bad = 0;
	for (int i = 0; i < k; i++) {
		uint64_t r;
		if (read(fpt_pipe[0], &r, sizeof r) != sizeof r)
			bad = 1;
		else
			*sum += r;
	}
	for (int i = 0; i < k; i++) {
		int status;
		while (waitpid(pids[i], &status, 0) < 0 && errno == EINTR)
			;
		bad |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	}
	return bad ? TL_EINVAL : 0;
}

static int fpt_roundtrip(void)
{
	pid_t pid = fpt_spawn(41);
	if (pid < 0)
		return TL_EAGAIN;
	uint64_t sum = 0;
	int rc = fpt_collect(&sum, 1, &pid);
	return rc < 0 ? rc : sum == 42 ? 0 : TL_EINVAL;
}

#define FPT_INFLIGHT 32
static int fpt_group(void *ctx, int64_t first, int k)
{
	pid_t pids[FPT_INFLIGHT];
	uint64_t want = 0, sum = 0;
	(void)ctx;
	for (int i = 0; i < k; i++) {
		if ((pids[i] = fpt_spawn((uint64_t)(first + i))) < 0) {
			fpt_collect(&sum, i, pids);
			return TL_EAGAIN;
		}
		want += (uint64_t)(first + i) + 1;
	}
	int rc = fpt_collect(&sum, k, pids);
	if (rc < 0 || sum != want) /* results arrive in any order: check the sum */
		return TL_EINVAL;
	return 0;
}
static int fpt_batch(int64_t n) { return bm_exec_groups(n, FPT_INFLIGHT, fpt_group, NULL); }
static const struct bm_exec_ops fpt_ops = {fpt_create, fpt_destroy, fpt_roundtrip, fpt_batch, NULL};
BM_EXEC_FNS(fpt, fpt_ops)

/* ---- GThreadPool ---- */
#ifdef BM_GLIB
static GThreadPool *gp;
static bm_count gcount;
static _Atomic uint64_t gsum;

static void g_task(gpointer data, gpointer user)
{
	(void)user;
	atomic_fetch_add_explicit(&gsum, (uint64_t)(uintptr_t)data + 1, memory_order_relaxed);
	bm_count_add(&gcount);
}

static int g_create(int workers)
{
	gp = g_thread_pool_new(g_task, NULL, workers, FALSE, NULL);
	return gp ? 0 : TL_EAGAIN;
}

static void g_destroy(void)
{
	g_thread_pool_free(gp, FALSE, TRUE);
	gp = NULL;
}

/* Items must not be NULL for GThreadPool: arguments start at 1. */
static int g_run(int64_t n)
{
	atomic_store(&gcount.n, 0);
	atomic_store(&gsum, 0);
	for (int64_t i = 1; i <= n; i++)
		g_thread_pool_push(gp, (gpointer)(uintptr_t)i, NULL);
	bm_count_wait(&gcount, (uint32_t)n);
	uint64_t want = (uint64_t)n * (uint64_t)(n + 1) / 2 + (uint64_t)n;
	return atomic_load(&gsum) == want ? 0 : TL_EINVAL;
}
static int g_roundtrip(void) { return g_run(1); }
static const struct bm_exec_ops gtp_ops = {g_create, g_destroy, g_roundtrip, g_run, NULL};
BM_EXEC_FNS(gtp, gtp_ops)
#endif

TLB_REGISTER(exec_native)
{
	bm_exec_register("thread_per_task", NULL, tpt_bm_rt, tpt_bm_tp, NULL, false);
	bm_exec_register("fork_per_task", NULL, fpt_bm_rt, fpt_bm_tp, NULL, false);
#ifdef BM_GLIB
	bm_exec_register("gthreadpool", NULL, gtp_bm_rt, gtp_bm_tp, NULL, true);
	bm_idle_register("gthreadpool/idle", NULL, gtp_bm_idle);
#endif
}
