/* lockjoin — seed section 八 (同步锁, 互斥锁与join的区别): N threads each do
 *
 *     work(P);  temp = n; work(W); n = temp - 1          on a shared n = N
 *
 * (the seed's task: time.sleep(3) outside, then temp = n; time.sleep(0.5);
 * n = temp - 1). unlocked loses updates (fast, wrong: P + W); lock
 * serialises the read-work-write (correct: P + N x W, the seed's 53 s);
 * lock-narrow does all the work outside and only the update under the lock
 * (correct, about as fast as unlocked); join starts each thread and joins it
 * before the next (correct, slowest: N x (P + W), the seed's 350 s); atomic
 * does the work, then an atomic fetch-sub.
 *
 * Start modes: seed (each thread runs as soon as it is created, so later
 * threads may see earlier decrements) and barrier (all wait on a start
 * barrier and are released together: every unlocked thread reads n = N, so
 * n ends at N - 1, the seed's `n = 99`). join runs one thread at a time
 * whatever the start mode.
 *
 * Why -O1 (the TSan build) cannot fold the racy read-modify-write into one
 * `n -= 1`: n lives in a struct whose address escapes (it is handed to
 * tl_thread_start), and tlw_work() is a noinline call in another
 * translation unit. The compiler must assume the call may read or write n,
 * so `temp = n` stays a load before the call and `n = temp - 1` a store
 * after it, W apart: the lost-update window is the whole work, as in the
 * seed. n stays a plain int (no volatile, no atomic) so the race is a real
 * C11 data race that TSan reports.
 */
#include "workload.h"

#include "threadlab/common.h"
#include "threadlab/lock.h"
#include "threadlab/thread.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { V_UNLOCKED, V_LOCK, V_NARROW, V_JOIN, V_ATOMIC, V_REFERENCE /* internal, see below */ };

static const struct tlw_variant variants[] = {
	[V_UNLOCKED] = { "unlocked", TLW_RACE, "temp = n; work; n = temp - 1 in N threads, no lock" },
	[V_LOCK] = { "lock", TLW_CLEAN, "read-work-write under one tl_lock" },
	[V_NARROW] = { "lock-narrow", TLW_CLEAN, "work outside, update under the tl_lock" },
	[V_JOIN] = { "join", TLW_CLEAN, "start then join each thread: serial, no lock" },
	[V_ATOMIC] = { "atomic", TLW_CLEAN, "work, then atomic_fetch_sub" },
};

static const struct tlw_param params[] = {
	{ "threads", 100, 20, 1, 4096, NULL, "threads, n starts at this value", 0 },
	{ "work_us", 1000, 500, 0, 10000000, NULL, "work W between `temp = n` and `n = temp - 1`", 0 },
	{ "start", TLW_START_SEED, TLW_START_SEED, 0, 1, tlw_start_modes,
	  "seed: run when created; barrier: released together", TLW_P_SWEEP },
	{ "work", TLW_WORK_SLEEP, TLW_WORK_SLEEP, 0, 1, tlw_work_kinds, "sleep as the seed, or a CPU spin of W us of CPU time", 0 },
	{ "pre_us", 5000, 1000, 0, 10000000, NULL, "work P before it, outside any lock (the seed's sleep(3))", 0 },
};

struct lj {
	const struct tlw_ctx *c;
	int variant, nthreads, work_kind, start_mode;
	int64_t work_us, pre_us;
	int n;          /* the seed's global n: plain int, racy in `unlocked` */
	_Atomic int an; /* for `atomic`, and the reference run */
	tl_lock_t lock;
	pthread_barrier_t gate;
};

struct lj_arg {
	struct lj *s;
	int index;
};

static void task(void *p)
{
	struct lj_arg *a = p;
	struct lj *s = a->s;
	int temp;

	tlw_pin_self(s->c, a->index);
	if (s->start_mode == TLW_START_BARRIER && s->variant != V_JOIN)
		pthread_barrier_wait(&s->gate);

	tlw_work(s->work_kind, s->pre_us);
	switch (s->variant) {
	case V_UNLOCKED:
	case V_JOIN: /* same code: join is what makes it correct */
		temp = s->n;
		tlw_work(s->work_kind, s->work_us);
		s->n = temp - 1;
		break;
	case V_LOCK:
		tl_lock_acquire(&s->lock, true, TL_FOREVER);
		temp = s->n;
		tlw_work(s->work_kind, s->work_us);
		s->n = temp - 1;
		tl_lock_release(&s->lock);
		break;
	case V_NARROW:
		tlw_work(s->work_kind, s->work_us);
		tl_lock_acquire(&s->lock, true, TL_FOREVER);
		temp = s->n;
		s->n = temp - 1;
		tl_lock_release(&s->lock);
		break;
	case V_ATOMIC:
		tlw_work(s->work_kind, s->work_us);
		atomic_fetch_sub_explicit(&s->an, 1, memory_order_relaxed);
		break;
	case V_REFERENCE:
		/* unlocked's timing and lost updates without a C11 data race
		 * (relaxed atomic load, then store): lets a clean variant
		 * measure its ratio to unlocked even under TSan. */
		temp = atomic_load_explicit(&s->an, memory_order_relaxed);
		tlw_work(s->work_kind, s->work_us);
		atomic_store_explicit(&s->an, temp - 1, memory_order_relaxed);
		break;
	}
}

