/* event.c — threading.Event (tl_event):
 *   event/set_clear     set() then clear() in one thread (no waiters)
 *   event/is_set        is_set() in one thread
 *       baselines: c11_atomic/set_clear, c11_atomic/is_set (a bare
 *       atomic flag: the floor an Event's bookkeeping adds to)
 *   event/pingpong      two Events: set one, wait + clear the other;
 *                       baseline the raw futex ping-pong (futex_native.c)
 *   event/wake_latency  set() to the waiter running; baseline raw futex
 */
#include "common.h"

#include "threadlab/event.h"

static struct {
	_Alignas(BM_CACHELINE) tl_event_t a;
	_Alignas(BM_CACHELINE) tl_event_t b;
	_Alignas(BM_CACHELINE) _Atomic uint32_t flag;
} s;

static void bm_set_clear(tlb_state *st)
{
	tl_event_init(&s.a, TL_PRIVATE);
	for (int64_t n; (n = tlb_batch(st)) > 0;)
		for (int64_t i = 0; i < n; i++) {
			tl_event_set(&s.a);
			tl_event_clear(&s.a);
		}
	tl_event_destroy(&s.a);
}

static void bm_is_set(tlb_state *st)
{
	tl_event_init(&s.a, TL_PRIVATE);
	for (int64_t n; (n = tlb_batch(st)) > 0;)
		for (int64_t i = 0; i < n; i++)
			TLB_DO_NOT_OPTIMIZE(tl_event_is_set(&s.a));
	tl_event_destroy(&s.a);
}

/* The floor: a flag word with release stores and acquire loads. */
static void bm_atomic_set_clear(tlb_state *st)
{
	for (int64_t n; (n = tlb_batch(st)) > 0;)
		for (int64_t i = 0; i < n; i++) {
			atomic_store_explicit(&s.flag, 1, memory_order_release);
			atomic_store_explicit(&s.flag, 0, memory_order_release);
		}
}

static void bm_atomic_is_set(tlb_state *st)
{
	for (int64_t n; (n = tlb_batch(st)) > 0;)
		for (int64_t i = 0; i < n; i++)
			TLB_DO_NOT_OPTIMIZE(atomic_load_explicit(&s.flag, memory_order_acquire));
}

static void pp_init(void)
{
	tl_event_init(&s.a, TL_PRIVATE);
	tl_event_init(&s.b, TL_PRIVATE);
}
static void pp_destroy(void)
{
	tl_event_destroy(&s.a);
	tl_event_destroy(&s.b);
}
static void ping(void) { tl_event_set(&s.a); }
static void wait_ping(void)
{
	tl_event_wait(&s.a, TL_FOREVER);
	tl_event_clear(&s.a);
}
static void pong(void) { tl_event_set(&s.b); }
static void wait_pong(void)
{
	tl_event_wait(&s.b, TL_FOREVER);
	tl_event_clear(&s.b);
}
static const struct bm_pingpong_ops pp = {pp_init, pp_destroy, ping, wait_pong, wait_ping, pong};
static void bm_pingpong(tlb_state *st) { bm_pingpong_run(st, &pp); }

static void wk_wait(void) { tl_event_wait(&s.a, TL_FOREVER); }
static void wk_rearm(void) { tl_event_clear(&s.a); }
static const struct bm_wake_ops wk = {pp_init, pp_destroy, wk_wait, ping, wk_rearm};
static void bm_wake_latency(tlb_state *st) { bm_wake_run(st, &wk); }

static void reg_single(const char *name, const char *baseline, tlb_fn fn)
{
	tlb_bench *b[2];
	bm_reg2(name, fn, &b[0], &b[1]);
	for (int i = 0; i < 2; i++) {
		tlb_real_time(b[i]);
		tlb_epochs(b[i]);
		if (baseline)
			tlb_baseline(b[i], baseline);
	}
}

TLB_REGISTER(event)
{
	reg_single("event/set_clear", "c11_atomic/set_clear", bm_set_clear);
	reg_single("event/is_set", "c11_atomic/is_set", bm_is_set);
	reg_single("c11_atomic/set_clear", NULL, bm_atomic_set_clear);
	reg_single("c11_atomic/is_set", NULL, bm_atomic_is_set);
	bm_pingpong_register("event/pingpong", "futex/pingpong", bm_pingpong);
	bm_wake_register("event/wake_latency", "futex/wake_latency", bm_wake_latency);
}
