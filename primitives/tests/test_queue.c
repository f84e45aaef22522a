/* queue.Queue / LifoQueue / PriorityQueue semantics, modelled on CPython's
 * Lib/test/test_queue.py (order, Full/Empty with and without timeouts,
 * blocking puts/gets released by the other side, task_done/join, the 3.13
 * shutdown tests) plus MPMC stress that checks every item arrives exactly
 * once and in per-producer order.
 *
 * Raw pthreads, so these tests do not depend on tl_thread. Where a test needs
 * "thread X is blocked in the queue", it polls the queue's sleeper count (a
 * state it can observe), never sleeps. */
#include "sync_util.h"
#include "task.h"
#include "threadlab/queue.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#define V(x) ((void *)(uintptr_t)(x))
#define U(p) ((uintptr_t)(p))

static void poll_until_u32(_Atomic uint32_t *w, uint32_t want)
{
	while (atomic_load(w) < want)
		sched_yield();
}

static const tl_queue_kind_t kinds[] = { TL_QUEUE_FIFO, TL_QUEUE_LIFO, TL_QUEUE_PRIORITY };

/* The tests that run on every kind put through these: priority 0 on a
 * priority queue (whose plain puts are TL_EINVAL), a plain put otherwise. */
static int qput(tl_queue_t *q, void *item, bool block, double timeout)
{
	return q->kind == TL_QUEUE_PRIORITY ? tl_queue_put_prio(q, item, 0, block, timeout)
					    : tl_queue_put(q, item, block, timeout);
}

static int qput_nowait(tl_queue_t *q, void *item)
{
	return q->kind == TL_QUEUE_PRIORITY ? tl_queue_put_prio_nowait(q, item, 0) : tl_queue_put_nowait(q, item);
}

static int qput_until(tl_queue_t *q, void *item, const struct timespec *deadline)
{
	return q->kind == TL_QUEUE_PRIORITY ? tl_queue_put_prio_until(q, item, 0, deadline)
					    : tl_queue_put_until(q, item, deadline);
}

/* ---- order ---- */

TEST_IMPL(seed_fifo_lifo_priority)
{
	/* The seed's section 14 examples. */
	const char *words[] = { "first", "second", "third" };
	tl_queue_t q;
	void *p;
	int64_t prio;

	ASSERT_OK(tl_queue_init(&q, TL_QUEUE_FIFO, 0));
	for (int i = 0; i < 3; i++)
		ASSERT_OK(qput(&q, (void *)words[i], true, TL_FOREVER));
	for (int i = 0; i < 3; i++) {
		ASSERT_OK(tl_queue_get(&q, &p, true, TL_FOREVER));
		ASSERT_STR_EQ((const char *)p, words[i]);
	}
	ASSERT_OK(tl_queue_destroy(&q));

	ASSERT_OK(tl_queue_init(&q, TL_QUEUE_LIFO, 0));
	for (int i = 0; i < 3; i++)
		ASSERT_OK(qput(&q, (void *)words[i], true, TL_FOREVER));
	for (int i = 2; i >= 0; i--) {
		ASSERT_OK(tl_queue_get(&q, &p, true, TL_FOREVER));
		ASSERT_STR_EQ((const char *)p, words[i]);
	}
	ASSERT_OK(tl_queue_destroy(&q));

	ASSERT_OK(tl_queue_init(&q, TL_QUEUE_PRIORITY, 0));
	ASSERT_OK(tl_queue_put_prio(&q, "a", 20, true, TL_FOREVER));
	ASSERT_OK(tl_queue_put_prio(&q, "b", 10, true, TL_FOREVER));
	ASSERT_OK(tl_queue_put_prio(&q, "c", 30, true, TL_FOREVER));
	ASSERT_OK(tl_queue_get_prio(&q, &p, &prio, true, TL_FOREVER));
	ASSERT_EQ(prio, 10);
	ASSERT_STR_EQ((const char *)p, "b");
	ASSERT_OK(tl_queue_get_prio(&q, &p, &prio, true, TL_FOREVER));
	ASSERT_EQ(prio, 20);
	ASSERT_STR_EQ((const char *)p, "a");
	ASSERT_OK(tl_queue_get_prio(&q, &p, &prio, true, TL_FOREVER));
	ASSERT_EQ(prio, 30);
	ASSERT_STR_EQ((const char *)p, "c");
	ASSERT_OK(tl_queue_destroy(&q));
	return 0;
}

