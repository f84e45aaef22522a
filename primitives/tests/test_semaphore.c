/* threading.Semaphore / BoundedSemaphore semantics, after CPython's
 * Lib/test/lock_tests.py (BaseSemaphoreTests, SemaphoreTests,
 * BoundedSemaphoreTests), plus release(n), stress and process-shared. */
#include "sync_util.h"
#include "threadlab/semaphore.h"

#include <math.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static tl_sem_t sem;
static atomic_int phase, n_ok, n_fail, finished;

static uint32_t sleepers(const tl_sem_t *s)
{
	return (uint32_t)(atomic_load(&s->word) >> 32);
}

TEST_IMPL(sem_constructor)
{
	tl_sem_t s;
	ASSERT_EQ(tl_sem_init(&s, TL_PRIVATE, -1), TL_EINVAL);
	ASSERT_EQ(tl_sem_init(&s, TL_PRIVATE, INT64_MIN), TL_EINVAL);
	ASSERT_EQ(tl_sem_init(&s, TL_PRIVATE, (int64_t)UINT32_MAX + 1), TL_EINVAL);
	ASSERT_EQ(tl_sem_init_bounded(&s, TL_PRIVATE, -1), TL_EINVAL);
	ASSERT_EQ(tl_sem_init(&s, 0x80, 1), TL_EINVAL);
	ASSERT_OK(tl_sem_init(&s, TL_PRIVATE, 0));
	ASSERT_EQ(tl_sem_value(&s), 0);
	ASSERT_OK(tl_sem_destroy(&s));
	ASSERT_OK(tl_sem_init_bounded(&s, TL_PRIVATE, 5));
	ASSERT_EQ(tl_sem_value(&s), 5);
	ASSERT_OK(tl_sem_destroy(&s));
	return 0;
}

TEST_IMPL(sem_acquire)
{
	ASSERT_OK(tl_sem_init(&sem, TL_PRIVATE, 1));
	ASSERT_OK(tl_sem_acquire(&sem, true, TL_FOREVER));
	ASSERT_OK(tl_sem_release(&sem, 1));
	ASSERT_OK(tl_sem_init(&sem, TL_PRIVATE, 2));
	ASSERT_OK(tl_sem_acquire(&sem, true, TL_FOREVER));
	ASSERT_OK(tl_sem_acquire(&sem, true, TL_FOREVER));
	ASSERT_EQ(tl_sem_value(&sem), 0);
	ASSERT_OK(tl_sem_release(&sem, 1));
	ASSERT_OK(tl_sem_release(&sem, 1));
	ASSERT_EQ(tl_sem_value(&sem), 2);
	return 0;
}

static atomic_int results1, results2, results[3];

static void *acq_twice(void *arg)
{
	(void)arg;
	ASSERT_OK(tl_sem_acquire(&sem, true, TL_FOREVER));
	atomic_fetch_add(&results[atomic_load(&phase)], 1);
	atomic_fetch_add(&results1, 1);
	ASSERT_OK(tl_sem_acquire(&sem, true, TL_FOREVER));
	atomic_fetch_add(&results[atomic_load(&phase)], 1);
	atomic_fetch_add(&results2, 1);
	return NULL;
}

static int acquired(void)
{
	return atomic_load(&results1) + atomic_load(&results2);
}

/* CPython's test_acquire_contended: with 6 units, 6 of 20 acquires pass;
 * then every release lets exactly one more through. "Everyone who can not
 * pass is asleep" is observed (every unfinished thread counted as a sleeper),
 * not waited for with a sleep. */
TEST_IMPL(sem_acquire_contended)
{
	enum { N = 10 };
	ASSERT_OK(tl_sem_init(&sem, TL_PRIVATE, 7));
	ASSERT_OK(tl_sem_acquire(&sem, true, TL_FOREVER));
	pthread_t t[N];
	for (int i = 0; i < N; i++)
		t[i] = su_spawn(acq_twice, NULL);
	WAIT_UNTIL(acquired() == 6 && sleepers(&sem) == N - (uint32_t)atomic_load(&results2));
	ASSERT_EQ(atomic_load(&results[0]), 6);
	atomic_store(&phase, 1);
	for (int i = 0; i < 7; i++)
		ASSERT_OK(tl_sem_release(&sem, 1));
	WAIT_UNTIL(acquired() == 13 && sleepers(&sem) == N - (uint32_t)atomic_load(&results2));
	ASSERT_EQ(atomic_load(&results[1]), 7);
	atomic_store(&phase, 2);
	for (int i = 0; i < 6; i++)
		ASSERT_OK(tl_sem_release(&sem, 1));
	WAIT_UNTIL(acquired() == 19 && sleepers(&sem) == N - (uint32_t)atomic_load(&results2));
	ASSERT_EQ(atomic_load(&results[2]), 6);
	ASSERT_EQ(tl_sem_acquire(&sem, false, TL_FOREVER), TL_EBUSY); /* still locked */
	ASSERT_EQ(tl_sem_destroy(&sem), TL_EBUSY);                   /* a thread waits */
	ASSERT_OK(tl_sem_release(&sem, 1));
	for (int i = 0; i < N; i++)
		su_join(t[i]);
	ASSERT_EQ(acquired(), 20);
	ASSERT_EQ(tl_sem_value(&sem), 0);
	ASSERT_OK(tl_sem_destroy(&sem));
	return 0;
}

