/* Thread semantics, modelled on CPython's Lib/test/test_threading.py
 * (ThreadTests, ThreadJoinOnShutdown, daemon tests) and the seed's sections
 * 二 (two ways to start), 五 (helpers), 六 (daemon threads, including the
 * "confusing" two-thread example). Every test runs in its own process, so
 * the Thread-N counter starts at 1 in each. No sleeps synchronise anything:
 * threads are held on gates and released explicitly. */
#include "gate.h"
#include "task.h"
#include "threadlab/thread.h"

#include "thread_internal.h" /* TL__DONE_WAITERS: a joiner is asleep */

#include <sched.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>

/* ---- two ways to start (seed 二) ---- */

static void add_one(void *arg)
{
	atomic_fetch_add((_Atomic int *)arg, 1);
}

TEST_IMPL(start_with_target)
{
	_Atomic int n = 0;
	tl_thread_t t;
	ASSERT_OK(tl_thread_init(&t, add_one, &n, NULL));
	ASSERT_OK(tl_thread_start(&t));
	ASSERT_OK(tl_thread_join(&t, TL_FOREVER));
	ASSERT_EQ(atomic_load(&n), 1);
	ASSERT_FALSE(tl_thread_is_alive(&t));
	return 0;
}

/* "class Sayhi(Thread): def run(self): ..." */
struct sayhi {
	tl_thread_t base;
	const char *who;
	char said[64];
	tl_thread_t *seen_current;
};

static void sayhi_run(tl_thread_t *self)
{
	struct sayhi *s = tl_container_of(self, struct sayhi, base);
	snprintf(s->said, sizeof s->said, "%s say hello", s->who);
	s->seen_current = tl_thread_current();
}

TEST_IMPL(start_subclass)
{
	struct sayhi s = { .who = "egon" };
	ASSERT_OK(tl_thread_init_run(&s.base, sayhi_run, "egon"));
	ASSERT_STR_EQ(tl_thread_name(&s.base), "egon");
	ASSERT_OK(tl_thread_start(&s.base));
	ASSERT_OK(tl_thread_join(&s.base, TL_FOREVER));
	ASSERT_STR_EQ(s.said, "egon say hello");
	ASSERT(s.seen_current == &s.base);
	return 0;
}

TEST_IMPL(no_target_runs_nothing)
{
	tl_thread_t t; /* Python: Thread().start() */
	ASSERT_OK(tl_thread_init(&t, NULL, NULL, NULL));
	ASSERT_OK(tl_thread_start(&t));
	ASSERT_OK(tl_thread_join(&t, TL_FOREVER));
	ASSERT_EQ(tl_thread_init_run(&t, NULL, NULL), TL_EINVAL);
	ASSERT_EQ(tl_thread_init(NULL, add_one, NULL, NULL), TL_EINVAL);
	ASSERT_EQ(tl_thread_start(NULL), TL_EINVAL);
	ASSERT_EQ(tl_thread_join(NULL, 0), TL_EINVAL);
	return 0;
}

/* ---- names (test_name) ---- */

static void nop(void *arg)
{
	(void)arg;
}

TEST_IMPL(default_names)
{
	tl_thread_t a, b, named, empty, c;
	ASSERT_OK(tl_thread_init(&a, nop, NULL, NULL));
	ASSERT_STR_EQ(tl_thread_name(&a), "Thread-1");
	ASSERT_OK(tl_thread_init(&named, nop, NULL, "myname1")); /* takes no number */
	ASSERT_STR_EQ(tl_thread_name(&named), "myname1");
	ASSERT_OK(tl_thread_init(&b, nop, NULL, NULL));
	ASSERT_STR_EQ(tl_thread_name(&b), "Thread-2"); /* plain, no " (target)" suffix */
	ASSERT_OK(tl_thread_init(&empty, nop, NULL, "")); /* Python: name="" -> default */
	ASSERT_STR_EQ(tl_thread_name(&empty), "Thread-3");
	ASSERT_OK(tl_thread_init_run(&c, sayhi_run, NULL));
	ASSERT_STR_EQ(tl_thread_name(&c), "Thread-4");
	/* The number is taken at init, not at start. */
	ASSERT_OK(tl_thread_start(&b));
	ASSERT_OK(tl_thread_join(&b, TL_FOREVER));
	ASSERT_STR_EQ(tl_thread_name(&b), "Thread-2");
	ASSERT_STR_EQ(tl_thread_name(tl_thread_main()), "MainThread");
	return 0;
}

struct named {
	tl_thread_t base;
	gate_t renamed;
	char os_before[16], os_after[16], own_after[64];
};

static void named_run(tl_thread_t *self)
{
	struct named *n = tl_container_of(self, struct named, base);
	pthread_getname_np(pthread_self(), n->os_before, sizeof n->os_before);
	gate_wait(&n->renamed);
	pthread_getname_np(pthread_self(), n->os_after, sizeof n->os_after);
	snprintf(n->own_after, sizeof n->own_after, "%s", tl_thread_name(tl_thread_current()));
	/* Renaming oneself works too. */
	ASSERT_OK(tl_thread_set_name(self, "self-renamed"));
}

