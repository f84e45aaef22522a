/* threading.Condition semantics, after CPython's Lib/test/lock_tests.py
 * (ConditionTests; ConditionAsRLockTests' acquire part), plus FIFO order,
 * exact notify(n) counts, RLock depth across wait, and stress; each
 * scenario with threads, with TL_PSHARED objects and threads, and with
 * forked processes over a shared mapping (sync_util.h). Then what only a
 * process-shared Condition has: the waiter table's limit, a lock holder
 * that dies (TL_EOWNERDEAD from wait), a table left half updated, a waiter
 * that dies. */
#include "sync_util.h"
#include "threadlab/condition.h"

#include <fcntl.h>
#include <math.h>
#include <spawn.h>

extern char **environ;

enum { N = 5, F = 6, CAP = 4, PRODUCERS = 3, CONSUMERS = 3, PER_PRODUCER = 20000 };

static struct cv_shared {
	tl_cond_t cond;
	tl_lock_t plain;
	atomic_int phase, bad, woken, n1, n2, r1[4], r2[4];
	int order_in[F], n_in; /* under the lock */
	atomic_int woken_by_id[F];
	int state;             /* under the lock */
	double timeout;
	/* bounded buffer */
	tl_cond_t not_empty, not_full;
	tl_lock_t qlock;
	long buf[CAP], qhead, qcount, consumed_sum;
	int consumed_n;
	int tokens, taken, turn;
} *S;
static int g_mode;

static void setup(int mode)
{
	g_mode = mode;
	S = su_map(sizeof *S);
}

static void init_rlock_cond(void)
{
	ASSERT_OK(tl_cond_init(&S->cond, su_flags(g_mode), TL_COND_RLOCK, NULL));
}

static void init_lock_cond(void)
{
	ASSERT_OK(tl_lock_init(&S->plain, su_flags(g_mode)));
	ASSERT_OK(tl_cond_init(&S->cond, su_flags(g_mode), TL_COND_LOCK, &S->plain));
}

static uint32_t nwaiting(void)
{
	return atomic_load(&S->cond.nwaiters);
}

/* "Holding" the condition's lock: an RLock is owned by this thread, a Lock
 * (no owner) is locked. */
static bool holds(void)
{
	return S->cond.kind == TL_COND_LOCK ? tl_lock_locked(tl_cond_lock(&S->cond))
					    : tl_rlock_is_owned(tl_cond_lock(&S->cond));
}

SU_FLAG_TESTS(cond_init_arguments)
{
	setup(mode);
	int flags = su_flags(mode);
	tl_cond_t *c = &S->cond;
	ASSERT_EQ(tl_cond_init(c, flags, 7, NULL), TL_EINVAL);
	ASSERT_EQ(tl_cond_init(c, flags | 0x40, TL_COND_RLOCK, NULL), TL_EINVAL);
	ASSERT_OK(tl_cond_init(c, flags, TL_COND_LOCK, NULL));
	ASSERT_OK(tl_cond_acquire(c, true, TL_FOREVER));
	ASSERT_EQ(tl_cond_destroy(c), TL_EBUSY); /* its own lock is held */
	ASSERT_OK(tl_cond_release(c));
	ASSERT_OK(tl_cond_destroy(c));
	/* A process-shared condition needs a process-shared lock. */
	tl_lock_t priv;
	tl_rlock_t rpriv;
	ASSERT_OK(tl_lock_init(&priv, TL_PRIVATE));
	ASSERT_OK(tl_rlock_init(&rpriv, TL_PRIVATE));
	ASSERT_EQ(tl_cond_init(c, TL_PSHARED, TL_COND_LOCK, &priv), TL_EINVAL);
	ASSERT_EQ(tl_cond_init(c, TL_PSHARED, TL_COND_RLOCK, &rpriv), TL_EINVAL);
	ASSERT_OK(tl_lock_init(&S->plain, TL_PSHARED));
	ASSERT_OK(tl_cond_init(c, flags, TL_COND_LOCK, &S->plain)); /* a private one may use it */
	ASSERT_OK(tl_cond_destroy(c));
	ASSERT_EQ(tl_cond_consistent(c), TL_EINVAL); /* nothing was taken over */
	return 0;
}

SU_FLAG_TESTS(cond_acquire)
{
	setup(mode);
	/* By default a Condition has an RLock: it can be acquired repeatedly. */
	init_rlock_cond();
	ASSERT_OK(tl_cond_acquire(&S->cond, true, TL_FOREVER));
	ASSERT_OK(tl_cond_acquire(&S->cond, true, TL_FOREVER));
	ASSERT_OK(tl_cond_release(&S->cond));
	ASSERT_OK(tl_cond_release(&S->cond));
	ASSERT_EQ(tl_cond_release(&S->cond), TL_EPERM);
	ASSERT_OK(tl_cond_destroy(&S->cond));
	/* Over a given Lock, the condition's lock *is* that lock. */
	init_lock_cond();
	tl_lock_t *plain = &S->plain;
	ASSERT(tl_cond_lock(&S->cond) == plain);
	ASSERT_OK(tl_cond_acquire(&S->cond, true, TL_FOREVER));
	ASSERT_EQ(tl_lock_acquire(plain, false, TL_FOREVER), TL_EBUSY);
	ASSERT_OK(tl_cond_release(&S->cond));
	ASSERT_OK(tl_lock_acquire(plain, false, TL_FOREVER));
	ASSERT_EQ(tl_cond_acquire(&S->cond, false, TL_FOREVER), TL_EBUSY);
	ASSERT_OK(tl_lock_release(plain));
	return 0;
}

static int always_true(void *arg)
{
	(void)arg;
	return true;
}

static int always_false(void *arg)
{
	(void)arg;
	return false;
}

SU_FLAG_TESTS(cond_unacquired_wait_notify)
{
	setup(mode);
	init_rlock_cond();
	ASSERT_EQ(tl_cond_wait(&S->cond, TL_FOREVER), TL_EPERM);
	ASSERT_EQ(tl_cond_wait(&S->cond, 0.01), TL_EPERM);
	ASSERT_EQ(tl_cond_notify(&S->cond, 1), TL_EPERM);
	ASSERT_EQ(tl_cond_notify_all(&S->cond), TL_EPERM);
	/* CPython: wait_for calls the predicate first and returns a true value
	 * whoever holds the lock; only a wait needs it. */
	int v = -1;
	ASSERT_OK(tl_cond_wait_for(&S->cond, always_true, NULL, TL_FOREVER, &v));
	ASSERT_EQ(v, 1);
	ASSERT_EQ(tl_cond_wait_for(&S->cond, always_false, NULL, TL_FOREVER, NULL), TL_EPERM);
	ASSERT_EQ(tl_cond_wait_for(&S->cond, always_false, NULL, 0, NULL), TL_EPERM);
	init_lock_cond();
	ASSERT_EQ(tl_cond_wait(&S->cond, TL_FOREVER), TL_EPERM);
	ASSERT_EQ(tl_cond_notify(&S->cond, 1), TL_EPERM);
	ASSERT_FALSE(tl_lock_locked(&S->plain));
	return 0;
}

