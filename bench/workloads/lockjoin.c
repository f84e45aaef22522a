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
 * `n -= 1`: n lives in a struct whose address escapes (it is the team's
 * state, handed to every thread), and tlw_work() is a noinline call in
 * another translation unit. The compiler must assume the call may read or
 * write n, so `temp = n` stays a load before the call and `n = temp - 1` a store
 * after it, W apart: the lost-update window is the whole work, as in the
 * seed. n stays a plain int (no volatile, no atomic) so the race is a real
 * C11 data race that TSan reports.
 *
 * Process variants (issue 9; the seed's section 三.3: processes do not
 * share memory). N forked processes instead of threads, the same task:
 *   proc-private          n is the parent's ordinary variable: every child
 *                         decrements its own copy (each ends at N - 1,
 *                         counters child_n_min/max) and the parent's n is
 *                         unchanged (parent_n = final_n = N: all lost);
 *   proc-shared-unlocked  n in a MAP_SHARED mapping: the processes lose
 *                         updates exactly as threads do (0 <= n <= N - 1);
 *   proc-shared-lock      n and a TL_PSHARED tl_lock in the mapping: exact.
 * Start modes as for threads (barrier: a PTHREAD_PROCESS_SHARED barrier in
 * the mapping). ThreadSanitizer does not follow forked children: the cases
 * are declared `skip`, never `clean`. Children die with the parent
 * (PR_SET_PDEATHSIG) and report their n and CPU through the mapping.
 *
 * The field's locks (issue 18): --lock absl|std|ck_fas|ck_ticket|ck_mcs
 * runs lock and lock-narrow with absl::Mutex, std::mutex or a Concurrency
 * Kit spinlock instead of tl_lock (default tl: ours), through the tables
 * the peer adapters export (bench/peers/worklock.h). They are linked only
 * when the build found the library (TL_PEERS, not TSan); the references
 * are weak, so without one the run fails with "skipped: " and the reason
 * tl-bench's run.json gives. tl-bench runs them as the peer rows
 * <lock>_lockjoin/lock (bench/peers/lesson.c).
 */
#include "workload.h"

#include "../peers/worklock.h"
#include "tlb_runner.h"

#include "threadlab/common.h"
#include "threadlab/lock.h"
#include "threadlab/thread.h"
#include "threadlab/trace.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>

/* Helgrind and DRD see C11 atomics as plain loads and stores: `an` is only
 * ever touched atomically (atomic and reference variants: lost updates
 * without a data race), so tell them it cannot race. A no-op natively and
 * without valgrind's headers. */
#if defined(__has_include)
#if __has_include(<valgrind/drd.h>)
#include <valgrind/helgrind.h>
#include <valgrind/drd.h>
#define LJ_ATOMIC_ONLY(x) do { VALGRIND_HG_DISABLE_CHECKING(&(x), sizeof(x)); DRD_IGNORE_VAR(x); } while (0)
#endif
#endif
#ifndef LJ_ATOMIC_ONLY
#define LJ_ATOMIC_ONLY(x) ((void)0)
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

enum {
	V_UNLOCKED, V_LOCK, V_NARROW, V_JOIN, V_ATOMIC,
	V_PROC_PRIVATE, V_PROC_SHARED_UNLOCKED, V_PROC_SHARED_LOCK,
	V_REFERENCE /* internal, see below */
};

#define NO_TSAN "TSan does not follow forked children"

static const struct tlw_variant variants[] = {
	[V_UNLOCKED] = { "unlocked", TLW_RACE, "temp = n; work; n = temp - 1 in N threads, no lock" },
	[V_LOCK] = { "lock", TLW_CLEAN, "read-work-write under one tl_lock" },
	[V_NARROW] = { "lock-narrow", TLW_CLEAN, "work outside, update under the tl_lock" },
	[V_JOIN] = { "join", TLW_CLEAN, "start then join each thread: serial, no lock" },
	[V_ATOMIC] = { "atomic", TLW_CLEAN, "work, then atomic_fetch_sub" },
	[V_PROC_PRIVATE] = { "proc-private", TLW_SKIP, NO_TSAN },
	[V_PROC_SHARED_UNLOCKED] = { "proc-shared-unlocked", TLW_SKIP, NO_TSAN },
	[V_PROC_SHARED_LOCK] = { "proc-shared-lock", TLW_SKIP, NO_TSAN },
};

