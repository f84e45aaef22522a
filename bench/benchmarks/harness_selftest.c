/* harness_selftest.c — benchmarks that exercise the harness itself (tests in
 * tests/harness/). Registered only when TL_BENCH_SELFTEST=1, so they never
 * appear in a normal run. Each one stresses one promise of the runner:
 * counters and items, argument names, thread counts and oversubscription,
 * CSV escaping of an error message, a benchmark that crashes, one that never
 * finishes (SIGINT and --timeout tests), one that returns before its loop.
 *
 * selftest/epochs: tlb_epochs (median-epoch real time; tests/harness epochs).
 *
 * Task benchmarks (process mode, issue 9; tests/harness procmode group):
 *   selftest/task_shared   2 tasks bump a counter in the shared block under a
 *                          TL_PSHARED tl_lock that is also in the block: in
 *                          both modes the counter ends exactly at the ops
 *                          the harness counted (exact=1).
 *   selftest/task_private  the same under a TL_PRIVATE tl_lock in this
 *                          process's own memory (a static): threads share it
 *                          (exact), forked processes each get their own copy,
 *                          so no task ever finds the lock held (busy=0) and
 *                          the driver's own copy of a counter the tasks bump
 *                          under it stays 0 (parent_counter=0). Lost updates
 *                          on the shared counter may or may not happen.
 *   selftest/task_crash    processes only: task 1 SIGKILLs itself; the row
 *                          must be an error naming it, not a hang.
 * Counters: ops (the harness's count), counter, exact, busy, pids (distinct
 * pids among the tasks), parent_counter (task_private).
 */
#include "tlb.h"

#include "threadlab/lock.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void bm_ok(tlb_state *st)
{
	int64_t total = 0;
	for (int64_t n; (n = tlb_batch(st)) > 0;) {
		for (int64_t i = 0; i < n; i++)
			TLB_CLOBBER();
		total += n;
	}
	tlb_set_items(st, total);
	tlb_counter(st, "hits", (double)total, TLB_COUNTER_PLAIN);
	tlb_counter(st, "cpu", (double)tlb_cpu(st), TLB_COUNTER_AVG_THREADS);
}

/* tlb_epochs: the batches tlb_batch hands out (15 epochs of 66 or 67 of
 * 1000 iterations), as counters the test checks. */
static void bm_epochs(tlb_state *st)
{
	int64_t total = 0, batches = 0, lo = INT64_MAX, hi = 0;
	for (int64_t n; (n = tlb_batch(st)) > 0;) {
		for (int64_t i = 0; i < n; i++)
			TLB_CLOBBER();
		total += n;
		batches++;
		lo = n < lo ? n : lo;
		hi = n > hi ? n : hi;
	}
	tlb_counter(st, "total", (double)total, TLB_COUNTER_PLAIN);
	tlb_counter(st, "batches", (double)batches, TLB_COUNTER_PLAIN);
	tlb_counter(st, "min_batch", (double)lo, TLB_COUNTER_PLAIN);
	tlb_counter(st, "max_batch", (double)hi, TLB_COUNTER_PLAIN);
}

static void bm_crash(tlb_state *st)
{
	(void)st;
	raise(SIGSEGV);
	abort(); /* if SIGSEGV is caught by a sanitizer and returns */
}

static void bm_args(tlb_state *st)
{
	int64_t cs = tlb_arg(st, 0), work = tlb_arg(st, 1);
	for (int64_t n; (n = tlb_batch(st)) > 0;)
		for (int64_t i = 0; i < n; i++)
			TLB_DO_NOT_OPTIMIZE(cs + work);
	tlb_counter(st, "cs", (double)cs, TLB_COUNTER_AVG_THREADS);
}

static void bm_escape(tlb_state *st)
{
	tlb_skip(st, "needs \"quotes\", commas,\nand a newline");
}

static void bm_threads(tlb_state *st)
{
	for (int64_t n; (n = tlb_batch(st)) > 0;)
		for (int64_t i = 0; i < n; i++)
			TLB_CLOBBER();
	tlb_counter(st, "thread_count", (double)tlb_thread_count(st), TLB_COUNTER_AVG_THREADS);
}

static void bm_block(tlb_state *st)
{
	(void)st;
	for (;;)
		pause(); /* until the runner is interrupted or times out */
}

static void bm_early_return(tlb_state *st)
{
	(void)st; /* returns without running its loop: must be an error row, not an abort */
}

/* ---- task benchmarks ---- */
#define SELF_TASKS 64

struct selftest_sh {
	tl_lock_t lock;   /* task_shared: TL_PSHARED, one lock for every task */
	uint64_t counter; /* plain: only a lock protects it */
	_Atomic uint64_t busy;
	_Atomic int pid[SELF_TASKS];
};

static tl_lock_t private_lock;   /* this process's memory: fork() copies it */
static uint64_t private_counter; /* ditto, bumped under private_lock */

/* A read-modify-write with a window (the clobber forces load and store). */
static inline void bump(uint64_t *c)
{
	uint64_t v = *c;
	TLB_CLOBBER();
	*c = v + 1;
}

