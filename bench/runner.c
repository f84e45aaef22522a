/* runner.c — tl-bench: the benchmark runner's CLI and supervisor.
 *
 * main() parses the command line, loads the topology (bench/pin.h), applies
 * the registrations (tlb_setup) and lists the instances. The suite then runs
 * in a forked child (tlb_run) that appends CSV rows to results.csv.partial
 * as each benchmark finishes and reports "S k" / "D k" on a pipe. The parent
 * only watches:
 *   - the child crashes (SIGSEGV, abort) or a benchmark exceeds --timeout:
 *     the benchmark is recorded as failed and a new child resumes after it;
 *   - SIGINT/SIGTERM: forwarded to the child; the run stops.
 * Either way every finished row stays, incomplete.txt lists what did not
 * finish and why, results.csv appears by rename and reports/latest points
 * to the run. Bad input is one line on stderr and exit status 2.
 */
#include "pin.h"
#include "csv.h"
#include "load.h"
#include "threadlab/common.h"
#include "threadlab/stats.h"
#include "tlb.h"
#include "tlb_runner.h"
#include "workload.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#if defined(__has_include)
#if __has_include(<sys/single_threaded.h>)
#include <sys/single_threaded.h>

#define TLB_FILTER_MAX 1024 /* characters of --filter */
#endif
#endif

#ifndef TL_BUILD_TYPE
#define TL_BUILD_TYPE "unknown"
#endif
#ifndef TL_SOURCE_DIR
#define TL_SOURCE_DIR "."
#endif
#ifndef TL_COMPILER
#define TL_COMPILER "unknown"
#endif
#ifndef TL_VERSION
#define TL_VERSION "unknown"
#endif

/* A synthetic topology larger than this many PUs is refused: building it
 * and listing its sweeps grows faster than linearly (here: 1024 PUs 0.4 s,
 * 4096 PUs 6 s, 8192 PUs 57 s; package:1000 core:1000 pu:2 ran past 30 s
 * and 250 MB). 4096 is above any machine tl-bench runs on today. */
#define TLB_MAX_SYNTHETIC_PUS 4096

/* Compact and scatter place one thread alike; from two threads on they
 * differ wherever the machine has more than one core/package to spread. */
#define TLB_DEFAULT_PIN "compact+scatter"

static const char usage[] =
	"usage: tl-bench [options] [--benchmark_* flags]\n"
	"\n"
	"  --list               list the benchmarks that would run, then exit\n"
	"  --filter REGEX       run only benchmarks whose full name matches REGEX, plus the\n"
	"                       baselines and peer libraries they are compared with\n"
	"  --no-peers           no peer library's benchmarks (Abseil, CK, oneTBB...)\n"
	"  --no-baselines       --filter does not add the baselines of what it selects\n"
	"  --pin POLICIES       none | compact | scatter | CPU list like 0,2-3, or several\n"
	"                       joined by '+' (default compact+scatter): benchmarks with\n"
	"                       more than one thread run once per policy (names get\n"
	"                       /pin:<policy>), the others once, under the first\n"
	"  --threads LIST       thread counts for sweeping benchmarks, e.g. 1,2,max,oversub\n"
	"                       (max = one per allowed CPU, oversub = 2 x max)\n"
	"  --oversubscribe      allow --threads above the allowed CPUs (threads wrap around)\n"
	"  --repetitions N      repetitions of every benchmark (default 5, --quick 3)\n"
	"  --min-time S         minimum seconds per repetition (default 0.1, --quick 0.005)\n"
	"  --quick              short run of the whole default suite\n"
	"  --out DIR            output directory (default reports); writes DIR/<run_id>/\n"
	"  --mode MODE          threads (default) | processes | both: run task benchmarks as\n"
	"                       threads, as forked processes over shared memory, or both;\n"
	"                       thread-only benchmarks are skipped in process mode\n"
	"  --timeout S          per-benchmark limit in seconds, 0 = none (default 600)\n"
	"  --topology DESC      use a synthetic hwloc topology (with --placement/--list only)\n"
	"  --placement N        print the CPU of thread 0..N-1 under each --pin policy, then exit\n"
	"  --load N             run on a busy machine: N spinning threads per allowed CPU, each\n"
	"                       bound to one CPU, for the whole run (0..16; recorded in every row)\n"
	"  --resume DIR         finish the interrupted or crashed run in DIR (a run directory):\n"
	"                       only its missing benchmarks, with its options, same run id\n"
	"  --version            print the version, then exit\n"
	"  --trace DIR          write each workload's timeline (last repetition) to DIR/*.json\n"
	"  -h, --help           this text\n"
	"\n"
	"Google Benchmark's own --benchmark_* flags are passed through\n"
	"(--benchmark_format: console only; results.csv is the CSV, --benchmark_out=F.json the JSON).\n";

static void die2(const char *fmt, ...)
{
	va_list ap;
	fputs("tl-bench: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* ---------------- command line ---------------- */

struct cli {
	bool list, quick, oversubscribe, oversub_asked, no_peers, no_baselines;
	unsigned modes; /* TLB_MODE_* bits from --mode */
	const char *filter, *pin, *threads, *out, *mode, *topology;
	const char *resume; /* --resume DIR */
	char **argv;        /* the options as given (run.json "argv": what --resume re-parses) */
	int argc;
	int repetitions;
	double min_time, timeout;
	int placement;
	int load; /* --load N: busy threads per allowed CPU (load.h) */
	char **gb_argv;
	int gb_argc;
};

/* Strict numbers: no leading blank or sign tricks strtol would accept. */
static bool parse_int(const char *s, long lo, long hi, long *out)
{
	char *end;
	if (isspace((unsigned char)*s))
		return false;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static bool parse_double(const char *s, double lo, double hi, double *out)
{
	char *end;
	if (isspace((unsigned char)*s))
		return false;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= lo) || !(v <= hi))
		return false;
	*out = v;
	return true;
}

/* "--name VALUE" or "--name=VALUE"; advances *i past a separate value. */
static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
	const char *a = argv[*i];
	size_t n = strlen(name);
	if (strncmp(a, name, n) != 0)
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] != 0)
		return NULL;
	if (*i + 1 >= argc)
		die2("option %s needs a value (see --help)", name);
	return argv[++*i];
}

/* One branch per option. A new option (say --load N) is a field in struct
 * cli, a branch here (parse_int / parse_double give the one-line errors), a
 * usage line, and a line in tests/badinput/cases.txt per bad value. */
