/* threading.RLock semantics, after CPython's Lib/test/lock_tests.py
 * (BaseLockTests + RLockTests), plus stress; each scenario with threads,
 * with a TL_PSHARED RLock and threads, and with forked processes over a
 * shared mapping (sync_util.h); then the process-shared RLock's
 * robustness: an owner thread or process that dies. */
#include "sync_util.h"
#include "threadlab/rlock.h"

#include <math.h>

static struct rl_shared {
	tl_rlock_t rl;
	atomic_int started, finished, result, may_finish;
	double elapsed, timeout;
	long counter;
} *S;
static int g_mode;

static void setup(int mode)
{
	g_mode = mode;
	S = su_map(sizeof *S);
	ASSERT_OK(tl_rlock_init(&S->rl, su_flags(mode)));
}

/* Some task sleeps (or is about to) in the kernel on the RLock. */
static bool has_sleeper(void)
{
	return atomic_load(&S->rl.owner) & 0x80000000u;
}

SU_FLAG_TESTS(rlock_init_destroy)
{
	tl_rlock_t r = TL_RLOCK_INITIALIZER;
	ASSERT_FALSE(tl_rlock_locked(&r));
	ASSERT_OK(tl_rlock_destroy(&r));
	ASSERT_EQ(tl_rlock_init(&r, 0x40), TL_EINVAL);
	ASSERT_OK(tl_rlock_init(&r, su_flags(mode)));
	ASSERT_EQ(tl_rlock_consistent(&r), TL_EPERM); /* not owned */
	ASSERT_OK(tl_rlock_acquire(&r, true, TL_FOREVER));
	ASSERT_EQ(tl_rlock_consistent(&r), TL_EINVAL); /* owned, never taken over */
	ASSERT_EQ(tl_rlock_destroy(&r), TL_EBUSY);
	ASSERT_OK(tl_rlock_release(&r));
	ASSERT_OK(tl_rlock_destroy(&r));
	return 0;
}

SU_FLAG_TESTS(rlock_reacquire)
{
	setup(mode);
	tl_rlock_t *rl = &S->rl;
	ASSERT_OK(tl_rlock_acquire(rl, true, TL_FOREVER));
	ASSERT_OK(tl_rlock_acquire(rl, true, TL_FOREVER));
	ASSERT_EQ(tl_rlock_count(rl), 2);
	ASSERT_OK(tl_rlock_release(rl));
	ASSERT_OK(tl_rlock_acquire(rl, false, TL_FOREVER));
	ASSERT_OK(tl_rlock_acquire(rl, true, 1.0));
	ASSERT_OK(tl_rlock_acquire(rl, true, 0.0));
	ASSERT_EQ(tl_rlock_count(rl), 4);
	for (int i = 0; i < 4; i++) {
		ASSERT_TRUE(tl_rlock_locked(rl));
		ASSERT_OK(tl_rlock_release(rl));
	}
	ASSERT_FALSE(tl_rlock_locked(rl));
	ASSERT_EQ(tl_rlock_count(rl), 0);
	return 0;
}

SU_FLAG_TESTS(rlock_release_unacquired)
{
	setup(mode);
	tl_rlock_t *rl = &S->rl;
	ASSERT_EQ(tl_rlock_release(rl), TL_EPERM);
	ASSERT_OK(tl_rlock_acquire(rl, true, TL_FOREVER));
	ASSERT_OK(tl_rlock_acquire(rl, true, TL_FOREVER));
	ASSERT_OK(tl_rlock_release(rl));
	ASSERT_OK(tl_rlock_acquire(rl, true, TL_FOREVER));
	ASSERT_OK(tl_rlock_release(rl));
	ASSERT_OK(tl_rlock_release(rl));
	ASSERT_EQ(tl_rlock_release(rl), TL_EPERM);
	ASSERT_FALSE(tl_rlock_locked(rl));
	return 0;
}

