/* tl_spscq: the single-producer single-consumer bounded FIFO. Python's
 * queue.Queue(maxsize) results for one putter and one getter (CPython
 * test_queue's basic, Full/Empty, timeout and ValueError checks), exact
 * order across threads at capacities 1 (every item a handoff), 3 (not a
 * power of two), 64 and 1024, wraparound over many laps, both sides put to
 * sleep in futex() and woken by the other (the asymmetric Dekker check),
 * the same with membarrier off (fence mode), roles moved between threads,
 * destroy while blocked, and data written before a put visible after the
 * get (TSan checks the happens-before).
 *
 * Raw pthreads. "X sleeps" is observed (/proc: X is blocked in futex(), or
 * the queue's slow-path count), never waited for with a sleep; no test
 * asserts a time. */
#include "sync_util.h"
#include "threadlab/spscq.h"

#include "asym_fence.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>

#define V(x) ((void *)(uintptr_t)(x))
#define U(p) ((uintptr_t)(p))

/* ---- one thread ---- */

TEST_IMPL(spscq_args)
{
	tl_spscq_t q;
	void *p = V(7);
	ASSERT_EQ(tl_spscq_init(NULL, 4), TL_EINVAL);
	ASSERT_EQ(tl_spscq_init(&q, 0), TL_EINVAL);
	ASSERT_EQ(tl_spscq_init(&q, -1), TL_EINVAL);
	ASSERT_EQ(tl_spscq_init(&q, (1L << 30) + 1), TL_EINVAL);
	ASSERT_OK(tl_spscq_init(&q, 2));
	ASSERT_EQ(tl_spscq_put(&q, V(1), true, -0.5), TL_EINVAL);
	ASSERT_EQ(tl_spscq_put(&q, V(1), true, NAN), TL_EINVAL);
	ASSERT_EQ(tl_spscq_get(&q, &p, true, -2), TL_EINVAL);
	ASSERT_EQ(tl_spscq_get(&q, &p, true, NAN), TL_EINVAL);
	ASSERT_EQ(tl_spscq_get(&q, NULL, true, TL_FOREVER), TL_EINVAL);
	ASSERT_EQ(tl_spscq_get_nowait(&q, NULL), TL_EINVAL);
	ASSERT_EQ(tl_spscq_get_until(&q, NULL, NULL), TL_EINVAL);
	ASSERT_EQ(tl_spscq_put_nowait(NULL, V(1)), TL_EINVAL);
	ASSERT_EQ(tl_spscq_get_nowait(NULL, &p), TL_EINVAL);
	ASSERT_EQ(tl_spscq_destroy(NULL), TL_EINVAL);
	ASSERT_EQ(tl_spscq_qsize(NULL), 0);
	ASSERT_FALSE(tl_spscq_empty(NULL));
	ASSERT_FALSE(tl_spscq_full(NULL));
	/* block == false ignores the timeout, as Python does */
	ASSERT_EQ(tl_spscq_get(&q, &p, false, -5), TL_EEMPTY);
	ASSERT_EQ(U(p), 7); /* written only on success */
	ASSERT_OK(tl_spscq_destroy(&q));
	return 0;
}

TEST_IMPL(spscq_basic)
{
	/* Queue(maxsize=3): 3 is not a power of two (the ring has 3 slots) */
	tl_spscq_t q;
	void *p = NULL;
	struct timespec ts;
	ASSERT_OK(tl_spscq_init(&q, 3));
	ASSERT(tl_spscq_empty(&q));
	ASSERT_FALSE(tl_spscq_full(&q));
	ASSERT_EQ(tl_spscq_get_nowait(&q, &p), TL_EEMPTY);
	ASSERT_EQ(tl_spscq_get(&q, &p, true, 0), TL_EEMPTY);
	ASSERT_EQ(tl_spscq_get(&q, &p, true, 0.001), TL_EEMPTY);
	ASSERT_EQ(tl_spscq_get_until(&q, &p, tl_deadline(&ts, 0)), TL_EEMPTY);
	ASSERT_OK(tl_spscq_put(&q, V(1), true, TL_FOREVER));
	ASSERT_OK(tl_spscq_put_nowait(&q, NULL)); /* NULL is an item */
	ASSERT_OK(tl_spscq_put(&q, V(3), false, 0));
	ASSERT_EQ(tl_spscq_qsize(&q), 3);
	ASSERT(tl_spscq_full(&q));
	ASSERT_EQ(tl_spscq_put_nowait(&q, V(4)), TL_EFULL);
	ASSERT_EQ(tl_spscq_put(&q, V(4), true, 0), TL_EFULL);
	ASSERT_EQ(tl_spscq_put(&q, V(4), true, 0.001), TL_EFULL);
	ASSERT_EQ(tl_spscq_put_until(&q, V(4), tl_deadline(&ts, 0)), TL_EFULL);
	ASSERT_EQ(tl_spscq_qsize(&q), 3);
	ASSERT_OK(tl_spscq_get(&q, &p, true, TL_FOREVER));
	ASSERT_EQ(U(p), 1);
	ASSERT_OK(tl_spscq_get_nowait(&q, &p));
	ASSERT_NULL(p);
	ASSERT_OK(tl_spscq_put_until(&q, V(5), NULL));
	ASSERT_OK(tl_spscq_get_until(&q, &p, NULL));
	ASSERT_EQ(U(p), 3);
	ASSERT_OK(tl_spscq_get(&q, &p, false, 0));
	ASSERT_EQ(U(p), 5);
	ASSERT(tl_spscq_empty(&q));
	ASSERT_OK(tl_spscq_destroy(&q));
	return 0;
}

