/* tlrace chaos shim: schedule perturbation for scripts/tsan-run (issue 15).
 *
 * LD_PRELOADed into the program under test; tsan-run builds it on first use
 * (cc -shared -fPIC -O2, no sanitizer) into <out>/chaos/. It interposes on
 * the calls where a schedule is decided and injects, with a probability
 * drawn from a seed, a sched_yield, a short spin or a short sleep:
 *   - thread start: the new thread may sleep (up to 4 x TL_CHAOS_MAX_US)
 *     before running its start
 *     routine and may lower its own priority (per-thread nice 1..10), and the
 *     creating thread may pause after pthread_create returns: who reaches the
 *     first shared access or lock first is what rare races hinge on;
 *   - before pthread_mutex_lock/trylock, sem_wait, pthread_cond_wait/timedwait,
 *     pthread_join, and after pthread_mutex_unlock, sem_post,
 *     pthread_cond_signal/broadcast, pthread_create;
 *   - around futex system calls made through syscall(2) (threadlab's
 *     primitives, which bypass pthread).
 * rr's chaos mode and CHESS-style testers do the same thing more
 * thoroughly; this is the cheap version that a TSan build tolerates.
 *
 * Happens-before: the shim adds none. Its state is per thread (a xorshift
 * generator seeded from TL_CHAOS_SEED and the thread's creation index) except
 * one atomic creation counter, whose relaxed increment TSan never sees
 * (the shim is not instrumented). The real functions are called exactly as
 * the program called them, so TSan's interceptors (gcc's shared libtsan
 * comes after an LD_PRELOAD library) see the same calls; only their timing
 * changes. Under a static TSan runtime (clang) the executable defines the
 * interceptors itself, so the shim cannot come first; but the runtime finds
 * the "real" functions with dlsym(RTLD_NEXT), which returns the preloaded
 * shim's: the shim then runs just below TSan's interceptors (after TSan
 * noted the call, before libc performs it), and in a new thread before
 * TSan's own thread start. That is why the shim itself never calls an
 * intercepted function on those paths (raw syscalls for sleeps and yields).
 *
 * Reproduction: the same TL_CHAOS_SEED gives every thread (numbered in
 * creation order: main is 0) the same sequence of decisions. Threads
 * created concurrently by several threads may be numbered differently from
 * run to run; the OS scheduler is not under our control either, so a seed
 * reproduces the perturbation, not the interleaving.
 *
 * Environment:
 *   TL_CHAOS_SEED   64-bit seed (decimal); unset or 0: the shim does nothing
 *   TL_CHAOS_PCT    percent of perturbation points that act (default 20)
 *   TL_CHAOS_MAX_US longest injected sleep in microseconds (default 1000)
 *   TL_CHAOS_TRACE  file: append "chaos <pid> <seed> <pct> <max_us> above|below"
 *                   at load (once per exec'd image: a taskset or setarch
 *                   wrapper adds its own line; "below": under a static TSan
 *                   runtime)
 *                   and "t<index> <first 8 decisions>" at each thread's first
 *                   perturbation point,
 *                   so tests can check that a seed reproduces the decisions.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static uint64_t g_seed;
static unsigned g_pct = 20, g_max_us = 1000;
static const char *g_trace;
static atomic_uint g_next_index = 1; /* main thread is 0 */

static __thread uint64_t t_rng;
static __thread int t_ready;
static __thread unsigned t_index;

static uint64_t splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static void seed_thread(unsigned index)
{
	t_index = index;
	t_rng = splitmix(g_seed ^ splitmix(index + 1)) | 1;
	t_ready = 1;
}

static uint64_t next(void)
{
	if (!t_ready)
		seed_thread(0);
	t_rng ^= t_rng << 13;
	t_rng ^= t_rng >> 7;
	t_rng ^= t_rng << 17;
	return t_rng;
}

/* Sleeps and yields go straight to the kernel: under a static TSan runtime
 * the shim runs *below* TSan's interceptors (see the top), in the new thread
 * even before TSan has set that thread up, where calling an intercepted
 * function is not allowed. */
