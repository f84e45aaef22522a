/* common.h — what every primitive's benchmark file shares (bench/benchmarks/).
 *
 * 1. Time and calibrated busy work: bm_now_ns(), bm_work(iters) and
 *    bm_ns_to_iters(ns) (a loop calibrated once per process, so "cs:100" is
 *    ~100 ns of CPU work on any machine).
 * 2. bm_barrier: a reusable barrier for the GB threads of one instance
 *    (zero-initialised, no init call: the thread count is passed to wait).
 * 3. The common-window harness for contended throughput (bm_window_run):
 *    all threads released together by a barrier, thread 0 measures a fixed
 *    window and raises a shared stop flag, all threads stop; throughput is the
 *    total operations of all threads over that one window. One GB iteration
 *    is one window; its manual time is window / total ops (scaled for GB,
 *    see "group time"), so real_ns is the group's time per operation
 *    (1 / throughput) and ratios against a
 *    baseline are ratios of throughput. Counter `throughput` (ops/s, summed
 *    over threads) is the figure to plot. Per-thread counts sit in their own
 *    cache lines; thread 0 can report fairness (jain, min_max) from them.
 * 4. Two-thread placement (same core / cross core / cross package) for
 *    handoff benchmarks, found from the hwloc topology inside the allowed
 *    cpuset, and the two-thread ping-pong and wake-up latency bodies.
 * 5. Latency percentiles as counters (p50_ns, p90_ns, p99_ns, max_ns).
 * 6. bm_reg(): register a default and a --quick version of one benchmark.
 *
 * Encodings (integer args, documented here and in reports/README.md):
 *   placement: 0 same_core (SMT siblings when the core has several PUs, else
 *              the same PU), 1 cross_core (two cores of one package),
 *              2 cross_package (two packages; skipped with one package).
 *   kind:      0 fifo, 1 lifo, 2 prio (tl_queue_kind_t).
 *   cap:       queue capacity, 0 = unbounded.
 *   cs, work:  ns of busy work inside / outside the critical section.
 */
#ifndef BM_COMMON_H
#define BM_COMMON_H

#include "tlb.h"

#ifndef __cplusplus /* peers (C++, bench/peers/peer.h) bring their own atomics */
#include <stdatomic.h>
#endif
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* GLib peers (GMutex, GCond, GAsyncQueue, GThreadPool): when the build found
 * GLib (TL_HAVE_GLIB), except under ThreadSanitizer: libglib is not
 * instrumented, so TSan cannot see its synchronisation and reports false
 * races on the data it protects. */
#if defined(__SANITIZE_THREAD__)
#define BM_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define BM_TSAN 1
#endif
#endif
#if defined(TL_HAVE_GLIB) && !defined(BM_TSAN)
#define BM_GLIB 1
#endif

#define BM_CACHELINE 64
#define BM_MAX_THREADS 1024

enum { BM_SAME_CORE = 0, BM_CROSS_CORE = 1, BM_CROSS_PACKAGE = 2 };
enum { BM_FIFO = 0, BM_LIFO = 1, BM_PRIO = 2 };

typedef struct bm_padded_u64 {
	_Alignas(BM_CACHELINE) _Atomic uint64_t v;
} bm_padded_u64;

/* ---- 1. time and busy work ---- */
static inline uint64_t bm_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline void bm_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/* `iters` turns of an empty loop the compiler must keep (no memory traffic). */
static inline void bm_work(uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++)
		__asm__ __volatile__("" : "+r"(i));
}

/* Loop turns for about `ns` nanoseconds (calibrated on first use, ~5 ms). */
uint64_t bm_ns_to_iters(uint64_t ns);

/* Busy-wait `ns` nanoseconds by the clock (for delays, not for work). */
void bm_spin_for_ns(uint64_t ns);

/* ---- 2. barrier ---- */
typedef struct bm_barrier {
	_Alignas(BM_CACHELINE) _Atomic uint32_t arrived;
	_Alignas(BM_CACHELINE) _Atomic uint32_t gen; /* futex word */
} bm_barrier;

/* All n callers return once the n-th arrives; acquire/release: every write
 * before any thread's arrival is visible to every thread after it. Spins
 * briefly, then sleeps (safe when oversubscribed). */
void bm_barrier_wait(bm_barrier *b, unsigned n);

/* The shared barrier of the running instance (one instance runs at a time). */
extern bm_barrier bm_bar;

/* ---- raw futex (also the baseline primitive of the handoff benchmarks) ---- */
void bm_futex_wait(_Atomic uint32_t *w, uint32_t val);
void bm_futex_wake(_Atomic uint32_t *w, int n);