/* One run of a variant; returns wall seconds (< 0: error) and final n. */
static double run_once(struct tlw_ctx *c, struct lj *s, int *final_n)
{
	int n = s->nthreads;
	tl_thread_t *th = calloc((size_t)n, sizeof *th);
	struct lj_arg *args = calloc((size_t)n, sizeof *args);
	if (!th || !args) {
		free(th);
		free(args);
		return tlw_fail(c, TL_ENOMEM, "out of memory for %d threads", n);
	}
	s->n = n;
	atomic_store(&s->an, n);
	int r = tl_lock_init(&s->lock, TL_PRIVATE);
	if (r != 0) {
		free(th);
		free(args);
		return tlw_fail(c, r, "tl_lock_init: %s", tl_strerror(r));
	}
	if (s->start_mode == TLW_START_BARRIER)
		pthread_barrier_init(&s->gate, NULL, (unsigned)n);

	int started = 0;
	double t0 = tlw_now();
	for (int i = 0; i < n; i++) {
		args[i] = (struct lj_arg){ s, i };
		tl_thread_init(&th[i], task, &args[i], NULL);
		r = tl_thread_start(&th[i]);
		if (r != 0)
			break;
		started++;
		if (s->variant == V_JOIN)
			tl_thread_join(&th[i], TL_FOREVER);
	}
	if (r != 0 && s->start_mode == TLW_START_BARRIER) {
		/* The gate would never open: nothing sane to do but report. The
		 * started threads wait forever; exit through the error path. */
		fprintf(stderr, "lockjoin: thread %d failed to start (%s) behind a start barrier\n", started,
			tl_strerror(r));
		exit(1);
	}
	if (s->variant != V_JOIN)
		for (int i = 0; i < started; i++)
			tl_thread_join(&th[i], TL_FOREVER);
	double wall = tlw_now() - t0;

	*final_n = (s->variant == V_ATOMIC || s->variant == V_REFERENCE) ? atomic_load(&s->an) : s->n;
	if (s->start_mode == TLW_START_BARRIER)
		pthread_barrier_destroy(&s->gate);
	tl_lock_destroy(&s->lock);
	free(th);
	free(args);
	if (r != 0)
		return tlw_fail(c, r, "thread %d failed to start: %s", started, tl_strerror(r));
	return wall;
}

/* The last unlocked wall time per parameter set, so that in one tl-bench
 * run the variants after `unlocked` get their ratio against it. */
static struct {
	int64_t key[6];
	double wall;
} cache[8];
static int ncache;

static double *cache_slot(const struct lj *s, bool create)
{
	int64_t pinhash = 5381;
	for (const char *p = s->c->pin; *p; p++)
		pinhash = pinhash * 33 + *p;
	int64_t key[6] = { s->nthreads, s->work_us, s->pre_us, s->work_kind, s->start_mode, pinhash };
	for (int i = 0; i < ncache; i++)
		if (!memcmp(cache[i].key, key, sizeof key))
			return &cache[i].wall;
	if (!create)
		return NULL;
	int i = ncache < 8 ? ncache++ : 7;
	memcpy(cache[i].key, key, sizeof key);
	return &cache[i].wall;
}

static int run(struct tlw_ctx *c)
{
	struct lj *s = calloc(1, sizeof *s);
	if (!s)
		return tlw_fail(c, TL_ENOMEM, "out of memory");
	s->c = c;
	s->nthreads = (int)tlw_p(c, "threads");
	s->work_us = tlw_p(c, "work_us");
	s->pre_us = tlw_p(c, "pre_us");
	s->work_kind = (int)tlw_p(c, "work");
	s->start_mode = (int)tlw_p(c, "start");
	s->variant = c->variant;

	int final_n;
	double wall = run_once(c, s, &final_n);
	if (wall < 0) {
		free(s);
		return (int)wall;
	}
	tlw_counter(c, "wall_s", wall);
	tlw_counter(c, "final_n", final_n);
	tlw_counter(c, "expected_n", 0);
	tlw_counter(c, "lost_updates", final_n);
	tlw_counter(c, "threads", s->nthreads);

	/* ratio_vs_unlocked: unlocked's own wall from earlier in this process
	 * (same parameters), else a reference run now (race-free twin). */
	double ref;
	double *slot = cache_slot(s, c->variant == V_UNLOCKED);
	if (c->variant == V_UNLOCKED) {
		*slot = wall;
		ref = wall;
	} else if (slot) {
		ref = *slot;
	} else {
		int ref_n;
		s->variant = V_REFERENCE;
		ref = run_once(c, s, &ref_n);
		if (ref < 0) {
			free(s);
			return (int)ref;
		}
		tlw_counter(c, "ref_lost_updates", ref_n);
	}
	tlw_counter(c, "ref_wall_s", ref);
	tlw_counter(c, "ratio_vs_unlocked", ref > 0 ? wall / ref : 0);
	free(s);
	return 0;
}

TLW_REGISTER(lockjoin) = {
	.name = "lockjoin",
	.lesson = "八 同步锁: unlocked vs Lock vs join vs atomic on temp = n; work; n = temp - 1",
	.variants = variants,
	.nvariants = TLW_COUNT(variants),
	.params = params,
	.nparams = TLW_COUNT(params),
	.baseline = "unlocked",
	.run = run,
};
