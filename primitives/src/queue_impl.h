/* Internal: the two queue organisations behind threadlab/queue.h.
 *
 * `tail` is shared by both: bits 0..61 count every put ever accepted (the
 * Python unfinished_tasks is tail - done), bit 62 marks a FIFO ring switch in
 * progress, bit 63 marks shutdown. Puts stop at the instant bit 63 is set:
 * a FIFO put claims its position with a CAS on this very word, a LIFO or
 * priority put checks it under the lock.
 *
 * try_* never block and never wake anyone: queue.c wraps them with the wait
 * core and the wakeups. */
#ifndef TL_QUEUE_IMPL_H
#define TL_QUEUE_IMPL_H

#include "threadlab/queue.h"

#define TL__Q_SHUT (UINT64_C(1) << 63)
#define TL__Q_CLOSED (UINT64_C(1) << 62)
#define TL__Q_POS (TL__Q_CLOSED - 1)

/* FIFO: chained Vyukov rings (queue_fifo.c). */
int tl__fifo_init(tl_queue_t *q);
void tl__fifo_destroy(tl_queue_t *q);
/* tl__fifo_try_put: 0, TL_EFULL, TL_ESHUTDOWN, TL_ENOMEM
 * tl__fifo_try_get: 0, TL_EEMPTY, TL_ESHUTDOWN
 * are static inline in queue_fifo.h. */
size_t tl__fifo_qsize(tl_queue_t *q);

/* LIFO and PRIORITY: array / binary heap under tl__qlock (queue_heap.c). */
int tl__heap_init(tl_queue_t *q);
void tl__heap_destroy(tl_queue_t *q);
int tl__heap_try_put(tl_queue_t *q, int64_t prio, void *item);
int tl__heap_try_get(tl_queue_t *q, int64_t *prio, void **item);
size_t tl__heap_qsize(tl_queue_t *q);

#endif
