/* threading.Barrier semantics, after CPython's Lib/test/lock_tests.py
 * (BarrierTests), without sleeps: "a thread is late" is modelled by a
 * thread that waits for the barrier to break before it arrives. Each
 * scenario with threads, with a TL_PSHARED barrier and threads, and with
 * forked processes over a shared mapping (sync_util.h); then dead parties
 * of a process-shared barrier. */
#include "sync_util.h"
#include "threadlab/barrier.h"

#include <math.h>

enum { N = 5 };
static struct bar_shared {
	tl_barrier_t barrier, barrier2;
	atomic_int res0, res1, res2, res3, bad, action_calls, index_mask, index_sum, next;
	int passes;
	bool use_default_timeout;
	long slots[N];
	double timeout;
} *S;
static int g_mode;

/* barrier.wait()'s Python value in one int: the arrival index, or the
 * negative error code (tl_barrier_wait stores the index separately). */
static int wait_index_t(tl_barrier_t *b, double timeout)
{
	int i = -1;
	int r = tl_barrier_wait(b, timeout, &i);
	ASSERT(r != 0 || (i >= 0 && i < tl_barrier_parties(b)));
	return r ? r : i;
}

static int wait_index(tl_barrier_t *b)
{
	return wait_index_t(b, TL_BARRIER_DEFAULT);
}

static void setup(int mode)
{
	g_mode = mode;
	S = su_map(sizeof *S);
}

/* Run f in N-1 new tasks and in this one, as CPython's run_threads. */
static void run_threads(su_fn f)
{
	su_task t[N - 1];
	for (int i = 0; i < N - 1; i++)
		t[i] = su_start(g_mode, f, NULL);
	f(NULL);
	for (int i = 0; i < N - 1; i++)
		su_finish(t[i]);
}

SU_FLAG_TESTS(barrier_init_arguments)
{
	int flags = su_flags(mode);
	tl_barrier_t b;
	ASSERT_EQ(tl_barrier_init(&b, flags, 0, NULL, NULL, TL_FOREVER), TL_EINVAL);
	ASSERT_EQ(tl_barrier_init(&b, flags, -3, NULL, NULL, TL_FOREVER), TL_EINVAL);
	ASSERT_EQ(tl_barrier_init(&b, 0x20, 2, NULL, NULL, TL_FOREVER), TL_EINVAL);
	ASSERT_OK(tl_barrier_init(&b, flags, 3, NULL, NULL, 2.0));
	ASSERT_EQ(tl_barrier_parties(&b), 3);
	ASSERT_EQ(tl_barrier_n_waiting(&b), 0);
	ASSERT_FALSE(tl_barrier_broken(&b));
	/* As in Python, a negative timeout acts as 0: not everyone is there, so
	 * the wait times out at once and breaks the barrier. */
	ASSERT_EQ(wait_index_t(&b, -5), TL_EBROKEN);
	ASSERT_TRUE(tl_barrier_broken(&b));
	ASSERT_EQ(tl_barrier_n_waiting(&b), 0);
	ASSERT_OK(tl_barrier_reset(&b));
	ASSERT_FALSE(tl_barrier_broken(&b));
	ASSERT_OK(tl_barrier_destroy(&b));
	/* A barrier whose default timeout is 0 (or negative, or NaN) breaks at
	 * the first wait that is not the last party's. */
	ASSERT_OK(tl_barrier_init(&b, flags, 2, NULL, NULL, NAN));
	ASSERT_EQ(wait_index(&b), TL_EBROKEN);
	ASSERT_OK(tl_barrier_init(&b, flags, 1, NULL, NULL, -2));
	ASSERT_EQ(wait_index(&b), 0); /* the only party never waits */
	/* A process-shared barrier records its arrivals: bounded parties. */
	ASSERT_EQ(tl_barrier_init(&b, TL_PSHARED, TL_BARRIER_PSHARED_PARTIES + 1, NULL, NULL, TL_FOREVER), TL_EINVAL);
	ASSERT_OK(tl_barrier_init(&b, TL_PSHARED, TL_BARRIER_PSHARED_PARTIES, NULL, NULL, TL_FOREVER));
	ASSERT_OK(tl_barrier_init(&b, TL_PRIVATE, TL_BARRIER_PSHARED_PARTIES + 1, NULL, NULL, TL_FOREVER));
	return 0;
}