TEST_IMPL(spscq_wraparound)
{
	/* many laps of a ring with 1, 2, 5 items in flight; every 7th item
	 * is NULL (a valid item, though an empty slot holds NULL) */
	static const long caps[] = {1, 2, 5, 8};
	for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++) {
		tl_spscq_t q;
		void *p;
		uintptr_t next_put = 1, next_get = 1;
		ASSERT_OK(tl_spscq_init(&q, caps[c]));
		for (int lap = 0; lap < 1000; lap++) {
			long k = 1 + lap % caps[c];
			for (long i = 0; i < k; i++, next_put++)
				ASSERT_OK(tl_spscq_put_nowait(&q, next_put % 7 ? V(next_put) : NULL));
			ASSERT_EQ(tl_spscq_qsize(&q), k);
			for (long i = 0; i < k; i++, next_get++) {
				ASSERT_OK(tl_spscq_get_nowait(&q, &p));
				ASSERT_EQ(U(p), next_get % 7 ? next_get : 0);
			}
		}
		ASSERT_OK(tl_spscq_destroy(&q));
	}
	return 0;
}

/* ---- two threads ---- */

struct xfer {
	tl_spscq_t q;
	long n;
	_Atomic pid_t consumer_tid, producer_tid;
};

static void *produce(void *arg)
{
	struct xfer *x = arg;
	atomic_store(&x->producer_tid, (pid_t)syscall(SYS_gettid));
	for (long i = 1; i <= x->n; i++)
		ASSERT_OK(tl_spscq_put(&x->q, V(i), true, TL_FOREVER));
	return NULL;
}

static void *consume(void *arg)
{
	struct xfer *x = arg;
	atomic_store(&x->consumer_tid, (pid_t)syscall(SYS_gettid));
	for (long i = 1; i <= x->n; i++) {
		void *p = NULL;
		ASSERT_OK(tl_spscq_get(&x->q, &p, true, TL_FOREVER));
		ASSERT_EQ(U(p), i); /* exact order, nothing lost or doubled */
	}
	return NULL;
}

static void transfer(long cap, long n)
{
	struct xfer x = {.n = n};
	ASSERT_OK(tl_spscq_init(&x.q, cap));
	pthread_t c = su_spawn(consume, &x), p = su_spawn(produce, &x);
	su_join(p);
	su_join(c);
	ASSERT(tl_spscq_empty(&x.q));
	ASSERT_OK(tl_spscq_destroy(&x.q));
}

TEST_IMPL(spscq_transfer)
{
	static const long caps[] = {1, 3, 64, 1024};
	/* small rings hand over nearly every item through a wake: fewer */
	for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++)
		transfer(caps[c], tl_test_iters(caps[c] < 64 ? 20000 : 200000, 1000));
	return 0;
}

/* membarrier off: both sides fence (what a kernel without it, or valgrind,
 * gets). The mode is process-wide and each test runs in its own process. */
TEST_IMPL(spscq_transfer_fenced)
{
	tl__asym_init();
	atomic_store(&tl__asym_fenced, 1);
	transfer(1, tl_test_iters(20000, 1000));
	transfer(64, tl_test_iters(200000, 2000));
	return 0;
}

/* The consumer asleep in futex() on an empty queue: only the put's wake
 * can bring the item (a lost wake is a hang, failed by the runner). Then
 * the mirror: the producer asleep on a full queue, woken by a get. */
static void *get_one(void *arg)
{
	struct xfer *x = arg;
	void *p = NULL;
	atomic_store(&x->consumer_tid, (pid_t)syscall(SYS_gettid));
	ASSERT_OK(tl_spscq_get(&x->q, &p, true, TL_FOREVER));
	ASSERT_EQ(U(p), 42);
	return NULL;
}

static void *put_one(void *arg)
{
	struct xfer *x = arg;
	atomic_store(&x->producer_tid, (pid_t)syscall(SYS_gettid));
	ASSERT_OK(tl_spscq_put(&x->q, V(43), true, TL_FOREVER));
	return NULL;
}

