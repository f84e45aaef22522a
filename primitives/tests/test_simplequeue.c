/* queue.SimpleQueue semantics, modelled on CPython's Lib/test/test_queue.py
 * BaseSimpleQueueTest: test_basic (put/get/qsize/empty, Empty from
 * get(block=False), get(timeout=...) and get_nowait), the negative-timeout
 * ValueError, test_order (one producer, one consumer: exact order),
 * test_many_threads / _nonblock / _timeout (every item received exactly
 * once), plus what C adds: argument checks, growth through several rings,
 * blocked getters released by puts (oldest sleeper first), destroy while a
 * get is blocked, and data written before put visible after get (TSan).
 *
 * Raw pthreads. Where a test needs "thread X sleeps in the queue" it polls
 * the queue's sleeper count (a state it can observe), never sleeps; no test
 * asserts a time. */
#include "sync_util.h"
#include "threadlab/simplequeue.h"

#include "qlock.h"
#include "waitq.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#define V(x) ((void *)(uintptr_t)(x))
#define U(p) ((uintptr_t)(p))

/* Sleepers linked in the queue's wait queue (internal, observable). */
static void wait_sleepers(tl_simplequeue_t *q, uint32_t want)
{
	while (atomic_load(&q->fifo.getq.n) < want)
		sched_yield();
}

/* ---- single thread ---- */

TEST_IMPL(simplequeue_basic)
{
	/* CPython test_basic, step by step. */
	tl_simplequeue_t q;
	void *p = V(99);
	struct timespec ts;
	ASSERT_OK(tl_simplequeue_init(&q));
	ASSERT(tl_simplequeue_empty(&q));
	ASSERT_EQ(tl_simplequeue_qsize(&q), 0);
	ASSERT_OK(tl_simplequeue_put(&q, V(1)));
	ASSERT_FALSE(tl_simplequeue_empty(&q));
	ASSERT_EQ(tl_simplequeue_qsize(&q), 1);
	ASSERT_OK(tl_simplequeue_put(&q, V(2)));
	ASSERT_OK(tl_simplequeue_put_nowait(&q, V(3)));
	ASSERT_OK(tl_simplequeue_put(&q, V(4)));
	ASSERT_FALSE(tl_simplequeue_empty(&q));
	ASSERT_EQ(tl_simplequeue_qsize(&q), 4);

	ASSERT_OK(tl_simplequeue_get(&q, &p, true, TL_FOREVER));
	ASSERT_EQ(U(p), 1);
	ASSERT_EQ(tl_simplequeue_qsize(&q), 3);
	ASSERT_OK(tl_simplequeue_get_nowait(&q, &p));
	ASSERT_EQ(U(p), 2);
	ASSERT_EQ(tl_simplequeue_qsize(&q), 2);
	ASSERT_OK(tl_simplequeue_get(&q, &p, false, TL_FOREVER));
	ASSERT_EQ(U(p), 3);
	ASSERT_FALSE(tl_simplequeue_empty(&q));
	ASSERT_EQ(tl_simplequeue_qsize(&q), 1);
	ASSERT_OK(tl_simplequeue_get(&q, &p, true, 0.1));
	ASSERT_EQ(U(p), 4);
	ASSERT(tl_simplequeue_empty(&q));
	ASSERT_EQ(tl_simplequeue_qsize(&q), 0);

	/* Empty, every way; the item is untouched on failure */
	p = V(99);
	ASSERT_EQ(tl_simplequeue_get(&q, &p, false, TL_FOREVER), TL_EEMPTY);
	ASSERT_EQ(tl_simplequeue_get(&q, &p, true, 1e-3), TL_EEMPTY); /* timed out: queue.Empty */
	ASSERT_EQ(tl_simplequeue_get(&q, &p, true, 0), TL_EEMPTY);
	ASSERT_EQ(tl_simplequeue_get_nowait(&q, &p), TL_EEMPTY);
	ASSERT_EQ(tl_simplequeue_get_until(&q, &p, tl_deadline(&ts, 1e-3)), TL_EEMPTY);
	clock_gettime(CLOCK_MONOTONIC, &ts); /* a deadline already passed: one attempt */
	ASSERT_EQ(tl_simplequeue_get_until(&q, &p, &ts), TL_EEMPTY);
	ASSERT_EQ(U(p), 99);
	ASSERT(tl_simplequeue_empty(&q));

	/* a passed deadline still takes an item that is there */
	ASSERT_OK(tl_simplequeue_put(&q, V(5)));
	ASSERT_OK(tl_simplequeue_get_until(&q, &p, &ts));
	ASSERT_EQ(U(p), 5);
	ASSERT_OK(tl_simplequeue_put(&q, V(6)));
	ASSERT_OK(tl_simplequeue_get_until(&q, &p, NULL));
	ASSERT_EQ(U(p), 6);
	ASSERT_OK(tl_simplequeue_destroy(&q));
	return 0;
}