SU_FLAG_TESTS(cond_wait_arguments)
{
	setup(mode);
	init_rlock_cond();
	ASSERT_OK(tl_cond_acquire(&S->cond, true, TL_FOREVER));
	/* As in Python, a negative timeout (other than TL_FOREVER) or NaN polls. */
	ASSERT_EQ(tl_cond_wait(&S->cond, -1.5), TL_ETIMEDOUT);
	ASSERT_EQ(tl_cond_wait(&S->cond, NAN), TL_ETIMEDOUT);
	ASSERT_OK(tl_cond_wait_for(&S->cond, always_true, NULL, -3, NULL));
	ASSERT_EQ(tl_cond_wait_for(&S->cond, always_false, NULL, -3, NULL), TL_ETIMEDOUT);
	ASSERT_TRUE(holds()); /* still held */
	ASSERT_EQ(tl_cond_wait(&S->cond, 0.0), TL_ETIMEDOUT);
	ASSERT_EQ(nwaiting(), 0);
	ASSERT_TRUE(holds());
	ASSERT_OK(tl_cond_notify(&S->cond, 1)); /* nobody waits: fine */
	ASSERT_OK(tl_cond_notify(&S->cond, 0));
	ASSERT_OK(tl_cond_notify(&S->cond, -1));
	ASSERT_OK(tl_cond_notify_all(&S->cond));
	ASSERT_OK(tl_cond_release(&S->cond));
	ASSERT_OK(tl_cond_destroy(&S->cond));
	return 0;
}

/* CPython's _check_notify: 5 waiters, notify(3), notify(5), notify_all,
 * with the phase each wake-up saw. Waiting for "everyone is in wait()" is
 * observed through the waiter count instead of sleeping. */
static void *notify_worker(void *arg)
{
	(void)arg;
	ASSERT_OK(tl_cond_acquire(&S->cond, true, TL_FOREVER));
	ASSERT_OK(tl_cond_wait(&S->cond, TL_FOREVER));
	ASSERT_OK(tl_cond_release(&S->cond));
	atomic_fetch_add(&S->r1[atomic_load(&S->phase)], 1);
	atomic_fetch_add(&S->n1, 1);
	ASSERT_OK(tl_cond_acquire(&S->cond, true, TL_FOREVER));
	ASSERT_OK(tl_cond_wait(&S->cond, TL_FOREVER));
	ASSERT_OK(tl_cond_release(&S->cond));
	atomic_fetch_add(&S->r2[atomic_load(&S->phase)], 1);
	atomic_fetch_add(&S->n2, 1);
	return NULL;
}

static void check_notify(void)
{
	for (int i = 0; i < 4; i++)
		atomic_store(&S->r1[i], 0), atomic_store(&S->r2[i], 0);
	atomic_store(&S->n1, 0);
	atomic_store(&S->n2, 0);
	atomic_store(&S->phase, 0);
	su_task t[N];
	for (int i = 0; i < N; i++)
		t[i] = su_start(g_mode, notify_worker, NULL);
	WAIT_UNTIL(nwaiting() == N);
	ASSERT_EQ(atomic_load(&S->n1), 0);
	/* Notify 3 at first. */
	ASSERT_OK(tl_cond_acquire(&S->cond, true, TL_FOREVER));
	ASSERT_OK(tl_cond_notify(&S->cond, 3));
	atomic_store(&S->phase, 1);
	ASSERT_OK(tl_cond_release(&S->cond));
	WAIT_UNTIL(atomic_load(&S->n1) == 3 && nwaiting() == N);
	ASSERT_EQ(atomic_load(&S->r1[1]), 3);
	ASSERT_EQ(atomic_load(&S->n2), 0);
	/* Notify 5: the 2 first-wait tasks (older) and the 3 in their second wait. */
	ASSERT_OK(tl_cond_acquire(&S->cond, true, TL_FOREVER));
	ASSERT_OK(tl_cond_notify(&S->cond, 5));
	atomic_store(&S->phase, 2);
	ASSERT_OK(tl_cond_release(&S->cond));
	WAIT_UNTIL(atomic_load(&S->n1) + atomic_load(&S->n2) == 8 && nwaiting() == 2);
	ASSERT_EQ(atomic_load(&S->r1[1]), 3);
	ASSERT_EQ(atomic_load(&S->r1[2]), 2);
	ASSERT_EQ(atomic_load(&S->r2[2]), 3);
	/* Notify all: the 2 left are in their second wait. */
	ASSERT_OK(tl_cond_acquire(&S->cond, true, TL_FOREVER));
	ASSERT_OK(tl_cond_notify_all(&S->cond));
	atomic_store(&S->phase, 3);
	ASSERT_OK(tl_cond_release(&S->cond));
	for (int i = 0; i < N; i++)
		su_finish(t[i]);
	ASSERT_EQ(atomic_load(&S->r1[1]), 3);
	ASSERT_EQ(atomic_load(&S->r1[2]), 2);
	ASSERT_EQ(atomic_load(&S->r2[2]), 3);
	ASSERT_EQ(atomic_load(&S->r2[3]), 2);
	ASSERT_EQ(nwaiting(), 0);
}

SU_MODE_TESTS(cond_notify)
{
	setup(mode);
	init_rlock_cond();
	check_notify();
	check_notify(); /* a second time: internal state is still fine */
	ASSERT_OK(tl_cond_destroy(&S->cond));
	return 0;
}

SU_MODE_TESTS(cond_notify_over_lock)
{
	setup(mode);
	init_lock_cond();
	check_notify();
	ASSERT_OK(tl_cond_destroy(&S->cond));
	return 0;
}

/* FIFO: notify(k) wakes the k tasks that have waited longest. */
static void *fifo_worker(void *arg)
{
	int id = (int)(intptr_t)arg;
	ASSERT_OK(tl_cond_acquire(&S->cond, true, TL_FOREVER));
	S->order_in[S->n_in++] = id;
	ASSERT_OK(tl_cond_wait(&S->cond, TL_FOREVER));
	atomic_store(&S->woken_by_id[id], 1);
	ASSERT_OK(tl_cond_release(&S->cond));
	return NULL;
}

