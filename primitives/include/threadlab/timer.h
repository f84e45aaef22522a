/* threadlab/timer.h — threading.Timer, and a drift-free repeating ticker.
 *
 * Timer (Python: class Timer(Thread)): a thread that calls function(arg)
 * once, `interval` seconds after tl_timer_start, unless cancelled first.
 * It *is* a thread: tl_timer_thread() gives its tl_thread_t for name
 * (default "Thread-N" from the same counter), set_name, daemon (default
 * inherited from the creating thread; set before start), ident, native_id,
 * and it is listed by tl_thread_enumerate while alive. The deadline is an
 * absolute CLOCK_MONOTONIC time fixed by start (not by when the thread gets
 * to run); the function is never called before it.
 *
 * tl_timer_cancel(t) decides, atomically against the timer thread, whether
 * the function runs:
 *   0           the function has not started and never will (also when
 *               called before start, or again after a successful cancel);
 *               the timer thread then exits promptly: join returns.
 *   TL_ESTATE   too late: the function already started (it may still be
 *               running, or have returned; cancel does not wait for it).
 * So "the function ran" iff "cancel returned TL_ESTATE" (when cancel is
 * called once the timer exists; the function runs at most once). Called
 * from inside the function it returns TL_ESTATE.
 *
 * Ticker (the seed's captcha refresher, which re-arms a Timer from its own
 * callback, drifts by the callback's run time and the thread start each
 * period; this does not): tick k (k = 1, 2, ...) is due at
 * start + k * interval, absolute CLOCK_MONOTONIC deadlines computed from the
 * start time, so a late tick never shifts later ones. Policy for ticks whose
 * time passed while a previous tick ran late:
 *   TL_TICKER_CATCH_UP (default, fixed-rate): every tick runs, late ones
 *     back to back, each with its own index and due time;
 *   TL_TICKER_SKIP: ticks whose successor is already due are skipped; the
 *     callback gets the latest due index and how many were skipped.
 * The callback receives a tl_tick_t: index, due time and the time it was
 * entered (lateness = now_ns - due_ns), for benchmarks; tl_ticker_stats()
 * aggregates. tl_ticker_stop() may be called from any thread, also from the
 * callback: no tick *begins* after it returns (one already running on the
 * ticker thread finishes); from inside tick k, exactly k ticks ran.
 *
 * Both objects are caller-owned, as threads: they must outlive their thread
 * (join, or keep them forever for daemon timers never joined).
 *
 * Example (compiled and run by tests/api):
 *
 *   #include <stdatomic.h>
 *
 *   static void ring(void *arg) { atomic_store((atomic_int *)arg, 1); }
 *
 *   int main(void)
 *   {
 *       atomic_int rang = 0, never = 0;
 *       tl_timer_t t, u;
 *       tl_timer_init(&t, 0.01, ring, &rang, NULL);   // Timer(0.01, ring)
 *       tl_timer_start(&t);
 *       tl_timer_join(&t, TL_FOREVER);
 *       int late = tl_timer_cancel(&t);               // it ran: TL_ESTATE
 *       tl_timer_init(&u, 3600, ring, &never, NULL);
 *       tl_timer_start(&u);
 *       int stopped = tl_timer_cancel(&u);            // 0: it never will
 *       tl_timer_join(&u, TL_FOREVER);
 *       return atomic_load(&rang) == 1 && late == TL_ESTATE && stopped == 0 &&
 *              atomic_load(&never) == 0 ? 0 : 1;
 *   }
 */
#ifndef THREADLAB_TIMER_H
#define THREADLAB_TIMER_H

#include "threadlab/common.h"
#include "threadlab/thread.h"