static void parse_cli(int argc, char **argv, struct cli *c)
{
	memset(c, 0, sizeof *c);
	c->pin = TLB_DEFAULT_PIN;
	c->out = "reports";
	c->mode = "threads";
	c->timeout = 600;
	c->gb_argv = calloc((size_t)argc + 1, sizeof(char *));
	if (!c->gb_argv)
		die2("out of memory");
	c->gb_argv[c->gb_argc++] = argv[0];
	c->argv = argv + 1;
	c->argc = argc - 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		long l;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(usage, stdout);
			exit(0);
		} else if (!strcmp(a, "--version")) {
			printf("tl-bench %s\n", TL_VERSION);
			exit(0);
		} else if (!strcmp(a, "--list") || !strcmp(a, "--benchmark_list_tests") ||
			   !strcmp(a, "--benchmark_list_tests=true")) {
			c->list = true;
		} else if (!strcmp(a, "--quick")) {
			c->quick = true;
		} else if (!strcmp(a, "--oversubscribe")) {
			c->oversubscribe = true;
		} else if (!strcmp(a, "--no-peers")) {
			c->no_peers = true;
		} else if (!strcmp(a, "--no-baselines")) {
			c->no_baselines = true;
		} else if ((v = opt_value(argc, argv, &i, "--filter")) ||
			   (v = opt_value(argc, argv, &i, "--benchmark_filter"))) {
			if (!*v)
				die2("--filter needs a non-empty regular expression");
			/* Google Benchmark matches with std::regex, which recurses
			 * per character: 20000 characters overflowed the stack */
			if (strlen(v) > TLB_FILTER_MAX)
				die2("--filter is %zu characters long: at most %d", strlen(v), TLB_FILTER_MAX);
			/* --filter and --benchmark_filter are one option: a second,
			 * different value would silently override the first */
			if (c->filter && strcmp(c->filter, v))
				die2("two filters given ('%s' and '%s'): --filter and --benchmark_filter are the same option, give one",
				     c->filter, v);
			c->filter = v;
		} else if ((v = opt_value(argc, argv, &i, "--pin"))) {
			if (!*v)
				die2("--pin needs a pin policy: none, compact, scatter, a CPU list, or e.g. compact+scatter");
			c->pin = v;
		} else if ((v = opt_value(argc, argv, &i, "--threads"))) {
			c->threads = v;
		} else if ((v = opt_value(argc, argv, &i, "--repetitions")) ||
			   (v = opt_value(argc, argv, &i, "--benchmark_repetitions"))) {
			if (!parse_int(v, 1, 100000, &l))
				die2("--repetitions must be an integer from 1 to 100000, not '%s'", v);
			c->repetitions = (int)l;
		} else if ((v = opt_value(argc, argv, &i, "--min-time")) ||
			   (v = opt_value(argc, argv, &i, "--benchmark_min_time"))) {
			if (!parse_double(v, 1e-9, 86400, &c->min_time))
				die2("--min-time must be a number of seconds > 0, not '%s'", v);
		} else if ((v = opt_value(argc, argv, &i, "--out"))) {
			if (!*v)
				die2("--out needs a directory");
			c->out = v;
		} else if ((v = opt_value(argc, argv, &i, "--mode"))) {
			c->mode = v;
		} else if ((v = opt_value(argc, argv, &i, "--timeout"))) {
			if (!parse_double(v, 0, 1e7, &c->timeout))
				die2("--timeout must be a number of seconds >= 0, not '%s'", v);
		} else if ((v = opt_value(argc, argv, &i, "--resume"))) {
			if (!*v)
				die2("--resume needs a run directory such as reports/20250101T120000Z");
			c->resume = v;
		} else if ((v = opt_value(argc, argv, &i, "--trace"))) {
			char why[600];
			if (tlw_trace_set_dir(v, why, sizeof why) != 0)
				die2("%s", why);
		} else if ((v = opt_value(argc, argv, &i, "--topology"))) {
			if (!*v)
				die2("--topology needs a description such as 'package:2 core:4 pu:2'");
			c->topology = v;
		} else if ((v = opt_value(argc, argv, &i, "--load"))) {
			if (!parse_int(v, 0, TLB_LOAD_MAX_PER_CPU, &l))
				die2("--load must be 0..%d busy threads per CPU, not '%s'", TLB_LOAD_MAX_PER_CPU, v);
			c->load = (int)l;
		} else if ((v = opt_value(argc, argv, &i, "--placement"))) {
			if (!parse_int(v, 1, 1 << 20, &l))
				die2("--placement must be a thread count >= 1, not '%s'", v);
			c->placement = (int)l;
		} else if ((v = opt_value(argc, argv, &i, "--benchmark_format"))) {
			/* The console table is all Google Benchmark prints here:
			 * rows go to results.csv and JSON to --benchmark_out. */
			if (!strcmp(v, "json") || !strcmp(v, "csv"))
				die2("--benchmark_format=%s is not supported (console only): rows are in results.csv; use --benchmark_out=FILE for JSON", v);
			if (strcmp(v, "console") != 0)
				die2("unknown --benchmark_format '%s' (only console is supported)", v);
			c->gb_argv[c->gb_argc++] = argv[i];
		} else if (!strncmp(a, "--benchmark_", 12)) {
			if (!strcmp(a, "--benchmark_out=") || !strcmp(a, "--benchmark_out"))
				die2("--benchmark_out needs a file name (--benchmark_out=FILE)");
			c->gb_argv[c->gb_argc++] = argv[i];
		} else {
			die2("unknown option '%s' (see --help)", a);
		}
	}
	if (!strcmp(c->mode, "threads"))
		c->modes = TLB_MODE_THREADS;
	else if (!strcmp(c->mode, "processes"))
		c->modes = TLB_MODE_PROCESSES;
	else if (!strcmp(c->mode, "both"))
		c->modes = TLB_MODE_THREADS | TLB_MODE_PROCESSES;
	else
		die2("unknown --mode '%s' (use threads, processes or both)", c->mode);
}

/* --threads "1,2,max,oversub" -> counts; max and oversub stay
 * TLB_THREADS_ALLOWED / TLB_THREADS_OVERSUB (resolved per pin policy).
 * Split by hand: strtok would merge ",," and hide an empty item. */
static int parse_threads(const char *s, int *out, int max, bool *oversub)
{
	int n = 0;
	if (!*s)
		die2("--threads needs a list such as 1,2,max");
	for (const char *t = s;;) {
		size_t len = strcspn(t, ",");
		char item[32];
		if (len == 0)
			die2("invalid --threads '%s': empty thread count (use e.g. 1,2,max)", s);
		if (len >= sizeof item)
			die2("invalid thread count '%.*s' in --threads (use integers >= 1, max or oversub)", (int)len, t);
		memcpy(item, t, len);
		item[len] = 0;
		long v;
		if (!strcmp(item, "max")) {
			v = TLB_THREADS_ALLOWED;
		} else if (!strcmp(item, "oversub") || !strcmp(item, "2max")) {
			v = TLB_THREADS_OVERSUB;
			*oversub = true;
		} else if (!parse_int(item, 1, 65536, &v)) {
			die2("invalid thread count '%s' in --threads '%s' (use integers 1-65536, max or oversub)", item, s);
		}
		if (n >= max)
			die2("too many thread counts in --threads (at most %d)", max);
		out[n++] = (int)v;
		if (!t[len])
			break;
		t += len + 1;
	}
	return n;
}

/* Bounds a synthetic topology before hwloc builds it: the product of the
 * level counts ("package:2 core:4 pu:2" = 16 PUs). Tokens that are not
 * "type:N" are left to hwloc's own parser. */
static void check_synthetic_size(const char *desc, const char *what)
{
	double pus = 1;
	for (const char *t = desc; *t;) {
		t += strspn(t, " \t");
		size_t len = strcspn(t, " \t");
		const char *colon = memchr(t, ':', len);
		if (colon && isdigit((unsigned char)colon[1]))
			pus *= strtod(colon + 1, NULL);
		if (pus > TLB_MAX_SYNTHETIC_PUS)
			die2("%s '%s' describes more than %d PUs; a synthetic topology may have at most %d", what, desc,
			     TLB_MAX_SYNTHETIC_PUS, TLB_MAX_SYNTHETIC_PUS);
		t += len;
	}
}