/* Lockstep: nobody passes wait i before all have arrived at it. */
static void *multipass(void *arg)
{
	(void)arg;
	for (int i = 0; i < S->passes; i++) {
		atomic_fetch_add(&S->res0, 1);
		ASSERT_EQ(atomic_load(&S->res1), i * N);
		int r = wait_index(&S->barrier);
		ASSERT(r >= 0 && r < N);
		atomic_fetch_add(&S->res1, 1);
		ASSERT_EQ(atomic_load(&S->res0), (i + 1) * N);
		r = wait_index(&S->barrier);
		ASSERT(r >= 0 && r < N);
	}
	ASSERT_EQ(tl_barrier_n_waiting(&S->barrier), 0);
	ASSERT_FALSE(tl_barrier_broken(&S->barrier));
	return NULL;
}

SU_MODE_TESTS(barrier_lockstep)
{
	setup(mode);
	ASSERT_OK(tl_barrier_init(&S->barrier, su_flags(mode), N, NULL, NULL, TL_FOREVER));
	S->passes = 1;
	run_threads(multipass);
	ASSERT_OK(tl_barrier_destroy(&S->barrier));
	return 0;
}

SU_MODE_TESTS(barrier_lockstep_many)
{
	setup(mode);
	ASSERT_OK(tl_barrier_init(&S->barrier, su_flags(mode), N, NULL, NULL, TL_FOREVER));
	S->passes = 500;
	run_threads(multipass);
	ASSERT_EQ(atomic_load(&S->res0), N * S->passes);
	ASSERT_OK(tl_barrier_destroy(&S->barrier));
	return 0;
}

static void *wait_return(void *arg)
{
	(void)arg;
	int r = wait_index(&S->barrier);
	ASSERT(r >= 0 && r < N);
	atomic_fetch_add(&S->index_sum, r);
	atomic_fetch_or(&S->index_mask, 1 << r);
	return NULL;
}

SU_MODE_TESTS(barrier_wait_return)
{
	setup(mode);
	ASSERT_OK(tl_barrier_init(&S->barrier, su_flags(mode), N, NULL, NULL, TL_FOREVER));
	run_threads(wait_return);
	ASSERT_EQ(atomic_load(&S->index_sum), N * (N - 1) / 2);
	ASSERT_EQ(atomic_load(&S->index_mask), (1 << N) - 1); /* each index once */
	return 0;
}

static int count_action(void *arg)
{
	(void)arg;
	ASSERT_EQ(atomic_load(&S->res1), 0); /* before anyone is released */
	atomic_fetch_add(&S->action_calls, 1);
	return 0;
}

static void *action_worker(void *arg)
{
	(void)arg;
	ASSERT(wait_index(&S->barrier) >= 0);
	ASSERT_EQ(atomic_load(&S->action_calls), 1);
	atomic_fetch_add(&S->res1, 1);
	return NULL;
}

SU_MODE_TESTS(barrier_action)
{
	setup(mode);
	ASSERT_OK(tl_barrier_init(&S->barrier, su_flags(mode), N, count_action, NULL, TL_FOREVER));
	run_threads(action_worker);
	ASSERT_EQ(atomic_load(&S->action_calls), 1);
	return 0;
}

static int failing_action(void *arg)
{
	(void)arg;
	atomic_fetch_add(&S->action_calls, 1);
	return -1;
}

static void *broken_worker(void *arg)
{
	(void)arg;
	atomic_fetch_add(wait_index(&S->barrier) == TL_EBROKEN ? &S->res2 : &S->bad, 1);
	return NULL;
}

/* A failing action breaks the barrier for every thread, its own included. */
SU_MODE_TESTS(barrier_action_fails)
{
	setup(mode);
	ASSERT_OK(tl_barrier_init(&S->barrier, su_flags(mode), N, failing_action, NULL, TL_FOREVER));
	run_threads(broken_worker);
	ASSERT_EQ(atomic_load(&S->res2), N);
	ASSERT_EQ(atomic_load(&S->bad), 0);
	ASSERT_EQ(atomic_load(&S->action_calls), 1);
	ASSERT_TRUE(tl_barrier_broken(&S->barrier));
	ASSERT_EQ(wait_index(&S->barrier), TL_EBROKEN); /* stays broken */
	ASSERT_OK(tl_barrier_reset(&S->barrier));
	ASSERT_FALSE(tl_barrier_broken(&S->barrier));
	return 0;
}

/* As in CPython, a thread released by the first wait but not yet out of it
 * when another aborts gets the broken-barrier error from that first wait;
 * the test counts either. */
