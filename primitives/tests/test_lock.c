/* threading.Lock semantics, after CPython's Lib/test/lock_tests.py
 * (BaseLockTests + LockTests) plus stress, each scenario run with threads,
 * with a TL_PSHARED lock and threads, and with forked processes over a
 * shared mapping (sync_util.h); then the process-shared Lock's robustness:
 * a holder process killed with SIGKILL, TL_EOWNERDEAD, consistent and not
 * recoverable. */
#include "sync_util.h"
#include "threadlab/lock.h"
#include "threadlab/stats.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <math.h>

/* Everything the tasks of a scenario share (in a MAP_SHARED mapping). */
static struct lk_shared {
	tl_lock_t lk;
	atomic_int started, finished, result, phase;
	double elapsed, timeout;
	long counter;
	tl_lock_t ping, pong;
	long handoff_data;
} *S;
static int g_mode;

static void setup(int mode)
{
	g_mode = mode;
	S = su_map(sizeof *S);
	ASSERT_OK(tl_lock_init(&S->lk, su_flags(mode)));
}

/* A task is asleep (or about to sleep) in the kernel on l: state 2 of the
 * private word, the WAITERS bit of the process-shared one. */
static bool has_sleeper(tl_lock_t *l)
{
	uint32_t w = atomic_load(&l->state);
	return g_mode == SU_THREADS ? (w & 3) == 2 : (w & 0x80000000u) != 0;
}

TEST_IMPL(lock_static_initializer)
{
	tl_lock_t l = TL_LOCK_INITIALIZER;
	ASSERT_FALSE(tl_lock_locked(&l));
	ASSERT_OK(tl_lock_acquire(&l, true, TL_FOREVER));
	ASSERT_OK(tl_lock_release(&l));
	ASSERT_OK(tl_lock_destroy(&l));
	return 0;
}

SU_FLAG_TESTS(lock_init_destroy)
{
	tl_lock_t l;
	int flags = su_flags(mode);
	ASSERT_EQ(tl_lock_init(&l, 0x100), TL_EINVAL);
	ASSERT_EQ(tl_lock_init(&l, flags | 0x100), TL_EINVAL);
	ASSERT_OK(tl_lock_init(&l, flags));
	ASSERT_FALSE(tl_lock_locked(&l));
	ASSERT_OK(tl_lock_acquire(&l, true, TL_FOREVER));
	ASSERT_EQ(tl_lock_destroy(&l), TL_EBUSY); /* held */
	ASSERT_OK(tl_lock_release(&l));
	ASSERT_OK(tl_lock_destroy(&l));
	/* Not taken over from a dead holder: nothing to mark consistent. */
	ASSERT_OK(tl_lock_init(&l, flags));
	ASSERT_EQ(tl_lock_consistent(&l), TL_EINVAL);
	ASSERT_OK(tl_lock_acquire(&l, true, TL_FOREVER));
	ASSERT_EQ(tl_lock_consistent(&l), TL_EINVAL);
	ASSERT_OK(tl_lock_release(&l));
	return 0;
}

SU_FLAG_TESTS(lock_acquire_release)
{
	setup(mode);
	ASSERT_FALSE(tl_lock_locked(&S->lk));
	ASSERT_OK(tl_lock_acquire(&S->lk, true, TL_FOREVER));
	ASSERT_TRUE(tl_lock_locked(&S->lk));
	ASSERT_OK(tl_lock_release(&S->lk));
	ASSERT_FALSE(tl_lock_locked(&S->lk));
	ASSERT_OK(tl_lock_acquire_until(&S->lk, NULL));
	ASSERT_OK(tl_lock_release(&S->lk));
	return 0;
}

SU_FLAG_TESTS(lock_release_unlocked_is_error)
{
	setup(mode);
	ASSERT_EQ(tl_lock_release(&S->lk), TL_EPERM);
	ASSERT_OK(tl_lock_acquire(&S->lk, true, TL_FOREVER));
	ASSERT_OK(tl_lock_release(&S->lk));
	ASSERT_EQ(tl_lock_release(&S->lk), TL_EPERM);
	ASSERT_FALSE(tl_lock_locked(&S->lk)); /* the failed release changed nothing */
	ASSERT_OK(tl_lock_acquire(&S->lk, false, TL_FOREVER));
	ASSERT_OK(tl_lock_release(&S->lk));
	return 0;
}