TEST_IMPL(simplequeue_negative_timeout)
{
	/* CPython test_negative_timeout_raises_exception: ValueError even
	 * when an item is there. TL_FOREVER (-1) is "block forever". */
	tl_simplequeue_t q;
	void *p = V(99);
	ASSERT_OK(tl_simplequeue_init(&q));
	ASSERT_OK(tl_simplequeue_put(&q, V(1)));
	ASSERT_EQ(tl_simplequeue_get(&q, &p, true, -0.5), TL_EINVAL);
	ASSERT_EQ(tl_simplequeue_get(&q, &p, true, -2.0), TL_EINVAL);
	ASSERT_EQ(tl_simplequeue_get(&q, &p, true, -INFINITY), TL_EINVAL);
	ASSERT_EQ(tl_simplequeue_get(&q, &p, true, NAN), TL_EINVAL);
	ASSERT_EQ(U(p), 99);
	ASSERT_EQ(tl_simplequeue_qsize(&q), 1);
	/* block=False ignores the timeout, as in Python */
	ASSERT_OK(tl_simplequeue_get(&q, &p, false, -2.0));
	ASSERT_EQ(U(p), 1);
	ASSERT_OK(tl_simplequeue_put(&q, V(2)));
	ASSERT_OK(tl_simplequeue_get(&q, &p, true, TL_FOREVER));
	ASSERT_EQ(U(p), 2);
	/* a huge timeout is "forever" (no overflow), and finds the item */
	ASSERT_OK(tl_simplequeue_put(&q, V(3)));
	ASSERT_OK(tl_simplequeue_get(&q, &p, true, 1e300));
	ASSERT_EQ(U(p), 3);
	ASSERT_OK(tl_simplequeue_destroy(&q));
	return 0;
}

TEST_IMPL(simplequeue_bad_arguments)
{
	tl_simplequeue_t q;
	void *p;
	struct timespec ts;
	ASSERT_EQ(tl_simplequeue_init(NULL), TL_EINVAL);
	ASSERT_EQ(tl_simplequeue_destroy(NULL), TL_EINVAL);
	ASSERT_EQ(tl_simplequeue_put(NULL, V(1)), TL_EINVAL);
	ASSERT_EQ(tl_simplequeue_put_nowait(NULL, V(1)), TL_EINVAL);
	ASSERT_EQ(tl_simplequeue_get(NULL, &p, true, TL_FOREVER), TL_EINVAL);
	ASSERT_EQ(tl_simplequeue_get_nowait(NULL, &p), TL_EINVAL);
	ASSERT_EQ(tl_simplequeue_get_until(NULL, &p, NULL), TL_EINVAL);
	ASSERT_OK(tl_simplequeue_init(&q));
	ASSERT_OK(tl_simplequeue_put(&q, V(1)));
	ASSERT_EQ(tl_simplequeue_get(&q, NULL, true, TL_FOREVER), TL_EINVAL);
	ASSERT_EQ(tl_simplequeue_get(&q, NULL, false, TL_FOREVER), TL_EINVAL);
	ASSERT_EQ(tl_simplequeue_get_nowait(&q, NULL), TL_EINVAL);
	ASSERT_EQ(tl_simplequeue_get_until(&q, NULL, tl_deadline(&ts, 0)), TL_EINVAL);
	ASSERT_EQ(tl_simplequeue_qsize(&q), 1); /* nothing was taken */
	/* NULL is a valid item (Python's None) */
	ASSERT_OK(tl_simplequeue_put(&q, NULL));
	ASSERT_OK(tl_simplequeue_get_nowait(&q, &p));
	ASSERT_EQ(U(p), 1);
	p = V(7);
	ASSERT_OK(tl_simplequeue_get_nowait(&q, &p));
	ASSERT_NULL(p);
	ASSERT_OK(tl_simplequeue_destroy(&q));
	return 0;
}

