/* timer.c — threading.Timer (tl_timer) and the repeating ticker
 * (tl_ticker): lateness = time the function was entered minus its due
 * time, as counters p50_ns, p90_ns, p99_ns, max_ns over the samples of one
 * repetition (fixed sample counts; 1 ms interval).
 *   timer/oneshot            one Timer per sample: init, start, join;
 *                            lateness from tl_timer_lateness
 *   timer/repeat             one ticker, one sample per tick (catch-up)
 *   timer/nanosleep_oneshot  baselines: the benchmark thread itself sleeps
 *   timer/nanosleep_repeat   with clock_nanosleep(TIMER_ABSTIME) to the same
 *                            due times (no thread, no bookkeeping: the floor)
 */
#include "common.h"

#include "threadlab/timer.h"

#include <stdlib.h>

#define INTERVAL_NS 1000000u

static uint64_t *samples;

static bool alloc_samples(tlb_state *st)
{
	samples = malloc((size_t)tlb_max_iterations(st) * sizeof *samples);
	if (!samples)
		tlb_skip(st, "out of memory for samples");
	return samples != NULL;
}

static void finish(tlb_state *st, size_t n)
{
	bm_report_percentiles(st, samples, n, "");
	free(samples);
	samples = NULL;
}

static void noop(void *arg) { (void)arg; }

static void bm_oneshot(tlb_state *st)
{
	if (!alloc_samples(st))
		return;
	size_t k = 0;
	tl_timer_t t;
	for (int64_t n; (n = tlb_batch(st)) > 0;)
		for (int64_t i = 0; i < n; i++) {
			uint64_t late = 0;
			int rc = tl_timer_init(&t, INTERVAL_NS * 1e-9, noop, NULL, "bench-timer");
			if (rc == 0)
				rc = tl_timer_start(&t);
			if (rc == 0)
				rc = tl_timer_join(&t, TL_FOREVER);
			if (rc == 0)
				rc = tl_timer_lateness(&t, &late);
			if (rc != 0) {
				tlb_skip(st, tl_strerror(rc));
				free(samples);
				return;
			}
			samples[k++] = late;
		}
	finish(st, k);
}

static struct {
	_Atomic uint64_t k, want;
} tk;

static void on_tick(tl_ticker_t *t, const tl_tick_t *tick, void *arg)
{
	(void)arg;
	uint64_t k = atomic_load_explicit(&tk.k, memory_order_relaxed);
	if (k < atomic_load_explicit(&tk.want, memory_order_relaxed)) {
		samples[k] = tick->now_ns - tick->due_ns;
		atomic_store_explicit(&tk.k, k + 1, memory_order_relaxed);
	}
	if (k + 1 >= atomic_load_explicit(&tk.want, memory_order_relaxed))
		tl_ticker_stop(t);
}

static void bm_repeat(tlb_state *st)
{
	if (!alloc_samples(st))
		return;
	static tl_ticker_t t;
	for (int64_t n; (n = tlb_batch(st)) > 0;) {
		atomic_store(&tk.k, 0);
		atomic_store(&tk.want, (uint64_t)n);
		int rc = tl_ticker_init(&t, INTERVAL_NS * 1e-9, on_tick, NULL, TL_TICKER_CATCH_UP, "bench-ticker");
		if (rc == 0)
			rc = tl_ticker_start(&t);
		if (rc == 0)
			rc = tl_ticker_join(&t, TL_FOREVER);
		if (rc != 0) {
			tlb_skip(st, tl_strerror(rc));
			free(samples);
			return;
		}
	}
	finish(st, (size_t)atomic_load(&tk.k));
}

static uint64_t sleep_until(uint64_t due)
{
	struct timespec ts = {(time_t)(due / 1000000000u), (long)(due % 1000000000u)};
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != 0)
		;
	uint64_t now = bm_now_ns();
	return now > due ? now - due : 0;
}

static void bm_nanosleep_oneshot(tlb_state *st)
{
	if (!alloc_samples(st))
		return;
	size_t k = 0;
	for (int64_t n; (n = tlb_batch(st)) > 0;)
		for (int64_t i = 0; i < n; i++)
			samples[k++] = sleep_until(bm_now_ns() + INTERVAL_NS);
	finish(st, k);
}

static void bm_nanosleep_repeat(tlb_state *st)
{
	if (!alloc_samples(st))
		return;
	size_t k = 0;
	for (int64_t n; (n = tlb_batch(st)) > 0;) {
		uint64_t start = bm_now_ns();
		for (int64_t i = 1; i <= n; i++)
			samples[k++] = sleep_until(start + (uint64_t)i * INTERVAL_NS);
	}
	finish(st, k);
}

static void reg(const char *name, const char *baseline, tlb_fn fn)
{
	tlb_bench *b[2];
	bm_reg2(name, fn, &b[0], &b[1]);
	for (int i = 0; i < 2; i++) {
		tlb_real_time(b[i]);
		tlb_unit(b[i], TLB_US);
		tlb_iterations(b[i], i == 0 ? 200 : 20);
		if (baseline)
			tlb_baseline(b[i], baseline);
	}
}

TLB_REGISTER(timer)
{
	reg("timer/oneshot", "timer/nanosleep_oneshot", bm_oneshot);
	reg("timer/repeat", "timer/nanosleep_repeat", bm_repeat);
	reg("timer/nanosleep_oneshot", NULL, bm_nanosleep_oneshot);
	reg("timer/nanosleep_repeat", NULL, bm_nanosleep_repeat);
}