SU_FLAG_TESTS(lock_try_acquire)
{
	setup(mode);
	ASSERT_OK(tl_lock_acquire(&S->lk, false, TL_FOREVER));
	ASSERT_EQ(tl_lock_acquire(&S->lk, false, TL_FOREVER), TL_EBUSY); /* not re-entrant */
	ASSERT_EQ(tl_lock_try_acquire(&S->lk), TL_EBUSY);
	ASSERT_OK(tl_lock_release(&S->lk));
	ASSERT_OK(tl_lock_try_acquire(&S->lk));
	ASSERT_OK(tl_lock_release(&S->lk));
	return 0;
}

static void *try_once(void *arg)
{
	(void)arg;
	atomic_store(&S->result, tl_lock_acquire(&S->lk, false, TL_FOREVER));
	return NULL;
}

SU_MODE_TESTS(lock_try_acquire_contended)
{
	setup(mode);
	ASSERT_OK(tl_lock_acquire(&S->lk, true, TL_FOREVER));
	su_run_mode(mode, 1, try_once, NULL);
	ASSERT_EQ(atomic_load(&S->result), TL_EBUSY);
	ASSERT_OK(tl_lock_release(&S->lk));
	su_run_mode(mode, 1, try_once, NULL);
	ASSERT_EQ(atomic_load(&S->result), 0);
	ASSERT_OK(tl_lock_release(&S->lk)); /* released by a task that did not acquire */
	return 0;
}

static void *acquire_release(void *arg)
{
	(void)arg;
	atomic_fetch_add(&S->started, 1);
	ASSERT_OK(tl_lock_acquire(&S->lk, true, TL_FOREVER));
	ASSERT_OK(tl_lock_release(&S->lk));
	atomic_fetch_add(&S->finished, 1);
	return NULL;
}

SU_MODE_TESTS(lock_acquire_contended)
{
	enum { N = 5 };
	setup(mode);
	ASSERT_OK(tl_lock_acquire(&S->lk, true, TL_FOREVER));
	su_task t[N];
	for (int i = 0; i < N; i++)
		t[i] = su_start(mode, acquire_release, NULL);
	WAIT_UNTIL(atomic_load(&S->started) == N && has_sleeper(&S->lk));
	ASSERT_EQ(atomic_load(&S->finished), 0); /* nobody got past a held lock */
	ASSERT_OK(tl_lock_release(&S->lk));
	for (int i = 0; i < N; i++)
		su_finish(t[i]);
	ASSERT_EQ(atomic_load(&S->finished), N);
	ASSERT_FALSE(tl_lock_locked(&S->lk));
	return 0;
}

SU_FLAG_TESTS(lock_timeout_arguments)
{
	setup(mode);
	/* Python: acquire(False, 1) and acquire(timeout=-100) raise ValueError. */
	ASSERT_EQ(tl_lock_acquire(&S->lk, false, 1.0), TL_EINVAL);
	ASSERT_EQ(tl_lock_acquire(&S->lk, false, 0.0), TL_EINVAL);
	ASSERT_EQ(tl_lock_acquire(&S->lk, true, -100), TL_EINVAL);
	ASSERT_EQ(tl_lock_acquire(&S->lk, true, -0.5), TL_EINVAL);
	ASSERT_EQ(tl_lock_acquire(&S->lk, true, NAN), TL_EINVAL);
	ASSERT_FALSE(tl_lock_locked(&S->lk)); /* rejected calls changed nothing */
	/* Huge timeouts block "forever" (Python: TIMEOUT_MAX is accepted). */
	ASSERT_OK(tl_lock_acquire(&S->lk, true, 1e100));
	ASSERT_OK(tl_lock_release(&S->lk));
	ASSERT_OK(tl_lock_acquire(&S->lk, true, 5.0)); /* free: immediate */
	/* timeout 0 while held: one attempt, reported as a timeout. */
	ASSERT_EQ(tl_lock_acquire(&S->lk, true, 0.0), TL_ETIMEDOUT);
	ASSERT_OK(tl_lock_release(&S->lk));
	ASSERT_OK(tl_lock_acquire(&S->lk, true, 0.0));
	ASSERT_OK(tl_lock_release(&S->lk));
	return 0;
}