TEST_IMPL(sem_try_acquire)
{
	ASSERT_OK(tl_sem_init(&sem, TL_PRIVATE, 2));
	ASSERT_OK(tl_sem_acquire(&sem, false, TL_FOREVER));
	ASSERT_OK(tl_sem_try_acquire(&sem));
	ASSERT_EQ(tl_sem_acquire(&sem, false, TL_FOREVER), TL_EBUSY);
	ASSERT_OK(tl_sem_release(&sem, 1));
	ASSERT_OK(tl_sem_acquire(&sem, false, TL_FOREVER));
	return 0;
}

static void *try_twice(void *arg)
{
	(void)arg;
	for (int i = 0; i < 2; i++) {
		int r = tl_sem_acquire(&sem, false, TL_FOREVER);
		ASSERT(r == 0 || r == TL_EBUSY);
		atomic_fetch_add(r == 0 ? &n_ok : &n_fail, 1);
	}
	return NULL;
}

TEST_IMPL(sem_try_acquire_contended)
{
	ASSERT_OK(tl_sem_init(&sem, TL_PRIVATE, 4));
	ASSERT_OK(tl_sem_acquire(&sem, true, TL_FOREVER));
	su_run(5, try_twice, NULL);
	ASSERT_EQ(atomic_load(&n_ok), 3);
	ASSERT_EQ(atomic_load(&n_fail), 7);
	return 0;
}

TEST_IMPL(sem_acquire_timeout)
{
	ASSERT_OK(tl_sem_init(&sem, TL_PRIVATE, 2));
	ASSERT_EQ(tl_sem_acquire(&sem, false, 1.0), TL_EINVAL);
	ASSERT_EQ(tl_sem_acquire(&sem, true, -2.0), TL_EINVAL);
	ASSERT_EQ(tl_sem_acquire(&sem, true, NAN), TL_EINVAL);
	ASSERT_EQ(tl_sem_value(&sem), 2);
	ASSERT_OK(tl_sem_acquire(&sem, true, 0.005));
	ASSERT_OK(tl_sem_acquire(&sem, true, 0.005));
	ASSERT_EQ(tl_sem_acquire(&sem, true, 0.005), TL_ETIMEDOUT);
	ASSERT_OK(tl_sem_release(&sem, 1));
	ASSERT_OK(tl_sem_acquire(&sem, true, 0.005));
	double t0 = su_now();
	ASSERT_EQ(tl_sem_acquire(&sem, true, 0.05), TL_ETIMEDOUT);
	ASSERT(su_now() - t0 >= 0.05 - 1e-6);
	ASSERT_EQ(tl_sem_acquire(&sem, true, 0.0), TL_ETIMEDOUT);
	ASSERT_EQ(sleepers(&sem), 0); /* timed-out waiters unregistered */
	ASSERT_OK(tl_sem_destroy(&sem));
	return 0;
}

static void *acq_release(void *arg)
{
	(void)arg;
	ASSERT_OK(tl_sem_acquire(&sem, true, TL_FOREVER));
	ASSERT_OK(tl_sem_release(&sem, 1));
	atomic_fetch_add(&finished, 1);
	return NULL;
}

TEST_IMPL(sem_default_value_blocks)
{
	ASSERT_OK(tl_sem_init(&sem, TL_PRIVATE, 1));
	ASSERT_OK(tl_sem_acquire(&sem, true, TL_FOREVER));
	pthread_t t = su_spawn(acq_release, NULL);
	WAIT_UNTIL(sleepers(&sem) == 1);
	ASSERT_EQ(atomic_load(&finished), 0);
	ASSERT_OK(tl_sem_release(&sem, 1));
	su_join(t);
	ASSERT_EQ(atomic_load(&finished), 1);
	ASSERT_EQ(tl_sem_value(&sem), 1);
	return 0;
}

static void *acq_once(void *arg)
{
	(void)arg;
	ASSERT_OK(tl_sem_acquire(&sem, true, TL_FOREVER));
	atomic_fetch_add(&finished, 1);
	return NULL;
}

