/* tlb.h — threadlab's C interface to Google Benchmark (implemented in
 * bench/shim/shim.cc; C++ is allowed there and in bench/peers/ only).
 *
 * A benchmark is one C function over a tlb_state, registered from a
 * constructor so that a benchmark file needs nothing but itself:
 *
 *   static void bm_lock_pair(tlb_state *st)
 *   {
 *       for (int64_t n; (n = tlb_batch(st)) > 0;)   // no C++ call per iteration
 *           for (int64_t i = 0; i < n; i++) { tl_lock_acquire(...); tl_lock_release(...); }
 *   }
 *   TLB_REGISTER(lock_pair)
 *   {
 *       tlb_bench *b = tlb_register("lock/uncontended", bm_lock_pair);
 *       tlb_baseline(b, "pthread_mutex/uncontended");
 *   }
 *
 * Names are "<primitive>/<variant>"; argument values are appended by Google
 * Benchmark as "/<argname>:<value>", threads as "/threads:N". The CSV splits
 * them back into primitive, variant and params (see reports/README.md).
 *
 * Every benchmark thread is pinned by the shim, before the function runs,
 * according to its pin policy and its thread index (bench/pin.h); the CPU it
 * really ran on is recorded in the row. The runner's --pin may name several
 * policies (default compact+scatter): a benchmark with more than one thread
 * (or task) in some instance runs once per policy, each copy named
 * "<primitive>/<variant>/pin:<policy>/..." with the policy in the row's
 * pin_policy column; every other benchmark, and one that places its threads
 * itself (tlb_own_placement), runs once under the first policy, named as
 * registered. With a single policy no name carries a pin part.
 */
#ifndef TLB_H
#define TLB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#ifndef __cplusplus
#include <stdatomic.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tlb_state tlb_state; /* wraps benchmark::State */
typedef struct tlb_bench tlb_bench; /* a registration, applied when the runner starts */
typedef void (*tlb_fn)(tlb_state *st);

#define TLB_REGISTER(ident)                                                   \
	static void tlb_reg_##ident(void);                                    \
	__attribute__((constructor)) static void tlb_ctor_##ident(void)       \
	{                                                                     \
		tlb_reg_##ident();                                            \
	}                                                                     \
	static void tlb_reg_##ident(void)

/* ---- registration (call from TLB_REGISTER bodies) ---- */
tlb_bench *tlb_register(const char *name, tlb_fn fn);

/* The benchmark this one is a ratio against ("pthread_mutex/uncontended").
 * Rows with the same params and threads are compared. */
void tlb_baseline(tlb_bench *b, const char *baseline_name);

/* Argument names (up to TLB_MAX_ARGS) and argument tuples / products. */
#define TLB_MAX_ARGS 4
void tlb_arg_names(tlb_bench *b, const char *const *names, int n);
void tlb_args(tlb_bench *b, const int64_t *values, int n);         /* one tuple */
void tlb_arg_product(tlb_bench *b, const int64_t *const *lists, const int *lens, int n);
void tlb_range(tlb_bench *b, int64_t lo, int64_t hi);               /* one arg, x8 steps */

/* Thread counts. A count may be one of the special values below; the
 * runner's --threads LIST replaces the counts of benchmarks that call
 * tlb_threads_sweep(). */
#define TLB_THREADS_ALLOWED (-1) /* one per allowed CPU (cpuset-aware) */
#define TLB_THREADS_OVERSUB (-2) /* 2x allowed CPUs */
void tlb_threads(tlb_bench *b, int n);
void tlb_threads_sweep(tlb_bench *b); /* 1, 2, 4, ... allowed, then 2x allowed */

enum tlb_unit { TLB_NS, TLB_US, TLB_MS, TLB_S };
void tlb_min_time(tlb_bench *b, double seconds);
void tlb_repetitions(tlb_bench *b, int n);
void tlb_iterations(tlb_bench *b, int64_t n);
void tlb_real_time(tlb_bench *b);   /* report wall time (default: CPU time of main thread) */
void tlb_manual_time(tlb_bench *b); /* the function reports time with tlb_set_iteration_time */
void tlb_unit(tlb_bench *b, enum tlb_unit u);
/* The benchmark binds its threads itself (e.g. from a placement argument,
 * after the shim's pinning): it runs once, under the first --pin policy,
 * not once per policy. */
void tlb_own_placement(tlb_bench *b);
/* Single-thread cost benchmarks looping on tlb_batch: each repetition is
 * split into 15 epochs (max_iterations / 15 per tlb_batch call), each timed
 * on CLOCK_MONOTONIC, and the row's real time is the median epoch's time
 * per iteration x iterations (nanobench's method: a host hiccup of a few ms
 * lands in one epoch and no longer moves the repetition). cpu_ns stays the
 * mean over the whole repetition; names, time mode and aggregates' meaning
 * are unchanged (median/cv over repetitions of the median-epoch times).
 * No effect on instances with more than one thread or on tlb_keep_running
 * loops. */
