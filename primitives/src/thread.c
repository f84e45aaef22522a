/* threading.Thread: one thread's life — init, start, the trampoline, join.
 * The module-level table (current/main/enumerate/dummies/fork/exit) is in
 * thread_registry.c.
 *
 * Threads are created detached; join waits on t->done, a futex word the
 * thread sets last (after run returned and it left the registry), so any
 * number of threads may join, with timeouts, and daemon threads that are
 * never joined leak nothing.
 *
 * Memory order:
 *   - start -> thread: pthread_create is the edge (TSan knows it).
 *   - thread -> ident/native_id readers: the thread writes handle/native_id
 *     plainly, then swaps state to RUNNING (release); readers load state
 *     (acquire) and read the fields only once it is RUNNING or FINISHED.
 *   - thread -> joiner: everything run() did, then the registry unlink,
 *     then the swap of done to YES (release); join returns only after an
 *     acquire load saw YES. So after join, enumerate() no longer lists the
 *     thread (CPython test_enumerate_after_join) and its results are
 *     visible.
 * Wake order: joiners are woken all at once (INT_MAX) by the YES swap.
 */
#include "thread_internal.h"

#include "futex.h"
#include "lock_tsan.h"
#include "spin.h"
#include "timeout.h"
#include "trace_hooks.h"
#include "vg_annotate.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* join's look before sleeping, in ns (spin.h: pauses for this CPU). */
#define JOIN_SPIN_NS 1600

static _Atomic size_t g_stack_size; /* 0: the platform default */

static void default_run(tl_thread_t *self)
{
	/* Python: Thread() without a target runs nothing. */
	if (self->target)
		self->target(self->arg);
}