/* ---------------- small helpers ---------------- */

static int mkdir_p(const char *path)
{
	char buf[PATH_MAX];
	if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0777) != 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0777) != 0 && errno != EEXIST)
		return -errno;
	struct stat st;
	if (stat(buf, &st) != 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	return 0;
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void git_commit(char *buf, size_t len)
{
	snprintf(buf, len, "unknown");
	char cmd[PATH_MAX + 128];
	if (strchr(TL_SOURCE_DIR, '\''))
		return;
	snprintf(cmd, sizeof cmd, "git -C '%s' describe --always --dirty --abbrev=12 2>/dev/null", TL_SOURCE_DIR);
	FILE *p = popen(cmd, "r");
	if (!p)
		return;
	char line[128];
	if (fgets(line, sizeof line, p)) {
		line[strcspn(line, "\r\n")] = 0;
		if (line[0])
			snprintf(buf, len, "%s", line);
	}
	pclose(p);
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static const char *sig_name(int sig)
{
	switch (sig) {
	case SIGSEGV: return "SIGSEGV";
	case SIGABRT: return "SIGABRT";
	case SIGBUS: return "SIGBUS";
	case SIGFPE: return "SIGFPE";
	case SIGILL: return "SIGILL";
	case SIGKILL: return "SIGKILL";
	case SIGINT: return "SIGINT";
	case SIGTERM: return "SIGTERM";
	case SIGHUP: return "SIGHUP";
	default: return "signal";
	}
}

/* ---------------- supervisor ---------------- */

static volatile sig_atomic_t got_signal;
static volatile sig_atomic_t signal_count;
static volatile pid_t child_pid;

static void on_signal(int sig)
{
	got_signal = sig;
	signal_count++;
	if (child_pid > 0)
		kill(child_pid, signal_count > 1 ? SIGKILL : sig);
}

enum { ST_PENDING, ST_RUNNING, ST_DONE, ST_FAILED };

struct run {
	struct cli *cli;
	struct tlb_run_opts opts;
	const char *const *names;
	int n;
	int *status;
	char **reason;
	long long *start_off; /* CSV size when instance k started ("S k off"), -1 unknown */
	char dir[PATH_MAX];
	char run_id[64];
	char host[256];
	char git[128];
	double t0;
	int rows_fd;
	struct stat dir_st;   /* the run directory as created: a removed one is noticed */
	int write_err;        /* errno of a CSV row the child could not write, 0 if none */
	int out_err;          /* errno of the --benchmark_out file the child could not write, 0 if none */
	long write_k;         /* ... and its instance */
	bool dir_gone;        /* the run directory was removed or replaced mid-run */
	int libc_single;      /* glibc's __libc_single_threaded in the suite child, -1 unknown */
	tl_stats_t adaptive;  /* what the library's adaptive parts chose in the suite child ("A" line) */
	bool have_adaptive;
	char reserve[PATH_MAX + 32]; /* space kept for the end's metadata, "" if none */
	int progress_fd;      /* progress.txt: what --resume needs, O_APPEND, flock()ed while running */
	int resumed;          /* 0, or how many times this run was resumed */
	unsigned char *done0; /* instances done before this attempt (--resume) */
};

/* progress.txt, one line each, appended as it happens: "I k name" for
 * every instance when the run starts (so --resume can check the list is
 * the same), then "S k offset" / "D k offset" as instance k starts / is
 * done, offset being results.csv.partial's size then; the suite child
 * writes those itself (tlb_run_opts.log_fd), right after the rows, so a
 * SIGKILLed supervisor loses nothing. --resume keeps the D instances and
 * cuts the CSV back to the last D's offset. */
static void progress_log(struct run *r, const char *fmt, ...)
{
	char line[PATH_MAX + 64];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (r->progress_fd < 0 || n <= 0 || (size_t)n >= sizeof line)
		return;
	if (write(r->progress_fd, line, (size_t)n) != n) {
		/* a full disk: the run itself reports the failed rows */
	}
}

/* Disk space set aside at the start and given back just before run.json and
 * incomplete.txt are written at the end, so a run that filled the disk with
 * rows can still say so in a valid run.json and list what is missing. */
#define TLB_RESERVE_BYTES (32 * 1024)

static void reserve_space(struct run *r)
{
	snprintf(r->reserve, sizeof r->reserve, "%s/.space-reserve", r->dir);
	int fd = open(r->reserve, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0 && posix_fallocate(fd, 0, TLB_RESERVE_BYTES) == 0) {
		close(fd);
		return;
	}
	if (fd >= 0)
		close(fd);
	unlink(r->reserve); /* nearly full already: run without a reserve */
	r->reserve[0] = 0;
}

static void release_space(struct run *r)
{
	if (r->reserve[0])
		unlink(r->reserve);
	r->reserve[0] = 0;
}

static void set_reason(struct run *r, int k, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	free(r->reason[k]);
	r->reason[k] = strdup(buf);
}

static bool dir_intact(const struct run *r)
{
	struct stat st;
	return stat(r->dir, &st) == 0 && st.st_dev == r->dir_st.st_dev && st.st_ino == r->dir_st.st_ino;
}

static void *noop_thread(void *arg)
{
	return arg;
}

/* glibc on x86-64 skips the `lock` prefix of its mutexes and atomics until
 * the process starts its first thread, and keeps it on from then on
 * (pthread_mutex lock+unlock ~6.5 ns before, ~18.5 ns after, on the Intel
 * VM of issue 17). Without this, whatever ran before the first threaded
 * benchmark (native/mutex_pair, any single-thread baseline) was measured in
 * that flattering mode and what ran after it was not. One thread started and
 * joined before the suite puts every benchmark in the mode real
 * multi-threaded programs are in. Returns __libc_single_threaded afterwards
 * (0 expected), -1 where glibc does not say. selftest/libc_mode checks it
 * from inside the suite. */
static int libc_go_multithreaded(void)
{
	pthread_t t;
	if (pthread_create(&t, NULL, noop_thread, NULL) == 0)
		pthread_join(t, NULL);
#if defined(__has_include)
#if __has_include(<sys/single_threaded.h>)
	return __libc_single_threaded ? 1 : 0;
#endif
#endif
	return -1;
}

/* Runs one child from instance `skip` on; returns how it ended. */
static int run_child(struct run *r, long skip, int *wstatus, bool *timed_out, long *running)
{
	int p[2];
	if (pipe(p) != 0) {
		fprintf(stderr, "tl-bench: pipe: %s\n", strerror(errno));
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "tl-bench: fork: %s\n", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		/* The suite dies with its supervisor (SIGKILL of tl-bench): an
		 * orphan would run on writing rows nobody finishes. The
		 * getppid check closes the window before prctl took effect. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
			_exit(3);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		close(p[0]);
		char line[32];
		int n = snprintf(line, sizeof line, "L %d\n", libc_go_multithreaded());
		if (write(p[1], line, (size_t)n) < 0) {
			/* the supervisor is gone; PDEATHSIG ends us */
		}
		struct tlb_run_opts o = r->opts;
		o.skip = skip;
		o.done = r->done0;
		o.log_fd = r->progress_fd;
		o.resumed = r->resumed;
		o.progress_fd = p[1];
		char lerr[256] = "";
		if (r->cli->load > 0 && tlb_load_start(r->cli->load, lerr, sizeof lerr) != 0) {
			fprintf(stderr, "tl-bench: error: %s\n", lerr);
			_exit(3);
		}
		int rc = tlb_run(&o, 0, NULL);
		tlb_load_stop();
		/* What the adaptive parts chose in this child, for run.json. */
		tl_stats_t s;
		tl_stats_get(&s);
		char st[288];
		int sn = snprintf(st, sizeof st, "A %u %u %u %u %llu %llu %llu %llu %u %llu %llu\n", s.pause_ps,
				  s.lock_spin_max_ns, s.lock_spin_max_pauses, s.handoff_spin_ns,
				  (unsigned long long)s.handoff_spins, (unsigned long long)s.handoff_spin_won,
				  (unsigned long long)s.handoff_busy_cpu, (unsigned long long)s.slow_yields, s.lock_fair_ns,
				  (unsigned long long)s.lock_handoffs, (unsigned long long)s.lock_yields);
		if (write(p[1], st, (size_t)sn) < 0) {
			/* the supervisor is gone */
		}
		fflush(stdout);
		exit(rc == 0 ? 0 : 3);
	}
	child_pid = pid;
	close(p[1]);
	*timed_out = false;
	*running = 0;
	char buf[4096];
	size_t have = 0;
	double deadline = 0; /* armed while a benchmark runs (from "S" to "D") */
	for (;;) {
		int wait_ms = -1;
		if (deadline > 0) {
			double left = deadline - mono();
			wait_ms = left <= 0 ? 0 : (int)(left * 1000) + 1;
		}
		struct pollfd pfd = { p[0], POLLIN, 0 };
		int pr = poll(&pfd, 1, wait_ms);
		if (pr < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pr == 0) {
			if (deadline > 0 && mono() >= deadline && !*timed_out) {
				*timed_out = true;
				kill(pid, SIGKILL);
				deadline = 0;
			}
			continue;
		}
		ssize_t got = read(p[0], buf + have, sizeof buf - have - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break; /* EOF: child gone */
		have += (size_t)got;
		buf[have] = 0;
		char *line = buf, *nl;
		while ((nl = strchr(line, '\n'))) {
			*nl = 0;
			char *end;
			long k = strtol(line + 1, &end, 10);
			long long extra = strtoll(end, NULL, 10);
			if (line[0] == 'L') {
				r->libc_single = (int)k;
			} else if (line[0] == 'O') {
				r->out_err = extra > 0 ? (int)extra : EIO;
			} else if (line[0] == 'A') {
				/* constants: the last child's; counters: summed over the
				 * children of a run that had to restart */
				unsigned a, b, c, d, fair;
				unsigned long long e, f, g, h, ho, ly;
				if (sscanf(line + 1, "%u %u %u %u %llu %llu %llu %llu %u %llu %llu", &a, &b, &c, &d, &e, &f, &g,
					   &h, &fair, &ho, &ly) == 11) {
					tl_stats_t *s = &r->adaptive;
					s->pause_ps = a;
					s->lock_spin_max_ns = b;
					s->lock_spin_max_pauses = c;
					s->handoff_spin_ns = d;
					s->handoff_spins += e;
					s->handoff_spin_won += f;
					s->handoff_busy_cpu += g;
					s->slow_yields += h;
					s->lock_fair_ns = fair;
					s->lock_handoffs += ho;
					s->lock_yields += ly;
					r->have_adaptive = true;
				}
			} else if (k >= 1 && k <= r->n) {
				if (line[0] == 'S') {
					r->status[k - 1] = ST_RUNNING;
					r->start_off[k - 1] = extra;
					*running = k;
					if (r->cli->timeout > 0 && !*timed_out)
						deadline = mono() + r->cli->timeout;
				} else if (line[0] == 'D') {
					r->status[k - 1] = ST_DONE;
					*running = 0;
					deadline = 0;
					/* rows of a removed directory go nowhere: stop */
					if (!r->dir_gone && !dir_intact(r)) {
						r->dir_gone = true;
						kill(pid, SIGKILL);
					}
				} else if (line[0] == 'E') {
					r->write_err = extra > 0 ? (int)extra : EIO;
					r->write_k = k;
				}
			}
			line = nl + 1;
		}
		have = (size_t)(buf + have - line);
		memmove(buf, line, have);
	}
	close(p[0]);
	while (waitpid(pid, wstatus, 0) < 0) {
		if (errno != EINTR) {
			*wstatus = 0;
			break;
		}
	}
	child_pid = 0;
	return 0;
}

/* Instance k (1-based) did not finish: cut whatever rows it wrote back out,
 * so an instance is in results.csv whole or not at all. */
static void cut_rows(struct run *r, long k)
{
	if (k < 1 || k > r->n || r->start_off[k - 1] < 0)
		return;
	if (ftruncate(r->rows_fd, (off_t)r->start_off[k - 1]) != 0)
		fprintf(stderr, "tl-bench: warning: could not remove the partial rows of %s: %s\n", r->names[k - 1],
			strerror(errno));
}

/* Writes path atomically (temp + rename) from the text fill() prints;
 * 0 or an errno. A half-written file never replaces a whole one. */
static int write_atomic(const char *path, void (*fill)(FILE *, struct run *, const void *), struct run *r,
			const void *arg)
{
	char tmp[PATH_MAX + 48];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return errno;
	fill(f, r, arg);
	int e = 0;
	if (fflush(f) != 0 || ferror(f))
		e = errno ? errno : EIO;
	if (fclose(f) != 0 && !e)
		e = errno ? errno : EIO;
	if (!e && rename(tmp, path) != 0)
		e = errno;
	if (e)
		unlink(tmp);
	return e;
}

struct run_json_args {
	const char *status;
	int exit_code;
	const char *error;
};

static void fill_run_json(FILE *f, struct run *r, const void *arg)
{
	const struct run_json_args *a = arg;
	char allowed[1024] = "";
	tlb_pin_allowed_list(allowed, sizeof allowed);
	int pk, nu, co, pu;
	tlb_pin_topology(&pk, &nu, &co, &pu);
	struct utsname un;
	uname(&un);
	int done = 0;
	for (int i = 0; i < r->n; i++)
		done += r->status[i] == ST_DONE;
	fprintf(f, "{\n  \"run_id\": ");
	json_str(f, r->run_id);
	fprintf(f, ",\n  \"status\": ");
	json_str(f, a->status);
	fprintf(f, ",\n  \"exit_code\": %d,\n  \"error\": ", a->exit_code);
	json_str(f, a->error ? a->error : "");
	fprintf(f, ",\n  \"host\": ");
	json_str(f, r->host);
	fprintf(f, ",\n  \"kernel\": ");
	json_str(f, un.release);
	fprintf(f, ",\n  \"cpu_model\": ");
	json_str(f, tlb_pin_cpu_model());
	fprintf(f, ",\n  \"packages\": %d, \"numa_nodes\": %d, \"cores\": %d, \"pus\": %d,\n", pk, nu, co, pu);
	fprintf(f, "  \"allowed_pus\": %d, \"allowed_cpus\": ", tlb_pin_allowed_pus());
	json_str(f, allowed);
	fprintf(f, ",\n  \"pin_policy\": ");
	json_str(f, r->cli->pin);
	fprintf(f, ",\n  \"pin_policies\": [");
	for (int i = 0; i < tlb_pin_policy_count(); i++) {
		fputs(i ? ", " : "", f);
		json_str(f, tlb_pin_policy_name_at(i));
	}
	fputc(']', f);
	fprintf(f, ",\n  \"mode\": ");
	json_str(f, r->cli->mode);
	fprintf(f, ",\n  \"load\": %d", r->cli->load);
	if (r->have_adaptive) {
		const tl_stats_t *s = &r->adaptive;
		fprintf(f, ",\n  \"adaptive\": {\"pause_ps\": %u, \"lock_spin_max_ns\": %u, \"lock_spin_max_pauses\": %u, "
			"\"handoff_spin_ns\": %u, \"handoff_spins\": %llu, \"handoff_spin_won\": %llu, "
			"\"handoff_busy_cpu\": %llu, \"slow_yields\": %llu, \"lock_fair_ns\": %u, \"lock_handoffs\": %llu, "
			"\"lock_yields\": %llu}",
			s->pause_ps, s->lock_spin_max_ns, s->lock_spin_max_pauses, s->handoff_spin_ns,
			(unsigned long long)s->handoff_spins, (unsigned long long)s->handoff_spin_won,
			(unsigned long long)s->handoff_busy_cpu, (unsigned long long)s->slow_yields, s->lock_fair_ns,
			(unsigned long long)s->lock_handoffs, (unsigned long long)s->lock_yields);
	}
	fprintf(f, ",\n  \"libc_threading\": ");
	json_str(f, r->libc_single == 0 ? "multi-threaded" : r->libc_single == 1 ? "single-threaded" : "unknown");
	fprintf(f, ",\n  \"skipped\": [");
	const char *const *sk, *const *why;
	int nsk = tlb_skipped(&sk, &why);
	for (int i = 0; i < nsk; i++) {
		fprintf(f, "%s\n    {\"name\": ", i ? "," : "");
		json_str(f, sk[i]);
		fprintf(f, ", \"reason\": ");
		json_str(f, why[i]);
		fputc('}', f);
	}
	fprintf(f, "%s],\n  \"peers_skipped\": [", nsk ? "\n  " : "");
	const char *const *pl, *const *pwhy;
	int npl = tlb_peers_skipped(&pl, &pwhy);
	for (int i = 0; i < npl; i++) {
		fprintf(f, "%s\n    {\"peer\": ", i ? "," : "");
		json_str(f, pl[i]);
		fprintf(f, ", \"reason\": ");
		json_str(f, pwhy[i]);
		fputc('}', f);
	}
	fprintf(f, "%s],\n  \"no_peers\": %s,\n  \"git_commit\": ", npl ? "\n  " : "",
		r->cli->no_peers ? "true" : "false");
	json_str(f, r->git);
	fprintf(f, ",\n  \"build_type\": ");
	json_str(f, TL_BUILD_TYPE);
	fprintf(f, ",\n  \"compiler\": ");
	json_str(f, TL_COMPILER);
	fprintf(f, ",\n  \"version\": ");
	json_str(f, TL_VERSION);
	fprintf(f, ",\n  \"argv\": [");
	for (int i = 0; i < r->cli->argc; i++) {
		fputs(i ? ", " : "", f);
		json_str(f, r->cli->argv[i]);
	}
	fprintf(f, "],\n  \"resumed\": %d", r->resumed);
	fprintf(f, ",\n  \"google_benchmark\": \"1.7\",\n  \"quick\": %s,\n", r->cli->quick ? "true" : "false");
	fprintf(f, "  \"filter\": ");
	json_str(f, r->cli->filter ? r->cli->filter : "");
	fprintf(f, ",\n  \"threads\": ");
	json_str(f, r->cli->threads ? r->cli->threads : "");
	fprintf(f, ",\n  \"repetitions\": %d,\n  \"min_time\": %g,\n",
		r->cli->repetitions > 0 ? r->cli->repetitions
		: r->cli->quick ? TLB_QUICK_REPETITIONS : TLB_DEFAULT_REPETITIONS,
		r->cli->min_time > 0 ? r->cli->min_time : r->cli->quick ? TLB_QUICK_MIN_TIME : TLB_DEFAULT_MIN_TIME);
	fprintf(f, "  \"benchmarks\": %d,\n  \"benchmarks_done\": %d,\n  \"elapsed_s\": %.3f\n}\n", r->n, done,
		mono() - r->t0);
}

static int write_run_json(struct run *r, const char *status, int exit_code, const char *error)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/run.json", r->dir);
	struct run_json_args a = { status, exit_code, error };
	return write_atomic(path, fill_run_json, r, &a);
}

static const char *missing_reason(const struct run *r, int i)
{
	if (r->reason[i])
		return r->reason[i];
	if (r->status[i] == ST_RUNNING && got_signal)
		return NULL; /* "interrupted by SIG..." */
	if (r->status[i] == ST_RUNNING)
		return "did not finish";
	if (got_signal)
		return "not started (run interrupted)";
	if (r->write_err || r->dir_gone)
		return "not run (results could not be written)";
	return "not run";
}

static void fill_incomplete(FILE *f, struct run *r, const void *arg)
{
	(void)arg;
	for (int i = 0; i < r->n; i++) {
		if (r->status[i] == ST_DONE)
			continue;
		const char *why = missing_reason(r, i);
		if (!why)
			fprintf(f, "%s\tinterrupted by %s\n", r->names[i], sig_name(got_signal));
		else
			fprintf(f, "%s\t%s\n", r->names[i], why);
	}
}

static void update_latest(const char *out, const char *run_id)
{
	char tmp[PATH_MAX], link[PATH_MAX];
	snprintf(tmp, sizeof tmp, "%s/.latest.%ld", out, (long)getpid());
	snprintf(link, sizeof link, "%s/latest", out);
	unlink(tmp);
	if (symlink(run_id, tmp) != 0 || rename(tmp, link) != 0) {
		fprintf(stderr, "tl-bench: warning: could not update %s: %s\n", link, strerror(errno));
		unlink(tmp);
	}
}

static int supervise(struct run *r)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* A closed stdout/stderr pipe (`tl-bench | head`) must not kill the
	 * run before results.csv is in place; the child inherits this. */
	signal(SIGPIPE, SIG_IGN);

	bool failed = false;
	long skip = 0;
	while (skip < r->n && !got_signal) {
		int ws = 0;
		bool timed_out;
		long running;
		if (run_child(r, skip, &ws, &timed_out, &running) != 0) {
			failed = true;
			break;
		}
		if (got_signal) {
			cut_rows(r, running);
			break;
		}
		if (r->write_err) {
			long k = r->write_k >= 1 ? r->write_k : running;
			if (k >= 1 && k <= r->n) {
				r->status[k - 1] = ST_FAILED;
				set_reason(r, (int)k - 1, "rows not written: %s", strerror(r->write_err));
				cut_rows(r, k);
			}
			break;
		}
		if (r->dir_gone)
			break;
		if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0)
			break;
		/* The child died: blame the benchmark that was running (or the
		 * next one, if it died between two), resume after it. */
		long k = running;
		if (k == 0) {
			k = skip + 1;
			for (int i = (int)skip; i < r->n; i++)
				if (r->status[i] != ST_DONE) {
					k = i + 1;
					break;
				}
		}
		if (k > r->n)
			break;
		r->status[k - 1] = ST_FAILED;
		cut_rows(r, running);
		if (timed_out)
			set_reason(r, (int)k - 1, "timed out after %g s (--timeout)", r->cli->timeout);
		else if (WIFSIGNALED(ws))
			set_reason(r, (int)k - 1, "crashed: killed by %s (%d)", sig_name(WTERMSIG(ws)), WTERMSIG(ws));
		else
			set_reason(r, (int)k - 1, "crashed: exit status %d", WEXITSTATUS(ws));
		fprintf(stderr, "tl-bench: %s %s; continuing after it\n", r->names[k - 1], r->reason[k - 1]);
		failed = true;
		skip = k;
	}

	/* Output that could not be kept makes the run a failed one (exit 3),
	 * never a quiet success: every file below is checked. */
	char error[PATH_MAX + 256] = "";
	if (!r->dir_gone && !dir_intact(r))
		r->dir_gone = true;
	if (r->dir_gone)
		snprintf(error, sizeof error, "run directory %s was removed or replaced during the run", r->dir);
	else if (r->write_err)
		snprintf(error, sizeof error, "results.csv.partial: a row could not be written: %s",
			 strerror(r->write_err));
	else if (r->out_err)
		snprintf(error, sizeof error, "the --benchmark_out file could not be written: %s", strerror(r->out_err));
	int missing = 0;
	for (int i = 0; i < r->n; i++)
		missing += r->status[i] != ST_DONE;
	char part[PATH_MAX + 32], fin[PATH_MAX + 32];
	snprintf(part, sizeof part, "%s/results.csv.partial", r->dir);
	snprintf(fin, sizeof fin, "%s/results.csv", r->dir);
	if (!r->dir_gone && fsync(r->rows_fd) != 0 && errno != EINVAL && !error[0])
		snprintf(error, sizeof error, "results.csv.partial: %s", strerror(errno));
	close(r->rows_fd);
	release_space(r);
	bool listed = false; /* the missing ones are in incomplete.txt */
	if (!missing && !r->dir_gone && r->resumed) { /* an earlier attempt's list */
		char path[PATH_MAX + 32];
		snprintf(path, sizeof path, "%s/incomplete.txt", r->dir);
		unlink(path);
	}
	if (missing && !r->dir_gone) {
		char path[PATH_MAX + 32];
		snprintf(path, sizeof path, "%s/incomplete.txt", r->dir);
		int e = write_atomic(path, fill_incomplete, r, NULL);
		if (e) {
			fprintf(stderr, "tl-bench: error: cannot write %s: %s; not finished:\n", path, strerror(e));
			if (!error[0])
				snprintf(error, sizeof error, "incomplete.txt: %s", strerror(e));
		} else {
			listed = true;
		}
	}
	if (missing && !listed && (r->dir_gone || error[0])) /* say what is missing where it can be read */
		for (int i = 0; i < r->n; i++)
			if (r->status[i] != ST_DONE) {
				const char *why = missing_reason(r, i);
				fprintf(stderr, "tl-bench: not finished: %s\t%s%s\n", r->names[i],
					why ? why : "interrupted by ", why ? "" : sig_name(got_signal));
			}
	if (!r->dir_gone && rename(part, fin) != 0 && !error[0])
		snprintf(error, sizeof error, "cannot rename results.csv.partial to results.csv: %s", strerror(errno));
	int exit_code = got_signal ? 128 + got_signal : error[0] ? 3 : failed || missing ? 1 : 0;
	const char *status = got_signal ? "interrupted" : error[0] ? "failed" : missing ? "incomplete" : "complete";
	if (!r->dir_gone) {
		int e = write_run_json(r, status, exit_code, error[0] ? error : NULL);
		if (e) {
			fprintf(stderr, "tl-bench: error: cannot write %s/run.json: %s\n", r->dir, strerror(e));
			if (!error[0])
				snprintf(error, sizeof error, "run.json: %s", strerror(e));
			if (!got_signal)
				exit_code = 3;
		}
	}
	if (error[0]) {
		fprintf(stderr, "tl-bench: error: %s; %d/%d benchmarks finished%s\n", error, r->n - missing, r->n,
			r->dir_gone ? " (their rows are lost with the directory)" : " (their rows are in results.csv)");
		if (!got_signal)
			exit_code = 3;
		return exit_code;
	}
	update_latest(r->cli->out, r->run_id);
	fprintf(stderr, "tl-bench: %d/%d benchmarks done in %.1f s; results in %s%s\n", r->n - missing, r->n,
		mono() - r->t0, fin, missing ? " (see incomplete.txt)" : "");
	return exit_code;
}