void tlb_epochs(tlb_bench *b);
/* Not part of --quick: heavy workloads that --quick replaces by a smaller registration. */
void tlb_skip_quick(tlb_bench *b);
void tlb_quick_only(tlb_bench *b);

/* Peers (bench/peers/): every benchmark registered between tlb_peer_begin
 * and tlb_peer_end measures a third-party library (Abseil, Concurrency
 * Kit...), not ours and not a native baseline. Its rows carry `waits`
 * ("block": sleeps in the kernel when it must wait; "spin": busy-waits) so
 * that blocking is compared with blocking and spinning with spinning, and
 * the note (e.g. "Debian's Abseil is built without NDEBUG") in their label.
 * A peer names the same baseline as the primitive of ours it competes
 * with: that shared baseline is how plots, the report's headline table and
 * --filter find the peers of a row. --no-peers drops them. */
enum tlb_waits { TLB_WAITS_BLOCK = 1, TLB_WAITS_SPIN = 2 };
void tlb_peer_begin(const char *library, enum tlb_waits waits, const char *note);
void tlb_peer_end(void);

/* ---- inside the benchmark ---- */
/* Next batch of iterations to run (0 when done). The whole timed loop is
 * `for (n; (n = tlb_batch(st)) > 0;) for (i < n) body;`: one C++ call per batch. */
int64_t tlb_batch(tlb_state *st);
bool tlb_keep_running(tlb_state *st); /* per-iteration form, for slow bodies */
int64_t tlb_max_iterations(tlb_state *st);
int64_t tlb_iterations_done(tlb_state *st);
/* Google Benchmark fixes the iteration count in repetition 0 and reruns it
 * for every further repetition. In such a rerun this is the wall time a
 * repetition is meant to cover (the benchmark's min_time as the run applies
 * it: --min-time, --quick, --load); a body whose rerun can be far faster (a
 * regime change) may run on until then and scale its time to the count.
 * 0 while Google Benchmark is still choosing the count. */
double tlb_rep_min_seconds(const tlb_state *st);
void tlb_pause(tlb_state *st);
void tlb_resume(tlb_state *st);
void tlb_set_iteration_time(tlb_state *st, double seconds); /* manual time */
void tlb_set_items(tlb_state *st, int64_t items);
void tlb_set_bytes(tlb_state *st, int64_t bytes);
void tlb_set_label(tlb_state *st, const char *label);

enum tlb_counter_flags {
	TLB_COUNTER_PLAIN = 0,
	TLB_COUNTER_RATE = 1,        /* divided by elapsed seconds */
	TLB_COUNTER_AVG_THREADS = 2, /* averaged over threads (default: summed) */
	TLB_COUNTER_AVG_ITERATIONS = 4,
};
void tlb_counter(tlb_state *st, const char *name, double value, int flags);
void tlb_skip(tlb_state *st, const char *message); /* SkipWithError; return afterwards */

int tlb_thread_index(const tlb_state *st);
int tlb_thread_count(const tlb_state *st);
int64_t tlb_arg(const tlb_state *st, int i);
int tlb_cpu(const tlb_state *st); /* CPU this thread was pinned to, -1 if unpinned */

/* ---- pinning for code that makes its own threads or processes ----
 * (added by the harness; same functions as bench/include/pin.h)
 * The running benchmark's pin policy (one of --pin's) maps index -> CPU,
 * wrapping past the allowed count. tlb_pin_self binds the calling thread and
 * returns the CPU it runs on (policy none: unbinds to the allowed set), or a
 * negative TL_* code. */
int tlb_pin_self(int index);
int tlb_pin_allowed_count(void); /* placement slots: allowed CPUs (or --pin list length) */
int tlb_pin_cpu_for(int index);  /* -1 for policy none */

