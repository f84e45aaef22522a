/* CPython behaviours issue 13 pinned down where threadlab used to differ,
 * one test each, after Lib/test/lock_tests.py (ConditionTests),
 * test_threading.py and test_concurrent_futures. The per-primitive files
 * test the rest; these are the cross-cutting rules:
 *   - Condition.wait_for calls the predicate first, whoever holds the lock,
 *     returns a true value at once, raises only when it must wait without
 *     the lock, and returns the predicate's last value (private and
 *     process-shared conditions: the same code path).
 *   - a negative timeout means what it means in CPython, call by call:
 *     rejected (Lock/RLock.acquire, Queue.get/put), clamped to 0
 *     (Thread.join), or a poll (every Condition-based wait).
 * No sleeps: "has to wait" is a timeout of 0 or less, and the notifier's
 * result is the same whichever thread runs first. */
#include "sync_util.h"
#include "threadlab/threadlab.h"

#include <math.h>

static struct shared {
	tl_cond_t cond;
	tl_lock_t lock;
	atomic_int calls; /* predicate calls */
	int state;        /* guarded by cond's lock */
	int answer;       /* what the constant predicate returns */
} *S;

static void setup(void)
{
	S = su_map(sizeof *S);
}

static int constant(void *arg)
{
	(void)arg;
	atomic_fetch_add(&S->calls, 1);
	return S->answer;
}

/* CPython's Condition.wait_for: `result = predicate(); while not result:
 * ... self.wait(waittime); result = predicate()` — no ownership check of
 * its own, so a true predicate returns without the lock. */
static void wait_for_first_call(int flags, int kind)
{
	void *lock = NULL;
	if (kind == TL_COND_LOCK) {
		ASSERT_OK(tl_lock_init(&S->lock, flags));
		lock = &S->lock;
	}
	ASSERT_OK(tl_cond_init(&S->cond, flags, kind, lock));

	/* not held, predicate true: its value, one call, nothing waited */
	S->answer = 42;
	atomic_store(&S->calls, 0);
	int v = -1;
	ASSERT_OK(tl_cond_wait_for(&S->cond, constant, NULL, TL_FOREVER, &v));
	ASSERT_EQ(v, 42);
	ASSERT_EQ(atomic_load(&S->calls), 1);
	ASSERT_OK(tl_cond_wait_for(&S->cond, constant, NULL, 0, NULL));

	/* not held, predicate false: the wait raises (TL_EPERM) after the
	 * first call; the lock is not taken */
	S->answer = 0;
	atomic_store(&S->calls, 0);
	ASSERT_EQ(tl_cond_wait_for(&S->cond, constant, NULL, TL_FOREVER, &v), TL_EPERM);
	ASSERT_EQ(atomic_load(&S->calls), 1);
	ASSERT_EQ(tl_cond_wait_for(&S->cond, constant, NULL, 0.0, NULL), TL_EPERM);
	ASSERT_OK(tl_cond_acquire(&S->cond, false, TL_FOREVER)); /* was free */

	/* held, still false at the deadline: one wait (a poll), two calls,
	 * the last value (0) handed back, the lock still held */
	for (int i = 0; i < 2; i++) {
		double timeout = i == 0 ? 0.0 : -1.5; /* a negative one polls too */
		atomic_store(&S->calls, 0);
		v = -1;
		ASSERT_EQ(tl_cond_wait_for(&S->cond, constant, NULL, timeout, &v), TL_ETIMEDOUT);
		ASSERT_EQ(v, 0);
		ASSERT_EQ(atomic_load(&S->calls), 2);
	}
	/* held, true: any truthy int comes back as is */
	S->answer = -7;
	ASSERT_OK(tl_cond_wait_for(&S->cond, constant, NULL, 0.0, &v));
	ASSERT_EQ(v, -7);
	ASSERT_OK(tl_cond_release(&S->cond));
	ASSERT_EQ(tl_cond_release(&S->cond), TL_EPERM); /* released exactly once */

	ASSERT_OK(tl_cond_destroy(&S->cond));
	if (lock)
		ASSERT_OK(tl_lock_destroy(&S->lock));
}