/* File scope, not main's frame: the suite's child exits from inside
 * supervise(), and LeakSanitizer must still see these as reachable. */
static struct cli cli;
static struct run r;

/* ---------------- --resume ---------------- */

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	for (size_t got; buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0;) {
		n += got;
		if (cap - n < 2) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb)
				free(buf);
			buf = nb;
		}
	}
	fclose(f);
	if (!buf)
		die2("out of memory");
	buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

/* One JSON string at *p (as json_str writes them); advances *p. */
static char *json_unstr(const char **p)
{
	const char *s = *p;
	if (*s != '"')
		return NULL;
	char *out = malloc(strlen(s) + 1), *o = out;
	if (!out)
		die2("out of memory");
	for (s++; *s && *s != '"'; s++) {
		if (*s != '\\') {
			*o++ = *s;
			continue;
		}
		s++;
		if (*s == 'u' && isxdigit((unsigned char)s[1]) && isxdigit((unsigned char)s[2]) &&
		    isxdigit((unsigned char)s[3]) && isxdigit((unsigned char)s[4])) {
			char hex[5] = { s[1], s[2], s[3], s[4], 0 };
			*o++ = (char)strtol(hex, NULL, 16);
			s += 4;
		} else if (*s == 'n') {
			*o++ = '\n';
		} else if (*s == 't') {
			*o++ = '\t';
		} else if (*s) {
			*o++ = *s;
		} else {
			break;
		}
	}
	if (*s != '"') {
		free(out);
		return NULL;
	}
	*o = 0;
	*p = s + 1;
	return out;
}

