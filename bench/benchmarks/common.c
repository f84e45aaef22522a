/* common.c — shared benchmark machinery (see common.h). Registers nothing. */
#include "common.h"

#include "pin.h"
#include "threadlab/common.h"

#include <hwloc.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

bm_barrier bm_bar;
struct bm_window_shared bm_win;

/* ---- busy work calibration ---- */
static double iters_per_ns;
static pthread_once_t calib_once = PTHREAD_ONCE_INIT;

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void calibrate(void)
{
	/* The thread's CPU time (time preempted by other processes does not
	 * count), best of a few 2-million-turn runs: the least disturbed one. */
	double best = 0;
	for (int r = 0; r < 7; r++) {
		uint64_t t0 = thread_cpu_ns();
		bm_work(2000000);
		uint64_t dt = thread_cpu_ns() - t0;
		double v = dt ? 2e6 / (double)dt : 1;
		if (v > best)
			best = v;
	}
	iters_per_ns = best;
}

uint64_t bm_ns_to_iters(uint64_t ns)
{
	pthread_once(&calib_once, calibrate);
	return (uint64_t)((double)ns * iters_per_ns + 0.5);
}

void bm_spin_for_ns(uint64_t ns)
{
	uint64_t end = bm_now_ns() + ns;
	while (bm_now_ns() < end)
		bm_cpu_relax();
}

