/* threading.Condition semantics, after CPython's Lib/test/lock_tests.py
 * (ConditionTests; ConditionAsRLockTests' acquire part), plus FIFO order,
 * exact notify(n) counts, RLock depth across wait, and stress. */
#include "sync_util.h"
#include "threadlab/condition.h"

#include <math.h>

static tl_cond_t cond;
static tl_lock_t plain;
static atomic_int phase, bad;

static uint32_t nwaiting(void)
{
	return atomic_load(&cond.nwaiters);
}

TEST_IMPL(cond_init_arguments)
{
	tl_cond_t c;
	ASSERT_EQ(tl_cond_init(&c, TL_PRIVATE, 7, NULL), TL_EINVAL);
	ASSERT_EQ(tl_cond_init(&c, 0x40, TL_COND_RLOCK, NULL), TL_EINVAL);
	ASSERT_EQ(tl_cond_init(&c, TL_PSHARED, TL_COND_RLOCK, NULL), TL_EINVAL); /* not yet: issue 9 */
	ASSERT_OK(tl_cond_init(&c, TL_PRIVATE, TL_COND_LOCK, NULL));
	ASSERT_OK(tl_cond_acquire(&c, true, TL_FOREVER));
	ASSERT_EQ(tl_cond_destroy(&c), TL_EBUSY); /* its own lock is held */
	ASSERT_OK(tl_cond_release(&c));
	ASSERT_OK(tl_cond_destroy(&c));
	return 0;
}

TEST_IMPL(cond_acquire)
{
	/* By default a Condition has an RLock: it can be acquired repeatedly. */
	ASSERT_OK(tl_cond_init(&cond, TL_PRIVATE, TL_COND_RLOCK, NULL));
	ASSERT_OK(tl_cond_acquire(&cond, true, TL_FOREVER));
	ASSERT_OK(tl_cond_acquire(&cond, true, TL_FOREVER));
	ASSERT_OK(tl_cond_release(&cond));
	ASSERT_OK(tl_cond_release(&cond));
	ASSERT_EQ(tl_cond_release(&cond), TL_EPERM);
	ASSERT_OK(tl_cond_destroy(&cond));
	/* Over a given Lock, the condition's lock *is* that lock. */
	ASSERT_OK(tl_lock_init(&plain, TL_PRIVATE));
	ASSERT_OK(tl_cond_init(&cond, TL_PRIVATE, TL_COND_LOCK, &plain));
	ASSERT(tl_cond_lock(&cond) == &plain);
	ASSERT_OK(tl_cond_acquire(&cond, true, TL_FOREVER));
	ASSERT_EQ(tl_lock_acquire(&plain, false, TL_FOREVER), TL_EBUSY);
	ASSERT_OK(tl_cond_release(&cond));
	ASSERT_OK(tl_lock_acquire(&plain, false, TL_FOREVER));
	ASSERT_EQ(tl_cond_acquire(&cond, false, TL_FOREVER), TL_EBUSY);
	ASSERT_OK(tl_lock_release(&plain));
	return 0;
}

static bool always_true(void *arg)
{
	(void)arg;
	return true;
}

static bool always_false(void *arg)
{
	(void)arg;
	return false;
}

TEST_IMPL(cond_unacquired_wait_notify)
{
	ASSERT_OK(tl_cond_init(&cond, TL_PRIVATE, TL_COND_RLOCK, NULL));
	ASSERT_EQ(tl_cond_wait(&cond, TL_FOREVER), TL_EPERM);
	ASSERT_EQ(tl_cond_wait(&cond, 0.01), TL_EPERM);
	ASSERT_EQ(tl_cond_notify(&cond, 1), TL_EPERM);
	ASSERT_EQ(tl_cond_notify_all(&cond), TL_EPERM);
	ASSERT_EQ(tl_cond_wait_for(&cond, always_true, NULL, TL_FOREVER), TL_EPERM);
	ASSERT_OK(tl_lock_init(&plain, TL_PRIVATE));
	ASSERT_OK(tl_cond_init(&cond, TL_PRIVATE, TL_COND_LOCK, &plain));
	ASSERT_EQ(tl_cond_wait(&cond, TL_FOREVER), TL_EPERM);
	ASSERT_EQ(tl_cond_notify(&cond, 1), TL_EPERM);
	ASSERT_FALSE(tl_lock_locked(&plain));
	return 0;
}

