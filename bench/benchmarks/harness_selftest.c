/* harness_selftest.c — benchmarks that exercise the harness itself (tests in
 * tests/harness/). Registered only when TL_BENCH_SELFTEST=1, so they never
 * appear in a normal run. Each one stresses one promise of the runner:
 * counters and items, argument names, thread counts and oversubscription,
 * CSV escaping of an error message, a benchmark that crashes, one that never
 * finishes (SIGINT and --timeout tests), one that returns before its loop.
 */
#include "tlb.h"

#include <signal.h>
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

TLB_REGISTER(harness_selftest)
{
	const char *on = getenv("TL_BENCH_SELFTEST");
	if (!on || strcmp(on, "1") != 0)
		return;
	tlb_bench *b = tlb_register("selftest/ok", bm_ok);
	tlb_iterations(b, 1000);

	tlb_register("selftest/crash", bm_crash);

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
}