/* ---- futex ---- */
void bm_futex_wait(_Atomic uint32_t *w, uint32_t val)
{
	syscall(SYS_futex, (uint32_t *)w, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

void bm_futex_wake(_Atomic uint32_t *w, int n)
{
	syscall(SYS_futex, (uint32_t *)w, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}

/* ---- barrier ----
 * Generation barrier. A thread reads gen before arriving; the last arrival
 * resets the count (before publishing the new generation, so a thread that
 * leaves and arrives again counts in the next round) and bumps gen with
 * release; waiters acquire gen. The arrival RMWs form one release sequence,
 * so the last arrival has seen every thread's earlier writes and passes them
 * on through gen. */
void bm_barrier_wait(bm_barrier *b, unsigned n)
{
	uint32_t gen = atomic_load_explicit(&b->gen, memory_order_acquire);
	if (atomic_fetch_add_explicit(&b->arrived, 1, memory_order_acq_rel) + 1 == n) {
		atomic_store_explicit(&b->arrived, 0, memory_order_relaxed);
		atomic_fetch_add_explicit(&b->gen, 1, memory_order_release);
		if (n > 1)
			bm_futex_wake(&b->gen, INT_MAX);
		return;
	}
	for (int i = 0; atomic_load_explicit(&b->gen, memory_order_acquire) == gen; i++) {
		if (i < 200)
			bm_cpu_relax();
		else
			bm_futex_wait(&b->gen, gen);
	}
}

/* ---- group time ---- */
static _Atomic uint64_t group_t0, group_ns;

void bm_group_begin(tlb_state *st)
{
	bm_barrier_wait(&bm_bar, (unsigned)tlb_thread_count(st));
	if (tlb_thread_index(st) == 0)
		atomic_store_explicit(&group_t0, bm_now_ns(), memory_order_relaxed);
}

uint64_t bm_group_end(tlb_state *st)
{
	return bm_group_end_scaled(st, 1, 1);
}

uint64_t bm_group_end_scaled(tlb_state *st, int64_t n, int64_t done)
{
	const unsigned nt = (unsigned)tlb_thread_count(st);
	bm_barrier_wait(&bm_bar, nt);
	if (tlb_thread_index(st) == 0)
		atomic_store_explicit(&group_ns, bm_now_ns() - atomic_load_explicit(&group_t0, memory_order_relaxed),
				      memory_order_relaxed);
	bm_barrier_wait(&bm_bar, nt);
	uint64_t ns = atomic_load_explicit(&group_ns, memory_order_relaxed);
	bm_set_group_time(st, (double)ns * 1e-9 * (double)n / (double)(done > 0 ? done : 1));
	return ns;
}

/* ---- window ---- */
static struct bm_wait_hist bm_waits[BM_MAX_THREADS];
__thread struct bm_wait_hist *bm_my_waits;

/* The lower edge of bucket b (bm_wait_bucket's inverse). */
static uint64_t wait_bucket_ns(unsigned b)
{
	unsigned msb = b / 4;
	if (msb < 2) /* below 8 ns a bucket is one value (4..7 stay empty) */
		return b < 4 ? b : 4;
	return (1ull << msb) | ((uint64_t)(b % 4) << (msb - 2));
}

/* Thread 0, after the last barrier of the run: percentiles over all threads. */
static void waits_report(tlb_state *st, unsigned nt)
{
	uint64_t total = 0, mx = 0;
	for (unsigned i = 0; i < nt; i++) {
		for (unsigned b = 0; b < BM_WAIT_BUCKETS; b++)
			total += bm_waits[i].n[b];
		mx = bm_waits[i].max > mx ? bm_waits[i].max : mx;
	}
	if (!total)
		return;
	const double q[2] = { 0.50, 0.99 };
	const char *name[2] = { "wait_p50_ns", "wait_p99_ns" };
	for (int k = 0; k < 2; k++) {
		uint64_t want = (uint64_t)(q[k] * (double)total), seen = 0;
		unsigned b = 0;
		for (; b < BM_WAIT_BUCKETS; b++) {
			for (unsigned i = 0; i < nt; i++)
				seen += bm_waits[i].n[b];
			if (seen > want)
				break;
		}
		tlb_counter(st, name[k], (double)wait_bucket_ns(b < BM_WAIT_BUCKETS ? b : BM_WAIT_BUCKETS - 1),
			    TLB_COUNTER_PLAIN);
	}
	tlb_counter(st, "wait_max_ns", (double)mx, TLB_COUNTER_PLAIN);
}

bool bm_window_begin(tlb_state *st)
{
	int nt = tlb_thread_count(st);
	if (nt > BM_MAX_THREADS) {
		char msg[96];
		snprintf(msg, sizeof msg, "at most %d threads (BM_MAX_THREADS)", BM_MAX_THREADS);
		tlb_skip(st, msg);
		return false;
	}
	bm_my_waits = &bm_waits[tlb_thread_index(st)];
	memset(bm_my_waits, 0, sizeof *bm_my_waits);
	if (tlb_thread_index(st) == 0)
		atomic_store_explicit(&bm_win.stop, 0, memory_order_relaxed);
	bm_barrier_wait(&bm_bar, (unsigned)nt);
	return true;
}

void bm_window_end(tlb_state *st, const struct bm_window_cfg *cfg, uint64_t my_ops, uint64_t win_total_ns,
		   uint64_t *ops_out)
{
	const int idx = tlb_thread_index(st);
	const unsigned nt = (unsigned)tlb_thread_count(st);
	atomic_store_explicit(&bm_win.total[idx].v, my_ops, memory_order_relaxed);
	bm_barrier_wait(&bm_bar, nt);
	/* ops over the common window: each thread adds its share (summed by GB) */
	double secs = (double)win_total_ns * 1e-9;
	tlb_counter(st, "throughput", secs > 0 ? (double)my_ops / secs : 0, TLB_COUNTER_PLAIN);
	if (idx == 0) {
		uint64_t mn = UINT64_MAX, mx = 0, sum = 0;
		double sq = 0;
		for (unsigned i = 0; i < nt; i++) {
			uint64_t v = atomic_load_explicit(&bm_win.total[i].v, memory_order_relaxed);
			mn = v < mn ? v : mn;
			mx = v > mx ? v : mx;
			sum += v;
			sq += (double)v * (double)v;
		}
		if (cfg->fairness) {
			double mm = mx ? (double)mn / (double)mx : 0;
			tlb_counter(st, "jain", sq > 0 ? (double)sum * (double)sum / ((double)nt * sq) : 0,
				    TLB_COUNTER_PLAIN);
			tlb_counter(st, "min_max", mm, TLB_COUNTER_PLAIN);
			tlb_counter(st, "min_max_ratio", mm, TLB_COUNTER_PLAIN);
			waits_report(st, nt);
		}
		if (ops_out)
			*ops_out = sum;
	}
	bm_barrier_wait(&bm_bar, nt); /* totals read before the next instance reuses them */
}

/* ---- placement ---- */
static hwloc_topology_t topo;
static int topo_err;
static pthread_once_t topo_once = PTHREAD_ONCE_INIT;

static void topo_load(void)
{
	if (hwloc_topology_init(&topo) < 0 || hwloc_topology_load(topo) < 0)
		topo_err = -1;
}

const char *bm_placement_name(int p)
{
	switch (p) {
	case BM_SAME_CORE:
		return "same_core";
	case BM_CROSS_CORE:
		return "cross_core";
	case BM_CROSS_PACKAGE:
		return "cross_package";
	default:
		return "?";
	}
}

/* First allowed PU of obj's subtree, -1 if none. */
static int first_allowed_pu(hwloc_obj_t obj, int skip_os)
{
	hwloc_obj_t pu = NULL;
	while ((pu = hwloc_get_next_obj_inside_cpuset_by_type(topo, obj->cpuset, HWLOC_OBJ_PU, pu)))
		if ((int)pu->os_index != skip_os && tlb_pin_cpu_allowed((int)pu->os_index))
			return (int)pu->os_index;
	return -1;
}

int bm_placement_cpus(int placement, int cpus[2], char *why, size_t len)
{
	pthread_once(&topo_once, topo_load);
	if (topo_err) {
		snprintf(why, len, "hwloc topology failed to load");
		return TL_EINVAL;
	}
	if (tlb_pin_is_synthetic()) {
		snprintf(why, len, "synthetic topology: cannot bind");
		return TL_EPERM;
	}
	int ncores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
	int npk = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE);
	switch (placement) {
	case BM_SAME_CORE: {
		/* a core with two allowed PUs (SMT siblings), else one PU twice */
		int single = -1;
		for (int i = 0; i < ncores; i++) {
			hwloc_obj_t c = hwloc_get_obj_by_type(topo, HWLOC_OBJ_CORE, (unsigned)i);
			int a = first_allowed_pu(c, -1);
			if (a < 0)
				continue;
			int b = first_allowed_pu(c, a);
			if (b >= 0) {
				cpus[0] = a, cpus[1] = b;
				return 0;
			}
			if (single < 0)
				single = a;
		}
		if (ncores == 0) /* no core level: PUs are cores */
			for (int i = 0; single < 0 && i < hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU); i++) {
				hwloc_obj_t p = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PU, (unsigned)i);
				if (tlb_pin_cpu_allowed((int)p->os_index))
					single = (int)p->os_index;
			}
		if (single < 0) {
			snprintf(why, len, "no allowed CPU");
			return TL_EINVAL;
		}
		cpus[0] = cpus[1] = single;
		return 0;
	}
	case BM_CROSS_CORE: {
		/* two cores of one package (prefer), else any two cores */
		int fallback[2] = {-1, -1};
		for (int k = 0; k < (npk > 0 ? npk : 1); k++) {
			hwloc_obj_t pk = npk > 0 ? hwloc_get_obj_by_type(topo, HWLOC_OBJ_PACKAGE, (unsigned)k)
						 : hwloc_get_root_obj(topo);
			hwloc_obj_t c = NULL;
			int got[2], n = 0;
			while (n < 2 &&
			       (c = hwloc_get_next_obj_inside_cpuset_by_type(topo, pk->cpuset, HWLOC_OBJ_CORE, c))) {
				int a = first_allowed_pu(c, -1);
				if (a >= 0)
					got[n++] = a;
			}
			if (n == 2) {
				cpus[0] = got[0], cpus[1] = got[1];
				return 0;
			}
			if (n == 1) {
				if (fallback[0] < 0)
					fallback[0] = got[0];
				else if (fallback[1] < 0)
					fallback[1] = got[0];
			}
		}
		if (fallback[1] >= 0) {
			cpus[0] = fallback[0], cpus[1] = fallback[1];
			return 0;
		}
		snprintf(why, len, "cross_core needs 2 allowed cores (have %d)", fallback[0] >= 0 ? 1 : 0);
		return TL_EINVAL;
	}
	case BM_CROSS_PACKAGE: {
		int got[2], n = 0;
		for (int k = 0; k < npk && n < 2; k++) {
			int a = first_allowed_pu(hwloc_get_obj_by_type(topo, HWLOC_OBJ_PACKAGE, (unsigned)k), -1);
			if (a >= 0)
				got[n++] = a;
		}
		if (n < 2) {
			snprintf(why, len, "cross_package needs 2 packages with allowed CPUs (have %d)", n);
			return TL_EINVAL;
		}
		cpus[0] = got[0], cpus[1] = got[1];
		return 0;
	}
	default:
		snprintf(why, len, "unknown placement %d", placement);
		return TL_EINVAL;
	}
}

