/* threading.Event semantics, after CPython's Lib/test/lock_tests.py
 * (EventTests), plus argument checks and handoff stress; each scenario with
 * threads, with TL_PSHARED events and threads, and with forked processes
 * over a shared mapping (sync_util.h). */
#include "sync_util.h"
#include "threadlab/event.h"

#include <math.h>

static struct ev_shared {
	tl_event_t evt, ping, pong;
	atomic_int results1, results2, bad, zero_result, timed_result, long_waits;
	long payload, rounds_data;
} *S;
static int g_mode;

static void setup(int mode)
{
	g_mode = mode;
	S = su_map(sizeof *S);
}

SU_FLAG_TESTS(event_is_set)
{
	setup(mode);
	tl_event_t e = TL_EVENT_INITIALIZER;
	ASSERT_FALSE(tl_event_is_set(&e));
	ASSERT_OK(tl_event_init(&S->evt, su_flags(mode)));
	ASSERT_EQ(tl_event_init(&e, 0x10), TL_EINVAL);
	ASSERT_FALSE(tl_event_is_set(&S->evt));
	ASSERT_OK(tl_event_set(&S->evt));
	ASSERT_TRUE(tl_event_is_set(&S->evt));
	ASSERT_OK(tl_event_set(&S->evt));
	ASSERT_TRUE(tl_event_is_set(&S->evt));
	ASSERT_OK(tl_event_clear(&S->evt));
	ASSERT_FALSE(tl_event_is_set(&S->evt));
	ASSERT_OK(tl_event_clear(&S->evt));
	ASSERT_FALSE(tl_event_is_set(&S->evt));
	ASSERT_OK(tl_event_destroy(&S->evt));
	return 0;
}

static void *wait_twice(void *arg)
{
	(void)arg;
	if (tl_event_wait(&S->evt, TL_FOREVER) == 0)
		atomic_fetch_add(&S->results1, 1);
	else
		atomic_fetch_add(&S->bad, 1);
	if (tl_event_wait(&S->evt, TL_FOREVER) == 0)
		atomic_fetch_add(&S->results2, 1);
	else
		atomic_fetch_add(&S->bad, 1);
	return NULL;
}

/* All threads get notified. */
static void check_notify(void)
{
	enum { N = 5 };
	atomic_store(&S->results1, 0);
	atomic_store(&S->results2, 0);
	su_task t[N];
	for (int i = 0; i < N; i++)
		t[i] = su_start(g_mode, wait_twice, NULL);
	WAIT_UNTIL(atomic_load(&S->evt.waiters) == N);
	ASSERT_EQ(atomic_load(&S->results1), 0);
	ASSERT_EQ(tl_event_destroy(&S->evt), TL_EBUSY); /* threads wait in it */
	ASSERT_OK(tl_event_set(&S->evt));
	for (int i = 0; i < N; i++)
		su_finish(t[i]);
	ASSERT_EQ(atomic_load(&S->results1), N);
	ASSERT_EQ(atomic_load(&S->results2), N);
	ASSERT_EQ(atomic_load(&S->bad), 0);
}

SU_MODE_TESTS(event_notify)
{
	setup(mode);
	ASSERT_OK(tl_event_init(&S->evt, su_flags(mode)));
	check_notify();
	/* Another time, after an explicit clear(). */
	ASSERT_OK(tl_event_set(&S->evt));
	ASSERT_OK(tl_event_clear(&S->evt));
	check_notify();
	ASSERT_OK(tl_event_destroy(&S->evt));
	return 0;
}

