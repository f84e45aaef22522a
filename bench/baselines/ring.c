/* ring.c — mutex + two condition variables queue (see ring.h). Signals on
 * every put/get, as CPython's Queue does (notify whether or not anyone
 * waits); glibc makes a signal with no waiters a few loads. */
#include "ring.h"

#include <errno.h>
#include <stdlib.h>

int bl_ring_init(bl_ring *r, int kind, long maxsize)
{
	if (kind != BL_FIFO && kind != BL_LIFO && kind != BL_PRIO)
		return -EINVAL;
	r->kind = kind;
	r->maxsize = maxsize > 0 ? maxsize : 0;
	r->cap = maxsize > 0 ? (size_t)maxsize : 64;
	r->head = r->count = 0;
	r->seq = 0;
	r->buf = malloc(r->cap * sizeof *r->buf);
	if (!r->buf)
		return -ENOMEM;
	pthread_mutex_init(&r->m, NULL);
	pthread_cond_init(&r->not_empty, NULL);
	pthread_cond_init(&r->not_full, NULL);
	return 0;
}

void bl_ring_destroy(bl_ring *r)
{
	pthread_cond_destroy(&r->not_full);
	pthread_cond_destroy(&r->not_empty);
	pthread_mutex_destroy(&r->m);
	free(r->buf);
	r->buf = NULL;
}

static int grow(bl_ring *r)
{
	struct bl_slot *b = malloc(2 * r->cap * sizeof *b);
	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < r->count; i++) /* FIFO unrolls the ring; others have head 0 */
		b[i] = r->buf[(r->head + i) % r->cap];
	free(r->buf);
	r->buf = b;
	r->head = 0;
	r->cap *= 2;
	return 0;
}

static inline int less(const struct bl_slot *a, const struct bl_slot *b)
{
	return a->prio < b->prio || (a->prio == b->prio && a->seq < b->seq);
}

static void heap_push(bl_ring *r, struct bl_slot s)
{
	size_t i = r->count++;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!less(&s, &r->buf[p]))
			break;
		r->buf[i] = r->buf[p];
		i = p;
	}
	r->buf[i] = s;
}

static struct bl_slot heap_pop(bl_ring *r)
{
	struct bl_slot top = r->buf[0], last = r->buf[--r->count];
	size_t i = 0, n = r->count;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && less(&r->buf[c + 1], &r->buf[c]))
			c++;
		if (!less(&r->buf[c], &last))
			break;
		r->buf[i] = r->buf[c];
		i = c;
	}
	if (n)
		r->buf[i] = last;
	return top;
}

int bl_ring_put(bl_ring *r, void *item, int64_t prio)
{
	pthread_mutex_lock(&r->m);
	while (r->maxsize > 0 && r->count == (size_t)r->maxsize)
		pthread_cond_wait(&r->not_full, &r->m);
	if (r->count == r->cap && grow(r) < 0) {
		pthread_mutex_unlock(&r->m);
		return -ENOMEM;
	}
	struct bl_slot s = {item, prio, r->seq++};
	if (r->kind == BL_FIFO)
		r->buf[(r->head + r->count++) % r->cap] = s;
	else if (r->kind == BL_LIFO)
		r->buf[r->count++] = s;
	else
		heap_push(r, s);
	pthread_cond_signal(&r->not_empty);
	pthread_mutex_unlock(&r->m);
	return 0;
}

void *bl_ring_get(bl_ring *r)
{
	pthread_mutex_lock(&r->m);
	while (r->count == 0)
		pthread_cond_wait(&r->not_empty, &r->m);
	void *item;
	if (r->kind == BL_FIFO) {
		item = r->buf[r->head].item;
		r->head = (r->head + 1) % r->cap;
		r->count--;
	} else if (r->kind == BL_LIFO) {
		item = r->buf[--r->count].item;
	} else {
		item = heap_pop(r).item;
	}
	pthread_cond_signal(&r->not_full);
	pthread_mutex_unlock(&r->m);
	return item;
}
