/* threading.Barrier semantics, after CPython's Lib/test/lock_tests.py
 * (BarrierTests), without sleeps: "a thread is late" is modelled by a
 * thread that waits for the barrier to break before it arrives. */
#include "sync_util.h"
#include "threadlab/barrier.h"

#include <math.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

enum { N = 5 };
static tl_barrier_t barrier, barrier2;
static atomic_int res0, res1, res2, res3, bad, action_calls, index_mask, index_sum;

/* Run f in N-1 new threads and in this one, as CPython's run_threads. */
static void run_threads(su_fn f)
{
	pthread_t t[N - 1];
	for (int i = 0; i < N - 1; i++)
		t[i] = su_spawn(f, NULL);
	f(NULL);
	for (int i = 0; i < N - 1; i++)
		su_join(t[i]);
}

TEST_IMPL(barrier_init_arguments)
{
	tl_barrier_t b;
	ASSERT_EQ(tl_barrier_init(&b, TL_PRIVATE, 0, NULL, NULL, TL_FOREVER), TL_EINVAL);
	ASSERT_EQ(tl_barrier_init(&b, TL_PRIVATE, -3, NULL, NULL, TL_FOREVER), TL_EINVAL);
	ASSERT_EQ(tl_barrier_init(&b, 0x20, 2, NULL, NULL, TL_FOREVER), TL_EINVAL);
	ASSERT_OK(tl_barrier_init(&b, TL_PRIVATE, 3, NULL, NULL, 2.0));
	ASSERT_EQ(tl_barrier_parties(&b), 3);
	ASSERT_EQ(tl_barrier_n_waiting(&b), 0);
	ASSERT_FALSE(tl_barrier_broken(&b));
	/* As in Python, a negative timeout acts as 0: not everyone is there, so
	 * the wait times out at once and breaks the barrier. */
	ASSERT_EQ(tl_barrier_wait_timeout(&b, -5), TL_EBROKEN);
	ASSERT_TRUE(tl_barrier_broken(&b));
	ASSERT_EQ(tl_barrier_n_waiting(&b), 0);
	ASSERT_OK(tl_barrier_reset(&b));
	ASSERT_FALSE(tl_barrier_broken(&b));
	ASSERT_OK(tl_barrier_destroy(&b));
	/* A barrier whose default timeout is 0 (or negative, or NaN) breaks at
	 * the first wait that is not the last party's. */
	ASSERT_OK(tl_barrier_init(&b, TL_PRIVATE, 2, NULL, NULL, NAN));
	ASSERT_EQ(tl_barrier_wait(&b), TL_EBROKEN);
	ASSERT_OK(tl_barrier_init(&b, TL_PRIVATE, 1, NULL, NULL, -2));
	ASSERT_EQ(tl_barrier_wait(&b), 0); /* the only party never waits */
	return 0;
}

/* Lockstep: nobody passes wait i before all have arrived at it. */
static int passes;

static void *multipass(void *arg)
{
	(void)arg;
	for (int i = 0; i < passes; i++) {
		atomic_fetch_add(&res0, 1);
		ASSERT_EQ(atomic_load(&res1), i * N);
		int r = tl_barrier_wait(&barrier);
		ASSERT(r >= 0 && r < N);
		atomic_fetch_add(&res1, 1);
		ASSERT_EQ(atomic_load(&res0), (i + 1) * N);
		r = tl_barrier_wait(&barrier);
		ASSERT(r >= 0 && r < N);
	}
	ASSERT_EQ(tl_barrier_n_waiting(&barrier), 0);
	ASSERT_FALSE(tl_barrier_broken(&barrier));
	return NULL;
}

TEST_IMPL(barrier_lockstep)
{
	ASSERT_OK(tl_barrier_init(&barrier, TL_PRIVATE, N, NULL, NULL, TL_FOREVER));
	passes = 1;
	run_threads(multipass);
	ASSERT_OK(tl_barrier_destroy(&barrier));
	return 0;
}

TEST_IMPL(barrier_lockstep_many)
{
	ASSERT_OK(tl_barrier_init(&barrier, TL_PRIVATE, N, NULL, NULL, TL_FOREVER));
	passes = 500;
	run_threads(multipass);
	ASSERT_EQ(atomic_load(&res0), N * passes);
	ASSERT_OK(tl_barrier_destroy(&barrier));
	return 0;
}