static long (*real_syscall)(long, ...);

static void raw_sleep_ns(long ns)
{
	struct timespec ts = { ns / 1000000000L, ns % 1000000000L };
	if (!real_syscall)
		real_syscall = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
	int e = errno;
	real_syscall(SYS_nanosleep, &ts, NULL);
	errno = e;
}

static void raw_yield(void)
{
	if (!real_syscall)
		real_syscall = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
	real_syscall(SYS_sched_yield);
}

static void spin(unsigned n)
{
	for (volatile unsigned i = 0; i < n; i++)
		;
}

/* One perturbation point: 0 nothing, 1 yield, 2 spin, 3 sleep. */
static int decide(uint64_t *arg)
{
	uint64_t r = next();
	*arg = r >> 32;
	if ((r & 0xffff) % 100 >= g_pct)
		return 0;
	switch ((r >> 16) & 7) {
	case 0: case 1: case 2:
		return 1;
	case 3: case 4: case 5:
		return 2;
	default:
		return 3;
	}
}

static void act(int what, uint64_t arg)
{
	switch (what) {
	case 1:
		raw_yield();
		break;
	case 2:
		spin((unsigned)(arg % 20000));
		break;
	case 3:
		raw_sleep_ns((long)(arg % (g_max_us + 1)) * 1000);
		break;
	}
}

static __thread int t_trace;
static __thread long t_start_delay_ns; /* deferred late start (below TSan) */
static int g_below;                    /* a static TSan runtime comes first */
static void trace_thread(void);

static void perturb(void)
{
	if (!g_seed)
		return;
	if (t_trace) {
		t_trace = 0;
		trace_thread();
	}
	if (t_start_delay_ns) {
		long ns = t_start_delay_ns;
		t_start_delay_ns = 0;
		raw_sleep_ns(ns);
	}
	uint64_t arg;
	int what = decide(&arg);
	act(what, arg);
}

__attribute__((constructor)) static void chaos_init(void)
{
	const char *s = getenv("TL_CHAOS_SEED");
	g_seed = s ? strtoull(s, NULL, 10) : 0;
	if ((s = getenv("TL_CHAOS_PCT")))
		g_pct = (unsigned)strtoul(s, NULL, 10);
	if ((s = getenv("TL_CHAOS_MAX_US")))
		g_max_us = (unsigned)strtoul(s, NULL, 10);
	g_trace = getenv("TL_CHAOS_TRACE");
	/* Whose pthread_create does the program call: ours, or an executable's
	 * (clang's static TSan runtime)? */
	Dl_info me, first;
	void *pc = dlsym(RTLD_DEFAULT, "pthread_create");
	g_below = pc && dladdr((void *)chaos_init, &me) && dladdr(pc, &first) &&
		  me.dli_fbase != first.dli_fbase;
	if (g_trace && g_seed) {
		FILE *f = fopen(g_trace, "a");
		if (f) {
			fprintf(f, "chaos %d %llu %u %u %s\n", (int)getpid(),
				(unsigned long long)g_seed, g_pct, g_max_us,
				g_below ? "below" : "above");
			fclose(f);
		}
	}
}