static void *timed_acquire(void *arg)
{
	(void)arg;
	double t0 = su_now();
	atomic_store(&S->result, tl_lock_acquire(&S->lk, true, S->timeout));
	S->elapsed = su_now() - t0;
	return NULL;
}

SU_MODE_TESTS(lock_timeout_expires)
{
	setup(mode);
	S->timeout = 0.05;
	ASSERT_OK(tl_lock_acquire(&S->lk, true, TL_FOREVER));
	su_run_mode(mode, 1, timed_acquire, NULL);
	ASSERT_EQ(atomic_load(&S->result), TL_ETIMEDOUT);
	ASSERT(S->elapsed >= S->timeout - 1e-6); /* lower bound only */
	/* Deadline form. */
	struct timespec ts;
	ASSERT_EQ(tl_lock_acquire_until(&S->lk, tl_deadline(&ts, 0.01)), TL_ETIMEDOUT);
	ASSERT_OK(tl_lock_release(&S->lk));
	return 0;
}

SU_MODE_TESTS(lock_timed_acquire_succeeds_when_released)
{
	setup(mode);
	S->timeout = 600;
	ASSERT_OK(tl_lock_acquire(&S->lk, true, TL_FOREVER));
	atomic_store(&S->result, 1);
	su_task t = su_start(mode, timed_acquire, NULL);
	WAIT_UNTIL(has_sleeper(&S->lk));
	ASSERT_OK(tl_lock_release(&S->lk));
	su_finish(t);
	ASSERT_EQ(atomic_load(&S->result), 0);
	ASSERT_TRUE(tl_lock_locked(&S->lk));
	ASSERT_OK(tl_lock_release(&S->lk));
	return 0;
}

/* Eventual fairness: a sleeper that keeps being woken to find the lock
 * taken again counts itself urgent (bits 8.. of the private word) once the
 * fairness mark has passed, and the next release hands the lock to it
 * instead of freeing it, so the releasing thread, however fast it comes
 * back, gets the lock only after the waiter has had its turn (the
 * starvation an always-barging lock allows). The test holds the lock and
 * wakes the sleeper with bare futex wakes (spurious wake-ups, which every
 * futex waiter must take): each finds the lock still taken, as a wake by a
 * release that was barged would, but without the race a real release lets
 * the waiter win now and then. */
