/* threadlab/simplequeue.h — Python's queue.SimpleQueue: an unbounded FIFO
 * queue of pointer-sized items with put, get and nothing else (no maxsize,
 * no task_done/join, no shutdown).
 *
 * Example (compiled and run by tests/api):
 *
 *   #include <string.h>
 *
 *   int main(void)
 *   {
 *       tl_simplequeue_t q;
 *       void *item = NULL;
 *       tl_simplequeue_init(&q);
 *       tl_simplequeue_put(&q, "job");                      // q.put("job"): never blocks
 *       int r = tl_simplequeue_get(&q, &item, true, 0.5);   // q.get(timeout=0.5)
 *       int e = tl_simplequeue_get_nowait(&q, &item);       // q.get_nowait(): Empty
 *       tl_simplequeue_destroy(&q);
 *       return r == 0 && e == TL_EEMPTY && strcmp(item, "job") == 0 ? 0 : 1;
 *   }
 *
 * Results (Python exception in brackets), the same codes as tl_queue_*:
 *   put, put_nowait: 0; TL_ENOMEM [MemoryError] when the queue had to grow
 *        and could not (the item is not queued). Python's put(item, block,
 *        timeout) ignores block and timeout; put_nowait is the same call.
 *   get: 0; TL_EEMPTY [Empty] when non-blocking and empty, or when the
 *        timeout expired while empty. timeout: TL_FOREVER blocks forever,
 *        >= 0 seconds (0: one attempt, as get_nowait); any other negative
 *        value, or NaN, is TL_EINVAL [ValueError]. block == false ignores
 *        the timeout, as Python does. *item is written only on success.
 *   get_until: the deadline-driven core: absolute CLOCK_MONOTONIC deadline,
 *        NULL = forever; a deadline already passed makes one attempt.
 *   destroy: TL_EBUSY while a get is blocked in the queue (or still on its
 *        way out after being woken); then the queue is untouched and still
 *        usable. Items still queued are the caller's (they are pointers):
 *        drain first if they own memory.
 *   any call: TL_EINVAL for a NULL queue or item pointer.
 *
 * Order and wake-ups: items come out in the order their puts took effect
 * (FIFO; each put and get is linearizable, so one producer's items arrive
 * in its order). qsize/empty are exact at one instant and, as in Python,
 * stale once others move. A get that finds the queue empty polls briefly,
 * then sleeps; sleepers are woken oldest first, one per put (a put makes a
 * wake syscall only when someone sleeps). Taking an item is not a handoff:
 * a get that arrives while a woken sleeper is still waking up may take the
 * item first (as in CPython, whose woken getter can also lose to a new
 * one); the sleeper then sleeps again with its deadline unchanged.
 *
 * Speed: puts and gets are lock-free on the fast path (one CAS each on the
 * tail / head word of tl_queue's FIFO engine: chained Vyukov rings, see
 * src/queue_fifo.h); blocking is on futexes.
 *
 * Not async-signal-safe: CPython's SimpleQueue.put may be re-entered from
 * a __del__ or a signal handler (bpo-14976); here a put from a signal
 * handler may deadlock (growth allocates and briefly excludes other puts,
 * waking takes a small internal lock). Use it between threads.
 *
 * Memory: the struct is caller-allocated (any alignment); the slot rings
 * are on the heap and keep their peak capacity (at most ~2x the peak size)
 * until destroy. Private to one process (no TL_PSHARED; the process-shared
 * queue of fixed-size records is threadlab/squeue.h).
 */
#ifndef THREADLAB_SIMPLEQUEUE_H
#define THREADLAB_SIMPLEQUEUE_H

#include "threadlab/common.h"
#include "threadlab/queue.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Internal layout: fields are private. */
typedef struct tl_simplequeue {
	tl_queue_t fifo;         /* an unbounded FIFO tl_queue: rings and getter wait queue */
	_Atomic uint32_t inside; /* gets in the slow path (destroy's TL_EBUSY) */
} tl_simplequeue_t;

int tl_simplequeue_init(tl_simplequeue_t *q);
int tl_simplequeue_destroy(tl_simplequeue_t *q);

/* put, put_nowait (the same call), get, get_until, get_nowait: results
 * above. */
int tl_simplequeue_put(tl_simplequeue_t *q, void *item);
int tl_simplequeue_put_nowait(tl_simplequeue_t *q, void *item);
int tl_simplequeue_get(tl_simplequeue_t *q, void **item, bool block, double timeout);
int tl_simplequeue_get_until(tl_simplequeue_t *q, void **item, const struct timespec *deadline);
int tl_simplequeue_get_nowait(tl_simplequeue_t *q, void **item);

/* Python's qsize() and empty(): exact at one instant. */
size_t tl_simplequeue_qsize(tl_simplequeue_t *q);
bool tl_simplequeue_empty(tl_simplequeue_t *q);

#ifdef __cplusplus
}
#endif
#endif