TEST_IMPL(cond_wait_arguments)
{
	ASSERT_OK(tl_cond_init(&cond, TL_PRIVATE, TL_COND_RLOCK, NULL));
	ASSERT_OK(tl_cond_acquire(&cond, true, TL_FOREVER));
	/* As in Python, a negative timeout (other than TL_FOREVER) or NaN polls. */
	ASSERT_EQ(tl_cond_wait(&cond, -1.5), TL_ETIMEDOUT);
	ASSERT_EQ(tl_cond_wait(&cond, NAN), TL_ETIMEDOUT);
	ASSERT_OK(tl_cond_wait_for(&cond, always_true, NULL, -3));
	ASSERT_EQ(tl_cond_wait_for(&cond, always_false, NULL, -3), TL_ETIMEDOUT);
	ASSERT_TRUE(tl_rlock_is_owned(tl_cond_lock(&cond))); /* still held */
	ASSERT_EQ(tl_cond_wait(&cond, 0.0), TL_ETIMEDOUT);
	ASSERT_EQ(nwaiting(), 0);
	ASSERT_TRUE(tl_rlock_is_owned(tl_cond_lock(&cond)));
	ASSERT_OK(tl_cond_notify(&cond, 1)); /* nobody waits: fine */
	ASSERT_OK(tl_cond_notify(&cond, 0));
	ASSERT_OK(tl_cond_notify(&cond, -1));
	ASSERT_OK(tl_cond_notify_all(&cond));
	ASSERT_OK(tl_cond_release(&cond));
	ASSERT_OK(tl_cond_destroy(&cond));
	return 0;
}

/* CPython's _check_notify: 5 waiters, notify(3), notify(5), notify_all,
 * with the phase each wake-up saw. Waiting for "everyone is in wait()" is
 * observed through the waiter count instead of sleeping. */
enum { N = 5 };
static atomic_int r1[4], r2[4], n1, n2;

static void *notify_worker(void *arg)
{
	(void)arg;
	ASSERT_OK(tl_cond_acquire(&cond, true, TL_FOREVER));
	ASSERT_OK(tl_cond_wait(&cond, TL_FOREVER));
	ASSERT_OK(tl_cond_release(&cond));
	atomic_fetch_add(&r1[atomic_load(&phase)], 1);
	atomic_fetch_add(&n1, 1);
	ASSERT_OK(tl_cond_acquire(&cond, true, TL_FOREVER));
	ASSERT_OK(tl_cond_wait(&cond, TL_FOREVER));
	ASSERT_OK(tl_cond_release(&cond));
	atomic_fetch_add(&r2[atomic_load(&phase)], 1);
	atomic_fetch_add(&n2, 1);
	return NULL;
}