int bm_bind_cpu(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	int rc = pthread_setaffinity_np(pthread_self(), sizeof set, &set);
	if (rc != 0)
		return -rc;
	return sched_getcpu();
}

/* Both threads compute the same placement (deterministic), so both skip or
 * both run. Returns false after tlb_skip. */
static bool place_two(tlb_state *st)
{
	int cpus[2];
	char why[160], msg[200];
	int idx = tlb_thread_index(st);
	if (tlb_thread_count(st) != 2) {
		tlb_skip(st, "needs exactly 2 threads");
		return false;
	}
	if (bm_placement_cpus((int)tlb_arg(st, 0), cpus, why, sizeof why) < 0) {
		tlb_skip(st, why);
		return false;
	}
	int got = bm_bind_cpu(cpus[idx]);
	if (got != cpus[idx]) {
		snprintf(msg, sizeof msg, "binding thread %d to CPU %d failed (runs on %d)", idx, cpus[idx], got);
		tlb_skip(st, msg); /* the other thread may run alone: see below */
		return false;
	}
	if (idx == 0) {
		snprintf(msg, sizeof msg, "%s cpus %d,%d", bm_placement_name((int)tlb_arg(st, 0)), cpus[0], cpus[1]);
		tlb_set_label(st, msg);
	}
	return true;
}