SU_MODE_TESTS(cond_notify_fifo)
{
	setup(mode);
	init_rlock_cond();
	su_task t[F];
	for (int i = 0; i < F; i++)
		t[i] = su_start(mode, fifo_worker, (void *)(intptr_t)i);
	WAIT_UNTIL(nwaiting() == F);
	int woken = 0;
	for (int k = 1; woken < F; k++) { /* notify 1, 2, 3: oldest first */
		ASSERT_OK(tl_cond_acquire(&S->cond, true, TL_FOREVER));
		ASSERT_OK(tl_cond_notify(&S->cond, k));
		ASSERT_OK(tl_cond_release(&S->cond));
		woken += k;
		WAIT_UNTIL(nwaiting() == (uint32_t)(F - woken));
		for (int i = 0; i < woken; i++)
			WAIT_UNTIL(atomic_load(&S->woken_by_id[S->order_in[i]])); /* the oldest `woken` */
		ASSERT_OK(tl_cond_acquire(&S->cond, true, TL_FOREVER));
		for (int i = woken; i < F; i++)
			ASSERT_EQ(atomic_load(&S->woken_by_id[S->order_in[i]]), 0); /* the younger ones still wait */
		ASSERT_OK(tl_cond_release(&S->cond));
	}
	for (int i = 0; i < F; i++)
		su_finish(t[i]);
	return 0;
}

/* notify(n) with fewer waiters wakes them all and saves nothing for later. */
static void *wait_once(void *arg)
{
	(void)arg;
	ASSERT_OK(tl_cond_acquire(&S->cond, true, TL_FOREVER));
	int r = tl_cond_wait(&S->cond, S->timeout);
	ASSERT_TRUE(holds());
	ASSERT_OK(tl_cond_release(&S->cond));
	ASSERT(r == 0 || r == TL_ETIMEDOUT);
	atomic_fetch_add(r == 0 ? &S->woken : &S->bad, 1);
	return NULL;
}

SU_MODE_TESTS(cond_notify_exact_counts)
{
	setup(mode);
	init_rlock_cond();
	S->timeout = TL_FOREVER;
	su_task t[N];
	for (int i = 0; i < N; i++)
		t[i] = su_start(mode, wait_once, NULL);
	WAIT_UNTIL(nwaiting() == N);
	ASSERT_OK(tl_cond_acquire(&S->cond, true, TL_FOREVER));
	ASSERT_OK(tl_cond_notify(&S->cond, 3));
	ASSERT_EQ(nwaiting(), 2); /* exactly 3 taken off the queue */
	ASSERT_OK(tl_cond_release(&S->cond));
	WAIT_UNTIL(atomic_load(&S->woken) == 3);
	ASSERT_OK(tl_cond_acquire(&S->cond, true, TL_FOREVER));
	ASSERT_EQ(nwaiting(), 2);
	ASSERT_OK(tl_cond_notify(&S->cond, 10)); /* more than wait */
	ASSERT_OK(tl_cond_release(&S->cond));
	for (int i = 0; i < N; i++)
		su_finish(t[i]);
	ASSERT_EQ(atomic_load(&S->woken), N);
	ASSERT_EQ(atomic_load(&S->bad), 0);
	/* The surplus of that notify(10) was not saved: a new waiter times out. */
	S->timeout = 0.02;
	su_run_mode(mode, 1, wait_once, NULL);
	ASSERT_EQ(atomic_load(&S->bad), 1);
	ASSERT_EQ(atomic_load(&S->woken), N);
	ASSERT_OK(tl_cond_destroy(&S->cond));
	return 0;
}

static void *timeout_worker(void *arg)
{
	(void)arg;
	ASSERT_OK(tl_cond_acquire(&S->cond, true, TL_FOREVER));
	double t0 = su_now();
	int r = tl_cond_wait(&S->cond, 0.05);
	double dt = su_now() - t0;
	ASSERT_TRUE(tl_lock_locked(&S->plain)); /* lock taken back on timeout */
	ASSERT_OK(tl_cond_release(&S->cond));
	ASSERT_EQ(r, TL_ETIMEDOUT); /* no spurious wake-ups */
	ASSERT(dt >= 0.05 - 1e-6);  /* lower bound only */
	return NULL;
}

SU_MODE_TESTS(cond_timeout)
{
	setup(mode);
	init_lock_cond();
	su_run_mode(mode, N, timeout_worker, NULL);
	ASSERT_EQ(nwaiting(), 0); /* timed-out waiters left the queue */
	ASSERT_FALSE(tl_lock_locked(&S->plain));
	ASSERT_OK(tl_cond_destroy(&S->cond));
	return 0;
}

static int state_is_4(void *arg)
{
	(void)arg;
	ASSERT_TRUE(holds()); /* runs under the lock */
	return S->state == 4;
}

static void *waitfor_worker(void *arg)
{
	(void)arg;
	ASSERT_OK(tl_cond_acquire(&S->cond, true, TL_FOREVER));
	int r = tl_cond_wait_for(&S->cond, state_is_4, NULL, S->timeout, NULL);
	if (S->timeout == TL_FOREVER) {
		ASSERT_OK(r);
		ASSERT_EQ(S->state, 4);
	} else {
		ASSERT_EQ(r, TL_ETIMEDOUT);
		ASSERT_EQ(S->state, 3);
	}
	ASSERT_OK(tl_cond_release(&S->cond));
	atomic_fetch_add(&S->woken, 1);
	return NULL;
}

SU_MODE_TESTS(cond_wait_for)
{
	setup(mode);
	init_rlock_cond();
	S->timeout = TL_FOREVER;
	su_task t = su_start(mode, waitfor_worker, NULL);
	for (int i = 0; i < 4; i++) {
		WAIT_UNTIL(nwaiting() == 1); /* it is waiting: let it see each value */
		ASSERT_OK(tl_cond_acquire(&S->cond, true, TL_FOREVER));
		S->state++;
		ASSERT_OK(tl_cond_notify(&S->cond, 1));
		ASSERT_OK(tl_cond_release(&S->cond));
	}
	su_finish(t);
	ASSERT_EQ(atomic_load(&S->woken), 1);
	return 0;
}