static void check_notify(void)
{
	for (int i = 0; i < 4; i++)
		atomic_store(&r1[i], 0), atomic_store(&r2[i], 0);
	atomic_store(&n1, 0);
	atomic_store(&n2, 0);
	atomic_store(&phase, 0);
	pthread_t t[N];
	for (int i = 0; i < N; i++)
		t[i] = su_spawn(notify_worker, NULL);
	WAIT_UNTIL(nwaiting() == N);
	ASSERT_EQ(atomic_load(&n1), 0);
	/* Notify 3 threads at first. */
	ASSERT_OK(tl_cond_acquire(&cond, true, TL_FOREVER));
	ASSERT_OK(tl_cond_notify(&cond, 3));
	atomic_store(&phase, 1);
	ASSERT_OK(tl_cond_release(&cond));
	WAIT_UNTIL(atomic_load(&n1) == 3 && nwaiting() == N);
	ASSERT_EQ(atomic_load(&r1[1]), 3);
	ASSERT_EQ(atomic_load(&n2), 0);
	/* Notify 5: the 2 first-wait threads (older) and the 3 in their second wait. */
	ASSERT_OK(tl_cond_acquire(&cond, true, TL_FOREVER));
	ASSERT_OK(tl_cond_notify(&cond, 5));
	atomic_store(&phase, 2);
	ASSERT_OK(tl_cond_release(&cond));
	WAIT_UNTIL(atomic_load(&n1) + atomic_load(&n2) == 8 && nwaiting() == 2);
	ASSERT_EQ(atomic_load(&r1[1]), 3);
	ASSERT_EQ(atomic_load(&r1[2]), 2);
	ASSERT_EQ(atomic_load(&r2[2]), 3);
	/* Notify all: the 2 left are in their second wait. */
	ASSERT_OK(tl_cond_acquire(&cond, true, TL_FOREVER));
	ASSERT_OK(tl_cond_notify_all(&cond));
	atomic_store(&phase, 3);
	ASSERT_OK(tl_cond_release(&cond));
	for (int i = 0; i < N; i++)
		su_join(t[i]);
	ASSERT_EQ(atomic_load(&r1[1]), 3);
	ASSERT_EQ(atomic_load(&r1[2]), 2);
	ASSERT_EQ(atomic_load(&r2[2]), 3);
	ASSERT_EQ(atomic_load(&r2[3]), 2);
	ASSERT_EQ(nwaiting(), 0);
}

TEST_IMPL(cond_notify)
{
	ASSERT_OK(tl_cond_init(&cond, TL_PRIVATE, TL_COND_RLOCK, NULL));
	check_notify();
	check_notify(); /* a second time: internal state is still fine */
	ASSERT_OK(tl_cond_destroy(&cond));
	return 0;
}

TEST_IMPL(cond_notify_over_lock)
{
	ASSERT_OK(tl_lock_init(&plain, TL_PRIVATE));
	ASSERT_OK(tl_cond_init(&cond, TL_PRIVATE, TL_COND_LOCK, &plain));
	check_notify();
	ASSERT_OK(tl_cond_destroy(&cond));
	return 0;
}

/* FIFO: notify(k) wakes the k threads that have waited longest. */
enum { F = 6 };
static int order_in[F];   /* ticket -> thread id, written under the lock */
static int n_in;
static atomic_int woken_by_id[F];

static void *fifo_worker(void *arg)
{
	int id = (int)(intptr_t)arg;
	ASSERT_OK(tl_cond_acquire(&cond, true, TL_FOREVER));
	order_in[n_in++] = id;
	ASSERT_OK(tl_cond_wait(&cond, TL_FOREVER));
	atomic_store(&woken_by_id[id], 1);
	ASSERT_OK(tl_cond_release(&cond));
	return NULL;
}

TEST_IMPL(cond_notify_fifo)
{
	ASSERT_OK(tl_cond_init(&cond, TL_PRIVATE, TL_COND_RLOCK, NULL));
	pthread_t t[F];
	for (int i = 0; i < F; i++)
		t[i] = su_spawn(fifo_worker, (void *)(intptr_t)i);
	WAIT_UNTIL(nwaiting() == F);
	int woken = 0;
	for (int k = 1; woken < F; k++) { /* notify 1, 2, 3: oldest first */
		ASSERT_OK(tl_cond_acquire(&cond, true, TL_FOREVER));
		ASSERT_OK(tl_cond_notify(&cond, k));
		ASSERT_OK(tl_cond_release(&cond));
		woken += k;
		WAIT_UNTIL(nwaiting() == (uint32_t)(F - woken));
		for (int i = 0; i < woken; i++)
			WAIT_UNTIL(atomic_load(&woken_by_id[order_in[i]])); /* the oldest `woken` */
		ASSERT_OK(tl_cond_acquire(&cond, true, TL_FOREVER));
		for (int i = woken; i < F; i++)
			ASSERT_EQ(atomic_load(&woken_by_id[order_in[i]]), 0); /* the younger ones still wait */
		ASSERT_OK(tl_cond_release(&cond));
	}
	for (int i = 0; i < F; i++)
		su_join(t[i]);
	return 0;
}

