/* timer — seed section 十三 (定时器): the captcha refresher. Code() makes a
 * 4-character code and re-arms a Timer(interval, make_cache) from inside
 * make_cache; check() compares the user's input with the cache and, on
 * success, cancels the timer.
 *
 * rearm:  the seed's way, one tl_timer per refresh, re-armed from the
 *         callback. Each period also pays the callback and a thread start,
 *         so tick k drifts later and later behind start + k * interval.
 * ticker: tl_ticker, whose deadlines are start + k * interval: per-tick
 *         lateness stays small and does not accumulate.
 *
 * The "user" (the main thread) waits for `ticks` refreshes, types the
 * current code and cancels. Counters: lateness per tick against the ideal
 * schedule (p50, max, and the last tick's = the accumulated drift), that
 * the typed code verified, how the cancel went, and that no refresh
 * happened after check() (the cancel guarantee).
 *
 * The cache is shared by the timer threads and the checker: it lives under
 * a tl_lock. The "enough ticks" signal is a Python-Lock handoff: the main
 * thread holds `reached` and blocks acquiring it again; the callback of
 * tick `ticks` releases it (a Lock has no owner).
 */
#include "workload.h"

#include "threadlab/common.h"
#include "threadlab/lock.h"
#include "threadlab/timer.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { V_REARM, V_TICKER };

static const struct tlw_variant variants[] = {
	[V_REARM] = { "rearm", TLW_CLEAN, "the seed: a new Timer armed from each callback" },
	[V_TICKER] = { "ticker", TLW_CLEAN, "tl_ticker: absolute deadlines start + k * interval" },
};

static const struct tlw_param params[] = {
	{ "ticks", 50, 10, 1, 100000, NULL, "refreshes before the user types the code", 0 },
	{ "interval_us", 10000, 5000, 100, 60000000, NULL, "refresh interval (the seed: 5 s)", 0 },
};

struct code {
	tl_lock_t lock; /* guards everything below */
	char cache[5];
	uint64_t rng;
	bool stopped;
	int ticks, nfired, max_timers, ntimers;
	tl_timer_t *timers; /* rearm: one per refresh, all joined at the end */
	tl_timer_t *cur;
	double t0, interval;
	double *fire_at;    /* per tick, seconds (rearm: when make_cache ran) */
	double *late;       /* per tick, seconds behind the ideal schedule */
	double *own_late;   /* rearm: behind its own timer's deadline */
	int refreshed_after_check;
	tl_lock_t reached;  /* handoff: released by the tick that reaches `ticks` */
	uint64_t stop_ns;   /* ticker: when stop returned */
	atomic_ullong ticks_after_stop;
};

/* make_code(): random.choice of a digit or an upper-case letter, 4 times. */
static void make_code(struct code *s)
{
	for (int i = 0; i < 4; i++) {
		s->rng = s->rng * 6364136223846793005u + 1442695040888963407u;
		unsigned r = (unsigned)(s->rng >> 33);
		s->cache[i] = (r & 1) ? (char)('0' + (r >> 1) % 10) : (char)('A' + (r >> 1) % 26);
	}
	s->cache[4] = '\0';
}

/* Records one refresh (lock held). */
static void refreshed(struct code *s, double now, double own_late)
{
	if (s->stopped) {
		s->refreshed_after_check++;
		return;
	}
	make_code(s);
	int k = s->nfired++;
	if (k < s->max_timers) {
		s->fire_at[k] = now;
		s->own_late[k] = own_late;
	}
	if (k == s->ticks)
		tl_lock_release(&s->reached); /* tick `ticks` (0 is the first make_cache) */
}

static void make_cache(void *arg)
{
	struct code *s = arg;
	double now = tlw_now();
	tl_lock_acquire(&s->lock, true, TL_FOREVER);
	double own = 0;
	uint64_t late_ns;
	if (s->cur && tl_timer_lateness(s->cur, &late_ns) == 0)
		own = (double)late_ns / 1e9;
	bool stopped = s->stopped;
	refreshed(s, now, own);
	/* self.t = Timer(interval, self.make_cache); self.t.start() */
	if (!stopped && s->ntimers < s->max_timers) {
		tl_timer_t *t = &s->timers[s->ntimers++];
		tl_timer_init(t, s->interval, make_cache, s, NULL);
		tl_timer_start(t);
		s->cur = t;
	}
	tl_lock_release(&s->lock);
}

static void on_tick(tl_ticker_t *tk, const tl_tick_t *tick, void *arg)
{
	(void)tk;
	struct code *s = arg;
	tl_lock_acquire(&s->lock, true, TL_FOREVER);
	if (s->stop_ns && tick->now_ns > s->stop_ns)
		atomic_fetch_add(&s->ticks_after_stop, 1);
	refreshed(s, (double)tick->now_ns / 1e9, (double)(tick->now_ns - tick->due_ns) / 1e9);
	tl_lock_release(&s->lock);
}