static void spurious_wakes_until_urgent(void)
{
	while (atomic_load(&S->lk.state) < 256u && atomic_load(&S->result) == 1) {
		syscall(SYS_futex, &S->lk.state, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
		sched_yield();
	}
	ASSERT(atomic_load(&S->lk.state) >= 256u); /* not gone (timed out) first */
}

static void *take_once(void *arg)
{
	(void)arg;
	ASSERT_OK(tl_lock_acquire(&S->lk, true, TL_FOREVER));
	atomic_store(&S->phase, 1);
	ASSERT_OK(tl_lock_release(&S->lk));
	return NULL;
}

TEST_IMPL(lock_fair_handoff)
{
	setup(SU_THREADS);
	atomic_store(&S->result, 1); /* take_once never times out */
	for (int round = 0; round < 5; round++) {
		atomic_store(&S->phase, 0);
		ASSERT_OK(tl_lock_acquire(&S->lk, true, TL_FOREVER));
		pthread_t t = su_spawn(take_once, NULL);
		spurious_wakes_until_urgent(); /* it is urgent, and we hold the lock */
		ASSERT_OK(tl_lock_release(&S->lk));
		ASSERT_OK(tl_lock_acquire(&S->lk, true, TL_FOREVER)); /* not before its turn */
		ASSERT_EQ(atomic_load(&S->phase), 1);
		ASSERT_OK(tl_lock_release(&S->lk));
		ASSERT_OK(pthread_join(t, NULL));
		ASSERT_EQ(atomic_load(&S->lk.state), 0);
	}
	return 0;
}

/* Oversubscribed CPUs: a thread that keeps releasing Locks on a CPU where
 * another thread sits in a contended acquire yields that CPU after a
 * release (lock.c, "yield after a release"). Both threads on one CPU: the
 * waiter blocks on `lk` (held here), and the loop below releases `other`
 * until the yield is counted; the test's timeout bounds it. */
static void *pinned_take_once(void *arg)
{
	ASSERT_OK(pthread_setaffinity_np(pthread_self(), sizeof(cpu_set_t), (cpu_set_t *)arg));
	ASSERT_OK(tl_lock_acquire(&S->lk, true, TL_FOREVER));
	ASSERT_OK(tl_lock_release(&S->lk));
	return NULL;
}

TEST_IMPL(lock_yields_to_waiter_on_its_cpu)
{
	setup(SU_THREADS);
	cpu_set_t one, all;
	ASSERT_OK(pthread_getaffinity_np(pthread_self(), sizeof all, &all));
	int cpu = sched_getcpu();
	ASSERT(cpu >= 0);
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	ASSERT_OK(pthread_setaffinity_np(pthread_self(), sizeof one, &one));
	tl_lock_t other = TL_LOCK_INITIALIZER;
	tl_stats_t a, b;
	ASSERT_OK(tl_stats_get(&a));
	ASSERT_OK(tl_lock_acquire(&S->lk, true, TL_FOREVER));
	pthread_t t = su_spawn(pinned_take_once, &one);
	do {
		for (int i = 0; i < 64; i++) {
			ASSERT_OK(tl_lock_acquire(&other, true, TL_FOREVER));
			ASSERT_OK(tl_lock_release(&other));
		}
		ASSERT_OK(tl_stats_get(&b));
	} while (b.lock_yields == a.lock_yields);
	ASSERT_OK(tl_lock_release(&S->lk));
	ASSERT_OK(pthread_join(t, NULL));
	ASSERT_OK(tl_lock_destroy(&other));
	ASSERT_OK(pthread_setaffinity_np(pthread_self(), sizeof all, &all));
	return 0;
}

/* An urgent waiter that times out uncounts itself: the next release frees
 * the lock as usual. */
TEST_IMPL(lock_fair_urgent_timeout)
{
	setup(SU_THREADS);
	S->timeout = 2; /* 100x the fairness mark's cap (20 ms) */
	ASSERT_OK(tl_lock_acquire(&S->lk, true, TL_FOREVER));
	atomic_store(&S->result, 1);
	pthread_t t = su_spawn(timed_acquire, NULL);
	spurious_wakes_until_urgent();
	ASSERT_OK(pthread_join(t, NULL));
	ASSERT_EQ(atomic_load(&S->result), TL_ETIMEDOUT);
	ASSERT(atomic_load(&S->lk.state) < 256u);
	ASSERT_OK(tl_lock_release(&S->lk));
	ASSERT_OK(tl_lock_try_acquire(&S->lk));
	ASSERT_OK(tl_lock_release(&S->lk));
	return 0;
}

/* Issue #11618: the lock is in a proper state after a timeout. */
SU_FLAG_TESTS(lock_state_after_timeout)
{
	setup(mode);
	ASSERT_OK(tl_lock_acquire(&S->lk, true, TL_FOREVER));
	ASSERT_EQ(tl_lock_acquire(&S->lk, true, 0.01), TL_ETIMEDOUT);
	ASSERT_OK(tl_lock_release(&S->lk));
	ASSERT_FALSE(tl_lock_locked(&S->lk));
	ASSERT_OK(tl_lock_acquire(&S->lk, false, TL_FOREVER));
	ASSERT_OK(tl_lock_release(&S->lk));
	return 0;
}

static void *reacquire(void *arg)
{
	(void)arg;
	ASSERT_OK(tl_lock_acquire(&S->lk, true, TL_FOREVER));
	atomic_store(&S->phase, 1);
	ASSERT_OK(tl_lock_acquire(&S->lk, true, TL_FOREVER)); /* blocks: not re-entrant */
	atomic_store(&S->phase, 2);
	return NULL;
}

/* A Lock must be released before it can be acquired again, even by the
 * task holding it; another task's release lets it through. */
SU_MODE_TESTS(lock_reacquire_needs_release)
{
	setup(mode);
	su_task t = su_start(mode, reacquire, NULL);
	WAIT_UNTIL(atomic_load(&S->phase) == 1 && has_sleeper(&S->lk));
	ASSERT_EQ(atomic_load(&S->phase), 1);
	ASSERT_OK(tl_lock_release(&S->lk));
	su_finish(t);
	ASSERT_EQ(atomic_load(&S->phase), 2);
	ASSERT_OK(tl_lock_release(&S->lk));
	return 0;
}

static void *release_it(void *arg)
{
	(void)arg;
	ASSERT_OK(tl_lock_release(&S->lk));
	return NULL;
}

SU_MODE_TESTS(lock_different_thread_release)
{
	setup(mode);
	ASSERT_OK(tl_lock_acquire(&S->lk, true, TL_FOREVER));
	su_run_mode(mode, 1, release_it, NULL);
	ASSERT_FALSE(tl_lock_locked(&S->lk));
	ASSERT_OK(tl_lock_acquire(&S->lk, true, TL_FOREVER));
	ASSERT_OK(tl_lock_release(&S->lk));
	return 0;
}

/* Mutual exclusion under contention: a plain counter stays exact (across
 * processes too: the lock is one lock for all of them). */
enum { MX_TASKS = 4, MX_ITERS = 100000 };
static int mx_iters; /* MX_ITERS, fewer under valgrind (task.h), set before the tasks start */

static void *mx_worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < mx_iters; i++) {
		ASSERT_OK(tl_lock_acquire(&S->lk, true, TL_FOREVER));
		S->counter++;
		ASSERT_OK(tl_lock_release(&S->lk));
	}
	return NULL;
}

