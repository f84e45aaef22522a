/* gil — seed sections 七/八 (GIL): a model of CPython's global interpreter
 * lock. A thread must hold the GIL to run "bytecode" (a CPU spin,
 * checked every check_us as CPython checks its eval breaker); a
 * thread that waited a whole switch interval (5 ms, sys.getswitchinterval)
 * sets drop_request, and the holder then drops the GIL and waits until
 * another thread took it (CPython's FORCE_SWITCHING). "I/O" (a sleep)
 * happens with the GIL released, as time.sleep and socket calls do.
 *
 * gil-cpu / nogil-cpu: T threads each run work_us of bytecode. Under the
 *   GIL they take turns: no speedup however many CPUs; without it they
 *   scale up to the CPU count.
 * gil-io / nogil-io: T threads each do `rounds` of (a little bytecode, then
 *   io_us of sleep): they scale under the GIL too, since it is released
 *   while they sleep.
 *
 * speedup = T x (one thread's work alone) / wall: the lesson in one number.
 * The GIL is built from a tl_lock (timed acquire = the interval wait) and
 * C11 atomics; everything else a thread touches is its own.
 */
#include "workload.h"

#include "pin.h"

#include "threadlab/common.h"
#include "threadlab/lock.h"
#include "threadlab/thread.h"
#include "threadlab/trace.h"

#include <pthread.h>
#include <sched.h> /* sched_yield */
#include <stdatomic.h>
#include <stdlib.h>

enum { V_GIL_CPU, V_NOGIL_CPU, V_GIL_IO, V_NOGIL_IO };

static const struct tlw_variant variants[] = {
	[V_GIL_CPU] = { "gil-cpu", TLW_CLEAN, "CPU-bound threads under the GIL model" },
	[V_NOGIL_CPU] = { "nogil-cpu", TLW_CLEAN, "the same work without a GIL" },
	[V_GIL_IO] = { "gil-io", TLW_CLEAN, "sleeping (I/O-bound) threads under the GIL model" },
	[V_NOGIL_IO] = { "nogil-io", TLW_CLEAN, "the same without a GIL" },
};

static const struct tlw_param params[] = {
	{ "threads", 0, 0, 0, 1024, NULL, "threads; 0 = 2 x allowed CPUs (bench: 1, 2, 4.. 2 x CPUs)", TLW_P_SWEEP_POW2 },
	{ "work_us", 20000, 5000, 1, 100000000, NULL, "cpu: bytecode per thread", 0 },
	{ "interval_us", 5000, 5000, 1, 10000000, NULL, "switch interval (sys.setswitchinterval)", 0 },
	{ "rounds", 20, 5, 1, 1000000, NULL, "io: rounds of bytecode + sleep per thread", 0 },
	{ "io_us", 1000, 1000, 0, 10000000, NULL, "io: sleep per round, GIL released", 0 },
	{ "check_us", 50, 50, 1, 1000000, NULL, "bytecode between eval-breaker checks", 0 },
};

struct gil {
	tl_lock_t lock;              /* held = some thread runs bytecode */
	atomic_int drop_request;     /* a waiter timed out: holder, please drop */
	atomic_ulong switches;       /* times the GIL changed hands */
	atomic_ulong forced;         /* drops on request */
	_Atomic double wait_max;     /* longest wait for the GIL, seconds */
};

struct gil_state {
	int variant, nthreads;
	int64_t work_us, interval_us, rounds, io_us, check_us;
	struct gil gil;
	pthread_barrier_t gate;
};

static bool with_gil(const struct gil_state *s)
{
	return s->variant == V_GIL_CPU || s->variant == V_GIL_IO;
}

static void take_gil(struct gil_state *s)
{
	struct gil *g = &s->gil;
	double t0 = tlw_now();
	double interval = (double)s->interval_us / 1e6;
	/* Wait one interval; if the GIL did not come, ask its holder to drop
	 * it, and keep asking every interval (CPython's take_gil loop). */
	while (tl_lock_acquire(&g->lock, true, interval) == TL_ETIMEDOUT)
		atomic_store_explicit(&g->drop_request, 1, memory_order_relaxed);
	atomic_store_explicit(&g->drop_request, 0, memory_order_relaxed);
	atomic_fetch_add_explicit(&g->switches, 1, memory_order_relaxed);
	double w = tlw_now() - t0;
	double m = atomic_load_explicit(&g->wait_max, memory_order_relaxed);
	while (w > m && !atomic_compare_exchange_weak_explicit(&g->wait_max, &m, w, memory_order_relaxed,
								 memory_order_relaxed))
		;
}

static void drop_gil(struct gil_state *s)
{
	tl_lock_release(&s->gil.lock);
}