static void *timeout_waiter(void *arg)
{
	(void)arg;
	int r0 = tl_event_wait(&S->evt, 0.0);
	double t0 = su_now();
	int r1 = tl_event_wait(&S->evt, 0.05);
	double dt = su_now() - t0;
	atomic_fetch_add(r0 == 0 ? &S->zero_result : &S->results1, 1);
	atomic_fetch_add(r1 == 0 ? &S->timed_result : &S->results2, 1);
	ASSERT(r0 == 0 || r0 == TL_ETIMEDOUT);
	ASSERT(r1 == 0 || r1 == TL_ETIMEDOUT);
	if (r1 == TL_ETIMEDOUT)
		ASSERT(dt >= 0.05 - 1e-6); /* after at least the timeout */
	return NULL;
}

SU_MODE_TESTS(event_timeout)
{
	setup(mode);
	enum { N = 5 };
	ASSERT_OK(tl_event_init(&S->evt, su_flags(mode)));
	su_run_mode(mode, N, timeout_waiter, NULL);
	ASSERT_EQ(atomic_load(&S->results1), N); /* wait(0) -> False */
	ASSERT_EQ(atomic_load(&S->results2), N); /* wait(0.05) -> False ... */
	/* The event is set: both waits return True at once. */
	ASSERT_OK(tl_event_set(&S->evt));
	su_run_mode(mode, N, timeout_waiter, NULL);
	ASSERT_EQ(atomic_load(&S->zero_result), N);
	ASSERT_EQ(atomic_load(&S->timed_result), N);
	ASSERT_EQ(atomic_load(&S->evt.waiters), 0);
	return 0;
}

SU_FLAG_TESTS(event_wait_arguments)
{
	setup(mode);
	ASSERT_OK(tl_event_init(&S->evt, su_flags(mode)));
	/* As in Python, a negative timeout (other than TL_FOREVER) or NaN polls. */
	ASSERT_EQ(tl_event_wait(&S->evt, -2.0), TL_ETIMEDOUT);
	ASSERT_EQ(tl_event_wait(&S->evt, -0.001), TL_ETIMEDOUT);
	ASSERT_EQ(tl_event_wait(&S->evt, NAN), TL_ETIMEDOUT);
	ASSERT_OK(tl_event_set(&S->evt));
	ASSERT_OK(tl_event_wait(&S->evt, -2.0));
	ASSERT_OK(tl_event_wait(&S->evt, NAN));
	ASSERT_OK(tl_event_wait(&S->evt, TL_FOREVER));
	ASSERT_OK(tl_event_wait(&S->evt, 1e100));
	ASSERT_OK(tl_event_wait_until(&S->evt, NULL));
	ASSERT_OK(tl_event_clear(&S->evt));
	struct timespec ts;
	ASSERT_EQ(tl_event_wait_until(&S->evt, tl_deadline(&ts, 0.01)), TL_ETIMEDOUT);
	return 0;
}

static void *wait_long(void *arg)
{
	(void)arg;
	atomic_fetch_add(tl_event_wait(&S->evt, 600) == 0 ? &S->results1 : &S->bad, 1);
	return NULL;
}

/* CPython #13502: wait() returns True even when the event is cleared
 * before the waiting thread wakes up. */
SU_MODE_TESTS(event_set_and_clear)
{
	setup(mode);
	enum { N = 5 };
	ASSERT_OK(tl_event_init(&S->evt, su_flags(mode)));
	for (int round = 0; round < 20; round++) {
		atomic_store(&S->results1, 0);
		su_task t[N];
		for (int i = 0; i < N; i++)
			t[i] = su_start(g_mode, wait_long, NULL);
		WAIT_UNTIL(atomic_load(&S->evt.waiters) == N);
		ASSERT_OK(tl_event_set(&S->evt));
		ASSERT_OK(tl_event_clear(&S->evt));
		for (int i = 0; i < N; i++)
			su_finish(t[i]);
		ASSERT_EQ(atomic_load(&S->results1), N);
		ASSERT_EQ(atomic_load(&S->bad), 0);
		ASSERT_FALSE(tl_event_is_set(&S->evt));
	}
	return 0;
}