/* ---- group time ----
 * Google Benchmark reports a multi-threaded benchmark's time per iteration
 * as (time averaged over threads) / (iterations of ALL threads): with T
 * threads each running n iterations, a wall time W comes out as W / (T n).
 * Our multi-threaded bodies count one iteration per operation of the group
 * (a round trip, a barrier round, an item transferred, a window), so they
 * use manual time and report T x the group's time: the row then shows
 * W / n. Between bm_group_begin and bm_group_end every thread of the
 * instance must take part (both are barriers); thread 0 keeps the clock. */
void bm_group_begin(tlb_state *st);
/* Returns the group's wall time in ns (same value in every thread). */
uint64_t bm_group_end(tlb_state *st);
/* The same for a group that ran `done` operations where the batch asked n:
 * the time reported is scaled to n (the returned ns is not). */
uint64_t bm_group_end_scaled(tlb_state *st, int64_t n, int64_t done);
static inline void bm_set_group_time(tlb_state *st, double seconds)
{
	tlb_set_iteration_time(st, seconds * (double)tlb_thread_count(st));
}

/* ---- 3. common-window throughput ---- */
struct bm_window_cfg {
	uint64_t window_ns; /* length of one window (one GB iteration) */
	bool fairness;      /* thread 0 reports jain / min_max counters */
};

/* Acquire-wait percentiles (fairness rows): each thread times its acquires
 * (bm_wait_begin/bm_wait_end around the lock call) into its own
 * quarter-octave histogram (each bucket 19% wide), reset by
 * bm_window_begin; bm_window_end of a fairness run has thread 0 report
 * wait_p50_ns, wait_p99_ns and wait_max_ns over all threads' acquires of
 * the repetition. The clock reads cost ~50 ns an acquire, so only the
 * fairness rows pay them, never the throughput rows. */
#define BM_WAIT_BUCKETS 144 /* up to 2^36 ns */
struct bm_wait_hist {
	_Alignas(BM_CACHELINE) uint64_t n[BM_WAIT_BUCKETS];
	uint64_t max;
};
extern __thread struct bm_wait_hist *bm_my_waits;
static inline unsigned bm_wait_bucket(uint64_t ns)
{
	if (ns < 4)
		return (unsigned)ns;
	unsigned msb = 63u - (unsigned)__builtin_clzll(ns);
	unsigned b = msb * 4 + (unsigned)((ns >> (msb - 2)) & 3);
	return b < BM_WAIT_BUCKETS ? b : BM_WAIT_BUCKETS - 1;
}
static inline uint64_t bm_wait_begin(void)
{
	return bm_now_ns();
}
static inline void bm_wait_end(uint64_t t0)
{
	uint64_t ns = bm_now_ns() - t0;
	struct bm_wait_hist *h = bm_my_waits;
	h->n[bm_wait_bucket(ns)]++;
	h->max = ns > h->max ? ns : h->max;
}

/* Per-window / per-run state shared by the threads of the running instance. */
struct bm_window_shared {
	_Alignas(BM_CACHELINE) _Atomic uint32_t stop;
	_Alignas(BM_CACHELINE) _Atomic uint64_t window_ns; /* written by thread 0 */
	bm_padded_u64 ops[BM_MAX_THREADS];                  /* this window, per thread */
	bm_padded_u64 total[BM_MAX_THREADS];                /* whole run, per thread */
};
extern struct bm_window_shared bm_win;

/* Threads of a window benchmark call this from the GB function with the
 * operation to measure; it returns false (after tlb_skip) when it cannot
 * run. Before it: thread 0 sets up the shared object (the first thing
 * bm_window_run does is a barrier). After it: every thread has finished
 * (it ends with a barrier), thread 0 may check and destroy. *ops_out gets
 * the operations of all threads over the whole run (may be NULL).
 * The op is inlined: call it with a constant function. */
typedef void (*bm_op_fn)(void *ctx);
bool bm_window_begin(tlb_state *st);
void bm_window_end(tlb_state *st, const struct bm_window_cfg *cfg, uint64_t my_ops, uint64_t win_total_ns,
		   uint64_t *ops_out);