static inline void task_loop(tlb_task *t, tl_lock_t *l, uint64_t *also)
{
	struct selftest_sh *s = t->shared;
	if (t->index < SELF_TASKS)
		atomic_store_explicit(&s->pid[t->index], (int)getpid(), memory_order_relaxed);
	uint64_t n = 0, busy = 0;
	while (tlb_task_running(t, n)) {
		for (int k = 0; k < 16; k++) {
			if (tl_lock_try_acquire(l) != 0) {
				busy++;
				tl_lock_acquire(l, true, TL_FOREVER);
			}
			bump(&s->counter);
			if (also)
				bump(also);
			tl_lock_release(l);
		}
		n += 16;
	}
	atomic_fetch_add_explicit(&s->busy, busy, memory_order_relaxed);
}

static void body_shared(tlb_task *t)
{
	task_loop(t, &((struct selftest_sh *)t->shared)->lock, NULL);
}

static void body_private(tlb_task *t)
{
	task_loop(t, &private_lock, &private_counter);
}

static void body_crash(tlb_task *t)
{
	if (t->index == 1)
		kill(getpid(), SIGKILL); /* uncatchable, even by a sanitizer */
	task_loop(t, &((struct selftest_sh *)t->shared)->lock, NULL);
}

static int setup_shared(tlb_task *t)
{
	return tl_lock_init(&((struct selftest_sh *)t->shared)->lock, TL_PSHARED);
}

static int setup_private(tlb_task *t)
{
	(void)t;
	private_counter = 0;
	return tl_lock_init(&private_lock, TL_PRIVATE);
}

static void report(tlb_task *t)
{
	struct selftest_sh *s = t->shared;
	uint64_t ops = tlb_task_ops(t, -1);
	int pids = 0;
	for (int i = 0; i < t->count && i < SELF_TASKS; i++) {
		int p = atomic_load_explicit(&s->pid[i], memory_order_relaxed), seen = 0;
		for (int j = 0; j < i; j++)
			seen |= atomic_load_explicit(&s->pid[j], memory_order_relaxed) == p;
		pids += !seen;
	}
	tlb_task_counter(t, "ops", (double)ops);
	tlb_task_counter(t, "counter", (double)s->counter);
	tlb_task_counter(t, "exact", s->counter == ops);
	tlb_task_counter(t, "busy", (double)atomic_load_explicit(&s->busy, memory_order_relaxed));
	tlb_task_counter(t, "pids", pids);
	tlb_task_label(t, t->process ? "tasks are processes" : "tasks are threads");
}

static int teardown_shared(tlb_task *t)
{
	report(t);
	return tl_lock_destroy(&((struct selftest_sh *)t->shared)->lock);
}

static int teardown_private(tlb_task *t)
{
	report(t);
	tlb_task_counter(t, "parent_counter", (double)private_counter);
	return tl_lock_destroy(&private_lock);
}

static void task_bench(tlb_bench *b)
{
	tlb_threads(b, 2);
	tlb_iterations(b, 2);      /* windows */
	tlb_task_window(b, 0.002); /* short: a test */
}

TLB_REGISTER(harness_selftest)
{
	const char *on = getenv("TL_BENCH_SELFTEST");
	if (!on || strcmp(on, "1") != 0)
		return;
	tlb_bench *b = tlb_register("selftest/ok", bm_ok);
	tlb_iterations(b, 1000);

	tlb_register("selftest/crash", bm_crash);

	b = tlb_register("selftest/epochs", bm_epochs);
	tlb_epochs(b);
	tlb_real_time(b);
	tlb_iterations(b, 1000);

	b = tlb_register("selftest/args", bm_args);
	static const char *const names[] = { "cs", "work" };
	static const int64_t cs[] = { 0, 100 }, work[] = { 7 };
	static const int64_t *const lists[] = { cs, work };
	static const int lens[] = { 2, 1 };
	tlb_arg_names(b, names, 2);
	tlb_arg_product(b, lists, lens, 2);
	tlb_iterations(b, 1000);

	b = tlb_register("selftest/escape", bm_escape);

	b = tlb_register("selftest/threads", bm_threads);
	tlb_threads(b, 1);
	tlb_threads(b, TLB_THREADS_ALLOWED);
	tlb_threads(b, TLB_THREADS_OVERSUB);
	tlb_iterations(b, 1000);

	b = tlb_register("selftest/sweep", bm_threads);
	tlb_threads_sweep(b);
	tlb_iterations(b, 1000);

	tlb_register("selftest/block", bm_block);
	tlb_register("selftest/early_return", bm_early_return);

	b = tlb_register_task("selftest/task_shared", body_shared, sizeof(struct selftest_sh));
	tlb_task_hooks(b, setup_shared, teardown_shared);
	task_bench(b);
	b = tlb_register_task("selftest/task_private", body_private, sizeof(struct selftest_sh));
	tlb_task_hooks(b, setup_private, teardown_private);
	task_bench(b);
	b = tlb_register_task("selftest/task_crash", body_crash, sizeof(struct selftest_sh));
	tlb_task_hooks(b, setup_shared, teardown_shared);
	tlb_task_modes(b, TLB_MODE_PROCESSES);
	task_bench(b);
}