TEST_IMPL(priority_order_and_stability)
{
	/* CPython's simple_queue_test order check, then equal priorities
	 * interleaved with others: they come out in insertion order. */
	static const int64_t in[] = { 111, 333, 222, 5, -7, 333, 0, 222, 111, 5 };
	enum { N = sizeof in / sizeof in[0] };
	tl_queue_t q;
	ASSERT_OK(tl_queue_init(&q, TL_QUEUE_PRIORITY, 0));
	for (int i = 0; i < N; i++)
		ASSERT_OK(tl_queue_put_prio_nowait(&q, V(i), in[i]));
	ASSERT_EQ(tl_queue_qsize(&q), N);
	int64_t last = INT64_MIN;
	int last_idx = -1;
	for (int i = 0; i < N; i++) {
		int64_t pr;
		void *p;
		ASSERT_OK(tl_queue_get_prio_nowait(&q, &p, &pr));
		ASSERT_EQ(pr, in[U(p)]);
		ASSERT(pr >= last);
		if (pr == last)
			ASSERT_GT((int)U(p), last_idx); /* stable */
		last = pr;
		last_idx = (int)U(p);
	}
	/* Many equal priorities through heap reshuffles: still FIFO. */
	for (int i = 0; i < 1000; i++)
		ASSERT_OK(tl_queue_put_prio_nowait(&q, V(i), i % 3));
	for (int k = 0; k < 3; k++) {
		int prev = -1;
		for (int i = 0; i < 334 - (k > 0); i++) {
			int64_t pr;
			void *p;
			ASSERT_OK(tl_queue_get_prio_nowait(&q, &p, &pr));
			ASSERT_EQ(pr, k);
			ASSERT_GT((int)U(p), prev);
			prev = (int)U(p);
		}
	}
	ASSERT(tl_queue_empty(&q));
	/* a put without a priority is refused, every form (no silent priority
	 * 0); plain gets work and drop the priority; prio calls on FIFO are
	 * invalid */
	ASSERT_EQ(tl_queue_put_nowait(&q, V(2)), TL_EINVAL);
	ASSERT_EQ(tl_queue_put(&q, V(2), true, TL_FOREVER), TL_EINVAL);
	ASSERT_EQ(tl_queue_put(&q, V(2), false, TL_FOREVER), TL_EINVAL);
	ASSERT_EQ(tl_queue_put_until(&q, V(2), NULL), TL_EINVAL);
	ASSERT(tl_queue_empty(&q));
	ASSERT_OK(tl_queue_put_prio_nowait(&q, V(1), 1));
	ASSERT_OK(tl_queue_put_prio_nowait(&q, V(2), 0));
	void *p;
	ASSERT_OK(tl_queue_get_nowait(&q, &p));
	ASSERT_EQ(U(p), 2);
	ASSERT_OK(tl_queue_get_nowait(&q, &p));
	ASSERT_EQ(U(p), 1);
	ASSERT_OK(tl_queue_destroy(&q));

	ASSERT_OK(tl_queue_init(&q, TL_QUEUE_FIFO, 0));
	ASSERT_EQ(tl_queue_put_prio_nowait(&q, V(1), 1), TL_EINVAL);
	ASSERT_EQ(tl_queue_get_prio_nowait(&q, &p, NULL), TL_EINVAL);
	ASSERT_OK(tl_queue_destroy(&q));
	return 0;
}

TEST_IMPL(fifo_growth_and_wraparound)
{
	/* Unbounded: grows through several rings while gets interleave, so
	 * items live in two rings at once; order must hold throughout. */
	tl_queue_t q;
	ASSERT_OK(tl_queue_init(&q, TL_QUEUE_FIFO, 0));
	uintptr_t next_put = 0, next_get = 0;
	static const long bursts[][2] = { { 1500, 1000 }, { 3000, 100 }, { 10000, 9000 }, { 70000, 70000 },
					  { 5, 4405 }, { 100000, 60000 }, { 0, -1 } }; /* -1: drain */
	for (size_t b = 0; b < sizeof bursts / sizeof bursts[0]; b++) {
		/* Under valgrind 1/20 of each burst, but at least 1200 (more
		 * than the first ring's 1024 slots, so it still grows): DRD
		 * spends a segment on each put/get's happens-before pair, and
		 * 184505 of them outlived the 300 s watchdog. */
		long nput = tl_test_iters(bursts[b][0], bursts[b][0] < 1200 ? bursts[b][0] : 1200);
		for (long i = 0; i < nput; i++)
			ASSERT_OK(qput_nowait(&q, V(next_put++)));
		ASSERT_EQ(tl_queue_qsize(&q), next_put - next_get);
		long nget = bursts[b][1] < 0 ? (long)(next_put - next_get)
			    : tl_test_iters(bursts[b][1], bursts[b][1] < 1200 ? bursts[b][1] : 1200);
		for (long i = 0; i < nget; i++) {
			void *p;
			ASSERT_OK(tl_queue_get_nowait(&q, &p));
			ASSERT_EQ(U(p), next_get);
			next_get++;
		}
	}
	ASSERT_EQ(next_put, next_get);
	void *p;
	ASSERT_EQ(tl_queue_get_nowait(&q, &p), TL_EEMPTY);
	ASSERT_OK(tl_queue_destroy(&q));
	return 0;
}

