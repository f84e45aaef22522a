/* atomic_queue.cc — Maxim Egorushkin's atomic_queue (Debian
 * libatomic-queue-dev) as peers, through the shared queue bodies; every one
 * busy-waits (waits=spin), fifo, cap 1024; baseline mutexcond_ring like queue/:
 *   atomic_queue_b           AtomicQueueB<void *>: try_push / try_pop, retried
 *                            with spinwait.h (pause, yield every 64)
 *   atomic_queue_optimist_b  the same queue through push / pop, which spin in
 *                            the queue itself (pause only): the library's
 *                            "OptimistAtomicQueueB"; put_get and spsc only:
 *                            4 threads on fewer CPUs spin a time slice away
 *                            per handoff (seconds per mpmc row)
 *   atomic_queue_spsc_b      AtomicQueueB<..., SPSC = true> (spsc rows only)
 * Items are never NULL (the bodies count from 1), the queues' empty value.
 * put_get asks for capacity 0: it gets 1024 too (one item in flight).
 */
#include <atomic_queue/atomic_queue.h>

#include "peer.h"

using aq_b = atomic_queue::AtomicQueueB<void *>;
using aq_spsc = atomic_queue::AtomicQueueB<void *, std::allocator<void *>, nullptr, true, false, true>;

static aq_b *qb;
static aq_spsc *qs;
constexpr unsigned kCap = 1024;

static int b_init(int kind, long)
{
	if (kind != BM_FIFO)
		return -1;
	qb = new aq_b(kCap);
	return 0;
}
static void b_destroy(void)
{
	delete qb;
	qb = nullptr;
}
static void b_put(void *item, int64_t)
{
	for (unsigned w = 0; !qb->try_push(item);)
		bm_peer_wait(&w);
}
static void *b_get(void)
{
	void *item = nullptr;
	for (unsigned w = 0; !qb->try_pop(item);)
		bm_peer_wait(&w);
	return item;
}
BM_QUEUE_ADAPTER(aq_b, b_init, b_destroy, b_put, b_get)

static void o_put(void *item, int64_t) { qb->push(item); }
static void *o_get(void) { return qb->pop(); }
BM_QUEUE_ADAPTER(aq_optimist, b_init, b_destroy, o_put, o_get)

static int s_init(int kind, long)
{
	if (kind != BM_FIFO)
		return -1;
	qs = new aq_spsc(kCap);
	return 0;
}
static void s_destroy(void)
{
	delete qs;
	qs = nullptr;
}
static void s_put(void *item, int64_t)
{
	for (unsigned w = 0; !qs->try_push(item);)
		bm_peer_wait(&w);
}
static void *s_get(void)
{
	void *item = nullptr;
	for (unsigned w = 0; !qs->try_pop(item);)
		bm_peer_wait(&w);
	return item;
}
BM_QUEUE_ADAPTER(aq_spsc, s_init, s_destroy, s_put, s_get)

TLB_REGISTER(peer_atomic_queue)
{
	static const int64_t cap1024[] = {1024};
	tlb_peer_begin("atomic_queue", TLB_WAITS_SPIN, nullptr);
	bm_queue_register_peer("atomic_queue_b", "mutexcond_ring", bm_aq_b_put_get, bm_aq_b_spsc, bm_aq_b_mpmc, cap1024,
			       1, false);
	bm_queue_register_peer("atomic_queue_optimist_b", "mutexcond_ring", bm_aq_optimist_put_get, bm_aq_optimist_spsc,
			       nullptr, cap1024, 1, true);
	bm_queue_register_peer("atomic_queue_spsc_b", "mutexcond_ring", bm_aq_spsc_put_get, bm_aq_spsc_spsc, nullptr,
			       cap1024, 1, true);
	tlb_peer_end();
}
