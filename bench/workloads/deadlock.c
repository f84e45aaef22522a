/* deadlock — seed section 九 (死锁现象与递归锁): the seed's MyThread runs
 * func1 (take A, take B, release both) then func2 (take B, sleep holding
 * it, take A). With two Locks, a second thread takes A in func1 while the
 * first holds B in func2: each waits for the other's lock forever. With
 * one RLock for both names (mutexA = mutexB = RLock()) it completes.
 *
 * Never hanging the run: the acquires stay plain blocking acquires (a timed
 * or try acquire is not an edge in TSan's lock-order graph, so TSan would
 * miss the inversion). A watchdog (the main thread) keeps a table of who
 * holds and who waits for each lock; when the waits-for graph has a cycle,
 * and no acquire happened while it read the table (so the snapshot is
 * consistent: every thread in the cycle is blocked for good), it reports
 * the deadlock and breaks it the way only a Python Lock allows: it releases
 * the cycle's locks on the holders' behalf (a Lock has no owner). Every
 * thread whose acquire then returns sees `broken`, releases what it still
 * holds and ends. The run proves both halves: the cycle (who held what,
 * when) and that every lock is free afterwards.
 *
 * Deterministic (the seed relies on timing): thread 1 starts alone; the
 * others start once it holds B in func2, and with two Locks func2's sleep
 * lasts until another thread holds A, so the deadlock always happens.
 */
#include "workload.h"

#include "threadlab/common.h"
#include "threadlab/lock.h"
#include "threadlab/rlock.h"
#include "threadlab/thread.h"
#include "threadlab/trace.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { V_TWO_LOCKS, V_RLOCK };

static const struct tlw_variant variants[] = {
	[V_TWO_LOCKS] = { "two-locks", TLW_DEADLOCK, "func1 takes A then B, func2 B then A: lock-order inversion" },
	[V_RLOCK] = { "rlock", TLW_CLEAN, "mutexA = mutexB = one RLock: re-entrant, no cycle" },
};

static const struct tlw_param params[] = {
	{ "threads", 10, 4, 2, 1000, NULL, "MyThreads started (the seed: 10)", 0 },
	{ "hold_us", 20000, 10000, 0, 10000000, NULL, "rlock: func2 holds it this long (the seed's sleep(2))", 0 },
};

enum { LA = 0, LB = 1, NLOCKS = 2 };

struct dl;

struct mythread {
	tl_thread_t base; /* the seed's class MyThread(Thread) */
	struct dl *s;
	int index;     /* 0-based; named MyThread-(index+1) */
	unsigned held; /* bits of the locks this thread holds (its own view) */
};

struct dl {
	const struct tlw_ctx *c;
	int variant, nthreads;
	int64_t hold_us;
	tl_lock_t lock[NLOCKS];
	tl_rlock_t rlock;
	/* the watchdog's table; every field an atomic the watchdog reads */
	atomic_int holder[NLOCKS];  /* thread index, -1 free */
	atomic_int *wants;          /* per thread: lock it blocks on, -1 none */
	atomic_uint *given_up;      /* per thread: bits of locks the watchdog released for it */
	_Atomic double *wait_since; /* per thread: when its current wait began */
	atomic_ulong acquisitions;  /* bumped after every successful acquire */
	atomic_int broken;
	atomic_int finished, completed, holding_b_in_func2, past_func1;
	atomic_uint max_depth;
	double t0;
};

/* ---- the two variants' locks behind one interface ---- */

static bool acquire(struct mythread *m, int l)
{
	struct dl *s = m->s;
	int me = m->index;
	if (s->variant == V_RLOCK) {
		tl_rlock_acquire(&s->rlock, true, TL_FOREVER);
		unsigned d = tl_rlock_count(&s->rlock);
		if (d > atomic_load_explicit(&s->max_depth, memory_order_relaxed))
			atomic_store_explicit(&s->max_depth, d, memory_order_relaxed); /* only the owner writes here */
		return true;
	}
	atomic_store(&s->wait_since[me], tlw_now());
	atomic_store(&s->wants[me], l);
	tl_lock_acquire(&s->lock[l], true, TL_FOREVER); /* blocking: an edge in TSan's lock graph */
	atomic_store(&s->holder[l], me);
	atomic_store(&s->wants[me], -1);
	atomic_fetch_add(&s->acquisitions, 1);
	m->held |= 1u << l;
	return !atomic_load(&s->broken);
}