SU_MODE_TESTS(lock_mutual_exclusion)
{
	setup(mode);
	mx_iters = (int)tl_test_iters(MX_ITERS, 1000);
	su_run_mode(mode, MX_TASKS, mx_worker, NULL);
	ASSERT_EQ(S->counter, (long)MX_TASKS * mx_iters);
	ASSERT_OK(tl_lock_destroy(&S->lk));
	return 0;
}

/* Mixed blocking, timed and non-blocking acquirers: still exact. */
static void *mixed_worker(void *arg)
{
	int kind = (int)(intptr_t)arg;
	for (int i = 0; i < mx_iters / 4;) {
		int r = kind == 0   ? tl_lock_acquire(&S->lk, true, TL_FOREVER)
			: kind == 1 ? tl_lock_acquire(&S->lk, true, 0.0001)
				    : tl_lock_acquire(&S->lk, false, TL_FOREVER);
		if (r != 0) {
			ASSERT(r == TL_ETIMEDOUT || r == TL_EBUSY);
			continue;
		}
		S->counter++;
		i++;
		ASSERT_OK(tl_lock_release(&S->lk));
	}
	return NULL;
}

SU_MODE_TESTS(lock_mixed_acquirers)
{
	setup(mode);
	mx_iters = (int)tl_test_iters(MX_ITERS, 1000);
	su_task t[3];
	for (int k = 0; k < 3; k++)
		t[k] = su_start(mode, mixed_worker, (void *)(intptr_t)k);
	for (int k = 0; k < 3; k++)
		su_finish(t[k]);
	ASSERT_EQ(S->counter, 3L * (mx_iters / 4));
	ASSERT_FALSE(tl_lock_locked(&S->lk));
	return 0;
}

/* Two Locks used as binary semaphores: each is always released by the
 * task that did not acquire it (Python's "weak" lock handoff). */
enum { ROUNDS = 20000 };
static int rounds; /* ROUNDS, fewer under valgrind (task.h) */

static void *ponger(void *arg)
{
	(void)arg;
	for (int i = 0; i < rounds; i++) {
		ASSERT_OK(tl_lock_acquire(&S->ping, true, TL_FOREVER));
		ASSERT_EQ(S->handoff_data, 2L * i + 1);
		S->handoff_data++;
		ASSERT_OK(tl_lock_release(&S->pong));
	}
	return NULL;
}

SU_MODE_TESTS(lock_handoff_between_threads)
{
	setup(mode);
	ASSERT_OK(tl_lock_init(&S->ping, su_flags(mode)));
	ASSERT_OK(tl_lock_init(&S->pong, su_flags(mode)));
	ASSERT_OK(tl_lock_acquire(&S->ping, true, TL_FOREVER));
	ASSERT_OK(tl_lock_acquire(&S->pong, true, TL_FOREVER));
	rounds = (int)tl_test_iters(ROUNDS, 200);
	su_task t = su_start(mode, ponger, NULL);
	for (int i = 0; i < rounds; i++) {
		S->handoff_data++;
		ASSERT_OK(tl_lock_release(&S->ping));
		ASSERT_OK(tl_lock_acquire(&S->pong, true, TL_FOREVER));
		ASSERT_EQ(S->handoff_data, 2L * i + 2);
	}
	su_finish(t);
	ASSERT_TRUE(tl_lock_locked(&S->ping));
	ASSERT_TRUE(tl_lock_locked(&S->pong));
	return 0;
}

