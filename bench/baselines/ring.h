/* ring.h — the queue a C programmer writes without threadlab: one pthread
 * mutex, two condition variables (not_empty, not_full) around a plain
 * container, as in every textbook and in CPython's queue module:
 *   BL_FIFO  a ring buffer                         (queue.Queue)
 *   BL_LIFO  an array used as a stack              (queue.LifoQueue)
 *   BL_PRIO  a binary min-heap on (priority, seq)  (queue.PriorityQueue;
 *            seq keeps equal priorities in insertion order)
 * maxsize <= 0: unbounded (the array doubles when full). Baseline of the
 * queue benchmarks (mutexcond_ring/...). */
#ifndef BL_RING_H
#define BL_RING_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

enum { BL_FIFO = 0, BL_LIFO = 1, BL_PRIO = 2 };

struct bl_slot {
	void *item;
	int64_t prio;
	uint64_t seq;
};

typedef struct bl_ring {
	pthread_mutex_t m;
	pthread_cond_t not_empty, not_full;
	struct bl_slot *buf;
	size_t cap, head, count; /* cap: slots allocated; head: FIFO only */
	uint64_t seq;
	long maxsize;
	int kind;
} bl_ring;

int bl_ring_init(bl_ring *r, int kind, long maxsize); /* 0, -EINVAL or -ENOMEM */
void bl_ring_destroy(bl_ring *r);
int bl_ring_put(bl_ring *r, void *item, int64_t prio); /* blocks while full; 0 or -ENOMEM */
void *bl_ring_get(bl_ring *r);                         /* blocks while empty */

#endif
