/* Helpers for the synchronisation-primitive tests (test_lock.c, ...):
 * raw pthreads (so the tests do not depend on tl_thread), and polling waits
 * for an observable condition. A poll is not a sleep-as-synchronisation: it
 * waits for a state the test can see (a counter, a lock word showing a
 * sleeper), never for "long enough"; the runner's timeout catches a hang.
 *
 * Process mode (issue 9): a scenario written once runs in three modes,
 *   SU_THREADS    TL_PRIVATE objects, tasks are threads       (name)
 *   SU_PSHARED    TL_PSHARED objects, tasks are threads       (name_pshared)
 *   SU_PROCESSES  TL_PSHARED objects, tasks are forked        (name_procs)
 *                 processes
 * SU_MODE_TESTS(name) { ... mode ... } defines the three tests and
 * SU_MODE_ENTRIES(name) lists them; SU_FLAG_TESTS / SU_FLAG_ENTRIES the first
 * two, for single-task scenarios (a process-shared object used by one
 * process is the SU_PSHARED case). A scenario keeps every object and
 * variable its tasks share in su_map() memory (MAP_SHARED: threads and
 * forked children see the same bytes), creates objects with su_flags(mode),
 * and starts tasks with su_start(mode, fn, arg) / su_finish(task). A
 * forked task that fails an ASSERT dies of SIGABRT and su_finish fails the
 * test.
 *
 * ThreadSanitizer does not follow forked children (nor does a child's own
 * report reach the parent's verdict), so under TSan the SU_PROCESSES tests
 * and every other test that forks skip themselves with SU_SKIP_FORK_UNDER_TSAN
 * (reported as "skip", never as a clean pass); SU_PSHARED runs the
 * process-shared code paths under TSan with threads instead. */
#ifndef TL_SYNC_UTIL_H
#define TL_SYNC_UTIL_H

#include "task.h"
#include "threadlab/common.h"
#include "tsan.h" /* TL_TSAN in TSan builds */

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WAIT_UNTIL(cond)                                                              \
	do {                                                                          \
		while (!(cond))                                                       \
			sched_yield();                                                \
	} while (0)

typedef void *(*su_fn)(void *);

/* Wait until thread `tid` of this process is blocked in futex() on `word`
 * (any futex if word is NULL): /proc/self/task/TID/syscall names the
 * syscall a blocked thread is in and its arguments ("202 0xADDR ..." on
 * x86-64), "running" otherwise. An idle waiter that keeps spinning or
 * polling never gets there, and the runner's timeout fails it. */
static inline void su_wait_in_futex_on(pid_t tid, const void *word)
{
	char path[64], buf[256];
	snprintf(path, sizeof path, "/proc/self/task/%d/syscall", (int)tid);
	for (;;) {
		FILE *f = fopen(path, "re");
		ASSERT(f != NULL);
		size_t n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[n] = 0;
		long nr;
		unsigned long long addr = 0;
		int got = sscanf(buf, "%ld 0x%llx", &nr, &addr);
		if (got >= 1 && nr == SYS_futex && (!word || (got == 2 && addr == (unsigned long long)(uintptr_t)word)))
			return;
		sched_yield();
	}
}

static inline void su_wait_in_futex(pid_t tid)
{
	su_wait_in_futex_on(tid, NULL);
}

static inline pthread_t su_spawn(su_fn fn, void *arg)
{
	pthread_t t;
	ASSERT_OK(pthread_create(&t, NULL, fn, arg));
	return t;
}

static inline void su_join(pthread_t t)
{
	ASSERT_OK(pthread_join(t, NULL));
}

/* Start n threads running fn(arg) and join them all. */
static inline void su_run(int n, su_fn fn, void *arg)
{
	pthread_t t[64];
	ASSERT(n <= 64);
	for (int i = 0; i < n; i++)
		t[i] = su_spawn(fn, arg);
	for (int i = 0; i < n; i++)
		su_join(t[i]);
}

static inline double su_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- process mode ---- */

enum su_mode { SU_THREADS, SU_PSHARED, SU_PROCESSES };