static int run(struct tlw_ctx *c)
{
	struct code *s = calloc(1, sizeof *s);
	if (!s)
		return tlw_fail(c, TL_ENOMEM, "out of memory");
	s->ticks = (int)tlw_p(c, "ticks");
	s->interval = (double)tlw_p(c, "interval_us") / 1e6;
	s->max_timers = s->ticks + 16;
	s->timers = calloc((size_t)s->max_timers, sizeof *s->timers);
	s->fire_at = calloc((size_t)s->max_timers, sizeof *s->fire_at);
	s->late = calloc((size_t)s->max_timers, sizeof *s->late);
	s->own_late = calloc((size_t)s->max_timers, sizeof *s->own_late);
	s->rng = 0x5eed;
	int r = 0;
	if (!s->timers || !s->fire_at || !s->late || !s->own_late) {
		r = tlw_fail(c, TL_ENOMEM, "out of memory");
		goto out;
	}
	tl_lock_init(&s->lock, TL_PRIVATE);
	tl_lock_init(&s->reached, TL_PRIVATE);
	tl_lock_acquire(&s->reached, true, TL_FOREVER);

	tl_ticker_t tk;
	double t0 = tlw_now();
	if (c->variant == V_REARM) {
		make_cache(s); /* Code.__init__: self.make_cache() */
	} else {
		/* tick 0 is the first make_cache, as in the seed; the ticker's
		 * tick k is then refresh k. */
		tl_lock_acquire(&s->lock, true, TL_FOREVER);
		refreshed(s, t0, 0);
		tl_lock_release(&s->lock);
		tl_ticker_init(&tk, s->interval, on_tick, s, TL_TICKER_CATCH_UP, "captcha");
		tl_ticker_start(&tk);
	}

	/* check(): wait until `ticks` refreshes happened, then type the code. */
	tl_lock_acquire(&s->reached, true, TL_FOREVER);
	char typed[5];
	tl_lock_acquire(&s->lock, true, TL_FOREVER);
	for (int i = 0; i < 5; i++) /* inp.upper() == self.cache */
		typed[i] = s->cache[i] >= 'a' && s->cache[i] <= 'z' ? (char)(s->cache[i] - 32) : s->cache[i];
	bool verified = strcmp(typed, s->cache) == 0 && strlen(typed) == 4;
	s->stopped = true;
	tl_timer_t *cur = s->cur;
	tl_lock_release(&s->lock);
	int cancel = 0;
	if (c->variant == V_REARM) {
		cancel = cur ? tl_timer_cancel(cur) : 0; /* self.t.cancel() */
		/* Every timer ever armed ends: cancelled, or fired and not re-armed. */
		for (;;) {
			tl_lock_acquire(&s->lock, true, TL_FOREVER);
			int n = s->ntimers;
			tl_lock_release(&s->lock);
			int k;
			for (k = 0; k < n; k++)
				tl_timer_join(&s->timers[k], TL_FOREVER);
			tl_lock_acquire(&s->lock, true, TL_FOREVER);
			bool more = s->ntimers != n;
			tl_lock_release(&s->lock);
			if (!more)
				break;
		}
	} else {
		tl_ticker_stop(&tk);
		uint64_t stop = tl_monotonic_ns();
		tl_lock_acquire(&s->lock, true, TL_FOREVER);
		s->stop_ns = stop;
		tl_lock_release(&s->lock);
		tl_ticker_join(&tk, TL_FOREVER);
	}
	double wall = tlw_now() - t0;

	/* Lateness against the ideal schedule: tick k due at fire_at[0] + k * interval. */
	int n = s->nfired < s->max_timers ? s->nfired : s->max_timers;
	int m = 0;
	double drift = 0;
	for (int k = 1; k < n; k++) {
		double l = s->fire_at[k] - (s->fire_at[0] + k * s->interval);
		s->late[m] = l;
		s->own_late[m] = s->own_late[k]; /* k >= m: compacted in place */
		m++;
		if (k == s->ticks)
			drift = l;
	}
	tlw_counter(c, "wall_s", wall);
	tlw_counter(c, "ticks", s->nfired - 1);
	tlw_counter(c, "interval_ms", s->interval * 1e3);
	tlw_counter_p50_max(c, "late", "ms", s->late, m, 1e3);
	tlw_counter(c, "drift_ms", drift * 1e3);
	tlw_counter_p50_max(c, "own_late", "ms", s->own_late, m, 1e3);
	tlw_counter(c, "verified", verified);
	tlw_counter(c, "cancel_in_time", cancel == 0);
	tlw_counter(c, "refreshed_after_check", s->refreshed_after_check);
	tlw_counter(c, "ticks_after_stop", (double)atomic_load(&s->ticks_after_stop));
	tlw_counter(c, "timer_threads", c->variant == V_REARM ? s->ntimers : 1);
	tlw_note(c, "last code %s; tick %d was %.3f ms behind start + k * interval", s->cache, s->ticks, drift * 1e3);
	tl_lock_release(&s->reached);
	tl_lock_destroy(&s->reached);
	tl_lock_destroy(&s->lock);
out:
	free(s->timers);
	free(s->fire_at);
	free(s->late);
	free(s->own_late);
	free(s);
	return r;
}

TLW_REGISTER(timer,
	     .lesson = "seed §13 Timer: the captcha refresher, Timer re-armed per tick vs a drift-free ticker",
	     .baseline = "ticker",
	     .run = run);
