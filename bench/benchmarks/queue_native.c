/* queue_native.c — the queues tl_queue is measured against, through the
 * same bodies (queuebody.h):
 *   mutexcond_ring  pthread mutex + two condvars around a ring (fifo), a
 *                   stack (lifo) or a binary heap (prio), every capacity
 *                   (bench/baselines/ring.c)
 *   gasyncqueue     GLib's GAsyncQueue (BM_GLIB, common.h), fifo, unbounded only
 * plus their ping-pong (two queues, one each way). */
#include "queuebody.h"

#include "../baselines/ring.h"

#ifdef BM_GLIB
#include <glib.h>
#endif

static struct {
	_Alignas(BM_CACHELINE) bl_ring r;
	_Alignas(BM_CACHELINE) bl_ring back;
#ifdef BM_GLIB
	GAsyncQueue *gq, *gback;
#endif
} s;

static int r_init(int kind, long cap) { return bl_ring_init(&s.r, kind, cap); }
static void r_destroy(void) { bl_ring_destroy(&s.r); }
static void r_put(void *item, int64_t prio) { bl_ring_put(&s.r, item, prio); }
static void *r_get(void) { return bl_ring_get(&s.r); }
BM_QUEUE_ADAPTER(ring, r_init, r_destroy, r_put, r_get)

static void rpp_init(void) { bl_ring_init(&s.r, BL_FIFO, 0); bl_ring_init(&s.back, BL_FIFO, 0); }
static void rpp_destroy(void) { bl_ring_destroy(&s.r); bl_ring_destroy(&s.back); }
static void rpp_ping(void) { bl_ring_put(&s.r, (void *)1, 0); }
static void rpp_pong(void) { bl_ring_put(&s.back, (void *)1, 0); }
static void rpp_wait_ping(void) { bl_ring_get(&s.r); }
static void rpp_wait_pong(void) { bl_ring_get(&s.back); }
static const struct bm_pingpong_ops rpp = {rpp_init, rpp_destroy, rpp_ping, rpp_wait_pong, rpp_wait_ping, rpp_pong};
static void bm_ring_pingpong(tlb_state *st) { bm_pingpong_run(st, &rpp); }

#ifdef BM_GLIB
static int g_init(int kind, long cap)
{
	if (kind != BM_FIFO || cap != 0)
		return -1;
	s.gq = g_async_queue_new();
	return 0;
}
static void g_destroy(void) { g_async_queue_unref(s.gq); }
static void g_put(void *item, int64_t prio) { (void)prio; g_async_queue_push(s.gq, item); }
static void *g_get(void) { return g_async_queue_pop(s.gq); }
BM_QUEUE_ADAPTER(gasync, g_init, g_destroy, g_put, g_get)

static void gpp_init(void) { s.gq = g_async_queue_new(); s.gback = g_async_queue_new(); }
static void gpp_destroy(void) { g_async_queue_unref(s.gq); g_async_queue_unref(s.gback); }
static void gpp_ping(void) { g_async_queue_push(s.gq, (void *)1); }
static void gpp_pong(void) { g_async_queue_push(s.gback, (void *)1); }
static void gpp_wait_ping(void) { g_async_queue_pop(s.gq); }
static void gpp_wait_pong(void) { g_async_queue_pop(s.gback); }
static const struct bm_pingpong_ops gpp = {gpp_init, gpp_destroy, gpp_ping, gpp_wait_pong, gpp_wait_ping, gpp_pong};
static void bm_gasync_pingpong(tlb_state *st) { bm_pingpong_run(st, &gpp); }
#endif

TLB_REGISTER(queue_native)
{
	static const int64_t fifo[] = {BM_FIFO}, kinds[] = {BM_FIFO, BM_LIFO, BM_PRIO}, caps[] = {1, 64, 1024, 0},
			     unbounded[] = {0};
	bm_queue_register("mutexcond_ring", NULL, bm_ring_put_get, bm_ring_spsc, bm_ring_mpsc, bm_ring_mpmc, kinds,
			  3, caps, 4);
	bm_pingpong_register("mutexcond_ring/pingpong", NULL, bm_ring_pingpong);
	bm_idle_register("mutexcond_ring/idle", NULL, bm_ring_idle);
#ifdef BM_GLIB
	bm_queue_register("gasyncqueue", NULL, bm_gasync_put_get, bm_gasync_spsc, bm_gasync_mpsc, bm_gasync_mpmc, fifo,
			  1, unbounded, 1);
	bm_pingpong_register("gasyncqueue/pingpong", NULL, bm_gasync_pingpong);
#else
	(void)unbounded;
	(void)fifo;
#endif
}
