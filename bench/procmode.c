/* procmode.c — the task driver (tlb.h "tasks"): one body run by N threads
 * or N forked processes over one MAP_SHARED block (issue 9). The shim calls
 * tlb__task_invoke() on its single Google Benchmark thread, once per
 * repetition; everything else here is plain C over tlb.h.
 *
 * Why a driver and not Google Benchmark's threads: GB's thread model cannot
 * fork. So GB runs one thread (the driver) with manual time; the driver
 * starts the tasks itself, the same way in both modes, so a thread row and
 * a process row differ only in what a task is.
 *
 * The mapping (mmap MAP_SHARED | MAP_ANONYMOUS before any task exists):
 *
 *   [ struct ctl: handshake words, one padded slot per task ][ user block ]
 *                                                             ^ page-aligned
 *
 * Each window w = 1, 2, ... (one GB iteration):
 *   driver  zeroes the slots' counts, stop = 0, go = w (release), wakes all;
 *   task    waits until go >= w (acquire: sees stop = 0 and the zeroed
 *           counts), exits if quit; meets the other tasks in the start
 *           barrier (released together, so no task starts while another is
 *           still being scheduled in); task 0 reads the clock; the body runs
 *           until stop, publishing its count every few ops; task 0 raises
 *           stop once the window has elapsed and stores window_ns;
 *           done += 1 (release: the count and window_ns go with it); the
 *           last task wakes the driver;
 *   driver  waits until done == N x w (acquire), sums the counts:
 *           iteration time = window / total ops (the group's time per op,
 *           as bm_window_run reports it for GB-threaded benchmarks).
 * After the last window: quit = 1 and go = w + 1 release the tasks into
 * exit; the driver joins the threads or reaps the processes, then runs
 * teardown (which sees every task's writes: join / waitpid).
 *
 * Waits spin briefly (the other side is usually a few microseconds away),
 * then sleep on a process-shared futex (FUTEX_WAIT without _PRIVATE: the
 * key is the shared page, so it works across fork). The driver's waits time
 * out every 100 ms to check that no task process died: a dead task turns
 * into an error row naming it (the others are killed), never a hang. Task
 * processes die with the driver (PR_SET_PDEATHSIG), so the runner's
 * --timeout and Ctrl-C leave no orphans.
 */
#include "tlb.h"
#include "tlb_runner.h"

#include "pin.h"
#include "threadlab/common.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAD 128 /* two cache lines: the adjacent-line prefetcher pairs them */
#define SPIN 4000
#define DEFAULT_WINDOW_S 0.01

struct slot {
	_Alignas(PAD) _Atomic uint64_t ops; /* this window, published by tlb_task_running */
	int cpu_first, cpu_last;            /* after pinning, at exit */
	int pin_err;                        /* tlb_pin_self's code, 0 ok */
	pid_t pid;
};

struct ctl {
	_Alignas(PAD) _Atomic uint32_t go;   /* window released by the driver (futex) */
	_Alignas(PAD) _Atomic uint32_t done; /* task-windows finished, cumulative (futex) */
	_Alignas(PAD) _Atomic uint32_t stop; /* raised by task 0: read by every task all window long */
	_Alignas(PAD) _Atomic uint32_t arrived; /* start barrier */
	_Alignas(PAD) _Atomic uint32_t gen;     /* start barrier generation (futex) */
	_Atomic uint32_t quit;
	_Atomic uint64_t window_ns; /* task 0, before its done increment */
	struct slot slot[];
};

struct drv;

/* A task's own view; tlb_task first, so a tlb_task * is one of these. */
struct task_priv {
	tlb_task pub;
	struct drv *d;
	uint64_t t0, end; /* task 0: the window */
};

struct drv {
	tlb_state *st;
	const struct tlb__task_def *def;
	struct ctl *ctl;
	void *user; /* the benchmark's block, after the control pages */
	size_t map_len;
	int n;
	bool process;
	uint64_t window_ns;
	struct task_priv *tasks;
	pid_t *pids;
	pthread_t *threads;
	bool *reaped;
	uint64_t *totals; /* per task, all windows */
	bool skipped;
};

/* ---- futex on a shared page ---- */
static void fx_wait(_Atomic uint32_t *w, uint32_t val, const struct timespec *rel)
{
	syscall(SYS_futex, (uint32_t *)w, FUTEX_WAIT, val, rel, NULL, 0);
}