static inline int su_flags(int mode)
{
	return mode == SU_THREADS ? TL_PRIVATE : TL_PSHARED;
}

/* Zeroed MAP_SHARED | MAP_ANONYMOUS memory (inherited by fork children). */
static inline void *su_map(size_t n)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT(p != MAP_FAILED);
	return p;
}

static inline void su_unmap(void *p, size_t n)
{
	ASSERT_OK(munmap(p, n));
}

typedef struct su_task {
	pthread_t thread;
	pid_t pid; /* > 0: a forked process */
} su_task;

/* Fork a child that runs fn(arg) and exits 0 (an ASSERT kills it with
 * SIGABRT); it dies with the parent (PR_SET_PDEATHSIG), so a failing parent
 * leaves no orphan spinning. */
static inline pid_t su_fork(su_fn fn, void *arg)
{
	fflush(NULL);
	pid_t pid = fork();
	ASSERT(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fn(arg);
		_exit(0);
	}
	return pid;
}

static inline su_task su_start(int mode, su_fn fn, void *arg)
{
	su_task t = { 0, 0 };
	if (mode == SU_PROCESSES)
		t.pid = su_fork(fn, arg);
	else
		t.thread = su_spawn(fn, arg);
	return t;
}

/* waitpid, retried on EINTR; returns the status. */
static inline int su_waitpid(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		ASSERT_EQ(errno, EINTR);
	return st;
}

static inline void su_finish(su_task t)
{
	if (t.pid > 0) {
		int st = su_waitpid(t.pid);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			fprintf(stderr, "  task process %d: %s %d\n", (int)t.pid,
				WIFEXITED(st) ? "exit status" : "killed by signal",
				WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	} else {
		su_join(t.thread);
	}
}

/* Start n tasks running fn(arg) and finish them all. */
static inline void su_run_mode(int mode, int n, su_fn fn, void *arg)
{
	su_task t[64];
	ASSERT(n <= 64);
	for (int i = 0; i < n; i++)
		t[i] = su_start(mode, fn, arg);
	for (int i = 0; i < n; i++)
		su_finish(t[i]);
}

/* A process that raise(SIGKILL)ed itself (or was killed): reap and check. */
static inline void su_reap_killed(pid_t pid)
{
	int st = su_waitpid(pid);
	ASSERT(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
}

#ifdef TL_TSAN
#define SU_SKIP_FORK_UNDER_TSAN()                                                     \
	TEST_SKIP("forks: TSan does not follow forked children, process mode is "      \
		  "out of TSan scope (the _pshared variant covers the code with threads)")
#else
#define SU_SKIP_FORK_UNDER_TSAN() ((void)0)
#endif

#define SU_MODE_TESTS(name)                                                           \
	static int name##_in(int mode);                                               \
	TEST_IMPL(name)                                                               \
	{                                                                             \
		return name##_in(SU_THREADS);                                         \
	}                                                                             \
	TEST_IMPL(name##_pshared)                                                     \
	{                                                                             \
		return name##_in(SU_PSHARED);                                         \
	}                                                                             \
	TEST_IMPL(name##_procs)                                                       \
	{                                                                             \
		SU_SKIP_FORK_UNDER_TSAN();                                            \
		return name##_in(SU_PROCESSES);                                       \
	}                                                                             \
	static int name##_in(int mode)

#define SU_MODE_ENTRIES(name) TEST_ENTRY(name) TEST_ENTRY(name##_pshared) TEST_ENTRY(name##_procs)

#define SU_FLAG_TESTS(name)                                                           \
	static int name##_in(int mode);                                               \
	TEST_IMPL(name)                                                               \
	{                                                                             \
		return name##_in(SU_THREADS);                                         \
	}                                                                             \
	TEST_IMPL(name##_pshared)                                                     \
	{                                                                             \
		return name##_in(SU_PSHARED);                                         \
	}                                                                             \
	static int name##_in(int mode)

#define SU_FLAG_ENTRIES(name) TEST_ENTRY(name) TEST_ENTRY(name##_pshared)

#endif
