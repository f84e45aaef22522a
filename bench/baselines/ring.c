/* ring.c — mutex + two condition variables ring buffer (see ring.h).
 * Signals on every put/get, as CPython's Queue does (notify on the
 * condition whether or not anyone waits); glibc makes a signal with no
 * waiters a few loads. */
#include "ring.h"

#include <errno.h>
#include <stdlib.h>

int bl_ring_init(bl_ring *r, long maxsize)
{
	r->maxsize = maxsize > 0 ? maxsize : 0;
	r->cap = maxsize > 0 ? (size_t)maxsize : 64;
	r->head = r->count = 0;
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
	void **b = malloc(2 * r->cap * sizeof *b);
	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < r->count; i++)
		b[i] = r->buf[(r->head + i) % r->cap];
	free(r->buf);
	r->buf = b;
	r->head = 0;
	r->cap *= 2;
	return 0;
}

int bl_ring_put(bl_ring *r, void *item)
{
	pthread_mutex_lock(&r->m);
	while (r->maxsize > 0 && r->count == (size_t)r->maxsize)
		pthread_cond_wait(&r->not_full, &r->m);
	if (r->count == r->cap && grow(r) < 0) {
		pthread_mutex_unlock(&r->m);
		return -ENOMEM;
	}
	r->buf[(r->head + r->count) % r->cap] = item;
	r->count++;
	pthread_cond_signal(&r->not_empty);
	pthread_mutex_unlock(&r->m);
	return 0;
}

void *bl_ring_get(bl_ring *r)
{
	pthread_mutex_lock(&r->m);
	while (r->count == 0)
		pthread_cond_wait(&r->not_empty, &r->m);
	void *item = r->buf[r->head];
	r->head = (r->head + 1) % r->cap;
	r->count--;
	pthread_cond_signal(&r->not_full);
	pthread_mutex_unlock(&r->m);
	return item;
}
