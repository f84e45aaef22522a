/* Internal: the FIFO queue: Vyukov's bounded MPMC array queue, chained into
 * doubling rings so it can grow (unbounded, or bounded with a large maxsize).
 *
 * Positions are global: put number p goes to slot p & mask of the ring whose
 * range holds p. A slot's seq says whose turn it is: seq == p: free for the
 * put at p; seq == p + 1: holds item p, ready for the get at p; the get sets
 * it to p + cap, freeing it for the put one lap later. A put claims p with a
 * CAS of tail p -> p+1, writes the item, then publishes with a release store
 * of seq; a get claims with a CAS of head and releases the slot the same way.
 * So every item crosses threads through one release/acquire pair on its
 * slot's seq (that is what TSan sees), and the claim CASes are seq_cst so the
 * sleeper checks in queue.c (put: CAS tail, then load getq.n; get: link into
 * getq, a seq_cst RMW of getq.n, then load tail here) cannot both miss
 * (Dekker); the same for full puts against head.
 *
 * Linearizability beyond Vyukov's original: a put that has claimed a position
 * but not yet written it is already "in" the queue (qsize counts it), so a get
 * that finds the slot unpublished while tail > head waits for it (a few
 * instructions; backoff yields if the putter was preempted) instead of
 * reporting Empty; likewise a put waits for a get in flight on its slot.
 * Empty/Full are decided from head and tail read at one instant.
 *
 * Growth: a put that finds its ring full (tail - head >= cap) while the queue
 * may still grow closes the ring by CASing tail p -> p | CLOSED, allocates a
 * ring twice as big starting at position p, links it, and reopens tail as
 * p + 1, claiming p for its own item (so a put that read p before the close
 * can never CAS p -> p+1 into the old ring: no ABA). Getters drain the old ring,
 * then follow `next`. Old rings are freed only by destroy: a stalled getter
 * may still be looking at one, and we keep no hazard pointers. */
#ifndef TL_QUEUE_FIFO_H
#define TL_QUEUE_FIFO_H

#include "qlock.h"
#include "queue_impl.h"
#include "vg_annotate.h"

struct tl__qslot {
	_Atomic uint64_t seq;
	void *item;
};

struct tl__qring {
	uint64_t start; /* first position stored in this ring */
	uint64_t mask;  /* cap - 1, cap a power of two */
	struct tl__qring *_Atomic next;
	struct tl__qring *prev; /* older ring (destroy walks back) */
	struct tl__qslot slots[];
};

/* Slow path of a put (queue_fifo.c): tail was p when the caller closed it. */
int tl__fifo_grow_and_put(tl_queue_t *q, struct tl__qring *r, uint64_t p, void *item);

/* The fast paths, inline in queue.c. */
static inline int tl__fifo_try_put(tl_queue_t *q, void *item)
{
	const uint64_t maxsize = q->maxsize > 0 ? (uint64_t)q->maxsize : 0;
	unsigned spins = 0;
	uint64_t t = atomic_load_explicit(&q->tail, memory_order_acquire);
	for (;;) {
		if (t & TL__Q_SHUT)
			return TL_ESHUTDOWN;
		if (t & TL__Q_CLOSED) { /* another put is installing a ring */
			tl__backoff(&spins);
			t = atomic_load_explicit(&q->tail, memory_order_acquire);
			continue;
		}
		struct tl__qring *r = atomic_load_explicit(&q->tail_ring, memory_order_acquire);
		struct tl__qslot *s = &r->slots[t & r->mask];
		uint64_t seq = atomic_load_explicit(&s->seq, memory_order_acquire);
		int64_t dif = (int64_t)(seq - t);
		if (dif == 0) {
			if (maxsize && t - atomic_load_explicit(&q->head_cache, memory_order_relaxed) >= maxsize) {
				/* The cached head says full: look at the real one.
				 * head_cache is only a hint (head only grows, so a
				 * stale copy errs towards "look again"). */
				uint64_t h = atomic_load_explicit(&q->head, memory_order_seq_cst);
				atomic_store_explicit(&q->head_cache, h, memory_order_relaxed);
				if ((int64_t)(t - h) >= (int64_t)maxsize) {
					uint64_t t2 = atomic_load_explicit(&q->tail, memory_order_acquire);
					if (t2 == t)
						return TL_EFULL; /* tail == t and head == h at one instant */
					t = t2;
					continue;
				}
			}
			if (atomic_compare_exchange_weak_explicit(&q->tail, &t, t + 1, memory_order_seq_cst,
								  memory_order_acquire)) {
				s->item = item;
				TL__VG_HB_BEFORE(s); /* Helgrind/DRD: the seq release, see queue_fifo.c */
				atomic_store_explicit(&s->seq, t + 1, memory_order_release);
				return 0;
			}
			continue; /* the failed CAS reloaded t */
		}
		if (dif < 0) {
			/* The slot still holds position t - cap. seq_cst head
			 * load: a Full verdict pairs with the sleeper check
			 * after a get's head CAS (queue.c). */
			uint64_t h = atomic_load_explicit(&q->head, memory_order_seq_cst);
			uint64_t t2 = atomic_load_explicit(&q->tail, memory_order_acquire);
			if (t2 != t) { /* moved on: retry at the new tail */
				t = t2;
				continue;
			}
			if (t - h < r->mask + 1) { /* a get claimed it and is copying out */
				tl__backoff(&spins);
				continue;
			}
			/* tail == t, head == h: the ring is full. */
			if (maxsize && t - h >= maxsize)
				return TL_EFULL;
			uint64_t want = t;
			if (atomic_compare_exchange_strong_explicit(&q->tail, &want, t | TL__Q_CLOSED,
								    memory_order_acquire, memory_order_acquire))
				return tl__fifo_grow_and_put(q, r, t, item);
			t = want;
			continue;
		}
		/* dif > 0: t is stale, another put already took it. */
		t = atomic_load_explicit(&q->tail, memory_order_acquire);
	}
}