static void *hold_until_told(void *arg)
{
	(void)arg;
	ASSERT_OK(tl_rlock_acquire(&S->rl, true, TL_FOREVER));
	ASSERT_OK(tl_rlock_acquire(&S->rl, true, TL_FOREVER));
	atomic_store(&S->started, 1);
	WAIT_UNTIL(atomic_load(&S->may_finish));
	ASSERT_OK(tl_rlock_release(&S->rl));
	ASSERT_OK(tl_rlock_release(&S->rl));
	return NULL;
}

/* Only the owner may release; a refused release changes nothing. */
SU_MODE_TESTS(rlock_different_thread_cannot_release)
{
	setup(mode);
	tl_rlock_t *rl = &S->rl;
	su_task t = su_start(mode, hold_until_told, NULL);
	WAIT_UNTIL(atomic_load(&S->started));
	ASSERT_EQ(tl_rlock_release(rl), TL_EPERM);
	ASSERT_EQ(tl_rlock_consistent(rl), TL_EPERM);
	ASSERT_FALSE(tl_rlock_is_owned(rl));
	ASSERT_TRUE(tl_rlock_locked(rl));
	ASSERT_EQ(tl_rlock_count(rl), 0); /* not ours */
	ASSERT_EQ(tl_rlock_acquire(rl, false, TL_FOREVER), TL_EBUSY);
	ASSERT_EQ(tl_rlock_acquire(rl, true, 0.01), TL_ETIMEDOUT);
	atomic_store(&S->may_finish, 1);
	su_finish(t);
	ASSERT_FALSE(tl_rlock_locked(rl));
	ASSERT_OK(tl_rlock_acquire(rl, false, TL_FOREVER));
	ASSERT_OK(tl_rlock_release(rl));
	return 0;
}

static void *is_owned_elsewhere(void *arg)
{
	(void)arg;
	atomic_store(&S->result, tl_rlock_is_owned(&S->rl));
	return NULL;
}

SU_MODE_TESTS(rlock_is_owned)
{
	setup(mode);
	tl_rlock_t *rl = &S->rl;
	ASSERT_FALSE(tl_rlock_is_owned(rl));
	ASSERT_OK(tl_rlock_acquire(rl, true, TL_FOREVER));
	ASSERT_TRUE(tl_rlock_is_owned(rl));
	ASSERT_OK(tl_rlock_acquire(rl, true, TL_FOREVER));
	ASSERT_TRUE(tl_rlock_is_owned(rl));
	atomic_store(&S->result, -1);
	su_run_mode(mode, 1, is_owned_elsewhere, NULL);
	ASSERT_EQ(atomic_load(&S->result), 0);
	ASSERT_OK(tl_rlock_release(rl));
	ASSERT_TRUE(tl_rlock_is_owned(rl));
	ASSERT_OK(tl_rlock_release(rl));
	ASSERT_FALSE(tl_rlock_is_owned(rl));
	return 0;
}

static void *try_once(void *arg)
{
	(void)arg;
	int r = tl_rlock_acquire(&S->rl, false, TL_FOREVER);
	atomic_store(&S->result, r);
	if (r == 0)
		ASSERT_OK(tl_rlock_release(&S->rl));
	return NULL;
}

SU_MODE_TESTS(rlock_try_acquire_contended)
{
	setup(mode);
	ASSERT_OK(tl_rlock_acquire(&S->rl, true, TL_FOREVER));
	su_run_mode(mode, 1, try_once, NULL);
	ASSERT_EQ(atomic_load(&S->result), TL_EBUSY);
	ASSERT_OK(tl_rlock_release(&S->rl));
	su_run_mode(mode, 1, try_once, NULL);
	ASSERT_EQ(atomic_load(&S->result), 0);
	ASSERT_FALSE(tl_rlock_locked(&S->rl));
	return 0;
}

