/* threading.RLock semantics, after CPython's Lib/test/lock_tests.py
 * (BaseLockTests + RLockTests), plus stress and process-shared checks. */
#include "sync_util.h"
#include "threadlab/rlock.h"

#include <math.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static tl_rlock_t rl;
static atomic_int started, finished, result;

/* Some thread sleeps (or is about to) in the kernel on rl. */
static bool rl_has_sleeper(void)
{
	return atomic_load(&rl.owner) & 0x80000000u;
}

TEST_IMPL(rlock_init_destroy)
{
	tl_rlock_t r = TL_RLOCK_INITIALIZER;
	ASSERT_FALSE(tl_rlock_locked(&r));
	ASSERT_OK(tl_rlock_destroy(&r));
	ASSERT_EQ(tl_rlock_init(&r, 0x40), TL_EINVAL);
	ASSERT_OK(tl_rlock_init(&r, TL_PRIVATE));
	ASSERT_OK(tl_rlock_acquire(&r, true, TL_FOREVER));
	ASSERT_EQ(tl_rlock_destroy(&r), TL_EBUSY);
	ASSERT_OK(tl_rlock_release(&r));
	ASSERT_OK(tl_rlock_destroy(&r));
	return 0;
}

TEST_IMPL(rlock_reacquire)
{
	ASSERT_OK(tl_rlock_init(&rl, TL_PRIVATE));
	ASSERT_OK(tl_rlock_acquire(&rl, true, TL_FOREVER));
	ASSERT_OK(tl_rlock_acquire(&rl, true, TL_FOREVER));
	ASSERT_EQ(tl_rlock_count(&rl), 2);
	ASSERT_OK(tl_rlock_release(&rl));
	ASSERT_OK(tl_rlock_acquire(&rl, false, TL_FOREVER));
	ASSERT_OK(tl_rlock_acquire(&rl, true, 1.0));
	ASSERT_OK(tl_rlock_acquire(&rl, true, 0.0));
	ASSERT_EQ(tl_rlock_count(&rl), 4);
	for (int i = 0; i < 4; i++) {
		ASSERT_TRUE(tl_rlock_locked(&rl));
		ASSERT_OK(tl_rlock_release(&rl));
	}
	ASSERT_FALSE(tl_rlock_locked(&rl));
	ASSERT_EQ(tl_rlock_count(&rl), 0);
	return 0;
}

TEST_IMPL(rlock_release_unacquired)
{
	ASSERT_OK(tl_rlock_init(&rl, TL_PRIVATE));
	ASSERT_EQ(tl_rlock_release(&rl), TL_EPERM);
	ASSERT_OK(tl_rlock_acquire(&rl, true, TL_FOREVER));
	ASSERT_OK(tl_rlock_acquire(&rl, true, TL_FOREVER));
	ASSERT_OK(tl_rlock_release(&rl));
	ASSERT_OK(tl_rlock_acquire(&rl, true, TL_FOREVER));
	ASSERT_OK(tl_rlock_release(&rl));
	ASSERT_OK(tl_rlock_release(&rl));
	ASSERT_EQ(tl_rlock_release(&rl), TL_EPERM);
	ASSERT_FALSE(tl_rlock_locked(&rl));
	return 0;
}

static atomic_int may_finish;

static void *hold_until_told(void *arg)
{
	(void)arg;
	ASSERT_OK(tl_rlock_acquire(&rl, true, TL_FOREVER));
	ASSERT_OK(tl_rlock_acquire(&rl, true, TL_FOREVER));
	atomic_store(&started, 1);
	WAIT_UNTIL(atomic_load(&may_finish));
	ASSERT_OK(tl_rlock_release(&rl));
	ASSERT_OK(tl_rlock_release(&rl));
	return NULL;
}

/* Only the owner may release; a refused release changes nothing. */
TEST_IMPL(rlock_different_thread_cannot_release)
{
	ASSERT_OK(tl_rlock_init(&rl, TL_PRIVATE));
	pthread_t t = su_spawn(hold_until_told, NULL);
	WAIT_UNTIL(atomic_load(&started));
	ASSERT_EQ(tl_rlock_release(&rl), TL_EPERM);
	ASSERT_FALSE(tl_rlock_is_owned(&rl));
	ASSERT_TRUE(tl_rlock_locked(&rl));
	ASSERT_EQ(tl_rlock_count(&rl), 0); /* not ours */
	ASSERT_EQ(tl_rlock_acquire(&rl, false, TL_FOREVER), TL_EBUSY);
	ASSERT_EQ(tl_rlock_acquire(&rl, true, 0.01), TL_ETIMEDOUT);
	atomic_store(&may_finish, 1);
	su_join(t);
	ASSERT_FALSE(tl_rlock_locked(&rl));
	ASSERT_OK(tl_rlock_acquire(&rl, false, TL_FOREVER));
	ASSERT_OK(tl_rlock_release(&rl));
	return 0;
}

static void *is_owned_elsewhere(void *arg)
{
	(void)arg;
	atomic_store(&result, tl_rlock_is_owned(&rl));
	return NULL;
}

