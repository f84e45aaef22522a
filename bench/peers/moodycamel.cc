/* moodycamel.cc — moodycamel::ConcurrentQueue and BlockingConcurrentQueue
 * (Debian libconcurrentqueue-dev) as peers, through the shared queue bodies;
 * fifo per producer (not across producers: the sum check does not care),
 * unbounded; baseline mutexcond_ring like queue/:
 *   moodycamel_cq    enqueue / try_dequeue, get retries (spinwait.h): waits=spin
 *   moodycamel_bcq   enqueue / wait_dequeue (its lightweight semaphore:
 *                    spins a little, then sleeps): waits=block
 *   moodycamel_bcq/pingpong   two BlockingConcurrentQueues, one each way
 *                    (queue/pingpong's peer, baseline mutexcond_ring/pingpong;
 *                    the spinning queue has none: at placement same_core
 *                    both threads share a CPU and a spin only burns it)
 * No producer/consumer tokens: the plain calls a caller writes first.
 */
#include <concurrentqueue/blockingconcurrentqueue.h>
#include <concurrentqueue/concurrentqueue.h>

#include "peer.h"

static moodycamel::ConcurrentQueue<void *> *cq;
static moodycamel::BlockingConcurrentQueue<void *> *bcq;

static int cq_init(int kind, long cap)
{
	if (kind != BM_FIFO || cap != 0)
		return -1;
	cq = new moodycamel::ConcurrentQueue<void *>();
	return 0;
}
static void cq_destroy(void)
{
	delete cq;
	cq = nullptr;
}
static void cq_put(void *item, int64_t) { cq->enqueue(item); }
static void *cq_get(void)
{
	void *item = nullptr;
	for (unsigned w = 0; !cq->try_dequeue(item);)
		bm_peer_wait(&w);
	return item;
}
BM_QUEUE_ADAPTER(cq, cq_init, cq_destroy, cq_put, cq_get)

static int bcq_init(int kind, long cap)
{
	if (kind != BM_FIFO || cap != 0)
		return -1;
	bcq = new moodycamel::BlockingConcurrentQueue<void *>();
	return 0;
}
static void bcq_destroy(void)
{
	delete bcq;
	bcq = nullptr;
}
static void bcq_put(void *item, int64_t) { bcq->enqueue(item); }
static void *bcq_get(void)
{
	void *item = nullptr;
	bcq->wait_dequeue(item);
	return item;
}
BM_QUEUE_ADAPTER(bcq, bcq_init, bcq_destroy, bcq_put, bcq_get)

static moodycamel::BlockingConcurrentQueue<void *> *back;
static void pp_init(void)
{
	bcq = new moodycamel::BlockingConcurrentQueue<void *>();
	back = new moodycamel::BlockingConcurrentQueue<void *>();
}
static void pp_destroy(void)
{
	delete bcq;
	delete back;
	bcq = back = nullptr;
}
static void pp_ping(void) { bcq->enqueue((void *)1); }
static void pp_pong(void) { back->enqueue((void *)1); }
static void pp_wait_ping(void)
{
	void *x;
	bcq->wait_dequeue(x);
}
static void pp_wait_pong(void)
{
	void *x;
	back->wait_dequeue(x);
}
static const struct bm_pingpong_ops pp = {pp_init, pp_destroy, pp_ping, pp_wait_pong, pp_wait_ping, pp_pong};
static void bm_bcq_pingpong(tlb_state *st) { bm_pingpong_run(st, &pp); }

TLB_REGISTER(peer_moodycamel)
{
	static const int64_t unbounded[] = {0};
	tlb_peer_begin("moodycamel", TLB_WAITS_SPIN, nullptr);
	bm_queue_register_peer("moodycamel_cq", "mutexcond_ring", bm_cq_put_get, bm_cq_spsc, bm_cq_mpmc, unbounded, 1,
			       false);
	tlb_peer_end();
	tlb_peer_begin("moodycamel", TLB_WAITS_BLOCK, nullptr);
	bm_queue_register_peer("moodycamel_bcq", "mutexcond_ring", bm_bcq_put_get, bm_bcq_spsc, bm_bcq_mpmc, unbounded,
			       1, false);
	bm_peer_pingpong_register("moodycamel_bcq/pingpong", "mutexcond_ring/pingpong", bm_bcq_pingpong);
	bm_idle_register("moodycamel_bcq/idle", "mutexcond_ring/idle", bm_bcq_idle);
	tlb_peer_end();
}
