/* threading.Lock semantics, after CPython's Lib/test/lock_tests.py
 * (BaseLockTests + LockTests) plus stress and process-shared checks. */
#include "sync_util.h"
#include "threadlab/lock.h"

#include <math.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static tl_lock_t lk;
static atomic_int started, finished, result;

/* A thread is asleep (or about to sleep) in the kernel on lk. */
static bool lk_has_sleeper(void)
{
	return atomic_load(&lk.state) == 2;
}

TEST_IMPL(lock_init_destroy)
{
	tl_lock_t l = TL_LOCK_INITIALIZER;
	ASSERT_FALSE(tl_lock_locked(&l));
	ASSERT_OK(tl_lock_destroy(&l));
	ASSERT_EQ(tl_lock_init(&l, 0x100), TL_EINVAL);
	ASSERT_OK(tl_lock_init(&l, TL_PRIVATE));
	ASSERT_OK(tl_lock_acquire(&l, true, TL_FOREVER));
	ASSERT_EQ(tl_lock_destroy(&l), TL_EBUSY); /* held */
	ASSERT_OK(tl_lock_release(&l));
	ASSERT_OK(tl_lock_destroy(&l));
	return 0;
}

TEST_IMPL(lock_acquire_release)
{
	ASSERT_OK(tl_lock_init(&lk, TL_PRIVATE));
	ASSERT_FALSE(tl_lock_locked(&lk));
	ASSERT_OK(tl_lock_acquire(&lk, true, TL_FOREVER));
	ASSERT_TRUE(tl_lock_locked(&lk));
	ASSERT_OK(tl_lock_release(&lk));
	ASSERT_FALSE(tl_lock_locked(&lk));
	ASSERT_OK(tl_lock_acquire_until(&lk, NULL));
	ASSERT_OK(tl_lock_release(&lk));
	return 0;
}

TEST_IMPL(lock_release_unlocked_is_error)
{
	ASSERT_OK(tl_lock_init(&lk, TL_PRIVATE));
	ASSERT_EQ(tl_lock_release(&lk), TL_EPERM);
	ASSERT_OK(tl_lock_acquire(&lk, true, TL_FOREVER));
	ASSERT_OK(tl_lock_release(&lk));
	ASSERT_EQ(tl_lock_release(&lk), TL_EPERM);
	ASSERT_FALSE(tl_lock_locked(&lk)); /* the failed release changed nothing */
	ASSERT_OK(tl_lock_acquire(&lk, false, TL_FOREVER));
	ASSERT_OK(tl_lock_release(&lk));
	return 0;
}

TEST_IMPL(lock_try_acquire)
{
	ASSERT_OK(tl_lock_init(&lk, TL_PRIVATE));
	ASSERT_OK(tl_lock_acquire(&lk, false, TL_FOREVER));
	ASSERT_EQ(tl_lock_acquire(&lk, false, TL_FOREVER), TL_EBUSY); /* not re-entrant */
	ASSERT_EQ(tl_lock_try_acquire(&lk), TL_EBUSY);
	ASSERT_OK(tl_lock_release(&lk));
	ASSERT_OK(tl_lock_try_acquire(&lk));
	ASSERT_OK(tl_lock_release(&lk));
	return 0;
}

static void *try_once(void *arg)
{
	(void)arg;
	atomic_store(&result, tl_lock_acquire(&lk, false, TL_FOREVER));
	return NULL;
}

TEST_IMPL(lock_try_acquire_contended)
{
	ASSERT_OK(tl_lock_init(&lk, TL_PRIVATE));
	ASSERT_OK(tl_lock_acquire(&lk, true, TL_FOREVER));
	su_run(1, try_once, NULL);
	ASSERT_EQ(atomic_load(&result), TL_EBUSY);
	ASSERT_OK(tl_lock_release(&lk));
	su_run(1, try_once, NULL);
	ASSERT_EQ(atomic_load(&result), 0);
	ASSERT_OK(tl_lock_release(&lk)); /* released by a thread that did not acquire */
	return 0;
}

static void *acquire_release(void *arg)
{
	(void)arg;
	atomic_fetch_add(&started, 1);
	ASSERT_OK(tl_lock_acquire(&lk, true, TL_FOREVER));
	ASSERT_OK(tl_lock_release(&lk));
	atomic_fetch_add(&finished, 1);
	return NULL;
}