/* --lock: index 0 is ours; index k > 0 is peer_lock()'s tables[k - 1] */
static const char *const lock_names[] = { "tl", "absl", "std", "ck_fas", "ck_ticket", "ck_mcs", NULL };

/* Weak: a binary without the library has these null (see the top). */
#pragma weak tlp_lock_absl_mutex
#pragma weak tlp_lock_std_mutex
#pragma weak tlp_lock_ck_fas
#pragma weak tlp_lock_ck_ticket
#pragma weak tlp_lock_ck_mcs
#pragma weak tlb_peers_skipped

static const struct tlw_param params[] = {
	{ "threads", 100, 20, 1, 4096, NULL, "threads, n starts at this value", 0 },
	{ "work_us", 1000, 500, 0, 10000000, NULL, "work W between `temp = n` and `n = temp - 1`", 0 },
	{ "start", TLW_START_SEED, TLW_START_SEED, 0, 1, tlw_start_modes,
	  "seed: run when created; barrier: released together", TLW_P_SWEEP },
	{ "work", TLW_WORK_SLEEP, TLW_WORK_SLEEP, 0, 1, tlw_work_kinds, "sleep as the seed, or a CPU spin of W us of CPU time", 0 },
	{ "pre_us", 5000, 1000, 0, 10000000, NULL, "work P before it, outside any lock (the seed's sleep(3))", 0 },
	{ "lock", 0, 0, 0, 5, lock_names,
	  "lock and lock-narrow's lock: tl (ours), absl::Mutex, std::mutex, ck_spinlock_fas/ticket/mcs", 0 },
};

struct lj {
	const struct tlw_ctx *c;
	int variant, nthreads, work_kind, start_mode;
	int64_t work_us, pre_us;
	int n;          /* the seed's global n: plain int, racy in `unlocked` */
	_Atomic int an; /* for `atomic`, and the reference run */
	tl_lock_t lock;
	const struct tlp_lock *peer; /* --lock other than tl: the lock of lock / lock-narrow */
	void *peer_lock;             /* its storage */
	pthread_barrier_t gate;
};

static inline void lj_acquire(struct lj *s)
{
	if (s->peer)
		s->peer->lock(s->peer_lock);
	else
		tl_lock_acquire(&s->lock, true, TL_FOREVER);
}

static inline void lj_release(struct lj *s)
{
	if (s->peer)
		s->peer->unlock(s->peer_lock);
	else
		tl_lock_release(&s->lock);
}

/* The seed's task body on *n: temp = n; time.sleep(0.5); n = temp - 1.
 * A load, the opaque work call, a store: the lost-update window (see the
 * top of the file for why the compiler keeps it whole). */
static void read_work_write(const struct lj *s, int *n)
{
	int temp = *n;
	tlw_work(s->work_kind, s->work_us);
	if (tl_trace_enabled() && *n != temp) /* another thread wrote n meanwhile: this store erases it */
		tl_trace_instant("lost update", n);
	*n = temp - 1;
}