/* The eval breaker: between two chunks of bytecode. */
static void eval_breaker(struct gil_state *s)
{
	struct gil *g = &s->gil;
	if (!atomic_load_explicit(&g->drop_request, memory_order_relaxed))
		return;
	unsigned long before = atomic_load_explicit(&g->switches, memory_order_relaxed);
	atomic_fetch_add_explicit(&g->forced, 1, memory_order_relaxed);
	drop_gil(s);
	/* FORCE_SWITCHING: let the requester in before taking it back. */
	for (int i = 0; i < 100000 && atomic_load_explicit(&g->switches, memory_order_relaxed) == before; i++)
		sched_yield();
	take_gil(s);
}

static void bytecode(struct gil_state *s, int64_t us)
{
	for (int64_t done = 0; done < us; done += s->check_us) {
		tlw_spin_us(us - done < s->check_us ? us - done : s->check_us);
		if (with_gil(s))
			eval_breaker(s);
	}
}

static void worker(void *p, int i)
{
	struct gil_state *s = p;
	(void)i;
	pthread_barrier_wait(&s->gate);
	bool gil = with_gil(s);
	if (gil)
		take_gil(s);
	if (s->variant == V_GIL_CPU || s->variant == V_NOGIL_CPU) {
		bytecode(s, s->work_us);
	} else {
		for (int64_t r = 0; r < s->rounds; r++) {
			bytecode(s, s->check_us); /* a little Python between two I/O calls */
			if (gil)
				drop_gil(s); /* Py_BEGIN_ALLOW_THREADS */
			tlw_sleep_us(s->io_us);
			if (gil)
				take_gil(s); /* Py_END_ALLOW_THREADS */
		}
	}
	if (gil)
		drop_gil(s);
}

/* The process's allowed CPUs (not this thread's affinity: in tl-bench the
 * benchmark thread itself is pinned to one CPU). */
static int allowed_cpus(void)
{
	int n = tlb_pin_allowed_pus();
	return n > 0 ? n : 1;
}

static int run(struct tlw_ctx *c)
{
	struct gil_state *s = calloc(1, sizeof *s);
	if (!s)
		return tlw_fail(c, TL_ENOMEM, "out of memory");
	s->variant = c->variant;
	s->nthreads = (int)tlw_p(c, "threads");
	if (s->nthreads == 0)
		s->nthreads = 2 * allowed_cpus();
	s->work_us = tlw_p(c, "work_us");
	s->interval_us = tlw_p(c, "interval_us");
	s->rounds = tlw_p(c, "rounds");
	s->io_us = tlw_p(c, "io_us");
	s->check_us = tlw_p(c, "check_us");
	int n = s->nthreads;
	struct tlw_team t;
	if (tlw_team_init(&t, c, n, worker, s) != 0) {
		free(s);
		return tlw_fail(c, TL_ENOMEM, "out of memory");
	}
	tl_lock_init(&s->gil.lock, TL_PRIVATE);
	tl_trace_name(&s->gil.lock, "the GIL");
	pthread_barrier_init(&s->gate, NULL, (unsigned)n + 1);
	tlw_team_start_all_or_exit(&t); /* behind a start barrier */
	pthread_barrier_wait(&s->gate);
	double t0 = tlw_now(), cpu0 = tlw_cpu_seconds();
	tlw_team_join(&t);
	double wall = tlw_now() - t0, cpu = tlw_cpu_seconds() - cpu0;

	bool cpu_bound = s->variant == V_GIL_CPU || s->variant == V_NOGIL_CPU;
	double one = cpu_bound ? (double)s->work_us / 1e6
			       : (double)s->rounds * (double)(s->check_us + s->io_us) / 1e6; /* one thread alone */
	tlw_counter(c, "wall_s", wall);
	tlw_counter(c, "threads", n);
	tlw_counter(c, "cpus", allowed_cpus());
	tlw_counter(c, "speedup", n * one / wall);
	tlw_counter(c, "efficiency", one / wall);
	tlw_counter(c, "cpu_s", cpu);
	tlw_counter(c, "parallelism", cpu / wall); /* CPUs busy at once, on average */
	tlw_counter(c, "gil_switches", (double)atomic_load(&s->gil.switches));
	tlw_counter(c, "forced_drops", (double)atomic_load(&s->gil.forced));
	tlw_counter(c, "gil_wait_max_ms", atomic_load(&s->gil.wait_max) * 1e3);
	pthread_barrier_destroy(&s->gate);
	tl_lock_destroy(&s->gil.lock);
	tlw_team_destroy(&t);
	free(s);
	return 0;
}

TLW_REGISTER(gil, .lesson = "seed §7/§8 GIL: CPU-bound threads do not scale under a GIL, I/O-bound ones do", .run = run);
