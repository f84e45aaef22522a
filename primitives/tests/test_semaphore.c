/* threading.Semaphore / BoundedSemaphore semantics, after CPython's
 * Lib/test/lock_tests.py (BaseSemaphoreTests, SemaphoreTests,
 * BoundedSemaphoreTests), plus release(n) and stress; each scenario with
 * threads, with TL_PSHARED semaphores and threads, and with forked
 * processes over a shared mapping (sync_util.h). */
#include "sync_util.h"
#include "threadlab/semaphore.h"

#include <math.h>

enum { RING = 8 };
static struct sem_shared {
	tl_sem_t sem, slots, items;
	atomic_int phase, n_ok, n_fail, finished;
	atomic_int results1, results2, results[3];
	atomic_int inside, max_inside;
	long ring[RING];
} *S;
static int g_mode;

static void setup(int mode)
{
	g_mode = mode;
	S = su_map(sizeof *S);
}

static uint32_t sleepers(tl_sem_t *s)
{
	return (uint32_t)(atomic_load(&s->word) >> 32);
}

SU_FLAG_TESTS(sem_constructor)
{
	setup(mode);
	tl_sem_t s;
	ASSERT_EQ(tl_sem_init(&s, su_flags(mode), -1), TL_EINVAL);
	ASSERT_EQ(tl_sem_init(&s, su_flags(mode), INT64_MIN), TL_EINVAL);
	ASSERT_EQ(tl_sem_init(&s, su_flags(mode), (int64_t)UINT32_MAX + 1), TL_EINVAL);
	ASSERT_EQ(tl_sem_init_bounded(&s, su_flags(mode), -1), TL_EINVAL);
	ASSERT_EQ(tl_sem_init(&s, 0x80, 1), TL_EINVAL);
	ASSERT_OK(tl_sem_init(&s, su_flags(mode), 0));
	ASSERT_EQ(tl_sem_value(&s), 0);
	ASSERT_OK(tl_sem_destroy(&s));
	ASSERT_OK(tl_sem_init_bounded(&s, su_flags(mode), 5));
	ASSERT_EQ(tl_sem_value(&s), 5);
	ASSERT_OK(tl_sem_destroy(&s));
	return 0;
}

SU_FLAG_TESTS(sem_acquire)
{
	setup(mode);
	ASSERT_OK(tl_sem_init(&S->sem, su_flags(mode), 1));
	ASSERT_OK(tl_sem_acquire(&S->sem, true, TL_FOREVER));
	ASSERT_OK(tl_sem_release(&S->sem, 1));
	ASSERT_OK(tl_sem_init(&S->sem, su_flags(mode), 2));
	ASSERT_OK(tl_sem_acquire(&S->sem, true, TL_FOREVER));
	ASSERT_OK(tl_sem_acquire(&S->sem, true, TL_FOREVER));
	ASSERT_EQ(tl_sem_value(&S->sem), 0);
	ASSERT_OK(tl_sem_release(&S->sem, 1));
	ASSERT_OK(tl_sem_release(&S->sem, 1));
	ASSERT_EQ(tl_sem_value(&S->sem), 2);
	return 0;
}

static void *acq_twice(void *arg)
{
	(void)arg;
	ASSERT_OK(tl_sem_acquire(&S->sem, true, TL_FOREVER));
	atomic_fetch_add(&S->results[atomic_load(&S->phase)], 1);
	atomic_fetch_add(&S->results1, 1);
	ASSERT_OK(tl_sem_acquire(&S->sem, true, TL_FOREVER));
	atomic_fetch_add(&S->results[atomic_load(&S->phase)], 1);
	atomic_fetch_add(&S->results2, 1);
	return NULL;
}

static int acquired(void)
{
	return atomic_load(&S->results1) + atomic_load(&S->results2);
}

/* CPython's test_acquire_contended: with 6 units, 6 of 20 acquires pass;
 * then every release lets exactly one more through. "Everyone who can not
 * pass is asleep" is observed (every unfinished thread counted as a sleeper),
 * not waited for with a sleep. */