TEST_IMPL(set_name)
{
	static struct named n = { .renamed = GATE_INIT };
	ASSERT_OK(tl_thread_init_run(&n.base, named_run, NULL));
	ASSERT_OK(tl_thread_set_name(&n.base, "a-rather-long-thread-name-of-30"));
	ASSERT_STR_EQ(tl_thread_name(&n.base), "a-rather-long-thread-name-of-30");
	ASSERT_OK(tl_thread_start(&n.base));
	/* Rename while it runs (the thread reads the name only after the gate). */
	ASSERT_OK(tl_thread_set_name(&n.base, "worker-7"));
	gate_open(&n.renamed);
	ASSERT_OK(tl_thread_join(&n.base, TL_FOREVER));
	ASSERT_STR_EQ(n.os_after, "worker-7");
	ASSERT_STR_EQ(n.own_after, "worker-7");
	/* os_before is the 15-byte OS name of whichever name was current then. */
	ASSERT(strcmp(n.os_before, "a-rather-long-t") == 0 || strcmp(n.os_before, "worker-7") == 0);
	ASSERT_STR_EQ(tl_thread_name(&n.base), "self-renamed");
	ASSERT_EQ(tl_thread_set_name(&n.base, NULL), TL_EINVAL);
	/* Longer than TL_THREAD_NAME_MAX-1: truncated, not an error. */
	char longname[200];
	memset(longname, 'x', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	ASSERT_OK(tl_thread_set_name(&n.base, longname));
	ASSERT_EQ(strlen(tl_thread_name(&n.base)), TL_THREAD_NAME_MAX - 1);
	return 0;
}

/* ---- ident / native_id (test_various_ops) ---- */

struct idthread {
	tl_thread_t base;
	unsigned long get_ident;
	pid_t get_native_id, gettid_;
	unsigned long own_ident;
	pid_t own_native_id;
	gate_t *hold;
};

static void id_run(tl_thread_t *self)
{
	struct idthread *it = tl_container_of(self, struct idthread, base);
	it->get_ident = tl_thread_current_ident();
	it->get_native_id = tl_thread_current_native_id();
	it->gettid_ = (pid_t)syscall(SYS_gettid);
	it->own_ident = tl_thread_ident(self);
	it->own_native_id = tl_thread_native_id(self);
	gate_wait(it->hold);
}

TEST_IMPL(ident_and_native_id)
{
	enum { N = 10 };
	static struct idthread th[N];
	gate_t hold = GATE_INIT;
	for (int i = 0; i < N; i++) {
		th[i].hold = &hold;
		ASSERT_OK(tl_thread_init_run(&th[i].base, id_run, NULL));
		ASSERT_EQ(tl_thread_ident(&th[i].base), 0); /* Python: ident is None before start */
		ASSERT_EQ(tl_thread_native_id(&th[i].base), 0);
		ASSERT_OK(tl_thread_start(&th[i].base));
	}
	/* While all run: native ids distinct and distinct from ours (N + 1). */
	pid_t ids[N + 1];
	unsigned long idents[N + 1];
	for (int i = 0; i < N; i++) {
		ids[i] = tl_thread_native_id(&th[i].base); /* may wait for the thread to publish */
		idents[i] = tl_thread_ident(&th[i].base);
		ASSERT_GT(ids[i], 0);
		ASSERT_NE(idents[i], 0);
	}
	ids[N] = tl_thread_current_native_id();
	idents[N] = tl_thread_current_ident();
	for (int i = 0; i <= N; i++)
		for (int j = i + 1; j <= N; j++) {
			ASSERT_NE(ids[i], ids[j]);
			ASSERT_NE(idents[i], idents[j]);
		}
	gate_open(&hold);
	for (int i = 0; i < N; i++) {
		ASSERT_OK(tl_thread_join(&th[i].base, TL_FOREVER));
		ASSERT_FALSE(tl_thread_is_alive(&th[i].base));
		/* Inside the thread native_id == gettid(), ident == pthread_self(). */
		ASSERT_EQ(th[i].get_native_id, th[i].gettid_);
		ASSERT_EQ(th[i].own_native_id, th[i].gettid_);
		ASSERT_EQ(tl_thread_native_id(&th[i].base), th[i].gettid_); /* kept after finish */
		ASSERT_EQ(th[i].own_ident, th[i].get_ident);
		ASSERT_EQ(tl_thread_ident(&th[i].base), th[i].get_ident);
	}
	/* Main thread. */
	ASSERT_EQ(tl_thread_native_id(tl_thread_main()), getpid());
	ASSERT_EQ(tl_thread_current_native_id(), getpid());
	ASSERT_EQ(tl_thread_ident(tl_thread_main()), (unsigned long)pthread_self());
	return 0;
}

/* ---- daemon flag ---- */

struct spawner {
	tl_thread_t base;
	bool child_daemon_default;
};

static void spawner_run(tl_thread_t *self)
{
	struct spawner *s = tl_container_of(self, struct spawner, base);
	tl_thread_t child;
	ASSERT_OK(tl_thread_init(&child, nop, NULL, NULL));
	s->child_daemon_default = tl_thread_daemon(&child);
}

static void *foreign_daemon_default(void *arg)
{
	tl_thread_t child;
	ASSERT_OK(tl_thread_init(&child, nop, NULL, NULL));
	*(bool *)arg = tl_thread_daemon(&child);
	/* init does not adopt the foreign thread as a dummy. */
	ASSERT_EQ(tl_thread_active_count(), 1);
	return NULL;
}

TEST_IMPL(daemon_flag)
{
	tl_thread_t t;
	ASSERT_OK(tl_thread_init(&t, nop, NULL, NULL));
	ASSERT_FALSE(tl_thread_daemon(&t)); /* inherited from MainThread */
	ASSERT_OK(tl_thread_set_daemon(&t, true));
	ASSERT_TRUE(tl_thread_daemon(&t));
	ASSERT_OK(tl_thread_set_daemon(&t, false));
	ASSERT_OK(tl_thread_set_daemon(&t, true));
	ASSERT_OK(tl_thread_start(&t));
	ASSERT_EQ(tl_thread_set_daemon(&t, false), TL_ESTATE); /* "must be set before start()" */
	ASSERT_OK(tl_thread_join(&t, TL_FOREVER));
	ASSERT_EQ(tl_thread_set_daemon(&t, false), TL_ESTATE); /* and not after it finished */
	ASSERT_TRUE(tl_thread_daemon(&t));
	ASSERT_EQ(tl_thread_set_daemon(tl_thread_main(), true), TL_ESTATE);
	ASSERT_FALSE(tl_thread_daemon(tl_thread_main()));

	/* Python: the default is the creating thread's flag. */
	struct spawner s1, s2;
	ASSERT_OK(tl_thread_init_run(&s1.base, spawner_run, NULL));
	ASSERT_OK(tl_thread_set_daemon(&s1.base, true));
	ASSERT_OK(tl_thread_init_run(&s2.base, spawner_run, NULL));
	ASSERT_OK(tl_thread_start(&s1.base));
	ASSERT_OK(tl_thread_start(&s2.base));
	ASSERT_OK(tl_thread_join(&s1.base, TL_FOREVER));
	ASSERT_OK(tl_thread_join(&s2.base, TL_FOREVER));
	ASSERT_TRUE(s1.child_daemon_default);
	ASSERT_FALSE(s2.child_daemon_default);
	/* In a foreign thread (Python: a _DummyThread is daemon). */
	pthread_t p;
	bool d = false;
	ASSERT_OK(pthread_create(&p, NULL, foreign_daemon_default, &d));
	ASSERT_OK(pthread_join(p, NULL));
	ASSERT_TRUE(d);
	return 0;
}

/* ---- start/join errors ---- */

struct joiner {
	tl_thread_t base;
	int self_join;
	gate_t *hold;
};

static void joiner_run(tl_thread_t *self)
{
	struct joiner *j = tl_container_of(self, struct joiner, base);
	j->self_join = tl_thread_join(tl_thread_current(), TL_FOREVER);
	if (j->hold)
		gate_wait(j->hold);
}

TEST_IMPL(start_twice)
{
	gate_t hold = GATE_INIT;
	struct joiner j = { .hold = &hold };
	ASSERT_OK(tl_thread_init_run(&j.base, joiner_run, NULL));
	ASSERT_OK(tl_thread_start(&j.base));
	ASSERT_EQ(tl_thread_start(&j.base), TL_ESTATE); /* while running */
	gate_open(&hold);
	ASSERT_OK(tl_thread_join(&j.base, TL_FOREVER));
	ASSERT_EQ(tl_thread_start(&j.base), TL_ESTATE); /* after finishing */
	ASSERT_EQ(tl_thread_start(tl_thread_main()), TL_EINVAL); /* not startable at all */
	return 0;
}

TEST_IMPL(join_errors)
{
	tl_thread_t t;
	ASSERT_OK(tl_thread_init(&t, nop, NULL, NULL));
	ASSERT_EQ(tl_thread_join(&t, TL_FOREVER), TL_ESTATE); /* test_joining_inactive_thread */
	ASSERT_EQ(tl_thread_join(&t, 0), TL_ESTATE);
	ASSERT_EQ(tl_thread_join(tl_thread_main(), TL_FOREVER), TL_EDEADLK); /* test_joining_current_thread */
	ASSERT_EQ(tl_thread_join(tl_thread_current(), 0), TL_EDEADLK);

	struct joiner j = { .hold = NULL };
	ASSERT_OK(tl_thread_init_run(&j.base, joiner_run, NULL));
	ASSERT_OK(tl_thread_start(&j.base));
	/* CPython's Thread.join clamps a negative timeout to 0 (one check);
	 * NaN is rejected by the lock it waits on */
	int r = tl_thread_join(&j.base, -2.0);
	ASSERT(r == 0 || r == TL_ETIMEDOUT);
	ASSERT_EQ(tl_thread_join(&j.base, 0.0 / 0.0), TL_EINVAL);
	ASSERT_OK(tl_thread_join(&j.base, TL_FOREVER));
	ASSERT_EQ(j.self_join, TL_EDEADLK);
	/* Joining a finished thread again is fine (Python allows any number). */
	ASSERT_OK(tl_thread_join(&j.base, TL_FOREVER));
	ASSERT_OK(tl_thread_join(&j.base, 0));
	return 0;
}

struct blocked {
	tl_thread_t base;
	gate_t go;
	_Atomic int finished;
};

static void blocked_run(tl_thread_t *self)
{
	struct blocked *b = tl_container_of(self, struct blocked, base);
	gate_wait(&b->go);
	atomic_store(&b->finished, 1);
}

TEST_IMPL(join_timeout)
{
	struct blocked b = { .go = GATE_INIT };
	ASSERT_OK(tl_thread_init_run(&b.base, blocked_run, NULL));
	ASSERT_FALSE(tl_thread_is_alive(&b.base));
	ASSERT_OK(tl_thread_start(&b.base));
	ASSERT_TRUE(tl_thread_is_alive(&b.base)); /* at once, even before it runs */
	/* The thread cannot finish before the gate opens: every timed join times
	 * out and leaves it alive. */
	ASSERT_EQ(tl_thread_join(&b.base, 0), TL_ETIMEDOUT);
	ASSERT_EQ(tl_thread_join(&b.base, 0.01), TL_ETIMEDOUT);
	struct timespec past = { 0, 0 };
	ASSERT_EQ(tl_thread_join_until(&b.base, &past), TL_ETIMEDOUT);
	ASSERT_TRUE(tl_thread_is_alive(&b.base));
	ASSERT_EQ(atomic_load(&b.finished), 0);
	gate_open(&b.go);
	ASSERT_OK(tl_thread_join(&b.base, 3600));
	ASSERT_EQ(atomic_load(&b.finished), 1);
	ASSERT_FALSE(tl_thread_is_alive(&b.base));
	return 0;
}

/* Several threads join one thread at once, some with timeouts. */
struct cojoin {
	tl_thread_t base;
	tl_thread_t *target;
	double timeout;
	int r;
	struct blocked *b;
};

static void cojoin_run(tl_thread_t *self)
{
	struct cojoin *c = tl_container_of(self, struct cojoin, base);
	c->r = tl_thread_join(c->target, c->timeout);
	if (c->r == 0)
		ASSERT_EQ(atomic_load(&c->b->finished), 1); /* join gives happens-before */
}

TEST_IMPL(join_from_many_threads)
{
	enum { N = 6 };
	struct blocked b = { .go = GATE_INIT };
	struct cojoin c[N];
	ASSERT_OK(tl_thread_init_run(&b.base, blocked_run, NULL));
	ASSERT_OK(tl_thread_start(&b.base));
	for (int i = 0; i < N; i++) {
		c[i].target = &b.base;
		c[i].b = &b;
		c[i].timeout = i < N / 2 ? TL_FOREVER : 3600;
		ASSERT_OK(tl_thread_init_run(&c[i].base, cojoin_run, NULL));
		ASSERT_OK(tl_thread_start(&c[i].base));
	}
	gate_open(&b.go);
	for (int i = 0; i < N; i++) {
		ASSERT_OK(tl_thread_join(&c[i].base, TL_FOREVER));
		ASSERT_OK(c[i].r);
	}
	ASSERT_OK(tl_thread_join(&b.base, TL_FOREVER));
	return 0;
}

/* ---- current_thread / main_thread ---- */

TEST_IMPL(current_and_main)
{
	tl_thread_t *m = tl_thread_main();
	ASSERT_NOT_NULL(m);
	ASSERT(tl_thread_current() == m);
	ASSERT_STR_EQ(tl_thread_name(m), "MainThread");
	ASSERT_TRUE(tl_thread_is_alive(m));
	ASSERT_FALSE(tl_thread_daemon(m));
	ASSERT_FALSE(tl_thread_is_dummy(m));

	struct sayhi s = { .who = "x" };
	ASSERT_OK(tl_thread_init_run(&s.base, sayhi_run, NULL));
	ASSERT_OK(tl_thread_start(&s.base));
	ASSERT_OK(tl_thread_join(&s.base, TL_FOREVER));
	ASSERT(s.seen_current == &s.base);
	ASSERT(tl_thread_current() == m);
	return 0;
}

/* A pthread not started by threadlab (test_foreign_thread,
 * test_ident_of_no_threading_threads). */
struct foreign {
	gate_t adopted, release;
	tl_thread_t *cur, *again;
	unsigned long ident;
	pid_t tid;
	int join_self;
	int count_inside;
};

static void *foreign_run(void *arg)
{
	struct foreign *f = arg;
	f->cur = tl_thread_current();
	f->again = tl_thread_current();
	f->ident = (unsigned long)pthread_self();
	f->tid = (pid_t)syscall(SYS_gettid);
	f->join_self = tl_thread_join(f->cur, 0);
	f->count_inside = tl_thread_active_count();
	gate_open(&f->adopted);
	gate_wait(&f->release);
	return NULL; /* the key destructor removes the dummy now */
}

TEST_IMPL(dummy_thread)
{
	/* One Thread-N first: dummies share Python's counter. */
	tl_thread_t t;
	ASSERT_OK(tl_thread_init(&t, nop, NULL, NULL));
	ASSERT_STR_EQ(tl_thread_name(&t), "Thread-1");
	ASSERT_EQ(tl_thread_active_count(), 1);

	struct foreign f = { .adopted = GATE_INIT, .release = GATE_INIT };
	pthread_t p;
	ASSERT_OK(pthread_create(&p, NULL, foreign_run, &f));
	gate_wait(&f.adopted);
	ASSERT_NOT_NULL(f.cur);
	ASSERT(f.again == f.cur);
	ASSERT_TRUE(tl_thread_is_dummy(f.cur));
	ASSERT_STR_EQ(tl_thread_name(f.cur), "Dummy-2");
	ASSERT_TRUE(tl_thread_daemon(f.cur));
	ASSERT_TRUE(tl_thread_is_alive(f.cur));
	ASSERT_EQ(tl_thread_ident(f.cur), f.ident);
	ASSERT_EQ(tl_thread_native_id(f.cur), f.tid);
	ASSERT_EQ(f.join_self, TL_EDEADLK);
	ASSERT_EQ(tl_thread_join(f.cur, 0), TL_EINVAL); /* "cannot join a dummy thread" */
	ASSERT_EQ(f.count_inside, 2);
	ASSERT_EQ(tl_thread_active_count(), 2);
	tl_thread_t *list[4];
	ASSERT_EQ(tl_thread_enumerate(list, 4), 2);
	ASSERT(list[0] == tl_thread_main());
	ASSERT(list[1] == f.cur);

	gate_open(&f.release);
	ASSERT_OK(pthread_join(p, NULL)); /* returns after its key destructors ran */
	ASSERT_EQ(tl_thread_active_count(), 1);
	ASSERT_EQ(tl_thread_enumerate(list, 4), 1);
	ASSERT(list[0] == tl_thread_main());
	return 0;
}

/* ---- enumerate / active_count (seed 五) ---- */

struct parked {
	tl_thread_t base;
	pthread_barrier_t *in;
	gate_t *release;
};

static void parked_run(tl_thread_t *self)
{
	struct parked *p = tl_container_of(self, struct parked, base);
	pthread_barrier_wait(p->in);
	gate_wait(p->release);
}

static bool listed(tl_thread_t **list, int n, const tl_thread_t *t)
{
	for (int i = 0; i < n; i++)
		if (list[i] == t)
			return true;
	return false;
}

TEST_IMPL(enumerate_and_active_count)
{
	enum { N = 8 };
	struct parked p[N];
	pthread_barrier_t in;
	gate_t release = GATE_INIT;
	ASSERT_OK(pthread_barrier_init(&in, NULL, N + 1));
	ASSERT_EQ(tl_thread_active_count(), 1);
	tl_thread_t *list[N + 4];
	ASSERT_EQ(tl_thread_enumerate(list, N + 4), 1);
	ASSERT(list[0] == tl_thread_main());
	for (int i = 0; i < N; i++) {
		p[i].in = &in;
		p[i].release = &release;
		ASSERT_OK(tl_thread_init_run(&p[i].base, parked_run, NULL));
		ASSERT_EQ(tl_thread_active_count(), 1 + i); /* initial threads are not listed */
		ASSERT_OK(tl_thread_start(&p[i].base));
		ASSERT_EQ(tl_thread_active_count(), 2 + i); /* listed once start returns */
	}
	pthread_barrier_wait(&in); /* all N are inside run() now */
	ASSERT_EQ(tl_thread_active_count(), N + 1);
	int n = tl_thread_enumerate(list, N + 4);
	ASSERT_EQ(n, N + 1);
	ASSERT(list[0] == tl_thread_main());
	for (int i = 0; i < N; i++)
		ASSERT(list[1 + i] == &p[i].base); /* start order */
	/* A short buffer: filled to cap, the full count returned. */
	tl_thread_t *small[3] = { NULL, NULL, NULL };
	ASSERT_EQ(tl_thread_enumerate(small, 2), N + 1);
	ASSERT(small[0] == tl_thread_main() && small[1] == &p[0].base && small[2] == NULL);
	ASSERT_EQ(tl_thread_enumerate(NULL, 0), N + 1);
	ASSERT_EQ(tl_thread_enumerate(NULL, 1), TL_EINVAL);
	ASSERT_EQ(tl_thread_enumerate(list, -1), TL_EINVAL);

	gate_open(&release);
	for (int i = 0; i < N; i++) {
		ASSERT_OK(tl_thread_join(&p[i].base, TL_FOREVER));
		n = tl_thread_enumerate(list, N + 4);
		ASSERT_LE(n, N - i); /* main + the not yet joined (some may be gone) */
		ASSERT_GE(n, 1);
		ASSERT_FALSE(listed(list, n, &p[i].base));
		for (int k = 0; k <= i; k++)
			ASSERT_FALSE(listed(list, n, &p[k].base));
	}
	ASSERT_EQ(tl_thread_active_count(), 1);
	pthread_barrier_destroy(&in);
	return 0;
}

/* test_enumerate_after_join: a joined thread is never listed again. */
TEST_IMPL(enumerate_after_join)
{
	tl_thread_t *list[8];
	for (int i = 0; i < 300; i++) {
		tl_thread_t t;
		ASSERT_OK(tl_thread_init(&t, nop, NULL, NULL));
		ASSERT_OK(tl_thread_start(&t));
		ASSERT_OK(tl_thread_join(&t, TL_FOREVER));
		int n = tl_thread_enumerate(list, 8);
		ASSERT_EQ(n, 1);
		ASSERT_FALSE(listed(list, n, &t));
		ASSERT_EQ(tl_thread_active_count(), 1);
	}
	return 0;
}

/* test_various_ops in spirit: many threads, some enumerating concurrently
 * with starts and exits (registry consistency under TSan). */
static void enum_churn(void *arg)
{
	(void)arg;
	tl_thread_t *list[64];
	for (int i = 0; i < 50; i++) {
		int n = tl_thread_enumerate(list, 64);
		ASSERT_GE(n, 1);
		for (int k = 0; k < n && k < 64; k++)
			ASSERT_NOT_NULL(tl_thread_name(list[k]));
		ASSERT_GE(tl_thread_active_count(), 1);
		ASSERT_NOT_NULL(tl_thread_current());
	}
}

TEST_IMPL(many_threads)
{
	enum { ROUNDS = 10, N = 24 };
	for (int r = 0; r < ROUNDS; r++) {
		tl_thread_t t[N];
		for (int i = 0; i < N; i++) {
			ASSERT_OK(tl_thread_init(&t[i], enum_churn, NULL, NULL));
			ASSERT_OK(tl_thread_start(&t[i]));
		}
		for (int i = 0; i < N; i++)
			ASSERT_OK(tl_thread_join(&t[i], TL_FOREVER));
	}
	ASSERT_EQ(tl_thread_active_count(), 1);
	char want[32];
	tl_thread_t last;
	ASSERT_OK(tl_thread_init(&last, nop, NULL, NULL));
	snprintf(want, sizeof want, "Thread-%d", ROUNDS * N + 1);
	ASSERT_STR_EQ(tl_thread_name(&last), want);
	return 0;
}

static void small_stack_run(void *arg)
{
	volatile char buf[8192];
	buf[0] = 1;
	buf[sizeof buf - 1] = 2;
	*(int *)arg = buf[0] + buf[sizeof buf - 1];
}

TEST_IMPL(stack_size)
{
	size_t old = 1;
	ASSERT_EQ(tl_thread_stack_size(1024, &old), TL_EINVAL);
	ASSERT_EQ(old, 1);
	ASSERT_OK(tl_thread_stack_size(1 << 20, &old));
	ASSERT_EQ(old, 0);
	int v = 0;
	tl_thread_t t;
	ASSERT_OK(tl_thread_init(&t, small_stack_run, &v, NULL));
	ASSERT_OK(tl_thread_start(&t));
	ASSERT_OK(tl_thread_join(&t, TL_FOREVER));
	ASSERT_EQ(v, 3);
	ASSERT_OK(tl_thread_stack_size(0, &old));
	ASSERT_EQ(old, 1 << 20);
	return 0;
}

/* ---- explicit shutdown: waits for non-daemon threads, not daemon ones ---- */

TEST_IMPL(shutdown_waits_nondaemon_only)
{
	enum { N = 4 };
	struct blocked daemon = { .go = GATE_INIT };
	tl_thread_t nd[N];
	_Atomic int n = 0;
	ASSERT_OK(tl_thread_init_run(&daemon.base, blocked_run, NULL));
	ASSERT_OK(tl_thread_set_daemon(&daemon.base, true));
	ASSERT_OK(tl_thread_start(&daemon.base));
	for (int i = 0; i < N; i++) {
		ASSERT_OK(tl_thread_init(&nd[i], add_one, &n, NULL));
		ASSERT_OK(tl_thread_start(&nd[i]));
	}
	tl_thread_shutdown(); /* returns while the daemon is still parked */
	ASSERT_EQ(atomic_load(&n), N);
	for (int i = 0; i < N; i++)
		ASSERT_FALSE(tl_thread_is_alive(&nd[i])); /* finished without a join */
	ASSERT_TRUE(tl_thread_is_alive(&daemon.base));
	ASSERT_TRUE(tl_thread_is_alive(tl_thread_main())); /* only the exit routine stops main */
	tl_thread_shutdown(); /* idempotent */
	gate_open(&daemon.go);
	ASSERT_OK(tl_thread_join(&daemon.base, TL_FOREVER));
	for (int i = 0; i < N; i++)
		ASSERT_OK(tl_thread_join(&nd[i], TL_FOREVER));
	return 0;
}

/* ---- fork: only the forking thread survives and becomes main ---- */

struct forker {
	tl_thread_t base;
	tl_thread_t *other;
	int status;
};

static void forker_run(tl_thread_t *self)
{
	struct forker *f = tl_container_of(self, struct forker, base);
	pid_t pid = fork();
	ASSERT(pid >= 0);
	if (pid == 0) {
		int bad = 0;
		bad |= (tl_thread_current() != self) << 0;
		bad |= (tl_thread_main() != self) << 1;
		bad |= (tl_thread_active_count() != 1) << 2;
		bad |= tl_thread_is_alive(f->other) << 3;
		bad |= (tl_thread_native_id(self) != getpid()) << 4;
		bad |= (tl_thread_current_native_id() != getpid()) << 5;
		tl_thread_t *list[4];
		bad |= (tl_thread_enumerate(list, 4) != 1 || list[0] != self) << 6;
		_exit(bad);
	}
	int st;
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	f->status = st;
}

TEST_IMPL(fork_child_has_one_thread)
{
	struct blocked other = { .go = GATE_INIT };
	struct forker f;
	ASSERT_OK(tl_thread_init_run(&other.base, blocked_run, NULL));
	ASSERT_OK(tl_thread_start(&other.base));
	f.other = &other.base;
	ASSERT_OK(tl_thread_init_run(&f.base, forker_run, NULL));
	ASSERT_OK(tl_thread_start(&f.base));
	ASSERT_OK(tl_thread_join(&f.base, TL_FOREVER));
	ASSERT(WIFEXITED(f.status));
	ASSERT_EQ(WEXITSTATUS(f.status), 0);
	/* The parent is unaffected. */
	ASSERT_EQ(tl_thread_active_count(), 2);
	ASSERT(tl_thread_main() == tl_thread_current());
	gate_open(&other.go);
	ASSERT_OK(tl_thread_join(&other.base, TL_FOREVER));
	return 0;
}

/* ---- process exit (seed 六; ThreadJoinOnShutdown) ----
 * Scenario children return from main() with threads still running; objects
 * they use are static (main's frame is gone while exit waits). */

static char out_buf[4096];

static gate_t s_gate = GATE_INIT, s_gate2 = GATE_INIT, s_gate3 = GATE_INIT, s_gate4 = GATE_INIT;
static tl_thread_t s_t1, s_t2;

static void open_gate_at_exit(void)
{
	say("exiting\n");
	gate_open(&s_gate);
}

static void nd_waits_then_says(void *arg)
{
	gate_wait(&s_gate);
	say((const char *)arg);
}

/* test_join_nondaemon_on_shutdown: main returns; the process waits for the
 * non-daemon thread, which is released only once exit() has begun. */
TEST_IMPL(exit_waits_for_nondaemon)
{
	if (scenario()) {
		ASSERT_OK(tl_thread_init(&s_t1, nd_waits_then_says, "thread-done\n", NULL));
		ASSERT_OK(tl_thread_start(&s_t1));
		/* Registered after the first start: runs before the exit routine. */
		ASSERT_OK(atexit(open_gate_at_exit));
		say("main-return\n");
		return 0;
	}
	int st = spawn_scenario("exit_waits_for_nondaemon", "1", out_buf, sizeof out_buf);
	ASSERT(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	ASSERT_STR_EQ(out_buf, "main-return\nexiting\nthread-done\n");
	return 0;
}

static void daemon_says_then_parks(void *arg)
{
	(void)arg;
	say("123\n");
	gate_open(&s_gate);
	park_forever();
	say("end123\n");
}

/* A daemon thread does not hold the process: it never gets to its end line
 * and the process still exits (waitpid returns, status 0). */
TEST_IMPL(exit_does_not_wait_for_daemon)
{
	if (scenario()) {
		ASSERT_OK(tl_thread_init(&s_t1, daemon_says_then_parks, NULL, NULL));
		ASSERT_OK(tl_thread_set_daemon(&s_t1, true));
		ASSERT_OK(tl_thread_start(&s_t1));
		gate_wait(&s_gate);
		say("main\n");
		ASSERT_TRUE(tl_thread_is_alive(&s_t1));
		return 0;
	}
	int st = spawn_scenario("exit_does_not_wait_for_daemon", "1", out_buf, sizeof out_buf);
	ASSERT(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	ASSERT_STR_EQ(out_buf, "123\nmain\n");
	return 0;
}

/* The seed's "confusing" example: t1 (daemon) foo prints 123 .. end123,
 * t2 (non-daemon) bar prints 456 .. end456, main prints main-------.
 * Python prints all five lines: the process waits for t2, and t1 finishes
 * meanwhile. Here the seed's sleep(1) < sleep(3) becomes explicit order:
 * t1's end waits for main to have returned (its exit began); t2's end waits
 * for t1's end — the only thing keeping the process alive for t1 is the
 * non-daemon t2 the exit routine waits for. */
static void seed_foo(void *arg)
{
	(void)arg;
	say("123\n");
	gate_open(&s_gate2);
	gate_wait(&s_gate); /* main has returned: exit has begun */
	say("end123\n");
	gate_open(&s_gate3);
}

static void seed_bar(void *arg)
{
	(void)arg;
	gate_wait(&s_gate2);
	say("456\n");
	gate_open(&s_gate4);
	gate_wait(&s_gate3);
	say("end456\n");
}

static void seed_main_done(void)
{
	gate_open(&s_gate);
}

TEST_IMPL(seed_daemon_example)
{
	if (scenario()) {
		ASSERT_OK(tl_thread_init(&s_t1, seed_foo, NULL, NULL));
		ASSERT_OK(tl_thread_init(&s_t2, seed_bar, NULL, NULL));
		ASSERT_OK(tl_thread_set_daemon(&s_t1, true)); /* t1.daemon=True */
		ASSERT_OK(tl_thread_start(&s_t1));
		ASSERT_OK(tl_thread_start(&s_t2));
		ASSERT_OK(atexit(seed_main_done));
		gate_wait(&s_gate4); /* 123 and 456 are out (Python's start() is that quick) */
		say("main-------\n");
		return 0;
	}
	int st = spawn_scenario("seed_daemon_example", "1", out_buf, sizeof out_buf);
	ASSERT(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	ASSERT_STR_EQ(out_buf, "123\n456\nmain-------\nend123\nend456\n");
	return 0;
}

/* The seed's example as written, sleeps shortened. Only what does not depend
 * on the sleeps is asserted: 123, 456, main------- and end456 always appear
 * (t2 is waited for); end123 appears iff t1 got there before the exit. */
static void literal_foo(void *arg)
{
	(void)arg;
	say("123\n");
	nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	say("end123\n");
}

static void literal_bar(void *arg)
{
	(void)arg;
	say("456\n");
	nanosleep(&(struct timespec){ 0, 30 * 1000 * 1000 }, NULL);
	say("end456\n");
}

TEST_IMPL(seed_daemon_example_literal)
{
	if (scenario()) {
		ASSERT_OK(tl_thread_init(&s_t1, literal_foo, NULL, NULL));
		ASSERT_OK(tl_thread_init(&s_t2, literal_bar, NULL, NULL));
		ASSERT_OK(tl_thread_set_daemon(&s_t1, true));
		ASSERT_OK(tl_thread_start(&s_t1));
		ASSERT_OK(tl_thread_start(&s_t2));
		say("main-------\n");
		return 0;
	}
	int st = spawn_scenario("seed_daemon_example_literal", "1", out_buf, sizeof out_buf);
	ASSERT(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	ASSERT_NOT_NULL(strstr(out_buf, "123\n"));
	ASSERT_NOT_NULL(strstr(out_buf, "456\n"));
	ASSERT_NOT_NULL(strstr(out_buf, "main-------\n"));
	ASSERT_NOT_NULL(strstr(out_buf, "end456\n"));
	return 0;
}

/* Python's _shutdown loops until no non-daemon thread is left: one started
 * while the exit routine waits is waited for as well. */
static void starts_another(void *arg)
{
	(void)arg;
	gate_wait(&s_gate);
	ASSERT_OK(tl_thread_init(&s_t2, nd_waits_then_says, "late-thread-done\n", NULL));
	ASSERT_OK(tl_thread_start(&s_t2));
	say("first-done\n");
}

TEST_IMPL(exit_waits_for_threads_started_during_exit)
{
	if (scenario()) {
		ASSERT_OK(tl_thread_init(&s_t1, starts_another, NULL, NULL));
		ASSERT_OK(tl_thread_start(&s_t1));
		ASSERT_OK(atexit(open_gate_at_exit));
		return 0;
	}
	int st = spawn_scenario("exit_waits_for_threads_started_during_exit", "1", out_buf, sizeof out_buf);
	ASSERT(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	/* s_gate is already open when the late thread waits on it. */
	ASSERT(strcmp(out_buf, "exiting\nfirst-done\nlate-thread-done\n") == 0 ||
	       strcmp(out_buf, "exiting\nlate-thread-done\nfirst-done\n") == 0);
	return 0;
}

/* exit() called by a non-daemon thread: the exit routine does not wait for
 * the caller itself (no deadlock); main is parked and does not matter. */
static void calls_exit(void *arg)
{
	(void)arg;
	say("calling-exit\n");
	exit(3);
}

TEST_IMPL(exit_from_nondaemon_thread)
{
	if (scenario()) {
		ASSERT_OK(tl_thread_init(&s_t1, calls_exit, NULL, NULL));
		ASSERT_OK(tl_thread_start(&s_t1));
		park_forever();
	}
	int st = spawn_scenario("exit_from_nondaemon_thread", "1", out_buf, sizeof out_buf);
	ASSERT(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 3);
	ASSERT_STR_EQ(out_buf, "calling-exit\n");
	return 0;
}

/* Python marks the main thread stopped before waiting for non-daemon
 * threads: one that joins main_thread() during exit returns. */
static void joins_main(void *arg)
{
	(void)arg;
	gate_wait(&s_gate);
	int r = tl_thread_join(tl_thread_main(), TL_FOREVER);
	char line[64];
	snprintf(line, sizeof line, "joined-main %d alive %d count %d\n", r,
		 (int)tl_thread_is_alive(tl_thread_main()), tl_thread_active_count());
	say(line);
}

TEST_IMPL(exit_lets_nondaemon_join_main)
{
	if (scenario()) {
		ASSERT_OK(tl_thread_init(&s_t1, joins_main, NULL, NULL));
		ASSERT_OK(tl_thread_start(&s_t1));
		ASSERT_OK(atexit(open_gate_at_exit));
		return 0;
	}
	int st = spawn_scenario("exit_lets_nondaemon_join_main", "1", out_buf, sizeof out_buf);
	ASSERT(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	ASSERT_STR_EQ(out_buf, "exiting\njoined-main 0 alive 0 count 1\n");
	return 0;
}

/* ---- detach: a handle given up while its thread runs ---- */

/* Python drops a Thread object whenever it likes; the thread runs on. Here
 * the handle is caller memory, so tl_thread_detach hands it back through a
 * release callback once the thread is done with it. ASan proves nothing
 * touches the freed handle afterwards. */
struct detached {
	tl_thread_t base;
	gate_t *go;
};

static gate_t g_released = GATE_INIT;
static _Atomic int g_releases;
static pthread_t g_release_thread;

static void free_detached(tl_thread_t *t)
{
	g_release_thread = pthread_self();
	atomic_fetch_add(&g_releases, 1);
	free(tl_container_of(t, struct detached, base));
	gate_open(&g_released);
}

static void wait_go(tl_thread_t *self)
{
	gate_wait(tl_container_of(self, struct detached, base)->go);
}

TEST_IMPL(detach_running_thread)
{
	gate_t go = GATE_INIT;
	struct detached *d = malloc(sizeof *d);
	ASSERT_NOT_NULL(d);
	d->go = &go;
	ASSERT_OK(tl_thread_init_run(&d->base, wait_go, "detached"));
	ASSERT_EQ(tl_thread_detach(&d->base, free_detached), TL_ESTATE); /* not started */
	ASSERT_OK(tl_thread_start(&d->base));
	ASSERT_OK(tl_thread_detach(&d->base, free_detached));
	/* still valid until released: it runs, it is listed, nobody joins */
	ASSERT_TRUE(tl_thread_is_alive(&d->base));
	ASSERT_STR_EQ(tl_thread_name(&d->base), "detached");
	ASSERT_EQ(tl_thread_active_count(), 2);
	ASSERT_EQ(tl_thread_join(&d->base, TL_FOREVER), TL_ESTATE);
	ASSERT_EQ(tl_thread_join(&d->base, 0), TL_ESTATE);
	ASSERT_EQ(tl_thread_detach(&d->base, free_detached), TL_ESTATE); /* twice */
	ASSERT_EQ(atomic_load(&g_releases), 0);
	gate_open(&go);
	gate_wait(&g_released); /* the thread freed its handle as it finished */
	ASSERT_EQ(atomic_load(&g_releases), 1);
	ASSERT_FALSE(pthread_equal(g_release_thread, pthread_self()));
	return 0;
}

TEST_IMPL(detach_finished_thread_releases_at_once)
{
	gate_t go = GATE_INIT;
	gate_open(&go);
	struct detached *d = malloc(sizeof *d);
	ASSERT_NOT_NULL(d);
	d->go = &go;
	ASSERT_OK(tl_thread_init_run(&d->base, wait_go, NULL));
	ASSERT_OK(tl_thread_start(&d->base));
	ASSERT_OK(tl_thread_join(&d->base, TL_FOREVER));
	ASSERT_OK(tl_thread_detach(&d->base, free_detached)); /* done: released here, now */
	ASSERT_EQ(atomic_load(&g_releases), 1);
	ASSERT(pthread_equal(g_release_thread, pthread_self()));
	ASSERT_EQ(tl_thread_detach(NULL, NULL), TL_EINVAL);
	ASSERT_EQ(tl_thread_detach(tl_thread_main(), NULL), TL_EINVAL); /* not ours */
	return 0;
}

static void detach_self(tl_thread_t *self)
{
	ASSERT_OK(tl_thread_detach(self, free_detached));
	ASSERT_EQ(tl_thread_join(self, TL_FOREVER), TL_EDEADLK);
}

TEST_IMPL(detach_from_the_thread_itself)
{
	struct detached *d = malloc(sizeof *d);
	ASSERT_NOT_NULL(d);
	d->go = NULL;
	ASSERT_OK(tl_thread_init_run(&d->base, detach_self, NULL));
	ASSERT_OK(tl_thread_start(&d->base));
	gate_wait(&g_released);
	ASSERT_EQ(atomic_load(&g_releases), 1);
	return 0;
}

struct join_arg {
	tl_thread_t *t;
	int r;
};

static void join_it(void *arg)
{
	struct join_arg *j = arg;
	j->r = tl_thread_join(j->t, TL_FOREVER);
}

TEST_IMPL(detach_while_joined_is_busy)
{
	gate_t go = GATE_INIT;
	struct detached d = { .go = &go };
	ASSERT_OK(tl_thread_init_run(&d.base, wait_go, NULL));
	ASSERT_OK(tl_thread_start(&d.base));
	struct join_arg j = { &d.base, 1 };
	tl_thread_t joiner;
	ASSERT_OK(tl_thread_init(&joiner, join_it, &j, NULL));
	ASSERT_OK(tl_thread_start(&joiner));
	/* the joiner is asleep once it marked the done word (no sleep here:
	 * a state the test can see) */
	while (atomic_load(&d.base.done) != TL__DONE_WAITERS)
		sched_yield();
	ASSERT_EQ(tl_thread_detach(&d.base, NULL), TL_EBUSY);
	gate_open(&go);
	ASSERT_OK(tl_thread_join(&joiner, TL_FOREVER));
	ASSERT_OK(j.r);
	return 0;
}

TEST_LIST_BEGIN
TEST_ENTRY(start_with_target)
TEST_ENTRY(start_subclass)
TEST_ENTRY(no_target_runs_nothing)
TEST_ENTRY(default_names)
TEST_ENTRY(set_name)
TEST_ENTRY(ident_and_native_id)
TEST_ENTRY(daemon_flag)
TEST_ENTRY(start_twice)
TEST_ENTRY(join_errors)
TEST_ENTRY(join_timeout)
TEST_ENTRY(join_from_many_threads)
TEST_ENTRY(detach_running_thread)
TEST_ENTRY(detach_finished_thread_releases_at_once)
TEST_ENTRY(detach_from_the_thread_itself)
TEST_ENTRY(detach_while_joined_is_busy)
TEST_ENTRY(current_and_main)
TEST_ENTRY(dummy_thread)
TEST_ENTRY(enumerate_and_active_count)
TEST_ENTRY(enumerate_after_join)
TEST_ENTRY(many_threads)
TEST_ENTRY(stack_size)
TEST_ENTRY(shutdown_waits_nondaemon_only)
TEST_ENTRY(fork_child_has_one_thread)
TEST_ENTRY(exit_waits_for_nondaemon)
TEST_ENTRY(exit_does_not_wait_for_daemon)
TEST_ENTRY(seed_daemon_example)
TEST_ENTRY(seed_daemon_example_literal)
TEST_ENTRY(exit_waits_for_threads_started_during_exit)
TEST_ENTRY(exit_from_nondaemon_thread)
TEST_ENTRY(exit_lets_nondaemon_join_main)
TEST_LIST_END
