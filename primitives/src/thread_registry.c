/* The threading module's tables: current_thread, main_thread, enumerate,
 * active_count, dummy threads, fork, and the exit routine.
 *
 * The registry is an intrusive doubly-linked list (t->prev/next) of every
 * started-and-not-finished thread, in start order, main first, under one
 * pthread mutex (TSan sees it). active_count is a counter kept under the
 * same mutex and read with an acquire load: a thread unlinks itself (and
 * decrements) before its release-swap of done, so after a join the joiner
 * can never count or list that thread again.
 *
 * Exit routine: g_nondaemon counts started non-daemon threads that have not
 * yet finished; bit 31 says a shutdown sleeps on the word. A finishing
 * thread decrements it as its very last touch of threadlab state, and wakes
 * everyone only when the bit is set — so in a normal run thread exit costs
 * no syscall for this. The atexit routine is registered on the first
 * tl_thread_start, so it runs before atexit handlers registered earlier
 * (Python runs threading._shutdown before atexit callbacks too).
 */
#include "thread_internal.h"

#include "futex.h"
#include "vg_annotate.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SHUTDOWN_WAITING 0x80000000u

_Thread_local tl_thread_t *tl__self __attribute__((tls_model("initial-exec")));
static _Thread_local pid_t tl__tid __attribute__((tls_model("initial-exec")));

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static pthread_once_t g_atexit_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static tl_thread_t *g_head, *g_tail;
static _Atomic int g_count;
static _Atomic uint32_t g_nondaemon;
static _Atomic unsigned long g_counter;
static tl_thread_t g_main_obj;
static tl_thread_t *g_main;
static pthread_key_t g_dummy_key;
static bool g_have_key;
/* Dummy objects of threads that do not exist in a fork child: kept
 * reachable (a pointer from an earlier enumerate may still be read). */
static tl_thread_t *g_orphans;

pid_t tl__gettid(void)
{
	pid_t t = tl__tid;
	if (!t)
		tl__tid = t = gettid();
	return t;
}

unsigned long tl__thread_next_number(void)
{
	return atomic_fetch_add_explicit(&g_counter, 1, memory_order_relaxed) + 1;
}

void tl__registry_lock(void)
{
	pthread_mutex_lock(&g_lock);
}

void tl__registry_unlock(void)
{
	pthread_mutex_unlock(&g_lock);
}

static bool linked(const tl_thread_t *t)
{
	return t->prev || g_head == t;
}

void tl__registry_link(tl_thread_t *t)
{
	t->next = NULL;
	t->prev = g_tail;
	if (g_tail)
		g_tail->next = t;
	else
		g_head = t;
	g_tail = t;
	atomic_fetch_add_explicit(&g_count, 1, memory_order_release);
}

void tl__registry_unlink(tl_thread_t *t)
{
	if (!linked(t))
		return;
	if (t->prev)
		t->prev->next = t->next;
	else
		g_head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	else
		g_tail = t->prev;
	t->prev = t->next = NULL;
	atomic_fetch_sub_explicit(&g_count, 1, memory_order_release);
}

/* A foreign thread adopted by tl_thread_current() leaves when its pthread
 * exits: the key destructor unlinks and frees the dummy. */
static void dummy_destructor(void *p)
{
	tl_thread_t *d = p;
	tl__registry_lock();
	tl__registry_unlink(d);
	tl__registry_unlock();
	if (tl__self == d)
		tl__self = NULL;
	tl__thread_mark_finished(d); /* nobody can join a dummy: no waiters */
	free(d);
}

/* fork(): Python's _after_fork — only the forking thread survives and
 * becomes the main thread; every other thread is marked stopped. */
static void atfork_prepare(void)
{
	pthread_mutex_lock(&g_lock);
}

static void atfork_parent(void)
{
	pthread_mutex_unlock(&g_lock);
}

static void atfork_child(void)
{
	tl__tid = 0;
	tl_thread_t *self = tl__self;
	if (!self) /* a foreign thread without a dummy: a fresh MainThread */
		self = &g_main_obj;
	for (tl_thread_t *t = g_head, *next; t; t = next) {
		next = t->next;
		t->prev = t->next = NULL;
		if (t == self)
			continue;
		atomic_store_explicit(&t->state, TL__TS_FINISHED, memory_order_relaxed);
		atomic_store_explicit(&t->done, TL__DONE_YES, memory_order_relaxed);
		if (t->dummy) {
			t->next = g_orphans;
			g_orphans = t;
		}
	}
	g_head = g_tail = NULL;
	atomic_store_explicit(&g_count, 0, memory_order_relaxed);
	if (self->dummy) { /* Python turns a _DummyThread into the _MainThread */
		if (g_have_key)
			pthread_setspecific(g_dummy_key, NULL);
		self->dummy = false;
		self->daemon = false;
		snprintf(self->name, sizeof self->name, "MainThread");
	}
	if (self == &g_main_obj) {
		self->daemon = false;
		snprintf(self->name, sizeof self->name, "MainThread");
		atomic_store_explicit(&self->done, TL__DONE_NO, memory_order_relaxed);
	}
	self->handle = pthread_self();
	self->native_id = tl__gettid();
	atomic_store_explicit(&self->state, TL__TS_RUNNING, memory_order_relaxed);
	tl__registry_link(self);
	tl__self = self;
	g_main = self;
	/* A started non-daemon thread still owes its own tl__nondaemon_exit. */
	bool counted = self->run && !self->daemon;
	atomic_store_explicit(&g_nondaemon, counted ? 1u : 0u, memory_order_relaxed);
	pthread_mutex_unlock(&g_lock);
}

