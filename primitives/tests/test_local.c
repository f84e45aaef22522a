/* threading.local, modelled on CPython's Lib/test/test_threading_local.py:
 * values are per thread, a new thread starts empty, a thread's value is
 * dropped (destructor) when it exits, foreign pthreads work too. */
#include "gate.h"
#include "task.h"
#include "threadlab/thread.h"

#include <sched.h>
#include <stdatomic.h>

static _Atomic int destroyed;
static _Atomic int destroyed_sum;

/* The sum first: a test that waits for `destroyed` to reach N (the tl
 * threads one, whose join does not wait for key destructors) then reads a
 * complete sum (both seq_cst). */
static void count_destroy(void *v)
{
	atomic_fetch_add(&destroyed_sum, *(int *)v);
	atomic_fetch_add(&destroyed, 1);
}

struct user {
	tl_thread_t base;
	tl_local_t *l;
	int id;
	int mine; /* the value this thread stores (its address) */
	pthread_barrier_t *all_set;
	void *seen_initially, *seen_after;
};

static void user_run(tl_thread_t *self)
{
	struct user *u = tl_container_of(self, struct user, base);
	u->seen_initially = tl_local_get(u->l); /* a new thread sees nothing */
	u->mine = u->id;
	ASSERT_OK(tl_local_set(u->l, &u->mine));
	pthread_barrier_wait(u->all_set); /* every thread has set its own value */
	u->seen_after = tl_local_get(u->l);
}

TEST_IMPL(local_per_thread)
{
	enum { N = 8 };
	tl_local_t l;
	ASSERT_OK(tl_local_init(&l, count_destroy));
	int main_value = 1000;
	ASSERT_NULL(tl_local_get(&l));
	ASSERT_OK(tl_local_set(&l, &main_value));

	struct user u[N];
	pthread_barrier_t b;
	ASSERT_OK(pthread_barrier_init(&b, NULL, N));
	for (int i = 0; i < N; i++) {
		u[i].l = &l;
		u[i].id = i + 1;
		u[i].all_set = &b;
		ASSERT_OK(tl_thread_init_run(&u[i].base, user_run, NULL));
		ASSERT_OK(tl_thread_start(&u[i].base));
	}
	for (int i = 0; i < N; i++)
		ASSERT_OK(tl_thread_join(&u[i].base, TL_FOREVER));
	int sum = 0;
	for (int i = 0; i < N; i++) {
		ASSERT_NULL(u[i].seen_initially);
		ASSERT(u[i].seen_after == &u[i].mine); /* its own, not another's */
		sum += u[i].id;
	}
	ASSERT(tl_local_get(&l) == &main_value); /* main's value untouched */
	ASSERT_EQ(sum, N * (N + 1) / 2);
	pthread_barrier_destroy(&b);
	ASSERT_OK(tl_local_set(&l, NULL));
	ASSERT_OK(tl_local_destroy(&l));
	return 0;
}

/* The destructor runs in the exiting thread; observe it from a foreign
 * pthread, whose pthread_join returns only after its destructors ran. */
static tl_local_t g_local;

static void *foreign_user(void *arg)
{
	ASSERT_NULL(tl_local_get(&g_local));
	ASSERT_OK(tl_local_set(&g_local, arg));
	ASSERT(tl_local_get(&g_local) == arg);
	/* Also adopt it as a dummy thread: both keys' destructors run. */
	ASSERT_NOT_NULL(tl_thread_current());
	return NULL;
}

TEST_IMPL(local_destructor_on_thread_exit)
{
	enum { N = 5 };
	atomic_store(&destroyed, 0);
	atomic_store(&destroyed_sum, 0);
	ASSERT_OK(tl_local_init(&g_local, count_destroy));
	int vals[N];
	pthread_t p[N];
	for (int i = 0; i < N; i++) {
		vals[i] = 10 * (i + 1);
		ASSERT_OK(pthread_create(&p[i], NULL, foreign_user, &vals[i]));
	}
	for (int i = 0; i < N; i++)
		ASSERT_OK(pthread_join(p[i], NULL));
	ASSERT_EQ(atomic_load(&destroyed), N);
	ASSERT_EQ(atomic_load(&destroyed_sum), 10 + 20 + 30 + 40 + 50);
	ASSERT_EQ(tl_thread_active_count(), 1); /* the dummies are gone too */
	/* A NULL value gets no destructor call. */
	ASSERT_OK(tl_local_destroy(&g_local));
	return 0;
}

/* Through tl threads: join returns once run() returned; the pthread's key
 * destructors run right after (documented in thread.h), so the test waits
 * for the count itself — it reaches N or the test times out. */
static void tl_user(void *arg)
{
	ASSERT_OK(tl_local_set(&g_local, arg));
}

TEST_IMPL(local_destructor_tl_threads)
{
	enum { N = 6 };
	atomic_store(&destroyed, 0);
	atomic_store(&destroyed_sum, 0);
	ASSERT_OK(tl_local_init(&g_local, count_destroy));
	int vals[N];
	tl_thread_t t[N];
	for (int i = 0; i < N; i++) {
		vals[i] = i + 1;
		ASSERT_OK(tl_thread_init(&t[i], tl_user, &vals[i], NULL));
		ASSERT_OK(tl_thread_start(&t[i]));
	}
	for (int i = 0; i < N; i++)
		ASSERT_OK(tl_thread_join(&t[i], TL_FOREVER));
	while (atomic_load(&destroyed) < N)
		sched_yield();
	ASSERT_EQ(atomic_load(&destroyed), N);
	ASSERT_EQ(atomic_load(&destroyed_sum), 1 + 2 + 3 + 4 + 5 + 6);
	ASSERT_OK(tl_local_destroy(&g_local));
	return 0;
}

TEST_IMPL(local_errors)
{
	ASSERT_EQ(tl_local_init(NULL, NULL), TL_EINVAL);
	ASSERT_EQ(tl_local_set(NULL, NULL), TL_EINVAL);
	ASSERT_EQ(tl_local_destroy(NULL), TL_EINVAL);
	ASSERT_NULL(tl_local_get(NULL));
	tl_local_t a, b;
	ASSERT_OK(tl_local_init(&a, NULL));
	ASSERT_OK(tl_local_init(&b, NULL));
	int x = 1, y = 2;
	ASSERT_OK(tl_local_set(&a, &x));
	ASSERT_OK(tl_local_set(&b, &y));
	ASSERT(tl_local_get(&a) == &x); /* two locals do not share */
	ASSERT(tl_local_get(&b) == &y);
	ASSERT_OK(tl_local_destroy(&a));
	ASSERT_OK(tl_local_destroy(&b));
	return 0;
}

TEST_LIST_BEGIN
TEST_ENTRY(local_per_thread)
TEST_ENTRY(local_destructor_on_thread_exit)
TEST_ENTRY(local_destructor_tl_threads)
TEST_ENTRY(local_errors)
TEST_LIST_END