SU_MODE_TESTS(sem_acquire_contended)
{
	setup(mode);
	enum { N = 10 };
	ASSERT_OK(tl_sem_init(&S->sem, su_flags(mode), 7));
	ASSERT_OK(tl_sem_acquire(&S->sem, true, TL_FOREVER));
	su_task t[N];
	for (int i = 0; i < N; i++)
		t[i] = su_start(mode, acq_twice, NULL);
	WAIT_UNTIL(acquired() == 6 && sleepers(&S->sem) == N - (uint32_t)atomic_load(&S->results2));
	ASSERT_EQ(atomic_load(&S->results[0]), 6);
	atomic_store(&S->phase, 1);
	for (int i = 0; i < 7; i++)
		ASSERT_OK(tl_sem_release(&S->sem, 1));
	WAIT_UNTIL(acquired() == 13 && sleepers(&S->sem) == N - (uint32_t)atomic_load(&S->results2));
	ASSERT_EQ(atomic_load(&S->results[1]), 7);
	atomic_store(&S->phase, 2);
	for (int i = 0; i < 6; i++)
		ASSERT_OK(tl_sem_release(&S->sem, 1));
	WAIT_UNTIL(acquired() == 19 && sleepers(&S->sem) == N - (uint32_t)atomic_load(&S->results2));
	ASSERT_EQ(atomic_load(&S->results[2]), 6);
	ASSERT_EQ(tl_sem_acquire(&S->sem, false, TL_FOREVER), TL_EBUSY); /* still locked */
	ASSERT_EQ(tl_sem_destroy(&S->sem), TL_EBUSY);                   /* a thread waits */
	ASSERT_OK(tl_sem_release(&S->sem, 1));
	for (int i = 0; i < N; i++)
		su_finish(t[i]);
	ASSERT_EQ(acquired(), 20);
	ASSERT_EQ(tl_sem_value(&S->sem), 0);
	ASSERT_OK(tl_sem_destroy(&S->sem));
	return 0;
}

SU_FLAG_TESTS(sem_try_acquire)
{
	setup(mode);
	ASSERT_OK(tl_sem_init(&S->sem, su_flags(mode), 2));
	ASSERT_OK(tl_sem_acquire(&S->sem, false, TL_FOREVER));
	ASSERT_OK(tl_sem_try_acquire(&S->sem));
	ASSERT_EQ(tl_sem_acquire(&S->sem, false, TL_FOREVER), TL_EBUSY);
	ASSERT_OK(tl_sem_release(&S->sem, 1));
	ASSERT_OK(tl_sem_acquire(&S->sem, false, TL_FOREVER));
	return 0;
}

static void *try_twice(void *arg)
{
	(void)arg;
	for (int i = 0; i < 2; i++) {
		int r = tl_sem_acquire(&S->sem, false, TL_FOREVER);
		ASSERT(r == 0 || r == TL_EBUSY);
		atomic_fetch_add(r == 0 ? &S->n_ok : &S->n_fail, 1);
	}
	return NULL;
}

SU_MODE_TESTS(sem_try_acquire_contended)
{
	setup(mode);
	ASSERT_OK(tl_sem_init(&S->sem, su_flags(mode), 4));
	ASSERT_OK(tl_sem_acquire(&S->sem, true, TL_FOREVER));
	su_run_mode(mode, 5, try_twice, NULL);
	ASSERT_EQ(atomic_load(&S->n_ok), 3);
	ASSERT_EQ(atomic_load(&S->n_fail), 7);
	return 0;
}

SU_FLAG_TESTS(sem_acquire_timeout)
{
	setup(mode);
	ASSERT_OK(tl_sem_init(&S->sem, su_flags(mode), 2));
	ASSERT_EQ(tl_sem_acquire(&S->sem, false, 1.0), TL_EINVAL);
	ASSERT_EQ(tl_sem_acquire(&S->sem, true, NAN), TL_EINVAL);
	ASSERT_EQ(tl_sem_value(&S->sem), 2);
	/* CPython's Semaphore waits on a Condition: a negative timeout polls
	 * (acquire(timeout=-2) takes a free unit, or returns False) */
	ASSERT_OK(tl_sem_acquire(&S->sem, true, -2.0));
	ASSERT_OK(tl_sem_release(&S->sem, 1));
	ASSERT_OK(tl_sem_acquire(&S->sem, true, 0.005));
	ASSERT_OK(tl_sem_acquire(&S->sem, true, 0.005));
	ASSERT_EQ(tl_sem_acquire(&S->sem, true, 0.005), TL_ETIMEDOUT);
	ASSERT_EQ(tl_sem_acquire(&S->sem, true, -2.0), TL_ETIMEDOUT);
	ASSERT_OK(tl_sem_release(&S->sem, 1));
	ASSERT_OK(tl_sem_acquire(&S->sem, true, 0.005));
	double t0 = su_now();
	ASSERT_EQ(tl_sem_acquire(&S->sem, true, 0.05), TL_ETIMEDOUT);
	ASSERT(su_now() - t0 >= 0.05 - 1e-6);
	ASSERT_EQ(tl_sem_acquire(&S->sem, true, 0.0), TL_ETIMEDOUT);
	ASSERT_EQ(sleepers(&S->sem), 0); /* timed-out waiters unregistered */
	ASSERT_OK(tl_sem_destroy(&S->sem));
	return 0;
}