/* --resume DIR: the run's own options (run.json "argv") replace the command
 * line, --out becomes DIR's parent; nothing else may be given. */
static void load_resume(struct cli *c, char *argv0)
{
	bool alone = (c->argc == 1 && !strncmp(c->argv[0], "--resume=", 9)) ||
		     (c->argc == 2 && !strcmp(c->argv[0], "--resume"));
	if (!alone)
		die2("--resume takes no other options (the run's own are in its run.json)");
	const char *dir = c->resume;
	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		die2("--resume '%s': not a run directory", dir);
	char path[PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/run.json", dir);
	char *js = read_file(path, NULL);
	if (!js)
		die2("--resume '%s': no run.json (%s): not a tl-bench run directory", dir, strerror(errno));
	const char *p = strstr(js, "\"argv\": [");
	if (!p)
		die2("--resume '%s': run.json has no \"argv\" (written by a tl-bench without --resume)", dir);
	p += 9;
	static char *args[1024];
	int n = 0;
	args[n++] = argv0;
	while (*p == ' ' || *p == ',')
		p++;
	while (*p == '"') {
		char *a = json_unstr(&p);
		if (!a || n >= (int)(sizeof args / sizeof *args) - 1)
			die2("--resume '%s': run.json \"argv\" is malformed", dir);
		args[n++] = a;
		while (*p == ' ' || *p == ',')
			p++;
	}
	if (*p != ']')
		die2("--resume '%s': run.json \"argv\" is malformed", dir);
	const char *rs = strstr(js, "\"resumed\": ");
	int resumed = rs ? atoi(rs + 11) : 0;
	free(js);
	args[n] = NULL;
	for (int i = 1; i < n; i++)
		if (!strncmp(args[i], "--resume", 8))
			die2("--resume '%s': run.json \"argv\" holds --resume", dir);
	char *d = strdup(dir);
	if (!d)
		die2("out of memory");
	size_t l = strlen(d);
	while (l > 1 && d[l - 1] == '/')
		d[--l] = 0;
	free(c->gb_argv); /* parse_cli starts over */
	parse_cli(n, args, c);
	c->resume = d;
	char *slash = strrchr(d, '/');
	c->out = slash ? (slash == d ? "/" : strndup(d, (size_t)(slash - d))) : ".";
	r.resumed = resumed + 1;
}

/* Opens DIR/progress.txt and locks it for the run's lifetime (a second
 * tl-bench --resume of a run still going is refused). */
static int open_progress(const char *dir, bool fresh)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/progress.txt", dir);
	int fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC | (fresh ? O_CREAT | O_TRUNC : 0), 0666);
	if (fd < 0)
		die2("%s%s: cannot open progress.txt: %s", fresh ? "" : "--resume ", dir, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) != 0)
		die2("--resume '%s': the run is still going (another tl-bench holds %s)", dir, path);
	return fd;
}

