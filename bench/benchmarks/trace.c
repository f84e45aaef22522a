/* trace.c — what tracing costs (issue 16): the seed's lock lesson
 * (lockjoin/lock: N threads, temp = n; work; n = temp - 1 under one
 * tl_lock) with tracing off and on, and one uncontended acquire/release
 * pair off and on. "on" records every hook into the per-thread buffers
 * (threadlab/trace.h); the file is written after the run, outside the
 * timing, as tl-workload --trace does. Rows "/on" are ratios against "/off".
 *
 * The lockjoin rows time the workload's own run (its wall_s: the lock
 * variant's race-free reference run is excluded, and untraced). Args:
 * work 0 = sleep (the seed), 1 = CPU spin; the rest at their defaults
 * (--quick: quick sizes). */
#include "tlb.h"
#include "workload.h"

#include "threadlab/lock.h"
#include "threadlab/trace.h"

#include <stdlib.h>

static void lockjoin(tlb_state *st, bool on)
{
	const struct tlw_workload *w;
	int variant;
	struct tlw_ctx *c = malloc(sizeof *c);
	if (!c || tlw_find_case("lockjoin/lock", &w, &variant) != 0) {
		free(c);
		tlb_skip(st, "lockjoin/lock not linked in");
		return;
	}
	tlw_ctx_init(c, w, variant, tlb_arg(st, 1) != 0);
	c->p[tlw_param_index(w, "work")] = tlb_arg(st, 0);
	while (tlb_keep_running(st)) {
		int r = on ? tl_trace_start(0) : 0;
		if (r == 0)
			r = tlw_run(c);
		tl_trace_stop();
		if (r != 0) {
			tlb_skip(st, r == TL_EPERM ? "built with -DTL_TRACE=OFF" : c->error);
			break;
		}
		tlb_set_iteration_time(st, tlw_get_counter(c, "wall_s"));
		tlb_counter(st, "events", (double)tl_trace_events(), TLB_COUNTER_PLAIN);
		tl_trace_reset();
	}
	free(c);
}

static void bm_lockjoin_off(tlb_state *st) { lockjoin(st, false); }
static void bm_lockjoin_on(tlb_state *st) { lockjoin(st, true); }

static tl_lock_t pair_lock;

static void pair(tlb_state *st, bool on)
{
	/* Every acquire/release is recorded: when the next batch could pass the
	 * budget (4 Mi events, 128 MiB), the trace restarts with the clock
	 * paused, so no row ever times the cheap "cut" path. */
	const int64_t budget = (int64_t)1 << 22;
	int64_t recorded = 0;
	tl_lock_init(&pair_lock, TL_PRIVATE);
	if (on && tl_trace_start((size_t)budget) != 0) {
		tlb_skip(st, "built with -DTL_TRACE=OFF");
		return;
	}
	for (int64_t n; (n = tlb_batch(st)) > 0;) {
		if (on && recorded + 2 * n > budget) {
			tlb_pause(st);
			tl_trace_start((size_t)budget);
			tlb_resume(st);
			recorded = 0;
		}
		recorded += 2 * n;
		for (int64_t i = 0; i < n; i++) {
			tl_lock_acquire(&pair_lock, true, TL_FOREVER);
			tl_lock_release(&pair_lock);
		}
	}
	if (on && tl_trace_truncated())
		tlb_skip(st, "trace cut: a batch larger than the budget");
	tl_trace_stop();
	tl_trace_reset();
}

static void bm_pair_off(tlb_state *st) { pair(st, false); }
static void bm_pair_on(tlb_state *st) { pair(st, true); }

static void lockjoin_register(const char *name, tlb_fn fn, bool quick)
{
	tlb_bench *b = tlb_register(name, fn);
	if (fn == bm_lockjoin_on)
		tlb_baseline(b, "trace/lockjoin-lock/off");
	static const char *const names[] = { "work", "quick" };
	const int64_t work[] = { 0, 1 }, q[] = { quick };
	const int64_t *lists[] = { work, q };
	const int lens[] = { 2, 1 };
	tlb_arg_names(b, names, 2);
	tlb_arg_product(b, lists, lens, 2);
	tlb_manual_time(b);
	tlb_iterations(b, 1);
	tlb_repetitions(b, 5);
	tlb_unit(b, TLB_MS);
	if (quick)
		tlb_quick_only(b);
	else
		tlb_skip_quick(b);
}

TLB_REGISTER(trace)
{
	for (int q = 0; q < 2; q++) {
		lockjoin_register("trace/lockjoin-lock/off", bm_lockjoin_off, q);
		lockjoin_register("trace/lockjoin-lock/on", bm_lockjoin_on, q);
	}
	tlb_register("trace/lock-uncontended/off", bm_pair_off);
	tlb_bench *b = tlb_register("trace/lock-uncontended/on", bm_pair_on);
	tlb_baseline(b, "trace/lock-uncontended/off");
}