TEST_IMPL(simplequeue_fifo_growth)
{
	/* Unbounded: grows through several rings while gets interleave, so
	 * items sit in two rings at once; order and qsize hold throughout;
	 * items left in the queue at destroy are just pointers. */
	static const long bursts[][2] = { { 1500, 1000 }, { 3000, 100 },  { 10000, 9000 }, { 70000, 70000 },
					  { 5, 4405 },    { 100000, 60000 }, { 0, 40000 }, { 3000, 1000 } };
	tl_simplequeue_t q;
	ASSERT_OK(tl_simplequeue_init(&q));
	uintptr_t next_put = 0, next_get = 0;
	for (size_t b = 0; b < sizeof bursts / sizeof bursts[0]; b++) {
		/* under valgrind 1/20, each burst at least 1200 (more than a
		 * first ring): as test_queue's fifo_growth_and_wraparound */
		long nput = tl_test_iters(bursts[b][0], bursts[b][0] < 1200 ? bursts[b][0] : 1200);
		long nget = tl_test_iters(bursts[b][1], bursts[b][1] < 1200 ? bursts[b][1] : 1200);
		for (long i = 0; i < nput; i++)
			ASSERT_OK(tl_simplequeue_put(&q, V(next_put++)));
		ASSERT_EQ(tl_simplequeue_qsize(&q), next_put - next_get);
		for (long i = 0; i < nget; i++) {
			void *p;
			ASSERT_OK(tl_simplequeue_get_nowait(&q, &p));
			ASSERT_EQ(U(p), next_get);
			next_get++;
		}
		ASSERT_EQ(tl_simplequeue_empty(&q), next_put == next_get);
	}
	ASSERT_EQ(tl_simplequeue_qsize(&q), tl_test_iter_div() > 1 ? next_put - next_get : 2000);
	ASSERT_OK(tl_simplequeue_destroy(&q));
	return 0;
}

/* ---- blocking gets released by puts ---- */

struct getter {
	tl_simplequeue_t *q;
	double timeout; /* TL_FOREVER or seconds */
	int result;
	void *got;
	_Atomic pid_t tid;  /* set by the getter before it gets */
	_Atomic int done;   /* set after result and got */
};

static void *do_get(void *arg)
{
	struct getter *g = arg;
	atomic_store(&g->tid, (pid_t)syscall(SYS_gettid));
	g->result = tl_simplequeue_get(g->q, &g->got, true, g->timeout);
	atomic_store(&g->done, 1);
	return NULL;
}

/* The newest linked wait node's futex word (read under the wait queue's
 * lock: the list is the queue's, the address is all we take). */
static const void *newest_sleeper_word(tl_simplequeue_t *q)
{
	tl__waitq_t *wq = &q->fifo.getq;
	tl__qlock(&wq->lock);
	tl__wnode_t *w = wq->tail;
	tl__qunlock(&wq->lock);
	ASSERT(w != NULL);
	return &w->signalled;
}

/* Wait until thread `tid` is blocked in futex() on `word`
 * (su_wait_in_futex_on). The sleeper count alone is not enough: it counts a
 * getter from the moment it links its node, while it still re-checks the
 * queue, and a getter in its re-check may take an item put for an older
 * sleeper (the item is not reserved: barging is allowed). Asleep on its own
 * node, it can only leave when a put or a wake passed on unlinks it. */
static void wait_asleep_on(pid_t tid, const void *word)
{
	su_wait_in_futex_on(tid, word);
}

static void *do_get_until_forever(void *arg)
{
	struct getter *g = arg;
	g->result = tl_simplequeue_get_until(g->q, &g->got, NULL);
	return NULL;
}

TEST_IMPL(simplequeue_blocked_getters_woken_by_put)
{
	/* K getters asleep (blocking, timed with a long timeout, get_until
	 * forever); K puts release every one of them, each with a distinct
	 * item. */
	enum { K = 6 };
	tl_simplequeue_t q;
	ASSERT_OK(tl_simplequeue_init(&q));
	struct getter g[K];
	pthread_t t[K];
	for (int i = 0; i < K; i++) {
		g[i] = (struct getter){ &q, i % 2 ? 60.0 : TL_FOREVER, 1, NULL, 0, 0 };
		ASSERT_OK(pthread_create(&t[i], NULL, i % 3 == 2 ? do_get_until_forever : do_get, &g[i]));
	}
	wait_sleepers(&q, K);
	ASSERT(tl_simplequeue_empty(&q));
	ASSERT_EQ(tl_simplequeue_destroy(&q), TL_EBUSY); /* and still usable */
	for (int i = 1; i <= K; i++)
		ASSERT_OK(tl_simplequeue_put(&q, V(i)));
	unsigned seen = 0;
	for (int i = 0; i < K; i++) {
		ASSERT_OK(pthread_join(t[i], NULL));
		ASSERT_OK(g[i].result);
		ASSERT(U(g[i].got) >= 1 && U(g[i].got) <= K);
		ASSERT_FALSE(seen & (1u << U(g[i].got)));
		seen |= 1u << U(g[i].got);
	}
	ASSERT(tl_simplequeue_empty(&q));
	ASSERT_OK(tl_simplequeue_destroy(&q));
	return 0;
}

