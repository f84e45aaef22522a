/* Timer and Ticker, modelled on CPython's TimerTests (test_threading.py)
 * and the seed's section 十三 (Timer, the captcha refresher). Cancellation
 * is proven by return codes and joins, never by waiting "long enough":
 * a cancelled timer's thread is joined, then the callback count checked. */
#include "gate.h"
#include "task.h"
#include "threadlab/timer.h"
#include "vg_annotate.h"

#include <math.h>
#include <sched.h>
#include <stdatomic.h>

struct counter {
	_Atomic int n;
	_Atomic uint64_t entered_ns;
	gate_t called;
};

static void count_call(void *arg)
{
	struct counter *c = arg;
	atomic_store(&c->entered_ns, tl_monotonic_ns());
	atomic_fetch_add(&c->n, 1);
	gate_open(&c->called);
}

/* ---- one-shot Timer ---- */

TEST_IMPL(timer_fires_once)
{
	struct counter c = { .called = GATE_INIT };
	tl_timer_t t;
	ASSERT_OK(tl_timer_init(&t, 0.01, count_call, &c, NULL));
	uint64_t before = tl_monotonic_ns();
	ASSERT_OK(tl_timer_start(&t));
	gate_wait(&c.called); /* "after 0.01 seconds, hello world is printed" */
	ASSERT_OK(tl_timer_join(&t, TL_FOREVER));
	ASSERT_EQ(atomic_load(&c.n), 1);
	ASSERT_FALSE(tl_timer_is_alive(&t));
	/* Never early: entered at or after the absolute deadline set by start. */
	ASSERT_GE(atomic_load(&c.entered_ns), atomic_load(&t.due_ns));
	ASSERT_GE(atomic_load(&t.due_ns), before + 10 * 1000 * 1000);
	uint64_t late = 1;
	ASSERT_OK(tl_timer_lateness(&t, &late));
	ASSERT_EQ(late, atomic_load(&t.fired_ns) - atomic_load(&t.due_ns));
	ASSERT_EQ(tl_timer_cancel(&t), TL_ESTATE); /* too late: it ran */
	return 0;
}

TEST_IMPL(timer_cancel_before_fire)
{
	struct counter c = { .called = GATE_INIT };
	tl_timer_t t;
	ASSERT_OK(tl_timer_init(&t, 3600, count_call, &c, NULL));
	ASSERT_OK(tl_timer_start(&t));
	ASSERT_EQ(tl_timer_join(&t, 0), TL_ETIMEDOUT);
	ASSERT_TRUE(tl_timer_is_alive(&t));
	ASSERT_OK(tl_timer_cancel(&t));
	/* The timer thread wakes at once and exits: join returns, and only then
	 * is the count read — the callback did not and will not run. */
	ASSERT_OK(tl_timer_join(&t, TL_FOREVER));
	ASSERT_EQ(atomic_load(&c.n), 0);
	ASSERT_OK(tl_timer_cancel(&t)); /* idempotent */
	uint64_t late;
	ASSERT_EQ(tl_timer_lateness(&t, &late), TL_ESTATE);
	return 0;
}

TEST_IMPL(timer_cancel_before_start)
{
	struct counter c = { .called = GATE_INIT };
	tl_timer_t t;
	ASSERT_OK(tl_timer_init(&t, 0, count_call, &c, NULL));
	ASSERT_OK(tl_timer_cancel(&t)); /* Python: cancel() before start() is allowed */
	ASSERT_OK(tl_timer_start(&t));
	ASSERT_OK(tl_timer_join(&t, TL_FOREVER));
	ASSERT_EQ(atomic_load(&c.n), 0);
	return 0;
}

struct selfcancel {
	tl_timer_t t;
	int r;
};

static void cancel_self(void *arg)
{
	struct selfcancel *s = arg;
	s->r = tl_timer_cancel(&s->t);
}