SU_MODE_TESTS(cond_wait_for_timeout)
{
	setup(mode);
	init_rlock_cond();
	/* The three increments below must land within it: longer under
	 * valgrind, which runs this 50-200x slower (task.h). */
	S->timeout = 0.1 * (double)tl_test_iter_div();
	double t0 = su_now();
	su_task t = su_start(mode, waitfor_worker, NULL);
	for (int i = 0; i < 3; i++) { /* only 3 increments: state 4 never comes */
		WAIT_UNTIL(nwaiting() == 1);
		ASSERT_OK(tl_cond_acquire(&S->cond, true, TL_FOREVER));
		S->state++;
		ASSERT_OK(tl_cond_notify(&S->cond, 1));
		ASSERT_OK(tl_cond_release(&S->cond));
	}
	su_finish(t);
	ASSERT(su_now() - t0 >= S->timeout - 1e-6);
	ASSERT_EQ(atomic_load(&S->woken), 1);
	/* Timeout 0: the predicate's value at once, no wait. */
	ASSERT_OK(tl_cond_acquire(&S->cond, true, TL_FOREVER));
	ASSERT_EQ(tl_cond_wait_for(&S->cond, state_is_4, NULL, 0.0, NULL), TL_ETIMEDOUT);
	S->state = 4;
	ASSERT_OK(tl_cond_wait_for(&S->cond, state_is_4, NULL, 0.0, NULL));
	ASSERT_OK(tl_cond_wait_for(&S->cond, state_is_4, NULL, TL_FOREVER, NULL));
	ASSERT_OK(tl_cond_release(&S->cond));
	return 0;
}

/* wait() releases every level of the RLock and restores the depth. */
static void *notify_when_free(void *arg)
{
	(void)arg;
	WAIT_UNTIL(nwaiting() == 1);
	/* The waiter is counted just before it releases the RLock: a blocking
	 * acquire. It returns only because wait() released every level (if it
	 * did not, this blocks and the test times out). */
	ASSERT_OK(tl_cond_acquire(&S->cond, true, TL_FOREVER));
	ASSERT_OK(tl_cond_notify(&S->cond, 1));
	ASSERT_OK(tl_cond_release(&S->cond));
	return NULL;
}

SU_MODE_TESTS(cond_rlock_depth_across_wait)
{
	setup(mode);
	init_rlock_cond();
	tl_rlock_t *r = tl_cond_lock(&S->cond);
	for (int i = 0; i < 3; i++)
		ASSERT_OK(tl_cond_acquire(&S->cond, true, TL_FOREVER));
	su_task t = su_start(mode, notify_when_free, NULL);
	ASSERT_OK(tl_cond_wait(&S->cond, TL_FOREVER));
	ASSERT_EQ(tl_rlock_count(r), 3);
	su_finish(t);
	for (int i = 0; i < 3; i++)
		ASSERT_OK(tl_cond_release(&S->cond));
	ASSERT_FALSE(tl_rlock_locked(r));
	return 0;
}

SU_MODE_TESTS(cond_destroy_busy)
{
	setup(mode);
	init_rlock_cond();
	S->timeout = TL_FOREVER;
	su_task t = su_start(mode, wait_once, NULL);
	WAIT_UNTIL(nwaiting() == 1);
	ASSERT_EQ(tl_cond_destroy(&S->cond), TL_EBUSY);
	ASSERT_OK(tl_cond_acquire(&S->cond, true, TL_FOREVER));
	ASSERT_OK(tl_cond_notify_all(&S->cond));
	ASSERT_OK(tl_cond_release(&S->cond));
	su_finish(t);
	ASSERT_OK(tl_cond_destroy(&S->cond));
	return 0;
}

/* A bounded buffer (Python's queue shape) with several producers and
 * consumers and notify(1): every item is consumed exactly once. */
static long per_producer; /* PER_PRODUCER, fewer under valgrind (task.h) */

static void *bb_producer(void *arg)
{
	long base = (long)(intptr_t)arg * per_producer;
	for (long i = 0; i < per_producer; i++) {
		ASSERT_OK(tl_lock_acquire(&S->qlock, true, TL_FOREVER));
		while (S->qcount == CAP)
			ASSERT_OK(tl_cond_wait(&S->not_full, TL_FOREVER));
		S->buf[(S->qhead + S->qcount++) % CAP] = base + i;
		ASSERT_OK(tl_cond_notify(&S->not_empty, 1));
		ASSERT_OK(tl_lock_release(&S->qlock));
	}
	return NULL;
}

static void *bb_consumer(void *arg)
{
	(void)arg;
	for (;;) {
		ASSERT_OK(tl_lock_acquire(&S->qlock, true, TL_FOREVER));
		while (S->qcount == 0 && S->consumed_n < PRODUCERS * per_producer)
			ASSERT_OK(tl_cond_wait(&S->not_empty, TL_FOREVER));
		if (S->consumed_n == PRODUCERS * per_producer) {
			ASSERT_OK(tl_cond_notify_all(&S->not_empty)); /* let the others finish */
			ASSERT_OK(tl_lock_release(&S->qlock));
			return NULL;
		}
		S->consumed_sum += S->buf[S->qhead];
		S->qhead = (S->qhead + 1) % CAP;
		S->qcount--;
		S->consumed_n++;
		ASSERT_OK(tl_cond_notify(&S->not_full, 1));
		ASSERT_OK(tl_lock_release(&S->qlock));
	}
}

SU_MODE_TESTS(cond_bounded_buffer)
{
	setup(mode);
	int flags = su_flags(mode);
	ASSERT_OK(tl_lock_init(&S->qlock, flags));
	ASSERT_OK(tl_cond_init(&S->not_empty, flags, TL_COND_LOCK, &S->qlock));
	ASSERT_OK(tl_cond_init(&S->not_full, flags, TL_COND_LOCK, &S->qlock));
	per_producer = tl_test_iters(PER_PRODUCER, 200);
	su_task p[PRODUCERS], c[CONSUMERS];
	for (int i = 0; i < CONSUMERS; i++)
		c[i] = su_start(mode, bb_consumer, NULL);
	for (int i = 0; i < PRODUCERS; i++)
		p[i] = su_start(mode, bb_producer, (void *)(intptr_t)i);
	for (int i = 0; i < PRODUCERS; i++)
		su_finish(p[i]);
	for (int i = 0; i < CONSUMERS; i++)
		su_finish(c[i]);
	long n = (long)PRODUCERS * per_producer;
	ASSERT_EQ(S->consumed_n, n);
	ASSERT_EQ(S->consumed_sum, n * (n - 1) / 2);
	ASSERT_OK(tl_cond_destroy(&S->not_empty));
	ASSERT_OK(tl_cond_destroy(&S->not_full));
	return 0;
}