TEST_IMPL(simplequeue_oldest_sleeper_first)
{
	/* The documented wake order: with A linked first and B asleep after
	 * it (and nobody else getting), the first put goes to A, the second
	 * to B. B must really be asleep, not only linked (see wait_asleep_on):
	 * A may still be in its re-check, and then takes the item there and
	 * passes its unused wake on to B, which finds the queue empty and
	 * sleeps on. */
	tl_simplequeue_t q;
	ASSERT_OK(tl_simplequeue_init(&q));
	for (int round = 0; round < 20; round++) {
		struct getter a = { &q, TL_FOREVER, 1, NULL, 0, 0 }, b = { &q, 60.0, 1, NULL, 0, 0 };
		pthread_t ta, tb;
		ASSERT_OK(pthread_create(&ta, NULL, do_get, &a));
		wait_sleepers(&q, 1);
		ASSERT_OK(pthread_create(&tb, NULL, do_get, &b));
		wait_sleepers(&q, 2);
		wait_asleep_on(atomic_load(&b.tid), newest_sleeper_word(&q));
		ASSERT_OK(tl_simplequeue_put(&q, V(1)));
		ASSERT_OK(pthread_join(ta, NULL));
		ASSERT_OK(a.result);
		ASSERT_EQ(U(a.got), 1);
		ASSERT_EQ(atomic_load(&b.done), 0); /* still blocked */
		ASSERT_OK(tl_simplequeue_put(&q, V(2)));
		ASSERT_OK(pthread_join(tb, NULL));
		ASSERT_OK(b.result);
		ASSERT_EQ(U(b.got), 2);
	}
	ASSERT_OK(tl_simplequeue_destroy(&q));
	return 0;
}

TEST_IMPL(simplequeue_timed_get_then_put)
{
	/* A getter whose timeout expires gets Empty and leaves the wait
	 * queue (so destroy is no longer busy and a later put wakes nobody);
	 * the item put afterwards is still there for the next get. */
	tl_simplequeue_t q;
	ASSERT_OK(tl_simplequeue_init(&q));
	struct getter g = { &q, 0.02, 1, V(99), 0, 0 };
	pthread_t t;
	ASSERT_OK(pthread_create(&t, NULL, do_get, &g));
	ASSERT_OK(pthread_join(t, NULL));
	ASSERT_EQ(g.result, TL_EEMPTY);
	ASSERT_EQ(U(g.got), 99);
	ASSERT_EQ(atomic_load(&q.fifo.getq.n), 0);
	ASSERT_OK(tl_simplequeue_put(&q, V(3)));
	void *p;
	ASSERT_OK(tl_simplequeue_get(&q, &p, true, 0.02));
	ASSERT_EQ(U(p), 3);
	ASSERT_OK(tl_simplequeue_destroy(&q));
	return 0;
}

/* ---- producers and consumers (CPython run_threads) ---- */

enum { GET_BLOCK, GET_NONBLOCK, GET_TIMEOUT, GET_MIXED };

struct msg {
	uint32_t producer, seq; /* plain data: written before put, read after get */
	uint64_t check;
};

struct pc {
	tl_simplequeue_t q;
	struct msg *msgs; /* producer i's items: msgs[i * per + j] */
	unsigned producers, per;
	int how;
	_Atomic uint8_t *seen;
	_Atomic uint64_t received;
};

struct pc_arg {
	struct pc *s;
	unsigned idx;
	int how; /* consumers: how this one gets */
};