TEST_IMPL(timer_cancel_inside_callback)
{
	struct selfcancel s = { .r = 99 };
	ASSERT_OK(tl_timer_init(&s.t, 0, cancel_self, &s, NULL));
	ASSERT_OK(tl_timer_start(&s.t));
	ASSERT_OK(tl_timer_join(&s.t, TL_FOREVER));
	ASSERT_EQ(s.r, TL_ESTATE);
	return 0;
}

/* Many zero-interval timers, each cancelled right after start: whichever
 * side wins, the callback ran iff cancel said it was too late. */
TEST_IMPL(timer_cancel_race)
{
	enum { N = 400 };
	static tl_timer_t t[N];
	static struct counter c[N];
	int r[N];
	for (int i = 0; i < N; i++) {
		atomic_init(&c[i].n, 0);
		ASSERT_OK(tl_timer_init(&t[i], 0, count_call, &c[i], NULL));
		ASSERT_OK(tl_timer_start(&t[i]));
		if (i % 7 == 0)
			sched_yield(); /* vary who wins; correctness does not depend on it */
		r[i] = tl_timer_cancel(&t[i]);
		ASSERT(r[i] == 0 || r[i] == TL_ESTATE);
	}
	int ran = 0, cancelled = 0;
	for (int i = 0; i < N; i++) {
		ASSERT_OK(tl_timer_join(&t[i], TL_FOREVER));
		int n = atomic_load(&c[i].n);
		ASSERT_EQ(n, r[i] == TL_ESTATE ? 1 : 0);
		ran += n;
		cancelled += r[i] == 0;
	}
	ASSERT_EQ(ran + cancelled, N);
	return 0;
}

/* The same race with the cancel coming from another thread, concurrently
 * with further starts. */
static tl_timer_t rt[300];
static struct counter rc[300];
static int rres[300];
static _Atomic int published;

static void canceller(void *arg)
{
	(void)arg;
	for (int i = 0; i < 300; i++) {
		while (atomic_load_explicit(&published, memory_order_acquire) <= i)
			sched_yield();
		TL__VG_HB_AFTER(&published); /* Helgrind/DRD: the release below */
		rres[i] = tl_timer_cancel(&rt[i]);
	}
}

TEST_IMPL(timer_cancel_race_other_thread)
{
	tl_thread_t ct;
	TL__VG_IGNORE(&published, sizeof published); /* an atomic: cannot race */
	ASSERT_OK(tl_thread_init(&ct, canceller, NULL, "canceller"));
	ASSERT_OK(tl_thread_start(&ct));
	for (int i = 0; i < 300; i++) {
		ASSERT_OK(tl_timer_init(&rt[i], 0, count_call, &rc[i], NULL));
		ASSERT_OK(tl_timer_start(&rt[i]));
		TL__VG_HB_BEFORE(&published);
		atomic_store_explicit(&published, i + 1, memory_order_release);
	}
	ASSERT_OK(tl_thread_join(&ct, TL_FOREVER));
	for (int i = 0; i < 300; i++) {
		ASSERT_OK(tl_timer_join(&rt[i], TL_FOREVER));
		ASSERT(rres[i] == 0 || rres[i] == TL_ESTATE);
		ASSERT_EQ(atomic_load(&rc[i].n), rres[i] == TL_ESTATE ? 1 : 0);
	}
	return 0;
}

/* Python: class Timer(Thread) — it has a name, a daemon flag, is listed. */
TEST_IMPL(timer_is_a_thread)
{
	struct counter c = { .called = GATE_INIT };
	tl_timer_t t, named;
	ASSERT_OK(tl_timer_init(&t, 3600, count_call, &c, NULL));
	ASSERT_STR_EQ(tl_thread_name(tl_timer_thread(&t)), "Thread-1");
	ASSERT_OK(tl_timer_init(&named, 3600, count_call, &c, "refresher"));
	ASSERT_STR_EQ(tl_thread_name(tl_timer_thread(&named)), "refresher");
	ASSERT_FALSE(tl_thread_daemon(tl_timer_thread(&t))); /* inherited from main */
	ASSERT_OK(tl_thread_set_daemon(tl_timer_thread(&t), true));
	ASSERT_EQ(tl_timer_join(&t, TL_FOREVER), TL_ESTATE); /* before start */
	ASSERT_OK(tl_timer_start(&t));
	ASSERT_EQ(tl_timer_start(&t), TL_ESTATE);
	ASSERT_EQ(tl_thread_set_daemon(tl_timer_thread(&t), false), TL_ESTATE);
	ASSERT_EQ(tl_thread_active_count(), 2);
	tl_thread_t *list[4];
	ASSERT_EQ(tl_thread_enumerate(list, 4), 2);
	ASSERT(list[1] == tl_timer_thread(&t));
	ASSERT_GT(tl_thread_native_id(tl_timer_thread(&t)), 0);
	ASSERT_OK(tl_timer_cancel(&t));
	ASSERT_OK(tl_timer_join(&t, TL_FOREVER));
	ASSERT_EQ(tl_thread_active_count(), 1);
	ASSERT_EQ(atomic_load(&c.n), 0);
	return 0;
}