/* notify(n) with fewer waiters wakes them all and saves nothing for later. */
static atomic_int woken;

static void *wait_once(void *arg)
{
	double timeout = *(double *)arg;
	ASSERT_OK(tl_cond_acquire(&cond, true, TL_FOREVER));
	int r = tl_cond_wait(&cond, timeout);
	ASSERT_TRUE(tl_rlock_is_owned(tl_cond_lock(&cond)));
	ASSERT_OK(tl_cond_release(&cond));
	atomic_fetch_add(r == 0 ? &woken : &bad, 1);
	return NULL;
}

TEST_IMPL(cond_notify_exact_counts)
{
	double forever = TL_FOREVER, short_wait = 0.02;
	ASSERT_OK(tl_cond_init(&cond, TL_PRIVATE, TL_COND_RLOCK, NULL));
	pthread_t t[N];
	for (int i = 0; i < N; i++)
		t[i] = su_spawn(wait_once, &forever);
	WAIT_UNTIL(nwaiting() == N);
	ASSERT_OK(tl_cond_acquire(&cond, true, TL_FOREVER));
	ASSERT_OK(tl_cond_notify(&cond, 3));
	ASSERT_EQ(nwaiting(), 2); /* exactly 3 taken off the queue */
	ASSERT_OK(tl_cond_release(&cond));
	WAIT_UNTIL(atomic_load(&woken) == 3);
	ASSERT_OK(tl_cond_acquire(&cond, true, TL_FOREVER));
	ASSERT_EQ(nwaiting(), 2);
	ASSERT_OK(tl_cond_notify(&cond, 10)); /* more than wait */
	ASSERT_OK(tl_cond_release(&cond));
	for (int i = 0; i < N; i++)
		su_join(t[i]);
	ASSERT_EQ(atomic_load(&woken), N);
	ASSERT_EQ(atomic_load(&bad), 0);
	/* The surplus of that notify(10) was not saved: a new waiter times out. */
	su_run(1, wait_once, &short_wait);
	ASSERT_EQ(atomic_load(&bad), 1);
	ASSERT_EQ(atomic_load(&woken), N);
	ASSERT_OK(tl_cond_destroy(&cond));
	return 0;
}

static double min_elapsed = 1e9;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void *timeout_worker(void *arg)
{
	(void)arg;
	ASSERT_OK(tl_cond_acquire(&cond, true, TL_FOREVER));
	double t0 = su_now();
	int r = tl_cond_wait(&cond, 0.05);
	double dt = su_now() - t0;
	ASSERT_TRUE(tl_lock_locked(&plain)); /* lock taken back on timeout */
	ASSERT_OK(tl_cond_release(&cond));
	ASSERT_EQ(r, TL_ETIMEDOUT); /* no spurious wake-ups */
	pthread_mutex_lock(&mu);
	if (dt < min_elapsed)
		min_elapsed = dt;
	pthread_mutex_unlock(&mu);
	return NULL;
}

TEST_IMPL(cond_timeout)
{
	ASSERT_OK(tl_lock_init(&plain, TL_PRIVATE));
	ASSERT_OK(tl_cond_init(&cond, TL_PRIVATE, TL_COND_LOCK, &plain));
	su_run(N, timeout_worker, NULL);
	ASSERT(min_elapsed >= 0.05 - 1e-6);
	ASSERT_EQ(nwaiting(), 0); /* timed-out waiters left the queue */
	ASSERT_FALSE(tl_lock_locked(&plain));
	return 0;
}

static int state;

static bool state_is_4(void *arg)
{
	(void)arg;
	ASSERT_TRUE(tl_rlock_is_owned(tl_cond_lock(&cond))); /* runs under the lock */
	return state == 4;
}

