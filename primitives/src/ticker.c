/* Repeating timer without drift: tick k is due at start + k * interval, an
 * absolute CLOCK_MONOTONIC deadline computed from the start time (never
 * from the previous tick's end), so lateness does not accumulate.
 *
 * ctl (futex word): STOP | IN_TICK.
 *   A tick begins with the CAS 0 -> IN_TICK (acquire) and ends with a
 *   fetch_and(~IN_TICK) that also reports a STOP set meanwhile.
 *   tl_ticker_stop is one fetch_or(STOP): if it comes first, the CAS fails
 *   and no tick begins; if the CAS came first, that tick had begun before
 *   stop returned. Hence "no tick begins after stop returns", and a stop
 *   from inside tick k ends the ticker after exactly k ticks.
 * Wake order: stop wakes the one waiter (the ticker thread), which may be
 * sleeping until the next due time.
 * Stats: written only by the ticker thread (relaxed stores); readers get
 * each field atomically, consistent with each other after a join.
 */
#include "threadlab/timer.h"

#include "futex.h"
#include "thread_internal.h"

#include <math.h>

enum {
	STOP = 1,
	IN_TICK = 2,
};

static void ns_to_timespec(uint64_t ns, struct timespec *ts)
{
	ts->tv_sec = (time_t)(ns / 1000000000u);
	ts->tv_nsec = (long)(ns % 1000000000u);
}

static void account(tl_ticker_t *tk, uint64_t late, uint64_t skipped)
{
	memory_order r = memory_order_relaxed;
	atomic_store_explicit(&tk->ticks, atomic_load_explicit(&tk->ticks, r) + 1, r);
	atomic_store_explicit(&tk->late_sum_ns, atomic_load_explicit(&tk->late_sum_ns, r) + late, r);
	if (late > atomic_load_explicit(&tk->late_max_ns, r))
		atomic_store_explicit(&tk->late_max_ns, late, r);
	if (skipped)
		atomic_store_explicit(&tk->skipped, atomic_load_explicit(&tk->skipped, r) + skipped, r);
}

static void ticker_run(tl_thread_t *self)
{
	tl_ticker_t *tk = tl_container_of(self, tl_ticker_t, thread);
	const uint64_t start = atomic_load_explicit(&tk->start_ns, memory_order_relaxed);
	const uint64_t iv = tk->interval_ns;
	for (uint64_t k = 1;; k++) {
		uint64_t due = start + k * iv;
		struct timespec dl;
		ns_to_timespec(due, &dl);
		uint64_t now;
		for (;;) {
			uint32_t c = atomic_load_explicit(&tk->ctl, memory_order_acquire);
			if (c & STOP)
				return;
			now = tl_monotonic_ns();
			if (now >= due)
				break;
			tl__futex_wait(&tk->ctl, c, &dl, 0); /* deadline, stop, or spurious */
		}
		uint64_t skipped = 0;
		if ((tk->flags & TL_TICKER_SKIP) && now - due >= iv) {
			skipped = (now - due) / iv; /* later slots already due: run the latest */
			k += skipped;
			due += skipped * iv;
		}
		uint32_t zero = 0;
		if (!atomic_compare_exchange_strong_explicit(&tk->ctl, &zero, IN_TICK, memory_order_acquire,
							     memory_order_acquire))
			return; /* stopped */
		tl_tick_t tick = { .index = k, .due_ns = due, .now_ns = tl_monotonic_ns(), .skipped = skipped };
		account(tk, tick.now_ns - due, skipped);
		tk->function(tk, &tick, tk->arg);
		if (atomic_fetch_and_explicit(&tk->ctl, ~(uint32_t)IN_TICK, memory_order_acq_rel) & STOP)
			return;
	}
}

int tl_ticker_init(tl_ticker_t *tk, double interval, tl_ticker_fn fn, void *arg, unsigned flags,
		   const char *name)
{
	if (!tk || !fn || isnan(interval) || interval <= 0 || interval > 1e9 ||
	    (flags != TL_TICKER_CATCH_UP && flags != TL_TICKER_SKIP))
		return TL_EINVAL;
	long long ns = (long long)(interval * 1e9 + 0.5);
	if (ns < 1)
		return TL_EINVAL;
	int r = tl_thread_init_run(&tk->thread, ticker_run, name);
	if (r)
		return r;
	tk->function = fn;
	tk->arg = arg;
	tk->interval_ns = (uint64_t)ns;
	tk->flags = flags;
	atomic_init(&tk->start_ns, 0);
	atomic_init(&tk->ctl, 0);
	atomic_init(&tk->ticks, 0);
	atomic_init(&tk->skipped, 0);
	atomic_init(&tk->late_max_ns, 0);
	atomic_init(&tk->late_sum_ns, 0);
	return 0;
}

int tl_ticker_start(tl_ticker_t *tk)
{
	if (!tk)
		return TL_EINVAL;
	if ((atomic_load_explicit(&tk->thread.state, memory_order_acquire) & TL__TS_MASK) != TL__TS_INITIAL)
		return TL_ESTATE;
	/* The origin of every deadline; pthread_create orders it before the
	 * ticker thread's load. */
	atomic_store_explicit(&tk->start_ns, tl_monotonic_ns(), memory_order_relaxed);
	return tl_thread_start(&tk->thread);
}

int tl_ticker_stop(tl_ticker_t *tk)
{
	if (!tk)
		return TL_EINVAL;
	uint32_t old = atomic_fetch_or_explicit(&tk->ctl, STOP, memory_order_acq_rel);
	if (!(old & STOP))
		tl__futex_wake(&tk->ctl, 1, 0); /* may hit a freed word: harmless, see thread.c */
	return 0;
}

int tl_ticker_join_until(tl_ticker_t *tk, const struct timespec *deadline)
{
	return tk ? tl_thread_join_until(&tk->thread, deadline) : TL_EINVAL;
}

int tl_ticker_join(tl_ticker_t *tk, double timeout)
{
	return tk ? tl_thread_join(&tk->thread, timeout) : TL_EINVAL;
}

bool tl_ticker_is_alive(const tl_ticker_t *tk)
{
	return tk && tl_thread_is_alive(&tk->thread);
}

tl_thread_t *tl_ticker_thread(tl_ticker_t *tk)
{
	return tk ? &tk->thread : NULL;
}

int tl_ticker_stats(const tl_ticker_t *ctk, tl_ticker_stats_t *out)
{
	if (!ctk || !out)
		return TL_EINVAL;
	tl_ticker_t *tk = (tl_ticker_t *)ctk;
	memory_order r = memory_order_relaxed;
	out->ticks = atomic_load_explicit(&tk->ticks, r);
	out->skipped = atomic_load_explicit(&tk->skipped, r);
	out->late_max_ns = atomic_load_explicit(&tk->late_max_ns, r);
	out->late_sum_ns = atomic_load_explicit(&tk->late_sum_ns, r);
	return 0;
}
