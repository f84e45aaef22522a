/* threadlab/queue.h — Python's queue.Queue, LifoQueue and PriorityQueue.
 *
 * Items are pointer-sized (`void *`; cast a uintptr_t through it if you
 * like). A priority queue item also carries an int64_t priority: the lowest
 * priority comes out first and equal priorities come out in insertion order
 * (a sequence-number tiebreak, so the order is stable, unlike heapq on
 * tuples whose second members compare).
 *
 * Example (compiled and run by tests/api):
 *
 *   int main(void)
 *   {
 *       tl_queue_t q, pq;
 *       void *item;
 *       int64_t prio;
 *       tl_queue_init(&q, TL_QUEUE_FIFO, 1);          // Queue(maxsize=1); <= 0: unbounded
 *       tl_queue_put(&q, "a", true, TL_FOREVER);      // q.put("a")
 *       int full = tl_queue_put(&q, "b", true, 0.01); // q.put("b", timeout=0.01): Full
 *       tl_queue_get(&q, &item, true, 0.5);           // q.get(timeout=0.5)
 *       tl_queue_task_done(&q);
 *       tl_queue_join(&q, TL_FOREVER);                // q.join(): every item done
 *       tl_queue_destroy(&q);
 *
 *       tl_queue_init(&pq, TL_QUEUE_PRIORITY, 0);     // PriorityQueue()
 *       tl_queue_put_prio(&pq, "low", 9, true, TL_FOREVER);
 *       tl_queue_put_prio(&pq, "high", 1, true, TL_FOREVER);
 *       int plain = tl_queue_put(&pq, "x", true, TL_FOREVER); // no priority: TL_EINVAL
 *       tl_queue_get_prio(&pq, &item, &prio, true, TL_FOREVER); // "high", 1
 *       int empty = tl_queue_get_nowait(&pq, &item) == 0 ? tl_queue_get_nowait(&pq, &item) : 1;
 *       tl_queue_destroy(&pq);
 *       return full == TL_EFULL && plain == TL_EINVAL && prio == 1 && empty == TL_EEMPTY ? 0 : 1;
 *   }
 *
 * Results (Python exception in brackets):
 *   put: 0; TL_EFULL [Full] when non-blocking and full, or when the timeout
 *        expired while full; TL_ESHUTDOWN [ShutDown]; TL_ENOMEM (growth failed).
 *   get: 0; TL_EEMPTY [Empty] when non-blocking and empty, or when the
 *        timeout expired while empty; TL_ESHUTDOWN once shut down and empty.
 *   timeout: TL_FOREVER blocks forever, >= 0 seconds; any other negative
 *        value, or NaN, is TL_EINVAL [ValueError]. block == false ignores timeout.
 *   task_done: TL_EOVERFLOW [ValueError] when called more times than items
 *        were put. join waits until every put item was marked done.
 *   shutdown(immediate) as in Python 3.13: later puts fail with
 *        TL_ESHUTDOWN, gets drain what is left then fail with TL_ESHUTDOWN,
 *        blocked putters and getters wake up; immediate also drops the
 *        pending items, counts them as done (releasing join) and makes gets
 *        fail at once.
 *
 * Concurrency: every call is thread-safe and linearizable (it acts at one
 * instant), including qsize/empty/full (exact at that instant; like Python,
 * stale as soon as they return when others are busy). The FIFO kind is a
 * lock-free array of slots with sequence numbers (Vyukov's bounded MPMC
 * queue) chained into bigger arrays as it grows; the LIFO and priority
 * kinds are an array/binary heap under a spin-then-futex lock. Blocking is
 * on futexes, and a put or get only makes a wake syscall when someone
 * actually sleeps.
 *
 * Memory: the struct is caller-allocated (any alignment), the slot array is
 * heap-allocated at init and grows as needed up to maxsize; a grown queue
 * keeps its peak capacity (at most ~2x the peak size for FIFO) until
 * tl_queue_destroy. Not process-shared (the process-shared queue of fixed
 * size records is a separate type).
 */
#ifndef THREADLAB_QUEUE_H
#define THREADLAB_QUEUE_H

#include "threadlab/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tl_queue_kind {
	TL_QUEUE_FIFO = 0,     /* queue.Queue */
	TL_QUEUE_LIFO = 1,     /* queue.LifoQueue */
	TL_QUEUE_PRIORITY = 2, /* queue.PriorityQueue: lowest priority first, stable */
} tl_queue_kind_t;

/* Internal: a wait queue (src/waitq.h): a small lock, the sleeper count the
 * fast paths load, and a list of sleeper nodes living on their stacks. */