/* TSan view of a handoff: the main thread acquires A and another thread
 * releases it; the main thread then takes B, and a third thread takes B
 * then A. Nobody ever held A while taking B, so under TSan this must not be
 * reported as a lock-order inversion (see src/lock_tsan.h). Threads only:
 * a TSan matter. */
static tl_lock_t la, lb;

static void *release_a(void *arg)
{
	(void)arg;
	ASSERT_OK(tl_lock_release(&la));
	return NULL;
}

static void *b_then_a(void *arg)
{
	(void)arg;
	ASSERT_OK(tl_lock_acquire(&lb, true, TL_FOREVER));
	ASSERT_OK(tl_lock_acquire(&la, true, TL_FOREVER));
	ASSERT_OK(tl_lock_release(&la));
	ASSERT_OK(tl_lock_release(&lb));
	return NULL;
}

SU_FLAG_TESTS(lock_handoff_no_false_inversion)
{
	ASSERT_OK(tl_lock_init(&la, su_flags(mode)));
	ASSERT_OK(tl_lock_init(&lb, su_flags(mode)));
	for (int i = 0; i < 20; i++) { /* repeated: no stale "held" entries pile up */
		ASSERT_OK(tl_lock_acquire(&la, true, TL_FOREVER));
		su_run(1, release_a, NULL);
	}
	ASSERT_OK(tl_lock_acquire(&lb, true, TL_FOREVER));
	ASSERT_OK(tl_lock_release(&lb));
	su_run(1, b_then_a, NULL);
	ASSERT_OK(tl_lock_destroy(&la));
	ASSERT_OK(tl_lock_destroy(&lb));
	return 0;
}

/* ---- robustness (TL_PSHARED) ---- */

/* A thread that exits while its process-shared Lock is locked is not a
 * dead holder: the Lock has no owner thread, another thread may release it
 * (Python's semantics). Only the holding process's death counts. */
static void *acquire_and_exit(void *arg)
{
	(void)arg;
	ASSERT_OK(tl_lock_acquire(&S->lk, true, TL_FOREVER));
	return NULL;
}

TEST_IMPL(lock_pshared_thread_exit_is_not_death)
{
	setup(SU_PSHARED);
	su_run(1, acquire_and_exit, NULL);
	/* Longer than a liveness slice: the holder (this process) is probed
	 * and found alive. */
	ASSERT_EQ(tl_lock_acquire(&S->lk, true, 3.0 * TL_LIVENESS_MS / 1000), TL_ETIMEDOUT);
	ASSERT_TRUE(tl_lock_locked(&S->lk));
	ASSERT_OK(tl_lock_release(&S->lk));
	ASSERT_OK(tl_lock_acquire(&S->lk, true, TL_FOREVER));
	ASSERT_OK(tl_lock_release(&S->lk));
	return 0;
}

/* Child: take the lock, tell the parent, wait until the parent sleeps on
 * it (if asked), then die holding it. */
static void *acquire_then_die(void *arg)
{
	bool wait_sleeper = arg != NULL;
	ASSERT_OK(tl_lock_acquire(&S->lk, true, TL_FOREVER));
	atomic_store(&S->phase, 1);
	if (wait_sleeper)
		WAIT_UNTIL(atomic_load(&S->lk.state) & 0x80000000u);
	raise(SIGKILL);
	return NULL;
}

/* The holder process is killed while the parent is blocked in acquire: the
 * parent takes the lock over (TL_EOWNERDEAD, it holds it), marks it
 * consistent, and the lock works on. The child is a zombie meanwhile (not
 * reaped until the end): dead for the liveness check. */