static void task(void *p, int i)
{
	struct lj *s = p;
	int temp;

	(void)i;
	if (s->start_mode == TLW_START_BARRIER && s->variant != V_JOIN)
		pthread_barrier_wait(&s->gate);

	tlw_work(s->work_kind, s->pre_us);
	switch (s->variant) {
	case V_UNLOCKED:
	case V_JOIN: /* same code: join is what makes it correct */
		read_work_write(s, &s->n);
		break;
	case V_LOCK:
		lj_acquire(s);
		read_work_write(s, &s->n);
		lj_release(s);
		break;
	case V_NARROW:
		tlw_work(s->work_kind, s->work_us);
		lj_acquire(s);
		temp = s->n;
		s->n = temp - 1;
		lj_release(s);
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
	struct tlw_team t;
	if (tlw_team_init(&t, c, n, task, s) != 0)
		return tlw_fail(c, TL_ENOMEM, "out of memory for %d threads", n);
	s->n = n;
	atomic_store(&s->an, n);
	LJ_ATOMIC_ONLY(s->an);
	int r = tl_lock_init(&s->lock, TL_PRIVATE);
	tl_trace_name(&s->lock, "lock (n)");
	if (r != 0) {
		tlw_team_destroy(&t);
		return tlw_fail(c, r, "tl_lock_init: %s", tl_strerror(r));
	}
	if (s->start_mode == TLW_START_BARRIER)
		pthread_barrier_init(&s->gate, NULL, (unsigned)n);
	if (s->peer)
		s->peer->init(s->peer_lock);

	double t0 = tlw_now();
	if (s->variant == V_JOIN) { /* t.start(); t.join(), one thread at a time */
		while (t.started < n && (r = tlw_team_start_next(&t)) == 0)
			tlw_team_join(&t);
	} else if (s->start_mode == TLW_START_BARRIER) {
		tlw_team_start_all_or_exit(&t); /* or the gate would never open */
	} else {
		r = tlw_team_start(&t);
	}
	tlw_team_join(&t);
	double wall = tlw_now() - t0;

	*final_n = (s->variant == V_ATOMIC || s->variant == V_REFERENCE) ? atomic_load(&s->an) : s->n;
	if (s->start_mode == TLW_START_BARRIER)
		pthread_barrier_destroy(&s->gate);
	if (s->peer)
		s->peer->destroy(s->peer_lock);
	tl_lock_destroy(&s->lock);
	int started = t.started;
	tlw_team_destroy(&t);
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

/* ---- process variants ---- */

/* The MAP_SHARED block: n for the shared variants, the lock, the start
 * barrier, and what each child reports (its n afterwards, its CPU). */
struct lj_shm {
	int n;
	tl_lock_t lock;
	pthread_barrier_t gate;
	struct {
		int n, cpu;
	} child[];
};

static void proc_task(struct lj *s, struct lj_shm *m, int i)
{
	tlw_pin_self(s->c, i);
	m->child[i].cpu = sched_getcpu();
	if (s->start_mode == TLW_START_BARRIER)
		pthread_barrier_wait(&m->gate);
	tlw_work(s->work_kind, s->pre_us);
	switch (s->variant) {
	case V_PROC_PRIVATE: /* the parent's variable, as fork() copied it */
		read_work_write(s, &s->n);
		m->child[i].n = s->n;
		break;
	case V_PROC_SHARED_UNLOCKED:
		read_work_write(s, &m->n);
		m->child[i].n = m->n;
		break;
	case V_PROC_SHARED_LOCK:
		tl_lock_acquire(&m->lock, true, TL_FOREVER);
		read_work_write(s, &m->n);
		m->child[i].n = m->n;
		tl_lock_release(&m->lock);
		break;
	}
}

/* Forks N children running proc_task; returns wall seconds (< 0: error). */
static double run_procs(struct tlw_ctx *c, struct lj *s)
{
	const int n = s->nthreads;
	size_t len = sizeof(struct lj_shm) + (size_t)n * sizeof(((struct lj_shm *)0)->child[0]);
	struct lj_shm *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t *pids = calloc((size_t)n, sizeof *pids);
	if (m == MAP_FAILED || !pids) {
		if (m != MAP_FAILED)
			munmap(m, len);
		free(pids);
		return tlw_fail(c, TL_ENOMEM, "out of memory for %d processes", n);
	}
	s->n = n; /* the parent's own n: proc-private's children copy it */
	m->n = n;
	for (int i = 0; i < n; i++)
		m->child[i].n = m->child[i].cpu = -1;
	int r = tl_lock_init(&m->lock, TL_PSHARED);
	tl_trace_name(&m->lock, "lock (shared n)");
	if (r == 0 && s->start_mode == TLW_START_BARRIER) {
		pthread_barrierattr_t a;
		pthread_barrierattr_init(&a);
		pthread_barrierattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
		r = -pthread_barrier_init(&m->gate, &a, (unsigned)n);
		pthread_barrierattr_destroy(&a);
	}
	if (r != 0) {
		munmap(m, len);
		free(pids);
		return tlw_fail(c, r, "shared lock/barrier init: %s", tl_strerror(r));
	}

	const pid_t self = getpid();
	int started = 0;
	double t0 = tlw_now();
	fflush(NULL);
	for (; started < n; started++) {
		pid_t pid = fork();
		if (pid < 0) {
			r = -errno;
			break;
		}
		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != self)
				_exit(111);
			char who[32];
			snprintf(who, sizeof who, "process %d", started + 1);
			tlw_trace_child_begin(who); /* tl-workload --trace: this process's track */
			proc_task(s, m, started);
			tlw_trace_child_end(who);
			_exit(0);
		}
		pids[started] = pid;
	}
	/* A failed fork behind a start barrier would leave the others waiting
	 * forever: kill them rather than wait. */
	bool kill_them = r != 0 && s->start_mode == TLW_START_BARRIER;
	int bad = 0, bad_status = 0;
	for (int i = 0; i < started; i++) {
		if (kill_them)
			kill(pids[i], SIGKILL);
		int st = tlw_wait_child(pids[i]);
		if (!kill_them && !(WIFEXITED(st) && WEXITSTATUS(st) == 0) && !bad++)
			bad_status = st;
	}
	double wall = tlw_now() - t0;

	int final_n = s->variant == V_PROC_PRIVATE ? s->n : m->n;
	int cmin = INT32_MAX, cmax = INT32_MIN;
	for (int i = 0; i < started; i++) {
		tlw_cpu_seen(m->child[i].cpu);
		cmin = m->child[i].n < cmin ? m->child[i].n : cmin;
		cmax = m->child[i].n > cmax ? m->child[i].n : cmax;
	}
	if (s->start_mode == TLW_START_BARRIER)
		pthread_barrier_destroy(&m->gate);
	tl_lock_destroy(&m->lock);
	munmap(m, len);
	free(pids);
	if (r != 0)
		return tlw_fail(c, r, "fork of process %d failed: %s", started, tl_strerror(r));
	if (bad)
		return tlw_fail(c, TL_EINVAL, "%d of %d processes failed (first: %s %d)", bad, n,
				WIFSIGNALED(bad_status) ? "signal" : "exit status",
				WIFSIGNALED(bad_status) ? WTERMSIG(bad_status) : WEXITSTATUS(bad_status));
	tlw_counter(c, "wall_s", wall);
	tlw_counter(c, "final_n", final_n);
	tlw_counter(c, "expected_n", 0);
	tlw_counter(c, "lost_updates", final_n);
	tlw_counter(c, "parent_n", s->variant == V_PROC_PRIVATE ? s->n : final_n);
	tlw_counter(c, "child_n_min", cmin);
	tlw_counter(c, "child_n_max", cmax);
	tlw_counter(c, "threads", n);
	tlw_counter(c, "processes", n);
	if (s->variant == V_PROC_PRIVATE)
		tlw_note(c, "each of %d processes took n from %d to %d in its own copy; the parent's n is still %d", n,
			 n, cmax, s->n);
	return wall;
}

