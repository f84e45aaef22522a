/* workload.h — the seed's lessons as small registered workloads.
 *
 * A workload is one file in bench/workloads/ holding its loop, its variants
 * and, next to each variant, what ThreadSanitizer must find in it:
 *
 *   static const struct tlw_variant variants[] = {
 *       { "unlocked", TLW_RACE,  "temp = n; work; n = temp - 1 with no lock" },
 *       { "lock",     TLW_CLEAN, NULL },
 *   };
 *   static const struct tlw_param params[] = {
 *       // name       default quick  min  max   choices          help               flags
 *       { "threads",  100,    20,    1,   4096, NULL,            "threads started", 0 },
 *       { "start",    0,      0,     0,   1,    tlw_start_modes, "seed|barrier",    TLW_P_SWEEP },
 *   };
 *   static void task(void *state, int i) { ... }      // one thread's loop
 *   static int run(struct tlw_ctx *c)
 *   {
 *       struct tlw_team t;                            // threads running task
 *       tlw_team_init(&t, c, n, task, s); tlw_team_start(&t); tlw_team_join(&t);
 *       tlw_counter(c, "final_n", n); tlw_team_destroy(&t); return 0;
 *   }
 *   TLW_REGISTER(lockjoin, .lesson = "...", .baseline = "unlocked", .run = run);
 *
 * Two front ends drive the registry:
 *   - tl-workload (workload_main.c): plain C, also built under TSan; the race
 *     harness lists cases with `--cases` and runs each one as
 *     `tl-workload <workload>/<variant> [--param V ...]`.
 *   - tl-bench: workload_bench.c turns every (workload, variant) into a
 *     Google Benchmark through tlb.h (manual time = the run's wall_s).
 *
 * Registration order: TLW_REGISTER runs from a constructor, in link order.
 * tlw_register() stores the workload and, when workload_bench.c is linked
 * in, calls its (weak) tlw__bench_adapt() for it at once, so no constructor
 * ordering is needed between the registry, the adapter and the shim.
 */
#ifndef TLW_WORKLOAD_H
#define TLW_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TLW_MAX_WORKLOADS 64
#define TLW_MAX_VARIANTS 8
#define TLW_MAX_PARAMS 12
#define TLW_MAX_COUNTERS 48
#define TLW_NAME_MAX 32

/* What ThreadSanitizer must report for a variant (issue 6 verdicts). */
enum tlw_expect {
	TLW_CLEAN = 0,    /* no report at all */
	TLW_RACE = 1,     /* at least one data race */
	TLW_DEADLOCK = 2, /* a lock-order inversion ("potential deadlock") */
	TLW_SKIP = 3,     /* out of TSan's scope; `reason` says why */
};
const char *tlw_expect_name(enum tlw_expect e);

struct tlw_variant {
	const char *name;
	enum tlw_expect expect;
	const char *reason; /* required for TLW_SKIP (printed by --cases); a note otherwise */
};

/* An integer parameter. Enum-like ones list their value names in `choices`
 * (NULL-terminated; the value is the index). The CLI spells a parameter
 * --name with '_' or '-' ("--work-us" == "--work_us"). */
struct tlw_param {
	const char *name;
	int64_t def, quick;
	int64_t min, max;
	const char *const *choices;
	const char *help;
	unsigned flags; /* TLW_P_* */
};

/* In tl-bench, the first TLW_BENCH_ARGS parameters become Google Benchmark
 * arguments (the run name's "/name:value" parts; "threads" is spelled
 * "nthreads" there, "/threads:N" being Google Benchmark's own); the others
 * keep their default (or quick) value. A TLW_P_SWEEP parameter is
 * registered once per value in min..max (for enum ones: every choice), a
 * TLW_P_SWEEP_POW2 one at 1, 2, 4, ... and 2 x the allowed CPUs. */
#define TLW_BENCH_ARGS 4
enum {
	TLW_P_SWEEP = 1,      /* every value min..max (enum: every choice) */
	TLW_P_SWEEP_POW2 = 2, /* thread counts 1, 2, 4, ... up to 2 x the allowed CPUs */
};