static void *wait_return(void *arg)
{
	(void)arg;
	int r = tl_barrier_wait(&barrier);
	ASSERT(r >= 0 && r < N);
	atomic_fetch_add(&index_sum, r);
	atomic_fetch_or(&index_mask, 1 << r);
	return NULL;
}

TEST_IMPL(barrier_wait_return)
{
	ASSERT_OK(tl_barrier_init(&barrier, TL_PRIVATE, N, NULL, NULL, TL_FOREVER));
	run_threads(wait_return);
	ASSERT_EQ(atomic_load(&index_sum), N * (N - 1) / 2);
	ASSERT_EQ(atomic_load(&index_mask), (1 << N) - 1); /* each index once */
	return 0;
}

static int count_action(void *arg)
{
	(void)arg;
	ASSERT_EQ(atomic_load(&res1), 0); /* before anyone is released */
	atomic_fetch_add(&action_calls, 1);
	return 0;
}

static void *action_worker(void *arg)
{
	(void)arg;
	ASSERT(tl_barrier_wait(&barrier) >= 0);
	ASSERT_EQ(atomic_load(&action_calls), 1);
	atomic_fetch_add(&res1, 1);
	return NULL;
}

TEST_IMPL(barrier_action)
{
	ASSERT_OK(tl_barrier_init(&barrier, TL_PRIVATE, N, count_action, NULL, TL_FOREVER));
	run_threads(action_worker);
	ASSERT_EQ(atomic_load(&action_calls), 1);
	return 0;
}

static int failing_action(void *arg)
{
	(void)arg;
	atomic_fetch_add(&action_calls, 1);
	return -1;
}

static void *broken_worker(void *arg)
{
	(void)arg;
	atomic_fetch_add(tl_barrier_wait(&barrier) == TL_EBROKEN ? &res2 : &bad, 1);
	return NULL;
}

/* A failing action breaks the barrier for every thread, its own included. */
TEST_IMPL(barrier_action_fails)
{
	ASSERT_OK(tl_barrier_init(&barrier, TL_PRIVATE, N, failing_action, NULL, TL_FOREVER));
	run_threads(broken_worker);
	ASSERT_EQ(atomic_load(&res2), N);
	ASSERT_EQ(atomic_load(&bad), 0);
	ASSERT_EQ(atomic_load(&action_calls), 1);
	ASSERT_TRUE(tl_barrier_broken(&barrier));
	ASSERT_EQ(tl_barrier_wait(&barrier), TL_EBROKEN); /* stays broken */
	ASSERT_OK(tl_barrier_reset(&barrier));
	ASSERT_FALSE(tl_barrier_broken(&barrier));
	return 0;
}

/* As in CPython, a thread released by the first wait but not yet out of it
 * when another aborts gets the broken-barrier error from that first wait;
 * the test counts either. */
static void *abort_worker(void *arg)
{
	(void)arg;
	int i = tl_barrier_wait(&barrier);
	if (i == TL_EBROKEN) {
		atomic_fetch_add(&res2, 1);
		return NULL;
	}
	ASSERT(i >= 0);
	if (i == N / 2) {
		ASSERT_OK(tl_barrier_abort(&barrier));
		return NULL;
	}
	int r = tl_barrier_wait(&barrier);
	atomic_fetch_add(r == TL_EBROKEN ? &res2 : &res1, 1);
	return NULL;
}

TEST_IMPL(barrier_abort)
{
	ASSERT_OK(tl_barrier_init(&barrier, TL_PRIVATE, N, NULL, NULL, 600));
	run_threads(abort_worker);
	ASSERT_EQ(atomic_load(&res1), 0);
	ASSERT_EQ(atomic_load(&res2), N - 1);
	ASSERT_TRUE(tl_barrier_broken(&barrier));
	return 0;
}

static void *reset_worker(void *arg)
{
	(void)arg;
	int i = tl_barrier_wait(&barrier);
	ASSERT(i >= 0);
	if (i == N / 2) {
		WAIT_UNTIL(tl_barrier_n_waiting(&barrier) == N - 1); /* all others inside */
		ASSERT_OK(tl_barrier_reset(&barrier));
	} else {
		int r = tl_barrier_wait(&barrier);
		atomic_fetch_add(r == TL_EBROKEN ? &res2 : &res1, 1);
	}
	/* Now pass the barrier again. */
	ASSERT(tl_barrier_wait(&barrier) >= 0);
	atomic_fetch_add(&res3, 1);
	return NULL;
}

