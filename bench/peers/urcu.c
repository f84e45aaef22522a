/* urcu.c — liburcu's wait-free concurrent queue (Debian liburcu-dev,
 * urcu/wfcqueue.h) as a peer, through the shared queue bodies:
 *   urcu_wfcq   cds_wfcq_enqueue (wait-free) / cds_wfcq_dequeue_blocking
 *               (dequeuers serialised by the queue's mutex, "blocking" only
 *               in that sense: it returns NULL when the queue is empty and
 *               get retries, spinwait.h): waits=spin. fifo, unbounded;
 *               baseline mutexcond_ring like queue/.
 * The queue is intrusive: each item travels in a malloc'd node, freed by
 * the consumer (what a caller without its own node storage pays).
 * liburcu is C, so is this adapter; _LGPL_SOURCE inlines the queue ops.
 */
#define _LGPL_SOURCE
#include "../benchmarks/queuebody.h"
#include "spinwait.h"

#include <stdlib.h>
#include <urcu/wfcqueue.h>

struct node {
	struct cds_wfcq_node n;
	void *item;
};

static struct {
	_Alignas(BM_CACHELINE) struct cds_wfcq_head head;
	_Alignas(BM_CACHELINE) struct cds_wfcq_tail tail;
} s;

static int q_init(int kind, long cap)
{
	if (kind != BM_FIFO || cap != 0)
		return -1;
	cds_wfcq_init(&s.head, &s.tail);
	return 0;
}
static void q_destroy(void) { cds_wfcq_destroy(&s.head, &s.tail); }

static void q_put(void *item, int64_t prio)
{
	(void)prio;
	struct node *nd = malloc(sizeof *nd);
	if (!nd)
		abort(); /* a benchmark out of memory: crash the row, not fake it */
	cds_wfcq_node_init(&nd->n);
	nd->item = item;
	cds_wfcq_enqueue(&s.head, &s.tail, &nd->n);
}
static void *q_get(void)
{
	struct cds_wfcq_node *n;
	for (unsigned w = 0; !(n = cds_wfcq_dequeue_blocking(&s.head, &s.tail));)
		bm_peer_wait(&w);
	struct node *nd = caa_container_of(n, struct node, n);
	void *item = nd->item;
	free(nd);
	return item;
}
BM_QUEUE_ADAPTER(wfcq, q_init, q_destroy, q_put, q_get)

TLB_REGISTER(peer_urcu)
{
	static const int64_t unbounded[] = {0};
	tlb_peer_begin("urcu", TLB_WAITS_SPIN, NULL);
	bm_queue_register_peer("urcu_wfcq", "mutexcond_ring", bm_wfcq_put_get, bm_wfcq_spsc, bm_wfcq_mpmc, unbounded,
			       1, false);
	tlb_peer_end();
}