#define REAL(name) \
	static __typeof__(name) *real; \
	if (!real) \
		real = (__typeof__(name) *)dlsym(RTLD_NEXT, #name)

/* --- thread start --------------------------------------------------------- */

struct start {
	void *(*fn)(void *);
	void *arg;
	unsigned index;
};

static void trace_thread(void)
{
	FILE *f = fopen(g_trace, "a");
	if (!f)
		return;
	uint64_t save = t_rng, arg;
	fprintf(f, "t%u", t_index);
	for (int i = 0; i < 8; i++)
		fprintf(f, " %d", decide(&arg));
	fprintf(f, "\n");
	fclose(f);
	t_rng = save; /* tracing does not consume decisions */
}

static void *trampoline(void *p)
{
	struct start s = *(struct start *)p;
	free(p);
	seed_thread(s.index);
	if (g_trace)
		t_trace = 1; /* written at the thread's first perturbation point */
	uint64_t r = next();
	if ((r & 0xff) % 100 < g_pct) { /* start late: up to 4 x TL_CHAOS_MAX_US */
		long ns = (long)((r >> 32) % (4 * (uint64_t)g_max_us + 1)) * 1000;
		/* Below a static TSan runtime, its pthread_create waits until this
		 * thread has started: sleeping here would hold the creator back
		 * too, so the delay moves to this thread's first perturbation
		 * point (its first lock, wait, post...). */
		if (g_below)
			t_start_delay_ns = ns;
		else
			raw_sleep_ns(ns);
	}
	if (((r >> 8) & 0xff) % 100 < g_pct / 2) { /* run at a lower priority */
		if (!real_syscall)
			real_syscall = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
		real_syscall(SYS_setpriority, PRIO_PROCESS, real_syscall(SYS_gettid),
			     1 + (int)((r >> 40) % 10));
	}
	return s.fn(s.arg);
}

int pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
	REAL(pthread_create);
	if (!g_seed)
		return real(t, attr, fn, arg);
	struct start *s = malloc(sizeof *s);
	if (!s)
		return real(t, attr, fn, arg);
	s->fn = fn;
	s->arg = arg;
	s->index = atomic_fetch_add_explicit(&g_next_index, 1, memory_order_relaxed);
	int rc = real(t, attr, trampoline, s);
	if (rc != 0)
		free(s);
	else
		perturb(); /* the creator may fall behind its new thread */
	return rc;
}

/* --- synchronisation calls -------------------------------------------------- */

int pthread_mutex_lock(pthread_mutex_t *m)
{
	REAL(pthread_mutex_lock);
	perturb();
	return real(m);
}

int pthread_mutex_trylock(pthread_mutex_t *m)
{
	REAL(pthread_mutex_trylock);
	perturb();
	return real(m);
}

int pthread_mutex_unlock(pthread_mutex_t *m)
{
	REAL(pthread_mutex_unlock);
	int rc = real(m);
	perturb();
	return rc;
}

int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
	REAL(pthread_cond_wait);
	perturb();
	return real(c, m);
}

int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *ts)
{
	REAL(pthread_cond_timedwait);
	perturb();
	return real(c, m, ts);
}

int pthread_cond_signal(pthread_cond_t *c)
{
	REAL(pthread_cond_signal);
	int rc = real(c);
	perturb();
	return rc;
}

int pthread_cond_broadcast(pthread_cond_t *c)
{
	REAL(pthread_cond_broadcast);
	int rc = real(c);
	perturb();
	return rc;
}

int sem_wait(sem_t *s)
{
	REAL(sem_wait);
	perturb();
	return real(s);
}

int sem_post(sem_t *s)
{
	REAL(sem_post);
	int rc = real(s);
	perturb();
	return rc;
}

int pthread_join(pthread_t t, void **ret)
{
	REAL(pthread_join);
	perturb();
	return real(t, ret);
}

/* futex through syscall(2): threadlab's primitives. A wait is perturbed
 * before it sleeps, a wake after it returns. */
long syscall(long n, ...)
{
	REAL(syscall);
	va_list ap;
	va_start(ap, n);
	long a[6];
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (n != SYS_futex || !g_seed)
		return real(n, a[0], a[1], a[2], a[3], a[4], a[5]);
	long cmd = a[1] & 0x7f; /* without FUTEX_PRIVATE_FLAG / CLOCK_REALTIME */
	int wake = cmd == 1 /* FUTEX_WAKE */ || cmd == 10 /* FUTEX_WAKE_BITSET */;
	if (!wake)
		perturb();
	long rc = real(n, a[0], a[1], a[2], a[3], a[4], a[5]);
	int e = errno;
	if (wake)
		perturb();
	errno = e;
	return rc;
}