/* Timed waiters racing notifies: every notify(1) is consumed by exactly one
 * waiter that was queued (counted under the lock), none is lost. */
static void *token_taker(void *arg)
{
	(void)arg;
	ASSERT_OK(tl_cond_acquire(&S->cond, true, TL_FOREVER));
	while (!atomic_load(&S->phase) || S->tokens) {
		if (S->tokens) {
			S->tokens--;
			S->taken++;
			continue;
		}
		int r = tl_cond_wait(&S->cond, 0.0005);
		ASSERT(r == 0 || r == TL_ETIMEDOUT);
	}
	ASSERT_OK(tl_cond_release(&S->cond));
	return NULL;
}

SU_MODE_TESTS(cond_timed_waiters_stress)
{
	enum { T = 3, ROUNDS = 20000 };
	setup(mode);
	init_rlock_cond();
	su_task t[T];
	for (int i = 0; i < T; i++)
		t[i] = su_start(mode, token_taker, NULL);
	for (int i = 0; i < ROUNDS; i++) {
		ASSERT_OK(tl_cond_acquire(&S->cond, true, TL_FOREVER));
		S->tokens++;
		ASSERT_OK(tl_cond_notify(&S->cond, 1));
		ASSERT_OK(tl_cond_release(&S->cond));
	}
	ASSERT_OK(tl_cond_acquire(&S->cond, true, TL_FOREVER));
	atomic_store(&S->phase, 1);
	ASSERT_OK(tl_cond_notify_all(&S->cond));
	ASSERT_OK(tl_cond_release(&S->cond));
	for (int i = 0; i < T; i++)
		su_finish(t[i]);
	ASSERT_EQ(S->taken, ROUNDS);
	ASSERT_EQ(nwaiting(), 0);
	ASSERT_OK(tl_cond_destroy(&S->cond));
	return 0;
}

/* Two tasks taking turns through one condition: no lost wake-ups. */
enum { TURNS = 20000 };

static void *turn_taker(void *arg)
{
	int me = (int)(intptr_t)arg;
	for (int i = 0; i < TURNS; i++) {
		ASSERT_OK(tl_cond_acquire(&S->cond, true, TL_FOREVER));
		while (S->turn != me)
			ASSERT_OK(tl_cond_wait(&S->cond, TL_FOREVER));
		S->turn = 1 - me;
		ASSERT_OK(tl_cond_notify(&S->cond, 1));
		ASSERT_OK(tl_cond_release(&S->cond));
	}
	return NULL;
}

SU_MODE_TESTS(cond_ping_pong)
{
	setup(mode);
	init_lock_cond();
	su_task a = su_start(mode, turn_taker, (void *)0), b = su_start(mode, turn_taker, (void *)1);
	su_finish(a);
	su_finish(b);
	ASSERT_EQ(S->turn, 0);
	return 0;
}

/* Deferred wake (deferred_wake.h): over a private Lock or RLock, a notify
 * while the lock is held leaves a waiter asleep in the kernel for the
 * lock's release to wake. More waiters than a release wakes after its CAS
 * (TL__DEFER_AFTER) and plain lock sleepers wait meanwhile; every one of
 * them must get the lock in turn (a lost wake is a hang, which the runner's
 * timeout reports), each waiter's wait returns 0 with its RLock depth
 * restored, and a waiter whose deadline passes before the release was still
 * notified. */
enum { MV_WAITERS = 6, MV_LOCKERS = 2 };

static struct mv {
	tl_lock_t lock;
	tl_cond_t cond;
	int go, done; /* under the lock */
	atomic_int tid[MV_WAITERS + MV_LOCKERS];
	int rc[MV_WAITERS];
	unsigned depth[MV_WAITERS];
	double timeout[MV_WAITERS];
} mv;

static bool mv_rlock(void)
{
	return mv.cond.kind == TL_COND_RLOCK;
}

static void *mv_waiter(void *arg)
{
	int i = (int)(intptr_t)arg;
	ASSERT_OK(tl_cond_acquire(&mv.cond, true, TL_FOREVER));
	if (mv_rlock())
		ASSERT_OK(tl_cond_acquire(&mv.cond, true, TL_FOREVER)); /* depth 2 across the wait */
	atomic_store(&mv.tid[i], (int)syscall(SYS_gettid));
	int rc = -1;
	while (!mv.go) { /* waiter 0 times out again and again until notified */
		rc = tl_cond_wait(&mv.cond, mv.timeout[i]);
		ASSERT(rc == 0 || rc == TL_ETIMEDOUT);
	}
	mv.rc[i] = rc; /* the wait that saw go: notified, however late it ran */
	mv.depth[i] = mv_rlock() ? tl_rlock_count(tl_cond_lock(&mv.cond)) : 1;
	mv.done++;
	if (mv_rlock())
		ASSERT_OK(tl_cond_release(&mv.cond));
	ASSERT_OK(tl_cond_release(&mv.cond));
	return NULL;
}

static void *mv_locker(void *arg)
{
	int i = (int)(intptr_t)arg;
	atomic_store(&mv.tid[i], (int)syscall(SYS_gettid));
	ASSERT_OK(tl_cond_acquire(&mv.cond, true, TL_FOREVER));
	mv.done++;
	ASSERT_OK(tl_cond_release(&mv.cond));
	return NULL;
}