TEST_IMPL(lock_owner_died_while_blocked)
{
	SU_SKIP_FORK_UNDER_TSAN();
	setup(SU_PROCESSES);
	pid_t pid = su_fork(acquire_then_die, (void *)1);
	WAIT_UNTIL(atomic_load(&S->phase) == 1);
	ASSERT_EQ(tl_lock_acquire(&S->lk, true, TL_FOREVER), TL_EOWNERDEAD);
	ASSERT_TRUE(tl_lock_locked(&S->lk));
	ASSERT_EQ(tl_lock_try_acquire(&S->lk), TL_EBUSY); /* we hold it */
	ASSERT_OK(tl_lock_consistent(&S->lk));
	ASSERT_EQ(tl_lock_consistent(&S->lk), TL_EINVAL); /* once */
	ASSERT_OK(tl_lock_release(&S->lk));
	ASSERT_FALSE(tl_lock_locked(&S->lk));
	ASSERT_OK(tl_lock_acquire(&S->lk, true, TL_FOREVER));
	ASSERT_OK(tl_lock_release(&S->lk));
	ASSERT_OK(tl_lock_destroy(&S->lk));
	su_reap_killed(pid);
	return 0;
}

/* The holder died (and was reaped) before anyone asked: a non-blocking
 * attempt does not probe (TL_EBUSY, as for a live holder); a timed one
 * probes when its timeout expires and takes over. Released without
 * tl_lock_consistent() the lock is not recoverable for everyone, until
 * destroy + init. */
TEST_IMPL(lock_owner_died_not_recoverable)
{
	SU_SKIP_FORK_UNDER_TSAN();
	setup(SU_PROCESSES);
	pid_t pid = su_fork(acquire_then_die, NULL);
	su_reap_killed(pid);
	ASSERT_TRUE(tl_lock_locked(&S->lk));
	ASSERT_EQ(tl_lock_try_acquire(&S->lk), TL_EBUSY);
	ASSERT_EQ(tl_lock_acquire(&S->lk, false, TL_FOREVER), TL_EBUSY);
	ASSERT_EQ(tl_lock_acquire(&S->lk, true, 0.0), TL_ETIMEDOUT);
	ASSERT_EQ(tl_lock_acquire(&S->lk, true, 0.001), TL_EOWNERDEAD);
	ASSERT_EQ(tl_lock_destroy(&S->lk), TL_EBUSY);
	ASSERT_OK(tl_lock_release(&S->lk)); /* not marked consistent */
	ASSERT_TRUE(tl_lock_locked(&S->lk));
	ASSERT_EQ(tl_lock_try_acquire(&S->lk), TL_ENOTRECOVERABLE);
	ASSERT_EQ(tl_lock_acquire(&S->lk, false, TL_FOREVER), TL_ENOTRECOVERABLE);
	ASSERT_EQ(tl_lock_acquire(&S->lk, true, 0.0), TL_ENOTRECOVERABLE);
	ASSERT_EQ(tl_lock_acquire(&S->lk, true, 0.01), TL_ENOTRECOVERABLE);
	ASSERT_EQ(tl_lock_acquire(&S->lk, true, TL_FOREVER), TL_ENOTRECOVERABLE);
	ASSERT_EQ(tl_lock_release(&S->lk), TL_EPERM);
	ASSERT_EQ(tl_lock_consistent(&S->lk), TL_EINVAL);
	ASSERT_OK(tl_lock_destroy(&S->lk));
	ASSERT_OK(tl_lock_init(&S->lk, TL_PSHARED));
	ASSERT_OK(tl_lock_acquire(&S->lk, true, TL_FOREVER));
	ASSERT_OK(tl_lock_release(&S->lk));
	return 0;
}

static void *blocked_acquirer(void *arg)
{
	(void)arg;
	atomic_store(&S->started, 1);
	atomic_store(&S->result, tl_lock_acquire(&S->lk, true, TL_FOREVER));
	return NULL;
}

/* A task blocked on a lock that becomes not recoverable wakes up with
 * TL_ENOTRECOVERABLE (it does not sleep forever). */
TEST_IMPL(lock_not_recoverable_wakes_sleepers)
{
	SU_SKIP_FORK_UNDER_TSAN();
	setup(SU_PROCESSES);
	pid_t pid = su_fork(acquire_then_die, NULL);
	su_reap_killed(pid);
	ASSERT_EQ(tl_lock_acquire(&S->lk, true, TL_FOREVER), TL_EOWNERDEAD);
	su_task t = su_start(SU_PROCESSES, blocked_acquirer, NULL);
	WAIT_UNTIL(atomic_load(&S->started) && has_sleeper(&S->lk));
	ASSERT_OK(tl_lock_release(&S->lk));
	su_finish(t);
	ASSERT_EQ(atomic_load(&S->result), TL_ENOTRECOVERABLE);
	return 0;
}