static void *waitfor_worker(void *arg)
{
	double timeout = *(double *)arg;
	ASSERT_OK(tl_cond_acquire(&cond, true, TL_FOREVER));
	int r = tl_cond_wait_for(&cond, state_is_4, NULL, timeout);
	if (timeout == TL_FOREVER) {
		ASSERT_OK(r);
		ASSERT_EQ(state, 4);
	} else {
		ASSERT_EQ(r, TL_ETIMEDOUT);
		ASSERT_EQ(state, 3);
	}
	ASSERT_OK(tl_cond_release(&cond));
	atomic_fetch_add(&woken, 1);
	return NULL;
}

TEST_IMPL(cond_wait_for)
{
	double forever = TL_FOREVER;
	ASSERT_OK(tl_cond_init(&cond, TL_PRIVATE, TL_COND_RLOCK, NULL));
	pthread_t t = su_spawn(waitfor_worker, &forever);
	for (int i = 0; i < 4; i++) {
		WAIT_UNTIL(nwaiting() == 1); /* it is waiting: let it see each value */
		ASSERT_OK(tl_cond_acquire(&cond, true, TL_FOREVER));
		state++;
		ASSERT_OK(tl_cond_notify(&cond, 1));
		ASSERT_OK(tl_cond_release(&cond));
	}
	su_join(t);
	ASSERT_EQ(atomic_load(&woken), 1);
	return 0;
}

TEST_IMPL(cond_wait_for_timeout)
{
	double timeout = 0.1;
	ASSERT_OK(tl_cond_init(&cond, TL_PRIVATE, TL_COND_RLOCK, NULL));
	double t0 = su_now();
	pthread_t t = su_spawn(waitfor_worker, &timeout);
	for (int i = 0; i < 3; i++) { /* only 3 increments: state 4 never comes */
		WAIT_UNTIL(nwaiting() == 1);
		ASSERT_OK(tl_cond_acquire(&cond, true, TL_FOREVER));
		state++;
		ASSERT_OK(tl_cond_notify(&cond, 1));
		ASSERT_OK(tl_cond_release(&cond));
	}
	su_join(t);
	ASSERT(su_now() - t0 >= 0.1 - 1e-6);
	ASSERT_EQ(atomic_load(&woken), 1);
	/* Timeout 0: the predicate's value at once, no wait. */
	ASSERT_OK(tl_cond_acquire(&cond, true, TL_FOREVER));
	ASSERT_EQ(tl_cond_wait_for(&cond, state_is_4, NULL, 0.0), TL_ETIMEDOUT);
	state = 4;
	ASSERT_OK(tl_cond_wait_for(&cond, state_is_4, NULL, 0.0));
	ASSERT_OK(tl_cond_wait_for(&cond, state_is_4, NULL, TL_FOREVER));
	ASSERT_OK(tl_cond_release(&cond));
	return 0;
}

/* wait() releases every level of the RLock and restores the depth. */
static void *notify_when_free(void *arg)
{
	(void)arg;
	WAIT_UNTIL(nwaiting() == 1);
	ASSERT_OK(tl_cond_acquire(&cond, false, TL_FOREVER)); /* free while the owner waits */
	ASSERT_OK(tl_cond_notify(&cond, 1));
	ASSERT_OK(tl_cond_release(&cond));
	return NULL;
}

TEST_IMPL(cond_rlock_depth_across_wait)
{
	ASSERT_OK(tl_cond_init(&cond, TL_PRIVATE, TL_COND_RLOCK, NULL));
	tl_rlock_t *r = tl_cond_lock(&cond);
	for (int i = 0; i < 3; i++)
		ASSERT_OK(tl_cond_acquire(&cond, true, TL_FOREVER));
	pthread_t t = su_spawn(notify_when_free, NULL);
	ASSERT_OK(tl_cond_wait(&cond, TL_FOREVER));
	ASSERT_EQ(tl_rlock_count(r), 3);
	su_join(t);
	for (int i = 0; i < 3; i++)
		ASSERT_OK(tl_cond_release(&cond));
	ASSERT_FALSE(tl_rlock_locked(r));
	return 0;
}