static void release(struct mythread *m, int l)
{
	struct dl *s = m->s;
	if (s->variant == V_RLOCK) {
		tl_rlock_release(&s->rlock);
		return;
	}
	m->held &= ~(1u << l);
	/* A lock the watchdog released for us has moved on: not ours any more. */
	if (atomic_load(&s->given_up[m->index]) & (1u << l))
		return;
	atomic_store(&s->holder[l], -1);
	tl_lock_release(&s->lock[l]);
}

/* After the watchdog broke the deadlock: drop what we still hold. */
static void bail_out(struct mythread *m)
{
	for (int l = 0; l < NLOCKS; l++)
		if (m->held & (1u << l))
			release(m, l);
}

static bool func1(struct mythread *m)
{
	if (!acquire(m, LA))
		return false;
	/* print('%s 拿到A锁') */
	if (!acquire(m, LB))
		return false;
	/* print('%s 拿到B锁') */
	release(m, LB);
	release(m, LA);
	return true;
}

static bool func2(struct mythread *m)
{
	struct dl *s = m->s;
	if (!acquire(m, LB))
		return false;
	/* print('%s 拿到B锁'); time.sleep(2). RLock: sleep hold_us. Two Locks:
	 * until another thread holds A (the deadlock is then certain) or no
	 * other thread can take A any more (all are past func1: no deadlock
	 * this time), with a generous cap so that nothing can hang. */
	atomic_fetch_add(&s->holding_b_in_func2, 1);
	double start = tlw_now();
	for (;;) {
		double waited = tlw_now() - start;
		if (s->variant == V_RLOCK) {
			if (waited * 1e6 >= (double)s->hold_us)
				break;
		} else {
			int h = atomic_load(&s->holder[LA]);
			if ((h >= 0 && h != m->index) || atomic_load(&s->past_func1) >= s->nthreads /* self included */ || waited > 10)
				break;
		}
		tlw_sleep_us(100);
	}
	if (!acquire(m, LA))
		return false;
	/* print('%s 拿到A锁') */
	release(m, LA);
	release(m, LB);
	return true;
}

static void my_run(tl_thread_t *self)
{
	struct mythread *m = tl_container_of(self, struct mythread, base);
	struct dl *s = m->s;
	tlw_pin_self(s->c, m->index);
	bool ok = func1(m);
	if (ok)
		atomic_fetch_add(&s->past_func1, 1);
	if (ok && func2(m))
		atomic_fetch_add(&s->completed, 1);
	else
		bail_out(m);
	atomic_fetch_add(&s->finished, 1);
}

/* Waits-for graph: thread i -> holder of the lock i wants. Returns the
 * length of a cycle through some thread (its members in cyc[]), or 0. */
static int find_cycle(struct dl *s, int *cyc)
{
	int n = s->nthreads;
	for (int start = 0; start < n; start++) {
		int len = 0, t = start;
		while (len <= n) {
			int l = atomic_load(&s->wants[t]);
			if (l < 0)
				break;
			int h = atomic_load(&s->holder[l]);
			if (h < 0 || h == t)
				break;
			cyc[len++] = t;
			t = h;
			if (t == start)
				return len;
		}
	}
	return 0;
}