TEST_IMPL(bounded_exact_maxsize)
{
	/* maxsize is exact whatever the ring sizes: powers of two, not, and
	 * larger than the first ring (growth up to maxsize). */
	static const long sizes[] = { 1, 2, 3, 5, 64, 100, 4096, 5000, 10000 };
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
			long m = sizes[s];
			tl_queue_t q;
			ASSERT_OK(tl_queue_init(&q, kinds[k], m));
			ASSERT_EQ(tl_queue_maxsize(&q), m);
			for (int round = 0; round < 3; round++) {
				for (long i = 0; i < m; i++) {
					ASSERT_FALSE(tl_queue_full(&q));
					ASSERT_OK(qput_nowait(&q, V(i)));
				}
				ASSERT(tl_queue_full(&q));
				ASSERT_EQ(tl_queue_qsize(&q), m);
				ASSERT_EQ(qput_nowait(&q, V(0)), TL_EFULL);
				ASSERT_EQ(qput(&q, V(0), true, 0), TL_EFULL);
				/* drain half and refill: positions rotate round
				 * the ring, and it is exactly full again */
				long half = (m + 1) / 2;
				for (long i = 0; i < half; i++) {
					void *p;
					ASSERT_OK(tl_queue_get_nowait(&q, &p));
				}
				ASSERT_EQ(tl_queue_qsize(&q), m - half);
				for (long i = 0; i < half; i++)
					ASSERT_OK(qput_nowait(&q, V(i)));
				ASSERT_EQ(qput_nowait(&q, V(0)), TL_EFULL);
				for (long i = 0; i < m; i++) {
					void *p;
					ASSERT_OK(tl_queue_get_nowait(&q, &p));
				}
				ASSERT(tl_queue_empty(&q));
			}
			ASSERT_OK(tl_queue_destroy(&q));
		}
	}
	return 0;
}

/* ---- Full / Empty, timeouts, arguments ---- */

TEST_IMPL(full_and_empty_results)
{
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		tl_queue_t q;
		void *p = V(99);
		ASSERT_OK(tl_queue_init(&q, kinds[k], 3));
		ASSERT(tl_queue_empty(&q));
		ASSERT_FALSE(tl_queue_full(&q));
		ASSERT_EQ(tl_queue_get_nowait(&q, &p), TL_EEMPTY);
		ASSERT_EQ(tl_queue_get(&q, &p, false, TL_FOREVER), TL_EEMPTY);
		ASSERT_EQ(tl_queue_get(&q, &p, true, 0), TL_EEMPTY);
		ASSERT_EQ(tl_queue_get(&q, &p, true, 0.01), TL_EEMPTY);
		struct timespec ts;
		ASSERT_EQ(tl_queue_get_until(&q, &p, tl_deadline(&ts, 0.001)), TL_EEMPTY);
		ASSERT_EQ(U(p), 99); /* untouched on failure */
		for (int i = 0; i < 3; i++)
			ASSERT_OK(qput(&q, V(i), true, TL_FOREVER));
		ASSERT(tl_queue_full(&q));
		ASSERT_EQ(tl_queue_qsize(&q), 3);
		ASSERT_EQ(qput_nowait(&q, V(7)), TL_EFULL);
		ASSERT_EQ(qput(&q, V(7), false, TL_FOREVER), TL_EFULL);
		ASSERT_EQ(qput(&q, V(7), true, 0), TL_EFULL);
		ASSERT_EQ(qput(&q, V(7), true, 0.01), TL_EFULL);
		ASSERT_EQ(qput_until(&q, V(7), tl_deadline(&ts, 0.001)), TL_EFULL);
		ASSERT_EQ(tl_queue_qsize(&q), 3);
		for (int i = 0; i < 3; i++)
			ASSERT_OK(tl_queue_get(&q, &p, true, 0.01));
		ASSERT(tl_queue_empty(&q));
		ASSERT_OK(tl_queue_destroy(&q));
	}
	return 0;
}

TEST_IMPL(unbounded_never_full)
{
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		tl_queue_t q;
		ASSERT_OK(tl_queue_init(&q, kinds[k], -5)); /* <= 0: unbounded */
		ASSERT_EQ(tl_queue_maxsize(&q), 0);
		for (int i = 0; i < 20000; i++)
			ASSERT_OK(qput_nowait(&q, V(i)));
		ASSERT_FALSE(tl_queue_full(&q));
		ASSERT_EQ(tl_queue_qsize(&q), 20000);
		ASSERT_EQ(tl_queue_unfinished_tasks(&q), 20000);
		ASSERT_OK(tl_queue_destroy(&q)); /* items are just pointers */
	}
	return 0;
}

TEST_IMPL(bad_arguments)
{
	tl_queue_t q;
	void *p;
	ASSERT_EQ(tl_queue_init(&q, (tl_queue_kind_t)7, 0), TL_EINVAL);
	ASSERT_OK(tl_queue_init(&q, TL_QUEUE_FIFO, 1));
	/* Python: ValueError("'timeout' must be a non-negative number") */
	ASSERT_EQ(qput(&q, V(1), true, -2.0), TL_EINVAL);
	ASSERT_EQ(tl_queue_get(&q, &p, true, -0.5), TL_EINVAL);
	ASSERT_EQ(tl_queue_join(&q, -3.0), TL_EINVAL);
	ASSERT_EQ(tl_queue_get(&q, &p, true, NAN), TL_EINVAL);
	/* block=false ignores the timeout, as in Python */
	ASSERT_OK(qput(&q, V(1), false, -2.0));
	ASSERT_OK(tl_queue_get(&q, &p, false, -2.0));
	ASSERT_OK(tl_queue_destroy(&q));
	return 0;
}

