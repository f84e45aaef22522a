/* simplequeue.c — queue.SimpleQueue (tl_simplequeue) next to GAsyncQueue,
 * its natural C peer (an unbounded FIFO whose push never blocks; without
 * GLib, or under TSan, the mutex + condvar ring instead). The baselines are
 * queue_native.c's rows at the same params:
 *
 *   simplequeue/put_get/kind:0          put then get in one thread (the row
 *                                       scripts/cpython-peer's SimpleQueue
 *                                       row pairs with)
 *   simplequeue/spsc|mpmc/kind:0/cap:0  transfer bodies of queuebody.h (1+1,
 *                                       2+2 threads; kind 0 fifo, cap 0
 *                                       unbounded: all a SimpleQueue is)
 *   simplequeue/pingpong/placement:P    two queues, one each way
 *
 * Each is registered for the default suite and for --quick. */
#include "queuebody.h"

#include "threadlab/simplequeue.h"

/* The baseline rows (queue_native.c): GAsyncQueue when built with GLib,
 * else the mutex + condvar ring, at the same params. */
#ifdef BM_GLIB
#define SQ_BASE "gasyncqueue"
#else
#define SQ_BASE "mutexcond_ring"
#endif

static struct {
	_Alignas(BM_CACHELINE) tl_simplequeue_t q;
	_Alignas(BM_CACHELINE) tl_simplequeue_t back; /* ping-pong's second queue */
} s;

/* ---- uncontended put + get ---- */

static void bm_sq_put_get(tlb_state *st)
{
	if (tl_simplequeue_init(&s.q) < 0) {
		tlb_skip(st, "tl_simplequeue_init failed");
		return;
	}
	for (int64_t n; (n = tlb_batch(st)) > 0;)
		for (int64_t i = 0; i < n; i++) {
			void *x;
			tl_simplequeue_put(&s.q, (void *)(uintptr_t)(i + 1));
			tl_simplequeue_get(&s.q, &x, true, TL_FOREVER);
			TLB_DO_NOT_OPTIMIZE(x);
		}
	tl_simplequeue_destroy(&s.q);
}

/* ---- transfer (queuebody.h) ---- */

static int sq_init(int kind, long cap)
{
	if (kind != BM_FIFO || cap != 0)
		return -1;
	return tl_simplequeue_init(&s.q);
}
static void sq_destroy(void) { tl_simplequeue_destroy(&s.q); }
static void sq_put(void *item, int64_t prio)
{
	(void)prio;
	tl_simplequeue_put(&s.q, item);
}
static void *sq_get(void)
{
	void *item = NULL;
	tl_simplequeue_get(&s.q, &item, true, TL_FOREVER);
	return item;
}
static void bm_sq_spsc(tlb_state *st) { bm_queue_transfer(st, 1, 1, sq_init, sq_destroy, sq_put, sq_get); }
static void bm_sq_mpmc(tlb_state *st) { bm_queue_transfer(st, 2, 2, sq_init, sq_destroy, sq_put, sq_get); }

/* ---- ping-pong ---- */

static void pp_init(void)
{
	tl_simplequeue_init(&s.q);
	tl_simplequeue_init(&s.back);
}
static void pp_destroy(void)
{
	tl_simplequeue_destroy(&s.q);
	tl_simplequeue_destroy(&s.back);
}
static void pp_ping(void) { tl_simplequeue_put(&s.q, (void *)1); }
static void pp_pong(void) { tl_simplequeue_put(&s.back, (void *)1); }
static void pp_wait_ping(void)
{
	void *x;
	tl_simplequeue_get(&s.q, &x, true, TL_FOREVER);
}
static void pp_wait_pong(void)
{
	void *x;
	tl_simplequeue_get(&s.back, &x, true, TL_FOREVER);
}
static const struct bm_pingpong_ops pp = {pp_init, pp_destroy, pp_ping, pp_wait_pong, pp_wait_ping, pp_pong};
static void bm_sq_pingpong(tlb_state *st) { bm_pingpong_run(st, &pp); }

/* ---- registration ---- */

/* put_get: one thread, real time, kind=0 (fifo: the encoding of the
 * baseline's row and of scripts/cpython-peer's), default + quick. */
static void reg_put_get(const char *name, const char *baseline, tlb_fn fn)
{
	static const int64_t fifo[] = {BM_FIFO};
	tlb_bench *b[2];
	bm_reg2(name, fn, &b[0], &b[1]);
	for (int i = 0; i < 2; i++) {
		bm_args1(b[i], "kind", fifo, 1);
		tlb_real_time(b[i]);
		tlb_epochs(b[i]);
		tlb_baseline(b[i], baseline);
	}
}

/* A transfer row at kind=0 (fifo), cap=0 (unbounded), as queuebody.c
 * registers queue_native.c's rows it is paired with (default + quick). */
static void reg_transfer(const char *name, const char *baseline, tlb_fn fn, int threads)
{
	static const char *const argn[] = {"kind", "cap"};
	static const int64_t fifo_unbounded[] = {BM_FIFO, 0};
	tlb_bench *b[2];
	bm_reg2(name, fn, &b[0], &b[1]);
	for (int i = 0; i < 2; i++) {
		tlb_baseline(b[i], baseline);
		tlb_arg_names(b[i], argn, 2);
		tlb_args(b[i], fifo_unbounded, 2);
		tlb_threads(b[i], threads);
		tlb_manual_time(b[i]);
		tlb_min_time(b[i], bm_queue_min_time(threads));
	}
}

TLB_REGISTER(simplequeue)
{
	reg_put_get("simplequeue/put_get", SQ_BASE "/put_get", bm_sq_put_get);
	reg_transfer("simplequeue/spsc", SQ_BASE "/spsc", bm_sq_spsc, 2);
	reg_transfer("simplequeue/mpmc", SQ_BASE "/mpmc", bm_sq_mpmc, 4);
	bm_pingpong_register("simplequeue/pingpong", SQ_BASE "/pingpong", bm_sq_pingpong);
}
