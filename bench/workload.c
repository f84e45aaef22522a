/* workload.c — the workload registry, parameters, counters and the small
 * helpers every workload shares (work, clocks, pinning, teams of threads,
 * percentiles, loopback sockets, child processes). */
#include "workload.h"

#include "pin.h"

#include "threadlab/common.h"
#include "threadlab/thread.h"
#include "threadlab/trace.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *const tlw_start_modes[] = { "seed", "barrier", NULL };
const char *const tlw_work_kinds[] = { "sleep", "spin", NULL };

static const struct tlw_workload *registry[TLW_MAX_WORKLOADS];
static int nregistry;

/* CPUs the workload's threads started on, during the current run (bit per
 * CPU, up to 1024): counter cpus_seen, and tl-workload's cpus= line. */
static atomic_ullong cpus_seen[16];

/* Defined by workload_bench.c when it is linked (tl-bench only). */
__attribute__((weak)) void tlw__bench_adapt(const struct tlw_workload *w);

const char *tlw_expect_name(enum tlw_expect e)
{
	switch (e) {
	case TLW_CLEAN: return "clean";
	case TLW_RACE: return "race";
	case TLW_DEADLOCK: return "deadlock";
	case TLW_SKIP: return "skip";
	}
	return "?";
}

void tlw_register(const struct tlw_workload *w)
{
	/* Constructors run before main, one at a time: no locking needed.
	 * A malformed declaration is a programming error caught at start-up. */
	if (nregistry == TLW_MAX_WORKLOADS || w->nvariants < 1 || w->nvariants > TLW_MAX_VARIANTS ||
	    w->nparams > TLW_MAX_PARAMS || !w->run) {
		fprintf(stderr, "workload %s: bad registration (too many workloads, variants or params)\n", w->name);
		abort();
	}
	for (int i = 0; i < w->nvariants; i++)
		if (w->variants[i].expect == TLW_SKIP && !w->variants[i].reason) {
			fprintf(stderr, "workload %s/%s: skip needs a reason\n", w->name, w->variants[i].name);
			abort();
		}
	registry[nregistry++] = w;
	if (tlw__bench_adapt)
		tlw__bench_adapt(w);
}

int tlw_count(void)
{
	return nregistry;
}

const struct tlw_workload *tlw_get(int i)
{
	return i >= 0 && i < nregistry ? registry[i] : NULL;
}

const struct tlw_workload *tlw_find(const char *name)
{
	for (int i = 0; i < nregistry; i++)
		if (strcmp(registry[i]->name, name) == 0)
			return registry[i];
	return NULL;
}

int tlw_find_case(const char *case_name, const struct tlw_workload **w, int *variant)
{
	const char *slash = strchr(case_name, '/');
	if (!slash)
		return TL_EINVAL;
	char wname[64];
	size_t len = (size_t)(slash - case_name);
	if (len >= sizeof wname)
		return TL_EINVAL;
	memcpy(wname, case_name, len);
	wname[len] = '\0';
	const struct tlw_workload *found = tlw_find(wname);
	if (!found)
		return TL_EINVAL;
	for (int i = 0; i < found->nvariants; i++)
		if (strcmp(found->variants[i].name, slash + 1) == 0) {
			*w = found;
			*variant = i;
			return 0;
		}
	return TL_EINVAL;
}

/* "work-us" and "work_us" name the same parameter. */
static bool name_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a == '-' ? '_' : *a, y = *b == '-' ? '_' : *b;
		if (x != y)
			return false;
	}
	return *a == *b;
}

int tlw_param_index(const struct tlw_workload *w, const char *name)
{
	for (int i = 0; i < w->nparams; i++)
		if (name_eq(w->params[i].name, name))
			return i;
	return -1;
}

int tlw_ctx_init(struct tlw_ctx *c, const struct tlw_workload *w, int variant, bool quick)
{
	if (!w || variant < 0 || variant >= w->nvariants)
		return TL_EINVAL;
	memset(c, 0, sizeof *c);
	c->w = w;
	c->v = &w->variants[variant];
	c->variant = variant;
	c->quick = quick;
	for (int i = 0; i < w->nparams; i++)
		c->p[i] = quick ? w->params[i].quick : w->params[i].def;
	snprintf(c->pin, sizeof c->pin, "none");
	return 0;
}

