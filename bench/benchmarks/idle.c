/* idle.c — what a primitive costs while nobody uses it (issue 19): CPU time
 * burnt by every other thread of the process in an idle window that starts
 * 1 ms after the last piece of work. A pool whose workers spin, or a getter
 * that polls, shows here; one that sleeps in the kernel reads ~0.
 *
 *   <x>/idle/window_ms:W   one iteration = one window of W ms (1000 in the
 *                          default suite, 20 in --quick); manual time = the
 *                          CPU seconds burnt in it, so real_ns is "CPU ns
 *                          per idle window" and ratios compare like with
 *                          like; counter cpu_pct = that share of one CPU.
 *
 * Counted: every thread of this process but the caller and tl-bench --load's
 * spinners (named "tl-load"), each by its own CPU clock (the kernel's
 * per-thread sched clock, ns resolution). A thread that exits inside the
 * window is not counted (pools keep their threads while idle).
 * Bodies: bm_exec_idle (execbody.c: a warm pool, then the window) and
 * bm_queue_idle_run (queuebody.c: a getter blocked on the empty queue). */
#include "common.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* glibc's pthread_getcpuclockid for a thread id: CPUCLOCK_SCHED (2) with
 * the per-thread bit (4), the id inverted above 3 bits (linux/posix-timers.h). */
static clockid_t thread_clock(pid_t tid) { return (clockid_t)((~(unsigned)tid << 3) | 6); }

static int is_load_thread(const char *tid)
{
	char path[300], comm[32] = "";
	snprintf(path, sizeof path, "/proc/self/task/%s/comm", tid);
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	if (!fgets(comm, sizeof comm, f))
		comm[0] = 0;
	fclose(f);
	return strncmp(comm, "tl-load", 7) == 0;
}

#define IDLE_MAX_THREADS 4096
struct idle_snap {
	int n;
	pid_t tid[IDLE_MAX_THREADS];
	uint64_t ns[IDLE_MAX_THREADS];
};

static int snap(struct idle_snap *s)
{
	pid_t self = (pid_t)syscall(SYS_gettid);
	DIR *d = opendir("/proc/self/task");
	if (!d)
		return -1;
	s->n = 0;
	for (struct dirent *e; (e = readdir(d)) && s->n < IDLE_MAX_THREADS;) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		pid_t tid = (pid_t)atoi(e->d_name);
		struct timespec ts;
		if (tid == self || is_load_thread(e->d_name) || clock_gettime(thread_clock(tid), &ts) != 0)
			continue;
		s->tid[s->n] = tid;
		s->ns[s->n++] = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	}
	closedir(d);
	return 0;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) != 0)
		;
}

void bm_idle_measure(tlb_state *st)
{
	static struct idle_snap a, b; /* one instance runs at a time */
	const uint64_t window_ns = (uint64_t)tlb_arg(st, 0) * 1000000u;
	double cpu_s = 0;
	int threads = 0;
	for (int64_t n; (n = tlb_batch(st)) > 0;)
		for (int64_t i = 0; i < n; i++) {
			sleep_ns(1000000); /* the last work ended; 1 ms of grace */
			if (snap(&a) != 0) {
				tlb_skip(st, "cannot list /proc/self/task");
				return;
			}
			sleep_ns(window_ns);
			snap(&b);
			uint64_t burnt = 0;
			for (int j = 0; j < b.n; j++)
				for (int k = 0; k < a.n; k++)
					if (a.tid[k] == b.tid[j]) {
						burnt += b.ns[j] - a.ns[k];
						break;
					}
			threads = b.n;
			cpu_s = (double)burnt * 1e-9;
			tlb_set_iteration_time(st, cpu_s);
		}
	tlb_counter(st, "cpu_pct", window_ns ? cpu_s * 1e11 / (double)window_ns : 0, TLB_COUNTER_PLAIN);
	tlb_counter(st, "idle_threads", threads, TLB_COUNTER_PLAIN);
}

void bm_idle_register(const char *name, const char *baseline, tlb_fn fn)
{
	static const int64_t full[] = {1000}, quick[] = {20};
	tlb_bench *b[2];
	bm_reg2(name, fn, &b[0], &b[1]);
	for (int i = 0; i < 2; i++) {
		bm_args1(b[i], "window_ms", i == 0 ? full : quick, 1);
		tlb_manual_time(b[i]);
		tlb_iterations(b[i], 1);
		if (baseline)
			tlb_baseline(b[i], baseline);
	}
	tlb_repetitions(b[0], 3);
	tlb_repetitions(b[1], 1);
}