static void *abort_worker(void *arg)
{
	(void)arg;
	int i = wait_index(&S->barrier);
	if (i == TL_EBROKEN) {
		atomic_fetch_add(&S->res2, 1);
		return NULL;
	}
	ASSERT(i >= 0);
	if (i == N / 2) {
		ASSERT_OK(tl_barrier_abort(&S->barrier));
		return NULL;
	}
	int r = wait_index(&S->barrier);
	atomic_fetch_add(r == TL_EBROKEN ? &S->res2 : &S->res1, 1);
	return NULL;
}

SU_MODE_TESTS(barrier_abort)
{
	setup(mode);
	ASSERT_OK(tl_barrier_init(&S->barrier, su_flags(mode), N, NULL, NULL, 600));
	run_threads(abort_worker);
	ASSERT_EQ(atomic_load(&S->res1), 0);
	ASSERT_EQ(atomic_load(&S->res2), N - 1);
	ASSERT_TRUE(tl_barrier_broken(&S->barrier));
	return 0;
}

static void *reset_worker(void *arg)
{
	(void)arg;
	int i = wait_index(&S->barrier);
	ASSERT(i >= 0);
	if (i == N / 2) {
		WAIT_UNTIL(tl_barrier_n_waiting(&S->barrier) == N - 1); /* all others inside */
		ASSERT_OK(tl_barrier_reset(&S->barrier));
	} else {
		int r = wait_index(&S->barrier);
		atomic_fetch_add(r == TL_EBROKEN ? &S->res2 : &S->res1, 1);
	}
	/* Now pass the barrier again. */
	ASSERT(wait_index(&S->barrier) >= 0);
	atomic_fetch_add(&S->res3, 1);
	return NULL;
}

/* reset() frees the waiting threads (broken for them) and the barrier
 * works again afterwards. */
SU_MODE_TESTS(barrier_reset)
{
	setup(mode);
	ASSERT_OK(tl_barrier_init(&S->barrier, su_flags(mode), N, NULL, NULL, 600));
	run_threads(reset_worker);
	ASSERT_EQ(atomic_load(&S->res1), 0);
	ASSERT_EQ(atomic_load(&S->res2), N - 1);
	ASSERT_EQ(atomic_load(&S->res3), N);
	ASSERT_FALSE(tl_barrier_broken(&S->barrier));
	return 0;
}

static void *abort_reset_worker(void *arg)
{
	(void)arg;
	int i = wait_index(&S->barrier);
	ASSERT(i >= 0 || i == TL_EBROKEN);
	if (i == TL_EBROKEN) {
		atomic_fetch_add(&S->res2, 1);
	} else if (i == N / 2) {
		ASSERT_OK(tl_barrier_abort(&S->barrier));
	} else {
		int r = wait_index(&S->barrier);
		atomic_fetch_add(r == TL_EBROKEN ? &S->res2 : &S->res1, 1);
	}
	/* Everyone has left `barrier` before the reset, nobody enters before it. */
	if (wait_index(&S->barrier2) == N / 2)
		ASSERT_OK(tl_barrier_reset(&S->barrier));
	ASSERT(wait_index(&S->barrier2) >= 0);
	ASSERT(wait_index(&S->barrier) >= 0);
	atomic_fetch_add(&S->res3, 1);
	return NULL;
}

SU_MODE_TESTS(barrier_abort_and_reset)
{
	setup(mode);
	ASSERT_OK(tl_barrier_init(&S->barrier, su_flags(mode), N, NULL, NULL, 600));
	ASSERT_OK(tl_barrier_init(&S->barrier2, su_flags(mode), N, NULL, NULL, TL_FOREVER));
	run_threads(abort_reset_worker);
	ASSERT_EQ(atomic_load(&S->res1), 0);
	ASSERT_EQ(atomic_load(&S->res2), N - 1);
	ASSERT_EQ(atomic_load(&S->res3), N);
	return 0;
}

/* One thread is late: the others' wait(0.05) times out, which breaks the
 * barrier; the late one, arriving after that, finds it broken. */
