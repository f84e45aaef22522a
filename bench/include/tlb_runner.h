/* tlb_runner.h — between the C runner (bench/runner.c) and the shim
 * (bench/shim/shim.cc). Benchmark authors do not need this header.
 *
 * The runner parses its CLI, then tlb_setup() applies the recorded
 * registrations to Google Benchmark (so --threads/--quick/--min-time/
 * --repetitions take effect) and tlb_list() expands the instances. The suite
 * itself runs in a forked child through tlb_run(), which writes one CSV row
 * per run to csv_fd as each benchmark finishes and reports progress on
 * progress_fd as lines "S <k> <offset>" (instance k, 1-based, started when
 * csv_fd was <offset> bytes long), "D <k> <offset>" (finished, its rows
 * written, csv_fd now <offset> bytes long)
 * and "E <k> <errno>" (a row of k could not be written; the child then
 * exits with TLB_EXIT_WRITE_FAILED).
 */
#ifndef TLB_RUNNER_H
#define TLB_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlb.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TLB_MAX_THREAD_COUNTS 64

/* The suite child's exit status when a CSV row could not be written (it
 * reported "E <k> <errno>" on progress_fd first). */
#define TLB_EXIT_WRITE_FAILED 4

struct tlb_run_opts {
	/* what to run */
	const char *filter;                       /* regex, NULL = all */
	int threads[TLB_MAX_THREAD_COUNTS];       /* --threads; replaces sweeps; may hold
						     TLB_THREADS_ALLOWED/OVERSUB (per policy) */
	int n_threads;                            /* 0 = not given */
	int repetitions;                          /* > 0: overrides registrations */
	double min_time;                          /* > 0: overrides registrations */
	bool quick;
	unsigned modes;                           /* TLB_MODE_* bits (--mode); 0 = threads */
	bool no_peers;                            /* --no-peers: no peer library's benchmark */
	bool no_baselines;                        /* --no-baselines: --filter does not add baselines */
	/* where results go */
	int csv_fd;                               /* results.csv.partial, O_APPEND */
	int progress_fd;                          /* -1 = none */
	int log_fd;                               /* -1, or a file that gets the same "S"/"D"
						     lines (progress.txt, for --resume) */
	long skip;                                /* instances 1..skip already done (after a crash) */
	const unsigned char *done;                /* NULL, or done[k-1] != 0: instance k already has
						     its rows (tl-bench --resume); not run again */
	int resumed;                              /* 0, or which --resume of the run this is: the
						     rows' `resumed` column */
	int load;                                 /* --load N busy threads per CPU: the `load` column */
	/* run facts copied into every row */
	const char *run_id, *host, *cpu_model, *git_commit, *build_type;
	int packages, cores, pus, allowed_pus;
};

/* Apply registrations and Google Benchmark flags (gb_argv: pass-through
 * --benchmark_* flags, gb_argv[0] is the program name). 0, or TL_EINVAL
 * with a one-line message in err. Call once. */
int tlb_setup(const struct tlb_run_opts *opts, int gb_argc, char **gb_argv, char *err, size_t errlen);

/* Instance names in run order (after tlb_setup); returns the count, or
 * TL_EINVAL with err set (e.g. the filter regex does not compile). */
int tlb_list(const char *const **names, char *err, size_t errlen);

/* Registered benchmarks that --mode does not run in one of its modes
 * (thread-only ones in process mode, process-only ones in thread mode),
 * with the reason, restricted to those whose name matches the filter;
 * after tlb_setup. reasons may be NULL. Returns the count. */
int tlb_skipped(const char *const **names, const char *const **reasons);

/* Peer libraries (bench/peers/) this build lacks, with the reason (not
 * found by CMake, -DTL_PEERS=OFF, a TSan build); for run.json. reasons may
 * be NULL. Returns the count. */
int tlb_peers_skipped(const char *const **libs, const char *const **reasons);

/* ---- task benchmarks (tlb.h "tasks"; the driver is bench/procmode.c) ---- */
struct tlb__task_def {
	tlb_task_fn body;
	tlb_task_hook setup, teardown;
	size_t shared_size;
	unsigned modes;  /* TLB_MODE_* the benchmark supports */
	double window_s; /* 0: the default (10 ms) */
};

/* One repetition of a task benchmark, on the shim's single Google Benchmark
 * thread: starts ntasks tasks (threads or processes), runs one window per
 * tlb_keep_running() iteration with manual time, stops them. args: the
 * instance's arguments without the task count. Fills cpus with the CPUs the
 * tasks ran on (up to max_cpus) and returns how many. */
int tlb__task_invoke(tlb_state *st, const struct tlb__task_def *def, enum tlb_mode mode, int ntasks,
		     const int64_t *args, int nargs, int *cpus, int max_cpus);

#define TLB_TASK_DEFAULT_WINDOWS 3

/* Per-family defaults the runner uses when the CLI does not override them. */
#define TLB_DEFAULT_MIN_TIME 0.1
#define TLB_DEFAULT_REPETITIONS 5
#define TLB_QUICK_MIN_TIME 0.005
/* Under --load a registration's shorter minimum time is raised to this: a
 * repetition must span tens of the busy CPUs' scheduler slices (3-4 ms),
 * not the dozen in which one phase of the spinners decided a 50 ms
 * ping-pong row. */
#define TLB_LOADED_MIN_TIME 0.25
#define TLB_QUICK_REPETITIONS 3

#ifdef __cplusplus
}
#endif
#endif