/* The workload's check (bad input, exit 2): only lock and lock-narrow take
 * a --lock other than ours. */
static int check(struct tlw_ctx *c)
{
	const int k = (int)tlw_p(c, "lock");
	if (k != 0 && c->variant != V_LOCK && c->variant != V_NARROW)
		return tlw_fail(c, TL_EINVAL, "--lock %s: only lock and lock-narrow take it (%s %s)", lock_names[k],
				c->v->name, tlw_forks(c->w, c->variant) ? "needs the process-shared tl_lock" : "has no lock");
	return 0;
}

/* --lock's table: NULL for ours; on error (a variant without that lock, a
 * library this binary lacks) a negative code after tlw_fail. */
static int peer_lock(struct tlw_ctx *c, const struct tlp_lock **out)
{
	const int k = (int)tlw_p(c, "lock");
	const char *name = lock_names[k];
	*out = NULL;
	if (k == 0)
		return 0;
	int rc = check(c);
	if (rc != 0)
		return rc;
	const struct tlp_lock *const tables[] = { &tlp_lock_absl_mutex, &tlp_lock_std_mutex, &tlp_lock_ck_fas,
						  &tlp_lock_ck_ticket, &tlp_lock_ck_mcs };
	static const char *const libs[] = { "absl", "std", "ck", "ck", "ck" };
	if (tables[k - 1]) {
		*out = tables[k - 1];
		return 0;
	}
	/* why: the library's reason from the build (run.json's peers_skipped) */
	const char *why = "this binary has no peer libraries (bench/peers/: tl-bench and tl-workload built by bench/)";
	const char *const *l, *const *r;
	int n = tlb_peers_skipped ? tlb_peers_skipped(&l, &r) : 0;
	for (int i = 0; i < n; i++)
		if (strcmp(l[i], libs[k - 1]) == 0)
			why = r[i];
	return tlw_fail(c, TL_EINVAL, "skipped: --lock %s: %s", name, why);
}