static void *producer(void *arg)
{
	struct pc_arg *a = arg;
	struct pc *s = a->s;
	for (unsigned j = 0; j < s->per; j++) {
		struct msg *m = &s->msgs[(size_t)a->idx * s->per + j];
		m->producer = a->idx;
		m->seq = j;
		m->check = (uint64_t)a->idx * 1000003u + j;
		ASSERT_OK(tl_simplequeue_put(&s->q, m));
	}
	ASSERT_OK(tl_simplequeue_put(&s->q, NULL)); /* the sentinel (Python's None) */
	return NULL;
}

static void *get_one(struct pc *s, int how)
{
	void *p = V(1);
	switch (how) {
	case GET_BLOCK:
		ASSERT_OK(tl_simplequeue_get(&s->q, &p, true, TL_FOREVER));
		break;
	case GET_NONBLOCK: {
		int r;
		while ((r = tl_simplequeue_get(&s->q, &p, false, TL_FOREVER)) == TL_EEMPTY)
			sched_yield();
		ASSERT_OK(r);
		break;
	}
	default: {
		int r;
		while ((r = tl_simplequeue_get(&s->q, &p, true, 1e-5)) == TL_EEMPTY)
			;
		ASSERT_OK(r);
	}
	}
	return p;
}

static void *consumer(void *arg)
{
	struct pc_arg *a = arg;
	struct pc *s = a->s;
	/* FIFO: from one producer, a consumer's items come in put order. */
	int64_t *last = malloc(s->producers * sizeof *last);
	ASSERT_NOT_NULL(last);
	for (unsigned i = 0; i < s->producers; i++)
		last[i] = -1;
	struct msg *m;
	while ((m = get_one(s, a->how)) != NULL) {
		ASSERT(m->producer < s->producers && m->seq < s->per);
		ASSERT_EQ(m->check, (uint64_t)m->producer * 1000003u + m->seq);
		ASSERT_GT((int64_t)m->seq, last[m->producer]);
		last[m->producer] = m->seq;
		ASSERT_EQ(atomic_fetch_add(&s->seen[m - s->msgs], 1), 0); /* exactly once */
		atomic_fetch_add(&s->received, 1);
	}
	free(last);
	return NULL;
}

static int run_threads(unsigned n, unsigned per, int how)
{
	per = (unsigned)tl_test_iters(per, 25); /* 1/20 under valgrind */
	struct pc s = { .producers = n, .per = per, .how = how };
	size_t total = (size_t)n * per;
	s.msgs = calloc(total, sizeof *s.msgs);
	s.seen = calloc(total, sizeof *s.seen);
	ASSERT(s.msgs && s.seen);
	atomic_init(&s.received, 0);
	ASSERT_OK(tl_simplequeue_init(&s.q));
	pthread_t *t = malloc(2 * n * sizeof *t);
	struct pc_arg *args = malloc(2 * n * sizeof *args);
	ASSERT(t && args);
	for (unsigned i = 0; i < 2 * n; i++) {
		/* GET_MIXED: blocking gets next to non-blocking ones that barge
		 * in on the items a put woke a sleeper for: the sleeper must go
		 * back to sleep, never return Empty. */
		int ch = how == GET_MIXED ? (i % 2 ? GET_NONBLOCK : GET_BLOCK) : how;
		args[i] = (struct pc_arg){ &s, i < n ? i : i - n, ch };
		ASSERT_OK(pthread_create(&t[i], NULL, i < n ? producer : consumer, &args[i]));
	}
	for (unsigned i = 0; i < 2 * n; i++)
		ASSERT_OK(pthread_join(t[i], NULL));
	/* n sentinels for n consumers: every consumer took exactly one */
	ASSERT(tl_simplequeue_empty(&s.q));
	ASSERT_EQ(tl_simplequeue_qsize(&s.q), 0);
	ASSERT_EQ(atomic_load(&s.received), total);
	for (size_t k = 0; k < total; k++)
		ASSERT_EQ(atomic_load(&s.seen[k]), 1);
	ASSERT_OK(tl_simplequeue_destroy(&s.q));
	free(t);
	free(args);
	free(s.msgs);
	free((void *)s.seen);
	return 0;
}