static void *timeout_worker(void *arg)
{
	(void)arg;
	int i = wait_index_t(&S->barrier, TL_FOREVER); /* all arrive, however slowly */
	ASSERT(i >= 0);
	if (i == N / 2) {
		WAIT_UNTIL(tl_barrier_broken(&S->barrier)); /* late */
		ASSERT_EQ(wait_index(&S->barrier), TL_EBROKEN);
		return NULL;
	}
	double t0 = su_now();
	int r = S->use_default_timeout ? wait_index(&S->barrier) : wait_index_t(&S->barrier, 0.05);
	double dt = su_now() - t0;
	ASSERT_EQ(r, TL_EBROKEN);
	if (dt >= 0.05 - 1e-6) /* counted: the one that broke it waited its timeout */
		atomic_fetch_add(&S->res2, 1);
	return NULL;
}

SU_MODE_TESTS(barrier_timeout)
{
	setup(mode);
	ASSERT_OK(tl_barrier_init(&S->barrier, su_flags(mode), N, NULL, NULL, 600));
	run_threads(timeout_worker);
	ASSERT_GE(atomic_load(&S->res2), 1); /* whoever broke it waited its timeout */
	ASSERT_TRUE(tl_barrier_broken(&S->barrier));
	return 0;
}

SU_MODE_TESTS(barrier_default_timeout)
{
	setup(mode);
	ASSERT_OK(tl_barrier_init(&S->barrier, su_flags(mode), N, NULL, NULL, 0.05));
	S->use_default_timeout = true;
	run_threads(timeout_worker);
	ASSERT_GE(atomic_load(&S->res2), 1);
	ASSERT_TRUE(tl_barrier_broken(&S->barrier));
	return 0;
}

SU_FLAG_TESTS(barrier_single_thread)
{
	setup(mode);
	ASSERT_OK(tl_barrier_init(&S->barrier, su_flags(mode), 1, count_action, NULL, TL_FOREVER));
	ASSERT_EQ(wait_index(&S->barrier), 0);
	ASSERT_EQ(wait_index(&S->barrier), 0);
	ASSERT_EQ(atomic_load(&S->action_calls), 2);
	ASSERT_OK(tl_barrier_destroy(&S->barrier));
	return 0;
}

static void *one_wait(void *arg)
{
	(void)arg;
	atomic_fetch_add(wait_index(&S->barrier) == TL_EBROKEN ? &S->res2 : &S->bad, 1);
	return NULL;
}

SU_MODE_TESTS(barrier_n_waiting_destroy_busy)
{
	setup(mode);
	ASSERT_OK(tl_barrier_init(&S->barrier, su_flags(mode), 3, NULL, NULL, TL_FOREVER));
	su_task a = su_start(mode, one_wait, NULL), b = su_start(mode, one_wait, NULL);
	WAIT_UNTIL(tl_barrier_n_waiting(&S->barrier) == 2);
	ASSERT_EQ(tl_barrier_destroy(&S->barrier), TL_EBUSY);
	ASSERT_OK(tl_barrier_abort(&S->barrier));
	su_finish(a);
	su_finish(b);
	ASSERT_EQ(atomic_load(&S->res2), 2);
	ASSERT_EQ(tl_barrier_n_waiting(&S->barrier), 0);
	ASSERT_OK(tl_barrier_destroy(&S->barrier));
	return 0;
}

/* Data written before wait() by any party is visible to all after it. */
static void *publish_worker(void *arg)
{
	(void)arg;
	int me = atomic_fetch_add(&S->next, 1);
	for (int round = 1; round <= 200; round++) {
		S->slots[me] = round * 10 + me;
		ASSERT(wait_index(&S->barrier) >= 0);
		for (int j = 0; j < N; j++)
			ASSERT_EQ(S->slots[j], round * 10 + j);
		ASSERT(wait_index(&S->barrier) >= 0);
	}
	return NULL;
}

SU_MODE_TESTS(barrier_publishes_data)
{
	setup(mode);
	ASSERT_OK(tl_barrier_init(&S->barrier, su_flags(mode), N, NULL, NULL, TL_FOREVER));
	run_threads(publish_worker);
	return 0;
}

/* ---- dead parties (TL_PSHARED, processes) ---- */

static void *wait_expect_broken(void *arg)
{
	(void)arg;
	ASSERT_EQ(wait_index(&S->barrier), TL_EBROKEN);
	atomic_fetch_add(&S->res2, 1);
	return NULL;
}

static void *wait_forever(void *arg)
{
	(void)arg;
	wait_index(&S->barrier);
	ASSERT(!"released");
	return NULL;
}

static void *wait_ok(void *arg)
{
	(void)arg;
	int r = wait_index(&S->barrier);
	ASSERT(r >= 0 && r < 3);
	atomic_fetch_or(&S->index_mask, 1 << r);
	return NULL;
}

