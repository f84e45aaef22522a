/* ring.h — the queue a C programmer writes without threadlab: a ring buffer
 * under one pthread mutex with two condition variables (not_empty,
 * not_full), as in every textbook and in CPython's queue.Queue. maxsize <= 0:
 * unbounded (the ring doubles when full). Baseline of the queue benchmarks
 * (mutexcond_ring/...). */
#ifndef BL_RING_H
#define BL_RING_H

#include <pthread.h>
#include <stddef.h>

typedef struct bl_ring {
	pthread_mutex_t m;
	pthread_cond_t not_empty, not_full;
	void **buf;
	size_t cap, head, count; /* cap: slots allocated */
	long maxsize;
} bl_ring;

int bl_ring_init(bl_ring *r, long maxsize); /* 0 or -ENOMEM */
void bl_ring_destroy(bl_ring *r);
int bl_ring_put(bl_ring *r, void *item);    /* blocks while full; 0 or -ENOMEM */
void *bl_ring_get(bl_ring *r);              /* blocks while empty */

#endif