/* The instances a resumed run already has: progress.txt's "I" list must be
 * this binary's, "D" instances are done. Returns the CSV offset to cut back
 * to (the last done instance's end: rows of one that did not finish go), or
 * -1. Checks only: the caller touches the files once this has passed. */
static long long resume_state(struct run *rr)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/progress.txt", rr->dir);
	char *text = read_file(path, NULL);
	if (!text)
		die2("--resume '%s': cannot read progress.txt: %s", rr->dir, strerror(errno));
	int listed = 0;
	long long keep = -1, first_start = -1;
	for (char *line = text, *nl; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			break; /* a line cut short by a kill: ignore it */
		*nl = 0;
		char *end;
		long k = strtol(line + 1, &end, 10);
		if (k < 1 || k > rr->n) {
			if (line[0] == 'I')
				die2("--resume '%s': the run had more benchmarks than this tl-bench lists (%d): options or binary changed",
				     rr->dir, rr->n);
			continue;
		}
		if (line[0] == 'I') {
			if (strcmp(end + 1, rr->names[k - 1]) != 0)
				die2("--resume '%s': benchmark %ld was '%s', this tl-bench lists '%s': options or binary changed",
				     rr->dir, k, end + 1, rr->names[k - 1]);
			listed++;
		} else if (line[0] == 'S') {
			long long off = strtoll(end, NULL, 10);
			if (first_start < 0 || off < first_start)
				first_start = off;
		} else if (line[0] == 'D') {
			long long off = strtoll(end, NULL, 10);
			rr->done0[k - 1] = 1;
			rr->status[k - 1] = ST_DONE;
			if (off > keep)
				keep = off;
		}
	}
	free(text);
	if (listed != rr->n)
		die2("--resume '%s': the run listed %d benchmarks, this tl-bench %d: options or binary changed", rr->dir,
		     listed, rr->n);
	if (keep < 0)
		keep = first_start;
	return keep;
}

