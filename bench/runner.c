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
#include "threadlab/common.h"
#include "tlb.h"
#include "tlb_runner.h"
#include "workload.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef TL_BUILD_TYPE
#define TL_BUILD_TYPE "unknown"
#endif
#ifndef TL_SOURCE_DIR
#define TL_SOURCE_DIR "."
#endif
#ifndef TL_COMPILER
#define TL_COMPILER "unknown"
#endif

/* Compact and scatter place one thread alike; from two threads on they
 * differ wherever the machine has more than one core/package to spread. */
#define TLB_DEFAULT_PIN "compact+scatter"

static const char usage[] =
	"usage: tl-bench [options] [--benchmark_* flags]\n"
	"\n"
	"  --list               list the benchmarks that would run, then exit\n"
	"  --filter REGEX       run only benchmarks whose full name matches REGEX\n"
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
	"  --trace DIR          write each workload's timeline (last repetition) to DIR/*.json\n"
	"  -h, --help           this text\n"
	"\n"
	"Google Benchmark's own --benchmark_* flags are passed through.\n";

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
	bool list, quick, oversubscribe, oversub_asked;
	unsigned modes; /* TLB_MODE_* bits from --mode */
	const char *filter, *pin, *threads, *out, *mode, *topology;
	int repetitions;
	double min_time, timeout;
	int placement;
	char **gb_argv;
	int gb_argc;
};

