/* FIFO queue: ring allocation, growth, size (the fast paths and the
 * algorithm's description are in queue_fifo.h). */
#include "queue_fifo.h"
#include "vg_annotate.h"

#include <stdlib.h>

#define TL__QRING_UNBOUNDED_CAP 1024u
#define TL__QRING_BOUNDED_MAX_INITIAL 4096u

/* At least 2: with one slot, "item p ready" (p + 1) and "free for the put
 * at p + 1" (p + 1) would be the same seq value. */
static uint64_t pow2_at_least(uint64_t n)
{
	uint64_t c = 2;
	while (c < n)
		c <<= 1;
	return c;
}

static struct tl__qring *ring_new(uint64_t start, uint64_t cap)
{
	if (cap > (SIZE_MAX - sizeof(struct tl__qring)) / sizeof(struct tl__qslot))
		return NULL;
	struct tl__qring *r = malloc(sizeof *r + cap * sizeof(struct tl__qslot));
	if (!r)
		return NULL;
	r->start = start;
	r->mask = cap - 1;
	atomic_init(&r->next, NULL);
	r->prev = NULL;
	/* Slot j first serves the position in [start, start+cap) that maps to j. */
	for (uint64_t j = 0; j < cap; j++) {
		atomic_init(&r->slots[j].seq, start + ((j - start) & (cap - 1)));
		r->slots[j].item = NULL;
	}
	/* Helgrind/DRD: the ring is published and its seq words handed over
	 * by C11 atomics they cannot see; a slot's item is ordered by its seq
	 * (annotated per slot in queue_fifo.h). Atomics cannot race: the
	 * ring is not checked. */
	TL__VG_IGNORE(r, sizeof *r + cap * sizeof(struct tl__qslot));
	return r;
}

int tl__fifo_init(tl_queue_t *q)
{
	uint64_t cap = TL__QRING_UNBOUNDED_CAP;
	if (q->maxsize > 0) {
		cap = pow2_at_least((uint64_t)q->maxsize);
		if (cap > TL__QRING_BOUNDED_MAX_INITIAL)
			cap = TL__QRING_BOUNDED_MAX_INITIAL;
	}
	struct tl__qring *r = ring_new(0, cap);
	if (!r)
		return TL_ENOMEM;
	atomic_init(&q->tail_ring, r);
	atomic_init(&q->head_ring, r);
	/* Helgrind/DRD: relaxed/release stores of these hints and ring
	 * pointers look like plain writes racing with the loads. */
	TL__VG_IGNORE(&q->tail_ring, sizeof q->tail_ring);
	TL__VG_IGNORE(&q->head_ring, sizeof q->head_ring);
	TL__VG_IGNORE(&q->head_cache, sizeof q->head_cache);
	return 0;
}

void tl__fifo_destroy(tl_queue_t *q)
{
	struct tl__qring *r = atomic_load_explicit(&q->tail_ring, memory_order_acquire);
	while (r) {
		struct tl__qring *prev = r->prev;
		free(r);
		r = prev;
	}
	atomic_store_explicit(&q->tail_ring, NULL, memory_order_relaxed);
	atomic_store_explicit(&q->head_ring, NULL, memory_order_relaxed);
}

/* Tail was p when we closed it: install a ring twice as big starting at p,
 * reopen tail as p + 1 (our claim of p, a normal put from there on), then
 * write the item. A shutdown that hit while the ring was closed wins: the
 * put fails as if it had come after it. */
int tl__fifo_grow_and_put(tl_queue_t *q, struct tl__qring *r, uint64_t p, void *item)
{
	struct tl__qring *n = ring_new(p, (r->mask + 1) * 2);
	if (!n) {
		/* No ring switch happened: tail going back to p is harmless. */
		atomic_fetch_and_explicit(&q->tail, ~TL__Q_CLOSED, memory_order_release);
		return TL_ENOMEM;
	}
	n->prev = r;
	atomic_store_explicit(&r->next, n, memory_order_release);
	atomic_store_explicit(&q->tail_ring, n, memory_order_release);
	uint64_t v = atomic_load_explicit(&q->tail, memory_order_relaxed);
	for (;;) {
		if (v & TL__Q_SHUT) {
			atomic_fetch_and_explicit(&q->tail, ~TL__Q_CLOSED, memory_order_release);
			return TL_ESHUTDOWN;
		}
		/* Release: the new ring and its links are visible to whoever
		 * acquires the reopened tail. */
		if (atomic_compare_exchange_weak_explicit(&q->tail, &v, p + 1, memory_order_seq_cst,
							  memory_order_relaxed))
			break;
	}
	struct tl__qslot *s = &n->slots[p & n->mask];
	s->item = item;
	TL__VG_HB_BEFORE(s); /* as in tl__fifo_try_put */
	atomic_store_explicit(&s->seq, p + 1, memory_order_release);
	return 0;
}

size_t tl__fifo_qsize(tl_queue_t *q)
{
	/* head first: tail only grows, so tail - head >= 0 and is the exact
	 * size at the instant tail is read if head did not move meanwhile. */
	uint64_t h = atomic_load_explicit(&q->head, memory_order_seq_cst);
	uint64_t t = atomic_load_explicit(&q->tail, memory_order_seq_cst) & TL__Q_POS;
	return (size_t)(t - h);
}