static int run(struct tlw_ctx *c)
{
	struct dl *s = calloc(1, sizeof *s);
	int n = (int)tlw_p(c, "threads");
	struct mythread *th = calloc((size_t)n, sizeof *th);
	int *cyc = calloc((size_t)n + 1, sizeof *cyc);
	if (s) {
		s->wants = calloc((size_t)n, sizeof *s->wants);
		s->given_up = calloc((size_t)n, sizeof *s->given_up);
		s->wait_since = calloc((size_t)n, sizeof *s->wait_since);
	}
	int r = 0;
	if (!s || !th || !cyc || !s->wants || !s->given_up || !s->wait_since) {
		r = tlw_fail(c, TL_ENOMEM, "out of memory");
		goto out;
	}
	s->c = c;
	s->variant = c->variant;
	s->nthreads = n;
	s->hold_us = tlw_p(c, "hold_us");
	for (int l = 0; l < NLOCKS; l++) {
		tl_lock_init(&s->lock[l], TL_PRIVATE);
		tl_trace_name(&s->lock[l], l ? "mutexB" : "mutexA"); /* the seed's names (NLOCKS is 2) */
		atomic_init(&s->holder[l], -1);
	}
	tl_rlock_init(&s->rlock, TL_PRIVATE);
	tl_trace_name(&s->rlock, "mutexA = mutexB (RLock)");
	for (int i = 0; i < n; i++)
		atomic_init(&s->wants[i], -1);

	s->t0 = tlw_now();
	int started = 0;
	for (int i = 0; i < n; i++) {
		char name[32];
		snprintf(name, sizeof name, "MyThread-%d", i + 1);
		th[i].s = s;
		th[i].index = i;
		tl_thread_init_run(&th[i].base, my_run, name);
		if ((r = tl_thread_start(&th[i].base)) != 0)
			break;
		started++;
		/* the seed's Thread-1 gets ahead: the others start once it holds B in func2 */
		while (i == 0 && !atomic_load(&s->holding_b_in_func2) && !atomic_load(&s->finished))
			tlw_sleep_us(50);
	}

	/* The watchdog. */
	int cycle = 0;
	double detected_at = 0, formed_at = 0;
	char note[256] = "";
	for (;;) {
		if (atomic_load(&s->finished) == started)
			break;
		if (!cycle && s->variant == V_TWO_LOCKS) {
			unsigned long p0 = atomic_load(&s->acquisitions);
			int len = find_cycle(s, cyc);
			unsigned long p1 = atomic_load(&s->acquisitions);
			if (len >= 2 && p0 == p1) {
				cycle = len;
				detected_at = tlw_now();
				int held[NLOCKS];
				for (int l = 0; l < NLOCKS; l++)
					held[l] = atomic_load(&s->holder[l]);
				for (int k = 0; k < len; k++) {
					double w = atomic_load(&s->wait_since[cyc[k]]);
					if (w > formed_at)
						formed_at = w;
				}
				snprintf(note, sizeof note,
					 "deadlock after %.3f ms: MyThread-%d holds A and waits for B; "
					 "MyThread-%d holds B and waits for A",
					 (formed_at - s->t0) * 1e3, held[LA] + 1, held[LB] + 1);
				tlw_counter(c, "a_holder", held[LA] + 1);
				tlw_counter(c, "b_holder", held[LB] + 1);
				int blocked = 0;
				for (int i = 0; i < started; i++)
					blocked += atomic_load(&s->wants[i]) >= 0;
				tlw_counter(c, "blocked_threads", blocked);
				/* Break it: broken first, so whoever gets a lock next
				 * sees it (the lock's release->acquire orders it). */
				atomic_store(&s->broken, 1);
				for (int l = 0; l < NLOCKS; l++) {
					if (held[l] < 0)
						continue;
					atomic_fetch_or(&s->given_up[held[l]], 1u << l);
					tl_lock_release(&s->lock[l]);
				}
				continue;
			}
		}
		if (tlw_now() - s->t0 > 60) { /* neither done nor a cycle: a bug */
			fprintf(stderr, "deadlock: no progress for 60 s and no cycle found\n");
			exit(1);
		}
		tlw_sleep_us(200);
	}
	for (int i = 0; i < started; i++)
		tl_thread_join(&th[i].base, TL_FOREVER);
	double wall = tlw_now() - s->t0;

	if (r != 0) {
		r = tlw_fail(c, r, "thread start failed: %s", tl_strerror(r));
		goto out;
	}
	tlw_counter(c, "wall_s", wall);
	tlw_counter(c, "threads", n);
	tlw_counter(c, "deadlocked", cycle > 0);
	tlw_counter(c, "cycle_len", cycle);
	if (cycle) {
		tlw_counter(c, "time_to_deadlock_s", formed_at - s->t0);
		tlw_counter(c, "detect_latency_s", detected_at - formed_at);
		tlw_note(c, "%s", note);
	}
	tlw_counter(c, "completed_threads", atomic_load(&s->completed));
	tlw_counter(c, "max_recursion", atomic_load(&s->max_depth));
	int left = 0;
	for (int l = 0; l < NLOCKS; l++)
		left += tl_lock_locked(&s->lock[l]);
	left += tl_rlock_locked(&s->rlock);
	tlw_counter(c, "locks_left_held", left);
	for (int l = 0; l < NLOCKS; l++)
		tl_lock_destroy(&s->lock[l]);
	tl_rlock_destroy(&s->rlock);
out:
	if (s) {
		free(s->wants);
		free(s->given_up);
		free(s->wait_since);
	}
	free(s);
	free(th);
	free(cyc);
	return r;
}

TLW_REGISTER(deadlock,
	     .lesson = "seed §9 deadlock and RLock: func1 A->B, func2 B->A with two Locks deadlocks; one RLock completes",
	     .run = run);