/* ---- tasks: benchmarks that run as threads OR as processes (issue 9) ----
 *
 * A task benchmark is one body run by N tasks over one shared block that
 * the harness allocates in a MAP_SHARED mapping before the tasks exist, so
 * it is the same memory whether the tasks are threads or forked processes
 * (and primitives inside it, initialised TL_PSHARED, really contend across
 * processes: will-it-scale's process mode measures private copies instead).
 * The runner's --mode picks threads, processes or both; every row records
 * its mode. bench/procmode.c is the driver, in both modes:
 *
 *   mmap the block, setup(t) once, start N tasks (pthreads or fork), each
 *   pinned by the benchmark's pin policy from its index (tlb_pin_self); then per window (one
 *   Google Benchmark iteration, manual time): release the tasks together
 *   (a barrier in the mapping), task 0 times the window and raises stop,
 *   every task publishes its op count in its own padded slot, and the
 *   window's time per op (window / total ops) is the iteration time; after
 *   the last window the tasks exit, teardown(t) checks and reports.
 *
 *   struct sh { tl_lock_t lock; uint64_t counter; };
 *   static int setup(tlb_task *t) { struct sh *s = t->shared; return tl_lock_init(&s->lock, TL_PSHARED); }
 *   static void body(tlb_task *t)                 // one window
 *   {
 *       struct sh *s = t->shared;
 *       uint64_t n = 0;
 *       while (tlb_task_running(t, n)) {          // publishes n, false once stopped
 *           for (int k = 0; k < 16; k++) { tl_lock_acquire(&s->lock, true, TL_FOREVER); s->counter++; tl_lock_release(&s->lock); }
 *           n += 16;
 *       }
 *   }
 *   TLB_REGISTER(x) { tlb_bench *b = tlb_register_task("x/contended", body, sizeof(struct sh));
 *                     tlb_task_hooks(b, setup, NULL); tlb_threads(b, 2); tlb_iterations(b, 3); }
 *
 * The usual registration calls apply (args, threads = task counts, sweeps,
 * repetitions, --quick twins; iterations = windows per repetition, default
 * 3). Rows: `threads` = tasks, `mode` = threads|processes, real_ns = the
 * group's time per op, counter `throughput` = ops/s over the common window.
 * Instance names end in /threads:N or /processes:N (an argument: Google
 * Benchmark itself runs one driver thread). Thread-only benchmarks (plain
 * tlb_register, or tlb_task_modes(b, TLB_MODE_THREADS)) are skipped by
 * --mode processes, process-only ones (TLB_MODE_PROCESSES,
 * tlb_forks_processes) by --mode threads; run.json lists what was skipped.
 * A body must keep calling tlb_task_running() until it returns false (one
 * that returns earlier ends the window for everyone).
 */
enum tlb_mode { TLB_MODE_THREADS = 1, TLB_MODE_PROCESSES = 2 };

typedef struct tlb_task tlb_task;
typedef void (*tlb_task_fn)(tlb_task *t);   /* runs one window, until tlb_task_running() says stop */
typedef int (*tlb_task_hook)(tlb_task *t);  /* setup/teardown: 0, or a negative TL_* code (row skipped) */

tlb_bench *tlb_register_task(const char *name, tlb_task_fn body, size_t shared_size);
void tlb_task_hooks(tlb_bench *b, tlb_task_hook setup, tlb_task_hook teardown);
void tlb_task_modes(tlb_bench *b, unsigned modes); /* TLB_MODE_* bits; default both */
void tlb_task_window(tlb_bench *b, double seconds); /* one window's length (default 0.01) */
/* A plain (not task) benchmark whose work runs in processes it forks itself
 * (e.g. a workload variant): its rows say mode=processes and it runs only
 * when --mode includes processes. */
void tlb_forks_processes(tlb_bench *b);

#ifndef __cplusplus /* the C++ shim never sees a task: bench/procmode.c drives them */
/* Read-only for bodies and hooks; hooks see index -1 (the driver). */
struct tlb_task {
	void *shared;  /* the benchmark's block (zeroed, page-aligned, MAP_SHARED) */
	int index;     /* 0..count-1 in a task, -1 in setup/teardown */
	int count;     /* tasks */
	int cpu;       /* CPU the task was pinned to (-1 unpinned or in a hook) */
	bool process;  /* tasks are forked processes (else threads of the driver's process) */
	int64_t args[TLB_MAX_ARGS]; /* the instance's arguments (tlb_arg order) */
	/* harness internals (bench/procmode.c) */
	void *_drv;
	_Atomic uint64_t *_ops;        /* this task's padded op counter in the mapping */
	const _Atomic uint32_t *_stop; /* raised by task 0 when the window ends */
};

/* In a body: publish the ops done so far this window and say whether to go
 * on. Call it every few ops (16: the stop check costs a load, task 0's a
 * clock read). It is also how the harness counts: the last value passed
 * before it returned false is the task's count for the window. Relaxed:
 * the driver reads the counts after the end-of-window handshake, whose
 * release/acquire orders them. */
bool tlb__task_tick(tlb_task *t); /* task 0: the window's clock */
static inline bool tlb_task_running(tlb_task *t, uint64_t ops)
{
	atomic_store_explicit(t->_ops, ops, memory_order_relaxed);
	if (t->index == 0)
		return tlb__task_tick(t);
	return !atomic_load_explicit(t->_stop, memory_order_relaxed);
}
#endif

/* In teardown: ops of every task over all windows of this repetition
 * (index -1: the sum), a user counter, or skip the row with a message. */
uint64_t tlb_task_ops(const tlb_task *t, int index);
void tlb_task_counter(tlb_task *t, const char *name, double value);
void tlb_task_skip(tlb_task *t, const char *message);
void tlb_task_label(tlb_task *t, const char *label);

/* ---- keeping the compiler honest in C timed loops ----
 * Same asm as benchmark::ClobberMemory / DoNotOptimize. */
#define TLB_CLOBBER() __asm__ __volatile__("" : : : "memory")
#define TLB_DO_NOT_OPTIMIZE(x) __asm__ __volatile__("" : : "r,m"(x) : "memory")

/* ---- runner entry (bench/runner.c) ---- */
struct tlb_run_opts;
int tlb_run(const struct tlb_run_opts *opts, int gb_argc, char **gb_argv);

#ifdef __cplusplus
}
#endif
#endif