TEST_IMPL(lock_acquire_contended)
{
	enum { N = 5 };
	ASSERT_OK(tl_lock_init(&lk, TL_PRIVATE));
	ASSERT_OK(tl_lock_acquire(&lk, true, TL_FOREVER));
	pthread_t t[N];
	for (int i = 0; i < N; i++)
		t[i] = su_spawn(acquire_release, NULL);
	WAIT_UNTIL(atomic_load(&started) == N && lk_has_sleeper());
	ASSERT_EQ(atomic_load(&finished), 0); /* nobody got past a held lock */
	ASSERT_OK(tl_lock_release(&lk));
	for (int i = 0; i < N; i++)
		su_join(t[i]);
	ASSERT_EQ(atomic_load(&finished), N);
	ASSERT_FALSE(tl_lock_locked(&lk));
	return 0;
}

TEST_IMPL(lock_timeout_arguments)
{
	ASSERT_OK(tl_lock_init(&lk, TL_PRIVATE));
	/* Python: acquire(False, 1) and acquire(timeout=-100) raise ValueError. */
	ASSERT_EQ(tl_lock_acquire(&lk, false, 1.0), TL_EINVAL);
	ASSERT_EQ(tl_lock_acquire(&lk, false, 0.0), TL_EINVAL);
	ASSERT_EQ(tl_lock_acquire(&lk, true, -100), TL_EINVAL);
	ASSERT_EQ(tl_lock_acquire(&lk, true, -0.5), TL_EINVAL);
	ASSERT_EQ(tl_lock_acquire(&lk, true, NAN), TL_EINVAL);
	ASSERT_FALSE(tl_lock_locked(&lk)); /* rejected calls changed nothing */
	/* Huge timeouts block "forever" (Python: TIMEOUT_MAX is accepted). */
	ASSERT_OK(tl_lock_acquire(&lk, true, 1e100));
	ASSERT_OK(tl_lock_release(&lk));
	ASSERT_OK(tl_lock_acquire(&lk, true, 5.0)); /* free: immediate */
	/* timeout 0 while held: one attempt, reported as a timeout. */
	ASSERT_EQ(tl_lock_acquire(&lk, true, 0.0), TL_ETIMEDOUT);
	ASSERT_OK(tl_lock_release(&lk));
	ASSERT_OK(tl_lock_acquire(&lk, true, 0.0));
	ASSERT_OK(tl_lock_release(&lk));
	return 0;
}

static double elapsed;

static void *timed_acquire(void *arg)
{
	double timeout = *(double *)arg;
	double t0 = su_now();
	atomic_store(&result, tl_lock_acquire(&lk, true, timeout));
	elapsed = su_now() - t0;
	return NULL;
}

TEST_IMPL(lock_timeout_expires)
{
	double timeout = 0.05;
	ASSERT_OK(tl_lock_init(&lk, TL_PRIVATE));
	ASSERT_OK(tl_lock_acquire(&lk, true, TL_FOREVER));
	su_run(1, timed_acquire, &timeout);
	ASSERT_EQ(atomic_load(&result), TL_ETIMEDOUT);
	ASSERT(elapsed >= timeout - 1e-6); /* lower bound only */
	/* Deadline form. */
	struct timespec ts;
	ASSERT_EQ(tl_lock_acquire_until(&lk, tl_deadline(&ts, 0.01)), TL_ETIMEDOUT);
	ASSERT_OK(tl_lock_release(&lk));
	return 0;
}

TEST_IMPL(lock_timed_acquire_succeeds_when_released)
{
	double timeout = 600;
	ASSERT_OK(tl_lock_init(&lk, TL_PRIVATE));
	ASSERT_OK(tl_lock_acquire(&lk, true, TL_FOREVER));
	atomic_store(&result, 1);
	pthread_t t = su_spawn(timed_acquire, &timeout);
	WAIT_UNTIL(lk_has_sleeper());
	ASSERT_OK(tl_lock_release(&lk));
	su_join(t);
	ASSERT_EQ(atomic_load(&result), 0);
	ASSERT_TRUE(tl_lock_locked(&lk));
	ASSERT_OK(tl_lock_release(&lk));
	return 0;
}