static void copy_name(char *dst, const char *src)
{
	size_t n = strnlen(src, TL_THREAD_NAME_MAX - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* The OS-visible name is limited to 15 bytes plus NUL. */
static void set_os_name(pthread_t h, const char *name)
{
	char os[16];
	size_t n = strnlen(name, sizeof os - 1);
	memcpy(os, name, n);
	os[n] = '\0';
	(void)pthread_setname_np(h, os);
}

static void init_common(tl_thread_t *t, const char *name)
{
	tl__thread_global_init();
	memset(t, 0, sizeof *t);
	if (name && name[0])
		copy_name(t->name, name);
	else /* Python: the default name takes the next number of one global counter */
		snprintf(t->name, sizeof t->name, "Thread-%lu", tl__thread_next_number());
	/* Python: daemon defaults to the creating thread's flag. A foreign
	 * thread (not started by threadlab) counts as daemon, as Python's
	 * _DummyThread does — without adopting it as a side effect. */
	tl_thread_t *cur = tl__self;
	if (!cur && tl__gettid() == getpid())
		cur = tl_thread_main();
	t->daemon = cur ? cur->daemon : true;
	atomic_init(&t->state, TL__TS_INITIAL);
	atomic_init(&t->done, TL__DONE_NO);
	/* Helgrind/DRD see the words' relaxed and release stores as plain
	 * writes racing with the loads: atomics cannot race. Their edges are
	 * annotated where they are made (RUNNING, done). */
	TL__VG_IGNORE(&t->state, sizeof t->state);
	TL__VG_IGNORE(&t->done, sizeof t->done);
}

int tl_thread_init(tl_thread_t *t, tl_thread_target target, void *arg, const char *name)
{
	if (!t)
		return TL_EINVAL;
	init_common(t, name);
	t->run = default_run;
	t->target = target;
	t->arg = arg;
	return 0;
}

int tl_thread_init_run(tl_thread_t *t, tl_thread_run run, const char *name)
{
	if (!t || !run)
		return TL_EINVAL;
	init_common(t, name);
	t->run = run;
	return 0;
}

static void *trampoline(void *p)
{
	tl_thread_t *t = p;
	tl__self = t;
	/* Publish the ids and the OS name under the registry lock, so that a
	 * concurrent tl_thread_set_name either runs before (we read its name)
	 * or sees RUNNING and renames through the published handle. */
	tl__registry_lock();
	t->handle = pthread_self();
	t->native_id = tl__gettid();
	set_os_name(t->handle, t->name);
	TL_TRACE_THREAD(t, t->name); /* under the registry lock, as tl_thread_set_name writes it */
	TL__VG_HB_BEFORE(&t->state); /* the RUNNING swap: wait_published's edge */
	uint32_t old = atomic_exchange_explicit(&t->state, TL__TS_RUNNING, memory_order_acq_rel);
	tl__registry_unlock();
	if (old & TL__TS_WAITERS)
		tl__futex_wake(&t->state, INT_MAX, 0);

	t->run(t);
	tl__vg_thread_ending(); /* Locks it still holds: before anyone sees it end (lock_tsan.c) */

	bool daemon = t->daemon;
	tl__registry_lock();
	tl__registry_unlink(t);
	tl__registry_unlock();
	tl__self = NULL;
	TL_TRACE_SIGNAL(TL__TR_THREAD, t); /* before the joiner can see it: the arrow to its join */
	tl__thread_mark_finished(t); /* t may be freed from here on */
	if (!daemon)
		tl__nondaemon_exit(); /* last: tl_thread_shutdown may return now */
	return NULL;
}

void tl__thread_mark_finished(tl_thread_t *t)
{
	TL__VG_HB_BEFORE(&t->done); /* the YES swap: join's (or detach's) edge */
	atomic_store_explicit(&t->state, TL__TS_FINISHED, memory_order_release);
	uint32_t d = atomic_exchange_explicit(&t->done, TL__DONE_YES, memory_order_acq_rel);
	if (d == TL__DONE_DETACHED) { /* nobody joins: hand t back (tl_thread_detach) */
		TL__VG_HB_AFTER(&t->done); /* detach's t->release */
		if (t->release)
			t->release(t);
		return;
	}
	/* A joiner that returns between the swap and the wake may free t: the
	 * wake then targets a dead address, which the kernel tolerates (at worst
	 * a spurious wakeup of whoever reuses it, and every wait loops). */
	if (d == TL__DONE_WAITERS)
		tl__futex_wake(&t->done, INT_MAX, 0);
}

int tl_thread_start(tl_thread_t *t)
{
	if (!t || !t->run)
		return TL_EINVAL;
	uint32_t s = TL__TS_INITIAL;
	if (!atomic_compare_exchange_strong_explicit(&t->state, &s, TL__TS_STARTING, memory_order_acq_rel,
						     memory_order_acquire))
		return TL_ESTATE; /* Python: "threads can only be started once" */
	atomic_store_explicit(&t->done, TL__DONE_NO, memory_order_relaxed);
	tl__thread_first_start();

	/* Listed (enumerate, active_count, is_alive) from now on, as Python's
	 * start() returns only once the thread is in threading._active. */
	if (!t->daemon)
		tl__nondaemon_enter();
	tl__registry_lock();
	tl__registry_link(t);
	tl__registry_unlock();

	pthread_attr_t attr;
	int e = pthread_attr_init(&attr);
	if (!e)
		e = pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	size_t ss = atomic_load_explicit(&g_stack_size, memory_order_relaxed);
	if (!e && ss)
		e = pthread_attr_setstacksize(&attr, ss);
	pthread_t h;
	if (!e)
		e = pthread_create(&h, &attr, trampoline, t);
	pthread_attr_destroy(&attr);
	if (e) { /* back to INITIAL: Python lets a failed start be retried */
		tl__registry_lock();
		tl__registry_unlink(t);
		tl__registry_unlock();
		if (!t->daemon)
			tl__nondaemon_exit();
		uint32_t old = atomic_exchange_explicit(&t->state, TL__TS_INITIAL, memory_order_acq_rel);
		if (old & TL__TS_WAITERS)
			tl__futex_wake(&t->state, INT_MAX, 0);
		return e == EAGAIN ? TL_EAGAIN : e == ENOMEM ? TL_ENOMEM : e == EINVAL ? TL_EINVAL : -e;
	}
	return 0;
}

/* Wait until t's ids are published (a reader may run between start and the
 * thread's first instruction). Returns the state without flags. */
static uint32_t wait_published(const tl_thread_t *ct)
{
	tl_thread_t *t = (tl_thread_t *)ct; /* the futex word is the only thing touched */
	uint32_t s = atomic_load_explicit(&t->state, memory_order_acquire);
	while ((s & TL__TS_MASK) == TL__TS_STARTING) {
		if (!(s & TL__TS_WAITERS)) {
			if (!atomic_compare_exchange_weak_explicit(&t->state, &s, s | TL__TS_WAITERS,
								   memory_order_acquire, memory_order_acquire))
				continue;
			s |= TL__TS_WAITERS;
		}
		tl__futex_wait(&t->state, s, NULL, 0);
		s = atomic_load_explicit(&t->state, memory_order_acquire);
	}
	TL__VG_HB_AFTER(&t->state); /* the thread's RUNNING swap (a no-op before one) */
	return s & TL__TS_MASK;
}

int tl_thread_join_until(tl_thread_t *t, const struct timespec *deadline)
{
	if (!t)
		return TL_EINVAL;
	uint32_t s = atomic_load_explicit(&t->state, memory_order_acquire) & TL__TS_MASK;
	if (s == TL__TS_INITIAL)
		return TL_ESTATE; /* Python: "cannot join thread before it is started" */
	if (t == tl__self)
		return TL_EDEADLK; /* Python: "cannot join current thread" */
	if (t->dummy)
		return TL_EINVAL; /* Python: "cannot join a dummy thread" */
	TL_TRACE_WAIT_SCOPE(TL__TR_THREAD, t);

	uint32_t d = atomic_load_explicit(&t->done, memory_order_acquire);
	const uint32_t spin = tl__pauses_for_ns(JOIN_SPIN_NS);
	for (uint32_t i = 0; i < spin && d != TL__DONE_YES && d != TL__DONE_DETACHED; i++) {
		tl__cpu_relax();
		d = atomic_load_explicit(&t->done, memory_order_acquire);
	}
	while (d != TL__DONE_YES) {
		if (d == TL__DONE_DETACHED)
			return TL_ESTATE; /* nobody may join a detached thread */
		if (d == TL__DONE_NO &&
		    !atomic_compare_exchange_weak_explicit(&t->done, &d, TL__DONE_WAITERS, memory_order_acquire,
							   memory_order_acquire))
			continue; /* d reloaded */
		int r = tl__futex_wait(&t->done, TL__DONE_WAITERS, deadline, 0);
		d = atomic_load_explicit(&t->done, memory_order_acquire);
		if (r == -ETIMEDOUT && d != TL__DONE_YES)
			return TL_ETIMEDOUT;
	}
	TL__VG_HB_AFTER(&t->done); /* everything the thread did: mark_finished's */
	return 0;
}

int tl_thread_join(tl_thread_t *t, double timeout)
{
	struct timespec buf;
	const struct timespec *deadline;
	int r = tl__join_args(timeout, &buf, &deadline);
	return r ? r : tl_thread_join_until(t, deadline);
}

/* The done word settles who calls release: detach CASes NO -> DETACHED
 * (release stored before, published by the CAS), the thread's final swap
 * to YES reads the old value (acq_rel) and, if DETACHED, calls it; if the
 * thread got there first detach sees YES and calls it itself. Exactly one
 * of the two, after the thread's last touch of t. */
int tl_thread_detach(tl_thread_t *t, void (*release)(tl_thread_t *t))
{
	if (!t || !t->run || t->dummy)
		return TL_EINVAL; /* the main thread and adopted ones are not ours to hand back */
	uint32_t s = atomic_load_explicit(&t->state, memory_order_acquire) & TL__TS_MASK;
	if (s == TL__TS_INITIAL)
		return TL_ESTATE;
	t->release = release;
	TL__VG_HB_BEFORE(&t->done); /* t->release, for the thread's final swap */
	uint32_t d = TL__DONE_NO;
	if (atomic_compare_exchange_strong_explicit(&t->done, &d, TL__DONE_DETACHED, memory_order_acq_rel,
						    memory_order_acquire))
		return 0;
	if (d == TL__DONE_YES) { /* already finished: nothing else touches t */
		TL__VG_HB_AFTER(&t->done);
		if (release)
			release(t);
		return 0;
	}
	return d == TL__DONE_WAITERS ? TL_EBUSY : TL_ESTATE; /* being joined / detached twice */
}

bool tl_thread_is_alive(const tl_thread_t *t)
{
	if (!t)
		return false;
	uint32_t s = atomic_load_explicit(&t->state, memory_order_acquire) & TL__TS_MASK;
	return s == TL__TS_STARTING || s == TL__TS_RUNNING;
}

const char *tl_thread_name(const tl_thread_t *t)
{
	return t ? t->name : NULL;
}

int tl_thread_set_name(tl_thread_t *t, const char *name)
{
	if (!t || !name)
		return TL_EINVAL;
	tl__registry_lock();
	copy_name(t->name, name);
	/* RUNNING under the lock: the thread is between publishing and leaving
	 * the registry, so its pthread_t is valid. */
	uint32_t s = atomic_load_explicit(&t->state, memory_order_acquire) & TL__TS_MASK;
	if (s == TL__TS_RUNNING && t->handle)
		set_os_name(t->handle, t->name);
	tl__registry_unlock();
	return 0;
}

unsigned long tl_thread_ident(const tl_thread_t *t)
{
	if (!t || wait_published(t) == TL__TS_INITIAL)
		return 0;
	return (unsigned long)t->handle;
}

pid_t tl_thread_native_id(const tl_thread_t *t)
{
	if (!t || wait_published(t) == TL__TS_INITIAL)
		return 0;
	return t->native_id;
}

bool tl_thread_daemon(const tl_thread_t *t)
{
	return t && t->daemon;
}

int tl_thread_set_daemon(tl_thread_t *t, bool daemon)
{
	if (!t)
		return TL_EINVAL;
	if ((atomic_load_explicit(&t->state, memory_order_acquire) & TL__TS_MASK) != TL__TS_INITIAL)
		return TL_ESTATE; /* Python: "cannot set daemon status of active thread" */
	t->daemon = daemon;
	return 0;
}

bool tl_thread_is_dummy(const tl_thread_t *t)
{
	return t && t->dummy;
}

int tl_thread_stack_size(size_t size, size_t *old)
{
	if (size != 0 && size < (size_t)PTHREAD_STACK_MIN)
		return TL_EINVAL; /* Python: ValueError below the minimum */
	size_t prev = atomic_exchange_explicit(&g_stack_size, size, memory_order_relaxed);
	if (old)
		*old = prev;
	return 0;
}

unsigned long tl_thread_current_ident(void)
{
	return (unsigned long)pthread_self();
}

pid_t tl_thread_current_native_id(void)
{
	return tl__gettid();
}