/* A party killed while it waits breaks the barrier for the party still
 * waiting (noticed within a liveness slice) and for later arrivals; after
 * reset() the barrier works again, its place freed. The killed process is
 * not reaped until the end: a zombie is dead. */
TEST_IMPL(barrier_pshared_dead_party)
{
	SU_SKIP_FORK_UNDER_TSAN();
	setup(SU_PROCESSES);
	ASSERT_OK(tl_barrier_init(&S->barrier, TL_PSHARED, 3, NULL, NULL, TL_FOREVER));
	su_task a = su_start(SU_PROCESSES, wait_expect_broken, NULL);
	WAIT_UNTIL(tl_barrier_n_waiting(&S->barrier) == 1);
	pid_t victim = su_fork(wait_forever, NULL);
	WAIT_UNTIL(tl_barrier_n_waiting(&S->barrier) == 2);
	ASSERT_OK(kill(victim, SIGKILL));
	su_finish(a); /* TL_EBROKEN, not a hang */
	ASSERT_EQ(atomic_load(&S->res2), 1);
	ASSERT_TRUE(tl_barrier_broken(&S->barrier));
	ASSERT_EQ(wait_index(&S->barrier), TL_EBROKEN);
	ASSERT_EQ(tl_barrier_n_waiting(&S->barrier), 0);
	ASSERT_OK(tl_barrier_reset(&S->barrier));
	su_task t[2];
	for (int i = 0; i < 2; i++)
		t[i] = su_start(SU_PROCESSES, wait_ok, NULL);
	wait_ok(NULL);
	for (int i = 0; i < 2; i++)
		su_finish(t[i]);
	ASSERT_EQ(atomic_load(&S->index_mask), 7);
	ASSERT_OK(tl_barrier_destroy(&S->barrier));
	su_reap_killed(victim);
	return 0;
}

/* A process dies inside the barrier's critical section (its action kills
 * it, with the barrier's internal lock held): the waiting party gets
 * TL_EBROKEN, the barrier reports broken, and reset() repairs it. */
static int dying_action(void *arg)
{
	(void)arg;
	raise(SIGKILL);
	return 0;
}

static void *arrive_last(void *arg)
{
	(void)arg;
	WAIT_UNTIL(tl_barrier_n_waiting(&S->barrier) == 1);
	wait_index(&S->barrier);
	ASSERT(!"survived its action");
	return NULL;
}

TEST_IMPL(barrier_pshared_holder_died)
{
	SU_SKIP_FORK_UNDER_TSAN();
	setup(SU_PROCESSES);
	ASSERT_OK(tl_barrier_init(&S->barrier, TL_PSHARED, 2, dying_action, NULL, TL_FOREVER));
	pid_t pid = su_fork(arrive_last, NULL);
	ASSERT_EQ(wait_index(&S->barrier), TL_EBROKEN);
	su_reap_killed(pid);
	ASSERT_TRUE(tl_barrier_broken(&S->barrier));
	ASSERT_EQ(tl_barrier_n_waiting(&S->barrier), 0);
	ASSERT_OK(tl_barrier_reset(&S->barrier));
	ASSERT_FALSE(tl_barrier_broken(&S->barrier));
	ASSERT_FALSE(tl_lock_locked(&S->barrier.lock));
	ASSERT_OK(tl_barrier_destroy(&S->barrier));
	return 0;
}

TEST_LIST_BEGIN
SU_FLAG_ENTRIES(barrier_init_arguments)
SU_MODE_ENTRIES(barrier_lockstep)
SU_MODE_ENTRIES(barrier_lockstep_many)
SU_MODE_ENTRIES(barrier_wait_return)
SU_MODE_ENTRIES(barrier_action)
SU_MODE_ENTRIES(barrier_action_fails)
SU_MODE_ENTRIES(barrier_abort)
SU_MODE_ENTRIES(barrier_reset)
SU_MODE_ENTRIES(barrier_abort_and_reset)
SU_MODE_ENTRIES(barrier_timeout)
SU_MODE_ENTRIES(barrier_default_timeout)
SU_FLAG_ENTRIES(barrier_single_thread)
SU_MODE_ENTRIES(barrier_n_waiting_destroy_busy)
SU_MODE_ENTRIES(barrier_publishes_data)
TEST_ENTRY(barrier_pshared_dead_party)
TEST_ENTRY(barrier_pshared_holder_died)
TEST_LIST_END