#ifdef __cplusplus
extern "C" {
#endif

typedef void (*tl_timer_fn)(void *arg);

typedef struct tl_timer {
	tl_thread_t thread; /* a Timer is a Thread */
	tl_timer_fn function;
	void *arg;
	double interval;    /* seconds */
	/* internal */
	_Atomic uint64_t due_ns;   /* absolute CLOCK_MONOTONIC, set by start */
	_Atomic uint64_t fired_ns; /* when function was entered; 0 if not (yet) */
	_Atomic uint32_t phase;    /* futex word: pending, cancelled, fired */
} tl_timer_t;

/* interval >= 0 seconds (finite, <= 1e9); fn not NULL; else TL_EINVAL.
 * name NULL or "": "Thread-N". */
int tl_timer_init(tl_timer_t *t, double interval, tl_timer_fn fn, void *arg, const char *name);
int tl_timer_start(tl_timer_t *t);  /* TL_ESTATE if started twice */
int tl_timer_cancel(tl_timer_t *t); /* 0: will never run; TL_ESTATE: already started */
int tl_timer_join(tl_timer_t *t, double timeout); /* as tl_thread_join */
int tl_timer_join_until(tl_timer_t *t, const struct timespec *deadline);
bool tl_timer_is_alive(const tl_timer_t *t);
tl_thread_t *tl_timer_thread(tl_timer_t *t);
/* How late the function was entered (ns after the due time, >= 0);
 * TL_ESTATE if it has not been called (yet, or cancelled). */
int tl_timer_lateness(const tl_timer_t *t, uint64_t *late_ns);

/* ---- repeating ---- */

enum {
	TL_TICKER_CATCH_UP = 0,
	TL_TICKER_SKIP = 1,
};

typedef struct tl_tick {
	uint64_t index;   /* k >= 1: due at start_ns + k * interval_ns */
	uint64_t due_ns;  /* absolute CLOCK_MONOTONIC */
	uint64_t now_ns;  /* when the callback was entered (>= due_ns) */
	uint64_t skipped; /* ticks skipped right before this one (TL_TICKER_SKIP) */
} tl_tick_t;

typedef struct tl_ticker tl_ticker_t;
typedef void (*tl_ticker_fn)(tl_ticker_t *tk, const tl_tick_t *tick, void *arg);

typedef struct tl_ticker_stats {
	uint64_t ticks;       /* callbacks entered */
	uint64_t skipped;     /* ticks skipped (TL_TICKER_SKIP) */
	uint64_t late_max_ns; /* max now_ns - due_ns */
	uint64_t late_sum_ns; /* sum of now_ns - due_ns (mean = sum / ticks) */
} tl_ticker_stats_t;

struct tl_ticker {
	tl_thread_t thread; /* a ticker is a Thread too */
	tl_ticker_fn function;
	void *arg;
	uint64_t interval_ns;
	unsigned flags;
	/* internal */
	_Atomic uint64_t start_ns; /* tick k is due at start_ns + k * interval_ns */
	_Atomic uint32_t ctl;      /* futex word: STOP and IN_TICK bits */
	_Atomic uint64_t ticks, skipped, late_max_ns, late_sum_ns;
};

/* interval > 0 seconds (>= 1 ns, finite, <= 1e9); fn not NULL; flags one of
 * TL_TICKER_CATCH_UP, TL_TICKER_SKIP; else TL_EINVAL. */
int tl_ticker_init(tl_ticker_t *tk, double interval, tl_ticker_fn fn, void *arg, unsigned flags,
		   const char *name);
int tl_ticker_start(tl_ticker_t *tk); /* TL_ESTATE if started twice */
/* No tick begins after this returns; idempotent; before start: the ticker
 * will run no tick. Always 0 (TL_EINVAL for NULL). */
int tl_ticker_stop(tl_ticker_t *tk);
int tl_ticker_join(tl_ticker_t *tk, double timeout);
int tl_ticker_join_until(tl_ticker_t *tk, const struct timespec *deadline);
bool tl_ticker_is_alive(const tl_ticker_t *tk);
tl_thread_t *tl_ticker_thread(tl_ticker_t *tk);
int tl_ticker_stats(const tl_ticker_t *tk, tl_ticker_stats_t *out);

#ifdef __cplusplus
}
#endif
#endif
