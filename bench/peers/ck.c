/* ck.c — Concurrency Kit (Debian libck-dev) as a peer, through the shared
 * bodies; everything here spins (waits=spin):
 *   ck_spinlock_fas, ck_spinlock_ticket, ck_spinlock_mcs   lock rows,
 *       baseline pthread_mutex like lock/ (lockbody.h); MCS takes a queue
 *       node per acquisition: one per thread (_Thread_local), a thread
 *       holds at most one of these locks at a time here
 *   ck_ring_spsc, ck_ring_mpmc   queue rows (queuebody.h), baseline
 *       mutexcond_ring like queue/; fifo, cap 1024 (ck_ring's size: a ring
 *       of size 1024 holds 1023 items); put/get retry (spinwait.h)
 *   The three locks are also lockjoin's --lock ck_fas / ck_ticket / ck_mcs
 *       (worklock.h) in tl-workload, but have no lesson row in tl-bench: 100
 *       threads on a few CPUs spinning while the holder sleeps 1 ms does
 *       not fit (on 2 vCPUs, lockjoin/lock takes 3 s with ck_fas and 17-19 s
 *       with ticket or MCS, each handoff waiting for the next in line to be
 *       scheduled, against 0.12 s for tl_lock: the lesson of what spinning
 *       costs when threads outnumber CPUs, and too slow for make bench)
 * Concurrency Kit is C, so is this adapter.
 * With TLP_TABLES_ONLY (tl-workload): the locks' tables only (worklock.h).
 */
#include "../benchmarks/lockbody.h"
#include "../benchmarks/queuebody.h"
#include "spinwait.h"
#include "worklock.h"

#include <ck_ring.h>
#include <ck_spinlock.h>
#include <stdlib.h>

static inline void fas_init(ck_spinlock_fas_t *l) { ck_spinlock_fas_init(l); }
static inline void fas_destroy(ck_spinlock_fas_t *l) { (void)l; }
static inline void fas_lock(ck_spinlock_fas_t *l) { ck_spinlock_fas_lock(l); }
static inline void fas_unlock(ck_spinlock_fas_t *l) { ck_spinlock_fas_unlock(l); }
TLP_LOCK_TABLE(ck_fas, "ck_fas", "ck", "ck_spinlock_fas", "ck_spinlock_fas", "spin", ck_spinlock_fas_t, fas_init,
	       fas_destroy, fas_lock, fas_unlock)

static inline void tk_init(ck_spinlock_ticket_t *l) { ck_spinlock_ticket_init(l); }
static inline void tk_destroy(ck_spinlock_ticket_t *l) { (void)l; }
static inline void tk_lock(ck_spinlock_ticket_t *l) { ck_spinlock_ticket_lock(l); }
static inline void tk_unlock(ck_spinlock_ticket_t *l) { ck_spinlock_ticket_unlock(l); }
TLP_LOCK_TABLE(ck_ticket, "ck_ticket", "ck", "ck_spinlock_ticket", "ck_spinlock_ticket", "spin",
	       ck_spinlock_ticket_t, tk_init, tk_destroy, tk_lock, tk_unlock)

static _Thread_local ck_spinlock_mcs_context_t mcs_node;
static inline void mcs_init(ck_spinlock_mcs_t *l) { ck_spinlock_mcs_init(l); }
static inline void mcs_destroy(ck_spinlock_mcs_t *l) { (void)l; }
static inline void mcs_lock(ck_spinlock_mcs_t *l) { ck_spinlock_mcs_lock(l, &mcs_node); }
static inline void mcs_unlock(ck_spinlock_mcs_t *l) { ck_spinlock_mcs_unlock(l, &mcs_node); }
TLP_LOCK_TABLE(ck_mcs, "ck_mcs", "ck", "ck_spinlock_mcs", "ck_spinlock_mcs", "spin", ck_spinlock_mcs_t, mcs_init,
	       mcs_destroy, mcs_lock, mcs_unlock)

#ifndef TLP_TABLES_ONLY
BM_LOCK_ADAPTER(ck_fas, ck_spinlock_fas_t, fas_init, fas_destroy, fas_lock, fas_unlock)
BM_LOCK_ADAPTER(ck_ticket, ck_spinlock_ticket_t, tk_init, tk_destroy, tk_lock, tk_unlock)
BM_LOCK_ADAPTER(ck_mcs, ck_spinlock_mcs_t, mcs_init, mcs_destroy, mcs_lock, mcs_unlock)

#define RING_SIZE 1024

static struct {
	_Alignas(BM_CACHELINE) ck_ring_t r;
	ck_ring_buffer_t *buf;
} s;

static int ring_init(int kind, long cap)
{
	(void)cap; /* registered at cap 1024 only; put_get asks for 0 */
	if (kind != BM_FIFO)
		return -1;
	s.buf = calloc(RING_SIZE, sizeof *s.buf);
	if (!s.buf)
		return -1;
	ck_ring_init(&s.r, RING_SIZE);
	return 0;
}
static void ring_destroy(void)
{
	free(s.buf);
	s.buf = NULL;
}

static void spsc_put(void *item, int64_t prio)
{
	(void)prio;
	for (unsigned w = 0; !ck_ring_enqueue_spsc(&s.r, s.buf, item);)
		bm_peer_wait(&w);
}
static void *spsc_get(void)
{
	void *item = NULL;
	for (unsigned w = 0; !ck_ring_dequeue_spsc(&s.r, s.buf, &item);)
		bm_peer_wait(&w);
	return item;
}
BM_QUEUE_ADAPTER(ck_spsc, ring_init, ring_destroy, spsc_put, spsc_get)

static void mpmc_put(void *item, int64_t prio)
{
	(void)prio;
	for (unsigned w = 0; !ck_ring_enqueue_mpmc(&s.r, s.buf, item);)
		bm_peer_wait(&w);
}
static void *mpmc_get(void)
{
	void *item = NULL;
	for (unsigned w = 0; !ck_ring_dequeue_mpmc(&s.r, s.buf, &item);)
		bm_peer_wait(&w);
	return item;
}
BM_QUEUE_ADAPTER(ck_mpmc, ring_init, ring_destroy, mpmc_put, mpmc_get)

TLB_REGISTER(peer_ck)
{
	static const int64_t cap1024[] = {1024};
	tlb_peer_begin("ck", TLB_WAITS_SPIN, NULL);
	bm_lock_register(&bm_lock_fns_ck_fas, "ck_spinlock_fas", "pthread_mutex", BM_LOCK_PEER | BM_LOCK_SPIN);
	/* ticket and MCS (the fair ones): contended at cs:100 only, ticket's fairness */
	bm_lock_register(&bm_lock_fns_ck_ticket, "ck_spinlock_ticket", "pthread_mutex",
			 BM_LOCK_PEER | BM_LOCK_SPIN | BM_LOCK_LIGHT | BM_LOCK_FAIRNESS);
	bm_lock_register(&bm_lock_fns_ck_mcs, "ck_spinlock_mcs", "pthread_mutex",
			 BM_LOCK_PEER | BM_LOCK_SPIN | BM_LOCK_LIGHT);
	bm_queue_register_peer("ck_ring_spsc", "mutexcond_ring", bm_ck_spsc_put_get, bm_ck_spsc_spsc, NULL, cap1024,
			       1, true);
	bm_queue_register_peer("ck_ring_mpmc", "mutexcond_ring", bm_ck_mpmc_put_get, bm_ck_mpmc_spsc,
			       bm_ck_mpmc_mpmc, cap1024, 1, false);
	tlb_peer_end();
}
#endif /* TLP_TABLES_ONLY */
