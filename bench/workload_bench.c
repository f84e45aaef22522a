/* workload_bench.c — every (workload, variant) as a Google Benchmark, in
 * tl-bench only (tl-workload does not link this file).
 *
 * workload.c calls tlw__bench_adapt() (weak there, defined here) from each
 * workload's registration constructor, so every workload is adapted exactly
 * once whatever the link order; tlb_register() is itself meant to be called
 * from constructors (the shim applies registrations when the runner starts).
 *
 * One benchmark per (workload, variant): manual time (the run's wall_s),
 * one iteration per repetition and 3 repetitions unless the runner says
 * otherwise (a run is already a whole experiment), the
 * first TLW_BENCH_ARGS parameters as arguments at their default values
 * (TLW_P_SWEEP ones at every value), and a --quick twin at the quick sizes.
 * Every counter the workload fills becomes a user counter (CSV `counters`);
 * a counter named "items" also sets items_per_second. Variants listed
 * in process_variants fork their own processes: their rows say mode=processes
 * (they run when tl-bench's --mode includes processes) and they are
 * compared with the workload's process_baseline.
 */
#include "workload_bench.h"

#include "pin.h"

#include "threadlab/common.h"
#include "threadlab/trace.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tlw__bench_adapt(const struct tlw_workload *w);

/* The benchmark function gets no user pointer: find the case from the
 * registered name, which tlb passes back as the first two name parts. The
 * table maps a tlb_fn trampoline index to its case. */
#define TLW_MAX_CASES 256
static struct {
	const struct tlw_workload *w;
	int variant;
	bool quick;
} cases[TLW_MAX_CASES];
static int ncases;

void tlw_bench_args(tlb_state *st, struct tlw_ctx *c)
{
	const int nargs = c->w->nparams < TLW_BENCH_ARGS ? c->w->nparams : TLW_BENCH_ARGS;
	for (int i = 0; i < nargs; i++) {
		c->p[i] = tlb_arg(st, i);
		c->set[i] = true;
	}
}

void tlw_bench_report(tlb_state *st, const struct tlw_ctx *c)
{
	for (int k = 0; k < c->ncounters; k++)
		tlb_counter(st, c->counters[k].name, c->counters[k].value, TLB_COUNTER_PLAIN);
	if (c->note[0])
		tlb_set_label(st, c->note);
	if (tlw_has_counter(c, "items"))
		tlb_set_items(st, (int64_t)tlw_get_counter(c, "items"));
}

static void run_case(tlb_state *st, int idx)
{
	const struct tlw_workload *w = cases[idx].w;
	struct tlw_ctx *c = malloc(sizeof *c);
	if (!c) {
		tlb_skip(st, "out of memory");
		return;
	}
	tlw_ctx_init(c, w, cases[idx].variant, cases[idx].quick);
	tlw_bench_args(st, c);
	snprintf(c->pin, sizeof c->pin, "%s", tlb_pin_policy_name());

	/* tl-bench --trace DIR: every repetition is traced; the file keeps the
	 * last one (a start drops the trace before it). */
	const bool tracing = tlw_trace_dir() != NULL;
	while (tlb_keep_running(st)) {
		char path[4096 + 256] = "";
		if (tracing)
			tlw_trace_case_path(c, path, sizeof path);
		int r = tracing ? tlw_trace_begin(path, 0) : 0;
		if (r == 0)
			r = tlw_run(c);
		else
			snprintf(c->error, sizeof c->error, "--trace: %s", tl_strerror(r));
		if (tracing)
			tl_trace_stop();
		if (r != 0) {
			char msg[300];
			snprintf(msg, sizeof msg, "%s/%s: %s", w->name, c->v->name, c->error);
			tlb_skip(st, msg);
			free(c);
			return;
		}
		tlb_set_iteration_time(st, tlw_get_counter(c, "wall_s"));
	}
	tlw_bench_report(st, c);
	if (tracing) { /* a failed write is a failed benchmark, never a silent gap */
		char path[4096 + 256], why[600];
		tlw_trace_case_path(c, path, sizeof path);
		if (tlw_trace_finish(c, path, why, sizeof why) != 0)
			tlb_skip(st, why);
	}
	free(c);
}