int tlw_ctx_set(struct tlw_ctx *c, const char *name, const char *value)
{
	int i = tlw_param_index(c->w, name);
	if (i < 0) {
		snprintf(c->error, sizeof c->error, "%s has no parameter '%s'", c->w->name, name);
		return TL_EINVAL;
	}
	const struct tlw_param *p = &c->w->params[i];
	int64_t v;
	if (p->choices) {
		for (v = 0; p->choices[v]; v++)
			if (strcmp(p->choices[v], value) == 0)
				break;
		if (!p->choices[v]) {
			char list[128] = "";
			for (int k = 0; p->choices[k]; k++)
				snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", k ? "|" : "", p->choices[k]);
			snprintf(c->error, sizeof c->error, "--%s: '%s' is not one of %s", p->name, value, list);
			return TL_EINVAL;
		}
	} else {
		char *end;
		long long x = strtoll(value, &end, 10);
		if (!*value || *end) {
			snprintf(c->error, sizeof c->error, "--%s: '%s' is not an integer", p->name, value);
			return TL_EINVAL;
		}
		v = x;
	}
	if (v < p->min || v > p->max) {
		snprintf(c->error, sizeof c->error, "--%s: %s is out of range [%lld, %lld]", p->name, value,
			 (long long)p->min, (long long)p->max);
		return TL_EINVAL;
	}
	c->p[i] = v;
	c->set[i] = true;
	return 0;
}

int64_t tlw_p(const struct tlw_ctx *c, const char *name)
{
	int i = tlw_param_index(c->w, name);
	if (i < 0) {
		fprintf(stderr, "workload %s reads undeclared parameter %s\n", c->w->name, name);
		abort();
	}
	return c->p[i];
}

void tlw_counter(struct tlw_ctx *c, const char *name, double value)
{
	for (int i = 0; i < c->ncounters; i++)
		if (strcmp(c->counters[i].name, name) == 0) {
			c->counters[i].value = value;
			return;
		}
	if (c->ncounters == TLW_MAX_COUNTERS || strlen(name) >= TLW_NAME_MAX) {
		fprintf(stderr, "workload %s: too many counters or name too long (%s)\n", c->w->name, name);
		abort();
	}
	snprintf(c->counters[c->ncounters].name, TLW_NAME_MAX, "%s", name);
	c->counters[c->ncounters++].value = value;
}

bool tlw_has_counter(const struct tlw_ctx *c, const char *name)
{
	for (int i = 0; i < c->ncounters; i++)
		if (strcmp(c->counters[i].name, name) == 0)
			return true;
	return false;
}

double tlw_get_counter(const struct tlw_ctx *c, const char *name)
{
	for (int i = 0; i < c->ncounters; i++)
		if (strcmp(c->counters[i].name, name) == 0)
			return c->counters[i].value;
	return NAN;
}

int tlw_fail(struct tlw_ctx *c, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->error, sizeof c->error, fmt, ap);
	va_end(ap);
	return code < 0 ? code : TL_EINVAL;
}

void tlw_note(struct tlw_ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->note, sizeof c->note, fmt, ap);
	va_end(ap);
}

int tlw_run(struct tlw_ctx *c)
{
	c->ncounters = 0;
	c->error[0] = '\0';
	c->note[0] = '\0';
	for (int i = 0; i < 16; i++)
		atomic_store_explicit(&cpus_seen[i], 0, memory_order_relaxed);
	double t0 = tlw_now();
	int r = c->w->run(c);
	double t1 = tlw_now();
	int ncpus = tlw_cpus_seen(NULL, 0);
	if (r == 0 && ncpus > 0)
		tlw_counter(c, "cpus_seen", ncpus);
	if (r == 0 && !tlw_has_counter(c, "wall_s"))
		tlw_counter(c, "wall_s", t1 - t0);
	if (r != 0 && !c->error[0])
		snprintf(c->error, sizeof c->error, "%s", tl_strerror(r));
	return r;
}

/* ---- helpers ---- */

double tlw_now(void)
{
	return tl_monotonic();
}