/* A failed bind in one thread only would leave its partner blocked forever;
 * the threads agree through the barrier before starting. */
static _Atomic int place_fail;

static bool agree(tlb_state *st, bool ok)
{
	if (!ok)
		atomic_store(&place_fail, 1);
	bm_barrier_wait(&bm_bar, 2);
	bool fail = atomic_load(&place_fail);
	bm_barrier_wait(&bm_bar, 2);
	if (tlb_thread_index(st) == 0)
		atomic_store(&place_fail, 0);
	if (fail && ok)
		tlb_skip(st, "partner thread could not be placed");
	return !fail;
}

/* The prologue of a two-thread benchmark: exactly two threads, both placed
 * as the benchmark's placement asks (else both skip). */
static bool pair_placed(tlb_state *st)
{
	if (tlb_thread_count(st) != 2) {
		tlb_skip(st, "needs exactly 2 threads");
		return false;
	}
	return agree(st, place_two(st));
}

/* A repetition covers at least tlb_rep_min_seconds of wall clock. Google
 * Benchmark fixes the iteration count in repetition 0, and a handoff has
 * regimes far apart: on a loaded machine a round trip takes ~30 us while
 * the pair waits for CPU, ~60 ns in a stretch where both threads hold a
 * CPU and spin. A later repetition that hit the fast regime then ran its
 * count in ~1 ms, inside one scheduler slice, and reported that slice
 * (event/pingpong/placement:1 under --load 1: 4 of 5 repetitions at 55-69
 * ns, the first at 29 us). So thread 0 decides at the last round trip of
 * each chunk of n whether to run another, stores the new end before that
 * ping, and thread 1 reads it after the matching wait_ping (the handoff
 * under test orders the two). The time is reported per round trip over the
 * whole stretch (scaled to n). */
#define BM_PP_MAX_CHUNKS 4096
static _Atomic int64_t pp_end;