/* One trampoline per case slot (tlb_fn carries no closure): 256 slots. */
#define T(a, b) \
	static void bm_##a##_##b(tlb_state *st) { run_case(st, (a) * 16 + (b)); }
#define T16(a) T(a, 0) T(a, 1) T(a, 2) T(a, 3) T(a, 4) T(a, 5) T(a, 6) T(a, 7) \
	T(a, 8) T(a, 9) T(a, 10) T(a, 11) T(a, 12) T(a, 13) T(a, 14) T(a, 15)
#define ALL T16(0) T16(1) T16(2) T16(3) T16(4) T16(5) T16(6) T16(7) \
	T16(8) T16(9) T16(10) T16(11) T16(12) T16(13) T16(14) T16(15)
ALL
#undef T
#define T(a, b) bm_##a##_##b,
static const tlb_fn trampolines[] = { ALL };
#undef T
#undef T16
#undef ALL
#define NTRAMPOLINES ((int)(sizeof trampolines / sizeof trampolines[0]))
_Static_assert(sizeof trampolines / sizeof trampolines[0] == 256, "trampolines");

/* Allowed CPUs at registration time (constructors run before the runner
 * loads its topology; the process affinity is what it will honour). */
static int64_t allowed_cpus(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) != 0)
		return 1;
	int n = CPU_COUNT(&set);
	return n > 0 ? n : 1;
}

static const char *arg_name(const struct tlw_param *p)
{
	return strcmp(p->name, "threads") == 0 ? "nthreads" : p->name;
}

void tlw_bench_add_args(tlb_bench *b, const struct tlw_workload *w, bool quick)
{
	int nargs = w->nparams < TLW_BENCH_ARGS ? w->nparams : TLW_BENCH_ARGS;
	if (nargs == 0)
		return;
	const char *names[TLW_BENCH_ARGS];
	int64_t storage[TLW_BENCH_ARGS][16];
	const int64_t *lists[TLW_BENCH_ARGS];
	int lens[TLW_BENCH_ARGS];
	for (int i = 0; i < nargs; i++) {
		const struct tlw_param *p = &w->params[i];
		names[i] = arg_name(p);
		lens[i] = 0;
		if ((p->flags & TLW_P_SWEEP) && p->max - p->min < 16) {
			for (int64_t v = p->min; v <= p->max; v++)
				storage[i][lens[i]++] = v;
		} else if (p->flags & TLW_P_SWEEP_POW2) {
			int64_t top = 2 * allowed_cpus();
			for (int64_t v = 1; v < top && lens[i] < 15; v *= 2)
				storage[i][lens[i]++] = v;
			storage[i][lens[i]++] = top;
		} else
			storage[i][lens[i]++] = quick ? p->quick : p->def;
		lists[i] = storage[i];
	}
	tlb_arg_names(b, names, nargs);
	tlb_arg_product(b, lists, lens, nargs);
}

void tlw__bench_adapt(const struct tlw_workload *w)
{
	for (int v = 0; v < w->nvariants; v++) {
		for (int q = 0; q < 2; q++) {
			if (ncases == NTRAMPOLINES) {
				fprintf(stderr, "workload_bench: more than %d cases, add trampolines\n", ncases);
				abort();
			}
			cases[ncases].w = w;
			cases[ncases].variant = v;
			cases[ncases].quick = q;
			char name[128];
			snprintf(name, sizeof name, "%s/%s", w->name, w->variants[v].name);
			tlb_bench *b = tlb_register(name, trampolines[ncases]);
			ncases++;
			bool procs = tlw_forks(w, v);
			const char *base_v = procs ? w->process_baseline : w->baseline;
			if (procs)
				tlb_forks_processes(b); /* rows say mode=processes */
			if (base_v && strcmp(base_v, w->variants[v].name) != 0) {
				char base[128];
				snprintf(base, sizeof base, "%s/%s", w->name, base_v);
				tlb_baseline(b, base);
			}
			tlw_bench_add_args(b, w, q);
			tlb_manual_time(b);
			tlb_iterations(b, 1);
			tlb_repetitions(b, 3); /* a run is a whole experiment; the runner's --repetitions wins */
			tlb_unit(b, TLB_MS);
			if (q)
				tlb_quick_only(b);
			else
				tlb_skip_quick(b);
		}
	}
}