/* test_init_immutable_default_args in C terms: each timer calls its own
 * function with its own argument. */
static void record_arg(void *arg)
{
	atomic_fetch_add((_Atomic int *)arg, 1);
}

TEST_IMPL(timer_own_args)
{
	_Atomic int a = 0, b = 0;
	tl_timer_t t1, t2;
	ASSERT_OK(tl_timer_init(&t1, 0.001, record_arg, &a, NULL));
	ASSERT_OK(tl_timer_init(&t2, 0.001, record_arg, &b, NULL));
	ASSERT_OK(tl_timer_start(&t1));
	ASSERT_OK(tl_timer_start(&t2));
	ASSERT_OK(tl_timer_join(&t1, TL_FOREVER));
	ASSERT_OK(tl_timer_join(&t2, TL_FOREVER));
	ASSERT_EQ(atomic_load(&a), 1);
	ASSERT_EQ(atomic_load(&b), 1);
	return 0;
}

TEST_IMPL(timer_errors)
{
	tl_timer_t t;
	ASSERT_EQ(tl_timer_init(&t, -1, record_arg, NULL, NULL), TL_EINVAL);
	ASSERT_EQ(tl_timer_init(&t, 0.0 / 0.0, record_arg, NULL, NULL), TL_EINVAL);
	ASSERT_EQ(tl_timer_init(&t, 1e12, record_arg, NULL, NULL), TL_EINVAL);
	ASSERT_EQ(tl_timer_init(&t, 1, NULL, NULL, NULL), TL_EINVAL);
	ASSERT_EQ(tl_timer_init(NULL, 1, record_arg, NULL, NULL), TL_EINVAL);
	ASSERT_EQ(tl_timer_start(NULL), TL_EINVAL);
	ASSERT_EQ(tl_timer_cancel(NULL), TL_EINVAL);
	ASSERT_EQ(tl_timer_join(NULL, 0), TL_EINVAL);
	ASSERT_OK(tl_timer_init(&t, 1, record_arg, NULL, NULL));
	uint64_t late;
	ASSERT_EQ(tl_timer_lateness(&t, NULL), TL_EINVAL);
	ASSERT_EQ(tl_timer_lateness(&t, &late), TL_ESTATE);
	ASSERT_OK(tl_timer_start(&t));
	ASSERT_EQ(tl_timer_join(&t, -5), TL_ETIMEDOUT); /* as Thread.join: clamped to 0 */
	ASSERT_EQ(tl_timer_join(&t, NAN), TL_EINVAL);
	ASSERT_OK(tl_timer_cancel(&t));
	ASSERT_OK(tl_timer_join(&t, TL_FOREVER));
	return 0;
}

/* ---- Ticker ---- */

#define MAXT 64

struct rec {
	int stop_at;        /* stop from inside the callback at this call count */
	uint64_t stall_until_ticks; /* tick 1 stays busy until due + this many intervals */
	int calls;
	tl_tick_t ticks[MAXT];
	int stop_r;
	gate_t *at_call3;
	gate_t *hold3;
};

