/* Process mode contends for real (issue 9): a tl_lock in a MAP_SHARED
 * mapping is one lock for every forked process, while a lock in private
 * memory is silently copied by fork() into one uncontended lock per process
 * (the trap will-it-scale's process-mode mutex tests fall into).
 *
 * What is asserted is only what is deterministic:
 *   - shared: N children incrementing a shared counter under the shared
 *     lock end exactly at N x K; a lock held in one process is seen held
 *     (TL_EBUSY, locked()) in another, and a blocked acquire in one process
 *     is released by the release in another.
 *   - private copy: every child's lock is never contended (each try_acquire
 *     on it succeeds at once and it is never seen locked before the
 *     child's own acquire), and the parent's copy stays free while a child
 *     holds its own. The lost updates on the shared counter that this
 *     allows are printed, not asserted: whether any happen depends on the
 *     schedule.
 * Children are forked before any thread exists (the test process is
 * single-threaded), so this is TSan-clean; TSan cannot see across
 * processes, so the cross-process counter race is invisible to it (not a
 * false negative of the library: it is out of TSan's scope).
 */
#include "sync_util.h"
#include "task.h"
#include "threadlab/lock.h"

#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

enum { N = 4, K = 20000 };

struct shared {
	tl_lock_t lock;
	uint64_t counter; /* plain: only the lock (or nothing) protects it */
	_Atomic uint32_t ready, go, held, done;
	_Atomic uint64_t contended;
};