TEST_IMPL(cond_destroy_busy)
{
	double forever = TL_FOREVER;
	ASSERT_OK(tl_cond_init(&cond, TL_PRIVATE, TL_COND_RLOCK, NULL));
	pthread_t t = su_spawn(wait_once, &forever);
	WAIT_UNTIL(nwaiting() == 1);
	ASSERT_EQ(tl_cond_destroy(&cond), TL_EBUSY);
	ASSERT_OK(tl_cond_acquire(&cond, true, TL_FOREVER));
	ASSERT_OK(tl_cond_notify_all(&cond));
	ASSERT_OK(tl_cond_release(&cond));
	su_join(t);
	ASSERT_OK(tl_cond_destroy(&cond));
	return 0;
}

/* A bounded buffer (Python's queue shape) with several producers and
 * consumers and notify(1): every item is consumed exactly once. */
enum { CAP = 4, PRODUCERS = 3, CONSUMERS = 3, PER_PRODUCER = 20000 };
static tl_cond_t not_empty, not_full;
static tl_lock_t qlock;
static long buf[CAP], qhead, qcount, consumed_sum;
static int consumed_n;

static void *bb_producer(void *arg)
{
	long base = (long)(intptr_t)arg * PER_PRODUCER;
	for (long i = 0; i < PER_PRODUCER; i++) {
		ASSERT_OK(tl_lock_acquire(&qlock, true, TL_FOREVER));
		while (qcount == CAP)
			ASSERT_OK(tl_cond_wait(&not_full, TL_FOREVER));
		buf[(qhead + qcount++) % CAP] = base + i;
		ASSERT_OK(tl_cond_notify(&not_empty, 1));
		ASSERT_OK(tl_lock_release(&qlock));
	}
	return NULL;
}

static void *bb_consumer(void *arg)
{
	(void)arg;
	for (;;) {
		ASSERT_OK(tl_lock_acquire(&qlock, true, TL_FOREVER));
		while (qcount == 0 && consumed_n < PRODUCERS * PER_PRODUCER)
			ASSERT_OK(tl_cond_wait(&not_empty, TL_FOREVER));
		if (consumed_n == PRODUCERS * PER_PRODUCER) {
			ASSERT_OK(tl_cond_notify_all(&not_empty)); /* let the others finish */
			ASSERT_OK(tl_lock_release(&qlock));
			return NULL;
		}
		consumed_sum += buf[qhead];
		qhead = (qhead + 1) % CAP;
		qcount--;
		consumed_n++;
		ASSERT_OK(tl_cond_notify(&not_full, 1));
		ASSERT_OK(tl_lock_release(&qlock));
	}
}

TEST_IMPL(cond_bounded_buffer)
{
	ASSERT_OK(tl_lock_init(&qlock, TL_PRIVATE));
	ASSERT_OK(tl_cond_init(&not_empty, TL_PRIVATE, TL_COND_LOCK, &qlock));
	ASSERT_OK(tl_cond_init(&not_full, TL_PRIVATE, TL_COND_LOCK, &qlock));
	pthread_t p[PRODUCERS], c[CONSUMERS];
	for (int i = 0; i < CONSUMERS; i++)
		c[i] = su_spawn(bb_consumer, NULL);
	for (int i = 0; i < PRODUCERS; i++)
		p[i] = su_spawn(bb_producer, (void *)(intptr_t)i);
	for (int i = 0; i < PRODUCERS; i++)
		su_join(p[i]);
	for (int i = 0; i < CONSUMERS; i++)
		su_join(c[i]);
	long n = (long)PRODUCERS * PER_PRODUCER;
	ASSERT_EQ(consumed_n, n);
	ASSERT_EQ(consumed_sum, n * (n - 1) / 2);
	ASSERT_OK(tl_cond_destroy(&not_empty));
	ASSERT_OK(tl_cond_destroy(&not_full));
	return 0;
}

