/* sched_gap.c — native/sched_gap: how long the scheduler keeps a runnable
 * thread off its CPU, in the lock fairness rows' setting (the same thread
 * counts, pinning and windows as <lock>/fairness, no lock at all). Each op
 * is 1 us of busy work; the time it overran is time the thread was not
 * running (a preemption), recorded like a fairness row's acquire wait:
 * counters wait_p50_ns, wait_p99_ns, wait_max_ns. With more threads than
 * CPUs, wait_max is about one time slice: the floor under any lock's
 * longest acquire wait there, since a holder or a waiter preempted in the
 * middle of its acquire stays off the CPU that long whatever the lock does
 * (lockbody.h's fairness rows; issue 19's "longest wait <= 1 ms"). */
#include "lockbody.h"

#define GAP_WORK_NS 1000

static void gap_op(void *ctx)
{
	(void)ctx;
	const uint64_t t0 = bm_now_ns();
	while (bm_now_ns() - t0 < GAP_WORK_NS)
		bm_cpu_relax();
	bm_wait_end(t0 + GAP_WORK_NS); /* the overrun, as an acquire wait */
}

static void bm_sched_gap(tlb_state *st)
{
	struct bm_window_cfg cfg = {bm_window_len_ns(), true};
	bm_window_run(st, &cfg, gap_op, NULL, NULL);
}

TLB_REGISTER(sched_gap)
{
	tlb_bench *b = tlb_register("native/sched_gap", bm_sched_gap);
	tlb_skip_quick(b);
	tlb_threads(b, 2);
	tlb_threads(b, TLB_THREADS_ALLOWED);
	tlb_threads(b, TLB_THREADS_OVERSUB);
	tlb_manual_time(b);
	tlb_iterations(b, BM_WINDOWS);
}