/* ---- blocking released by the other side ---- */

struct blocker {
	tl_queue_t *q;
	uintptr_t item;
	int result;
	void *got;
};

static void *do_put(void *arg)
{
	struct blocker *b = arg;
	b->result = qput(b->q, V(b->item), true, TL_FOREVER);
	return NULL;
}

static void *do_get(void *arg)
{
	struct blocker *b = arg;
	b->result = tl_queue_get(b->q, &b->got, true, TL_FOREVER);
	return NULL;
}

static void *do_timed_get(void *arg)
{
	struct blocker *b = arg;
	b->result = tl_queue_get(b->q, &b->got, true, 60.0);
	return NULL;
}

TEST_IMPL(blocking_put_released_by_get)
{
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		tl_queue_t q;
		ASSERT_OK(tl_queue_init(&q, kinds[k], 2));
		ASSERT_OK(qput_nowait(&q, V(1)));
		ASSERT_OK(qput_nowait(&q, V(2)));
		struct blocker b = { &q, 3, 1, NULL };
		pthread_t t;
		ASSERT_OK(pthread_create(&t, NULL, do_put, &b));
		poll_until_u32(&q.putq.n, 1); /* it is (about to be) asleep */
		ASSERT_EQ(tl_queue_qsize(&q), 2);
		void *p;
		ASSERT_OK(tl_queue_get(&q, &p, true, TL_FOREVER));
		ASSERT_OK(pthread_join(t, NULL));
		ASSERT_OK(b.result);
		ASSERT_EQ(tl_queue_qsize(&q), 2);
		ASSERT_EQ(tl_queue_unfinished_tasks(&q), 3);
		ASSERT_OK(tl_queue_destroy(&q));
	}
	return 0;
}

TEST_IMPL(blocking_get_released_by_put)
{
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		for (int timed = 0; timed < 2; timed++) {
			tl_queue_t q;
			ASSERT_OK(tl_queue_init(&q, kinds[k], 0));
			struct blocker b = { &q, 0, 1, NULL };
			pthread_t t;
			ASSERT_OK(pthread_create(&t, NULL, timed ? do_timed_get : do_get, &b));
			poll_until_u32(&q.getq.n, 1);
			ASSERT_OK(qput(&q, V(42), true, TL_FOREVER));
			ASSERT_OK(pthread_join(t, NULL));
			ASSERT_OK(b.result);
			ASSERT_EQ(U(b.got), 42);
			ASSERT(tl_queue_empty(&q));
			ASSERT_OK(tl_queue_destroy(&q));
		}
	}
	return 0;
}

TEST_IMPL(destroy_busy_while_blocked)
{
	tl_queue_t q;
	ASSERT_OK(tl_queue_init(&q, TL_QUEUE_FIFO, 0));
	struct blocker b = { &q, 0, 1, NULL };
	pthread_t t;
	ASSERT_OK(pthread_create(&t, NULL, do_get, &b));
	poll_until_u32(&q.getq.n, 1);
	ASSERT_EQ(tl_queue_destroy(&q), TL_EBUSY);
	ASSERT_OK(qput_nowait(&q, V(5)));
	ASSERT_OK(pthread_join(t, NULL));
	ASSERT_OK(b.result);
	ASSERT_OK(tl_queue_destroy(&q));
	return 0;
}

/* ---- task_done / join ---- */

TEST_IMPL(task_done_too_often)
{
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		tl_queue_t q;
		void *p;
		ASSERT_OK(tl_queue_init(&q, kinds[k], 0));
		ASSERT_EQ(tl_queue_task_done(&q), TL_EOVERFLOW); /* ValueError */
		ASSERT_OK(qput_nowait(&q, V(1)));
		ASSERT_OK(qput_nowait(&q, V(2)));
		ASSERT_EQ(tl_queue_unfinished_tasks(&q), 2);
		ASSERT_OK(tl_queue_get_nowait(&q, &p));
		ASSERT_OK(tl_queue_task_done(&q));
		ASSERT_EQ(tl_queue_join(&q, 0), TL_ETIMEDOUT);
		ASSERT_OK(tl_queue_get_nowait(&q, &p));
		ASSERT_OK(tl_queue_task_done(&q));
		ASSERT_EQ(tl_queue_unfinished_tasks(&q), 0);
		ASSERT_OK(tl_queue_join(&q, TL_FOREVER));
		ASSERT_EQ(tl_queue_task_done(&q), TL_EOVERFLOW);
		ASSERT_EQ(tl_queue_unfinished_tasks(&q), 0);
		ASSERT_OK(tl_queue_destroy(&q));
	}
	return 0;
}

struct jworker {
	tl_queue_t *q;
	_Atomic uint64_t *sum;
	uint64_t plain_sum; /* written before task_done, read after join */
};