TEST_IMPL(rlock_is_owned)
{
	ASSERT_OK(tl_rlock_init(&rl, TL_PRIVATE));
	ASSERT_FALSE(tl_rlock_is_owned(&rl));
	ASSERT_OK(tl_rlock_acquire(&rl, true, TL_FOREVER));
	ASSERT_TRUE(tl_rlock_is_owned(&rl));
	ASSERT_OK(tl_rlock_acquire(&rl, true, TL_FOREVER));
	ASSERT_TRUE(tl_rlock_is_owned(&rl));
	atomic_store(&result, -1);
	su_run(1, is_owned_elsewhere, NULL);
	ASSERT_EQ(atomic_load(&result), 0);
	ASSERT_OK(tl_rlock_release(&rl));
	ASSERT_TRUE(tl_rlock_is_owned(&rl));
	ASSERT_OK(tl_rlock_release(&rl));
	ASSERT_FALSE(tl_rlock_is_owned(&rl));
	return 0;
}

static void *try_once(void *arg)
{
	(void)arg;
	int r = tl_rlock_acquire(&rl, false, TL_FOREVER);
	atomic_store(&result, r);
	if (r == 0)
		ASSERT_OK(tl_rlock_release(&rl));
	return NULL;
}

TEST_IMPL(rlock_try_acquire_contended)
{
	ASSERT_OK(tl_rlock_init(&rl, TL_PRIVATE));
	ASSERT_OK(tl_rlock_acquire(&rl, true, TL_FOREVER));
	su_run(1, try_once, NULL);
	ASSERT_EQ(atomic_load(&result), TL_EBUSY);
	ASSERT_OK(tl_rlock_release(&rl));
	su_run(1, try_once, NULL);
	ASSERT_EQ(atomic_load(&result), 0);
	ASSERT_FALSE(tl_rlock_locked(&rl));
	return 0;
}

static void *acquire_release(void *arg)
{
	(void)arg;
	atomic_fetch_add(&started, 1);
	ASSERT_OK(tl_rlock_acquire(&rl, true, TL_FOREVER));
	ASSERT_OK(tl_rlock_acquire(&rl, true, TL_FOREVER));
	ASSERT_OK(tl_rlock_release(&rl));
	ASSERT_OK(tl_rlock_release(&rl));
	atomic_fetch_add(&finished, 1);
	return NULL;
}

TEST_IMPL(rlock_acquire_contended)
{
	enum { N = 5 };
	ASSERT_OK(tl_rlock_init(&rl, TL_PRIVATE));
	ASSERT_OK(tl_rlock_acquire(&rl, true, TL_FOREVER));
	pthread_t t[N];
	for (int i = 0; i < N; i++)
		t[i] = su_spawn(acquire_release, NULL);
	WAIT_UNTIL(atomic_load(&started) == N && rl_has_sleeper());
	ASSERT_EQ(atomic_load(&finished), 0);
	ASSERT_OK(tl_rlock_release(&rl));
	for (int i = 0; i < N; i++)
		su_join(t[i]);
	ASSERT_EQ(atomic_load(&finished), N);
	ASSERT_FALSE(tl_rlock_locked(&rl));
	return 0;
}

TEST_IMPL(rlock_timeout_arguments)
{
	ASSERT_OK(tl_rlock_init(&rl, TL_PRIVATE));
	ASSERT_EQ(tl_rlock_acquire(&rl, false, 1.0), TL_EINVAL);
	ASSERT_EQ(tl_rlock_acquire(&rl, true, -100), TL_EINVAL);
	ASSERT_EQ(tl_rlock_acquire(&rl, true, NAN), TL_EINVAL);
	ASSERT_FALSE(tl_rlock_locked(&rl));
	ASSERT_OK(tl_rlock_acquire(&rl, true, 1e100));
	ASSERT_OK(tl_rlock_release(&rl));
	return 0;
}

static double elapsed;

static void *timed_acquire(void *arg)
{
	double timeout = *(double *)arg;
	double t0 = su_now();
	int r = tl_rlock_acquire(&rl, true, timeout);
	elapsed = su_now() - t0;
	atomic_store(&result, r);
	if (r == 0)
		ASSERT_OK(tl_rlock_release(&rl));
	return NULL;
}

TEST_IMPL(rlock_timeout_expires)
{
	double timeout = 0.05;
	ASSERT_OK(tl_rlock_init(&rl, TL_PRIVATE));
	ASSERT_OK(tl_rlock_acquire(&rl, true, TL_FOREVER));
	su_run(1, timed_acquire, &timeout);
	ASSERT_EQ(atomic_load(&result), TL_ETIMEDOUT);
	ASSERT(elapsed >= timeout - 1e-6);
	ASSERT_TRUE(tl_rlock_is_owned(&rl)); /* state intact after the timeout */
	ASSERT_EQ(tl_rlock_count(&rl), 1);
	ASSERT_OK(tl_rlock_release(&rl));
	ASSERT_FALSE(tl_rlock_locked(&rl));
	return 0;
}