TEST_IMPL(cond_notify_wakes_sleepers_at_release)
{
	for (int round = 0; round < 6; round++) {
		memset(&mv, 0, sizeof mv);
		if (round % 2) {
			ASSERT_OK(tl_cond_init(&mv.cond, TL_PRIVATE, TL_COND_RLOCK, NULL));
		} else {
			ASSERT_OK(tl_lock_init(&mv.lock, TL_PRIVATE));
			ASSERT_OK(tl_cond_init(&mv.cond, TL_PRIVATE, TL_COND_LOCK, &mv.lock));
		}
		for (int i = 0; i < MV_WAITERS; i++)
			mv.timeout[i] = i == 0 ? 0.05 : TL_FOREVER; /* waiter 0's deadline passes under our lock */
		pthread_t t[MV_WAITERS + MV_LOCKERS];
		for (int i = 0; i < MV_WAITERS; i++)
			t[i] = su_spawn(mv_waiter, (void *)(intptr_t)i);
		/* every waiter inside wait(), asleep in the kernel */
		WAIT_UNTIL(atomic_load(&mv.cond.nwaiters) == MV_WAITERS);
		for (int i = 0; i < MV_WAITERS; i++) {
			WAIT_UNTIL(atomic_load(&mv.tid[i]) != 0);
			su_wait_in_futex(atomic_load(&mv.tid[i]));
		}
		ASSERT_OK(tl_cond_acquire(&mv.cond, true, TL_FOREVER));
		/* lock sleepers on the same word */
		for (int i = MV_WAITERS; i < MV_WAITERS + MV_LOCKERS; i++)
			t[i] = su_spawn(mv_locker, (void *)(intptr_t)i);
		for (int i = MV_WAITERS; i < MV_WAITERS + MV_LOCKERS; i++) {
			WAIT_UNTIL(atomic_load(&mv.tid[i]) != 0);
			su_wait_in_futex(atomic_load(&mv.tid[i]));
		}
		mv.go = 1;
		/* one by one; all at once; one, then the rest */
		switch (round / 2) {
		case 0:
			for (int i = 0; i < MV_WAITERS; i++)
				ASSERT_OK(tl_cond_notify(&mv.cond, 1));
			break;
		case 1:
			ASSERT_OK(tl_cond_notify_all(&mv.cond));
			break;
		default:
			ASSERT_OK(tl_cond_notify(&mv.cond, 1));
			ASSERT_OK(tl_cond_notify_all(&mv.cond));
		}
		ASSERT_EQ((int)atomic_load(&mv.cond.nwaiters), 0);
		/* hold the lock past waiter 0's deadline: it times out (if at
		 * all) while notified, and must still report the notify */
		struct timespec t0, now;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		do
			clock_gettime(CLOCK_MONOTONIC, &now);
		while ((now.tv_sec - t0.tv_sec) * 1e9 + (now.tv_nsec - t0.tv_nsec) < 0.06e9);
		ASSERT_OK(tl_cond_release(&mv.cond));
		for (int i = 0; i < MV_WAITERS + MV_LOCKERS; i++)
			su_join(t[i]);
		ASSERT_EQ(mv.done, MV_WAITERS + MV_LOCKERS);
		for (int i = 0; i < MV_WAITERS; i++) {
			ASSERT_EQ(mv.rc[i], 0);
			ASSERT_EQ(mv.depth[i], mv_rlock() ? 2 : 1);
		}
		ASSERT_OK(tl_cond_destroy(&mv.cond));
		if (!mv_rlock())
			ASSERT_OK(tl_lock_destroy(&mv.lock));
	}
	return 0;
}

/* A Lock has no owner: the thread that releases it may not be the one
 * that notified, and the deferred wake is the lock's, so that release
 * wakes the waiter. */
static void *release_plain(void *arg)
{
	ASSERT_OK(tl_lock_release(arg));
	return NULL;
}

static void *wait_notified(void *arg)
{
	(void)arg;
	ASSERT_OK(tl_cond_acquire(&mv.cond, true, TL_FOREVER));
	atomic_store(&mv.tid[0], (int)syscall(SYS_gettid));
	while (!mv.go)
		ASSERT_OK(tl_cond_wait(&mv.cond, TL_FOREVER));
	mv.done++;
	ASSERT_OK(tl_cond_release(&mv.cond));
	return NULL;
}

TEST_IMPL(cond_notify_then_release_by_another_thread)
{
	memset(&mv, 0, sizeof mv);
	ASSERT_OK(tl_lock_init(&mv.lock, TL_PRIVATE));
	ASSERT_OK(tl_cond_init(&mv.cond, TL_PRIVATE, TL_COND_LOCK, &mv.lock));
	pthread_t w = su_spawn(wait_notified, NULL);
	WAIT_UNTIL(atomic_load(&mv.cond.nwaiters) == 1);
	WAIT_UNTIL(atomic_load(&mv.tid[0]) != 0);
	su_wait_in_futex(atomic_load(&mv.tid[0]));
	ASSERT_OK(tl_cond_acquire(&mv.cond, true, TL_FOREVER));
	mv.go = 1;
	ASSERT_OK(tl_cond_notify(&mv.cond, 1));
	su_join(su_spawn(release_plain, &mv.lock));
	su_join(w);
	ASSERT_EQ(mv.done, 1);
	ASSERT_OK(tl_cond_destroy(&mv.cond));
	ASSERT_OK(tl_lock_destroy(&mv.lock));
	return 0;
}

/* ---- process-shared only ---- */

/* The waiter table holds TL_COND_PSHARED_WAITERS waiters; one more wait
 * returns TL_EAGAIN at once, still holding the lock. */
TEST_IMPL(cond_pshared_table_full)
{
	enum { W = TL_COND_PSHARED_WAITERS };
	setup(SU_PSHARED);
	init_lock_cond();
	S->timeout = TL_FOREVER;
	pthread_t t[W];
	for (int i = 0; i < W; i++)
		t[i] = su_spawn(wait_once, NULL);
	WAIT_UNTIL(nwaiting() == W);
	ASSERT_OK(tl_cond_acquire(&S->cond, true, TL_FOREVER));
	ASSERT_EQ(tl_cond_wait(&S->cond, TL_FOREVER), TL_EAGAIN);
	ASSERT_EQ(tl_cond_wait_for(&S->cond, always_false, NULL, TL_FOREVER, NULL), TL_EAGAIN);
	ASSERT_TRUE(tl_lock_locked(&S->plain));
	ASSERT_OK(tl_cond_notify(&S->cond, 1));
	/* A notified waiter keeps its slot until it has left wait(). */
	ASSERT_EQ(tl_cond_wait(&S->cond, 0.0), TL_EAGAIN);
	ASSERT_OK(tl_cond_release(&S->cond));
	WAIT_UNTIL(atomic_load(&S->woken) == 1);
	ASSERT_OK(tl_cond_acquire(&S->cond, true, TL_FOREVER));
	ASSERT_EQ(tl_cond_wait(&S->cond, 0.0), TL_ETIMEDOUT); /* a slot is free again */
	ASSERT_OK(tl_cond_notify_all(&S->cond));
	ASSERT_OK(tl_cond_release(&S->cond));
	for (int i = 0; i < W; i++)
		su_join(t[i]);
	ASSERT_EQ(atomic_load(&S->woken), W);
	ASSERT_OK(tl_cond_destroy(&S->cond));
	return 0;
}

/* The notifier dies holding the lock: the notified waiter's wait takes the
 * lock over and returns TL_EOWNERDEAD, holding it; after
 * tl_cond_consistent the condition works on. */