SU_FLAG_TESTS(wait_for_calls_predicate_first)
{
	setup();
	wait_for_first_call(su_flags(mode), TL_COND_RLOCK);
	wait_for_first_call(su_flags(mode), TL_COND_LOCK);
	return 0;
}

/* lock_tests.ConditionTests.test_waitfor: wait_for returns the predicate's
 * value once it turns true; here the value itself (state * 10), which the
 * waiter gets whether it had to sleep or the notifier finished first. */
static int state_times_ten(void *arg)
{
	(void)arg;
	return S->state >= 3 ? S->state * 10 : 0;
}

static void *bump_state(void *arg)
{
	(void)arg;
	for (int i = 0; i < 3; i++) {
		ASSERT_OK(tl_cond_acquire(&S->cond, true, TL_FOREVER));
		S->state++;
		ASSERT_OK(tl_cond_notify_all(&S->cond));
		ASSERT_OK(tl_cond_release(&S->cond));
	}
	return NULL;
}

SU_FLAG_TESTS(wait_for_returns_last_value)
{
	setup();
	ASSERT_OK(tl_cond_init(&S->cond, su_flags(mode), TL_COND_RLOCK, NULL));
	S->state = 0;
	ASSERT_OK(tl_cond_acquire(&S->cond, true, TL_FOREVER));
	pthread_t t = su_spawn(bump_state, NULL);
	int v = 0;
	ASSERT_OK(tl_cond_wait_for(&S->cond, state_times_ten, NULL, TL_FOREVER, &v));
	ASSERT_EQ(v, 30);
	ASSERT_EQ(S->state, 3);
	ASSERT_OK(tl_cond_release(&S->cond));
	ASSERT_OK(pthread_join(t, NULL));
	ASSERT_OK(tl_cond_destroy(&S->cond));
	return 0;
}

/* ---- negative timeouts, call by call ---- */

static void park(void *arg)
{
	tl_event_wait(arg, TL_FOREVER);
}

TEST_IMPL(negative_timeout_rejected)
{
	/* lock_tests: `self.assertRaises(ValueError, lock.acquire, timeout=-100)`;
	 * test_queue: `q.get(timeout=-1)` / put raise ValueError */
	tl_lock_t l;
	tl_rlock_t r;
	tl_queue_t q;
	tl_simplequeue_t sq;
	void *item;
	ASSERT_OK(tl_lock_init(&l, TL_PRIVATE));
	ASSERT_OK(tl_rlock_init(&r, TL_PRIVATE));
	ASSERT_OK(tl_queue_init(&q, TL_QUEUE_FIFO, 1));
	ASSERT_OK(tl_simplequeue_init(&sq));
	ASSERT_EQ(tl_lock_acquire(&l, true, -100), TL_EINVAL);
	ASSERT_EQ(tl_lock_acquire(&l, false, 1.0), TL_EINVAL); /* blocking=False with a timeout */
	ASSERT_EQ(tl_rlock_acquire(&r, true, -100), TL_EINVAL);
	ASSERT_EQ(tl_queue_get(&q, &item, true, -1.5), TL_EINVAL);
	ASSERT_EQ(tl_queue_put(&q, NULL, true, -1.5), TL_EINVAL);
	ASSERT_EQ(tl_simplequeue_get(&sq, &item, true, -1.5), TL_EINVAL);
	ASSERT_FALSE(tl_lock_locked(&l));
	ASSERT_EQ(tl_queue_qsize(&q), 0);
	ASSERT_OK(tl_simplequeue_destroy(&sq));
	ASSERT_OK(tl_queue_destroy(&q));
	ASSERT_OK(tl_rlock_destroy(&r));
	ASSERT_OK(tl_lock_destroy(&l));
	return 0;
}

TEST_IMPL(negative_timeout_join_clamps)
{
	/* Thread.join(timeout): `self._wait_for_tstate_lock(timeout=max(timeout, 0))` */
	tl_event_t ev;
	tl_thread_t t;
	ASSERT_OK(tl_event_init(&ev, TL_PRIVATE));
	ASSERT_OK(tl_thread_init(&t, park, &ev, NULL));
	ASSERT_OK(tl_thread_start(&t));
	ASSERT_EQ(tl_thread_join(&t, -1.5), TL_ETIMEDOUT); /* one check, still alive */
	ASSERT_TRUE(tl_thread_is_alive(&t));
	ASSERT_EQ(tl_thread_join(&t, NAN), TL_EINVAL);
	ASSERT_OK(tl_event_set(&ev));
	ASSERT_OK(tl_thread_join(&t, TL_FOREVER));
	ASSERT_OK(tl_thread_join(&t, -1.5)); /* finished: returns at once */
	ASSERT_OK(tl_event_destroy(&ev));
	return 0;
}