/* ---------------- main ---------------- */

int main(int argc, char **argv)
{
	char err[1024];
	r.progress_fd = -1;
	parse_cli(argc, argv, &cli);
	if (cli.resume)
		load_resume(&cli, argv[0]);

	if (cli.topology)
		check_synthetic_size(cli.topology, "--topology");
	else if (getenv("TL_HWLOC_SYNTHETIC") && *getenv("TL_HWLOC_SYNTHETIC"))
		check_synthetic_size(getenv("TL_HWLOC_SYNTHETIC"), "TL_HWLOC_SYNTHETIC");
	if (tlb_pin_init(cli.topology, NULL, err, sizeof err) != 0)
		die2("%s", err);
	if (tlb_pin_set_policies(cli.pin, err, sizeof err) != 0)
		die2("%s", err);
	if (cli.placement) {
		char al[1024] = "";
		tlb_pin_allowed_list(al, sizeof al);
		for (int p = 0; p < tlb_pin_policy_count(); p++) {
			printf("# policy %s, %d slots, allowed %s\n", tlb_pin_policy_name_at(p),
			       tlb_pin_allowed_count_at(p), al);
			for (int i = 0; i < cli.placement; i++)
				printf("%d %d\n", i, tlb_pin_cpu_for_at(p, i));
		}
		return 0;
	}
	if (tlb_pin_is_synthetic() && !cli.list)
		die2("a synthetic topology (--topology / TL_HWLOC_SYNTHETIC) cannot run benchmarks; use --placement N or --list");

	r.cli = &cli;
	r.t0 = mono();
	struct tlb_run_opts *o = &r.opts;
	o->filter = cli.filter;
	o->no_peers = cli.no_peers;
	o->no_baselines = cli.no_baselines;
	o->quick = cli.quick;
	o->repetitions = cli.repetitions;
	o->min_time = cli.min_time;
	o->load = cli.load;
	o->csv_fd = -1;
	o->progress_fd = -1;
	o->log_fd = -1;
	if (cli.threads) {
		bool oversub = false;
		o->n_threads = parse_threads(cli.threads, o->threads, TLB_MAX_THREAD_COUNTS, &oversub);
		for (int p = 0; p < tlb_pin_policy_count(); p++) {
			int slots = tlb_pin_allowed_count_at(p);
			for (int i = 0; i < o->n_threads; i++)
				if (o->threads[i] > slots && tlb_pin_kind_at(p) != TLB_PIN_NONE && !cli.oversubscribe &&
				    !oversub)
					die2("--threads %d exceeds the %d CPUs available to --pin %s; add --oversubscribe (or use 'oversub') to wrap threads around",
					     o->threads[i], slots, tlb_pin_policy_name_at(p));
		}
	}

	/* run facts */
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(r.run_id, sizeof r.run_id, "%Y%m%dT%H%M%SZ", &tm);
	if (gethostname(r.host, sizeof r.host - 1) != 0)
		snprintf(r.host, sizeof r.host, "unknown");
	git_commit(r.git, sizeof r.git);
	tlb_pin_topology(&o->packages, NULL, &o->cores, &o->pus);
	o->allowed_pus = tlb_pin_allowed_pus();
	o->run_id = r.run_id;
	o->host = r.host;
	o->cpu_model = tlb_pin_cpu_model();
	o->git_commit = r.git;
	o->build_type = TL_BUILD_TYPE;
	o->modes = cli.modes;

	if (tlb_setup(o, cli.gb_argc, cli.gb_argv, err, sizeof err) != 0)
		die2("%s", err);
	r.n = tlb_list(&r.names, err, sizeof err);
	if (r.n < 0)
		die2("%s", err);
	const char *const *skipped, *const *skip_why;
	int nskipped = tlb_skipped(&skipped, &skip_why);
	if (r.n == 0) {
		if (nskipped > 0)
			die2("no benchmark%s%s%s runs in --mode %s (%d skipped, e.g. %s: %s)",
			     cli.filter ? " matching --filter '" : "", cli.filter ? cli.filter : "", cli.filter ? "'" : "",
			     cli.mode, nskipped, skipped[0], skip_why[0]);
		if (cli.filter)
			die2("no benchmark matches --filter '%s'%s", cli.filter, cli.list ? "" : " (try --list)");
		die2("no benchmarks registered%s", cli.quick ? " for --quick" : "");
	}
	if (cli.list) {
		for (int i = 0; i < r.n; i++)
			printf("%s\n", r.names[i]);
		if (nskipped > 0)
			fprintf(stderr, "tl-bench: --mode %s: %d benchmark famil%s skipped in a mode they lack (e.g. %s: %s)\n",
				cli.mode, nskipped, nskipped == 1 ? "y" : "ies", skipped[0], skip_why[0]);
		return 0;
	}

	r.status = calloc((size_t)r.n, sizeof(int));
	r.reason = calloc((size_t)r.n, sizeof(char *));
	r.start_off = malloc((size_t)r.n * sizeof(long long));
	r.done0 = calloc((size_t)r.n, 1);
	if (!r.status || !r.reason || !r.start_off || !r.done0)
		die2("out of memory");
	for (int i = 0; i < r.n; i++)
		r.start_off[i] = -1;
	r.libc_single = -1;
	int rc;
	char part[PATH_MAX + 32];
	if (cli.resume) {
		/* the same directory, run id and CSV: only what is missing runs */
		if (snprintf(r.dir, sizeof r.dir, "%s", cli.resume) >= (int)sizeof r.dir)
			die2("output path too long");
		const char *base = strrchr(r.dir, '/');
		snprintf(r.run_id, sizeof r.run_id, "%.63s", base ? base + 1 : r.dir);
		r.progress_fd = open_progress(r.dir, false);
		/* every check before the first change: a refused resume leaves
		 * the run as it was (a complete one keeps its results.csv) */
		long long keep = resume_state(&r);
		snprintf(part, sizeof part, "%s/results.csv.partial", r.dir);
		char fin[PATH_MAX + 32];
		snprintf(fin, sizeof fin, "%s/results.csv", r.dir);
		const bool have_part = access(part, F_OK) == 0;
		struct stat rst;
		if (stat(have_part ? part : fin, &rst) != 0)
			die2("--resume '%s': no results.csv or results.csv.partial: %s", r.dir, strerror(errno));
		if (!S_ISREG(rst.st_mode))
			die2("--resume '%s': %s is not a regular file", r.dir, have_part ? part : fin);
		if (keep > (long long)rst.st_size)
			die2("--resume '%s': %s has %lld bytes, fewer than the %lld its finished benchmarks wrote: rows are "
			     "missing, the run cannot be resumed",
			     r.dir, have_part ? "results.csv.partial" : "results.csv", (long long)rst.st_size, keep);
		if (!have_part && rename(fin, part) != 0)
			die2("--resume '%s': cannot rename results.csv to results.csv.partial: %s", r.dir, strerror(errno));
		r.rows_fd = open(part, O_WRONLY | O_APPEND | O_CLOEXEC);
		if (r.rows_fd < 0)
			die2("--resume '%s': cannot open %s: %s", r.dir, part, strerror(errno));
		if (keep >= 0 && ftruncate(r.rows_fd, (off_t)keep) != 0)
			die2("--resume '%s': cannot cut results.csv.partial back to its last finished row: %s", r.dir,
			     strerror(errno));
		struct stat cst;
		if (fstat(r.rows_fd, &cst) == 0 && cst.st_size == 0 && (rc = tlb_csv_write_header(r.rows_fd)) != 0)
			die2("cannot write %s: %s", part, strerror(-rc));
		o->csv_fd = r.rows_fd;
		goto started;
	}

	/* output directory: DIR/<run_id>/ (suffix -2, -3... if taken) */
	rc = mkdir_p(cli.out);
	if (rc != 0)
		die2("cannot create output directory '%s': %s", cli.out, strerror(-rc));
	for (int i = 1;; i++) {
		if (i > 1) {
			char base[48];
			snprintf(base, sizeof base, "%.40s", r.run_id);
			char *dash = strchr(base, '-');
			if (dash)
				*dash = 0;
			snprintf(r.run_id, sizeof r.run_id, "%s-%d", base, i);
		}
		if (snprintf(r.dir, sizeof r.dir, "%s/%s", cli.out, r.run_id) >= (int)sizeof r.dir)
			die2("output path too long");
		if (mkdir(r.dir, 0777) == 0)
			break;
		if (errno != EEXIST || i > 1000)
			die2("cannot write to output directory '%s': %s", cli.out, strerror(errno));
	}
	snprintf(part, sizeof part, "%s/results.csv.partial", r.dir);
	r.rows_fd = open(part, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0666);
	if (r.rows_fd < 0)
		die2("cannot write to output directory '%s': %s", cli.out, strerror(errno));
	if ((rc = tlb_csv_write_header(r.rows_fd)) != 0)
		die2("cannot write %s: %s", part, strerror(-rc));
	o->csv_fd = r.rows_fd;
	r.progress_fd = open_progress(r.dir, true);
	for (int i = 0; i < r.n; i++)
		progress_log(&r, "I %d %s\n", i + 1, r.names[i]);
started:
	if (stat(r.dir, &r.dir_st) != 0)
		die2("cannot use output directory '%s': %s", r.dir, strerror(errno));
	reserve_space(&r);
	if ((rc = write_run_json(&r, "running", -1, NULL)) != 0)
		die2("cannot write %s/run.json: %s", r.dir, strerror(rc));
	int have = 0;
	for (int i = 0; i < r.n; i++)
		have += r.done0[i];
	if (r.resumed)
		fprintf(stderr, "tl-bench: resuming %s (resume %d): %d of %d benchmarks to run, mode %s, pin %s\n", r.dir,
			r.resumed, r.n - have, r.n, cli.mode, cli.pin);
	else
		fprintf(stderr, "tl-bench: %d benchmarks, mode %s, pin %s, allowed CPUs %d, run %s\n", r.n, cli.mode,
			cli.pin, tlb_pin_allowed_pus(), r.dir);
	if (nskipped > 0)
		fprintf(stderr, "tl-bench: --mode %s: %d benchmark famil%s skipped in a mode they lack (listed in run.json)\n",
			cli.mode, nskipped, nskipped == 1 ? "y" : "ies");
	return supervise(&r);
}