static void *notify_then_die(void *arg)
{
	(void)arg;
	WAIT_UNTIL(nwaiting() == 1);
	ASSERT_OK(tl_cond_acquire(&S->cond, true, TL_FOREVER));
	ASSERT_OK(tl_cond_notify(&S->cond, 1));
	raise(SIGKILL); /* holding the lock */
	return NULL;
}

static void lock_owner_died(int kind)
{
	setup(SU_PROCESSES);
	if (kind == TL_COND_LOCK)
		init_lock_cond();
	else
		init_rlock_cond();
	pid_t pid = su_fork(notify_then_die, NULL);
	ASSERT_OK(tl_cond_acquire(&S->cond, true, TL_FOREVER));
	ASSERT_EQ(tl_cond_wait(&S->cond, TL_FOREVER), TL_EOWNERDEAD);
	ASSERT_TRUE(holds());
	ASSERT_EQ(nwaiting(), 0);
	ASSERT_EQ(atomic_load(&S->cond.ps.nslots), 0);
	ASSERT_OK(tl_cond_consistent(&S->cond));
	ASSERT_EQ(tl_cond_consistent(&S->cond), TL_EINVAL);
	ASSERT_EQ(tl_cond_wait(&S->cond, 0.001), TL_ETIMEDOUT);
	ASSERT_OK(tl_cond_release(&S->cond));
	su_reap_killed(pid);
	/* still a working condition */
	S->timeout = TL_FOREVER;
	su_task t = su_start(SU_PROCESSES, wait_once, NULL);
	WAIT_UNTIL(nwaiting() == 1);
	ASSERT_OK(tl_cond_acquire(&S->cond, true, TL_FOREVER));
	ASSERT_OK(tl_cond_notify(&S->cond, 1));
	ASSERT_OK(tl_cond_release(&S->cond));
	su_finish(t);
	ASSERT_EQ(atomic_load(&S->woken), 1);
	ASSERT_OK(tl_cond_destroy(&S->cond));
}

TEST_IMPL(cond_pshared_lock_owner_died)
{
	SU_SKIP_FORK_UNDER_TSAN();
	lock_owner_died(TL_COND_LOCK);
	lock_owner_died(TL_COND_RLOCK);
	return 0;
}

/* A process dies holding the lock half-way through a table update (here:
 * marked busy, lists clobbered): the next update rebuilds the table from
 * the slots, in arrival order. */
static void *corrupt_then_die(void *arg)
{
	(void)arg;
	ASSERT_OK(tl_cond_acquire(&S->cond, true, TL_FOREVER));
	S->cond.ps.busy = 1;
	S->cond.ps.head = S->cond.ps.tail = S->cond.ps.free = 0xffff;
	raise(SIGKILL);
	return NULL;
}

TEST_IMPL(cond_pshared_rebuilt_after_crash)
{
	SU_SKIP_FORK_UNDER_TSAN();
	setup(SU_PROCESSES);
	init_rlock_cond();
	su_task t[F];
	for (int i = 0; i < F; i++) {
		t[i] = su_start(SU_PROCESSES, fifo_worker, (void *)(intptr_t)i);
		WAIT_UNTIL(nwaiting() == (uint32_t)i + 1); /* one at a time: known order */
	}
	pid_t pid = su_fork(corrupt_then_die, NULL);
	su_reap_killed(pid);
	ASSERT_EQ(tl_cond_acquire(&S->cond, true, TL_FOREVER), TL_EOWNERDEAD);
	ASSERT_OK(tl_cond_consistent(&S->cond));
	ASSERT_OK(tl_cond_notify(&S->cond, 2)); /* rebuilds, then wakes the 2 oldest */
	ASSERT_EQ(nwaiting(), F - 2);
	ASSERT_OK(tl_cond_release(&S->cond));
	WAIT_UNTIL(atomic_load(&S->woken_by_id[0]) && atomic_load(&S->woken_by_id[1]));
	ASSERT_OK(tl_cond_acquire(&S->cond, true, TL_FOREVER));
	for (int i = 2; i < F; i++)
		ASSERT_EQ(atomic_load(&S->woken_by_id[i]), 0);
	ASSERT_OK(tl_cond_notify_all(&S->cond));
	ASSERT_OK(tl_cond_release(&S->cond));
	for (int i = 0; i < F; i++)
		su_finish(t[i]);
	ASSERT_EQ(nwaiting(), 0);
	ASSERT_EQ(atomic_load(&S->cond.ps.nslots), 0);
	return 0;
}

/* A waiter process killed while asleep in wait: notify(1) finds nobody
 * there, sees it is dead, frees its slot and wakes the next waiter — one
 * live waiter woken, as asked. */
static void *wait_forever(void *arg)
{
	(void)arg;
	ASSERT_OK(tl_cond_acquire(&S->cond, true, TL_FOREVER));
	tl_cond_wait(&S->cond, TL_FOREVER);
	ASSERT(!"woken");
	return NULL;
}

TEST_IMPL(cond_pshared_dead_waiter_skipped)
{
	SU_SKIP_FORK_UNDER_TSAN();
	setup(SU_PROCESSES);
	init_lock_cond();
	pid_t victim = su_fork(wait_forever, NULL);
	WAIT_UNTIL(nwaiting() == 1 && atomic_load(&S->cond.ps.slot[0].state) == 1 /* sleeping */);
	S->timeout = TL_FOREVER;
	su_task t = su_start(SU_PROCESSES, wait_once, NULL);
	WAIT_UNTIL(nwaiting() == 2);
	ASSERT_OK(kill(victim, SIGKILL));
	su_reap_killed(victim);
	ASSERT_OK(tl_cond_acquire(&S->cond, true, TL_FOREVER));
	ASSERT_OK(tl_cond_notify(&S->cond, 1));
	ASSERT_EQ(nwaiting(), 0); /* the dead one freed, the live one notified */
	ASSERT_OK(tl_cond_release(&S->cond));
	su_finish(t);
	ASSERT_EQ(atomic_load(&S->woken), 1);
	ASSERT_EQ(atomic_load(&S->cond.ps.nslots), 0);
	ASSERT_OK(tl_cond_destroy(&S->cond));
	return 0;
}

/* A full table whose waiters include a dead process: the next wait
 * reclaims the dead one's slot instead of failing with TL_EAGAIN. */
static void *many_waiters(void *arg)
{
	int n = (int)(intptr_t)arg;
	pthread_t t[TL_COND_PSHARED_WAITERS];
	for (int i = 0; i < n; i++)
		t[i] = su_spawn(wait_once, NULL);
	for (int i = 0; i < n; i++)
		su_join(t[i]);
	return NULL;
}