static void *join_worker(void *arg)
{
	struct jworker *w = arg;
	for (;;) {
		void *p;
		int r = tl_queue_get(w->q, &p, true, TL_FOREVER);
		if (r == TL_ESHUTDOWN)
			break;
		ASSERT_OK(r);
		w->plain_sum += U(p);
		atomic_fetch_add(w->sum, U(p));
		ASSERT_OK(tl_queue_task_done(w->q));
	}
	return NULL;
}

TEST_IMPL(join_released_by_last_task_done)
{
	/* CPython's queue_join_test: workers task_done every item; join
	 * returns only when all are done, and the workers' writes before
	 * task_done are visible after join (happens-before). */
	enum { WORKERS = 4, ROUNDS = 3, ITEMS = 500 };
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		tl_queue_t q;
		_Atomic uint64_t sum = 0;
		ASSERT_OK(tl_queue_init(&q, kinds[k], k == 0 ? 7 : 0));
		struct jworker w[WORKERS];
		pthread_t t[WORKERS];
		for (int i = 0; i < WORKERS; i++) {
			w[i] = (struct jworker){ &q, &sum, 0 };
			ASSERT_OK(pthread_create(&t[i], NULL, join_worker, &w[i]));
		}
		uint64_t expect = 0;
		for (int r = 0; r < ROUNDS; r++) {
			for (uintptr_t i = 1; i <= ITEMS; i++) {
				ASSERT_OK(qput(&q, V(i), true, TL_FOREVER));
				expect += i;
			}
			ASSERT_OK(tl_queue_join(&q, TL_FOREVER));
			ASSERT_EQ(atomic_load(&sum), expect);
			ASSERT_EQ(tl_queue_unfinished_tasks(&q), 0);
		}
		ASSERT_OK(tl_queue_shutdown(&q, false));
		uint64_t plain = 0;
		for (int i = 0; i < WORKERS; i++) {
			ASSERT_OK(pthread_join(t[i], NULL));
			plain += w[i].plain_sum;
		}
		ASSERT_EQ(plain, expect);
		ASSERT_OK(tl_queue_destroy(&q));
	}
	return 0;
}

static void *do_join(void *arg)
{
	struct blocker *b = arg;
	b->result = tl_queue_join(b->q, TL_FOREVER);
	return NULL;
}

TEST_IMPL(join_blocks_until_task_done)
{
	tl_queue_t q;
	void *p;
	ASSERT_OK(tl_queue_init(&q, TL_QUEUE_FIFO, 0));
	ASSERT_OK(tl_queue_join(&q, TL_FOREVER)); /* nothing put: returns */
	ASSERT_OK(qput_nowait(&q, V(1)));
	struct blocker b = { &q, 0, 1, NULL };
	pthread_t t;
	ASSERT_OK(pthread_create(&t, NULL, do_join, &b));
	poll_until_u32(&q.joiners, 1);
	ASSERT_OK(tl_queue_get_nowait(&q, &p));
	ASSERT_OK(tl_queue_task_done(&q));
	ASSERT_OK(pthread_join(t, NULL));
	ASSERT_OK(b.result);
	ASSERT_OK(tl_queue_destroy(&q));
	return 0;
}

/* ---- shutdown (Python 3.13) ---- */

TEST_IMPL(shutdown_put_fails_get_drains)
{
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		tl_queue_t q;
		void *p;
		ASSERT_OK(tl_queue_init(&q, kinds[k], 5));
		ASSERT_OK(qput_nowait(&q, V(1)));
		ASSERT_OK(qput_nowait(&q, V(2)));
		ASSERT_FALSE(tl_queue_is_shutdown(&q));
		ASSERT_OK(tl_queue_shutdown(&q, false));
		ASSERT(tl_queue_is_shutdown(&q));
		ASSERT_EQ(qput_nowait(&q, V(3)), TL_ESHUTDOWN);
		ASSERT_EQ(qput(&q, V(3), true, TL_FOREVER), TL_ESHUTDOWN);
		ASSERT_EQ(tl_queue_qsize(&q), 2);
		ASSERT_OK(tl_queue_get(&q, &p, true, TL_FOREVER));
		ASSERT_OK(tl_queue_get_nowait(&q, &p));
		ASSERT_EQ(tl_queue_get_nowait(&q, &p), TL_ESHUTDOWN);
		ASSERT_EQ(tl_queue_get(&q, &p, true, TL_FOREVER), TL_ESHUTDOWN);
		ASSERT_EQ(tl_queue_get(&q, &p, true, 0.01), TL_ESHUTDOWN);
		/* join still counts: two put, none done */
		ASSERT_EQ(tl_queue_unfinished_tasks(&q), 2);
		ASSERT_OK(tl_queue_task_done(&q));
		ASSERT_OK(tl_queue_task_done(&q));
		ASSERT_OK(tl_queue_join(&q, TL_FOREVER));
		ASSERT_OK(tl_queue_shutdown(&q, false)); /* idempotent */
		ASSERT_OK(tl_queue_destroy(&q));
	}
	return 0;
}