TEST_IMPL(negative_timeout_condition_waits_poll)
{
	/* Every CPython wait built on Condition.wait turns timeout <= 0 into a
	 * non-blocking attempt: False / TimeoutError, never ValueError. */
	const double neg = -0.5;
	tl_event_t ev;
	ASSERT_OK(tl_event_init(&ev, TL_PRIVATE));
	ASSERT_EQ(tl_event_wait(&ev, neg), TL_ETIMEDOUT);
	ASSERT_OK(tl_event_set(&ev));
	ASSERT_OK(tl_event_wait(&ev, neg));
	ASSERT_OK(tl_event_destroy(&ev));

	tl_cond_t c;
	ASSERT_OK(tl_cond_init(&c, TL_PRIVATE, TL_COND_RLOCK, NULL));
	ASSERT_OK(tl_cond_acquire(&c, true, TL_FOREVER));
	ASSERT_EQ(tl_cond_wait(&c, neg), TL_ETIMEDOUT);
	ASSERT_OK(tl_cond_release(&c));
	ASSERT_OK(tl_cond_destroy(&c));

	tl_sem_t s; /* Semaphore.acquire waits on its Condition */
	ASSERT_OK(tl_sem_init(&s, TL_PRIVATE, 1));
	ASSERT_OK(tl_sem_acquire(&s, true, neg));
	ASSERT_EQ(tl_sem_acquire(&s, true, neg), TL_ETIMEDOUT);
	ASSERT_OK(tl_sem_destroy(&s));

	tl_barrier_t b; /* Barrier.wait: wait_for; the last party never waits */
	ASSERT_OK(tl_barrier_init(&b, TL_PRIVATE, 1, NULL, NULL, TL_FOREVER));
	int idx = -1;
	ASSERT_OK(tl_barrier_wait(&b, neg, &idx));
	ASSERT_EQ(idx, 0);
	ASSERT_OK(tl_barrier_destroy(&b));

	tl_future_t *f, *g;
	ASSERT_OK(tl_future_create(&f));
	ASSERT_OK(tl_future_create(&g));
	ASSERT_OK(tl_future_set_result(g, NULL));
	void *v;
	tl_future_error_t e;
	ASSERT_EQ(tl_future_result(f, neg, &v), TL_ETIMEDOUT);
	ASSERT_EQ(tl_future_exception(f, neg, &e), TL_ETIMEDOUT);
	ASSERT_OK(tl_future_result(g, neg, &v));
	tl_future_t *fs[] = { f, g }, *done[2], *not_done[2];
	size_t nd, nnd;
	ASSERT_OK(tl_futures_wait(fs, 2, neg, TL_ALL_COMPLETED, done, &nd, not_done, &nnd));
	ASSERT_EQ(nd, 1);
	ASSERT(done[0] == g);
	ASSERT_EQ(nnd, 1);
	ASSERT(not_done[0] == f);
	tl_as_completed_t *it;
	tl_future_t *got;
	ASSERT_OK(tl_as_completed_create(&it, fs, 2, neg));
	ASSERT_OK(tl_as_completed_next(it, &got));
	ASSERT(got == g);
	ASSERT_EQ(tl_as_completed_next(it, &got), TL_ETIMEDOUT);
	ASSERT_OK(tl_as_completed_destroy(it));
	ASSERT_OK(tl_future_cancel(f));
	ASSERT_OK(tl_future_unref(f));
	ASSERT_OK(tl_future_unref(g));
	return 0;
}

TEST_LIST_BEGIN
SU_FLAG_ENTRIES(wait_for_calls_predicate_first)
SU_FLAG_ENTRIES(wait_for_returns_last_value)
TEST_ENTRY(negative_timeout_rejected)
TEST_ENTRY(negative_timeout_join_clamps)
TEST_ENTRY(negative_timeout_condition_waits_poll)
TEST_LIST_END