int tlw_wait_fd(int fd, short events, int timeout_ms)
{
	struct pollfd p = { fd, events, 0 };
	int r;
	while ((r = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
		;
	return r == 1 ? 0 : -1;
}

int tlw_send_all(int fd, const void *buf, size_t len)
{
	const char *b = buf;
	while (len) {
		ssize_t k = send(fd, b, len, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		b += k;
		len -= (size_t)k;
	}
	return 0;
}

size_t tlw_read_full(int fd, void *buf, size_t len, int timeout_ms)
{
	size_t have = 0;
	while (have < len) {
		if (timeout_ms >= 0 && tlw_wait_fd(fd, POLLIN, timeout_ms) != 0)
			break;
		ssize_t k = read(fd, (char *)buf + have, len - have);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		have += (size_t)k;
	}
	return have;
}

int tlw_listen_loopback(struct sockaddr_in *addr, int type_flags, int backlog)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | type_flags, 0);
	if (fd < 0)
		return -1;
	memset(addr, 0, sizeof *addr);
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	addr->sin_port = 0; /* ephemeral */
	socklen_t alen = sizeof *addr;
	if (bind(fd, (struct sockaddr *)addr, sizeof *addr) != 0 || listen(fd, backlog) != 0 ||
	    getsockname(fd, (struct sockaddr *)addr, &alen) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int tlw_connect(const struct sockaddr_in *addr)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (const struct sockaddr *)addr, sizeof *addr) != 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

void tlw_poke(const struct sockaddr_in *addr, int n)
{
	for (int i = 0; i < n; i++) {
		int fd = tlw_connect(addr);
		if (fd < 0)
			return;
		close(fd);
	}
}

int tlw_wait_child(pid_t pid)
{
	int st;
	int r;
	while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
		;
	return r < 0 ? -1 : st;
}

double tlw_cpu_seconds(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       (double)ru.ru_stime.tv_usec / 1e6;
}

void tlw_sleep_us(int64_t us)
{
	if (us <= 0)
		return;
	struct timespec ts = { (time_t)(us / 1000000), (long)(us % 1000000) * 1000 };
	tl_trace_begin("sleeping"); /* nothing unless tracing (tl-workload --trace) */
	while (nanosleep(&ts, &ts) != 0)
		;
	tl_trace_end();
}

/* The spin: a dependent multiply-add chain the compiler cannot remove (its
 * result goes to a per-thread volatile sink), run in short bursts until
 * the calling thread has used `us` microseconds of CPU time. CPU time, not
 * wall time and not a loop count calibrated once: on a shared or throttled
 * machine (this VM's spin rate varies 3x with load) the work stays "us of
 * CPU" whatever the contention, which is what a CPU-bound thread means. */
static _Thread_local volatile uint64_t spin_sink; /* per thread: no shared write */

__attribute__((noinline)) static uint64_t spin_loop(uint64_t iters)
{
	uint64_t x = 0x9e3779b97f4a7c15u;
	for (uint64_t i = 0; i < iters; i++)
		x = x * 6364136223846793005u + 1442695040888963407u;
	return x;
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

__attribute__((noinline)) void tlw_spin_us(int64_t us)
{
	if (us <= 0)
		return;
	uint64_t end = thread_cpu_ns() + (uint64_t)us * 1000u;
	tl_trace_begin("running user work");
	do
		spin_sink = spin_loop(512); /* ~0.5-2 us between clock reads */
	while (thread_cpu_ns() < end);
	tl_trace_end();
}

__attribute__((noinline)) void tlw_opaque(void)
{
	__asm__ __volatile__("" ::: "memory");
}

__attribute__((noinline)) void tlw_work(int kind, int64_t us)
{
	if (kind == TLW_WORK_SPIN)
		tlw_spin_us(us);
	else
		tlw_sleep_us(us);
}

/* The policy itself is process-wide in pin.c: tl-workload sets it from
 * --pin, tl-bench's runner from its own --pin. Policy none binds the thread
 * to the whole allowed set, undoing the pin a created thread inherits from
 * a pinned benchmark thread. */
int tlw_pin_self(const struct tlw_ctx *c, int index)
{
	(void)c;
	int cpu = tlb_pin_self(index < 0 ? 0 : index);
	tlw_cpu_seen(cpu);
	return tlb_pin_kind() == TLB_PIN_NONE || cpu < 0 ? -1 : cpu;
}

void tlw_cpu_seen(int cpu)
{
	if (cpu >= 0 && cpu < 1024)
		atomic_fetch_or_explicit(&cpus_seen[cpu / 64], 1ull << (cpu % 64), memory_order_relaxed);
}

int tlw_cpus_seen(char *buf, size_t len)
{
	int n = 0;
	size_t used = 0;
	if (len)
		buf[0] = '\0';
	for (int i = 0; i < 1024; i++)
		if (atomic_load_explicit(&cpus_seen[i / 64], memory_order_relaxed) & (1ull << (i % 64))) {
			if (buf && used < len)
				used += (size_t)snprintf(buf + used, len - used, "%s%d", n ? ";" : "", i);
			n++;
		}
	return n;
}

/* ---- teams ---- */

struct tlw__member {
	tl_thread_t th;
	struct tlw_team *t;
	int i;
};

/* Every field of the team a member reads was written before its
 * tl_thread_start (which orders them before the thread runs); the ones
 * written later (started, joined) are the starter's and joiner's only. */
static void member_main(void *p)
{
	struct tlw__member *m = p;
	const struct tlw_team *t = m->t;
	tlw_pin_self(t->c, t->pin_base + m->i);
	t->fn(t->state, m->i);
}

int tlw_team_init(struct tlw_team *t, const struct tlw_ctx *c, int n, tlw_loop_fn fn, void *state)
{
	*t = (struct tlw_team){ .c = c, .fn = fn, .state = state };
	t->m = n > 0 ? calloc((size_t)n, sizeof *t->m) : NULL;
	if (n > 0 && !t->m)
		return TL_ENOMEM;
	t->n = n > 0 ? n : 0;
	return 0;
}

int tlw_team_start_next(struct tlw_team *t)
{
	if (t->started >= t->n)
		return TL_EINVAL;
	struct tlw__member *m = &t->m[t->started];
	m->t = t;
	m->i = t->started;
	tl_thread_init(&m->th, member_main, m, t->name);
	int r = tl_thread_start(&m->th);
	if (r == 0)
		t->started++;
	return r;
}

int tlw_team_start(struct tlw_team *t)
{
	int r = 0;
	while (t->started < t->n && (r = tlw_team_start_next(t)) == 0)
		;
	return r;
}

void tlw_team_start_all_or_exit(struct tlw_team *t)
{
	int r = tlw_team_start(t);
	if (r == 0)
		return;
	fprintf(stderr, "%s: thread %d of %d failed to start (%s); the others wait for it: giving up\n",
		t->c->w->name, t->started, t->n, tl_strerror(r));
	fflush(NULL);
	_exit(1);
}

void tlw_team_join(struct tlw_team *t)
{
	for (; t->joined < t->started; t->joined++)
		tl_thread_join(&t->m[t->joined].th, TL_FOREVER);
}

void tlw_team_destroy(struct tlw_team *t)
{
	if (t->m)
		tlw_team_join(t);
	free(t->m);
	t->m = NULL;
	t->n = t->started = t->joined = 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

double tlw_percentile(double *v, int n, double pct)
{
	if (n <= 0)
		return NAN;
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	double pos = pct / 100.0 * (n - 1);
	int lo = (int)pos;
	if (lo >= n - 1)
		return v[n - 1];
	return v[lo] + (pos - lo) * (v[lo + 1] - v[lo]);
}

void tlw_counter_p50_max(struct tlw_ctx *c, const char *stem, const char *unit, double *v, int n, double scale)
{
	char name[64]; /* a name too long for a counter fails in tlw_counter */
	snprintf(name, sizeof name, "%s_p50_%s", stem, unit);
	tlw_counter(c, name, n > 0 ? tlw_percentile(v, n, 50) * scale : 0);
	snprintf(name, sizeof name, "%s_max_%s", stem, unit);
	tlw_counter(c, name, n > 0 ? tlw_percentile(v, n, 100) * scale : 0);
}

const char *tlw_child_exe(void)
{
	static char path[4096 + 16];
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		return NULL;
	self[n] = '\0';
	char *slash = strrchr(self, '/');
	if (slash && strcmp(slash + 1, "tl-workload") == 0) {
		memcpy(path, self, (size_t)n + 1);
		return path;
	}
	/* tl-bench: its sibling tl-workload, built in the same directory. */
	if (slash) {
		*slash = '\0';
		snprintf(path, sizeof path, "%s/tl-workload", self);
		if (access(path, X_OK) == 0)
			return path;
	}
	return NULL;
}

int tlw_child_main(int argc, char **argv)
{
	/* argv: --child <workload> args... */
	if (argc < 3) {
		fprintf(stderr, "usage: --child <workload> args...\n");
		return 2;
	}
	const struct tlw_workload *w = tlw_find(argv[2]);
	if (!w || !w->child) {
		fprintf(stderr, "--child: workload '%s' has no child mode\n", argv[2]);
		return 2;
	}
	return w->child(argc - 2, argv + 2);
}

/* ---- traces ---- */

static char trace_dir[4096];

int tlw_trace_check_path(const char *path, char *err, size_t len)
{
	struct stat st;
	if (!path || !*path) {
		snprintf(err, len, "needs a file name");
		return TL_EINVAL;
	}
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, len, "'%s' is a directory", path);
		return TL_EINVAL;
	}
	char probe[4096 + 32];
	if (snprintf(probe, sizeof probe, "%s.probe-%ld", path, (long)getpid()) >= (int)sizeof probe) {
		snprintf(err, len, "path too long");
		return TL_EINVAL;
	}
	int fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		int e = errno;
		snprintf(err, len, "cannot write '%s': %s", path, strerror(e));
		return -e;
	}
	close(fd);
	unlink(probe);
	return 0;
}

int tlw_trace_set_dir(const char *dir, char *err, size_t len)
{
	if (!dir) {
		trace_dir[0] = '\0';
		return 0;
	}
	if (!*dir || strlen(dir) >= sizeof trace_dir - 256) {
		snprintf(err, len, "--trace needs a directory name of at most %zu bytes", sizeof trace_dir - 256);
		return TL_EINVAL;
	}
	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		snprintf(err, len, "--trace: cannot create directory '%s': %s", dir, strerror(errno));
		return TL_EINVAL;
	}
	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, len, "--trace: '%s' is not a directory", dir);
		return TL_EINVAL;
	}
	char probe[4096 + 16], why[512];
	snprintf(probe, sizeof probe, "%s/.probe", dir);
	if (tlw_trace_check_path(probe, why, sizeof why) != 0) {
		snprintf(err, len, "--trace: directory '%s' is not writable: %s", dir, why);
		return TL_EINVAL;
	}
	snprintf(trace_dir, sizeof trace_dir, "%s", dir);
	return 0;
}