/* release(n) lets exactly n waiters through. */
TEST_IMPL(sem_release_n)
{
	enum { N = 5 };
	ASSERT_OK(tl_sem_init(&sem, TL_PRIVATE, 0));
	ASSERT_EQ(tl_sem_release(&sem, 0), TL_EINVAL);
	ASSERT_EQ(tl_sem_release(&sem, -3), TL_EINVAL);
	ASSERT_EQ(tl_sem_value(&sem), 0);
	pthread_t t[N];
	for (int i = 0; i < N; i++)
		t[i] = su_spawn(acq_once, NULL);
	WAIT_UNTIL(sleepers(&sem) == N);
	ASSERT_OK(tl_sem_release(&sem, 3));
	WAIT_UNTIL(atomic_load(&finished) == 3 && sleepers(&sem) == 2);
	ASSERT_EQ(tl_sem_value(&sem), 0);
	ASSERT_OK(tl_sem_release(&sem, 4));
	for (int i = 0; i < N; i++)
		su_join(t[i]);
	ASSERT_EQ(atomic_load(&finished), N);
	ASSERT_EQ(tl_sem_value(&sem), 2);
	return 0;
}

/* Semaphore: releases past the initial value are allowed. */
TEST_IMPL(sem_release_unacquired)
{
	ASSERT_OK(tl_sem_init(&sem, TL_PRIVATE, 1));
	ASSERT_OK(tl_sem_release(&sem, 1));
	ASSERT_OK(tl_sem_acquire(&sem, true, TL_FOREVER));
	ASSERT_OK(tl_sem_acquire(&sem, true, TL_FOREVER));
	ASSERT_OK(tl_sem_release(&sem, 1));
	ASSERT_OK(tl_sem_release(&sem, 10));
	ASSERT_EQ(tl_sem_value(&sem), 11);
	tl_sem_t big;
	ASSERT_OK(tl_sem_init(&big, TL_PRIVATE, UINT32_MAX));
	ASSERT_EQ(tl_sem_release(&big, 1), TL_EOVERFLOW); /* 32-bit value */
	ASSERT_EQ(tl_sem_value(&big), UINT32_MAX);
	return 0;
}

/* BoundedSemaphore: cannot go past the initial value; state unchanged. */
TEST_IMPL(bsem_release_unacquired)
{
	ASSERT_OK(tl_sem_init_bounded(&sem, TL_PRIVATE, 1));
	ASSERT_EQ(tl_sem_release(&sem, 1), TL_EOVERFLOW);
	ASSERT_EQ(tl_sem_value(&sem), 1);
	ASSERT_OK(tl_sem_acquire(&sem, true, TL_FOREVER));
	ASSERT_OK(tl_sem_release(&sem, 1));
	ASSERT_EQ(tl_sem_release(&sem, 1), TL_EOVERFLOW);
	ASSERT_EQ(tl_sem_value(&sem), 1);

	ASSERT_OK(tl_sem_init_bounded(&sem, TL_PRIVATE, 3));
	ASSERT_OK(tl_sem_acquire(&sem, true, TL_FOREVER));
	ASSERT_OK(tl_sem_acquire(&sem, true, TL_FOREVER));
	ASSERT_EQ(tl_sem_release(&sem, 3), TL_EOVERFLOW); /* 1 + 3 > 3: nothing released */
	ASSERT_EQ(tl_sem_value(&sem), 1);
	ASSERT_OK(tl_sem_release(&sem, 2));
	ASSERT_EQ(tl_sem_value(&sem), 3);
	ASSERT_EQ(tl_sem_release(&sem, 1), TL_EOVERFLOW);
	return 0;
}

/* Bounded semaphore shared by many threads: the value never leaves
 * [0, bound] and at most `bound` threads are inside at once. */
enum { BS_BOUND = 2, BS_THREADS = 6, BS_ITERS = 20000 };
static atomic_int inside, max_inside;

static void *bs_worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < BS_ITERS; i++) {
		ASSERT_OK(tl_sem_acquire(&sem, true, TL_FOREVER));
		int now = atomic_fetch_add(&inside, 1) + 1;
		int m = atomic_load(&max_inside);
		while (now > m && !atomic_compare_exchange_weak(&max_inside, &m, now))
			;
		atomic_fetch_sub(&inside, 1);
		ASSERT_OK(tl_sem_release(&sem, 1));
	}
	return NULL;
}

TEST_IMPL(bsem_limits_concurrency)
{
	ASSERT_OK(tl_sem_init_bounded(&sem, TL_PRIVATE, BS_BOUND));
	su_run(BS_THREADS, bs_worker, NULL);
	ASSERT_LE(atomic_load(&max_inside), BS_BOUND);
	ASSERT_GE(atomic_load(&max_inside), 1);
	ASSERT_EQ(tl_sem_value(&sem), BS_BOUND);
	ASSERT_EQ(tl_sem_release(&sem, 1), TL_EOVERFLOW);
	return 0;
}

