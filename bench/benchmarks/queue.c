/* queue.c — queue.Queue / LifoQueue / PriorityQueue (tl_queue) through the
 * shared queue bodies (queuebody.h), plus queue/pingpong. Baseline: the
 * mutex + two condvar ring (queue_native.c: mutexcond_ring, gasyncqueue). */
#include "queuebody.h"

#include "threadlab/queue.h"

static struct {
	_Alignas(BM_CACHELINE) tl_queue_t q;
	_Alignas(BM_CACHELINE) tl_queue_t back; /* ping-pong's second queue */
	int kind;
} s;

static int q_init(int kind, long cap)
{
	s.kind = kind;
	return tl_queue_init(&s.q, (tl_queue_kind_t)kind, cap);
}
static void q_destroy(void) { tl_queue_destroy(&s.q); }
static void q_put(void *item, int64_t prio)
{
	if (s.kind == BM_PRIO)
		tl_queue_put_prio(&s.q, item, prio, true, TL_FOREVER);
	else
		tl_queue_put(&s.q, item, true, TL_FOREVER);
}
static void *q_get(void)
{
	void *item = NULL;
	if (s.kind == BM_PRIO)
		tl_queue_get_prio(&s.q, &item, NULL, true, TL_FOREVER);
	else
		tl_queue_get(&s.q, &item, true, TL_FOREVER);
	return item;
}
BM_QUEUE_ADAPTER(queue, q_init, q_destroy, q_put, q_get)

/* ping-pong: two unbounded FIFO queues, one each way */
static void pp_init(void)
{
	tl_queue_init(&s.q, TL_QUEUE_FIFO, 0);
	tl_queue_init(&s.back, TL_QUEUE_FIFO, 0);
}
static void pp_destroy(void)
{
	tl_queue_destroy(&s.q);
	tl_queue_destroy(&s.back);
}
static void pp_ping(void) { tl_queue_put(&s.q, (void *)1, true, TL_FOREVER); }
static void pp_pong(void) { tl_queue_put(&s.back, (void *)1, true, TL_FOREVER); }
static void pp_wait_ping(void)
{
	void *x;
	tl_queue_get(&s.q, &x, true, TL_FOREVER);
}
static void pp_wait_pong(void)
{
	void *x;
	tl_queue_get(&s.back, &x, true, TL_FOREVER);
}
static const struct bm_pingpong_ops pp = {pp_init, pp_destroy, pp_ping, pp_wait_pong, pp_wait_ping, pp_pong};
static void bm_pingpong(tlb_state *st) { bm_pingpong_run(st, &pp); }

TLB_REGISTER(queue)
{
	static const int64_t kinds[] = {BM_FIFO, BM_LIFO, BM_PRIO}, caps[] = {1, 64, 1024, 0};
	bm_queue_register("queue", "mutexcond_ring", bm_queue_put_get, bm_queue_spsc, bm_queue_mpsc,
			  bm_queue_mpmc, kinds, 3, caps, 4);
	bm_pingpong_register("queue/pingpong", "mutexcond_ring/pingpong", bm_pingpong);
	bm_idle_register("queue/idle", "mutexcond_ring/idle", bm_queue_idle);
}