static void fx_wake(_Atomic uint32_t *w)
{
	syscall(SYS_futex, (uint32_t *)w, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

static inline void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Until *w >= target (acquire). Counts only grow within one invocation. */
static void wait_at_least(_Atomic uint32_t *w, uint32_t target)
{
	uint32_t v;
	for (int i = 0; (v = atomic_load_explicit(w, memory_order_acquire)) < target; i++) {
		if (i < SPIN)
			relax();
		else
			fx_wait(w, v, NULL);
	}
}

/* Generation barrier of the n tasks (bm_barrier, process-shared): the last
 * arrival resets the count before publishing the new generation (release),
 * the others acquire it; the arrivals' RMWs form one release sequence. */
static void start_barrier(struct ctl *c, unsigned n)
{
	uint32_t gen = atomic_load_explicit(&c->gen, memory_order_acquire);
	if (atomic_fetch_add_explicit(&c->arrived, 1, memory_order_acq_rel) + 1 == n) {
		atomic_store_explicit(&c->arrived, 0, memory_order_relaxed);
		atomic_fetch_add_explicit(&c->gen, 1, memory_order_release);
		if (n > 1)
			fx_wake(&c->gen);
		return;
	}
	for (int i = 0; atomic_load_explicit(&c->gen, memory_order_acquire) == gen; i++) {
		if (i < SPIN)
			relax();
		else
			fx_wait(&c->gen, gen, NULL);
	}
}

/* ---- the task ---- */
bool tlb__task_tick(tlb_task *t)
{
	struct task_priv *tp = (struct task_priv *)t;
	struct ctl *c = tp->d->ctl;
	uint64_t now = now_ns();
	if (now < tp->end)
		return true;
	atomic_store_explicit(&c->window_ns, now - tp->t0, memory_order_relaxed);
	atomic_store_explicit(&c->stop, 1, memory_order_relaxed);
	return false;
}

static void task_main(struct task_priv *tp)
{
	struct drv *d = tp->d;
	struct ctl *c = d->ctl;
	const int i = tp->pub.index;
	struct slot *sl = &c->slot[i];
	/* Under the benchmark's pin policy: the shim selected it (tlb_pin_use)
	 * before calling the driver; a thread or forked task inherits it. */
	int cpu = tlb_pin_self(i);
	sl->pin_err = cpu < 0 ? cpu : 0;
	sl->cpu_first = cpu;
	sl->pid = getpid();
	tp->pub.cpu = tlb_pin_cpu_for(i);
	tp->pub._ops = &sl->ops;
	tp->pub._stop = &c->stop;
	for (uint32_t w = 1;; w++) {
		wait_at_least(&c->go, w);
		if (atomic_load_explicit(&c->quit, memory_order_relaxed))
			break;
		start_barrier(c, (unsigned)d->n);
		if (i == 0) {
			tp->t0 = now_ns();
			tp->end = tp->t0 + d->window_ns;
		}
		d->def->body(&tp->pub);
		if (i == 0 && !atomic_load_explicit(&c->stop, memory_order_relaxed)) {
			/* a body that returned before its window ended: end it
			 * now rather than leave the others running forever */
			atomic_store_explicit(&c->window_ns, now_ns() - tp->t0, memory_order_relaxed);
			atomic_store_explicit(&c->stop, 1, memory_order_relaxed);
		}
		if (atomic_fetch_add_explicit(&c->done, 1, memory_order_release) + 1 == (uint32_t)d->n * w)
			fx_wake(&c->done);
	}
	sl->cpu_last = sched_getcpu();
}

static void *thread_main(void *p)
{
	task_main(p);
	return NULL;
}

/* ---- the driver ---- */
static void skipf(struct drv *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void skipf(struct drv *d, const char *fmt, ...)
{
	if (d->skipped)
		return; /* the first reason is the one that matters */
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	tlb_skip(d->st, msg);
	d->skipped = true;
}

static const char *signame(int sig)
{
	const char *s = sigabbrev_np(sig);
	return s ? s : "?";
}

/* A task process that ended before quit: say which and how. */
static bool check_alive(struct drv *d)
{
	if (!d->process)
		return true;
	for (int i = 0; i < d->n; i++) {
		int ws;
		if (d->reaped[i] || waitpid(d->pids[i], &ws, WNOHANG) != d->pids[i])
			continue;
		d->reaped[i] = true;
		if (WIFSIGNALED(ws))
			skipf(d, "task %d (pid %d) died: killed by SIG%s", i, (int)d->pids[i], signame(WTERMSIG(ws)));
		else
			skipf(d, "task %d (pid %d) exited early with status %d", i, (int)d->pids[i], WEXITSTATUS(ws));
		return false;
	}
	return true;
}

static bool wait_done(struct drv *d, uint32_t target)
{
	_Atomic uint32_t *w = &d->ctl->done;
	uint32_t v;
	for (int i = 0; (v = atomic_load_explicit(w, memory_order_acquire)) < target; i++) {
		if (i < SPIN) {
			relax();
			continue;
		}
		struct timespec rel = { 0, 100 * 1000 * 1000 };
		fx_wait(w, v, &rel);
		if (!check_alive(d))
			return false;
	}
	return true;
}

/* Releases every started task into exit and waits for them; kill: the run
 * failed and tasks may be stuck (a dead peer in the start barrier). */
static void stop_tasks(struct drv *d, int started, uint32_t w, bool kill_them)
{
	struct ctl *c = d->ctl;
	atomic_store_explicit(&c->quit, 1, memory_order_relaxed);
	atomic_store_explicit(&c->go, w + 1, memory_order_release);
	fx_wake(&c->go);
	for (int i = 0; i < started; i++) {
		if (!d->process) {
			pthread_join(d->threads[i], NULL);
			continue;
		}
		if (d->reaped[i])
			continue;
		if (kill_them)
			kill(d->pids[i], SIGKILL);
		int ws;
		while (waitpid(d->pids[i], &ws, 0) < 0 && errno == EINTR)
			;
		d->reaped[i] = true;
		if (!kill_them && WIFSIGNALED(ws))
			skipf(d, "task %d (pid %d) died: killed by SIG%s", i, (int)d->pids[i], signame(WTERMSIG(ws)));
		else if (!kill_them && WEXITSTATUS(ws) != 0)
			skipf(d, "task %d (pid %d) exited with status %d", i, (int)d->pids[i], WEXITSTATUS(ws));
	}
}

static int start_tasks(struct drv *d)
{
	const pid_t self = getpid();
	for (int i = 0; i < d->n; i++) {
		struct task_priv *tp = &d->tasks[i];
		if (!d->process) {
			int rc = pthread_create(&d->threads[i], NULL, thread_main, tp);
			if (rc != 0) {
				skipf(d, "starting task thread %d of %d failed: %s", i, d->n, strerror(rc));
				return i;
			}
			continue;
		}
		fflush(stdout);
		fflush(stderr);
		pid_t pid = fork();
		if (pid < 0) {
			skipf(d, "forking task %d of %d failed: %s", i, d->n, strerror(errno));
			return i;
		}
		if (pid == 0) {
			/* Die with the driver (runner timeout, Ctrl-C, crash). */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != self)
				_exit(111);
			task_main(tp);
			_exit(0);
		}
		d->pids[i] = pid;
	}
	return d->n;
}

static void hook_view(struct drv *d, struct task_priv *h, const int64_t *args, int nargs)
{
	memset(h, 0, sizeof *h);
	h->pub.shared = d->user;
	h->pub.index = -1;
	h->pub.count = d->n;
	h->pub.cpu = -1;
	h->pub.process = d->process;
	for (int k = 0; k < nargs && k < TLB_MAX_ARGS; k++)
		h->pub.args[k] = args[k];
	h->pub._drv = d;
	h->d = d;
}

static void add_cpu(int *cpus, int *n, int max, int cpu)
{
	if (cpu < 0)
		return;
	for (int k = 0; k < *n; k++)
		if (cpus[k] == cpu)
			return;
	if (*n < max)
		cpus[(*n)++] = cpu;
}

static size_t page_up(size_t n)
{
	long ps = sysconf(_SC_PAGESIZE);
	size_t p = ps > 0 ? (size_t)ps : 4096;
	if (p < 4096)
		p = 4096;
	return (n + p - 1) / p * p;
}

int tlb__task_invoke(tlb_state *st, const struct tlb__task_def *def, enum tlb_mode mode, int ntasks,
		     const int64_t *args, int nargs, int *cpus, int max_cpus)
{
	struct drv d;
	memset(&d, 0, sizeof d);
	d.st = st;
	d.def = def;
	d.n = ntasks;
	d.process = mode == TLB_MODE_PROCESSES;
	d.window_ns = (uint64_t)((def->window_s > 0 ? def->window_s : DEFAULT_WINDOW_S) * 1e9);
	if (ntasks < 1) {
		skipf(&d, "needs at least one task");
		return 0;
	}
	/* The driver mostly sleeps; it must not sit on task 0's CPU. */
	tlb_pin_unbind_self();

	size_t ctl_len = page_up(sizeof(struct ctl) + (size_t)ntasks * sizeof(struct slot));
	d.map_len = ctl_len + page_up(def->shared_size > 0 ? def->shared_size : 1);
	void *map = mmap(NULL, d.map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	d.tasks = calloc((size_t)ntasks, sizeof *d.tasks);
	d.pids = calloc((size_t)ntasks, sizeof *d.pids);
	d.threads = calloc((size_t)ntasks, sizeof *d.threads);
	d.reaped = calloc((size_t)ntasks, sizeof *d.reaped);
	d.totals = calloc((size_t)ntasks, sizeof *d.totals);
	int ncpus = 0;
	if (map == MAP_FAILED || !d.tasks || !d.pids || !d.threads || !d.reaped || !d.totals) {
		skipf(&d, "out of memory for %d tasks", ntasks);
		goto out;
	}
	d.ctl = map;
	d.user = (char *)map + ctl_len;
	struct task_priv hook;
	hook_view(&d, &hook, args, nargs);
	if (def->setup) {
		int rc = def->setup(&hook.pub);
		if (rc != 0) {
			skipf(&d, "setup failed: %s", tl_strerror(rc));
			goto out;
		}
		if (d.skipped)
			goto out;
	}
	for (int i = 0; i < ntasks; i++) {
		d.tasks[i] = hook;
		d.tasks[i].pub.index = i;
	}

	int started = start_tasks(&d);
	uint32_t w = 0;
	uint64_t all_ns = 0;
	double best = 0; /* the best window's throughput: the least disturbed one */
	if (started == ntasks) {
		struct ctl *c = d.ctl;
		while (tlb_keep_running(st)) {
			w++;
			for (int i = 0; i < ntasks; i++)
				atomic_store_explicit(&c->slot[i].ops, 0, memory_order_relaxed);
			atomic_store_explicit(&c->stop, 0, memory_order_relaxed);
			atomic_store_explicit(&c->go, w, memory_order_release);
			fx_wake(&c->go);
			if (!wait_done(&d, (uint32_t)ntasks * w))
				break;
			uint64_t sum = 0;
			for (int i = 0; i < ntasks; i++) {
				uint64_t v = atomic_load_explicit(&c->slot[i].ops, memory_order_relaxed);
				d.totals[i] += v;
				sum += v;
			}
			uint64_t wns = atomic_load_explicit(&c->window_ns, memory_order_relaxed);
			all_ns += wns;
			if (wns > 0 && (double)sum * 1e9 / (double)wns > best)
				best = (double)sum * 1e9 / (double)wns;
			tlb_set_iteration_time(st, sum ? (double)wns * 1e-9 / (double)sum : (double)wns * 1e-9);
		}
	}
	stop_tasks(&d, started, w, d.skipped || started != ntasks);

	for (int i = 0; i < started; i++) {
		struct slot *sl = &d.ctl->slot[i];
		if (sl->pin_err < 0)
			skipf(&d, "pinning task %d to CPU %d failed: %s", i, tlb_pin_cpu_for(i), tl_strerror(sl->pin_err));
		add_cpu(cpus, &ncpus, max_cpus, sl->cpu_first);
		add_cpu(cpus, &ncpus, max_cpus, sl->cpu_last);
	}
	if (!d.skipped) {
		uint64_t total = 0;
		for (int i = 0; i < ntasks; i++)
			total += d.totals[i];
		double secs = (double)all_ns * 1e-9;
		/* Summed by GB over its threads: one driver thread, so as is. */
		tlb_counter(st, "throughput", secs > 0 ? (double)total / secs : 0, TLB_COUNTER_PLAIN);
		tlb_counter(st, "throughput_max", best, TLB_COUNTER_PLAIN);
	}
	if (def->teardown && started == ntasks) {
		int rc = def->teardown(&hook.pub);
		if (rc != 0)
			skipf(&d, "teardown failed: %s", tl_strerror(rc));
	}
out:
	if (map != MAP_FAILED)
		munmap(map, d.map_len);
	free(d.tasks);
	free(d.pids);
	free(d.threads);
	free(d.reaped);
	free(d.totals);
	return ncpus;
}

/* ---- for hooks ---- */
uint64_t tlb_task_ops(const tlb_task *t, int index)
{
	const struct drv *d = ((const struct task_priv *)t)->d;
	if (!d || !d->totals)
		return 0;
	if (index >= 0)
		return index < d->n ? d->totals[index] : 0;
	uint64_t s = 0;
	for (int i = 0; i < d->n; i++)
		s += d->totals[i];
	return s;
}

void tlb_task_counter(tlb_task *t, const char *name, double value)
{
	struct drv *d = ((struct task_priv *)t)->d;
	if (t->index < 0 && d)
		tlb_counter(d->st, name, value, TLB_COUNTER_PLAIN);
}

void tlb_task_skip(tlb_task *t, const char *message)
{
	struct drv *d = ((struct task_priv *)t)->d;
	if (t->index < 0 && d)
		skipf(d, "%s", message && *message ? message : "skipped");
}

void tlb_task_label(tlb_task *t, const char *label)
{
	struct drv *d = ((struct task_priv *)t)->d;
	if (t->index < 0 && d)
		tlb_set_label(d->st, label);
}