/* Issue #11618: the lock is in a proper state after a timeout. */
TEST_IMPL(lock_state_after_timeout)
{
	ASSERT_OK(tl_lock_init(&lk, TL_PRIVATE));
	ASSERT_OK(tl_lock_acquire(&lk, true, TL_FOREVER));
	ASSERT_EQ(tl_lock_acquire(&lk, true, 0.01), TL_ETIMEDOUT);
	ASSERT_OK(tl_lock_release(&lk));
	ASSERT_FALSE(tl_lock_locked(&lk));
	ASSERT_OK(tl_lock_acquire(&lk, false, TL_FOREVER));
	ASSERT_OK(tl_lock_release(&lk));
	return 0;
}

static atomic_int phase;

static void *reacquire(void *arg)
{
	(void)arg;
	ASSERT_OK(tl_lock_acquire(&lk, true, TL_FOREVER));
	atomic_store(&phase, 1);
	ASSERT_OK(tl_lock_acquire(&lk, true, TL_FOREVER)); /* blocks: not re-entrant */
	atomic_store(&phase, 2);
	return NULL;
}

/* A Lock must be released before it can be acquired again, even by the
 * thread holding it; another thread's release lets it through. */
TEST_IMPL(lock_reacquire_needs_release)
{
	ASSERT_OK(tl_lock_init(&lk, TL_PRIVATE));
	pthread_t t = su_spawn(reacquire, NULL);
	WAIT_UNTIL(atomic_load(&phase) == 1 && lk_has_sleeper());
	ASSERT_EQ(atomic_load(&phase), 1);
	ASSERT_OK(tl_lock_release(&lk));
	su_join(t);
	ASSERT_EQ(atomic_load(&phase), 2);
	ASSERT_OK(tl_lock_release(&lk));
	return 0;
}

static void *release_it(void *arg)
{
	(void)arg;
	ASSERT_OK(tl_lock_release(&lk));
	return NULL;
}

TEST_IMPL(lock_different_thread_release)
{
	ASSERT_OK(tl_lock_init(&lk, TL_PRIVATE));
	ASSERT_OK(tl_lock_acquire(&lk, true, TL_FOREVER));
	su_run(1, release_it, NULL);
	ASSERT_FALSE(tl_lock_locked(&lk));
	ASSERT_OK(tl_lock_acquire(&lk, true, TL_FOREVER));
	ASSERT_OK(tl_lock_release(&lk));
	return 0;
}

/* Mutual exclusion under contention: a plain counter stays exact. */
enum { MX_THREADS = 4, MX_ITERS = 100000 };
static long mx_counter;

static void *mx_worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < MX_ITERS; i++) {
		ASSERT_OK(tl_lock_acquire(&lk, true, TL_FOREVER));
		mx_counter++;
		ASSERT_OK(tl_lock_release(&lk));
	}
	return NULL;
}

TEST_IMPL(lock_mutual_exclusion)
{
	ASSERT_OK(tl_lock_init(&lk, TL_PRIVATE));
	su_run(MX_THREADS, mx_worker, NULL);
	ASSERT_EQ(mx_counter, (long)MX_THREADS * MX_ITERS);
	ASSERT_OK(tl_lock_destroy(&lk));
	return 0;
}

/* Mixed blocking, timed and non-blocking acquirers: still exact. */
static void *mixed_worker(void *arg)
{
	int kind = (int)(intptr_t)arg;
	for (int i = 0; i < MX_ITERS / 4;) {
		int r = kind == 0   ? tl_lock_acquire(&lk, true, TL_FOREVER)
			: kind == 1 ? tl_lock_acquire(&lk, true, 0.0001)
				    : tl_lock_acquire(&lk, false, TL_FOREVER);
		if (r != 0) {
			ASSERT(r == TL_ETIMEDOUT || r == TL_EBUSY);
			continue;
		}
		mx_counter++;
		i++;
		ASSERT_OK(tl_lock_release(&lk));
	}
	return NULL;
}