typedef struct tl__waitq {
	_Atomic uint32_t lock;
	_Atomic uint32_t n;
	void *head, *tail;
} tl__waitq_t;

/* Internal layout: fields are private; padding keeps the producer side, the
 * consumer side and the waiter words on separate cache lines whatever the
 * struct's alignment. */
#define TL__QPAD(n) char tl__pad##n[64]
typedef struct tl_queue {
	/* read-only after init */
	int kind;
	long maxsize;
	TL__QPAD(0);
	/* producer side: position word (count | flags), current ring, a cached
	 * copy of head for the maxsize check; LIFO/PRIORITY: the lock and
	 * storage */
	_Atomic uint64_t tail;
	void *_Atomic tail_ring;
	_Atomic uint64_t head_cache;
	_Atomic uint32_t lock;
	void *items;
	_Atomic size_t count;
	size_t cap;
	uint64_t seq;
	TL__QPAD(1);
	/* consumer side (FIFO) */
	_Atomic uint64_t head;
	void *_Atomic head_ring;
	TL__QPAD(2);
	/* sleepers: getq.n and putq.n are read by every put/get */
	tl__waitq_t getq, putq;
	TL__QPAD(3);
	/* task accounting */
	_Atomic uint64_t done;
	_Atomic uint32_t joiners, join_ev;
	TL__QPAD(4);
} tl_queue_t;
#undef TL__QPAD

int tl_queue_init(tl_queue_t *q, tl_queue_kind_t kind, long maxsize);
/* TL_EBUSY while threads are blocked in it. Items still queued are the
 * caller's (they are pointers): drain first if they own memory. */
int tl_queue_destroy(tl_queue_t *q);

/* put: block/timeout as Python; the *_until core takes an absolute
 * CLOCK_MONOTONIC deadline (NULL = forever) and always blocks. On a priority
 * queue the plain puts are TL_EINVAL: give each item its priority with
 * tl_queue_put_prio*. The plain gets work on every kind (the priority is
 * dropped). */
int tl_queue_put(tl_queue_t *q, void *item, bool block, double timeout);
int tl_queue_put_until(tl_queue_t *q, void *item, const struct timespec *deadline);
int tl_queue_put_nowait(tl_queue_t *q, void *item);
int tl_queue_get(tl_queue_t *q, void **item, bool block, double timeout);
int tl_queue_get_until(tl_queue_t *q, void **item, const struct timespec *deadline);
int tl_queue_get_nowait(tl_queue_t *q, void **item);

/* Priority queue forms (TL_EINVAL on other kinds): the same arguments as
 * put/get with the priority right after the item (Python's
 * q.put((prio, item)) order is not kept: C's item comes first everywhere).
 * get's prio out may be NULL. */
int tl_queue_put_prio(tl_queue_t *q, void *item, int64_t prio, bool block, double timeout);
int tl_queue_put_prio_until(tl_queue_t *q, void *item, int64_t prio, const struct timespec *deadline);
int tl_queue_put_prio_nowait(tl_queue_t *q, void *item, int64_t prio);
int tl_queue_get_prio(tl_queue_t *q, void **item, int64_t *prio, bool block, double timeout);
int tl_queue_get_prio_until(tl_queue_t *q, void **item, int64_t *prio, const struct timespec *deadline);
int tl_queue_get_prio_nowait(tl_queue_t *q, void **item, int64_t *prio);

/* Python's qsize(), empty(), full() (0 < maxsize <= qsize) and maxsize:
 * exact at one instant (see Concurrency above). */
size_t tl_queue_qsize(tl_queue_t *q);
bool tl_queue_empty(tl_queue_t *q);
bool tl_queue_full(tl_queue_t *q);
long tl_queue_maxsize(const tl_queue_t *q);

int tl_queue_task_done(tl_queue_t *q); /* TL_EOVERFLOW when called too often */
uint64_t tl_queue_unfinished_tasks(tl_queue_t *q); /* items put and not yet task_done */
/* 0 or TL_ETIMEDOUT. Python's join has no timeout; this one follows the
 * queue's rule (TL_FOREVER or >= 0, else TL_EINVAL). */
int tl_queue_join(tl_queue_t *q, double timeout);
int tl_queue_join_until(tl_queue_t *q, const struct timespec *deadline);

/* shutdown(immediate) as above (always 0; idempotent); is_shutdown. */
int tl_queue_shutdown(tl_queue_t *q, bool immediate);
bool tl_queue_is_shutdown(tl_queue_t *q);

#ifdef __cplusplus
}
#endif
#endif