static void *acquire_release(void *arg)
{
	(void)arg;
	atomic_fetch_add(&S->started, 1);
	ASSERT_OK(tl_rlock_acquire(&S->rl, true, TL_FOREVER));
	ASSERT_OK(tl_rlock_acquire(&S->rl, true, TL_FOREVER));
	ASSERT_OK(tl_rlock_release(&S->rl));
	ASSERT_OK(tl_rlock_release(&S->rl));
	atomic_fetch_add(&S->finished, 1);
	return NULL;
}

SU_MODE_TESTS(rlock_acquire_contended)
{
	enum { N = 5 };
	setup(mode);
	ASSERT_OK(tl_rlock_acquire(&S->rl, true, TL_FOREVER));
	su_task t[N];
	for (int i = 0; i < N; i++)
		t[i] = su_start(mode, acquire_release, NULL);
	WAIT_UNTIL(atomic_load(&S->started) == N && has_sleeper());
	ASSERT_EQ(atomic_load(&S->finished), 0);
	ASSERT_OK(tl_rlock_release(&S->rl));
	for (int i = 0; i < N; i++)
		su_finish(t[i]);
	ASSERT_EQ(atomic_load(&S->finished), N);
	ASSERT_FALSE(tl_rlock_locked(&S->rl));
	return 0;
}

SU_FLAG_TESTS(rlock_timeout_arguments)
{
	setup(mode);
	tl_rlock_t *rl = &S->rl;
	ASSERT_EQ(tl_rlock_acquire(rl, false, 1.0), TL_EINVAL);
	ASSERT_EQ(tl_rlock_acquire(rl, true, -100), TL_EINVAL);
	ASSERT_EQ(tl_rlock_acquire(rl, true, NAN), TL_EINVAL);
	ASSERT_FALSE(tl_rlock_locked(rl));
	ASSERT_OK(tl_rlock_acquire(rl, true, 1e100));
	ASSERT_OK(tl_rlock_release(rl));
	return 0;
}

static void *timed_acquire(void *arg)
{
	(void)arg;
	double t0 = su_now();
	int r = tl_rlock_acquire(&S->rl, true, S->timeout);
	S->elapsed = su_now() - t0;
	atomic_store(&S->result, r);
	if (r == 0)
		ASSERT_OK(tl_rlock_release(&S->rl));
	return NULL;
}

SU_MODE_TESTS(rlock_timeout_expires)
{
	setup(mode);
	S->timeout = 0.05;
	ASSERT_OK(tl_rlock_acquire(&S->rl, true, TL_FOREVER));
	su_run_mode(mode, 1, timed_acquire, NULL);
	ASSERT_EQ(atomic_load(&S->result), TL_ETIMEDOUT);
	ASSERT(S->elapsed >= S->timeout - 1e-6);
	ASSERT_TRUE(tl_rlock_is_owned(&S->rl)); /* state intact after the timeout */
	ASSERT_EQ(tl_rlock_count(&S->rl), 1);
	ASSERT_OK(tl_rlock_release(&S->rl));
	ASSERT_FALSE(tl_rlock_locked(&S->rl));
	return 0;
}

SU_MODE_TESTS(rlock_timed_acquire_succeeds_when_released)
{
	setup(mode);
	S->timeout = 600;
	ASSERT_OK(tl_rlock_acquire(&S->rl, true, TL_FOREVER));
	atomic_store(&S->result, 1);
	su_task t = su_start(mode, timed_acquire, NULL);
	WAIT_UNTIL(has_sleeper());
	ASSERT_OK(tl_rlock_release(&S->rl));
	su_finish(t);
	ASSERT_EQ(atomic_load(&S->result), 0);
	ASSERT_FALSE(tl_rlock_locked(&S->rl));
	return 0;
}

enum { MX_TASKS = 4, MX_ITERS = 50000 };