static struct shared *map_shared(void)
{
	struct shared *s = mmap(NULL, sizeof *s, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT(s != MAP_FAILED);
	ASSERT_OK(tl_lock_init(&s->lock, TL_PSHARED));
	return s;
}

/* The read-modify-write with a window: the compiler must reload and store
 * (the asm clobbers memory), so without a lock updates get lost. */
static void increment(struct shared *s)
{
	uint64_t t = s->counter;
	__asm__ __volatile__("" ::: "memory");
	s->counter = t + 1;
}

static pid_t fork_child(void (*fn)(struct shared *, void *), struct shared *s, void *arg)
{
	fflush(NULL);
	pid_t pid = fork();
	ASSERT(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* no orphan if the parent fails */
		fn(s, arg);
		_exit(0);
	}
	return pid;
}

static void wait_ok(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		ASSERT_EQ(errno, EINTR);
	ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* ---- shared lock ---- */

static void shared_worker(struct shared *s, void *arg)
{
	(void)arg;
	atomic_fetch_add(&s->ready, 1);
	WAIT_UNTIL(atomic_load(&s->go));
	for (int i = 0; i < K; i++) {
		if (tl_lock_try_acquire(&s->lock) != 0) {
			atomic_fetch_add_explicit(&s->contended, 1, memory_order_relaxed);
			ASSERT_OK(tl_lock_acquire(&s->lock, true, TL_FOREVER));
		}
		increment(s);
		ASSERT_OK(tl_lock_release(&s->lock));
	}
}

TEST_IMPL(shared_lock_counter_exact)
{
	struct shared *s = map_shared();
	pid_t pid[N];
	for (int i = 0; i < N; i++)
		pid[i] = fork_child(shared_worker, s, NULL);
	WAIT_UNTIL(atomic_load(&s->ready) == N);
	atomic_store(&s->go, 1); /* released together */
	for (int i = 0; i < N; i++)
		wait_ok(pid[i]);
	ASSERT_EQ(s->counter, (uint64_t)N * K);
	ASSERT_FALSE(tl_lock_locked(&s->lock));
	printf("shared lock: %d processes x %d = %llu exact; %llu acquisitions found it held\n", N, K,
	       (unsigned long long)s->counter, (unsigned long long)atomic_load(&s->contended));
	ASSERT_OK(tl_lock_destroy(&s->lock));
	munmap(s, sizeof *s);
	return 0;
}

static void hold_until_done(struct shared *s, void *arg)
{
	(void)arg;
	ASSERT_OK(tl_lock_acquire(&s->lock, true, TL_FOREVER));
	atomic_store(&s->held, 1);
	WAIT_UNTIL(atomic_load(&s->done));
	ASSERT_OK(tl_lock_release(&s->lock));
}

static void release_when_parent_sleeps(struct shared *s, void *arg)
{
	(void)arg;
	ASSERT_OK(tl_lock_acquire(&s->lock, true, TL_FOREVER));
	atomic_store(&s->held, 1);
	/* the WAITERS bit of the process-shared (robust) lock word: a sleeper
	 * (the parent) is in the kernel or on its way */
	WAIT_UNTIL(atomic_load(&s->lock.state) & 0x80000000u);
	ASSERT_OK(tl_lock_release(&s->lock));
}

TEST_IMPL(shared_lock_is_one_lock)
{
	struct shared *s = map_shared();
	/* held in the child -> busy in the parent */
	pid_t pid = fork_child(hold_until_done, s, NULL);
	WAIT_UNTIL(atomic_load(&s->held));
	ASSERT(tl_lock_locked(&s->lock));
	ASSERT_EQ(tl_lock_try_acquire(&s->lock), TL_EBUSY);
	ASSERT_EQ(tl_lock_acquire(&s->lock, true, 0), TL_ETIMEDOUT);
	atomic_store(&s->done, 1);
	wait_ok(pid);
	ASSERT_FALSE(tl_lock_locked(&s->lock));

	/* a blocked acquire here is released by a release there */
	atomic_store(&s->held, 0);
	pid = fork_child(release_when_parent_sleeps, s, NULL);
	WAIT_UNTIL(atomic_load(&s->held));
	ASSERT_OK(tl_lock_acquire(&s->lock, true, TL_FOREVER));
	ASSERT_OK(tl_lock_release(&s->lock));
	wait_ok(pid);
	munmap(s, sizeof *s);
	return 0;
}

/* ---- private copy ---- */

static tl_lock_t priv; /* private memory: fork gives each child a copy */

static void private_worker(struct shared *s, void *arg)
{
	(void)arg;
	atomic_fetch_add(&s->ready, 1);
	WAIT_UNTIL(atomic_load(&s->go));
	for (int i = 0; i < K; i++) {
		/* Never contended: nobody else has this lock. */
		ASSERT_FALSE(tl_lock_locked(&priv));
		ASSERT_OK(tl_lock_try_acquire(&priv));
		increment(s);
		ASSERT_OK(tl_lock_release(&priv));
	}
}

static void private_hold(struct shared *s, void *arg)
{
	(void)arg;
	ASSERT_OK(tl_lock_acquire(&priv, true, TL_FOREVER));
	atomic_store(&s->held, 1);
	WAIT_UNTIL(atomic_load(&s->done));
	ASSERT_OK(tl_lock_release(&priv));
}

TEST_IMPL(private_lock_is_a_copy)
{
	/* Even with TL_PSHARED: the flag picks shared futexes, the memory is
	 * what decides whether there is one lock or N. */
	for (int flags = TL_PRIVATE; flags <= TL_PSHARED; flags++) {
		struct shared *s = map_shared();
		ASSERT_OK(tl_lock_init(&priv, flags));

		/* held by the child's copy, free in the parent's */
		pid_t h = fork_child(private_hold, s, NULL);
		WAIT_UNTIL(atomic_load(&s->held));
		ASSERT_FALSE(tl_lock_locked(&priv));
		ASSERT_OK(tl_lock_try_acquire(&priv));
		ASSERT_OK(tl_lock_release(&priv));
		atomic_store(&s->done, 1);
		wait_ok(h);

		pid_t pid[N];
		for (int i = 0; i < N; i++)
			pid[i] = fork_child(private_worker, s, NULL);
		WAIT_UNTIL(atomic_load(&s->ready) == N);
		atomic_store(&s->go, 1);
		for (int i = 0; i < N; i++)
			wait_ok(pid[i]); /* exit 0: its copy was never contended */
		ASSERT_LE(s->counter, (uint64_t)N * K);
		ASSERT_FALSE(tl_lock_locked(&priv));
		printf("private lock copies (%s): %d processes x %d -> counter %llu (%llu updates lost; "
		       "not asserted, schedule-dependent)\n",
		       flags ? "TL_PSHARED flag" : "TL_PRIVATE", N, K, (unsigned long long)s->counter,
		       (unsigned long long)((uint64_t)N * K - s->counter));
		ASSERT_OK(tl_lock_destroy(&priv));
		munmap(s, sizeof *s);
	}
	return 0;
}

TEST_LIST_BEGIN
TEST_ENTRY(shared_lock_counter_exact)
TEST_ENTRY(shared_lock_is_one_lock)
TEST_ENTRY(private_lock_is_a_copy)
TEST_LIST_END
