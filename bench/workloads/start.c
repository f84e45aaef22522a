/* start — seed section 三 (线程与进程的区别): who starts faster, whose pid is
 * whose, and whether the parent sees the child's write.
 *
 * thread:  start a tl_thread `reps` times; each one records when it began
 *          running, its getpid(), and does the seed's `global n; n = 0`.
 *          Same pid as the parent; after join the parent's n is 0.
 * process: fork() `reps` times; each child does the same (only
 *          async-signal-safe calls: clock_gettime, getpid, write) and
 *          _exit()s. A different pid; the parent's n is still 1 (the child
 *          changed its own copy: the seed's section 三.3 comment).
 *
 * Start latency = from just before start()/fork() to the first instruction
 * of the new thread/process (CLOCK_MONOTONIC is system-wide); p50 and max.
 * TSan sees only the parent: the forked children run no instrumented code
 * that could race with it (they exit at once), so the case is clean in the
 * parent's view; nothing is claimed about the children.
 */
#include "workload.h"

#include "threadlab/common.h"
#include "threadlab/thread.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { V_THREAD, V_PROCESS };

static const struct tlw_variant variants[] = {
	[V_THREAD] = { "thread", TLW_CLEAN, "Thread(target=work).start(), join" },
	[V_PROCESS] = { "process", TLW_CLEAN, "fork() a child that writes n and exits (parent side only)" },
};

static const struct tlw_param params[] = {
	{ "reps", 200, 20, 1, 100000, NULL, "threads / processes started, one at a time", 0 },
};

static int n_global; /* the seed's global n */

struct rec {
	uint64_t began_ns;
	pid_t pid;
};

static void work(void *arg)
{
	struct rec *r = arg;
	r->began_ns = tl_monotonic_ns();
	r->pid = getpid();
	n_global = 0; /* global n; n = 0 — the parent reads it after join */
}

static int run(struct tlw_ctx *c)
{
	int reps = (int)tlw_p(c, "reps");
	double *lat = calloc((size_t)reps, sizeof *lat);
	if (!lat)
		return tlw_fail(c, TL_ENOMEM, "out of memory");
	pid_t me = getpid();
	int same_pid = 0, saw_write = 0, r = 0;
	double t0 = tlw_now();
	for (int i = 0; i < reps; i++) {
		n_global = 1;
		struct rec rec = { 0, 0 };
		if (c->variant == V_THREAD) {
			tl_thread_t t;
			tl_thread_init(&t, work, &rec, NULL);
			uint64_t s = tl_monotonic_ns();
			if ((r = tl_thread_start(&t)) != 0)
				break;
			tl_thread_join(&t, TL_FOREVER); /* t.join(); print('主', n) */
			lat[i] = (double)(rec.began_ns - s) / 1e3;
		} else {
			int fds[2];
			if (pipe(fds) != 0) {
				r = -errno;
				break;
			}
			fflush(NULL);
			uint64_t s = tl_monotonic_ns();
			pid_t pid = fork();
			if (pid < 0) {
				r = TL_EAGAIN;
				close(fds[0]);
				close(fds[1]);
				break;
			}
			if (pid == 0) {
				struct rec cr;
				struct timespec ts;
				clock_gettime(CLOCK_MONOTONIC, &ts);
				cr.began_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
				cr.pid = getpid();
				n_global = 0; /* the child's own copy */
				ssize_t w = write(fds[1], &cr, sizeof cr);
				_exit(w == (ssize_t)sizeof cr ? 0 : 1);
			}
			close(fds[1]);
			size_t got = tlw_read_full(fds[0], &rec, sizeof rec, -1);
			close(fds[0]);
			tlw_wait_child(pid); /* p.join() */
			if (got != sizeof rec) {
				r = TL_EINVAL;
				break;
			}
			lat[i] = (double)(rec.began_ns - s) / 1e3;
		}
		same_pid += rec.pid == me;
		saw_write += n_global == 0;
	}
	double wall = tlw_now() - t0;
	if (r != 0) {
		free(lat);
		return tlw_fail(c, r, "start failed: %s", tl_strerror(r));
	}
	tlw_counter(c, "wall_s", wall);
	tlw_counter(c, "reps", reps);
	tlw_counter_p50_max(c, "start", "us", lat, reps, 1);
	tlw_counter(c, "same_pid", same_pid);
	tlw_counter(c, "parent_saw_write", saw_write);
	tlw_note(c, "%s: pid %s the parent's in %d of %d; the parent saw n = 0 in %d of %d",
		 c->variant == V_THREAD ? "threads" : "processes", same_pid ? "equals" : "differs from",
		 c->variant == V_THREAD ? same_pid : reps - same_pid, reps, saw_write, reps);
	free(lat);
	return 0;
}

TLW_REGISTER(start, .lesson = "seed §3 threads vs processes: start latency, pid, shared globals", .baseline = "thread", .run = run);