static void *mx_worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < MX_ITERS; i++) {
		ASSERT_OK(tl_rlock_acquire(&S->rl, true, TL_FOREVER));
		ASSERT_OK(tl_rlock_acquire(&S->rl, true, TL_FOREVER));
		S->counter++;
		ASSERT_OK(tl_rlock_release(&S->rl));
		S->counter++;
		ASSERT_OK(tl_rlock_release(&S->rl));
	}
	return NULL;
}

SU_MODE_TESTS(rlock_mutual_exclusion)
{
	setup(mode);
	su_run_mode(mode, MX_TASKS, mx_worker, NULL);
	ASSERT_EQ(S->counter, 2L * MX_TASKS * MX_ITERS);
	ASSERT_OK(tl_rlock_destroy(&S->rl));
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

/* The owner is a thread: a fork child (another thread, with another tid,
 * in another process) is not the owner of what its parent owned. */
static void *check_not_owner(void *arg)
{
	(void)arg;
	ASSERT_FALSE(tl_rlock_is_owned(&S->rl));
	ASSERT_EQ(tl_rlock_count(&S->rl), 0);
	ASSERT_EQ(tl_rlock_acquire(&S->rl, false, TL_FOREVER), TL_EBUSY);
	ASSERT_EQ(tl_rlock_release(&S->rl), TL_EPERM);
	return NULL;
}

TEST_IMPL(rlock_fork_child_is_not_owner)
{
	SU_SKIP_FORK_UNDER_TSAN();
	setup(SU_PROCESSES);
	/* The parent owns it (and has cached its tid) when it forks. */
	ASSERT_OK(tl_rlock_acquire(&S->rl, true, TL_FOREVER));
	su_run_mode(SU_PROCESSES, 1, check_not_owner, NULL);
	ASSERT_EQ(tl_rlock_count(&S->rl), 1);
	ASSERT_OK(tl_rlock_release(&S->rl));
	return 0;
}

/* ---- robustness (TL_PSHARED) ---- */

static void *acquire_then_die(void *arg)
{
	bool wait_sleeper = arg != NULL;
	ASSERT_OK(tl_rlock_acquire(&S->rl, true, TL_FOREVER));
	ASSERT_OK(tl_rlock_acquire(&S->rl, true, TL_FOREVER)); /* depth 2 */
	atomic_store(&S->started, 1);
	if (wait_sleeper)
		WAIT_UNTIL(has_sleeper());
	raise(SIGKILL);
	return NULL;
}

/* The owner process is killed while this one is blocked: it takes over at
 * depth 1 (not the dead owner's 2) with TL_EOWNERDEAD; re-entry works while
 * inconsistent; after tl_rlock_consistent the RLock works on. */
TEST_IMPL(rlock_owner_died_while_blocked)
{
	SU_SKIP_FORK_UNDER_TSAN();
	setup(SU_PROCESSES);
	tl_rlock_t *rl = &S->rl;
	pid_t pid = su_fork(acquire_then_die, (void *)1);
	WAIT_UNTIL(atomic_load(&S->started));
	ASSERT_EQ(tl_rlock_acquire(rl, true, TL_FOREVER), TL_EOWNERDEAD);
	ASSERT_TRUE(tl_rlock_is_owned(rl));
	ASSERT_EQ(tl_rlock_count(rl), 1);
	ASSERT_OK(tl_rlock_acquire(rl, true, TL_FOREVER));
	ASSERT_EQ(tl_rlock_count(rl), 2);
	ASSERT_OK(tl_rlock_release(rl)); /* not the last level: fine while inconsistent */
	ASSERT_OK(tl_rlock_consistent(rl));
	ASSERT_EQ(tl_rlock_consistent(rl), TL_EINVAL);
	ASSERT_OK(tl_rlock_release(rl));
	ASSERT_FALSE(tl_rlock_locked(rl));
	ASSERT_OK(tl_rlock_acquire(rl, true, TL_FOREVER));
	ASSERT_OK(tl_rlock_release(rl));
	ASSERT_OK(tl_rlock_destroy(rl));
	su_reap_killed(pid);
	return 0;
}

TEST_IMPL(rlock_owner_died_not_recoverable)
{
	SU_SKIP_FORK_UNDER_TSAN();
	setup(SU_PROCESSES);
	tl_rlock_t *rl = &S->rl;
	pid_t pid = su_fork(acquire_then_die, NULL);
	su_reap_killed(pid);
	ASSERT_EQ(tl_rlock_try_acquire(rl), TL_EBUSY); /* non-blocking: no probe */
	ASSERT_EQ(tl_rlock_acquire(rl, true, 0.0), TL_ETIMEDOUT);
	ASSERT_EQ(tl_rlock_acquire(rl, true, 0.001), TL_EOWNERDEAD);
	ASSERT_OK(tl_rlock_release(rl)); /* last level, not marked consistent */
	ASSERT_FALSE(tl_rlock_is_owned(rl));
	ASSERT_TRUE(tl_rlock_locked(rl));
	ASSERT_EQ(tl_rlock_try_acquire(rl), TL_ENOTRECOVERABLE);
	ASSERT_EQ(tl_rlock_acquire(rl, true, 0.01), TL_ENOTRECOVERABLE);
	ASSERT_EQ(tl_rlock_acquire(rl, true, TL_FOREVER), TL_ENOTRECOVERABLE);
	ASSERT_EQ(tl_rlock_release(rl), TL_EPERM);
	ASSERT_OK(tl_rlock_destroy(rl));
	ASSERT_OK(tl_rlock_init(rl, TL_PSHARED));
	ASSERT_OK(tl_rlock_acquire(rl, true, TL_FOREVER));
	ASSERT_OK(tl_rlock_release(rl));
	return 0;
}

static void *acquire_and_exit(void *arg)
{
	(void)arg;
	ASSERT_OK(tl_rlock_acquire(&S->rl, true, TL_FOREVER));
	return NULL;
}

/* The owner of an RLock is a thread: one that exits while owning a
 * process-shared RLock is a dead owner (in a private RLock it would be held
 * forever, as in Python). */
TEST_IMPL(rlock_pshared_owner_thread_exit_is_death)
{
#ifdef TL_TSAN
	TEST_SKIP("TSan reports the takeover of a mutex whose owner thread exited "
		  "holding it as a double lock: that takeover is what this test checks");
#endif
	setup(SU_PSHARED);
	su_run(1, acquire_and_exit, NULL);
	ASSERT_EQ(tl_rlock_acquire(&S->rl, true, TL_FOREVER), TL_EOWNERDEAD);
	ASSERT_OK(tl_rlock_consistent(&S->rl));
	ASSERT_OK(tl_rlock_release(&S->rl));
	ASSERT_FALSE(tl_rlock_locked(&S->rl));
	return 0;
}

TEST_LIST_BEGIN
SU_FLAG_ENTRIES(rlock_init_destroy)
SU_FLAG_ENTRIES(rlock_reacquire)
SU_FLAG_ENTRIES(rlock_release_unacquired)
SU_MODE_ENTRIES(rlock_different_thread_cannot_release)
SU_MODE_ENTRIES(rlock_is_owned)
SU_MODE_ENTRIES(rlock_try_acquire_contended)
SU_MODE_ENTRIES(rlock_acquire_contended)
SU_FLAG_ENTRIES(rlock_timeout_arguments)
SU_MODE_ENTRIES(rlock_timeout_expires)
SU_MODE_ENTRIES(rlock_timed_acquire_succeeds_when_released)
SU_MODE_ENTRIES(rlock_mutual_exclusion)
TEST_ENTRY(rlock_static_initializer)
TEST_ENTRY(rlock_fork_child_is_not_owner)
TEST_ENTRY(rlock_owner_died_while_blocked)
TEST_ENTRY(rlock_owner_died_not_recoverable)
TEST_ENTRY(rlock_pshared_owner_thread_exit_is_death)
TEST_LIST_END
