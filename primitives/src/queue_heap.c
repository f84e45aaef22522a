/* LIFO and priority queues: a growable array (stack) or binary min-heap under
 * the queue's tl__qlock. Heap entries are ordered by (priority, sequence
 * number), the sequence number counting puts, so equal priorities come out in
 * insertion order. The lock's acquire/release carries the items between
 * threads; `tail` (puts | SHUT) is only written under the lock here. */
#include "qlock.h"
#include "queue_impl.h"

#include <stdlib.h>

struct tl__qentry {
	int64_t prio;
	uint64_t seq;
	void *item;
};

#define TL__QHEAP_INITIAL_CAP 64u

static size_t entry_size(const tl_queue_t *q)
{
	return q->kind == TL_QUEUE_PRIORITY ? sizeof(struct tl__qentry) : sizeof(void *);
}

int tl__heap_init(tl_queue_t *q)
{
	size_t cap = TL__QHEAP_INITIAL_CAP;
	if (q->maxsize > 0 && (unsigned long)q->maxsize < cap)
		cap = (size_t)q->maxsize;
	q->items = malloc(cap * entry_size(q));
	if (!q->items)
		return TL_ENOMEM;
	q->cap = cap;
	atomic_init(&q->count, 0);
	q->seq = 0;
	atomic_init(&q->lock, 0);
	return 0;
}

void tl__heap_destroy(tl_queue_t *q)
{
	free(q->items);
	q->items = NULL;
	q->cap = 0;
	atomic_store_explicit(&q->count, 0, memory_order_relaxed);
}

static int heap_grow(tl_queue_t *q)
{
	size_t cap = q->cap * 2;
	if (q->maxsize > 0 && cap > (unsigned long)q->maxsize)
		cap = (size_t)q->maxsize;
	if (cap > SIZE_MAX / entry_size(q))
		return TL_ENOMEM;
	void *n = realloc(q->items, cap * entry_size(q));
	if (!n)
		return TL_ENOMEM;
	q->items = n;
	q->cap = cap;
	return 0;
}

static bool entry_less(const struct tl__qentry *a, const struct tl__qentry *b)
{
	return a->prio < b->prio || (a->prio == b->prio && a->seq < b->seq);
}

static void heap_push(struct tl__qentry *h, size_t n, struct tl__qentry e)
{
	size_t i = n;
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!entry_less(&e, &h[parent]))
			break;
		h[i] = h[parent];
		i = parent;
	}
	h[i] = e;
}

static struct tl__qentry heap_pop(struct tl__qentry *h, size_t n)
{
	struct tl__qentry top = h[0], last = h[n - 1];
	size_t i = 0;
	n--;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && entry_less(&h[c + 1], &h[c]))
			c++;
		if (!entry_less(&h[c], &last))
			break;
		h[i] = h[c];
		i = c;
	}
	if (n)
		h[i] = last;
	return top;
}

int tl__heap_try_put(tl_queue_t *q, int64_t prio, void *item)
{
	int r = 0;
	tl__qlock(&q->lock);
	/* count is only written under the lock; it is atomic so the wait
	 * core's polling and qsize may read it without the lock. */
	size_t n = atomic_load_explicit(&q->count, memory_order_relaxed);
	uint64_t t = atomic_load_explicit(&q->tail, memory_order_relaxed);
	if (t & TL__Q_SHUT) {
		r = TL_ESHUTDOWN;
	} else if (q->maxsize > 0 && n >= (unsigned long)q->maxsize) {
		r = TL_EFULL;
	} else if (n == q->cap && (r = heap_grow(q)) != 0) {
		/* r = TL_ENOMEM */
	} else {
		if (q->kind == TL_QUEUE_PRIORITY) {
			struct tl__qentry e = { prio, q->seq++, item };
			heap_push(q->items, n, e);
		} else {
			((void **)q->items)[n] = item;
		}
		atomic_store_explicit(&q->count, n + 1, memory_order_relaxed);
		atomic_store_explicit(&q->tail, t + 1, memory_order_release);
	}
	tl__qunlock(&q->lock);
	return r;
}

int tl__heap_try_get(tl_queue_t *q, int64_t *prio, void **item)
{
	int r = 0;
	tl__qlock(&q->lock);
	size_t n = atomic_load_explicit(&q->count, memory_order_relaxed);
	if (n == 0) {
		r = (atomic_load_explicit(&q->tail, memory_order_relaxed) & TL__Q_SHUT) ? TL_ESHUTDOWN : TL_EEMPTY;
	} else {
		if (q->kind == TL_QUEUE_PRIORITY) {
			struct tl__qentry e = heap_pop(q->items, n);
			*item = e.item;
			if (prio)
				*prio = e.prio;
		} else {
			*item = ((void **)q->items)[n - 1];
			if (prio)
				*prio = 0;
		}
		atomic_store_explicit(&q->count, n - 1, memory_order_relaxed);
	}
	tl__qunlock(&q->lock);
	return r;
}

size_t tl__heap_qsize(tl_queue_t *q)
{
	/* Written under the lock only: the value read is the count at this
	 * instant. */
	return atomic_load_explicit(&q->count, memory_order_acquire);
}