/* Data written before set() is visible after wait() (TSan-checked). */
static void *publish(void *arg)
{
	(void)arg;
	S->payload = 42;
	ASSERT_OK(tl_event_set(&S->evt));
	return NULL;
}

SU_MODE_TESTS(event_publishes_data)
{
	setup(mode);
	for (int i = 0; i < 50; i++) {
		ASSERT_OK(tl_event_init(&S->evt, su_flags(mode)));
		S->payload = 0;
		su_task t = su_start(mode, publish, NULL);
		ASSERT_OK(tl_event_wait(&S->evt, TL_FOREVER));
		ASSERT_EQ(S->payload, 42);
		su_finish(t);
	}
	return 0;
}

/* Ping-pong with two events and the set/wait/clear protocol: no lost
 * wakeups over many rounds. */
enum { ROUNDS = 5000 }; /* correctness, not speed: a loaded CI machine must finish it */

static void *ponger(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		ASSERT_OK(tl_event_wait(&S->ping, TL_FOREVER));
		ASSERT_OK(tl_event_clear(&S->ping));
		ASSERT_EQ(S->rounds_data, 2L * i + 1);
		S->rounds_data++;
		ASSERT_OK(tl_event_set(&S->pong));
	}
	return NULL;
}

SU_MODE_TESTS(event_ping_pong)
{
	setup(mode);
	ASSERT_OK(tl_event_init(&S->ping, su_flags(mode)));
	ASSERT_OK(tl_event_init(&S->pong, su_flags(mode)));
	su_task t = su_start(mode, ponger, NULL);
	for (int i = 0; i < ROUNDS; i++) {
		S->rounds_data++;
		ASSERT_OK(tl_event_set(&S->ping));
		ASSERT_OK(tl_event_wait(&S->pong, TL_FOREVER));
		ASSERT_OK(tl_event_clear(&S->pong));
		ASSERT_EQ(S->rounds_data, 2L * i + 2);
	}
	su_finish(t);
	return 0;
}

/* A waiter process killed while it waits: set() and wait() go on working
 * for the others (its registration as a waiter stays behind: set() makes a
 * harmless wake call and destroy reports TL_EBUSY, as documented). */
static void *wait_forever(void *arg)
{
	(void)arg;
	tl_event_wait(&S->evt, TL_FOREVER);
	ASSERT(!"woken");
	return NULL;
}

TEST_IMPL(event_pshared_dead_waiter)
{
	SU_SKIP_FORK_UNDER_TSAN();
	setup(SU_PROCESSES);
	ASSERT_OK(tl_event_init(&S->evt, TL_PSHARED));
	pid_t pid = su_fork(wait_forever, NULL);
	WAIT_UNTIL(atomic_load(&S->evt.waiters) == 1);
	ASSERT_OK(kill(pid, SIGKILL));
	su_reap_killed(pid);
	su_task t = su_start(SU_PROCESSES, wait_twice, NULL);
	WAIT_UNTIL(atomic_load(&S->evt.waiters) == 2);
	ASSERT_OK(tl_event_set(&S->evt));
	su_finish(t);
	ASSERT_EQ(atomic_load(&S->results1), 1);
	ASSERT_EQ(atomic_load(&S->results2), 1);
	ASSERT_EQ(atomic_load(&S->evt.waiters), 1); /* the dead one's */
	ASSERT_EQ(tl_event_destroy(&S->evt), TL_EBUSY);
	return 0;
}

TEST_LIST_BEGIN
SU_FLAG_ENTRIES(event_is_set)
SU_MODE_ENTRIES(event_notify)
SU_MODE_ENTRIES(event_timeout)
SU_FLAG_ENTRIES(event_wait_arguments)
SU_MODE_ENTRIES(event_set_and_clear)
SU_MODE_ENTRIES(event_publishes_data)
SU_MODE_ENTRIES(event_ping_pong)
TEST_ENTRY(event_pshared_dead_waiter)
TEST_LIST_END