TEST_IMPL(cond_pshared_full_table_reclaims_dead)
{
	enum { W = TL_COND_PSHARED_WAITERS };
	SU_SKIP_FORK_UNDER_TSAN();
	setup(SU_PROCESSES);
	init_lock_cond();
	pid_t victim = su_fork(wait_forever, NULL);
	WAIT_UNTIL(nwaiting() == 1);
	S->timeout = TL_FOREVER;
	pid_t crowd = su_fork(many_waiters, (void *)(intptr_t)(W - 1));
	WAIT_UNTIL(nwaiting() == W);
	ASSERT_OK(kill(victim, SIGKILL));
	su_reap_killed(victim);
	ASSERT_OK(tl_cond_acquire(&S->cond, true, TL_FOREVER));
	ASSERT_EQ(tl_cond_wait(&S->cond, 0.001), TL_ETIMEDOUT); /* got the dead one's slot */
	ASSERT_EQ(nwaiting(), W - 1);
	ASSERT_OK(tl_cond_notify_all(&S->cond));
	ASSERT_OK(tl_cond_release(&S->cond));
	su_finish((su_task){ 0, crowd });
	ASSERT_EQ(atomic_load(&S->woken), W - 1);
	ASSERT_EQ(atomic_load(&S->cond.ps.nslots), 0);
	return 0;
}

/* Named shared memory: nothing threadlab-specific. The creator places a
 * Lock and a Condition over it in a POSIX shm object; an exec'd process
 * (no inherited mapping, its own address layout) maps the object by name
 * and uses them; the creator uses them through a second mapping at another
 * address (the condition refers to its lock by a self-relative offset). */
struct named {
	tl_lock_t lock;
	tl_cond_t cond;
	atomic_int phase;
	int value; /* under the lock */
};

static struct named *map_named(const char *name, bool create)
{
	int fd = shm_open(name, O_RDWR | (create ? O_CREAT | O_EXCL : 0), 0600);
	ASSERT(fd >= 0);
	if (create)
		ASSERT_OK(ftruncate(fd, sizeof(struct named)));
	void *p = mmap(NULL, sizeof(struct named), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT(p != MAP_FAILED);
	close(fd);
	return p;
}

TEST_IMPL(cond_named_shm_exec)
{
	SU_SKIP_FORK_UNDER_TSAN();
	const char *child = getenv("TL_TEST_NAMED_SHM");
	if (child) { /* the exec'd process */
		struct named *n = map_named(child, false);
		ASSERT_OK(tl_cond_acquire(&n->cond, true, TL_FOREVER));
		atomic_store(&n->phase, 1);
		while (n->value != 42)
			ASSERT_OK(tl_cond_wait(&n->cond, TL_FOREVER));
		n->value = 43;
		ASSERT_OK(tl_cond_notify(&n->cond, 1));
		ASSERT_OK(tl_cond_release(&n->cond));
		return 0;
	}
	char name[64], var[96], self[4096];
	snprintf(name, sizeof name, "/tl-test-cond-%d", (int)getpid());
	shm_unlink(name);
	struct named *n = map_named(name, true);
	ASSERT_OK(tl_lock_init(&n->lock, TL_PSHARED));
	ASSERT_OK(tl_cond_init(&n->cond, TL_PSHARED, TL_COND_LOCK, &n->lock));
	ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
	ASSERT(len > 0);
	self[len] = '\0';
	snprintf(var, sizeof var, "TL_TEST_NAMED_SHM=%s", name);
	size_t envc = 0;
	while (environ[envc])
		envc++;
	char **envp = calloc(envc + 2, sizeof *envp);
	ASSERT_NOT_NULL(envp);
	memcpy(envp, environ, envc * sizeof *envp);
	envp[envc] = var;
	char *argv[] = { self, (char *)"cond_named_shm_exec", NULL };
	pid_t pid;
	ASSERT_OK(posix_spawn(&pid, self, NULL, NULL, argv, envp));
	free(envp);

	struct named *m = map_named(name, false); /* the same object, elsewhere */
	ASSERT(m != n);
	WAIT_UNTIL(atomic_load(&m->phase) == 1 && atomic_load(&m->cond.nwaiters) == 1);
	ASSERT_OK(tl_cond_acquire(&m->cond, true, TL_FOREVER));
	ASSERT(tl_cond_lock(&m->cond) == &m->lock);
	m->value = 42;
	ASSERT_OK(tl_cond_notify(&m->cond, 1));
	while (m->value != 43)
		ASSERT_OK(tl_cond_wait(&m->cond, TL_FOREVER));
	ASSERT_OK(tl_cond_release(&m->cond));
	int st = su_waitpid(pid);
	ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ASSERT_OK(tl_cond_destroy(&n->cond));
	ASSERT_OK(tl_lock_destroy(&n->lock));
	ASSERT_OK(shm_unlink(name));
	munmap(m, sizeof *m);
	munmap(n, sizeof *n);
	return 0;
}

TEST_LIST_BEGIN
SU_FLAG_ENTRIES(cond_init_arguments)
SU_FLAG_ENTRIES(cond_acquire)
SU_FLAG_ENTRIES(cond_unacquired_wait_notify)
SU_FLAG_ENTRIES(cond_wait_arguments)
SU_MODE_ENTRIES(cond_notify)
SU_MODE_ENTRIES(cond_notify_over_lock)
SU_MODE_ENTRIES(cond_notify_fifo)
SU_MODE_ENTRIES(cond_notify_exact_counts)
SU_MODE_ENTRIES(cond_timeout)
SU_MODE_ENTRIES(cond_wait_for)
SU_MODE_ENTRIES(cond_wait_for_timeout)
SU_MODE_ENTRIES(cond_rlock_depth_across_wait)
SU_MODE_ENTRIES(cond_destroy_busy)
SU_MODE_ENTRIES(cond_bounded_buffer)
SU_MODE_ENTRIES(cond_timed_waiters_stress)
SU_MODE_ENTRIES(cond_ping_pong)
TEST_ENTRY(cond_notify_wakes_sleepers_at_release)
TEST_ENTRY(cond_notify_then_release_by_another_thread)
TEST_ENTRY(cond_pshared_table_full)
TEST_ENTRY(cond_pshared_lock_owner_died)
TEST_ENTRY(cond_pshared_rebuilt_after_crash)
TEST_ENTRY(cond_pshared_dead_waiter_skipped)
TEST_ENTRY(cond_pshared_full_table_reclaims_dead)
TEST_ENTRY(cond_named_shm_exec)
TEST_LIST_END
