/* threading.Timer: a thread "subclass" that waits on its phase word until an
 * absolute deadline, then calls the function unless cancelled.
 *
 * phase: PENDING -> FIRED (timer thread, at the deadline)
 *        PENDING -> CANCELLED (tl_timer_cancel)
 * Exactly one CAS leaves PENDING, so cancel and the timer thread agree on
 * whether the function runs: the function is called only by the thread
 * whose CAS installed FIRED, and cancel reports success only if its CAS
 * installed CANCELLED. (Python's Timer checks an Event and then calls, so a
 * cancel between the two is lost; this one has no such window.)
 *
 * Memory order: the winning CAS is acq_rel. Cancel -> timer thread: the
 * timer's acquire load of CANCELLED orders nothing it needs (it just exits);
 * the caller's later join gives happens-before with the timer's exit.
 * Wake order: cancel wakes the one waiter (the timer thread).
 */
#include "threadlab/timer.h"

#include "futex.h"
#include "thread_internal.h"

#include <errno.h>
#include <math.h>

enum {
	PENDING = 0,
	CANCELLED = 1,
	FIRED = 2,
};

static void ns_to_timespec(uint64_t ns, struct timespec *ts)
{
	ts->tv_sec = (time_t)(ns / 1000000000u);
	ts->tv_nsec = (long)(ns % 1000000000u);
}

static void timer_run(tl_thread_t *self)
{
	tl_timer_t *t = tl_container_of(self, tl_timer_t, thread);
	uint64_t due = atomic_load_explicit(&t->due_ns, memory_order_relaxed);
	struct timespec dl;
	ns_to_timespec(due, &dl);
	for (;;) {
		uint32_t p = atomic_load_explicit(&t->phase, memory_order_acquire);
		if (p != PENDING)
			return; /* cancelled */
		uint64_t now = tl_monotonic_ns();
		if (now >= due) {
			if (!atomic_compare_exchange_strong_explicit(&t->phase, &p, FIRED, memory_order_acq_rel,
								     memory_order_acquire))
				return; /* cancel won */
			atomic_store_explicit(&t->fired_ns, tl_monotonic_ns(), memory_order_release);
			t->function(t->arg);
			return;
		}
		/* Sleeps until the deadline, a cancel (phase changed: -EAGAIN or a
		 * wake) or a signal; every case loops back and re-checks. */
		tl__futex_wait(&t->phase, PENDING, &dl, 0);
	}
}

int tl_timer_init(tl_timer_t *t, double interval, tl_timer_fn fn, void *arg, const char *name)
{
	if (!t || !fn || isnan(interval) || interval < 0 || interval > 1e9)
		return TL_EINVAL;
	int r = tl_thread_init_run(&t->thread, timer_run, name);
	if (r)
		return r;
	t->function = fn;
	t->arg = arg;
	t->interval = interval;
	atomic_init(&t->due_ns, 0);
	atomic_init(&t->fired_ns, 0);
	atomic_init(&t->phase, PENDING);
	return 0;
}

int tl_timer_start(tl_timer_t *t)
{
	if (!t)
		return TL_EINVAL;
	if ((atomic_load_explicit(&t->thread.state, memory_order_acquire) & TL__TS_MASK) != TL__TS_INITIAL)
		return TL_ESTATE; /* do not move the deadline of a started timer */
	/* Fixed here, not when the thread first runs: thread start latency does
	 * not delay the function. pthread_create orders this store before the
	 * timer thread's load. */
	uint64_t due = tl_monotonic_ns() + (uint64_t)(t->interval * 1e9 + 0.5);
	atomic_store_explicit(&t->due_ns, due, memory_order_relaxed);
	return tl_thread_start(&t->thread);
}

int tl_timer_cancel(tl_timer_t *t)
{
	if (!t)
		return TL_EINVAL;
	uint32_t p = PENDING;
	if (atomic_compare_exchange_strong_explicit(&t->phase, &p, CANCELLED, memory_order_acq_rel,
						    memory_order_acquire)) {
		/* The timer thread may have seen CANCELLED and exited, and the
		 * owner freed t, before this wake: harmless (see thread.c). */
		tl__futex_wake(&t->phase, 1, 0);
		return 0;
	}
	return p == CANCELLED ? 0 : TL_ESTATE;
}

int tl_timer_join_until(tl_timer_t *t, const struct timespec *deadline)
{
	return t ? tl_thread_join_until(&t->thread, deadline) : TL_EINVAL;
}

int tl_timer_join(tl_timer_t *t, double timeout)
{
	return t ? tl_thread_join(&t->thread, timeout) : TL_EINVAL;
}

bool tl_timer_is_alive(const tl_timer_t *t)
{
	return t && tl_thread_is_alive(&t->thread);
}

tl_thread_t *tl_timer_thread(tl_timer_t *t)
{
	return t ? &t->thread : NULL;
}

int tl_timer_lateness(const tl_timer_t *t, uint64_t *late_ns)
{
	if (!t || !late_ns)
		return TL_EINVAL;
	uint64_t fired = atomic_load_explicit(&((tl_timer_t *)t)->fired_ns, memory_order_acquire);
	if (!fired)
		return TL_ESTATE;
	uint64_t due = atomic_load_explicit(&((tl_timer_t *)t)->due_ns, memory_order_relaxed);
	*late_ns = fired > due ? fired - due : 0;
	return 0;
}