/* reset() frees the waiting threads (broken for them) and the barrier
 * works again afterwards. */
TEST_IMPL(barrier_reset)
{
	ASSERT_OK(tl_barrier_init(&barrier, TL_PRIVATE, N, NULL, NULL, 600));
	run_threads(reset_worker);
	ASSERT_EQ(atomic_load(&res1), 0);
	ASSERT_EQ(atomic_load(&res2), N - 1);
	ASSERT_EQ(atomic_load(&res3), N);
	ASSERT_FALSE(tl_barrier_broken(&barrier));
	return 0;
}

static void *abort_reset_worker(void *arg)
{
	(void)arg;
	int i = tl_barrier_wait(&barrier);
	ASSERT(i >= 0 || i == TL_EBROKEN);
	if (i == TL_EBROKEN) {
		atomic_fetch_add(&res2, 1);
	} else if (i == N / 2) {
		ASSERT_OK(tl_barrier_abort(&barrier));
	} else {
		int r = tl_barrier_wait(&barrier);
		atomic_fetch_add(r == TL_EBROKEN ? &res2 : &res1, 1);
	}
	/* Everyone has left `barrier` before the reset, nobody enters before it. */
	if (tl_barrier_wait(&barrier2) == N / 2)
		ASSERT_OK(tl_barrier_reset(&barrier));
	ASSERT(tl_barrier_wait(&barrier2) >= 0);
	ASSERT(tl_barrier_wait(&barrier) >= 0);
	atomic_fetch_add(&res3, 1);
	return NULL;
}

TEST_IMPL(barrier_abort_and_reset)
{
	ASSERT_OK(tl_barrier_init(&barrier, TL_PRIVATE, N, NULL, NULL, 600));
	ASSERT_OK(tl_barrier_init(&barrier2, TL_PRIVATE, N, NULL, NULL, TL_FOREVER));
	run_threads(abort_reset_worker);
	ASSERT_EQ(atomic_load(&res1), 0);
	ASSERT_EQ(atomic_load(&res2), N - 1);
	ASSERT_EQ(atomic_load(&res3), N);
	return 0;
}

/* One thread is late: the others' wait(0.05) times out, which breaks the
 * barrier; the late one, arriving after that, finds it broken. */
static double max_elapsed;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static bool use_default_timeout;

static void *timeout_worker(void *arg)
{
	(void)arg;
	int i = tl_barrier_wait_timeout(&barrier, TL_FOREVER); /* all arrive, however slowly */
	ASSERT(i >= 0);
	if (i == N / 2) {
		WAIT_UNTIL(tl_barrier_broken(&barrier)); /* late */
		ASSERT_EQ(tl_barrier_wait(&barrier), TL_EBROKEN);
		return NULL;
	}
	double t0 = su_now();
	int r = use_default_timeout ? tl_barrier_wait(&barrier) : tl_barrier_wait_timeout(&barrier, 0.05);
	double dt = su_now() - t0;
	ASSERT_EQ(r, TL_EBROKEN);
	pthread_mutex_lock(&mu);
	if (dt > max_elapsed)
		max_elapsed = dt;
	pthread_mutex_unlock(&mu);
	return NULL;
}

TEST_IMPL(barrier_timeout)
{
	ASSERT_OK(tl_barrier_init(&barrier, TL_PRIVATE, N, NULL, NULL, 600));
	run_threads(timeout_worker);
	ASSERT(max_elapsed >= 0.05 - 1e-6); /* whoever broke it waited its timeout */
	ASSERT_TRUE(tl_barrier_broken(&barrier));
	return 0;
}

TEST_IMPL(barrier_default_timeout)
{
	ASSERT_OK(tl_barrier_init(&barrier, TL_PRIVATE, N, NULL, NULL, 0.05));
	use_default_timeout = true;
	run_threads(timeout_worker);
	ASSERT(max_elapsed >= 0.05 - 1e-6);
	ASSERT_TRUE(tl_barrier_broken(&barrier));
	return 0;
}