static void *acq_release(void *arg)
{
	(void)arg;
	ASSERT_OK(tl_sem_acquire(&S->sem, true, TL_FOREVER));
	ASSERT_OK(tl_sem_release(&S->sem, 1));
	atomic_fetch_add(&S->finished, 1);
	return NULL;
}

SU_MODE_TESTS(sem_default_value_blocks)
{
	setup(mode);
	ASSERT_OK(tl_sem_init(&S->sem, su_flags(mode), 1));
	ASSERT_OK(tl_sem_acquire(&S->sem, true, TL_FOREVER));
	su_task t = su_start(mode, acq_release, NULL);
	WAIT_UNTIL(sleepers(&S->sem) == 1);
	ASSERT_EQ(atomic_load(&S->finished), 0);
	ASSERT_OK(tl_sem_release(&S->sem, 1));
	su_finish(t);
	ASSERT_EQ(atomic_load(&S->finished), 1);
	ASSERT_EQ(tl_sem_value(&S->sem), 1);
	return 0;
}

static void *acq_once(void *arg)
{
	(void)arg;
	ASSERT_OK(tl_sem_acquire(&S->sem, true, TL_FOREVER));
	atomic_fetch_add(&S->finished, 1);
	return NULL;
}

/* release(n) lets exactly n waiters through. */
SU_MODE_TESTS(sem_release_n)
{
	setup(mode);
	enum { N = 5 };
	ASSERT_OK(tl_sem_init(&S->sem, su_flags(mode), 0));
	ASSERT_EQ(tl_sem_release(&S->sem, 0), TL_EINVAL);
	ASSERT_EQ(tl_sem_release(&S->sem, -3), TL_EINVAL);
	ASSERT_EQ(tl_sem_value(&S->sem), 0);
	su_task t[N];
	for (int i = 0; i < N; i++)
		t[i] = su_start(mode, acq_once, NULL);
	WAIT_UNTIL(sleepers(&S->sem) == N);
	ASSERT_OK(tl_sem_release(&S->sem, 3));
	WAIT_UNTIL(atomic_load(&S->finished) == 3 && sleepers(&S->sem) == 2);
	ASSERT_EQ(tl_sem_value(&S->sem), 0);
	ASSERT_OK(tl_sem_release(&S->sem, 4));
	for (int i = 0; i < N; i++)
		su_finish(t[i]);
	ASSERT_EQ(atomic_load(&S->finished), N);
	ASSERT_EQ(tl_sem_value(&S->sem), 2);
	return 0;
}

/* Semaphore: releases past the initial value are allowed. */
SU_FLAG_TESTS(sem_release_unacquired)
{
	setup(mode);
	ASSERT_OK(tl_sem_init(&S->sem, su_flags(mode), 1));
	ASSERT_OK(tl_sem_release(&S->sem, 1));
	ASSERT_OK(tl_sem_acquire(&S->sem, true, TL_FOREVER));
	ASSERT_OK(tl_sem_acquire(&S->sem, true, TL_FOREVER));
	ASSERT_OK(tl_sem_release(&S->sem, 1));
	ASSERT_OK(tl_sem_release(&S->sem, 10));
	ASSERT_EQ(tl_sem_value(&S->sem), 11);
	tl_sem_t big;
	ASSERT_OK(tl_sem_init(&big, su_flags(mode), UINT32_MAX));
	ASSERT_EQ(tl_sem_release(&big, 1), TL_EOVERFLOW); /* 32-bit value */
	ASSERT_EQ(tl_sem_value(&big), UINT32_MAX);
	return 0;
}