/* Shared choice lists. */
extern const char *const tlw_start_modes[]; /* "seed", "barrier" */
extern const char *const tlw_work_kinds[];  /* "sleep", "spin" */
enum { TLW_START_SEED = 0, TLW_START_BARRIER = 1 };
enum { TLW_WORK_SLEEP = 0, TLW_WORK_SPIN = 1 };

struct tlw_ctx;

struct tlw_workload {
	const char *name;
	const char *lesson; /* the seed section it comes from, one line */
	const struct tlw_variant *variants;
	int nvariants;
	const struct tlw_param *params;
	int nparams;
	/* Variant the others are compared with (CSV `baseline`), or NULL. */
	const char *baseline;
	/* Variants whose tasks are processes they fork (issue 9): bit i for
	 * variants[i]. Their tl-bench rows say mode=processes, they run when
	 * --mode includes processes, and they are compared with
	 * process_baseline instead of baseline. */
	unsigned process_variants;
	const char *process_baseline;
	/* Runs one case. Fills counters with tlw_counter(); returns 0, or a
	 * negative code after tlw_fail() said what went wrong. The lesson's
	 * invariants are counters, never asserts: the caller decides. */
	int (*run)(struct tlw_ctx *c);
	/* Optional: reject a combination of params this variant cannot take
	 * (bad input: tl-workload exits 2 with c->error) before anything runs;
	 * 0, or a negative code after tlw_fail(). */
	int (*check)(struct tlw_ctx *c);
	/* Optional entry for a child process re-executed by the workload
	 * (`tl-workload --child <name> args...`); returns the exit status. */
	int (*child)(int argc, char **argv);
};

/* Everything one run sees. */
struct tlw_ctx {
	const struct tlw_workload *w;
	const struct tlw_variant *v;
	int variant; /* index into w->variants */
	int64_t p[TLW_MAX_PARAMS];
	bool set[TLW_MAX_PARAMS]; /* given explicitly (CLI) rather than defaulted */
	bool quick;
	char pin[32]; /* pin policy for the threads the workload creates ("none": unpinned) */
	int ncounters;
	struct {
		char name[TLW_NAME_MAX];
		double value;
	} counters[TLW_MAX_COUNTERS];
	char error[256];
	char note[256]; /* one human-readable line (tlw_note), printed as note=... */
};

#define TLW_COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Registers the file's workload, named ident, with the file's `variants`
 * and `params` arrays; the other fields are the designated initialisers
 * given after the name (.lesson, .baseline, .run, ...). */
