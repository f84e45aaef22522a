/* threading.Event semantics, after CPython's Lib/test/lock_tests.py
 * (EventTests), plus argument checks, handoff stress and process-shared. */
#include "sync_util.h"
#include "threadlab/event.h"

#include <math.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static tl_event_t evt;
static atomic_int results1, results2, bad;

TEST_IMPL(event_is_set)
{
	tl_event_t e = TL_EVENT_INITIALIZER;
	ASSERT_FALSE(tl_event_is_set(&e));
	ASSERT_OK(tl_event_init(&evt, TL_PRIVATE));
	ASSERT_EQ(tl_event_init(&e, 0x10), TL_EINVAL);
	ASSERT_FALSE(tl_event_is_set(&evt));
	ASSERT_OK(tl_event_set(&evt));
	ASSERT_TRUE(tl_event_is_set(&evt));
	ASSERT_OK(tl_event_set(&evt));
	ASSERT_TRUE(tl_event_is_set(&evt));
	ASSERT_OK(tl_event_clear(&evt));
	ASSERT_FALSE(tl_event_is_set(&evt));
	ASSERT_OK(tl_event_clear(&evt));
	ASSERT_FALSE(tl_event_is_set(&evt));
	ASSERT_OK(tl_event_destroy(&evt));
	return 0;
}

static void *wait_twice(void *arg)
{
	(void)arg;
	if (tl_event_wait(&evt, TL_FOREVER) == 0)
		atomic_fetch_add(&results1, 1);
	else
		atomic_fetch_add(&bad, 1);
	if (tl_event_wait(&evt, TL_FOREVER) == 0)
		atomic_fetch_add(&results2, 1);
	else
		atomic_fetch_add(&bad, 1);
	return NULL;
}

/* All threads get notified. */
static void check_notify(void)
{
	enum { N = 5 };
	atomic_store(&results1, 0);
	atomic_store(&results2, 0);
	pthread_t t[N];
	for (int i = 0; i < N; i++)
		t[i] = su_spawn(wait_twice, NULL);
	WAIT_UNTIL(atomic_load(&evt.waiters) == N);
	ASSERT_EQ(atomic_load(&results1), 0);
	ASSERT_EQ(tl_event_destroy(&evt), TL_EBUSY); /* threads wait in it */
	ASSERT_OK(tl_event_set(&evt));
	for (int i = 0; i < N; i++)
		su_join(t[i]);
	ASSERT_EQ(atomic_load(&results1), N);
	ASSERT_EQ(atomic_load(&results2), N);
	ASSERT_EQ(atomic_load(&bad), 0);
}

TEST_IMPL(event_notify)
{
	ASSERT_OK(tl_event_init(&evt, TL_PRIVATE));
	check_notify();
	/* Another time, after an explicit clear(). */
	ASSERT_OK(tl_event_set(&evt));
	ASSERT_OK(tl_event_clear(&evt));
	check_notify();
	ASSERT_OK(tl_event_destroy(&evt));
	return 0;
}

static atomic_int zero_result, timed_result;
static double min_elapsed = 1e9;
static pthread_mutex_t elapsed_mu = PTHREAD_MUTEX_INITIALIZER;

static void *timeout_waiter(void *arg)
{
	(void)arg;
	int r0 = tl_event_wait(&evt, 0.0);
	double t0 = su_now();
	int r1 = tl_event_wait(&evt, 0.05);
	double dt = su_now() - t0;
	atomic_fetch_add(r0 == 0 ? &zero_result : &results1, 1);
	atomic_fetch_add(r1 == 0 ? &timed_result : &results2, 1);
	ASSERT(r0 == 0 || r0 == TL_ETIMEDOUT);
	ASSERT(r1 == 0 || r1 == TL_ETIMEDOUT);
	if (r1 == TL_ETIMEDOUT) {
		pthread_mutex_lock(&elapsed_mu);
		if (dt < min_elapsed)
			min_elapsed = dt;
		pthread_mutex_unlock(&elapsed_mu);
	}
	return NULL;
}

TEST_IMPL(event_timeout)
{
	enum { N = 5 };
	ASSERT_OK(tl_event_init(&evt, TL_PRIVATE));
	su_run(N, timeout_waiter, NULL);
	ASSERT_EQ(atomic_load(&results1), N); /* wait(0) -> False */
	ASSERT_EQ(atomic_load(&results2), N); /* wait(0.05) -> False ... */
	ASSERT(min_elapsed >= 0.05 - 1e-6);   /* ... after at least the timeout */
	/* The event is set: both waits return True at once. */
	ASSERT_OK(tl_event_set(&evt));
	su_run(N, timeout_waiter, NULL);
	ASSERT_EQ(atomic_load(&zero_result), N);
	ASSERT_EQ(atomic_load(&timed_result), N);
	ASSERT_EQ(atomic_load(&evt.waiters), 0);
	return 0;
}