static inline __attribute__((always_inline)) bool bm_window_run(tlb_state *st, const struct bm_window_cfg *cfg,
								 bm_op_fn op, void *ctx, uint64_t *ops_out)
{
	if (!bm_window_begin(st))
		return false;
	const int idx = tlb_thread_index(st);
	const unsigned nt = (unsigned)tlb_thread_count(st);
	uint64_t mine = 0, win_total = 0;
	while (tlb_keep_running(st)) {
		uint64_t ops = 0;
		bm_barrier_wait(&bm_bar, nt); /* start together */
		if (idx == 0) {
			const uint64_t t0 = bm_now_ns(), end = t0 + cfg->window_ns;
			uint64_t t1;
			for (;;) {
				for (int k = 0; k < 16; k++)
					op(ctx);
				ops += 16;
				if ((t1 = bm_now_ns()) >= end)
					break;
			}
			atomic_store_explicit(&bm_win.stop, 1, memory_order_relaxed);
			atomic_store_explicit(&bm_win.window_ns, t1 - t0, memory_order_relaxed);
		} else {
			while (!atomic_load_explicit(&bm_win.stop, memory_order_relaxed)) {
				op(ctx);
				ops++;
			}
		}
		atomic_store_explicit(&bm_win.ops[idx].v, ops, memory_order_relaxed);
		bm_barrier_wait(&bm_bar, nt); /* all stopped, counts published */
		uint64_t all = 0;
		for (unsigned i = 0; i < nt; i++)
			all += atomic_load_explicit(&bm_win.ops[i].v, memory_order_relaxed);
		const uint64_t wns = atomic_load_explicit(&bm_win.window_ns, memory_order_relaxed);
		bm_set_group_time(st, all ? (double)wns * 1e-9 / (double)all : (double)wns * 1e-9);
		win_total += wns;
		mine += ops;
		bm_barrier_wait(&bm_bar, nt); /* everyone read; thread 0 may reset */
		if (idx == 0)
			atomic_store_explicit(&bm_win.stop, 0, memory_order_relaxed);
	}
	bm_window_end(st, cfg, mine, win_total, ops_out);
	return true;
}

/* ---- 4. placement and two-thread handoff ---- */
/* The two CPUs of a placement, inside the allowed cpuset. 0, or a negative
 * code with a one-line reason in why. */
int bm_placement_cpus(int placement, int cpus[2], char *why, size_t len);
const char *bm_placement_name(int placement);
/* Bind the calling thread to one CPU; returns the CPU it runs on or < 0. */
int bm_bind_cpu(int cpu);

/* Ping-pong: thread 0 pings and waits for the pong, thread 1 answers; one GB
 * iteration is one round trip (group time). Register with 2 threads, manual
 * time and the placement arg (arg 0). init/destroy run on thread 0 around
 * the timed loop. */
struct bm_pingpong_ops {
	void (*init)(void);
	void (*destroy)(void);
	void (*ping)(void);      /* thread 0: hand over */
	void (*wait_pong)(void); /* thread 0: wait for the answer */
	void (*wait_ping)(void); /* thread 1 */
	void (*pong)(void);      /* thread 1 */
};
void bm_pingpong_run(tlb_state *st, const struct bm_pingpong_ops *ops);

/* Wake-up latency: thread 1 (waiter) blocks in wait(); thread 0 (waker)
 * waits until the waiter announced itself, lets it fall asleep (busy
 * delay), stamps the time and calls wake(). The waiter records now - stamp
 * per sample into a preallocated array; percentiles become counters.
 * rearm() runs on the waiter after each sample (e.g. Event.clear).
 * Register with 2 threads, the placement arg, fixed iterations. */
struct bm_wake_ops {
	void (*init)(void);
	void (*destroy)(void);
	void (*wait)(void);
	void (*wake)(void);
	void (*rearm)(void); /* may be NULL */
};
void bm_wake_run(tlb_state *st, const struct bm_wake_ops *ops);

/* ---- 5. percentiles ---- */
/* Sorts samples and sets counters <prefix>p50_ns, p90_ns, p99_ns, max_ns
 * (prefix may be ""), nearest-rank. */
void bm_report_percentiles(tlb_state *st, uint64_t *samples, size_t n, const char *prefix);

/* ---- 6. registration helpers ---- */
/* Registers `name` twice: the default suite version (skip_quick) and the
 * --quick version (quick_only); returns them in *full / *quick. */
void bm_reg2(const char *name, tlb_fn fn, tlb_bench **full, tlb_bench **quick);
void bm_args1(tlb_bench *b, const char *name, const int64_t *vals, int n);
void bm_placements(tlb_bench *b, bool quick); /* arg "placement": 0,1,2 (quick: 0,1); tlb_own_placement */
/* Ping-pong (2 threads, placements, real time) and wake-up latency (2
 * threads, placements, fixed sample counts) registrations, default + quick.
 * baseline may be NULL. */
void bm_pingpong_register(const char *name, const char *baseline, tlb_fn fn);
void bm_wake_register(const char *name, const char *baseline, tlb_fn fn);
/* Barrier rounds: threads swept, real time. */
void bm_barrier_register(const char *name, const char *baseline, tlb_fn fn);

/* ---- 7. idle cost (idle.c) ---- */
/* The timed part of an <x>/idle row: call it once the primitive is warm and
 * idle; it times one window per iteration (arg 0: window_ms) and reports the
 * CPU time the process's other threads burnt in it (manual time). */
void bm_idle_measure(tlb_state *st);
/* <name> with arg window_ms (1000; --quick 20), one window per repetition,
 * 3 repetitions (--quick 1), manual time. baseline may be NULL. */
void bm_idle_register(const char *name, const char *baseline, tlb_fn fn);

#endif