TEST_IMPL(barrier_single_thread)
{
	ASSERT_OK(tl_barrier_init(&barrier, TL_PRIVATE, 1, count_action, NULL, TL_FOREVER));
	ASSERT_EQ(tl_barrier_wait(&barrier), 0);
	ASSERT_EQ(tl_barrier_wait(&barrier), 0);
	ASSERT_EQ(atomic_load(&action_calls), 2);
	ASSERT_OK(tl_barrier_destroy(&barrier));
	return 0;
}

static void *one_wait(void *arg)
{
	(void)arg;
	atomic_fetch_add(tl_barrier_wait(&barrier) == TL_EBROKEN ? &res2 : &bad, 1);
	return NULL;
}

TEST_IMPL(barrier_n_waiting_destroy_busy)
{
	ASSERT_OK(tl_barrier_init(&barrier, TL_PRIVATE, 3, NULL, NULL, TL_FOREVER));
	pthread_t a = su_spawn(one_wait, NULL), b = su_spawn(one_wait, NULL);
	WAIT_UNTIL(tl_barrier_n_waiting(&barrier) == 2);
	ASSERT_EQ(tl_barrier_destroy(&barrier), TL_EBUSY);
	ASSERT_OK(tl_barrier_abort(&barrier));
	su_join(a);
	su_join(b);
	ASSERT_EQ(atomic_load(&res2), 2);
	ASSERT_EQ(tl_barrier_n_waiting(&barrier), 0);
	ASSERT_OK(tl_barrier_destroy(&barrier));
	return 0;
}

/* Data written before wait() by any party is visible to all after it. */
static long slots[N];

static void *publish_worker(void *arg)
{
	(void)arg;
	static atomic_int next;
	int me = atomic_fetch_add(&next, 1);
	for (int round = 1; round <= 200; round++) {
		slots[me] = round * 10 + me;
		ASSERT(tl_barrier_wait(&barrier) >= 0);
		for (int j = 0; j < N; j++)
			ASSERT_EQ(slots[j], round * 10 + j);
		ASSERT(tl_barrier_wait(&barrier) >= 0);
	}
	return NULL;
}

TEST_IMPL(barrier_publishes_data)
{
	ASSERT_OK(tl_barrier_init(&barrier, TL_PRIVATE, N, NULL, NULL, TL_FOREVER));
	run_threads(publish_worker);
	return 0;
}

TEST_IMPL(barrier_pshared_across_fork)
{
	struct shared {
		tl_barrier_t b;
		atomic_int mask;
	} *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT(sh != MAP_FAILED);
	ASSERT_OK(tl_barrier_init(&sh->b, TL_PSHARED, 2, NULL, NULL, TL_FOREVER));
	enum { ROUNDS = 2000 };
	pid_t pid = fork();
	ASSERT(pid >= 0);
	for (int i = 0; i < ROUNDS; i++) {
		int r = tl_barrier_wait(&sh->b);
		if (r < 0 || r > 1)
			_exit(3);
		atomic_fetch_or(&sh->mask, 1 << r);
	}
	if (pid == 0)
		_exit(0);
	int status;
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT(WIFEXITED(status));
	ASSERT_EQ(WEXITSTATUS(status), 0);
	ASSERT_EQ(atomic_load(&sh->mask), 3);
	ASSERT_FALSE(tl_barrier_broken(&sh->b));
	munmap(sh, sizeof *sh);
	return 0;
}

TEST_LIST_BEGIN
TEST_ENTRY(barrier_init_arguments)
TEST_ENTRY(barrier_lockstep)
TEST_ENTRY(barrier_lockstep_many)
TEST_ENTRY(barrier_wait_return)
TEST_ENTRY(barrier_action)
TEST_ENTRY(barrier_action_fails)
TEST_ENTRY(barrier_abort)
TEST_ENTRY(barrier_reset)
TEST_ENTRY(barrier_abort_and_reset)
TEST_ENTRY(barrier_timeout)
TEST_ENTRY(barrier_default_timeout)
TEST_ENTRY(barrier_single_thread)
TEST_ENTRY(barrier_n_waiting_destroy_busy)
TEST_ENTRY(barrier_publishes_data)
TEST_ENTRY(barrier_pshared_across_fork)
TEST_LIST_END