TEST_IMPL(event_wait_arguments)
{
	ASSERT_OK(tl_event_init(&evt, TL_PRIVATE));
	/* As in Python, a negative timeout (other than TL_FOREVER) or NaN polls. */
	ASSERT_EQ(tl_event_wait(&evt, -2.0), TL_ETIMEDOUT);
	ASSERT_EQ(tl_event_wait(&evt, -0.001), TL_ETIMEDOUT);
	ASSERT_EQ(tl_event_wait(&evt, NAN), TL_ETIMEDOUT);
	ASSERT_OK(tl_event_set(&evt));
	ASSERT_OK(tl_event_wait(&evt, -2.0));
	ASSERT_OK(tl_event_wait(&evt, NAN));
	ASSERT_OK(tl_event_wait(&evt, TL_FOREVER));
	ASSERT_OK(tl_event_wait(&evt, 1e100));
	ASSERT_OK(tl_event_wait_until(&evt, NULL));
	ASSERT_OK(tl_event_clear(&evt));
	struct timespec ts;
	ASSERT_EQ(tl_event_wait_until(&evt, tl_deadline(&ts, 0.01)), TL_ETIMEDOUT);
	return 0;
}

static void *wait_long(void *arg)
{
	(void)arg;
	atomic_fetch_add(tl_event_wait(&evt, 600) == 0 ? &results1 : &bad, 1);
	return NULL;
}

/* CPython #13502: wait() returns True even when the event is cleared
 * before the waiting thread wakes up. */
TEST_IMPL(event_set_and_clear)
{
	enum { N = 5 };
	ASSERT_OK(tl_event_init(&evt, TL_PRIVATE));
	for (int round = 0; round < 20; round++) {
		atomic_store(&results1, 0);
		pthread_t t[N];
		for (int i = 0; i < N; i++)
			t[i] = su_spawn(wait_long, NULL);
		WAIT_UNTIL(atomic_load(&evt.waiters) == N);
		ASSERT_OK(tl_event_set(&evt));
		ASSERT_OK(tl_event_clear(&evt));
		for (int i = 0; i < N; i++)
			su_join(t[i]);
		ASSERT_EQ(atomic_load(&results1), N);
		ASSERT_EQ(atomic_load(&bad), 0);
		ASSERT_FALSE(tl_event_is_set(&evt));
	}
	return 0;
}

/* Data written before set() is visible after wait() (TSan-checked). */
static long payload;

static void *publish(void *arg)
{
	(void)arg;
	payload = 42;
	ASSERT_OK(tl_event_set(&evt));
	return NULL;
}

TEST_IMPL(event_publishes_data)
{
	for (int i = 0; i < 50; i++) {
		ASSERT_OK(tl_event_init(&evt, TL_PRIVATE));
		payload = 0;
		pthread_t t = su_spawn(publish, NULL);
		ASSERT_OK(tl_event_wait(&evt, TL_FOREVER));
		ASSERT_EQ(payload, 42);
		su_join(t);
	}
	return 0;
}

/* Ping-pong with two events and the set/wait/clear protocol: no lost
 * wakeups over many rounds. */
static tl_event_t ping, pong;
static long rounds_data;
enum { ROUNDS = 20000 };

static void *ponger(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		ASSERT_OK(tl_event_wait(&ping, TL_FOREVER));
		ASSERT_OK(tl_event_clear(&ping));
		ASSERT_EQ(rounds_data, 2L * i + 1);
		rounds_data++;
		ASSERT_OK(tl_event_set(&pong));
	}
	return NULL;
}

TEST_IMPL(event_ping_pong)
{
	ASSERT_OK(tl_event_init(&ping, TL_PRIVATE));
	ASSERT_OK(tl_event_init(&pong, TL_PRIVATE));
	pthread_t t = su_spawn(ponger, NULL);
	for (int i = 0; i < ROUNDS; i++) {
		rounds_data++;
		ASSERT_OK(tl_event_set(&ping));
		ASSERT_OK(tl_event_wait(&pong, TL_FOREVER));
		ASSERT_OK(tl_event_clear(&pong));
		ASSERT_EQ(rounds_data, 2L * i + 2);
	}
	su_join(t);
	return 0;
}

TEST_IMPL(event_pshared_across_fork)
{
	struct shared {
		tl_event_t go, done;
		long data;
	} *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT(sh != MAP_FAILED);
	ASSERT_OK(tl_event_init(&sh->go, TL_PSHARED));
	ASSERT_OK(tl_event_init(&sh->done, TL_PSHARED));
	sh->data = 0;
	pid_t pid = fork();
	ASSERT(pid >= 0);
	if (pid == 0) {
		if (tl_event_wait(&sh->go, TL_FOREVER) != 0 || sh->data != 7)
			_exit(3);
		sh->data = 8;
		tl_event_set(&sh->done);
		_exit(0);
	}
	sh->data = 7;
	ASSERT_OK(tl_event_set(&sh->go));
	ASSERT_OK(tl_event_wait(&sh->done, TL_FOREVER));
	ASSERT_EQ(sh->data, 8);
	int status;
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT(WIFEXITED(status));
	ASSERT_EQ(WEXITSTATUS(status), 0);
	munmap(sh, sizeof *sh);
	return 0;
}

TEST_LIST_BEGIN
TEST_ENTRY(event_is_set)
TEST_ENTRY(event_notify)
TEST_ENTRY(event_timeout)
TEST_ENTRY(event_wait_arguments)
TEST_ENTRY(event_set_and_clear)
TEST_ENTRY(event_publishes_data)
TEST_ENTRY(event_ping_pong)
TEST_ENTRY(event_pshared_across_fork)
TEST_LIST_END