void bm_pingpong_run(tlb_state *st, const struct bm_pingpong_ops *o)
{
	if (!pair_placed(st))
		return;
	const int idx = tlb_thread_index(st);
	const uint64_t min_ns = (uint64_t)(tlb_rep_min_seconds(st) * 1e9);
	if (idx == 0 && o->init)
		o->init();
	bm_barrier_wait(&bm_bar, 2);
	for (int64_t n; (n = tlb_batch(st)) > 0;) {
		int64_t end = n;
		bm_group_begin(st);
		if (idx == 0) {
			const uint64_t t0 = bm_now_ns();
			for (int64_t i = 0; i < end; i++) {
				if (i == end - 1) {
					if (end / n < BM_PP_MAX_CHUNKS && bm_now_ns() - t0 < min_ns)
						end += n;
					atomic_store_explicit(&pp_end, end, memory_order_relaxed);
				}
				o->ping();
				o->wait_pong();
			}
		} else
			for (int64_t i = 0; i < end; i++) {
				o->wait_ping();
				if (i == end - 1)
					end = atomic_load_explicit(&pp_end, memory_order_relaxed);
				o->pong();
			}
		bm_group_end_scaled(st, n, end);
	}
	bm_barrier_wait(&bm_bar, 2);
	if (idx == 0 && o->destroy)
		o->destroy();
}

/* ---- wake-up latency ---- */
#define WAKE_DELAY_NS 20000 /* let the waiter spin out (~100 pauses) and sleep */

static struct {
	_Alignas(BM_CACHELINE) _Atomic uint64_t ready; /* waiter: about to wait for sample k (k+1) */
	_Alignas(BM_CACHELINE) _Atomic uint64_t stamp; /* waker: time of the wake call */
	uint64_t *samples;
} wk;

void bm_wake_run(tlb_state *st, const struct bm_wake_ops *o)
{
	if (!pair_placed(st))
		return;
	const int idx = tlb_thread_index(st);
	const int64_t max = tlb_max_iterations(st);
	bool same = tlb_arg(st, 0) == BM_SAME_CORE;
	if (idx == 0) {
		atomic_store(&wk.ready, 0);
		wk.samples = malloc((size_t)max * sizeof *wk.samples);
		if (wk.samples && o->init)
			o->init();
	}
	bm_barrier_wait(&bm_bar, 2);
	if (!wk.samples) {
		tlb_skip(st, "out of memory for samples");
		return;
	}
	int64_t k = 0;
	for (int64_t n; (n = tlb_batch(st)) > 0; bm_group_end(st))
		for (bm_group_begin(st); k < n; k++) {
			if (idx == 0) {
				while (atomic_load_explicit(&wk.ready, memory_order_acquire) != (uint64_t)k + 1)
					if (same)
						sched_yield();
					else
						bm_cpu_relax();
				bm_spin_for_ns(WAKE_DELAY_NS);
				atomic_store_explicit(&wk.stamp, bm_now_ns(), memory_order_relaxed);
				o->wake();
			} else {
				atomic_store_explicit(&wk.ready, (uint64_t)k + 1, memory_order_release);
				o->wait();
				uint64_t t = bm_now_ns();
				uint64_t s = atomic_load_explicit(&wk.stamp, memory_order_relaxed);
				wk.samples[k] = t > s ? t - s : 0;
				if (o->rearm)
					o->rearm();
			}
		}
	bm_barrier_wait(&bm_bar, 2);
	if (idx == 1)
		bm_report_percentiles(st, wk.samples, (size_t)k, "");
	bm_barrier_wait(&bm_bar, 2);
	if (idx == 0) {
		if (o->destroy)
			o->destroy();
		free(wk.samples);
		wk.samples = NULL;
	}
}

/* ---- percentiles ---- */
static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

void bm_report_percentiles(tlb_state *st, uint64_t *s, size_t n, const char *prefix)
{
	if (n == 0)
		return;
	qsort(s, n, sizeof *s, cmp_u64);
	static const struct {
		const char *name;
		double q;
	} ps[] = {{"p50_ns", 0.50}, {"p90_ns", 0.90}, {"p99_ns", 0.99}, {"max_ns", 1.0}};
	for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++) {
		size_t r = (size_t)(ps[i].q * (double)n + 0.999999); /* nearest rank, 1-based */
		if (r < 1)
			r = 1;
		if (r > n)
			r = n;
		char name[64];
		snprintf(name, sizeof name, "%s%s", prefix, ps[i].name);
		tlb_counter(st, name, (double)s[r - 1], TLB_COUNTER_PLAIN);
	}
}