TEST_IMPL(shutdown_immediate_drops_and_releases_join)
{
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		tl_queue_t q;
		void *p;
		ASSERT_OK(tl_queue_init(&q, kinds[k], 0));
		for (int i = 0; i < 10; i++)
			ASSERT_OK(qput_nowait(&q, V(i)));
		ASSERT_OK(tl_queue_get_nowait(&q, &p)); /* one in progress, not done */
		struct blocker b = { &q, 0, 1, NULL };
		pthread_t t;
		ASSERT_OK(pthread_create(&t, NULL, do_join, &b));
		poll_until_u32(&q.joiners, 1);
		ASSERT_OK(tl_queue_shutdown(&q, true));
		ASSERT_EQ(tl_queue_qsize(&q), 0);
		ASSERT_EQ(tl_queue_get_nowait(&q, &p), TL_ESHUTDOWN);
		/* 9 dropped and counted done; the one taken is still unfinished */
		ASSERT_EQ(tl_queue_unfinished_tasks(&q), 1);
		ASSERT_OK(tl_queue_task_done(&q));
		ASSERT_OK(pthread_join(t, NULL));
		ASSERT_OK(b.result);
		ASSERT_EQ(tl_queue_task_done(&q), TL_EOVERFLOW);
		ASSERT_OK(tl_queue_destroy(&q));

		/* Python clamps at zero: task_done already called for the
		 * dropped items does not drive the count negative. */
		ASSERT_OK(tl_queue_init(&q, kinds[k], 0));
		for (int i = 0; i < 3; i++)
			ASSERT_OK(qput_nowait(&q, V(i)));
		for (int i = 0; i < 2; i++)
			ASSERT_OK(tl_queue_task_done(&q));
		ASSERT_OK(tl_queue_shutdown(&q, true));
		ASSERT_EQ(tl_queue_unfinished_tasks(&q), 0);
		ASSERT_OK(tl_queue_join(&q, TL_FOREVER));
		ASSERT_OK(tl_queue_destroy(&q));
	}
	return 0;
}

TEST_IMPL(shutdown_immediate_releases_blocked_join)
{
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		tl_queue_t q;
		ASSERT_OK(tl_queue_init(&q, kinds[k], 0));
		for (int i = 0; i < 5; i++)
			ASSERT_OK(qput_nowait(&q, V(i)));
		enum { J = 3 };
		struct blocker b[J];
		pthread_t t[J];
		for (int i = 0; i < J; i++) {
			b[i] = (struct blocker){ &q, 0, 1, NULL };
			ASSERT_OK(pthread_create(&t[i], NULL, do_join, &b[i]));
		}
		poll_until_u32(&q.joiners, J);
		ASSERT_OK(tl_queue_shutdown(&q, true));
		for (int i = 0; i < J; i++) {
			ASSERT_OK(pthread_join(t[i], NULL));
			ASSERT_OK(b[i].result);
		}
		ASSERT_OK(tl_queue_destroy(&q));
	}
	return 0;
}

TEST_IMPL(shutdown_wakes_blocked_getters_and_putters)
{
	enum { N = 4 };
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		for (int immediate = 0; immediate < 2; immediate++) {
			/* getters blocked on an empty queue */
			tl_queue_t q;
			ASSERT_OK(tl_queue_init(&q, kinds[k], 1));
			struct blocker g[N];
			pthread_t t[N];
			for (int i = 0; i < N; i++) {
				g[i] = (struct blocker){ &q, 0, 1, NULL };
				ASSERT_OK(pthread_create(&t[i], NULL, i % 2 ? do_timed_get : do_get, &g[i]));
			}
			poll_until_u32(&q.getq.n, N);
			ASSERT_OK(tl_queue_shutdown(&q, immediate));
			for (int i = 0; i < N; i++) {
				ASSERT_OK(pthread_join(t[i], NULL));
				ASSERT_EQ(g[i].result, TL_ESHUTDOWN);
			}
			ASSERT_OK(tl_queue_destroy(&q));

			/* putters blocked on a full queue: they fail even though
			 * the shutdown (immediate) makes room */
			ASSERT_OK(tl_queue_init(&q, kinds[k], 1));
			ASSERT_OK(qput_nowait(&q, V(100)));
			for (int i = 0; i < N; i++) {
				g[i] = (struct blocker){ &q, (uintptr_t)i, 1, NULL };
				ASSERT_OK(pthread_create(&t[i], NULL, do_put, &g[i]));
			}
			poll_until_u32(&q.putq.n, N);
			ASSERT_OK(tl_queue_shutdown(&q, immediate));
			for (int i = 0; i < N; i++) {
				ASSERT_OK(pthread_join(t[i], NULL));
				ASSERT_EQ(g[i].result, TL_ESHUTDOWN);
			}
			void *p;
			if (!immediate) {
				ASSERT_OK(tl_queue_get_nowait(&q, &p));
				ASSERT_EQ(U(p), 100);
			}
			ASSERT_EQ(tl_queue_get_nowait(&q, &p), TL_ESHUTDOWN);
			ASSERT_OK(tl_queue_destroy(&q));
		}
	}
	return 0;
}