/* BoundedSemaphore: cannot go past the initial value; state unchanged. */
SU_FLAG_TESTS(bsem_release_unacquired)
{
	setup(mode);
	ASSERT_OK(tl_sem_init_bounded(&S->sem, su_flags(mode), 1));
	ASSERT_EQ(tl_sem_release(&S->sem, 1), TL_EOVERFLOW);
	ASSERT_EQ(tl_sem_value(&S->sem), 1);
	ASSERT_OK(tl_sem_acquire(&S->sem, true, TL_FOREVER));
	ASSERT_OK(tl_sem_release(&S->sem, 1));
	ASSERT_EQ(tl_sem_release(&S->sem, 1), TL_EOVERFLOW);
	ASSERT_EQ(tl_sem_value(&S->sem), 1);

	ASSERT_OK(tl_sem_init_bounded(&S->sem, su_flags(mode), 3));
	ASSERT_OK(tl_sem_acquire(&S->sem, true, TL_FOREVER));
	ASSERT_OK(tl_sem_acquire(&S->sem, true, TL_FOREVER));
	ASSERT_EQ(tl_sem_release(&S->sem, 3), TL_EOVERFLOW); /* 1 + 3 > 3: nothing released */
	ASSERT_EQ(tl_sem_value(&S->sem), 1);
	ASSERT_OK(tl_sem_release(&S->sem, 2));
	ASSERT_EQ(tl_sem_value(&S->sem), 3);
	ASSERT_EQ(tl_sem_release(&S->sem, 1), TL_EOVERFLOW);
	return 0;
}

/* Bounded semaphore shared by many threads: the value never leaves
 * [0, bound] and at most `bound` threads are inside at once. */
enum { BS_BOUND = 2, BS_THREADS = 6, BS_ITERS = 20000 };
static void *bs_worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < BS_ITERS; i++) {
		ASSERT_OK(tl_sem_acquire(&S->sem, true, TL_FOREVER));
		int now = atomic_fetch_add(&S->inside, 1) + 1;
		int m = atomic_load(&S->max_inside);
		while (now > m && !atomic_compare_exchange_weak(&S->max_inside, &m, now))
			;
		atomic_fetch_sub(&S->inside, 1);
		ASSERT_OK(tl_sem_release(&S->sem, 1));
	}
	return NULL;
}

SU_MODE_TESTS(bsem_limits_concurrency)
{
	setup(mode);
	ASSERT_OK(tl_sem_init_bounded(&S->sem, su_flags(mode), BS_BOUND));
	su_run_mode(mode, BS_THREADS, bs_worker, NULL);
	ASSERT_LE(atomic_load(&S->max_inside), BS_BOUND);
	ASSERT_GE(atomic_load(&S->max_inside), 1);
	ASSERT_EQ(tl_sem_value(&S->sem), BS_BOUND);
	ASSERT_EQ(tl_sem_release(&S->sem, 1), TL_EOVERFLOW);
	return 0;
}

/* Producer/consumer over a ring with two semaphores: every item arrives
 * once, in order, and (under TSan) the plain ring slots are race-free. */
enum { ITEMS = 50000 };
static void *producer(void *arg)
{
	(void)arg;
	for (long i = 0; i < ITEMS; i++) {
		ASSERT_OK(tl_sem_acquire(&S->slots, true, TL_FOREVER));
		S->ring[i % RING] = i * 3;
		ASSERT_OK(tl_sem_release(&S->items, 1));
	}
	return NULL;
}

SU_MODE_TESTS(sem_producer_consumer)
{
	setup(mode);
	ASSERT_OK(tl_sem_init(&S->slots, su_flags(mode), RING));
	ASSERT_OK(tl_sem_init(&S->items, su_flags(mode), 0));
	su_task t = su_start(mode, producer, NULL);
	for (long i = 0; i < ITEMS; i++) {
		ASSERT_OK(tl_sem_acquire(&S->items, true, TL_FOREVER));
		ASSERT_EQ(S->ring[i % RING], i * 3);
		ASSERT_OK(tl_sem_release(&S->slots, 1));
	}
	su_finish(t);
	ASSERT_EQ(tl_sem_value(&S->slots), RING);
	ASSERT_EQ(tl_sem_value(&S->items), 0);
	return 0;
}