/* ---- registration ---- */
void bm_reg2(const char *name, tlb_fn fn, tlb_bench **full, tlb_bench **quick)
{
	*full = tlb_register(name, fn);
	tlb_skip_quick(*full);
	*quick = tlb_register(name, fn);
	tlb_quick_only(*quick);
}

void bm_args1(tlb_bench *b, const char *name, const int64_t *vals, int n)
{
	tlb_arg_names(b, &name, 1);
	for (int i = 0; i < n; i++)
		tlb_args(b, &vals[i], 1);
}

/* Placements this machine can give (at registration, before the runner
 * loads its topology: our own hwloc load, restricted to the process's
 * affinity, so taskset is honoured; a --pin list that excludes a CPU is
 * still caught at run time). */
static int feasible_placements(void)
{
	static int n = -1;
	if (n >= 0)
		return n;
	pthread_once(&topo_once, topo_load);
	cpu_set_t aff;
	if (topo_err || sched_getaffinity(0, sizeof aff, &aff) != 0)
		return n = 1;
	int cores = 0, packages = 0;
	hwloc_obj_t o = NULL;
	while ((o = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_CORE, o))) {
		hwloc_obj_t pu = NULL;
		while ((pu = hwloc_get_next_obj_inside_cpuset_by_type(topo, o->cpuset, HWLOC_OBJ_PU, pu)))
			if (pu->os_index < CPU_SETSIZE && CPU_ISSET(pu->os_index, &aff)) {
				cores++;
				break;
			}
	}
	o = NULL;
	while ((o = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_PACKAGE, o))) {
		hwloc_obj_t pu = NULL;
		while ((pu = hwloc_get_next_obj_inside_cpuset_by_type(topo, o->cpuset, HWLOC_OBJ_PU, pu)))
			if (pu->os_index < CPU_SETSIZE && CPU_ISSET(pu->os_index, &aff)) {
				packages++;
				break;
			}
	}
	return n = packages >= 2 ? 3 : cores >= 2 ? 2 : 1;
}

void bm_placements(tlb_bench *b, bool quick)
{
	static const int64_t all[] = {BM_SAME_CORE, BM_CROSS_CORE, BM_CROSS_PACKAGE};
	int n = feasible_placements();
	if (quick && n > 2)
		n = 2;
	bm_args1(b, "placement", all, n);
	tlb_own_placement(b); /* bound by the placement, not by --pin: runs once */
}

void bm_pingpong_register(const char *name, const char *baseline, tlb_fn fn)
{
	tlb_bench *b[2];
	bm_reg2(name, fn, &b[0], &b[1]);
	for (int i = 0; i < 2; i++) {
		bm_placements(b[i], i == 1);
		tlb_threads(b[i], 2);
		tlb_manual_time(b[i]);
		if (baseline)
			tlb_baseline(b[i], baseline);
	}
	tlb_min_time(b[0], 0.05);
}

#define WAKE_SAMPLES 1000
#define WAKE_SAMPLES_QUICK 100

void bm_wake_register(const char *name, const char *baseline, tlb_fn fn)
{
	tlb_bench *b[2];
	bm_reg2(name, fn, &b[0], &b[1]);
	for (int i = 0; i < 2; i++) {
		bm_placements(b[i], i == 1);
		tlb_threads(b[i], 2);
		tlb_manual_time(b[i]);
		tlb_iterations(b[i], i == 0 ? WAKE_SAMPLES : WAKE_SAMPLES_QUICK);
		if (baseline)
			tlb_baseline(b[i], baseline);
	}
}

void bm_barrier_register(const char *name, const char *baseline, tlb_fn fn)
{
	tlb_bench *b[2];
	bm_reg2(name, fn, &b[0], &b[1]);
	for (int i = 0; i < 2; i++) {
		tlb_threads_sweep(b[i]);
		tlb_manual_time(b[i]);
		if (baseline)
			tlb_baseline(b[i], baseline);
	}
	tlb_min_time(b[0], 0.05);
}