/* ---- MPMC stress ---- */

enum { PRODUCERS = 3, CONSUMERS = 3 };

struct stress {
	tl_queue_t *q;
	int per_producer;
	_Atomic uint64_t sum;
	_Atomic uint64_t count;
	_Atomic int order_errors;
};

struct producer {
	struct stress *s;
	int id;
};

/* item = id << 32 | sequence + 1 (never 0) */
static void *stress_producer(void *arg)
{
	struct producer *p = arg;
	for (int i = 0; i < p->s->per_producer; i++) {
		uintptr_t v = ((uintptr_t)p->id << 32) | (uintptr_t)(i + 1);
		int r;
		if (p->s->q->kind == TL_QUEUE_PRIORITY)
			r = tl_queue_put_prio(p->s->q, V(v), i % 5, true, TL_FOREVER);
		else if (i % 7 == 3) { /* mix in non-blocking puts */
			while ((r = qput_nowait(p->s->q, V(v))) == TL_EFULL)
				sched_yield();
		} else
			r = qput(p->s->q, V(v), true, TL_FOREVER);
		ASSERT_OK(r);
	}
	return NULL;
}

static void *stress_consumer(void *arg)
{
	struct stress *s = arg;
	uint32_t last[PRODUCERS] = { 0 };
	for (;;) {
		void *p;
		int r = tl_queue_get(s->q, &p, true, TL_FOREVER);
		if (r == TL_ESHUTDOWN)
			break;
		ASSERT_OK(r);
		uintptr_t v = U(p);
		int id = (int)(v >> 32);
		uint32_t seq = (uint32_t)v;
		ASSERT(id >= 0 && id < PRODUCERS && seq >= 1);
		/* FIFO: one consumer sees each producer's items in order */
		if (s->q->kind == TL_QUEUE_FIFO && seq <= last[id])
			atomic_fetch_add(&s->order_errors, 1);
		last[id] = seq;
		atomic_fetch_add(&s->sum, seq);
		atomic_fetch_add(&s->count, 1);
		ASSERT_OK(tl_queue_task_done(s->q));
	}
	return NULL;
}

static void run_stress(tl_queue_kind_t kind, long maxsize, int per_producer)
{
	tl_queue_t q;
	ASSERT_OK(tl_queue_init(&q, kind, maxsize));
	struct stress s = { &q, per_producer, 0, 0, 0 };
	pthread_t pt[PRODUCERS], ct[CONSUMERS];
	struct producer pr[PRODUCERS];
	for (int i = 0; i < CONSUMERS; i++)
		ASSERT_OK(pthread_create(&ct[i], NULL, stress_consumer, &s));
	for (int i = 0; i < PRODUCERS; i++) {
		pr[i] = (struct producer){ &s, i };
		ASSERT_OK(pthread_create(&pt[i], NULL, stress_producer, &pr[i]));
	}
	for (int i = 0; i < PRODUCERS; i++)
		ASSERT_OK(pthread_join(pt[i], NULL));
	ASSERT_OK(tl_queue_join(&q, TL_FOREVER));
	ASSERT_OK(tl_queue_shutdown(&q, false)); /* consumers drain, then stop */
	for (int i = 0; i < CONSUMERS; i++)
		ASSERT_OK(pthread_join(ct[i], NULL));
	uint64_t n = (uint64_t)per_producer;
	ASSERT_EQ(atomic_load(&s.count), PRODUCERS * n);
	ASSERT_EQ(atomic_load(&s.sum), PRODUCERS * n * (n + 1) / 2);
	ASSERT_EQ(atomic_load(&s.order_errors), 0);
	ASSERT_EQ(tl_queue_qsize(&q), 0);
	ASSERT_EQ(tl_queue_unfinished_tasks(&q), 0);
	ASSERT_OK(tl_queue_destroy(&q));
}

TEST_IMPL(mpmc_fifo_bounded)
{
	run_stress(TL_QUEUE_FIFO, 1, 3000);
	run_stress(TL_QUEUE_FIFO, 4, 10000);
	run_stress(TL_QUEUE_FIFO, 5, 10000);
	run_stress(TL_QUEUE_FIFO, 6000, 20000); /* grows up to maxsize under load */
	return 0;
}

TEST_IMPL(mpmc_fifo_unbounded)
{
	run_stress(TL_QUEUE_FIFO, 0, 50000); /* ring switches under load */
	return 0;
}

TEST_IMPL(mpmc_lifo_priority)
{
	run_stress(TL_QUEUE_LIFO, 3, 5000);
	run_stress(TL_QUEUE_LIFO, 0, 10000);
	run_stress(TL_QUEUE_PRIORITY, 4, 5000);
	run_stress(TL_QUEUE_PRIORITY, 0, 10000);
	return 0;
}

/* Shutdown racing with busy producers and consumers: every accepted put is
 * either got or dropped (immediate), nothing is got twice, nobody hangs. */
struct race {
	tl_queue_t *q;
	_Atomic uint64_t accepted, got;
};