const char *tlw_trace_dir(void)
{
	return trace_dir[0] ? trace_dir : NULL;
}

void tlw_trace_case_path(const struct tlw_ctx *c, char *buf, size_t len)
{
	size_t used = (size_t)snprintf(buf, len, "%s/%s-%s", trace_dir[0] ? trace_dir : ".", c->w->name, c->v->name);
	int nargs = c->w->nparams < TLW_BENCH_ARGS ? c->w->nparams : TLW_BENCH_ARGS;
	for (int i = 0; i < nargs && used < len; i++) {
		const struct tlw_param *p = &c->w->params[i];
		if (p->choices)
			used += (size_t)snprintf(buf + used, len - used, "%c%s=%s", i ? ',' : '-', p->name,
						 p->choices[c->p[i]]);
		else
			used += (size_t)snprintf(buf + used, len - used, "%c%s=%lld", i ? ',' : '-', p->name,
						 (long long)c->p[i]);
	}
	if (used < len)
		snprintf(buf + used, len - used, ".json");
}

static char trace_file[4096]; /* the running trace's file, for forked children */

int tlw_trace_begin(const char *path, size_t max_events)
{
	int r = tl_trace_start(max_events);
	if (r == 0)
		tl_trace_thread_name("main");
	snprintf(trace_file, sizeof trace_file, "%s", r == 0 && path ? path : "");
	return r;
}