TEST_IMPL(lock_mixed_acquirers)
{
	ASSERT_OK(tl_lock_init(&lk, TL_PRIVATE));
	pthread_t t[3];
	for (int k = 0; k < 3; k++)
		t[k] = su_spawn(mixed_worker, (void *)(intptr_t)k);
	for (int k = 0; k < 3; k++)
		su_join(t[k]);
	ASSERT_EQ(mx_counter, 3L * (MX_ITERS / 4));
	ASSERT_FALSE(tl_lock_locked(&lk));
	return 0;
}

/* Two Locks used as binary semaphores: each is always released by the
 * thread that did not acquire it (Python's "weak" lock handoff). */
static tl_lock_t ping, pong;
static long handoff_data;
enum { ROUNDS = 20000 };

static void *ponger(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		ASSERT_OK(tl_lock_acquire(&ping, true, TL_FOREVER));
		ASSERT_EQ(handoff_data, 2L * i + 1);
		handoff_data++;
		ASSERT_OK(tl_lock_release(&pong));
	}
	return NULL;
}

TEST_IMPL(lock_handoff_between_threads)
{
	ASSERT_OK(tl_lock_init(&ping, TL_PRIVATE));
	ASSERT_OK(tl_lock_init(&pong, TL_PRIVATE));
	ASSERT_OK(tl_lock_acquire(&ping, true, TL_FOREVER));
	ASSERT_OK(tl_lock_acquire(&pong, true, TL_FOREVER));
	pthread_t t = su_spawn(ponger, NULL);
	for (int i = 0; i < ROUNDS; i++) {
		handoff_data++;
		ASSERT_OK(tl_lock_release(&ping));
		ASSERT_OK(tl_lock_acquire(&pong, true, TL_FOREVER));
		ASSERT_EQ(handoff_data, 2L * i + 2);
	}
	su_join(t);
	ASSERT_TRUE(tl_lock_locked(&ping));
	ASSERT_TRUE(tl_lock_locked(&pong));
	return 0;
}

/* TSan view of a handoff: the main thread acquires A and another thread
 * releases it; the main thread then takes B, and a third thread takes B
 * then A. Nobody ever held A while taking B, so under TSan this must not be
 * reported as a lock-order inversion (see src/lock_tsan.h). */
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

TEST_IMPL(lock_handoff_no_false_inversion)
{
	ASSERT_OK(tl_lock_init(&la, TL_PRIVATE));
	ASSERT_OK(tl_lock_init(&lb, TL_PRIVATE));
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

/* TL_PSHARED: a Lock in a MAP_SHARED mapping excludes another process. */
TEST_IMPL(lock_pshared_across_fork)
{
	struct shared {
		tl_lock_t lock;
		long counter;
	} *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT(sh != MAP_FAILED);
	ASSERT_OK(tl_lock_init(&sh->lock, TL_PSHARED));
	sh->counter = 0;
	enum { ITERS = 50000 };
	pid_t pid = fork();
	ASSERT(pid >= 0);
	for (int i = 0; i < ITERS; i++) {
		if (tl_lock_acquire(&sh->lock, true, TL_FOREVER) != 0)
			_exit(3);
		sh->counter++;
		tl_lock_release(&sh->lock);
	}
	if (pid == 0)
		_exit(0);
	int status;
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ASSERT_EQ(sh->counter, 2L * ITERS);
	munmap(sh, sizeof *sh);
	return 0;
}

TEST_LIST_BEGIN
TEST_ENTRY(lock_init_destroy)
TEST_ENTRY(lock_acquire_release)
TEST_ENTRY(lock_release_unlocked_is_error)
TEST_ENTRY(lock_try_acquire)
TEST_ENTRY(lock_try_acquire_contended)
TEST_ENTRY(lock_acquire_contended)
TEST_ENTRY(lock_timeout_arguments)
TEST_ENTRY(lock_timeout_expires)
TEST_ENTRY(lock_timed_acquire_succeeds_when_released)
TEST_ENTRY(lock_state_after_timeout)
TEST_ENTRY(lock_reacquire_needs_release)
TEST_ENTRY(lock_different_thread_release)
TEST_ENTRY(lock_mutual_exclusion)
TEST_ENTRY(lock_mixed_acquirers)
TEST_ENTRY(lock_handoff_between_threads)
TEST_ENTRY(lock_handoff_no_false_inversion)
TEST_ENTRY(lock_pshared_across_fork)
TEST_LIST_END