/* Timed waiters racing notifies: every notify(1) is consumed by exactly one
 * waiter that was queued (counted under the lock), none is lost. */
static int tokens, taken;

static void *token_taker(void *arg)
{
	(void)arg;
	ASSERT_OK(tl_cond_acquire(&cond, true, TL_FOREVER));
	while (!atomic_load(&phase) || tokens) {
		if (tokens) {
			tokens--;
			taken++;
			continue;
		}
		int r = tl_cond_wait(&cond, 0.0005);
		ASSERT(r == 0 || r == TL_ETIMEDOUT);
	}
	ASSERT_OK(tl_cond_release(&cond));
	return NULL;
}

TEST_IMPL(cond_timed_waiters_stress)
{
	enum { T = 3, ROUNDS = 20000 };
	ASSERT_OK(tl_cond_init(&cond, TL_PRIVATE, TL_COND_RLOCK, NULL));
	pthread_t t[T];
	for (int i = 0; i < T; i++)
		t[i] = su_spawn(token_taker, NULL);
	for (int i = 0; i < ROUNDS; i++) {
		ASSERT_OK(tl_cond_acquire(&cond, true, TL_FOREVER));
		tokens++;
		ASSERT_OK(tl_cond_notify(&cond, 1));
		ASSERT_OK(tl_cond_release(&cond));
	}
	ASSERT_OK(tl_cond_acquire(&cond, true, TL_FOREVER));
	atomic_store(&phase, 1);
	ASSERT_OK(tl_cond_notify_all(&cond));
	ASSERT_OK(tl_cond_release(&cond));
	for (int i = 0; i < T; i++)
		su_join(t[i]);
	ASSERT_EQ(taken, ROUNDS);
	ASSERT_EQ(nwaiting(), 0);
	ASSERT_OK(tl_cond_destroy(&cond));
	return 0;
}

/* Two threads taking turns through one condition: no lost wake-ups. */
static int turn;
enum { TURNS = 20000 };

static void *turn_taker(void *arg)
{
	int me = (int)(intptr_t)arg;
	for (int i = 0; i < TURNS; i++) {
		ASSERT_OK(tl_cond_acquire(&cond, true, TL_FOREVER));
		while (turn != me)
			ASSERT_OK(tl_cond_wait(&cond, TL_FOREVER));
		turn = 1 - me;
		ASSERT_OK(tl_cond_notify(&cond, 1));
		ASSERT_OK(tl_cond_release(&cond));
	}
	return NULL;
}

TEST_IMPL(cond_ping_pong)
{
	ASSERT_OK(tl_lock_init(&plain, TL_PRIVATE));
	ASSERT_OK(tl_cond_init(&cond, TL_PRIVATE, TL_COND_LOCK, &plain));
	pthread_t a = su_spawn(turn_taker, (void *)0), b = su_spawn(turn_taker, (void *)1);
	su_join(a);
	su_join(b);
	ASSERT_EQ(turn, 0);
	return 0;
}

TEST_LIST_BEGIN
TEST_ENTRY(cond_init_arguments)
TEST_ENTRY(cond_acquire)
TEST_ENTRY(cond_unacquired_wait_notify)
TEST_ENTRY(cond_wait_arguments)
TEST_ENTRY(cond_notify)
TEST_ENTRY(cond_notify_over_lock)
TEST_ENTRY(cond_notify_fifo)
TEST_ENTRY(cond_notify_exact_counts)
TEST_ENTRY(cond_timeout)
TEST_ENTRY(cond_wait_for)
TEST_ENTRY(cond_wait_for_timeout)
TEST_ENTRY(cond_rlock_depth_across_wait)
TEST_ENTRY(cond_destroy_busy)
TEST_ENTRY(cond_bounded_buffer)
TEST_ENTRY(cond_timed_waiters_stress)
TEST_ENTRY(cond_ping_pong)
TEST_LIST_END