static void record_tick(tl_ticker_t *tk, const tl_tick_t *tick, void *arg)
{
	struct rec *r = arg;
	ASSERT_LT(r->calls, MAXT);
	r->ticks[r->calls++] = *tick;
	if (r->calls == 1 && r->stall_until_ticks) {
		/* Make this tick overrun its successors (clock, not sync). */
		uint64_t until = tick->due_ns + r->stall_until_ticks * tk->interval_ns;
		while (tl_monotonic_ns() < until)
			sched_yield();
	}
	if (r->calls == 3 && r->at_call3) {
		gate_open(r->at_call3);
		gate_wait(r->hold3);
	}
	if (r->calls == r->stop_at)
		r->stop_r = tl_ticker_stop(tk);
}

static void check_no_drift(const tl_ticker_t *tk, const struct rec *r)
{
	uint64_t start = atomic_load(&((tl_ticker_t *)tk)->start_ns);
	for (int i = 0; i < r->calls; i++) {
		const tl_tick_t *t = &r->ticks[i];
		ASSERT_EQ(t->due_ns, start + t->index * tk->interval_ns); /* absolute, exact */
		ASSERT_GE(t->now_ns, t->due_ns);                         /* never early */
		if (i)
			ASSERT_GT(t->index, r->ticks[i - 1].index);
	}
}

TEST_IMPL(ticker_stop_inside_at_k)
{
	enum { K = 5 };
	struct rec r = { .stop_at = K };
	tl_ticker_t tk;
	ASSERT_OK(tl_ticker_init(&tk, 0.001, record_tick, &r, TL_TICKER_CATCH_UP, NULL));
	ASSERT_OK(tl_ticker_start(&tk));
	ASSERT_OK(tl_ticker_join(&tk, TL_FOREVER)); /* ends by itself after tick K */
	ASSERT_EQ(r.calls, K);
	ASSERT_OK(r.stop_r);
	for (int i = 0; i < K; i++) {
		ASSERT_EQ(r.ticks[i].index, (uint64_t)i + 1); /* catch-up: none missing */
		ASSERT_EQ(r.ticks[i].skipped, 0);
	}
	check_no_drift(&tk, &r);
	tl_ticker_stats_t st;
	ASSERT_OK(tl_ticker_stats(&tk, &st));
	ASSERT_EQ(st.ticks, K);
	ASSERT_EQ(st.skipped, 0);
	uint64_t sum = 0, max = 0;
	for (int i = 0; i < K; i++) {
		uint64_t late = r.ticks[i].now_ns - r.ticks[i].due_ns;
		sum += late;
		max = late > max ? late : max;
	}
	ASSERT_EQ(st.late_sum_ns, sum);
	ASSERT_EQ(st.late_max_ns, max);
	return 0;
}

TEST_IMPL(ticker_stop_inside_at_k_skip)
{
	enum { K = 4 };
	struct rec r = { .stop_at = K };
	tl_ticker_t tk;
	ASSERT_OK(tl_ticker_init(&tk, 0.0005, record_tick, &r, TL_TICKER_SKIP, NULL));
	ASSERT_OK(tl_ticker_start(&tk));
	ASSERT_OK(tl_ticker_join(&tk, TL_FOREVER));
	ASSERT_EQ(r.calls, K); /* exactly K callbacks, whatever was skipped */
	check_no_drift(&tk, &r);
	uint64_t skipped = 0;
	for (int i = 0; i < K; i++) {
		uint64_t prev = i ? r.ticks[i - 1].index : 0;
		ASSERT_EQ(r.ticks[i].index, prev + 1 + r.ticks[i].skipped);
		skipped += r.ticks[i].skipped;
	}
	tl_ticker_stats_t st;
	ASSERT_OK(tl_ticker_stats(&tk, &st));
	ASSERT_EQ(st.ticks, K);
	ASSERT_EQ(st.skipped, skipped);
	return 0;
}

/* A late tick does not shift later ones. Tick 1 overruns until tick 4 is
 * due: catch-up runs 2, 3, 4 at once with their original due times. */
