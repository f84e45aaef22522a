/* spscq.c — tl_spscq (the single-producer single-consumer FIFO) through the
 * shared queue bodies (queuebody.h): put_get and the 1+1 transfer, next to
 * the mutex + condvar ring and the SPSC peers (ck_ring SPSC, atomic_queue's
 * SPSC queue), which register with the same baseline. */
#include "queuebody.h"

#include "threadlab/spscq.h"

static struct {
	_Alignas(BM_CACHELINE) tl_spscq_t q;
} s;

static int q_init(int kind, long cap)
{
	if (kind != BM_FIFO)
		return -1;
	return tl_spscq_init(&s.q, cap > 0 ? cap : 1024); /* put_get asks for 0: never fills 1024 */
}
static void q_destroy(void) { tl_spscq_destroy(&s.q); }
static void q_put(void *item, int64_t prio)
{
	(void)prio;
	tl_spscq_put(&s.q, item, true, TL_FOREVER);
}
static void *q_get(void)
{
	void *item = NULL;
	tl_spscq_get(&s.q, &item, true, TL_FOREVER);
	return item;
}
BM_QUEUE_ADAPTER(spscq, q_init, q_destroy, q_put, q_get)

TLB_REGISTER(spscq)
{
	static const int64_t caps[] = {1024, 1};
	bm_queue_register_peer("spscq", "mutexcond_ring", bm_spscq_put_get, bm_spscq_spsc, NULL, caps, 2, true);
}