static bool child_tracing;

void tlw_trace_child_begin(const char *who)
{
	child_tracing = trace_file[0] && tl_trace_continue() == 0;
	if (child_tracing)
		tl_trace_thread_name(who);
}

void tlw_trace_child_end(const char *who)
{
	if (!child_tracing)
		return;
	char part[4096 + 32];
	snprintf(part, sizeof part, "%s.part-%ld", trace_file, (long)getpid());
	tl_trace_stop();
	tl_trace_write(part, who); /* a missing part shows as a missing process track */
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t cap = 0, n = 0, k;
	do {
		if (n + 65536 > cap) {
			char *nb = realloc(buf, cap = 2 * cap + 65536);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
	} while ((k = fread(buf + n, 1, cap - n - 1, f)) > 0 && (n += k));
	bool bad = ferror(f);
	fclose(f);
	if (bad) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* The events of a file tl_trace_write wrote, [*b, *e), and its otherData
 * counts; false if it is not one. */
static bool trace_parts(const char *doc, const char **b, const char **e, size_t *threads, size_t *events, bool *cut)
{
	const char *head = strstr(doc, "\"traceEvents\":[");
	const char *tail = NULL;
	for (const char *p = doc; (p = strstr(p, "\n],\"otherData\":")); p++)
		tail = p;
	if (!head || !tail || tail < head)
		return false;
	*b = head + strlen("\"traceEvents\":[");
	*e = tail;
	char tr[8] = "";
	if (sscanf(tail, "\n],\"otherData\":{\"tool\":\"threadlab\",\"threads\":%zu,\"events\":%zu,\"truncated\":%5[a-z]",
		   threads, events, tr) != 3)
		return false;
	*cut = !strcmp(tr, "true");
	return true;
}

/* Appends the files forked children wrote next to path (path.part-<pid>)
 * to path's events, rewrites it atomically, removes the parts. */
static int merge_child_parts(const char *path, char *err, size_t len)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	const char *base = slash ? slash + 1 : path;
	if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof dir, ".");
	char prefix[4096 + 8];
	snprintf(prefix, sizeof prefix, "%s.part-", base);
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	size_t plen, threads, events;
	bool cut;
	const char *pb, *pe;
	char *main_doc = slurp(path, &plen);
	if (!main_doc || !trace_parts(main_doc, &pb, &pe, &threads, &events, &cut)) {
		free(main_doc);
		closedir(d);
		snprintf(err, len, "cannot read back trace '%s' to merge the child processes' traces", path);
		return TL_EINVAL;
	}
	char tmp[4096 + 32];
	snprintf(tmp, sizeof tmp, "%s.merge-%ld", path, (long)getpid());
	FILE *out = fopen(tmp, "w");
	int r = out ? 0 : -errno;
	if (out)
		fwrite(main_doc, 1, (size_t)(pe - main_doc), out);
	struct dirent *de;
	while (r == 0 && (de = readdir(d))) {
		if (strncmp(de->d_name, prefix, strlen(prefix)) != 0)
			continue;
		char part[8192 + 16];
		snprintf(part, sizeof part, "%s/%s", dir, de->d_name);
		size_t n, t2, e2;
		bool c2;
		const char *b, *e;
		char *doc = slurp(part, &n);
		if (doc && trace_parts(doc, &b, &e, &t2, &e2, &c2) && e > b) {
			fputc(',', out);
			fwrite(b, 1, (size_t)(e - b), out);
			threads += t2;
			events += e2;
			cut |= c2;
		}
		free(doc);
		unlink(part);
	}
	closedir(d);
	if (out) {
		fprintf(out, "\n],\"otherData\":{\"tool\":\"threadlab\",\"threads\":%zu,\"events\":%zu,\"truncated\":%s}}\n",
			threads, events, cut ? "true" : "false");
		if (fflush(out) != 0 || ferror(out) || fsync(fileno(out)) != 0)
			r = -(errno ? errno : EIO);
		if (fclose(out) != 0 && !r)
			r = -(errno ? errno : EIO);
		if (!r && rename(tmp, path) != 0)
			r = -errno;
		if (r)
			unlink(tmp);
	}
	free(main_doc);
	if (r)
		snprintf(err, len, "cannot write trace '%s': %s", path, strerror(-r));
	return r;
}

int tlw_trace_finish(const struct tlw_ctx *c, const char *path, char *err, size_t len)
{
	tl_trace_stop();
	char pname[128];
	snprintf(pname, sizeof pname, "%s/%s", c->w->name, c->v->name);
	int r = tl_trace_write(path, pname);
	if (r != 0)
		snprintf(err, len, "cannot write trace '%s': %s", path, r == TL_ENOMEM ? "out of memory" : strerror(-r));
	if (r == 0 && tlw_forks(c->w, c->variant))
		r = merge_child_parts(path, err, len);
	trace_file[0] = '\0';
	tl_trace_reset();
	return r;
}