TEST_IMPL(ticker_late_tick_catch_up)
{
	struct rec r = { .stop_at = 4, .stall_until_ticks = 3 };
	tl_ticker_t tk;
	ASSERT_OK(tl_ticker_init(&tk, 0.002, record_tick, &r, TL_TICKER_CATCH_UP, NULL));
	ASSERT_OK(tl_ticker_start(&tk));
	ASSERT_OK(tl_ticker_join(&tk, TL_FOREVER));
	ASSERT_EQ(r.calls, 4);
	for (int i = 0; i < 4; i++)
		ASSERT_EQ(r.ticks[i].index, (uint64_t)i + 1);
	check_no_drift(&tk, &r);
	/* Ticks 2..4 were all due before tick 1 returned. */
	for (int i = 1; i < 4; i++)
		ASSERT_GE(r.ticks[i].now_ns, r.ticks[3].due_ns);
	return 0;
}

/* Same overrun with TL_TICKER_SKIP: the two slots after the first callback's
 * (at least) are skipped, the next callback is for a slot >= first + 3,
 * still on the original grid. (The first callback may itself be for a slot
 * > 1 if the thread started late.) */
TEST_IMPL(ticker_late_tick_skip)
{
	struct rec r = { .stop_at = 2, .stall_until_ticks = 3 };
	tl_ticker_t tk;
	ASSERT_OK(tl_ticker_init(&tk, 0.002, record_tick, &r, TL_TICKER_SKIP, NULL));
	ASSERT_OK(tl_ticker_start(&tk));
	ASSERT_OK(tl_ticker_join(&tk, TL_FOREVER));
	ASSERT_EQ(r.calls, 2);
	ASSERT_EQ(r.ticks[0].index, 1 + r.ticks[0].skipped);
	ASSERT_GE(r.ticks[1].index, r.ticks[0].index + 3);
	ASSERT_EQ(r.ticks[1].skipped, r.ticks[1].index - r.ticks[0].index - 1);
	check_no_drift(&tk, &r);
	tl_ticker_stats_t st;
	ASSERT_OK(tl_ticker_stats(&tk, &st));
	ASSERT_EQ(st.skipped, r.ticks[0].skipped + r.ticks[1].skipped);
	return 0;
}

TEST_IMPL(ticker_stop_before_start)
{
	struct rec r = { .stop_at = -1 };
	tl_ticker_t tk;
	ASSERT_OK(tl_ticker_init(&tk, 0.000001, record_tick, &r, TL_TICKER_CATCH_UP, NULL));
	ASSERT_OK(tl_ticker_stop(&tk));
	ASSERT_OK(tl_ticker_start(&tk));
	ASSERT_OK(tl_ticker_join(&tk, TL_FOREVER));
	ASSERT_EQ(r.calls, 0);
	return 0;
}

/* Stopped from another thread while tick 3 runs: tick 3 finishes, no
 * further tick begins. */
TEST_IMPL(ticker_stop_from_other_thread)
{
	gate_t at3 = GATE_INIT, hold3 = GATE_INIT;
	struct rec r = { .stop_at = -1, .at_call3 = &at3, .hold3 = &hold3 };
	tl_ticker_t tk;
	ASSERT_OK(tl_ticker_init(&tk, 0.0001, record_tick, &r, TL_TICKER_CATCH_UP, "ticker"));
	ASSERT_OK(tl_ticker_start(&tk));
	gate_wait(&at3);
	ASSERT_EQ(tl_ticker_join(&tk, 0), TL_ETIMEDOUT);
	ASSERT_TRUE(tl_ticker_is_alive(&tk));
	ASSERT_OK(tl_ticker_stop(&tk));
	ASSERT_OK(tl_ticker_stop(&tk)); /* idempotent */
	gate_open(&hold3);
	ASSERT_OK(tl_ticker_join(&tk, TL_FOREVER));
	ASSERT_EQ(r.calls, 3);
	ASSERT_FALSE(tl_ticker_is_alive(&tk));
	ASSERT_STR_EQ(tl_thread_name(tl_ticker_thread(&tk)), "ticker");
	return 0;
}

/* Stop racing free-running ticks: after stop returns at most the tick that
 * had already begun completes. */