/* Timed acquirers racing releases: no unit is lost or duplicated. */
static void *timed_taker(void *arg)
{
	(void)arg;
	for (;;) {
		int r = tl_sem_acquire(&S->sem, true, 0.0005);
		if (r == TL_ETIMEDOUT) {
			if (atomic_load(&S->phase))
				return NULL;
			continue;
		}
		ASSERT_OK(r);
		atomic_fetch_add(&S->n_ok, 1);
	}
}

SU_MODE_TESTS(sem_timed_acquire_no_lost_units)
{
	setup(mode);
	enum { T = 3, UNITS = 20000 };
	ASSERT_OK(tl_sem_init(&S->sem, su_flags(mode), 0));
	su_task t[T];
	for (int i = 0; i < T; i++)
		t[i] = su_start(mode, timed_taker, NULL);
	for (int i = 0; i < UNITS; i++)
		ASSERT_OK(tl_sem_release(&S->sem, 1 + (i % 2)));
	WAIT_UNTIL(atomic_load(&S->n_ok) == UNITS + UNITS / 2);
	atomic_store(&S->phase, 1);
	for (int i = 0; i < T; i++)
		su_finish(t[i]);
	ASSERT_EQ(atomic_load(&S->n_ok), UNITS + UNITS / 2);
	ASSERT_EQ(tl_sem_value(&S->sem), 0);
	ASSERT_EQ(sleepers(&S->sem), 0);
	return 0;
}

/* A process killed while it sleeps in acquire: the others go on (its
 * registration as a sleeper stays behind: releases keep making a harmless
 * wake call and destroy reports TL_EBUSY, as documented). */
static void *acquire_forever(void *arg)
{
	(void)arg;
	tl_sem_acquire(&S->sem, true, TL_FOREVER);
	ASSERT(!"acquired");
	return NULL;
}

TEST_IMPL(sem_pshared_dead_sleeper)
{
	SU_SKIP_FORK_UNDER_TSAN();
	setup(SU_PROCESSES);
	ASSERT_OK(tl_sem_init_bounded(&S->sem, TL_PSHARED, 1));
	ASSERT_OK(tl_sem_acquire(&S->sem, true, TL_FOREVER));
	pid_t pid = su_fork(acquire_forever, NULL);
	WAIT_UNTIL(sleepers(&S->sem) == 1);
	ASSERT_OK(kill(pid, SIGKILL));
	su_reap_killed(pid);
	for (int i = 0; i < 100; i++) {
		ASSERT_OK(tl_sem_release(&S->sem, 1));
		ASSERT_EQ(tl_sem_release(&S->sem, 1), TL_EOVERFLOW);
		ASSERT_OK(tl_sem_acquire(&S->sem, true, TL_FOREVER));
	}
	ASSERT_EQ(tl_sem_value(&S->sem), 0);
	su_task t = su_start(SU_PROCESSES, acq_once, NULL);
	WAIT_UNTIL(sleepers(&S->sem) == 2);
	ASSERT_OK(tl_sem_release(&S->sem, 1));
	su_finish(t);
	ASSERT_EQ(sleepers(&S->sem), 1); /* the dead one's */
	ASSERT_EQ(tl_sem_destroy(&S->sem), TL_EBUSY);
	return 0;
}

TEST_LIST_BEGIN
SU_FLAG_ENTRIES(sem_constructor)
SU_FLAG_ENTRIES(sem_acquire)
SU_MODE_ENTRIES(sem_acquire_contended)
SU_FLAG_ENTRIES(sem_try_acquire)
SU_MODE_ENTRIES(sem_try_acquire_contended)
SU_FLAG_ENTRIES(sem_acquire_timeout)
SU_MODE_ENTRIES(sem_default_value_blocks)
SU_MODE_ENTRIES(sem_release_n)
SU_FLAG_ENTRIES(sem_release_unacquired)
SU_FLAG_ENTRIES(bsem_release_unacquired)
SU_MODE_ENTRIES(bsem_limits_concurrency)
SU_MODE_ENTRIES(sem_producer_consumer)
SU_MODE_ENTRIES(sem_timed_acquire_no_lost_units)
TEST_ENTRY(sem_pshared_dead_sleeper)
TEST_LIST_END