/* Several processes hammer one lock; one of them is killed inside its
 * critical section (at its 1000th entry). The others keep going at least
 * until it has died (they cannot all finish before it gets there), then
 * acquire once more, and all finish: exactly one of them reports TL_EOWNERDEAD and repairs; no update
 * is lost. */
enum { KILL_TASKS = 3, KILL_ITERS = 20000 };

static void *hammer(void *arg)
{
	int victim = arg != NULL;
	long i;
	/* Until KILL_ITERS and the victim's death, then once more: by then the
	 * victim holds the lock for ever, so some task must take it over. */
	bool last = false;
	for (i = 0; !last; i++) {
		last = i >= KILL_ITERS && atomic_load(&S->phase);
		int r = tl_lock_acquire(&S->lk, true, TL_FOREVER);
		if (r == TL_EOWNERDEAD) {
			atomic_fetch_add(&S->finished, 1);
			ASSERT_OK(tl_lock_consistent(&S->lk));
		} else {
			ASSERT_OK(r);
		}
		S->counter++;
		if (victim && i == 1000) {
			atomic_store(&S->phase, 1);
			raise(SIGKILL); /* dies holding it */
		}
		ASSERT_OK(tl_lock_release(&S->lk));
	}
	atomic_fetch_add(&S->started, (int)i); /* iterations done */
	return NULL;
}

TEST_IMPL(lock_owner_killed_under_contention)
{
	SU_SKIP_FORK_UNDER_TSAN();
	setup(SU_PROCESSES);
	pid_t victim = su_fork(hammer, (void *)1);
	su_task t[KILL_TASKS];
	for (int i = 0; i < KILL_TASKS; i++)
		t[i] = su_start(SU_PROCESSES, hammer, NULL);
	for (int i = 0; i < KILL_TASKS; i++)
		su_finish(t[i]);
	su_reap_killed(victim);
	ASSERT_EQ(atomic_load(&S->finished), 1); /* one takeover, reported once */
	ASSERT_GE(atomic_load(&S->started), KILL_TASKS * KILL_ITERS);
	ASSERT_EQ(S->counter, (long)atomic_load(&S->started) + 1001);
	ASSERT_FALSE(tl_lock_locked(&S->lk));
	return 0;
}

TEST_LIST_BEGIN
TEST_ENTRY(lock_fair_handoff)
TEST_ENTRY(lock_fair_urgent_timeout)
TEST_ENTRY(lock_yields_to_waiter_on_its_cpu)
TEST_ENTRY(lock_static_initializer)
SU_FLAG_ENTRIES(lock_init_destroy)
SU_FLAG_ENTRIES(lock_acquire_release)
SU_FLAG_ENTRIES(lock_release_unlocked_is_error)
SU_FLAG_ENTRIES(lock_try_acquire)
SU_MODE_ENTRIES(lock_try_acquire_contended)
SU_MODE_ENTRIES(lock_acquire_contended)
SU_FLAG_ENTRIES(lock_timeout_arguments)
SU_MODE_ENTRIES(lock_timeout_expires)
SU_MODE_ENTRIES(lock_timed_acquire_succeeds_when_released)
SU_FLAG_ENTRIES(lock_state_after_timeout)
SU_MODE_ENTRIES(lock_reacquire_needs_release)
SU_MODE_ENTRIES(lock_different_thread_release)
SU_MODE_ENTRIES(lock_mutual_exclusion)
SU_MODE_ENTRIES(lock_mixed_acquirers)
SU_MODE_ENTRIES(lock_handoff_between_threads)
SU_FLAG_ENTRIES(lock_handoff_no_false_inversion)
TEST_ENTRY(lock_pshared_thread_exit_is_not_death)
TEST_ENTRY(lock_owner_died_while_blocked)
TEST_ENTRY(lock_owner_died_not_recoverable)
TEST_ENTRY(lock_not_recoverable_wakes_sleepers)
TEST_ENTRY(lock_owner_killed_under_contention)
TEST_LIST_END