static void init_once(void)
{
	g_have_key = pthread_key_create(&g_dummy_key, dummy_destructor) == 0;
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
	tl_thread_t *m = &g_main_obj;
	snprintf(m->name, sizeof m->name, "MainThread");
	m->native_id = getpid();
	atomic_init(&m->state, TL__TS_RUNNING);
	atomic_init(&m->done, TL__DONE_NO);
	/* Helgrind/DRD: atomics they see as plain racing accesses (cannot
	 * race); edges are annotated where made (thread.c, nondaemon_exit). */
	TL__VG_IGNORE(&m->state, sizeof m->state);
	TL__VG_IGNORE(&m->done, sizeof m->done);
	TL__VG_IGNORE(&g_nondaemon, sizeof g_nondaemon);
	TL__VG_IGNORE(&g_count, sizeof g_count);
	TL__VG_IGNORE(&g_counter, sizeof g_counter);
	if (tl__gettid() == getpid()) { /* the usual case: the constructor below */
		m->handle = pthread_self();
		tl__self = m;
	}
	pthread_mutex_lock(&g_lock);
	tl__registry_link(m);
	pthread_mutex_unlock(&g_lock);
	g_main = m;
}

void tl__thread_global_init(void)
{
	pthread_once(&g_once, init_once);
}

/* Runs in the main thread before main() (for an executable or a library it
 * links with), so the main thread's object knows its pthread_t. */
__attribute__((constructor)) static void tl__thread_ctor(void)
{
	tl__thread_global_init();
}

tl_thread_t *tl_thread_main(void)
{
	tl__thread_global_init();
	return g_main;
}

static tl_thread_t *adopt_dummy(void)
{
	if (!g_have_key)
		return NULL;
	tl_thread_t *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	if (pthread_setspecific(g_dummy_key, d) != 0) {
		free(d);
		return NULL;
	}
	/* Python names dummies from the same counter as Thread-N. */
	snprintf(d->name, sizeof d->name, "Dummy-%lu", tl__thread_next_number());
	d->daemon = true;
	d->dummy = true;
	d->handle = pthread_self();
	d->native_id = tl__gettid();
	atomic_init(&d->state, TL__TS_RUNNING);
	atomic_init(&d->done, TL__DONE_NO);
	tl__registry_lock();
	tl__registry_link(d);
	tl__registry_unlock();
	tl__self = d;
	return d;
}

tl_thread_t *tl_thread_current(void)
{
	tl_thread_t *t = tl__self;
	if (t)
		return t;
	tl__thread_global_init();
	if (tl__self)
		return tl__self;
	if (tl__gettid() == getpid()) /* main thread, library initialised elsewhere */
		return tl__self = g_main;
	return adopt_dummy();
}

int tl_thread_enumerate(tl_thread_t **out, int cap)
{
	if (cap < 0 || (cap > 0 && !out))
		return TL_EINVAL;
	tl__thread_global_init();
	int n = 0;
	pthread_mutex_lock(&g_lock);
	for (tl_thread_t *t = g_head; t; t = t->next) {
		if (n < cap)
			out[n] = t;
		n++;
	}
	pthread_mutex_unlock(&g_lock);
	return n;
}

int tl_thread_active_count(void)
{
	tl__thread_global_init();
	return atomic_load_explicit(&g_count, memory_order_acquire);
}

void tl__nondaemon_enter(void)
{
	atomic_fetch_add_explicit(&g_nondaemon, 1, memory_order_relaxed);
}

void tl__nondaemon_exit(void)
{
	/* Release: shutdown's acquire load that sees the count drop also sees
	 * everything this thread did. */
	TL__VG_HB_BEFORE(&g_nondaemon);
	uint32_t old = atomic_fetch_sub_explicit(&g_nondaemon, 1, memory_order_acq_rel);
	if (old & SHUTDOWN_WAITING)
		tl__futex_wake(&g_nondaemon, INT_MAX, 0);
}

void tl_thread_shutdown(void)
{
	tl__thread_global_init();
	/* exit() may run in a non-daemon thread: do not wait for ourselves. */
	tl_thread_t *self = tl__self;
	uint32_t mine = (self && self->run && !self->daemon &&
			 (atomic_load_explicit(&self->state, memory_order_relaxed) & TL__TS_MASK) == TL__TS_RUNNING)
				? 1
				: 0;
	uint32_t v = atomic_load_explicit(&g_nondaemon, memory_order_acquire);
	while ((v & ~SHUTDOWN_WAITING) > mine) {
		if (!(v & SHUTDOWN_WAITING)) {
			if (!atomic_compare_exchange_weak_explicit(&g_nondaemon, &v, v | SHUTDOWN_WAITING,
								   memory_order_acquire, memory_order_acquire))
				continue;
			v |= SHUTDOWN_WAITING;
		}
		tl__futex_wait(&g_nondaemon, v, NULL, 0);
		v = atomic_load_explicit(&g_nondaemon, memory_order_acquire);
	}
	TL__VG_HB_AFTER(&g_nondaemon); /* the exited threads' nondaemon_exit */
}

/* Python's interpreter exit: the main thread is marked stopped first (a
 * non-daemon thread joining main_thread() then returns instead of
 * deadlocking), then every non-daemon thread is waited for. */
static void exit_routine(void)
{
	tl_thread_t *m = g_main;
	if (m && !m->run) {
		bool was_linked;
		pthread_mutex_lock(&g_lock);
		was_linked = linked(m);
		tl__registry_unlink(m);
		pthread_mutex_unlock(&g_lock);
		if (was_linked)
			tl__thread_mark_finished(m);
	}
	tl_thread_shutdown();
}

static void register_exit_routine(void)
{
	atexit(exit_routine);
}

void tl__thread_first_start(void)
{
	pthread_once(&g_atexit_once, register_exit_routine);
}