static inline int tl__fifo_try_get(tl_queue_t *q, void **item)
{
	unsigned spins = 0;
	uint64_t h = atomic_load_explicit(&q->head, memory_order_acquire);
	for (;;) {
		struct tl__qring *r = atomic_load_explicit(&q->head_ring, memory_order_acquire);
		struct tl__qring *n = atomic_load_explicit(&r->next, memory_order_acquire);
		if (n && h >= n->start) { /* r is drained: move every getter on */
			void *expect = r;
			atomic_compare_exchange_strong_explicit(&q->head_ring, &expect, n, memory_order_release,
								memory_order_relaxed);
			h = atomic_load_explicit(&q->head, memory_order_acquire);
			continue;
		}
		struct tl__qslot *s = &r->slots[h & r->mask];
		uint64_t seq = atomic_load_explicit(&s->seq, memory_order_acquire);
		int64_t dif = (int64_t)(seq - (h + 1));
		if (dif == 0) {
			if (atomic_compare_exchange_weak_explicit(&q->head, &h, h + 1, memory_order_seq_cst,
								  memory_order_acquire)) {
				TL__VG_HB_AFTER(s); /* the put's seq release */
				*item = s->item;
				atomic_store_explicit(&s->seq, h + r->mask + 1, memory_order_release);
				return 0;
			}
			continue;
		}
		if (dif < 0) {
			/* Nothing published at h. seq_cst: pairs with the sleeper
			 * registration in queue.c (see the file comment). */
			uint64_t tw = atomic_load_explicit(&q->tail, memory_order_seq_cst);
			if ((tw & TL__Q_POS) == h) /* head <= tail, so head == h == tail now */
				return (tw & TL__Q_SHUT) ? TL_ESHUTDOWN : TL_EEMPTY;
			uint64_t h2 = atomic_load_explicit(&q->head, memory_order_acquire);
			if (h2 == h) /* a put claimed h and is writing it */
				tl__backoff(&spins);
			h = h2;
			continue;
		}
		h = atomic_load_explicit(&q->head, memory_order_acquire);
	}
}

/* The poll of a get that found the queue empty (reads only, hints): has
 * the slot the next get takes got its item (or has head moved on to a newer
 * ring)? It watches that slot, not tail: every put writes tail, so a getter
 * polling it pulls that line away from the producer at each put, while the
 * slot's line crosses over for the get anyway. Measured, one producer and a
 * caught-up consumer on the other CPU: a put 80-90 ns -> ~50 ns; the price
 * is latency, the item is seen at its publication instead of its claim: a
 * ping-pong round trip through two queues 240-253 -> 275-280 ns. Rings are
 * freed only by destroy, so any ring read here is still memory; a shutdown
 * is seen by the attempt after the poll. */
static inline bool tl__fifo_get_ready(tl_queue_t *q)
{
	uint64_t h = atomic_load_explicit(&q->head, memory_order_relaxed);
	struct tl__qring *r = atomic_load_explicit(&q->head_ring, memory_order_acquire);
	/* acquire: n->start was written before n was linked */
	struct tl__qring *n = atomic_load_explicit(&r->next, memory_order_acquire);
	return (n && h >= n->start) ||
	       atomic_load_explicit(&r->slots[h & r->mask].seq, memory_order_relaxed) == h + 1;
}

#endif