TEST_IMPL(rlock_timed_acquire_succeeds_when_released)
{
	double timeout = 600;
	ASSERT_OK(tl_rlock_init(&rl, TL_PRIVATE));
	ASSERT_OK(tl_rlock_acquire(&rl, true, TL_FOREVER));
	atomic_store(&result, 1);
	pthread_t t = su_spawn(timed_acquire, &timeout);
	WAIT_UNTIL(rl_has_sleeper());
	ASSERT_OK(tl_rlock_release(&rl));
	su_join(t);
	ASSERT_EQ(atomic_load(&result), 0);
	ASSERT_FALSE(tl_rlock_locked(&rl));
	return 0;
}

enum { MX_THREADS = 4, MX_ITERS = 50000 };
static long mx_counter;

static void *mx_worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < MX_ITERS; i++) {
		ASSERT_OK(tl_rlock_acquire(&rl, true, TL_FOREVER));
		ASSERT_OK(tl_rlock_acquire(&rl, true, TL_FOREVER));
		mx_counter++;
		ASSERT_OK(tl_rlock_release(&rl));
		mx_counter++;
		ASSERT_OK(tl_rlock_release(&rl));
	}
	return NULL;
}

TEST_IMPL(rlock_mutual_exclusion)
{
	ASSERT_OK(tl_rlock_init(&rl, TL_PRIVATE));
	su_run(MX_THREADS, mx_worker, NULL);
	ASSERT_EQ(mx_counter, 2L * MX_THREADS * MX_ITERS);
	ASSERT_OK(tl_rlock_destroy(&rl));
	return 0;
}

/* A statically initialised RLock (no tl_rlock_init, so TSan first hears of
 * it at a lock): re-entry and exclusion work, and TSan reports nothing. */
static tl_rlock_t static_rl = TL_RLOCK_INITIALIZER;
static long static_counter;

static void *static_worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < 10000; i++) {
		ASSERT_OK(tl_rlock_acquire(&static_rl, true, TL_FOREVER));
		ASSERT_OK(tl_rlock_acquire(&static_rl, true, TL_FOREVER));
		static_counter++;
		ASSERT_OK(tl_rlock_release(&static_rl));
		ASSERT_OK(tl_rlock_release(&static_rl));
	}
	return NULL;
}

TEST_IMPL(rlock_static_initializer)
{
	su_run(3, static_worker, NULL);
	ASSERT_EQ(static_counter, 30000);
	ASSERT_FALSE(tl_rlock_locked(&static_rl));
	return 0;
}

/* TL_PSHARED: exclusion between processes, and the owner is per process
 * thread (a fork child is not the parent's owner thread). */
TEST_IMPL(rlock_pshared_across_fork)
{
	struct shared {
		tl_rlock_t r;
		long counter;
		atomic_int checked;
	} *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT(sh != MAP_FAILED);
	ASSERT_OK(tl_rlock_init(&sh->r, TL_PSHARED));
	sh->counter = 0;
	atomic_store(&sh->checked, 0);
	/* The parent owns it (and has cached its tid) when it forks. */
	ASSERT_OK(tl_rlock_acquire(&sh->r, true, TL_FOREVER));
	pid_t pid = fork();
	ASSERT(pid >= 0);
	if (pid == 0) {
		bool ok = !tl_rlock_is_owned(&sh->r) && tl_rlock_acquire(&sh->r, false, TL_FOREVER) == TL_EBUSY &&
			  tl_rlock_release(&sh->r) == TL_EPERM;
		atomic_store(&sh->checked, 1);
		if (!ok)
			_exit(4);
	} else {
		WAIT_UNTIL(atomic_load(&sh->checked)); /* keep it owned during the check */
		ASSERT_OK(tl_rlock_release(&sh->r));
	}
	enum { ITERS = 20000 };
	for (int i = 0; i < ITERS; i++) {
		if (tl_rlock_acquire(&sh->r, true, TL_FOREVER) || tl_rlock_acquire(&sh->r, true, TL_FOREVER))
			_exit(3);
		sh->counter++;
		tl_rlock_release(&sh->r);
		tl_rlock_release(&sh->r);
	}
	if (pid == 0)
		_exit(0);
	int status;
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT(WIFEXITED(status));
	ASSERT_EQ(WEXITSTATUS(status), 0);
	ASSERT_EQ(sh->counter, 2L * ITERS);
	ASSERT_FALSE(tl_rlock_locked(&sh->r));
	munmap(sh, sizeof *sh);
	return 0;
}

TEST_LIST_BEGIN
TEST_ENTRY(rlock_init_destroy)
TEST_ENTRY(rlock_reacquire)
TEST_ENTRY(rlock_release_unacquired)
TEST_ENTRY(rlock_different_thread_cannot_release)
TEST_ENTRY(rlock_is_owned)
TEST_ENTRY(rlock_try_acquire_contended)
TEST_ENTRY(rlock_acquire_contended)
TEST_ENTRY(rlock_timeout_arguments)
TEST_ENTRY(rlock_timeout_expires)
TEST_ENTRY(rlock_timed_acquire_succeeds_when_released)
TEST_ENTRY(rlock_mutual_exclusion)
TEST_ENTRY(rlock_static_initializer)
TEST_ENTRY(rlock_pshared_across_fork)
TEST_LIST_END
