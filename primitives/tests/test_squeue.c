/* The process-shared record queue (threadlab/squeue.h).
 *
 * Thread mode: the thread queue's semantics (test_queue.c), on records:
 * order and wraparound, exact capacity, Full/Empty with and without
 * timeouts, bad arguments, blocking put/get released by the other side,
 * destroy while blocked, task_done/join, the 3.13 shutdown rules, MPMC
 * exactly-once with per-producer order.
 *
 * Process mode: forked children put/get through a MAP_SHARED anonymous
 * queue (exactly-once across processes, a get in one process released by a
 * put in another), a child killed with SIGKILL at a deterministic point
 * inside the queue's critical section (test hook) -> the next locker gets
 * TL_EOWNERDEAD and the state is consistent, a child killed while the
 * parent blocks on get/put/join -> TL_EBROKEN instead of a hang, a recycled
 * pid (forged start time) recognised as dead, a named queue opened by a
 * child exec'd afresh.
 *
 * "Blocked" is observed, never slept for: the tests poll the queue's
 * sleeper counts and lock word (internal header) until they show the
 * expected waiter. Process tests fork before any thread exists; the killed
 * children are not reaped before the parent's check, so the parent really
 * faces a zombie (kill(pid, 0) would still succeed on it).
 */
#include "gate.h"
#include "squeue_impl.h"
#include "sync_util.h"
#include "task.h"
#include "threadlab/squeue.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct rec {
	uint32_t producer;
	uint32_t seq;
	char text[8];
};

/* ---- memory ---- */

static tl_squeue_t *private_queue(size_t cap, size_t rs)
{
	size_t sz = tl_squeue_size(cap, rs);
	ASSERT(sz > 0);
	void *mem = aligned_alloc(64, (sz + 63) & ~(size_t)63);
	ASSERT_NOT_NULL(mem);
	ASSERT_OK(tl_squeue_init(mem, cap, rs, TL_PRIVATE));
	return mem;
}

static void free_private(tl_squeue_t *q)
{
	ASSERT_OK(tl_squeue_destroy(q));
	free(q);
}

static void *shared_map(size_t sz)
{
	void *m = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT(m != MAP_FAILED);
	return m;
}

static tl_squeue_t *shared_queue(size_t cap, size_t rs)
{
	size_t sz = tl_squeue_size(cap, rs);
	ASSERT(sz > 0);
	tl_squeue_t *q = shared_map(sz);
	ASSERT_OK(tl_squeue_init(q, cap, rs, TL_PSHARED));
	return q;
}

static void unmap_queue(tl_squeue_t *q)
{
	ASSERT_OK(munmap(q, q->total_size));
}

/* ---- processes ---- */

typedef void (*child_fn)(tl_squeue_t *q, void *arg);

/* Forks a child that runs fn and exits 0 (an ASSERT in it aborts: the
 * parent sees a signal). The parent registers the child (attach_pid) before
 * the child may run fn, so a child that dies or detaches at once does so
 * registered; the child's own attach is then a no-op. */
static _Atomic uint32_t *g_forks; /* shared: children registered so far */

static pid_t fork_child(tl_squeue_t *q, child_fn fn, void *arg)
{
	if (!g_forks)
		g_forks = shared_map(sizeof *g_forks);
	uint32_t k = atomic_load(g_forks);
	fflush(NULL);
	pid_t pid = fork();
	ASSERT(pid >= 0);
	if (pid == 0) {
		/* a failed parent (ASSERT) must not leave it spinning */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		WAIT_UNTIL(atomic_load(g_forks) > k);
		if (q)
			ASSERT_OK(tl_squeue_attach(q));
		fn(q, arg);
		_exit(0);
	}
	if (q)
		ASSERT_OK(tl_squeue_attach_pid(q, pid));
	atomic_store(g_forks, k + 1);
	return pid;
}

static int wait_status(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		ASSERT_EQ(errno, EINTR);
	return st;
}