static void sleepers(void)
{
	struct xfer x = {.n = 1};
	void *p;
	ASSERT_OK(tl_spscq_init(&x.q, 1));
	for (int round = 0; round < 20; round++) {
		atomic_store(&x.consumer_tid, 0);
		pthread_t c = su_spawn(get_one, &x);
		WAIT_UNTIL(atomic_load(&x.consumer_tid) != 0);
		su_wait_in_futex_on(atomic_load(&x.consumer_tid), &x.q.get_sleeps);
		ASSERT_EQ(tl_spscq_destroy(&x.q), TL_EBUSY); /* and still usable */
		ASSERT_OK(tl_spscq_put(&x.q, V(42), true, TL_FOREVER));
		su_join(c);

		ASSERT_OK(tl_spscq_put_nowait(&x.q, V(41))); /* full */
		atomic_store(&x.producer_tid, 0);
		pthread_t pr = su_spawn(put_one, &x);
		WAIT_UNTIL(atomic_load(&x.producer_tid) != 0);
		su_wait_in_futex_on(atomic_load(&x.producer_tid), &x.q.put_sleeps);
		ASSERT_OK(tl_spscq_get(&x.q, &p, true, TL_FOREVER));
		ASSERT_EQ(U(p), 41);
		su_join(pr);
		ASSERT_OK(tl_spscq_get_nowait(&x.q, &p));
		ASSERT_EQ(U(p), 43);
	}
	ASSERT_OK(tl_spscq_destroy(&x.q));
}

TEST_IMPL(spscq_sleepers_woken)
{
	sleepers();
	return 0;
}

TEST_IMPL(spscq_sleepers_woken_fenced)
{
	tl__asym_init();
	atomic_store(&tl__asym_fenced, 1);
	sleepers();
	return 0;
}

/* A timed get on an empty queue and a timed put on a full one give up with
 * Empty / Full, leave the queue usable and no one counted in it. */
TEST_IMPL(spscq_timeouts)
{
	tl_spscq_t q;
	void *p;
	struct timespec ts;
	ASSERT_OK(tl_spscq_init(&q, 1));
	ASSERT_EQ(tl_spscq_get(&q, &p, true, 0.02), TL_EEMPTY);
	ASSERT_EQ(tl_spscq_get_until(&q, &p, tl_deadline(&ts, 0.02)), TL_EEMPTY);
	ASSERT_OK(tl_spscq_put(&q, V(1), true, 0.02));
	ASSERT_EQ(tl_spscq_put(&q, V(2), true, 0.02), TL_EFULL);
	ASSERT_EQ(tl_spscq_put_until(&q, V(2), tl_deadline(&ts, 0.02)), TL_EFULL);
	ASSERT_OK(tl_spscq_get(&q, &p, true, 0.02));
	ASSERT_EQ(U(p), 1);
	ASSERT_OK(tl_spscq_destroy(&q)); /* nobody left inside */
	return 0;
}

/* Roles move between threads when the hand-over is ordered (join). */
TEST_IMPL(spscq_roles_move)
{
	struct xfer x = {.n = tl_test_iters(5000, 200)};
	ASSERT_OK(tl_spscq_init(&x.q, 16));
	for (int gen = 0; gen < 4; gen++) {
		pthread_t c = su_spawn(consume, &x), p = su_spawn(produce, &x);
		su_join(p);
		su_join(c);
	}
	ASSERT(tl_spscq_empty(&x.q));
	ASSERT_OK(tl_spscq_destroy(&x.q));
	return 0;
}

/* Data written before a put is visible after the get that returns it; the
 * consumer writes the record back and the producer reads it after the slot
 * came round again (the head's release/acquire). TSan flags any gap. */
struct rec {
	long a, b;
};

struct vis {
	tl_spscq_t q;
	struct rec recs[8];
	long n;
};

static void *vis_consume(void *arg)
{
	struct vis *v = arg;
	for (long i = 0; i < v->n; i++) {
		void *p;
		ASSERT_OK(tl_spscq_get(&v->q, &p, true, TL_FOREVER));
		struct rec *r = p;
		ASSERT_EQ(r->a, i);
		ASSERT_EQ(r->b, 2 * i);
		r->a = -1; /* plain write, ordered before the slot's reuse */
	}
	return NULL;
}

TEST_IMPL(spscq_data_visible)
{
	struct vis v = {.n = tl_test_iters(100000, 2000)};
	ASSERT_OK(tl_spscq_init(&v.q, 4));
	pthread_t c = su_spawn(vis_consume, &v);
	for (long i = 0; i < v.n; i++) {
		/* record i % 8 was last used by item i - 8, which the consumer
		 * took before item i - 4 could be put (capacity 4): done */
		struct rec *r = &v.recs[i % 8];
		if (i >= 8)
			ASSERT_EQ(r->a, -1);
		r->a = i;
		r->b = 2 * i;
		ASSERT_OK(tl_spscq_put(&v.q, r, true, TL_FOREVER));
	}
	su_join(c);
	ASSERT_OK(tl_spscq_destroy(&v.q));
	return 0;
}

TEST_LIST_BEGIN
TEST_ENTRY(spscq_args)
TEST_ENTRY(spscq_basic)
TEST_ENTRY(spscq_wraparound)
TEST_ENTRY(spscq_transfer)
TEST_ENTRY(spscq_transfer_fenced)
TEST_ENTRY(spscq_sleepers_woken)
TEST_ENTRY(spscq_sleepers_woken_fenced)
TEST_ENTRY(spscq_timeouts)
TEST_ENTRY(spscq_roles_move)
TEST_ENTRY(spscq_data_visible)
TEST_LIST_END