/* Producer/consumer over a ring with two semaphores: every item arrives
 * once, in order, and (under TSan) the plain ring slots are race-free. */
enum { RING = 8, ITEMS = 50000 };
static tl_sem_t slots, items;
static long ring[RING];

static void *producer(void *arg)
{
	(void)arg;
	for (long i = 0; i < ITEMS; i++) {
		ASSERT_OK(tl_sem_acquire(&slots, true, TL_FOREVER));
		ring[i % RING] = i * 3;
		ASSERT_OK(tl_sem_release(&items, 1));
	}
	return NULL;
}

TEST_IMPL(sem_producer_consumer)
{
	ASSERT_OK(tl_sem_init(&slots, TL_PRIVATE, RING));
	ASSERT_OK(tl_sem_init(&items, TL_PRIVATE, 0));
	pthread_t t = su_spawn(producer, NULL);
	for (long i = 0; i < ITEMS; i++) {
		ASSERT_OK(tl_sem_acquire(&items, true, TL_FOREVER));
		ASSERT_EQ(ring[i % RING], i * 3);
		ASSERT_OK(tl_sem_release(&slots, 1));
	}
	su_join(t);
	ASSERT_EQ(tl_sem_value(&slots), RING);
	ASSERT_EQ(tl_sem_value(&items), 0);
	return 0;
}

/* Timed acquirers racing releases: no unit is lost or duplicated. */
static void *timed_taker(void *arg)
{
	(void)arg;
	for (;;) {
		int r = tl_sem_acquire(&sem, true, 0.0005);
		if (r == TL_ETIMEDOUT) {
			if (atomic_load(&phase))
				return NULL;
			continue;
		}
		ASSERT_OK(r);
		atomic_fetch_add(&n_ok, 1);
	}
}

TEST_IMPL(sem_timed_acquire_no_lost_units)
{
	enum { T = 3, UNITS = 20000 };
	ASSERT_OK(tl_sem_init(&sem, TL_PRIVATE, 0));
	pthread_t t[T];
	for (int i = 0; i < T; i++)
		t[i] = su_spawn(timed_taker, NULL);
	for (int i = 0; i < UNITS; i++)
		ASSERT_OK(tl_sem_release(&sem, 1 + (i % 2)));
	WAIT_UNTIL(atomic_load(&n_ok) == UNITS + UNITS / 2);
	atomic_store(&phase, 1);
	for (int i = 0; i < T; i++)
		su_join(t[i]);
	ASSERT_EQ(atomic_load(&n_ok), UNITS + UNITS / 2);
	ASSERT_EQ(tl_sem_value(&sem), 0);
	ASSERT_EQ(sleepers(&sem), 0);
	return 0;
}

TEST_IMPL(sem_pshared_across_fork)
{
	struct shared {
		tl_sem_t ping, pong;
		long data;
	} *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT(sh != MAP_FAILED);
	ASSERT_OK(tl_sem_init(&sh->ping, TL_PSHARED, 0));
	ASSERT_OK(tl_sem_init(&sh->pong, TL_PSHARED, 0));
	sh->data = 0;
	enum { ROUNDS = 5000 };
	pid_t pid = fork();
	ASSERT(pid >= 0);
	if (pid == 0) {
		for (int i = 0; i < ROUNDS; i++) {
			if (tl_sem_acquire(&sh->ping, true, TL_FOREVER) || sh->data != 2L * i + 1)
				_exit(3);
			sh->data++;
			tl_sem_release(&sh->pong, 1);
		}
		_exit(0);
	}
	for (int i = 0; i < ROUNDS; i++) {
		sh->data++;
		ASSERT_OK(tl_sem_release(&sh->ping, 1));
		ASSERT_OK(tl_sem_acquire(&sh->pong, true, TL_FOREVER));
		ASSERT_EQ(sh->data, 2L * i + 2);
	}
	int status;
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT(WIFEXITED(status));
	ASSERT_EQ(WEXITSTATUS(status), 0);
	munmap(sh, sizeof *sh);
	return 0;
}

TEST_LIST_BEGIN
TEST_ENTRY(sem_constructor)
TEST_ENTRY(sem_acquire)
TEST_ENTRY(sem_acquire_contended)
TEST_ENTRY(sem_try_acquire)
TEST_ENTRY(sem_try_acquire_contended)
TEST_ENTRY(sem_acquire_timeout)
TEST_ENTRY(sem_default_value_blocks)
TEST_ENTRY(sem_release_n)
TEST_ENTRY(sem_release_unacquired)
TEST_ENTRY(bsem_release_unacquired)
TEST_ENTRY(bsem_limits_concurrency)
TEST_ENTRY(sem_producer_consumer)
TEST_ENTRY(sem_timed_acquire_no_lost_units)
TEST_ENTRY(sem_pshared_across_fork)
TEST_LIST_END