static bool parse_int(const char *s, long lo, long hi, long *out)
{
	char *end;
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
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		long l;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(usage, stdout);
			exit(0);
		} else if (!strcmp(a, "--list") || !strcmp(a, "--benchmark_list_tests") ||
			   !strcmp(a, "--benchmark_list_tests=true")) {
			c->list = true;
		} else if (!strcmp(a, "--quick")) {
			c->quick = true;
		} else if (!strcmp(a, "--oversubscribe")) {
			c->oversubscribe = true;
		} else if ((v = opt_value(argc, argv, &i, "--filter")) ||
			   (v = opt_value(argc, argv, &i, "--benchmark_filter"))) {
			if (!*v)
				die2("--filter needs a non-empty regular expression");
			c->filter = v;
		} else if ((v = opt_value(argc, argv, &i, "--pin"))) {
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
		} else if ((v = opt_value(argc, argv, &i, "--trace"))) {
			char why[600];
			if (tlw_trace_set_dir(v, why, sizeof why) != 0)
				die2("%s", why);
		} else if ((v = opt_value(argc, argv, &i, "--topology"))) {
			c->topology = v;
		} else if ((v = opt_value(argc, argv, &i, "--placement"))) {
			if (!parse_int(v, 1, 1 << 20, &l))
				die2("--placement must be a thread count >= 1, not '%s'", v);
			c->placement = (int)l;
		} else if (!strncmp(a, "--benchmark_", 12)) {
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
 * TLB_THREADS_ALLOWED / TLB_THREADS_OVERSUB (resolved per pin policy). */
static int parse_threads(const char *s, int *out, int max, bool *oversub)
{
	int n = 0;
	char *dup = strdup(s), *save = NULL;
	if (!dup)
		die2("out of memory");
	if (!*s || s[strlen(s) - 1] == ',')
		die2("invalid --threads '%s' (expected e.g. 1,2,max)", s);
	for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		long v;
		if (!strcmp(t, "max")) {
			v = TLB_THREADS_ALLOWED;
		} else if (!strcmp(t, "oversub") || !strcmp(t, "2max")) {
			v = TLB_THREADS_OVERSUB;
			*oversub = true;
		} else if (!parse_int(t, 1, 65536, &v)) {
			die2("invalid thread count '%s' in --threads '%s' (use integers >= 1, max or oversub)", t, s);
		}
		if (n >= max)
			die2("too many thread counts in --threads (at most %d)", max);
		out[n++] = (int)v;
	}
	free(dup);
	return n;
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
	char dir[PATH_MAX];
	char run_id[64];
	char host[256];
	char git[128];
	double t0;
	int rows_fd;
};

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
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "tl-bench: fork: %s\n", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		close(p[0]);
		struct tlb_run_opts o = r->opts;
		o.skip = skip;
		o.progress_fd = p[1];
		int rc = tlb_run(&o, 0, NULL);
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
			long k = atol(line + 2);
			if (k >= 1 && k <= r->n) {
				if (line[0] == 'S') {
					r->status[k - 1] = ST_RUNNING;
					*running = k;
					if (r->cli->timeout > 0 && !*timed_out)
						deadline = mono() + r->cli->timeout;
				} else if (line[0] == 'D') {
					r->status[k - 1] = ST_DONE;
					*running = 0;
					deadline = 0;
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

static void write_run_json(struct run *r, const char *status, int exit_code)
{
	char tmp[PATH_MAX + 32], path[PATH_MAX + 32];
	snprintf(tmp, sizeof tmp, "%s/run.json.tmp", r->dir);
	snprintf(path, sizeof path, "%s/run.json", r->dir);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return;
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
	json_str(f, status);
	fprintf(f, ",\n  \"exit_code\": %d,\n  \"host\": ", exit_code);
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
	fprintf(f, "%s],\n  \"git_commit\": ", nsk ? "\n  " : "");
	json_str(f, r->git);
	fprintf(f, ",\n  \"build_type\": ");
	json_str(f, TL_BUILD_TYPE);
	fprintf(f, ",\n  \"compiler\": ");
	json_str(f, TL_COMPILER);
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
	fclose(f);
	rename(tmp, path);
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
		if (got_signal)
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

	int exit_code = got_signal ? 128 + got_signal : failed ? 1 : 0;
	/* incomplete.txt: everything not done, with the reason */
	int missing = 0;
	for (int i = 0; i < r->n; i++)
		missing += r->status[i] != ST_DONE;
	if (missing) {
		char path[PATH_MAX + 32];
		snprintf(path, sizeof path, "%s/incomplete.txt", r->dir);
		FILE *f = fopen(path, "w");
		if (f) {
			for (int i = 0; i < r->n; i++) {
				if (r->status[i] == ST_DONE)
					continue;
				const char *why = r->reason[i] ? r->reason[i]
					: r->status[i] == ST_RUNNING && got_signal ? NULL
					: r->status[i] == ST_RUNNING ? "did not finish"
					: got_signal ? "not started (run interrupted)" : "not run";
				if (!why)
					fprintf(f, "%s\tinterrupted by %s\n", r->names[i], sig_name(got_signal));
				else
					fprintf(f, "%s\t%s\n", r->names[i], why);
			}
			fclose(f);
		}
		if (!exit_code)
			exit_code = 1;
	}
	char part[PATH_MAX + 32], fin[PATH_MAX + 32];
	snprintf(part, sizeof part, "%s/results.csv.partial", r->dir);
	snprintf(fin, sizeof fin, "%s/results.csv", r->dir);
	close(r->rows_fd);
	if (rename(part, fin) != 0)
		fprintf(stderr, "tl-bench: rename %s: %s\n", part, strerror(errno));
	write_run_json(r, got_signal ? "interrupted" : missing ? "incomplete" : "complete", exit_code);
	update_latest(r->cli->out, r->run_id);
	fprintf(stderr, "tl-bench: %d/%d benchmarks done in %.1f s; results in %s%s\n", r->n - missing, r->n,
		mono() - r->t0, fin, missing ? " (see incomplete.txt)" : "");
	return exit_code;
}

/* ---------------- main ---------------- */

/* File scope, not main's frame: the suite's child exits from inside
 * supervise(), and LeakSanitizer must still see these as reachable. */
static struct cli cli;
static struct run r;

int main(int argc, char **argv)
{
	char err[1024];
	parse_cli(argc, argv, &cli);

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
	o->quick = cli.quick;
	o->repetitions = cli.repetitions;
	o->min_time = cli.min_time;
	o->csv_fd = -1;
	o->progress_fd = -1;
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

	/* output directory: DIR/<run_id>/ (suffix -2, -3... if taken) */
	int rc = mkdir_p(cli.out);
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
	char part[PATH_MAX + 32];
	snprintf(part, sizeof part, "%s/results.csv.partial", r.dir);
	r.rows_fd = open(part, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0666);
	if (r.rows_fd < 0)
		die2("cannot write to output directory '%s': %s", cli.out, strerror(errno));
	if ((rc = tlb_csv_write_header(r.rows_fd)) != 0)
		die2("cannot write %s: %s", part, strerror(-rc));
	o->csv_fd = r.rows_fd;
	r.status = calloc((size_t)r.n, sizeof(int));
	r.reason = calloc((size_t)r.n, sizeof(char *));
	if (!r.status || !r.reason)
		die2("out of memory");
	write_run_json(&r, "running", -1);
	fprintf(stderr, "tl-bench: %d benchmarks, mode %s, pin %s, allowed CPUs %d, run %s\n", r.n, cli.mode,
		cli.pin, tlb_pin_allowed_pus(), r.dir);
	if (nskipped > 0)
		fprintf(stderr, "tl-bench: --mode %s: %d benchmark famil%s skipped in a mode they lack (listed in run.json)\n",
			cli.mode, nskipped, nskipped == 1 ? "y" : "ies");
	return supervise(&r);
}
