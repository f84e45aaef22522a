/* lockbody.c — registration and checks of the shared lock bodies (lockbody.h). */
#include "lockbody.h"

#include <string.h>

void bm_lock_check(tlb_state *st, const struct bm_lock_ctx *c, uint64_t ops)
{
	if (c->counter != ops) {
		char msg[128];
		snprintf(msg, sizeof msg, "mutual exclusion broken: %llu ops but counter %llu",
			 (unsigned long long)ops, (unsigned long long)c->counter);
		tlb_skip(st, msg);
	}
}

/* quick NULL: the default suite only (no --quick twin) */
static void reg_one(const char *name, const char *variant, const char *baseline, tlb_fn fn, tlb_bench **full,
		    tlb_bench **quick)
{
	char n[128], b[128];
	snprintf(n, sizeof n, "%s/%s", name, variant);
	if (quick) {
		bm_reg2(n, fn, full, quick);
	} else {
		*full = tlb_register(n, fn);
		tlb_skip_quick(*full);
	}
	if (baseline) {
		snprintf(b, sizeof b, "%s/%s", baseline, variant);
		tlb_baseline(*full, b);
		if (quick)
			tlb_baseline(*quick, b);
	}
}

/* one_per_cpu (peers): one thread per allowed CPU only, not the sweep */
static void window_bench(tlb_bench *b, int64_t iterations, bool one_per_cpu)
{
	if (one_per_cpu)
		tlb_threads(b, TLB_THREADS_ALLOWED);
	else
		tlb_threads_sweep(b);
	tlb_manual_time(b);
	tlb_iterations(b, iterations);
}

/* Fairness needs company: 2 threads (not for peers), one per allowed CPU,
 * then 2x: oversubscribed, where a waiter preempted by the scheduler waits a
 * time slice whatever the lock does, so the peers that sleep are measured
 * there too, for comparison (a spinlock is not: its holder preempted, the
 * spinners burn whole slices). */
static void fair_bench(tlb_bench *b, int64_t iterations, bool peer, bool spin)
{
	if (!peer)
		tlb_threads(b, 2);
	tlb_threads(b, TLB_THREADS_ALLOWED);
	if (!spin)
		tlb_threads(b, TLB_THREADS_OVERSUB);
	tlb_manual_time(b);
	tlb_iterations(b, iterations);
}

void bm_lock_register(const struct bm_lock_fns *f, const char *name, const char *baseline, int flags)
{
	static const char *const argn[] = {"cs", "work"};
	/* peers: one thread per CPU; --quick runs their single-thread rows
	 * only (a smoke test of the adapter; the comparisons are the default
	 * suite's) */
	const bool peer = flags & BM_LOCK_PEER, one_per_cpu = flags & (BM_LOCK_SPIN | BM_LOCK_PEER);
	tlb_bench *full, *quick;

	/* single-thread cost: median-epoch timing (tlb_epochs, tlb.h) */
	reg_one(name, "uncontended", baseline, f->uncontended, &full, &quick);
	tlb_epochs(full);
	tlb_epochs(quick);
	if (flags & BM_LOCK_REENTRANT) {
		reg_one(name, "reentrant", baseline, f->reentrant, &full, &quick);
		tlb_epochs(full);
		tlb_epochs(quick);
	}

	if (!(flags & BM_LOCK_NO_CONTENDED)) {
		reg_one(name, "contended", baseline, f->contended, &full, peer ? NULL : &quick);
		/* (cs, work): no work at all, ~100 ns inside, ~100 ns inside and
		 * ~500 ns outside; BM_LOCK_LIGHT: the middle one only */
		static const int64_t tuples[][2] = {{100, 0}, {0, 0}, {100, 500}};
		tlb_arg_names(full, argn, 2);
		const int ntuples = flags & BM_LOCK_LIGHT ? 1 : peer ? 2 : 3;
		for (int i = 0; i < ntuples; i++)
			tlb_args(full, tuples[i], 2);
		window_bench(full, BM_WINDOWS, one_per_cpu);
		static const int64_t q[] = {100, 0};
		if (!peer) {
			tlb_arg_names(quick, argn, 2);
			tlb_args(quick, q, 2);
			window_bench(quick, 2, false);
		}
	}
	if (flags & BM_LOCK_FAIRNESS) {
		reg_one(name, "fairness", baseline, f->fairness, &full, peer ? NULL : &quick);
		static const int64_t a[] = {100, 0};
		tlb_arg_names(full, argn, 2);
		tlb_args(full, a, 2);
		fair_bench(full, BM_WINDOWS, peer, flags & BM_LOCK_SPIN);
		if (!peer) {
			tlb_arg_names(quick, argn, 2);
			tlb_args(quick, a, 2);
			fair_bench(quick, 2, false, flags & BM_LOCK_SPIN);
		}
	}
}