static void *race_producer(void *arg)
{
	struct race *r = arg;
	for (uintptr_t i = 1;; i++) {
		int rc = qput(r->q, V(i), true, TL_FOREVER);
		if (rc == TL_ESHUTDOWN)
			break;
		ASSERT_OK(rc);
		atomic_fetch_add(&r->accepted, 1);
	}
	return NULL;
}

static void *race_consumer(void *arg)
{
	struct race *r = arg;
	for (;;) {
		void *p;
		int rc = tl_queue_get(r->q, &p, true, TL_FOREVER);
		if (rc == TL_ESHUTDOWN)
			break;
		ASSERT_OK(rc);
		atomic_fetch_add(&r->got, 1);
		ASSERT_OK(tl_queue_task_done(r->q));
	}
	return NULL;
}

TEST_IMPL(shutdown_races_with_traffic)
{
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		for (int immediate = 0; immediate < 2; immediate++) {
			for (long maxsize = 0; maxsize <= 8; maxsize += 8) {
				tl_queue_t q;
				ASSERT_OK(tl_queue_init(&q, kinds[k], maxsize));
				struct race r = { &q, 0, 0 };
				pthread_t t[4];
				for (int i = 0; i < 2; i++) {
					ASSERT_OK(pthread_create(&t[i], NULL, race_producer, &r));
					ASSERT_OK(pthread_create(&t[2 + i], NULL, race_consumer, &r));
				}
				while (atomic_load(&r.got) < 2000)
					sched_yield();
				ASSERT_OK(tl_queue_shutdown(&q, immediate));
				for (int i = 0; i < 4; i++)
					ASSERT_OK(pthread_join(t[i], NULL));
				ASSERT_EQ(tl_queue_qsize(&q), 0);
				ASSERT(atomic_load(&r.got) <= atomic_load(&r.accepted));
				if (!immediate)
					ASSERT_EQ(atomic_load(&r.got), atomic_load(&r.accepted));
				ASSERT_EQ(tl_queue_unfinished_tasks(&q), 0);
				ASSERT_OK(tl_queue_join(&q, TL_FOREVER));
				ASSERT_OK(tl_queue_destroy(&q));
			}
		}
	}
	return 0;
}

/* Issue 19: a queue nobody uses burns no CPU: a getter on the empty queue
 * ends up asleep in the kernel (its poll phase is bounded). */
struct idle_getter {
	tl_queue_t *q;
	_Atomic pid_t tid;
	void *got;
};

static void *idle_get(void *arg)
{
	struct idle_getter *g = arg;
	atomic_store(&g->tid, (pid_t)syscall(SYS_gettid));
	ASSERT_OK(tl_queue_get(g->q, &g->got, true, TL_FOREVER));
	return NULL;
}

TEST_IMPL(idle_getter_sleeps)
{
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		tl_queue_t q;
		ASSERT_OK(tl_queue_init(&q, kinds[k], k == 0 ? 0 : 8));
		struct idle_getter g = { .q = &q };
		pthread_t t;
		ASSERT_OK(pthread_create(&t, NULL, idle_get, &g));
		WAIT_UNTIL(atomic_load(&g.tid) != 0);
		su_wait_in_futex(atomic_load(&g.tid));
		ASSERT_OK(kinds[k] == TL_QUEUE_PRIORITY ? tl_queue_put_prio(&q, V(7), 0, true, TL_FOREVER)
							 : tl_queue_put(&q, V(7), true, TL_FOREVER));
		ASSERT_OK(pthread_join(t, NULL));
		ASSERT_EQ(U(g.got), 7);
		ASSERT_OK(tl_queue_destroy(&q));
	}
	return 0;
}

TEST_LIST_BEGIN
TEST_ENTRY(idle_getter_sleeps)
TEST_ENTRY(seed_fifo_lifo_priority)
TEST_ENTRY(priority_order_and_stability)
TEST_ENTRY(fifo_growth_and_wraparound)
TEST_ENTRY(bounded_exact_maxsize)
TEST_ENTRY(full_and_empty_results)
TEST_ENTRY(unbounded_never_full)
TEST_ENTRY(bad_arguments)
TEST_ENTRY(blocking_put_released_by_get)
TEST_ENTRY(blocking_get_released_by_put)
TEST_ENTRY(destroy_busy_while_blocked)
TEST_ENTRY(task_done_too_often)
TEST_ENTRY(join_released_by_last_task_done)
TEST_ENTRY(join_blocks_until_task_done)
TEST_ENTRY(shutdown_put_fails_get_drains)
TEST_ENTRY(shutdown_immediate_drops_and_releases_join)
TEST_ENTRY(shutdown_immediate_releases_blocked_join)
TEST_ENTRY(shutdown_wakes_blocked_getters_and_putters)
TEST_ENTRY(mpmc_fifo_bounded)
TEST_ENTRY(mpmc_fifo_unbounded)
TEST_ENTRY(mpmc_lifo_priority)
TEST_ENTRY(shutdown_races_with_traffic)
TEST_LIST_END