static void wait_ok(pid_t pid)
{
	int st = wait_status(pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fprintf(stderr, "child %d: %s %d\n", (int)pid, WIFEXITED(st) ? "exit" : "signal",
			WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void wait_killed(pid_t pid)
{
	int st = wait_status(pid);
	ASSERT(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
}

static int zombie_or_gone(pid_t pid)
{
	siginfo_t si;
	memset(&si, 0, sizeof si);
	/* WNOWAIT: look, do not reap. */
	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid;
}

/* The test hook: SIGKILL ourselves at one point inside the critical
 * section (the lock is held, the operation half done). */
static int kill_at;
static void kill_hook(tl_squeue_t *q, int where)
{
	(void)q;
	if (where == kill_at)
		raise(SIGKILL);
}

/* ---- thread mode: order, capacity, results ---- */

TEST_IMPL(fifo_records_and_wraparound)
{
	tl_squeue_t *q = private_queue(7, sizeof(struct rec));
	ASSERT_EQ(tl_squeue_maxsize(q), 7);
	ASSERT_EQ(tl_squeue_record_size(q), sizeof(struct rec));
	uint32_t next_put = 0, next_get = 0;
	/* bursts of puts and gets that rotate the positions round the ring
	 * many times */
	static const int bursts[][2] = { { 5, 3 }, { 5, 7 }, { 7, 6 }, { 6, 7 }, { 1, 1 }, { 7, 7 } };
	for (int round = 0; round < 50; round++) {
		for (size_t b = 0; b < sizeof bursts / sizeof bursts[0]; b++) {
			for (int i = 0; i < bursts[b][0]; i++) {
				struct rec r = { 1, next_put, "abc" };
				snprintf(r.text, sizeof r.text, "%u", next_put % 100000);
				ASSERT_OK(tl_squeue_put_nowait(q, &r));
				next_put++;
			}
			ASSERT_EQ(tl_squeue_qsize(q), next_put - next_get);
			for (int i = 0; i < bursts[b][1]; i++) {
				struct rec r;
				char want[8];
				ASSERT_OK(tl_squeue_get_nowait(q, &r));
				ASSERT_EQ(r.seq, next_get);
				snprintf(want, sizeof want, "%u", next_get % 100000);
				ASSERT_STR_EQ(r.text, want);
				next_get++;
			}
		}
	}
	struct rec r;
	ASSERT_EQ(tl_squeue_get_nowait(q, &r), TL_EEMPTY);
	free_private(q);

	/* Odd record sizes and one-record capacity. */
	for (size_t rs = 1; rs <= 67; rs += 11) {
		q = private_queue(1, rs);
		unsigned char in[68], out[68];
		for (int k = 0; k < 5; k++) {
			memset(in, 'a' + k, rs);
			memset(out, 0, sizeof out);
			ASSERT_OK(tl_squeue_put_nowait(q, in));
			ASSERT(tl_squeue_full(q));
			ASSERT_EQ(tl_squeue_put_nowait(q, in), TL_EFULL);
			ASSERT_OK(tl_squeue_get_nowait(q, out));
			ASSERT_OK(memcmp(in, out, rs));
			ASSERT_EQ(out[rs], 0); /* exactly rs bytes copied */
		}
		free_private(q);
	}
	return 0;
}

TEST_IMPL(bounded_exact_capacity)
{
	static const size_t caps[] = { 1, 2, 3, 5, 64, 100 };
	for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++) {
		size_t m = caps[c];
		tl_squeue_t *q = private_queue(m, sizeof(uint64_t));
		for (int round = 0; round < 3; round++) {
			for (uint64_t i = 0; i < m; i++) {
				ASSERT_FALSE(tl_squeue_full(q));
				ASSERT_OK(tl_squeue_put_nowait(q, &i));
			}
			ASSERT(tl_squeue_full(q));
			ASSERT_FALSE(tl_squeue_empty(q));
			ASSERT_EQ(tl_squeue_qsize(q), m);
			uint64_t v = 0;
			ASSERT_EQ(tl_squeue_put_nowait(q, &v), TL_EFULL);
			ASSERT_EQ(tl_squeue_put(q, &v, true, 0), TL_EFULL);
			ASSERT_EQ(tl_squeue_put(q, &v, false, TL_FOREVER), TL_EFULL);
			for (uint64_t i = 0; i < m; i++) {
				ASSERT_OK(tl_squeue_get_nowait(q, &v));
				ASSERT_EQ(v, i);
			}
			ASSERT(tl_squeue_empty(q));
		}
		free_private(q);
	}
	return 0;
}

TEST_IMPL(full_and_empty_results)
{
	tl_squeue_t *q = private_queue(2, sizeof(int));
	int v = 7;
	/* Empty: non-blocking, zero timeout, short timeout (result only: no
	 * claim about how long it took). */
	ASSERT_EQ(tl_squeue_get_nowait(q, &v), TL_EEMPTY);
	ASSERT_EQ(tl_squeue_get(q, &v, false, TL_FOREVER), TL_EEMPTY);
	ASSERT_EQ(tl_squeue_get(q, &v, false, 5.0), TL_EEMPTY); /* timeout ignored */
	ASSERT_EQ(tl_squeue_get(q, &v, true, 0), TL_EEMPTY);
	ASSERT_EQ(tl_squeue_get(q, &v, true, 0.01), TL_EEMPTY);
	struct timespec past;
	clock_gettime(CLOCK_MONOTONIC, &past);
	ASSERT_EQ(tl_squeue_get_until(q, &v, &past), TL_EEMPTY);
	/* Full */
	ASSERT_OK(tl_squeue_put(q, &v, true, TL_FOREVER));
	ASSERT_OK(tl_squeue_put(q, &v, true, 0.5));
	ASSERT_EQ(tl_squeue_put(q, &v, true, 0.01), TL_EFULL);
	ASSERT_EQ(tl_squeue_put_until(q, &v, &past), TL_EFULL);
	ASSERT_EQ(tl_squeue_put(q, &v, false, 5.0), TL_EFULL);
	ASSERT_OK(tl_squeue_get(q, &v, true, 0.01));
	ASSERT_OK(tl_squeue_get(q, &v, true, 0));
	ASSERT_EQ(tl_squeue_unfinished_tasks(q), 2);
	free_private(q);
	return 0;
}

TEST_IMPL(bad_arguments)
{
	ASSERT_EQ(tl_squeue_size(0, 8), 0);
	ASSERT_EQ(tl_squeue_size(8, 0), 0);
	ASSERT_EQ(tl_squeue_size(SIZE_MAX / 2, 16), 0);
	ASSERT(tl_squeue_size(1, 1) > 0);

	size_t sz = tl_squeue_size(4, 8);
	unsigned char *mem = aligned_alloc(64, (sz + 127) & ~(size_t)63);
	ASSERT_NOT_NULL(mem);
	memset(mem, 0, sz + 64);
	tl_squeue_t *q = (tl_squeue_t *)mem;
	ASSERT_EQ(tl_squeue_init(NULL, 4, 8, TL_PRIVATE), TL_EINVAL);
	ASSERT_EQ(tl_squeue_init(mem + 8, 4, 8, TL_PRIVATE), TL_EINVAL); /* misaligned */
	ASSERT_EQ(tl_squeue_init(mem, 4, 8, 2), TL_EINVAL);               /* unknown flag */
	ASSERT_EQ(tl_squeue_init(mem, 0, 8, TL_PRIVATE), TL_EINVAL);

	/* Memory that holds no queue: every call says so. */
	uint64_t v = 1;
	ASSERT_EQ(tl_squeue_put_nowait(q, &v), TL_EINVAL);
	ASSERT_EQ(tl_squeue_get(q, &v, true, TL_FOREVER), TL_EINVAL);
	ASSERT_EQ(tl_squeue_task_done(q), TL_EINVAL);
	ASSERT_EQ(tl_squeue_join(q, TL_FOREVER), TL_EINVAL);
	ASSERT_EQ(tl_squeue_shutdown(q, false), TL_EINVAL);
	ASSERT_EQ(tl_squeue_destroy(q), TL_EINVAL);
	ASSERT_EQ(tl_squeue_attach(q), TL_EINVAL);
	ASSERT_EQ(tl_squeue_qsize(q), 0);
	ASSERT_EQ(tl_squeue_maxsize(q), TL_EINVAL);
	ASSERT_EQ(tl_squeue_put_nowait(NULL, &v), TL_EINVAL);

	ASSERT_OK(tl_squeue_init(mem, 4, 8, TL_PRIVATE));
	ASSERT_EQ(tl_squeue_put_nowait(q, NULL), TL_EINVAL);
	ASSERT_EQ(tl_squeue_get_nowait(q, NULL), TL_EINVAL);
	ASSERT_EQ(tl_squeue_put(q, &v, true, -2), TL_EINVAL);
	ASSERT_EQ(tl_squeue_put(q, &v, true, 0.0 / 0.0), TL_EINVAL);
	ASSERT_EQ(tl_squeue_get(q, &v, true, -0.5), TL_EINVAL);
	ASSERT_EQ(tl_squeue_join(q, -3), TL_EINVAL);
	/* the registry is for process-shared queues */
	ASSERT_EQ(tl_squeue_attach(q), TL_EINVAL);
	ASSERT_EQ(tl_squeue_attach_pid(q, getpid()), TL_EINVAL);
	ASSERT_EQ(tl_squeue_detach(q), TL_EINVAL);
	/* nothing was put by the failed calls */
	ASSERT(tl_squeue_empty(q));
	ASSERT_OK(tl_squeue_destroy(q));
	ASSERT_EQ(tl_squeue_put_nowait(q, &v), TL_EINVAL); /* destroyed */
	free(mem);

	/* attach_pid of a process that does not exist (a reaped child) */
	tl_squeue_t *s = shared_queue(2, 8);
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	wait_ok(pid);
	ASSERT_EQ(tl_squeue_attach_pid(s, pid), -ESRCH);
	ASSERT_EQ(tl_squeue_attach_pid(s, -1), TL_EINVAL);
	ASSERT_OK(tl_squeue_attach(s)); /* idempotent */
	unsigned alive;
	ASSERT_OK(tl_squeue_peers(s, &alive, NULL, NULL));
	ASSERT_EQ(alive, 1);
	ASSERT_OK(tl_squeue_detach(s));
	ASSERT_EQ(tl_squeue_detach(s), TL_EINVAL);
	ASSERT_OK(tl_squeue_destroy(s));
	unmap_queue(s);
	return 0;
}

/* ---- thread mode: blocking ---- */

struct blocker {
	tl_squeue_t *q;
	uint64_t value;
	double timeout;
	int result;
};

static void *do_put(void *arg)
{
	struct blocker *b = arg;
	b->result = tl_squeue_put(b->q, &b->value, true, b->timeout);
	return NULL;
}

static void *do_get(void *arg)
{
	struct blocker *b = arg;
	b->result = tl_squeue_get(b->q, &b->value, true, b->timeout);
	return NULL;
}

static void *do_join(void *arg)
{
	struct blocker *b = arg;
	b->result = tl_squeue_join(b->q, b->timeout);
	return NULL;
}

static void poll_count(_Atomic uint32_t *w, uint32_t want)
{
	WAIT_UNTIL(atomic_load(w) >= want);
}

TEST_IMPL(blocking_put_released_by_get)
{
	tl_squeue_t *q = private_queue(1, sizeof(uint64_t));
	uint64_t v = 1;
	ASSERT_OK(tl_squeue_put_nowait(q, &v));
	struct blocker b = { q, 2, TL_FOREVER, 1 };
	pthread_t t = su_spawn(do_put, &b);
	poll_count(&q->putters, 1);
	ASSERT_OK(tl_squeue_get(q, &v, true, TL_FOREVER));
	ASSERT_EQ(v, 1);
	su_join(t);
	ASSERT_OK(b.result);
	ASSERT_OK(tl_squeue_get_nowait(q, &v));
	ASSERT_EQ(v, 2);
	free_private(q);
	return 0;
}

TEST_IMPL(blocking_get_released_by_put)
{
	tl_squeue_t *q = private_queue(3, sizeof(uint64_t));
	enum { N = 3 };
	struct blocker b[N];
	pthread_t t[N];
	for (int i = 0; i < N; i++) {
		b[i] = (struct blocker){ q, 0, i == 0 ? TL_FOREVER : 60.0, 1 };
		t[i] = su_spawn(do_get, &b[i]);
	}
	poll_count(&q->getters, N);
	for (uint64_t i = 1; i <= N; i++)
		ASSERT_OK(tl_squeue_put(q, &i, true, TL_FOREVER));
	uint64_t sum = 0;
	for (int i = 0; i < N; i++) {
		su_join(t[i]);
		ASSERT_OK(b[i].result);
		sum += b[i].value;
	}
	ASSERT_EQ(sum, 1 + 2 + 3);
	free_private(q);
	return 0;
}

TEST_IMPL(destroy_busy_while_blocked)
{
	tl_squeue_t *q = private_queue(2, sizeof(uint64_t));
	struct blocker b = { q, 0, TL_FOREVER, 1 };
	pthread_t t = su_spawn(do_get, &b);
	poll_count(&q->getters, 1);
	ASSERT_EQ(tl_squeue_destroy(q), TL_EBUSY);
	uint64_t v = 9;
	ASSERT_OK(tl_squeue_put_nowait(q, &v));
	su_join(t);
	ASSERT_OK(b.result);
	ASSERT_EQ(b.value, 9);
	free_private(q);
	return 0;
}

/* ---- thread mode: task_done / join ---- */

TEST_IMPL(task_done_and_join)
{
	tl_squeue_t *q = private_queue(4, sizeof(uint64_t));
	uint64_t v = 0;
	ASSERT_EQ(tl_squeue_task_done(q), TL_EOVERFLOW);
	ASSERT_OK(tl_squeue_join(q, TL_FOREVER)); /* nothing put */
	ASSERT_OK(tl_squeue_put_nowait(q, &v));
	ASSERT_OK(tl_squeue_put_nowait(q, &v));
	ASSERT_EQ(tl_squeue_unfinished_tasks(q), 2);
	ASSERT_EQ(tl_squeue_join(q, 0), TL_ETIMEDOUT);
	ASSERT_EQ(tl_squeue_join(q, 0.01), TL_ETIMEDOUT);

	enum { J = 3 };
	struct blocker b[J];
	pthread_t t[J];
	for (int i = 0; i < J; i++) {
		b[i] = (struct blocker){ q, 0, TL_FOREVER, 1 };
		t[i] = su_spawn(do_join, &b[i]);
	}
	poll_count(&q->joiners, J);
	ASSERT_OK(tl_squeue_get_nowait(q, &v));
	ASSERT_OK(tl_squeue_task_done(q));
	ASSERT_EQ(atomic_load(&q->joiners), J); /* still one unfinished */
	ASSERT_OK(tl_squeue_get_nowait(q, &v));
	ASSERT_OK(tl_squeue_task_done(q));
	for (int i = 0; i < J; i++) {
		su_join(t[i]);
		ASSERT_OK(b[i].result);
	}
	ASSERT_EQ(tl_squeue_task_done(q), TL_EOVERFLOW);
	ASSERT_EQ(tl_squeue_unfinished_tasks(q), 0);
	free_private(q);
	return 0;
}

/* ---- thread mode: shutdown ---- */

TEST_IMPL(shutdown_put_fails_get_drains)
{
	tl_squeue_t *q = private_queue(5, sizeof(uint64_t));
	uint64_t v = 1;
	ASSERT_OK(tl_squeue_put_nowait(q, &v));
	v = 2;
	ASSERT_OK(tl_squeue_put_nowait(q, &v));
	ASSERT_FALSE(tl_squeue_is_shutdown(q));
	ASSERT_OK(tl_squeue_shutdown(q, false));
	ASSERT(tl_squeue_is_shutdown(q));
	ASSERT_EQ(tl_squeue_put_nowait(q, &v), TL_ESHUTDOWN);
	ASSERT_EQ(tl_squeue_put(q, &v, true, TL_FOREVER), TL_ESHUTDOWN);
	ASSERT_EQ(tl_squeue_qsize(q), 2);
	ASSERT_OK(tl_squeue_get(q, &v, true, TL_FOREVER));
	ASSERT_EQ(v, 1);
	ASSERT_OK(tl_squeue_get_nowait(q, &v));
	ASSERT_EQ(v, 2);
	ASSERT_EQ(tl_squeue_get_nowait(q, &v), TL_ESHUTDOWN);
	ASSERT_EQ(tl_squeue_get(q, &v, true, TL_FOREVER), TL_ESHUTDOWN);
	ASSERT_EQ(tl_squeue_get(q, &v, true, 0.01), TL_ESHUTDOWN);
	ASSERT_EQ(tl_squeue_unfinished_tasks(q), 2);
	ASSERT_OK(tl_squeue_task_done(q));
	ASSERT_OK(tl_squeue_task_done(q));
	ASSERT_OK(tl_squeue_join(q, TL_FOREVER));
	ASSERT_OK(tl_squeue_shutdown(q, false)); /* idempotent */
	free_private(q);
	return 0;
}

TEST_IMPL(shutdown_immediate_drops_and_releases_join)
{
	tl_squeue_t *q = private_queue(16, sizeof(uint64_t));
	uint64_t v;
	for (v = 0; v < 10; v++)
		ASSERT_OK(tl_squeue_put_nowait(q, &v));
	ASSERT_OK(tl_squeue_get_nowait(q, &v)); /* one in progress, not done */
	struct blocker b = { q, 0, TL_FOREVER, 1 };
	pthread_t t = su_spawn(do_join, &b);
	poll_count(&q->joiners, 1);
	ASSERT_OK(tl_squeue_shutdown(q, true));
	ASSERT_EQ(tl_squeue_qsize(q), 0);
	ASSERT_EQ(tl_squeue_get_nowait(q, &v), TL_ESHUTDOWN);
	ASSERT_EQ(tl_squeue_unfinished_tasks(q), 1); /* 9 dropped and done */
	ASSERT_OK(tl_squeue_task_done(q));
	su_join(t);
	ASSERT_OK(b.result);
	ASSERT_EQ(tl_squeue_task_done(q), TL_EOVERFLOW);
	free_private(q);

	/* clamped: task_done already called for dropped items */
	q = private_queue(4, sizeof(uint64_t));
	for (v = 0; v < 3; v++)
		ASSERT_OK(tl_squeue_put_nowait(q, &v));
	ASSERT_OK(tl_squeue_task_done(q));
	ASSERT_OK(tl_squeue_task_done(q));
	ASSERT_OK(tl_squeue_shutdown(q, true));
	ASSERT_EQ(tl_squeue_unfinished_tasks(q), 0);
	ASSERT_OK(tl_squeue_join(q, TL_FOREVER));
	free_private(q);
	return 0;
}

TEST_IMPL(shutdown_wakes_blocked_getters_and_putters)
{
	enum { N = 4 };
	for (int immediate = 0; immediate < 2; immediate++) {
		tl_squeue_t *q = private_queue(1, sizeof(uint64_t));
		struct blocker g[N];
		pthread_t t[N];
		for (int i = 0; i < N; i++) {
			g[i] = (struct blocker){ q, 0, i % 2 ? 60.0 : TL_FOREVER, 1 };
			t[i] = su_spawn(do_get, &g[i]);
		}
		poll_count(&q->getters, N);
		ASSERT_OK(tl_squeue_shutdown(q, immediate));
		for (int i = 0; i < N; i++) {
			su_join(t[i]);
			ASSERT_EQ(g[i].result, TL_ESHUTDOWN);
		}
		free_private(q);

		q = private_queue(1, sizeof(uint64_t));
		uint64_t v = 100;
		ASSERT_OK(tl_squeue_put_nowait(q, &v));
		for (int i = 0; i < N; i++) {
			g[i] = (struct blocker){ q, (uint64_t)i, i % 2 ? 60.0 : TL_FOREVER, 1 };
			t[i] = su_spawn(do_put, &g[i]);
		}
		poll_count(&q->putters, N);
		ASSERT_OK(tl_squeue_shutdown(q, immediate));
		for (int i = 0; i < N; i++) {
			su_join(t[i]);
			ASSERT_EQ(g[i].result, TL_ESHUTDOWN);
		}
		ASSERT_EQ(tl_squeue_qsize(q), immediate ? 0 : 1);
		free_private(q);
	}
	return 0;
}

/* ---- thread mode: MPMC exactly once ---- */

enum { MP = 4, MC = 4, MN = 20000 };
static uint32_t mn; /* records per producer: MN, 1/20 under valgrind (task.h) */

struct mpmc {
	tl_squeue_t *q;
	_Atomic uint32_t next_id;
	_Atomic uint8_t seen[MP * MN];
	_Atomic int bad;
};

static void *mp_producer(void *arg)
{
	struct mpmc *m = arg;
	uint32_t p = atomic_fetch_add(&m->next_id, 1);
	for (uint32_t i = 0; i < mn; i++) {
		struct rec r = { p, i, "x" };
		ASSERT_OK(tl_squeue_put(m->q, &r, true, TL_FOREVER));
	}
	return NULL;
}

static void *mp_consumer(void *arg)
{
	struct mpmc *m = arg;
	int64_t last[MP];
	for (int i = 0; i < MP; i++)
		last[i] = -1;
	for (;;) {
		struct rec r;
		int rc = tl_squeue_get(m->q, &r, true, TL_FOREVER);
		if (rc == TL_ESHUTDOWN)
			break;
		ASSERT_OK(rc);
		ASSERT(r.producer < MP && r.seq < mn);
		if ((int64_t)r.seq <= last[r.producer])
			atomic_store(&m->bad, 1); /* per-producer order broken */
		last[r.producer] = r.seq;
		atomic_fetch_add(&m->seen[r.producer * MN + r.seq], 1);
		ASSERT_OK(tl_squeue_task_done(m->q));
	}
	return NULL;
}

TEST_IMPL(mpmc_exactly_once_threads)
{
	static struct mpmc m;
	mn = (uint32_t)tl_test_iters(MN, 200);
	m.q = private_queue(8, sizeof(struct rec));
	pthread_t c[MC], p[MP];
	for (int i = 0; i < MC; i++)
		c[i] = su_spawn(mp_consumer, &m);
	for (int i = 0; i < MP; i++)
		p[i] = su_spawn(mp_producer, &m);
	for (int i = 0; i < MP; i++)
		su_join(p[i]);
	ASSERT_OK(tl_squeue_join(m.q, TL_FOREVER));
	ASSERT_OK(tl_squeue_shutdown(m.q, false));
	for (int i = 0; i < MC; i++)
		su_join(c[i]);
	ASSERT_EQ(atomic_load(&m.bad), 0);
	for (int i = 0; i < MP * MN; i++)
		ASSERT_EQ(atomic_load(&m.seen[i]), (uint32_t)i % MN < mn);
	free_private(m.q);
	return 0;
}

/* ---- process mode ---- */

enum { PP = 3, PC = 3, PN = 3000 };
static uint32_t pn; /* records per producer: PN, 1/20 under valgrind (set before the forks) */

struct pshared_seen {
	_Atomic uint32_t seen[PP * PN];
	_Atomic uint32_t got[PC];
};

struct producer_arg {
	uint32_t id;
};

static void proc_producer(tl_squeue_t *q, void *arg)
{
	uint32_t p = ((struct producer_arg *)arg)->id;
	for (uint32_t i = 0; i < pn; i++) {
		struct rec r = { p, i, "p" };
		ASSERT_OK(tl_squeue_put(q, &r, true, TL_FOREVER));
	}
	ASSERT_OK(tl_squeue_detach(q)); /* leaving on purpose: not a death */
}

static struct pshared_seen *g_seen;
static uint32_t g_consumer;

static void proc_consumer(tl_squeue_t *q, void *arg)
{
	(void)arg;
	int64_t last[PP];
	for (int i = 0; i < PP; i++)
		last[i] = -1;
	for (;;) {
		struct rec r;
		int rc = tl_squeue_get(q, &r, true, TL_FOREVER);
		if (rc == TL_ESHUTDOWN)
			break;
		ASSERT_OK(rc);
		ASSERT(r.producer < PP && r.seq < pn);
		ASSERT((int64_t)r.seq > last[r.producer]); /* per-producer FIFO */
		last[r.producer] = r.seq;
		atomic_fetch_add(&g_seen->seen[r.producer * PN + r.seq], 1);
		atomic_fetch_add(&g_seen->got[g_consumer], 1);
		ASSERT_OK(tl_squeue_task_done(q));
	}
	ASSERT_OK(tl_squeue_detach(q));
}

TEST_IMPL(proc_exactly_once)
{
	pn = (uint32_t)tl_test_iters(PN, 100);
	tl_squeue_t *q = shared_queue(16, sizeof(struct rec));
	g_seen = shared_map(sizeof *g_seen);
	pid_t cons[PC], prod[PP];
	for (uint32_t i = 0; i < PC; i++) {
		g_consumer = i;
		cons[i] = fork_child(q, proc_consumer, NULL);
	}
	for (uint32_t i = 0; i < PP; i++) {
		struct producer_arg a = { i };
		prod[i] = fork_child(q, proc_producer, &a);
	}
	for (int i = 0; i < PP; i++)
		wait_ok(prod[i]);
	/* every record was put; join waits for every task_done in the
	 * consumer processes, then shutdown ends them */
	ASSERT_OK(tl_squeue_join(q, TL_FOREVER));
	ASSERT_OK(tl_squeue_shutdown(q, false));
	for (int i = 0; i < PC; i++)
		wait_ok(cons[i]);
	uint32_t total = 0;
	for (int i = 0; i < PP * PN; i++)
		ASSERT_EQ(atomic_load(&g_seen->seen[i]), (uint32_t)i % PN < pn);
	for (int i = 0; i < PC; i++)
		total += atomic_load(&g_seen->got[i]);
	ASSERT_EQ(total, PP * pn);
	unsigned alive, died;
	ASSERT_OK(tl_squeue_peers(q, &alive, &died, NULL));
	ASSERT_EQ(alive, 1); /* everyone else detached: no deaths */
	ASSERT_EQ(died, 0);
	unmap_queue(q);
	ASSERT_OK(munmap(g_seen, sizeof *g_seen));
	return 0;
}

static void child_put_when_parent_blocks(tl_squeue_t *q, void *arg)
{
	(void)arg;
	poll_count(&q->getters, 1); /* the parent sleeps in get */
	uint64_t v = 42;
	ASSERT_OK(tl_squeue_put(q, &v, true, TL_FOREVER));
	poll_count(&q->putters, 1); /* ... and now in put (full) */
	uint64_t got;
	ASSERT_OK(tl_squeue_get(q, &got, true, TL_FOREVER));
	ASSERT_EQ(got, 43);
}

TEST_IMPL(proc_blocking_get_released_by_other_process)
{
	tl_squeue_t *q = shared_queue(1, sizeof(uint64_t));
	pid_t pid = fork_child(q, child_put_when_parent_blocks, NULL);
	uint64_t v = 0;
	ASSERT_OK(tl_squeue_get(q, &v, true, TL_FOREVER));
	ASSERT_EQ(v, 42);
	v = 43;
	uint64_t fill = 0;
	ASSERT_OK(tl_squeue_put_nowait(q, &v)); /* 43 for the child ... */
	ASSERT_OK(tl_squeue_put(q, &fill, true, TL_FOREVER)); /* blocks until it takes it */
	wait_ok(pid);
	ASSERT_EQ(tl_squeue_qsize(q), 1);
	unmap_queue(q);
	return 0;
}

/* -- a holder killed inside the critical section -- */

static void child_die_in(tl_squeue_t *q, void *arg)
{
	kill_at = *(int *)arg;
	tl__squeue_test_hook = kill_hook;
	uint64_t v = 7;
	if (kill_at == TL__SQ_HOOK_PUT)
		tl_squeue_put(q, &v, true, TL_FOREVER);
	else if (kill_at == TL__SQ_HOOK_GET)
		tl_squeue_get(q, &v, true, TL_FOREVER);
	else
		tl_squeue_shutdown(q, true);
	_exit(3); /* not reached: the hook killed us */
}

/* Waits until the child holds the lock (its tid in the lock word) and is
 * dead, without reaping it: the parent's next call faces a zombie holder. */
static void wait_dead_holder(tl_squeue_t *q, pid_t pid)
{
	WAIT_UNTIL((atomic_load(&q->lock) & TL__SQ_TIDMASK) == (uint32_t)pid);
	WAIT_UNTIL(zombie_or_gone(pid));
}

TEST_IMPL(proc_holder_killed_in_put)
{
	tl_squeue_t *q = shared_queue(4, sizeof(uint64_t));
	uint64_t v = 1;
	ASSERT_OK(tl_squeue_put_nowait(q, &v));
	int where = TL__SQ_HOOK_PUT;
	pid_t pid = fork_child(q, child_die_in, &where);
	wait_dead_holder(q, pid);
	/* The blocked get takes the lock over: reported once, did nothing. */
	ASSERT_EQ(tl_squeue_get(q, &v, true, TL_FOREVER), TL_EOWNERDEAD);
	/* The dead put copied its record but never published it. */
	ASSERT_EQ(tl_squeue_qsize(q), 1);
	ASSERT_EQ(tl_squeue_unfinished_tasks(q), 1);
	ASSERT_OK(tl_squeue_get_nowait(q, &v));
	ASSERT_EQ(v, 1);
	ASSERT_EQ(tl_squeue_get_nowait(q, &v), TL_EEMPTY);
	for (v = 10; v < 14; v++) /* fully usable again */
		ASSERT_OK(tl_squeue_put_nowait(q, &v));
	ASSERT_EQ(tl_squeue_put_nowait(q, &v), TL_EFULL);
	unsigned owner_deaths;
	ASSERT_OK(tl_squeue_peers(q, NULL, NULL, &owner_deaths));
	ASSERT_EQ(owner_deaths, 1);
	wait_killed(pid);
	unmap_queue(q);
	return 0;
}

TEST_IMPL(proc_holder_killed_in_get)
{
	tl_squeue_t *q = shared_queue(4, sizeof(uint64_t));
	uint64_t v = 5;
	ASSERT_OK(tl_squeue_put_nowait(q, &v));
	int where = TL__SQ_HOOK_GET;
	pid_t pid = fork_child(q, child_die_in, &where);
	wait_dead_holder(q, pid);
	/* A put that finds the dead holder: reported, not performed. */
	v = 6;
	ASSERT_EQ(tl_squeue_put(q, &v, true, TL_FOREVER), TL_EOWNERDEAD);
	/* Reported once: the retry works. The record the dead getter had
	 * copied out but not taken is still there, first. */
	ASSERT_OK(tl_squeue_put(q, &v, true, TL_FOREVER));
	ASSERT_OK(tl_squeue_get_nowait(q, &v));
	ASSERT_EQ(v, 5);
	ASSERT_OK(tl_squeue_get_nowait(q, &v));
	ASSERT_EQ(v, 6);
	wait_killed(pid);
	unmap_queue(q);
	return 0;
}

TEST_IMPL(proc_holder_killed_in_shutdown_immediate)
{
	tl_squeue_t *q = shared_queue(8, sizeof(uint64_t));
	uint64_t v;
	for (v = 0; v < 5; v++)
		ASSERT_OK(tl_squeue_put_nowait(q, &v));
	ASSERT_OK(tl_squeue_get_nowait(q, &v)); /* one taken, not done */
	int where = TL__SQ_HOOK_SHUTDOWN;
	pid_t pid = fork_child(q, child_die_in, &where);
	wait_dead_holder(q, pid);
	/* The child died after recording the drop, before applying it: the
	 * recoverer redoes it. qsize recovers silently; the report waits for
	 * the next call that can return a code. */
	ASSERT_EQ(tl_squeue_qsize(q), 0);
	ASSERT_EQ(tl_squeue_task_done(q), TL_EOWNERDEAD);
	ASSERT(tl_squeue_is_shutdown(q));
	ASSERT_EQ(tl_squeue_get_nowait(q, &v), TL_ESHUTDOWN);
	ASSERT_EQ(tl_squeue_put_nowait(q, &v), TL_ESHUTDOWN);
	ASSERT_EQ(tl_squeue_unfinished_tasks(q), 1); /* 4 dropped = done */
	ASSERT_OK(tl_squeue_task_done(q));
	ASSERT_OK(tl_squeue_join(q, TL_FOREVER));
	wait_killed(pid);
	unmap_queue(q);
	return 0;
}

/* -- a peer killed while the parent blocks -- */

static _Atomic uint32_t *g_release; /* shared: parent -> child "go" */

static void child_die_when_parent_blocks(tl_squeue_t *q, void *arg)
{
	_Atomic uint32_t *count = arg ? (_Atomic uint32_t *)((char *)q + (uintptr_t)arg) : NULL;
	if (count)
		poll_count(count, 1);
	else
		WAIT_UNTIL(atomic_load(g_release) != 0);
	raise(SIGKILL);
}

#define FIELD(f) ((void *)(uintptr_t)offsetof(struct tl_squeue, f))

TEST_IMPL(proc_peer_killed_while_parent_blocks)
{
	g_release = shared_map(sizeof *g_release);
	/* get on empty */
	tl_squeue_t *q = shared_queue(2, sizeof(uint64_t));
	pid_t pid = fork_child(q, child_die_when_parent_blocks, FIELD(getters));
	uint64_t v;
	ASSERT_EQ(tl_squeue_get(q, &v, true, TL_FOREVER), TL_EBROKEN);
	unsigned alive, died;
	ASSERT_OK(tl_squeue_peers(q, &alive, &died, NULL));
	ASSERT_EQ(alive, 1);
	ASSERT_EQ(died, 1);
	ASSERT_EQ(atomic_load(&q->getters), 0);
	/* Still a working queue; only waits that nobody can end fail. */
	v = 3;
	ASSERT_OK(tl_squeue_put_nowait(q, &v));
	ASSERT_OK(tl_squeue_get(q, &v, true, TL_FOREVER)); /* items first */
	ASSERT_EQ(v, 3);
	ASSERT_EQ(tl_squeue_get(q, &v, true, 30.0), TL_EBROKEN);
	ASSERT_EQ(tl_squeue_get_nowait(q, &v), TL_EEMPTY);
	wait_killed(pid);

	/* put on full, the child dying before the parent blocks */
	ASSERT_OK(tl_squeue_put_nowait(q, &v));
	ASSERT_OK(tl_squeue_put_nowait(q, &v));
	pid = fork_child(q, child_die_when_parent_blocks, NULL);
	atomic_store(g_release, 1); /* after attach_pid: it dies registered */
	WAIT_UNTIL(zombie_or_gone(pid));
	ASSERT_EQ(tl_squeue_put(q, &v, true, TL_FOREVER), TL_EBROKEN);
	ASSERT_OK(tl_squeue_peers(q, &alive, &died, NULL));
	ASSERT_EQ(died, 2);
	wait_killed(pid);

	/* join with work a dead consumer will never finish */
	pid = fork_child(q, child_die_when_parent_blocks, FIELD(joiners));
	ASSERT_EQ(tl_squeue_join(q, TL_FOREVER), TL_EBROKEN);
	wait_killed(pid);
	unmap_queue(q);
	ASSERT_OK(munmap(g_release, sizeof *g_release));
	return 0;
}

static void child_leave(tl_squeue_t *q, void *arg)
{
	(void)arg;
	/* after the parent's attach_pid, which would otherwise register it
	 * again after it left */
	WAIT_UNTIL(atomic_load(g_release) != 0);
	ASSERT_OK(tl_squeue_detach(q));
}

TEST_IMPL(proc_detached_peer_is_not_a_death)
{
	g_release = shared_map(sizeof *g_release);
	tl_squeue_t *q = shared_queue(2, sizeof(uint64_t));
	pid_t pid = fork_child(q, child_leave, NULL);
	atomic_store(g_release, 1);
	wait_ok(pid);
	ASSERT_OK(munmap(g_release, sizeof *g_release));
	unsigned alive, died;
	ASSERT_OK(tl_squeue_peers(q, &alive, &died, NULL));
	ASSERT_EQ(alive, 1);
	ASSERT_EQ(died, 0);
	uint64_t v;
	/* Nobody died: a timed get just times out (result only). */
	ASSERT_EQ(tl_squeue_get(q, &v, true, 0.12), TL_EEMPTY);
	unmap_queue(q);
	return 0;
}

static void child_wait_release(tl_squeue_t *q, void *arg)
{
	(void)q;
	(void)arg;
	atomic_store(g_release, 1); /* attached itself (fork_child) */
	WAIT_UNTIL(atomic_load(g_release) == 2);
}

TEST_IMPL(proc_recycled_pid_is_dead)
{
	/* A live process whose recorded start time differs is another
	 * process that got a dead peer's pid: it must count as dead. */
	g_release = shared_map(sizeof *g_release);
	tl_squeue_t *q = shared_queue(2, sizeof(uint64_t));
	pid_t pid = fork_child(q, child_wait_release, NULL);
	WAIT_UNTIL(atomic_load(g_release) == 1); /* no attach of its own after the forgery */
	int s = -1;
	for (int i = 0; i < TL_SQUEUE_MAX_PEERS; i++) {
		uint64_t id = atomic_load(&q->peers[i].id);
		if ((id & 3) == TL__SQ_ALIVE && (pid_t)((id >> 2) & ((1u << TL__SQ_PID_BITS) - 1)) == pid)
			s = i;
	}
	ASSERT(s >= 0);
	uint64_t id = atomic_load(&q->peers[s].id);
	ASSERT(id >> (2 + TL__SQ_PID_BITS) != 0); /* a start time was recorded */
	atomic_store(&q->peers[s].id, id + (UINT64_C(1) << (2 + TL__SQ_PID_BITS)));
	unsigned alive, died;
	ASSERT_OK(tl_squeue_peers(q, &alive, &died, NULL));
	ASSERT_EQ(alive, 1);
	ASSERT_EQ(died, 1);
	/* attach_pid with the true start time registers it afresh */
	ASSERT_OK(tl_squeue_attach_pid(q, pid));
	ASSERT_OK(tl_squeue_peers(q, &alive, &died, NULL));
	ASSERT_EQ(alive, 2);
	atomic_store(g_release, 2);
	wait_ok(pid);
	unmap_queue(q);
	ASSERT_OK(munmap(g_release, sizeof *g_release));
	return 0;
}

/* -- named queues -- */

enum { NN = 20 };

static int named_child(const char *name)
{
	tl_squeue_t *q;
	int r = tl_squeue_open_named(name, &q);
	if (r != 0) {
		printf("open %d\n", r);
		return 1;
	}
	uint64_t sum = 0;
	for (int i = 0; i < NN; i++) {
		uint64_t v;
		ASSERT_OK(tl_squeue_get(q, &v, true, TL_FOREVER));
		sum += v;
		v += 1000;
		ASSERT_OK(tl_squeue_put(q, &v, true, TL_FOREVER));
	}
	unsigned alive;
	ASSERT_OK(tl_squeue_peers(q, &alive, NULL, NULL));
	printf("pid %d sum %llu alive %u\n", (int)getpid(), (unsigned long long)sum, alive);
	fflush(stdout);
	ASSERT_OK(tl_squeue_close_named(q));
	return 0;
}

TEST_IMPL(proc_named_opened_by_exec_child)
{
	if (scenario())
		return named_child(scenario());
	char name[64];
	snprintf(name, sizeof name, "/tl-squeue-test-%d", (int)getpid());
	tl_squeue_t *q, *q2;
	ASSERT_EQ(tl_squeue_open_named(name, &q), -ENOENT);
	ASSERT_OK(tl_squeue_create_named(name, NN, sizeof(uint64_t), TL_PSHARED, &q));
	ASSERT_EQ(tl_squeue_create_named(name, NN, sizeof(uint64_t), TL_PSHARED, &q2), -EEXIST);
	ASSERT_EQ(tl_squeue_create_named("noslash", 4, 8, TL_PSHARED, &q2), TL_EINVAL);
	ASSERT_EQ(tl_squeue_create_named("/a/b", 4, 8, TL_PSHARED, &q2), TL_EINVAL);
	ASSERT_EQ(tl_squeue_create_named("/x", 4, 8, TL_PRIVATE, &q2), TL_EINVAL);
	ASSERT_EQ(tl_squeue_open_named("/", &q2), TL_EINVAL);
	uint64_t sum = 0;
	for (uint64_t v = 1; v <= NN; v++) {
		ASSERT_OK(tl_squeue_put_nowait(q, &v));
		sum += v;
	}
	char out[256], want[128];
	int st = spawn_scenario("proc_named_opened_by_exec_child", name, out, sizeof out);
	ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	unsigned child_pid = 0, alive = 0;
	unsigned long long child_sum = 0;
	ASSERT_EQ(sscanf(out, "pid %u sum %llu alive %u", &child_pid, &child_sum, &alive), 3);
	snprintf(want, sizeof want, "pid %u sum %llu alive 2\n", child_pid, (unsigned long long)sum);
	ASSERT_STR_EQ(out, want); /* it saw both of us attached */
	for (uint64_t i = 1; i <= NN; i++) {
		uint64_t v;
		ASSERT_OK(tl_squeue_get_nowait(q, &v));
		ASSERT_EQ(v, i + 1000);
	}
	/* it closed (detached): not a death */
	unsigned died;
	ASSERT_OK(tl_squeue_peers(q, &alive, &died, NULL));
	ASSERT_EQ(alive, 1);
	ASSERT_EQ(died, 0);
	/* a second mapping in this process sees the same queue */
	ASSERT_OK(tl_squeue_open_named(name, &q2));
	uint64_t v = 77;
	ASSERT_OK(tl_squeue_put_nowait(q2, &v));
	ASSERT_OK(tl_squeue_get_nowait(q, &v));
	ASSERT_EQ(v, 77);
	ASSERT_OK(tl_squeue_unlink_named(name));
	ASSERT_EQ(tl_squeue_unlink_named(name), -ENOENT);
	ASSERT_OK(tl_squeue_put_nowait(q2, &v)); /* mappings outlive the name */
	ASSERT_OK(tl_squeue_close_named(q2));
	ASSERT_OK(tl_squeue_close_named(q));
	return 0;
}

TEST_IMPL(proc_named_refuses_foreign_objects)
{
	char name[64];
	snprintf(name, sizeof name, "/tl-squeue-foreign-%d", (int)getpid());
	size_t sz = tl_squeue_size(4, 8);
	int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	ASSERT(fd >= 0);
	tl_squeue_t *q;
	ASSERT_EQ(tl_squeue_open_named(name, &q), TL_EAGAIN); /* empty: not sized yet */
	ASSERT_OK(ftruncate(fd, (off_t)sz));
	ASSERT_EQ(tl_squeue_open_named(name, &q), TL_EAGAIN); /* zeros: not initialised yet */
	uint32_t *m = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT(m != MAP_FAILED);
	m[0] = 0xdeadbeef;
	ASSERT_EQ(tl_squeue_open_named(name, &q), TL_EINVAL); /* not a queue */
	/* a real queue in an object of the wrong size */
	ASSERT_OK(tl_squeue_init(m, 2, 8, TL_PSHARED));
	ASSERT_EQ(tl_squeue_open_named(name, &q), TL_EINVAL);
	munmap(m, sz);
	close(fd);
	ASSERT_OK(tl_squeue_unlink_named(name));
	return 0;
}

TEST_LIST_BEGIN
TEST_ENTRY(fifo_records_and_wraparound)
TEST_ENTRY(bounded_exact_capacity)
TEST_ENTRY(full_and_empty_results)
TEST_ENTRY(bad_arguments)
TEST_ENTRY(blocking_put_released_by_get)
TEST_ENTRY(blocking_get_released_by_put)
TEST_ENTRY(destroy_busy_while_blocked)
TEST_ENTRY(task_done_and_join)
TEST_ENTRY(shutdown_put_fails_get_drains)
TEST_ENTRY(shutdown_immediate_drops_and_releases_join)
TEST_ENTRY(shutdown_wakes_blocked_getters_and_putters)
TEST_ENTRY(mpmc_exactly_once_threads)
TEST_ENTRY(proc_exactly_once)
TEST_ENTRY(proc_blocking_get_released_by_other_process)
TEST_ENTRY(proc_holder_killed_in_put)
TEST_ENTRY(proc_holder_killed_in_get)
TEST_ENTRY(proc_holder_killed_in_shutdown_immediate)
TEST_ENTRY(proc_peer_killed_while_parent_blocks)
TEST_ENTRY(proc_detached_peer_is_not_a_death)
TEST_ENTRY(proc_recycled_pid_is_dead)
TEST_ENTRY(proc_named_opened_by_exec_child)
TEST_ENTRY(proc_named_refuses_foreign_objects)
TEST_LIST_END