TEST_IMPL(simplequeue_order)
{
	/* CPython test_order: one producer, one consumer: exact order. */
	struct pc s = { .producers = 1, .per = (unsigned)tl_test_iters(20000, 500), .how = GET_BLOCK };
	s.msgs = calloc(s.per, sizeof *s.msgs);
	s.seen = calloc(s.per, sizeof *s.seen);
	ASSERT(s.msgs && s.seen);
	ASSERT_OK(tl_simplequeue_init(&s.q));
	struct pc_arg a = { &s, 0, GET_BLOCK };
	pthread_t t;
	ASSERT_OK(pthread_create(&t, NULL, producer, &a));
	for (unsigned j = 0; j < s.per; j++) {
		struct msg *m = get_one(&s, GET_BLOCK);
		ASSERT_NOT_NULL(m);
		ASSERT_EQ(m->seq, j);
	}
	ASSERT_NULL(get_one(&s, GET_BLOCK));
	ASSERT_OK(pthread_join(t, NULL));
	ASSERT_OK(tl_simplequeue_destroy(&s.q));
	free(s.msgs);
	free((void *)s.seen);
	return 0;
}

TEST_IMPL(simplequeue_many_threads)
{
	return run_threads(8, 2500, GET_BLOCK); /* CPython: 50 + 50 threads, 10000 items */
}

TEST_IMPL(simplequeue_many_threads_nonblock)
{
	return run_threads(8, 2500, GET_NONBLOCK);
}

TEST_IMPL(simplequeue_many_threads_timeout)
{
	return run_threads(8, 500, GET_TIMEOUT);
}

TEST_IMPL(simplequeue_many_threads_mixed)
{
	return run_threads(8, 2500, GET_MIXED);
}

TEST_IMPL(simplequeue_many_threads_wide)
{
	/* more threads than CPUs by far: sleepers and wake passing */
	return run_threads(32, 300, GET_BLOCK);
}

/* ---- bursts against sleepers ---- */

struct burst {
	tl_simplequeue_t q;
	_Atomic uint64_t got;
};

static void *burst_getter(void *arg)
{
	struct burst *b = arg;
	for (;;) {
		void *p;
		ASSERT_OK(tl_simplequeue_get(&b->q, &p, true, TL_FOREVER));
		if (p == NULL)
			return NULL;
		atomic_fetch_add(&b->got, 1);
	}
}

TEST_IMPL(simplequeue_bursts_against_sleepers)
{
	/* Getters cycle through poll, linking, re-check and sleep while
	 * bursts of puts arrive: a put that races with a getter's re-check
	 * wakes it although it needs no wake, and that getter must pass the
	 * wake on. A wake lost anywhere leaves an item queued next to a
	 * sleeper and the round never completes (the runner's timeout). */
	enum { G = 4 };
	const int ROUNDS = (int)tl_test_iters(3000, 100);
	struct burst b;
	atomic_init(&b.got, 0);
	ASSERT_OK(tl_simplequeue_init(&b.q));
	pthread_t t[G];
	for (int i = 0; i < G; i++)
		ASSERT_OK(pthread_create(&t[i], NULL, burst_getter, &b));
	uint64_t sent = 0;
	for (int r = 0; r < ROUNDS; r++) {
		int k = 1 + r % G; /* 1..G items: some getters stay asleep */
		for (int i = 0; i < k; i++)
			ASSERT_OK(tl_simplequeue_put(&b.q, V(++sent)));
		while (atomic_load(&b.got) < sent)
			sched_yield();
	}
	for (int i = 0; i < G; i++)
		ASSERT_OK(tl_simplequeue_put(&b.q, NULL));
	for (int i = 0; i < G; i++)
		ASSERT_OK(pthread_join(t[i], NULL));
	ASSERT(tl_simplequeue_empty(&b.q));
	ASSERT_OK(tl_simplequeue_destroy(&b.q));
	return 0;
}

TEST_LIST_BEGIN
TEST_ENTRY(simplequeue_basic)
TEST_ENTRY(simplequeue_negative_timeout)
TEST_ENTRY(simplequeue_bad_arguments)
TEST_ENTRY(simplequeue_fifo_growth)
TEST_ENTRY(simplequeue_blocked_getters_woken_by_put)
TEST_ENTRY(simplequeue_oldest_sleeper_first)
TEST_ENTRY(simplequeue_timed_get_then_put)
TEST_ENTRY(simplequeue_order)
TEST_ENTRY(simplequeue_many_threads)
TEST_ENTRY(simplequeue_many_threads_nonblock)
TEST_ENTRY(simplequeue_many_threads_timeout)
TEST_ENTRY(simplequeue_many_threads_mixed)
TEST_ENTRY(simplequeue_many_threads_wide)
TEST_ENTRY(simplequeue_bursts_against_sleepers)
TEST_LIST_END