#define TLW_REGISTER(ident, ...)                                                \
	static const struct tlw_workload tlw_def_##ident = {                    \
		.name = #ident,                                                 \
		.variants = variants,                                           \
		.nvariants = TLW_COUNT(variants),                               \
		.params = params,                                               \
		.nparams = TLW_COUNT(params),                                   \
		__VA_ARGS__                                                     \
	};                                                                      \
	__attribute__((constructor)) static void tlw_ctor_##ident(void)         \
	{                                                                       \
		tlw_register(&tlw_def_##ident);                                 \
	}                                                                       \
	struct tlw__semicolon_after_register_##ident

/* ---- registry (workload.c) ---- */
static inline bool tlw_forks(const struct tlw_workload *w, int variant)
{
	return variant >= 0 && variant < 32 && (w->process_variants >> variant & 1u);
}
void tlw_register(const struct tlw_workload *w);
int tlw_count(void);
const struct tlw_workload *tlw_get(int i);
const struct tlw_workload *tlw_find(const char *name);
/* "<workload>/<variant>" → workload and variant index; TL_EINVAL if unknown. */
int tlw_find_case(const char *case_name, const struct tlw_workload **w, int *variant);
int tlw_param_index(const struct tlw_workload *w, const char *name); /* -1 if none */

/* Prepares ctx with defaults (quick ones if quick), pin "none". */
int tlw_ctx_init(struct tlw_ctx *c, const struct tlw_workload *w, int variant, bool quick);
/* Sets a parameter from text ("12", or a choice name); TL_EINVAL with a
 * message in c->error when unknown or out of range. */
int tlw_ctx_set(struct tlw_ctx *c, const char *name, const char *value);
/* Runs the case; adds wall_s (the whole run) unless the workload set it. */
int tlw_run(struct tlw_ctx *c);

/* ---- for workloads ---- */
int64_t tlw_p(const struct tlw_ctx *c, const char *name); /* aborts on an undeclared name: a bug */
void tlw_counter(struct tlw_ctx *c, const char *name, double value);
bool tlw_has_counter(const struct tlw_ctx *c, const char *name);
double tlw_get_counter(const struct tlw_ctx *c, const char *name); /* NAN if unset */
int tlw_fail(struct tlw_ctx *c, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A one-line human explanation of what happened (e.g. who held which lock). */
void tlw_note(struct tlw_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The work a thread does while "holding" something: sleep for us
 * microseconds (as the seed's time.sleep) or spin the CPU until the thread
 * used us microseconds of CPU time (a CPU-bound step whatever the load).
 * Never inlined: callers rely on it being an opaque call (see lockjoin.c). */
void tlw_work(int kind, int64_t us);
void tlw_spin_us(int64_t us);
void tlw_sleep_us(int64_t us);
double tlw_now(void); /* CLOCK_MONOTONIC seconds */
/* A call the compiler must assume reads and writes all memory (noinline,
 * asm memory clobber): a busy-wait loop calling it re-reads shared plain
 * variables each time, as an interpreter would, without making them atomic. */
void tlw_opaque(void);
double tlw_cpu_seconds(void); /* user+sys of the whole process (getrusage) */

/* Loopback socket helpers for the workloads that serve on 127.0.0.1 (echo,
 * crawler). tlw_wait_fd: 0 once fd has `events` (poll), -1 on timeout or
 * error, so a broken peer fails the run instead of hanging it.
 * tlw_send_all: the whole buffer (MSG_NOSIGNAL), 0 or -1. */
int tlw_wait_fd(int fd, short events, int timeout_ms);
int tlw_send_all(int fd, const void *buf, size_t len);
/* Reads until len bytes came (read(2), EINTR retried), waiting at most
 * timeout_ms for each chunk (< 0: no poll, block in read). Returns the
 * bytes read: fewer than len on end of file, error or timeout. */
size_t tlw_read_full(int fd, void *buf, size_t len, int timeout_ms);
/* A TCP listener on 127.0.0.1, ephemeral port (SOCK_CLOEXEC | type_flags,
 * e.g. SOCK_NONBLOCK); *addr receives its address. The fd, or -1 with
 * errno set. */
struct sockaddr_in;
int tlw_listen_loopback(struct sockaddr_in *addr, int type_flags, int backlog);
/* A connected TCP socket to addr (SOCK_CLOEXEC), or -1. */
int tlw_connect(const struct sockaddr_in *addr);
/* Connects and closes up to n times, stopping at the first failure: wakes
 * an acceptor waiting for clients that will never come. */
void tlw_poke(const struct sockaddr_in *addr, int n);

/* waitpid(pid, &status, 0), EINTR retried: the child's status, or -1 (no
 * such child: not a normal exit under the W* macros). */
int tlw_wait_child(pid_t pid);

/* Pins the calling thread, the index-th one the workload created, by the
 * ctx's policy. Returns the CPU it was pinned to, -1 when unpinned. */
int tlw_pin_self(const struct tlw_ctx *c, int index);

/* A team: n threads running one loop, fn(state, i) in member i = 0..n-1,
 * each first pinned as the workload's (pin_base + i)-th thread. The team
 * owns the threads; state is the workload's. Members are started in index
 * order, by any thread (one at a time), and joined in index order.
 *
 *   struct tlw_team t;
 *   if (tlw_team_init(&t, c, n, task, s) != 0) ...      // TL_ENOMEM
 *   t.pin_base = 1; t.name = "worker";                  // optional, before start
 *   r = tlw_team_start(&t);      // or tlw_team_start_all_or_exit(&t)
 *   tlw_team_join(&t);           // every member started so far
 *   tlw_team_destroy(&t);        // joins what is left, frees
 *
 * After a failed start t.started says how many members run. */
typedef void (*tlw_loop_fn)(void *state, int i);
struct tlw__member;
struct tlw_team {
	const struct tlw_ctx *c;
	tlw_loop_fn fn;
	void *state;
	int n;            /* members */
	int pin_base;     /* 0 unless set */
	const char *name; /* thread name; NULL (default): "Thread-N" */
	int started;      /* members started: 0..n */
	int joined;       /* members joined: 0..started */
	struct tlw__member *m;
};
/* On TL_ENOMEM the team is still safe to destroy (it has no members). */
int tlw_team_init(struct tlw_team *t, const struct tlw_ctx *c, int n, tlw_loop_fn fn, void *state);
/* The next member only; 0 or tl_thread_start's error. */
int tlw_team_start_next(struct tlw_team *t);
/* Every member not started yet; stops at the first failure (its error). */
int tlw_team_start(struct tlw_team *t);
/* For teams whose members wait for one another (a start barrier, a full
 * wave, a checker counting on them): one that cannot start would leave the
 * others waiting for ever, and exit() would wait for them in turn (it joins
 * non-daemon threads). Starts every member, or says which one failed and
 * ends the process at once (_exit(1) after flushing stdio). */
void tlw_team_start_all_or_exit(struct tlw_team *t);
/* Joins the members started and not joined yet. */
void tlw_team_join(struct tlw_team *t);
void tlw_team_destroy(struct tlw_team *t);
/* CPUs the threads that called tlw_pin_self() ran on in the last run, as
 * "0;1;5" (the CSV's cpus_used style) in buf; returns how many. tlw_run()
 * adds their count as the counter cpus_seen. */
int tlw_cpus_seen(char *buf, size_t len);
/* Adds a CPU to that set: for tasks the workload forked, which report
 * where they ran through shared memory (their own set dies with them). */
void tlw_cpu_seen(int cpu);

/* ---- traces (issue 16): tl-workload --trace FILE, tl-bench --trace DIR ----
 * A traced run records every threadlab call of the run (threadlab/trace.h)
 * plus the workload's own spans ("running user work", "sleeping", ...),
 * and writes one Chrome Trace Event JSON file after it. */
/* 0 if a trace file can be created at path (a probe file next to it is
 * made and removed); else a one-line reason in err. */
int tlw_trace_check_path(const char *path, char *err, size_t len);
/* tl-bench --trace DIR: creates DIR if missing (one level) and checks it is
 * writable; 0, or a one-line reason in err. NULL dir: tracing off. */
int tlw_trace_set_dir(const char *dir, char *err, size_t len);
const char *tlw_trace_dir(void); /* NULL unless set */
/* The file a case's trace goes to in the --trace DIR:
 * DIR/<workload>-<variant>[-<param>=<value>,...].json (the bench args). */
void tlw_trace_case_path(const struct tlw_ctx *c, char *buf, size_t len);
/* Starts recording (max_events 0: the library's default budget) for the
 * file path, and names the calling thread "main"; 0 or tl_trace_start's error. */
int tlw_trace_begin(const char *path, size_t max_events);
/* In a task process the workload forked: record on (tl_trace_continue)
 * under the name who, then before _exit write path.part-<pid>. Nothing
 * unless the parent was tracing. */
void tlw_trace_child_begin(const char *who);
void tlw_trace_child_end(const char *who);
/* Stops recording and writes the trace of case c to path, atomically
 * (a process variant's children's parts merged in: one track per process);
 * 0 or a negative code with a one-line reason in err. */
int tlw_trace_finish(const struct tlw_ctx *c, const char *path, char *err, size_t len);

/* Percentile (0..100) of n doubles; sorts v in place. */
double tlw_percentile(double *v, int n, double pct);
/* Counters <stem>_p50_<unit> and <stem>_max_<unit>: the median and the
 * largest of n samples (sorted in place), times scale; 0 when n is 0. */
void tlw_counter_p50_max(struct tlw_ctx *c, const char *stem, const char *unit, double *v, int n, double scale);

/* Path of an executable that understands `--child` (tl-workload), for
 * workloads whose lesson needs a fresh process; NULL if none is found. */
const char *tlw_child_exe(void);
/* Entry for `--child <workload> args...` (tl-workload's main calls it). */
int tlw_child_main(int argc, char **argv);

#ifdef __cplusplus
}
#endif
#endif