struct churn {
	_Atomic int begun;
	gate_t some;
};

static void churn_tick(tl_ticker_t *tk, const tl_tick_t *tick, void *arg)
{
	(void)tk;
	(void)tick;
	struct churn *c = arg;
	if (atomic_fetch_add(&c->begun, 1) + 1 == 2)
		gate_open(&c->some);
}

TEST_IMPL(ticker_stop_race)
{
	for (int round = 0; round < 20; round++) {
		struct churn c = { .some = GATE_INIT };
		atomic_init(&c.begun, 0);
		tl_ticker_t tk;
		ASSERT_OK(tl_ticker_init(&tk, 0.00001, churn_tick, &c, round % 2 ? TL_TICKER_SKIP : 0, NULL));
		ASSERT_OK(tl_ticker_start(&tk));
		gate_wait(&c.some);
		ASSERT_OK(tl_ticker_stop(&tk));
		int at_stop = atomic_load(&c.begun);
		ASSERT_OK(tl_ticker_join(&tk, TL_FOREVER));
		int final = atomic_load(&c.begun);
		ASSERT_GE(final, at_stop);
		ASSERT_LE(final, at_stop + 1);
		tl_ticker_stats_t st;
		ASSERT_OK(tl_ticker_stats(&tk, &st));
		ASSERT_EQ(st.ticks, (uint64_t)final);
	}
	return 0;
}

TEST_IMPL(ticker_errors)
{
	struct rec r = { .stop_at = 1 };
	tl_ticker_t tk;
	ASSERT_EQ(tl_ticker_init(&tk, 0, record_tick, &r, 0, NULL), TL_EINVAL);
	ASSERT_EQ(tl_ticker_init(&tk, -1, record_tick, &r, 0, NULL), TL_EINVAL);
	ASSERT_EQ(tl_ticker_init(&tk, 1e-12, record_tick, &r, 0, NULL), TL_EINVAL);
	ASSERT_EQ(tl_ticker_init(&tk, 0.0 / 0.0, record_tick, &r, 0, NULL), TL_EINVAL);
	ASSERT_EQ(tl_ticker_init(&tk, 1, NULL, &r, 0, NULL), TL_EINVAL);
	ASSERT_EQ(tl_ticker_init(&tk, 1, record_tick, &r, 7, NULL), TL_EINVAL);
	ASSERT_EQ(tl_ticker_stop(NULL), TL_EINVAL);
	ASSERT_EQ(tl_ticker_start(NULL), TL_EINVAL);
	tl_ticker_stats_t st;
	ASSERT_EQ(tl_ticker_stats(NULL, &st), TL_EINVAL);
	ASSERT_OK(tl_ticker_init(&tk, 0.001, record_tick, &r, 0, NULL));
	ASSERT_EQ(tl_ticker_join(&tk, 0), TL_ESTATE);
	ASSERT_OK(tl_ticker_start(&tk));
	ASSERT_EQ(tl_ticker_start(&tk), TL_ESTATE);
	ASSERT_OK(tl_ticker_join(&tk, TL_FOREVER)); /* stop_at = 1 */
	ASSERT_EQ(r.calls, 1);
	return 0;
}

/* ---- the seed in a child process ---- */

static char out_buf[4096];

/* "t = Timer(1, hello); t.start()" and the script ends: the non-daemon
 * timer thread is waited for, so hello, world is printed. The callback
 * holds its line until exit() has begun, so the line proves the wait. */
static tl_timer_t s_timer;
static gate_t s_exiting = GATE_INIT;

static void hello(void *arg)
{
	if (arg)
		gate_wait(arg);
	say("hello, world\n");
}

static void open_exiting(void)
{
	gate_open(&s_exiting);
}

