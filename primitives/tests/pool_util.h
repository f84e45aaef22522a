/* Helpers shared by the executor tests (test_executor.c, test_procpool.c):
 * the same scenarios, run against the thread pool and the process pool.
 *
 *   PU_POOL_CONSTRUCTORS  pool_with(opts) / new_pool(max_workers) for a
 *                         pool type: create it, which must succeed
 *   pu_load_run           several submitter threads, each submitting n
 *                         tasks and checking every result in order
 *   pu_exiting_child      a child process that leaves work queued and
 *                         returns from main without shutdown: counts what
 *                         the exit handler still got done (bytes the tasks
 *                         wrote)
 * No sleeps: the load waits on futures, the exit test reads a pipe to EOF
 * (every writer, tasks and workers included, has closed it). */
#ifndef TL_POOL_UTIL_H
#define TL_POOL_UTIL_H

#include "sync_util.h"
#include "task.h"
#include "threadlab/future.h"

#include <sys/wait.h>
#include <unistd.h>

/* pool_with(o): a pool made with options o. new_pool(max_workers): with
 * max_workers (TL_MAX_WORKERS_DEFAULT: the default) and default options
 * otherwise. */
#define PU_POOL_CONSTRUCTORS(pool_t, opts_t, create_fn)                               \
	static inline pool_t *pool_with(opts_t o)                                     \
	{                                                                             \
		pool_t *p;                                                            \
		ASSERT_OK(create_fn(&p, &o));                                         \
		return p;                                                             \
	}                                                                             \
	static inline pool_t *new_pool(int max_workers)                               \
	{                                                                             \
		return pool_with((opts_t){ .max_workers = max_workers });             \
	}

struct pu_load {
	void *pool;
	int n; /* tasks per submitter */
	/* submit task i (0 or an error), keeping its future */
	int (*submit)(void *pool, int i, tl_future_t **f);
	/* assert that f, task i's future, holds task i's result */
	void (*check)(tl_future_t *f, int i);
};

static inline void *pu_load_submitter(void *arg)
{
	struct pu_load *l = arg;
	tl_future_t **fs = malloc((size_t)l->n * sizeof *fs);
	for (int i = 0; i < l->n; i++)
		ASSERT_OK(l->submit(l->pool, i, &fs[i]));
	for (int i = 0; i < l->n; i++) {
		l->check(fs[i], i);
		tl_future_unref(fs[i]);
	}
	free(fs);
	return NULL;
}

/* `threads` submitters at once; returns when all are done. */
static inline void pu_load_run(struct pu_load *l, int threads)
{
	su_run(threads, pu_load_submitter, l);
}

/* Fork a child that runs body(wfd), then exit(0)s: not _exit, so the
 * atexit handlers run (Python's _python_exit). body makes a pool, queues
 * tasks that each write one byte to wfd, and returns without shutdown (a
 * failing ASSERT aborts the child). Checks that the child exited 0 and
 * returns the number of bytes read. */
static inline int pu_exiting_child(void (*body)(int wfd))
{
	int p[2];
	ASSERT_OK(pipe(p));
	pid_t pid = fork();
	ASSERT(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		body(p[1]);
		exit(0);
	}
	close(p[1]);
	int n = 0;
	char buf[64];
	ssize_t r;
	while ((r = read(p[0], buf, sizeof buf)) > 0)
		n += (int)r;
	close(p[0]);
	int status;
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT(WIFEXITED(status));
	ASSERT_EQ(WEXITSTATUS(status), 0);
	return n;
}

#endif