static int run(struct tlw_ctx *c)
{
	const struct tlp_lock *peer;
	int pr = peer_lock(c, &peer);
	if (pr != 0)
		return pr;
	struct lj *s = calloc(1, sizeof *s);
	void *pl = NULL;
	if (!s || (peer && posix_memalign(&pl, peer->align < sizeof(void *) ? sizeof(void *) : peer->align,
					  peer->size) != 0)) {
		free(pl);
		free(s);
		return tlw_fail(c, TL_ENOMEM, "out of memory");
	}
	s->peer = peer;
	s->peer_lock = pl;
	s->c = c;
	s->nthreads = (int)tlw_p(c, "threads");
	s->work_us = tlw_p(c, "work_us");
	s->pre_us = tlw_p(c, "pre_us");
	s->work_kind = (int)tlw_p(c, "work");
	s->start_mode = (int)tlw_p(c, "start");
	s->variant = c->variant;
	if (tlw_forks(c->w, c->variant)) {
		double wall = run_procs(c, s);
		free(pl);
		free(s);
		return wall < 0 ? (int)wall : 0;
	}

	int final_n;
	double wall = run_once(c, s, &final_n);
	if (wall < 0) {
		free(pl);
		free(s);
		return (int)wall;
	}
	tlw_counter(c, "wall_s", wall);
	tlw_counter(c, "final_n", final_n);
	tlw_counter(c, "expected_n", 0);
	tlw_counter(c, "lost_updates", final_n);
	tlw_counter(c, "threads", s->nthreads);
	if (peer)
		tlw_note(c, "the lock is %s (%s: waits=%s)", peer->what, peer->lib, peer->waits);

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
		tl_trace_stop(); /* a trace shows the case's own run, not this reference */
		s->variant = V_REFERENCE;
		ref = run_once(c, s, &ref_n);
		if (ref < 0) {
			free(pl);
			free(s);
			return (int)ref;
		}
		tlw_counter(c, "ref_lost_updates", ref_n);
	}
	tlw_counter(c, "ref_wall_s", ref);
	tlw_counter(c, "ratio_vs_unlocked", ref > 0 ? wall / ref : 0);
	free(pl);
	free(s);
	return 0;
}

TLW_REGISTER(lockjoin,
	     .lesson = "seed §8 Lock (mutual exclusion) vs join: unlocked vs Lock vs join vs atomic on temp = n; work; n = temp - 1",
	     .baseline = "unlocked",
	     .process_variants = 1u << V_PROC_PRIVATE | 1u << V_PROC_SHARED_UNLOCKED | 1u << V_PROC_SHARED_LOCK,
	     .process_baseline = "proc-shared-unlocked",
	     .run = run,
	     .check = check);