TEST_IMPL(seed_timer_holds_process)
{
	if (scenario()) {
		ASSERT_OK(tl_timer_init(&s_timer, 0.01, hello, &s_exiting, NULL));
		ASSERT_OK(tl_timer_start(&s_timer));
		ASSERT_OK(atexit(open_exiting)); /* runs before the exit routine */
		say("main-return\n");
		return 0;
	}
	int st = spawn_scenario("seed_timer_holds_process", "1", out_buf, sizeof out_buf);
	ASSERT(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	ASSERT_STR_EQ(out_buf, "main-return\nhello, world\n");
	return 0;
}

/* A daemon timer far in the future does not hold the process. */
TEST_IMPL(daemon_timer_does_not_hold_process)
{
	if (scenario()) {
		ASSERT_OK(tl_timer_init(&s_timer, 3600, hello, NULL, NULL));
		ASSERT_OK(tl_thread_set_daemon(tl_timer_thread(&s_timer), true));
		ASSERT_OK(tl_timer_start(&s_timer));
		say("main-return\n");
		return 0;
	}
	int st = spawn_scenario("daemon_timer_does_not_hold_process", "1", out_buf, sizeof out_buf);
	ASSERT(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	ASSERT_STR_EQ(out_buf, "main-return\n");
	return 0;
}

/* The captcha refresher: a new code every interval (drift-free ticker
 * instead of a Timer re-armed from its callback); the checker succeeds
 * during the third code and stops the refresher — the non-daemon refresher
 * then no longer holds the process. */
static tl_ticker_t s_refresher;
static gate_t s_code3 = GATE_INIT, s_checked = GATE_INIT;
static char s_cache[8];

static void make_cache(tl_ticker_t *tk, const tl_tick_t *tick, void *arg)
{
	(void)tk;
	(void)arg;
	static const char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	uint64_t x = tick->index * 2654435761u;
	for (int i = 0; i < 4; i++)
		s_cache[i] = alphabet[(x >> (5 * i)) % 36];
	s_cache[4] = '\0';
	char line[32];
	snprintf(line, sizeof line, "code %llu\n", (unsigned long long)tick->index);
	say(line);
	if (tick->index == 3) {
		gate_open(&s_code3);
		gate_wait(&s_checked);
	}
}

TEST_IMPL(seed_captcha_refresher)
{
	if (scenario()) {
		ASSERT_OK(tl_ticker_init(&s_refresher, 0.005, make_cache, NULL, TL_TICKER_CATCH_UP, NULL));
		ASSERT_FALSE(tl_thread_daemon(tl_ticker_thread(&s_refresher)));
		ASSERT_OK(tl_ticker_start(&s_refresher));
		gate_wait(&s_code3); /* the user types the third code */
		ASSERT_EQ(strlen(s_cache), 4);
		say("verified\n");
		ASSERT_OK(tl_ticker_stop(&s_refresher)); /* self.t.cancel() */
		gate_open(&s_checked);
		return 0;
	}
	int st = spawn_scenario("seed_captcha_refresher", "1", out_buf, sizeof out_buf);
	ASSERT(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	ASSERT_STR_EQ(out_buf, "code 1\ncode 2\ncode 3\nverified\n");
	return 0;
}

TEST_LIST_BEGIN
TEST_ENTRY(timer_fires_once)
TEST_ENTRY(timer_cancel_before_fire)
TEST_ENTRY(timer_cancel_before_start)
TEST_ENTRY(timer_cancel_inside_callback)
TEST_ENTRY(timer_cancel_race)
TEST_ENTRY(timer_cancel_race_other_thread)
TEST_ENTRY(timer_is_a_thread)
TEST_ENTRY(timer_own_args)
TEST_ENTRY(timer_errors)
TEST_ENTRY(ticker_stop_inside_at_k)
TEST_ENTRY(ticker_stop_inside_at_k_skip)
TEST_ENTRY(ticker_late_tick_catch_up)
TEST_ENTRY(ticker_late_tick_skip)
TEST_ENTRY(ticker_stop_before_start)
TEST_ENTRY(ticker_stop_from_other_thread)
TEST_ENTRY(ticker_stop_race)
TEST_ENTRY(ticker_errors)
TEST_ENTRY(seed_timer_holds_process)
TEST_ENTRY(daemon_timer_does_not_hold_process)
TEST_ENTRY(seed_captcha_refresher)
TEST_LIST_END
