/* threadlab/spscq.h — a bounded FIFO for exactly one producer and one
 * consumer: the stage-to-stage link of the tutorial's pipeline lesson
 * (producer -> queue -> consumer), without what a queue.Queue pays so that
 * any number of threads may put and get.
 *
 * Python has no such type; its calls and results are queue.Queue's
 * (threadlab/queue.h) for a bounded FIFO: put/get with block and timeout,
 * the _nowait and _until forms, qsize/empty/full. No task_done/join, no
 * shutdown (send a sentinel item, as the tutorial's pipeline does).
 *
 * Example (compiled and run by tests/api):
 *
 *   #include <pthread.h>
 *   #include <stdint.h>
 *
 *   static tl_spscq_t q;
 *
 *   static void *consumer(void *arg)
 *   {
 *       uintptr_t sum = 0;
 *       for (;;) {
 *           void *item;
 *           tl_spscq_get(&q, &item, true, TL_FOREVER);      // q.get()
 *           if (!item)                                      // the sentinel
 *               break;
 *           sum += (uintptr_t)item;
 *       }
 *       *(uintptr_t *)arg = sum;
 *       return NULL;
 *   }
 *
 *   int main(void)
 *   {
 *       uintptr_t sum = 0;
 *       pthread_t t;
 *       if (tl_spscq_init(&q, 16) != 0)                     // Queue(maxsize=16)
 *           return 1;
 *       pthread_create(&t, NULL, consumer, &sum);
 *       for (uintptr_t i = 1; i <= 1000; i++)
 *           tl_spscq_put(&q, (void *)i, true, TL_FOREVER);  // blocks while full
 *       tl_spscq_put(&q, NULL, true, TL_FOREVER);
 *       pthread_join(t, NULL);
 *       tl_spscq_destroy(&q);
 *       return sum == 500500 ? 0 : 1;
 *   }
 *
 * The contract: at any time at most one thread is in a put (the producer)
 * and at most one in a get (the consumer). Either role may move to another
 * thread when the hand-over is ordered (a join, a lock, an Event). Two
 * concurrent putters or getters corrupt the queue; under ThreadSanitizer
 * they show as a data race on that role's slot index (a plain field).
 * qsize, empty and full may be called from any thread.
 *
 * Results (Python exception in brackets):
 *   init: 0; TL_EINVAL unless 1 <= maxsize <= 2^30 (the ring is bounded;
 *        Python's maxsize <= 0, "infinite", has no SPSC ring); TL_ENOMEM.
 *   put: 0; TL_EFULL [Full] when non-blocking and full, or when the timeout
 *        expired while full. get: 0; TL_EEMPTY [Empty] likewise; *item is
 *        written only on success. timeout: TL_FOREVER blocks forever, >= 0
 *        seconds (0: one attempt); any other negative value, or NaN, is
 *        TL_EINVAL [ValueError]; block == false ignores it, as Python does.
 *   put_until/get_until: the deadline-driven core: absolute CLOCK_MONOTONIC
 *        deadline, NULL = forever; a deadline already passed makes one
 *        attempt.
 *   qsize: the number of items, in [0, maxsize]; with both sides busy it is
 *        a snapshot of two words read one after the other (stale as soon as
 *        it returns, as in Python). empty/full: qsize() == 0 / == maxsize.
 *   destroy: TL_EBUSY while a put or get is blocked in it (then the queue is
 *        untouched and still usable). Items still queued are the caller's.
 *   any call: TL_EINVAL for a NULL queue, or a NULL item out-pointer (get).
 *        A NULL item is a valid item.
 *
 * Speed: a slot says by itself whether it holds an item, so a put is a
 * load and a release store of its slot, a get a load and a release store
 * (emptying) of its slot, and neither side reads the other's position: the
 * slots' lines are all that moves between the two threads' CPUs, several
 * items per line. No read-modify-write and no fence on the fast path:
 * the Dekker check against a sleeping peer is made asymmetric with
 * membarrier(2) (the side going to sleep pays the barrier for both; where
 * the kernel lacks it, both sides fence). A blocked side polls briefly (in
 * time, not in pause counts), then sleeps on a futex; a wake syscall is
 * made only when the other side actually sleeps.
 *
 * Memory: the struct is caller-allocated (any alignment); the ring
 * (maxsize pointers, in whole cache lines) is allocated at init. Private to
 * one process.
 */
#ifndef THREADLAB_SPSCQ_H
#define THREADLAB_SPSCQ_H

#include "threadlab/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Internal layout: fields are private. The producer's words, the
 * consumer's words and the sleep flags live on separate cache lines
 * whatever the struct's alignment. */
typedef struct tl_spscq {
	void **ring; /* maxsize slots, NULL = empty */
	uint64_t maxsize;
	char tl__pad0[64];
	/* producer: its slot and its count of puts */
	_Atomic uint64_t tail;
	uint64_t tpos;
	char tl__pad1[64];
	/* consumer: its slot and its count of gets */
	_Atomic uint64_t head;
	uint64_t hpos;
	char tl__pad2[64];
	/* futex words: 1 while that side sleeps (or is about to) */
	_Atomic uint32_t get_sleeps, put_sleeps;
	_Atomic uint32_t inside; /* calls in the slow path (destroy: TL_EBUSY) */
	char tl__pad3[64];
} tl_spscq_t;

int tl_spscq_init(tl_spscq_t *q, long maxsize);
int tl_spscq_destroy(tl_spscq_t *q);

/* The producer's calls. */
int tl_spscq_put(tl_spscq_t *q, void *item, bool block, double timeout);
int tl_spscq_put_nowait(tl_spscq_t *q, void *item);
int tl_spscq_put_until(tl_spscq_t *q, void *item, const struct timespec *deadline);

/* The consumer's calls. */
int tl_spscq_get(tl_spscq_t *q, void **item, bool block, double timeout);
int tl_spscq_get_nowait(tl_spscq_t *q, void **item);
int tl_spscq_get_until(tl_spscq_t *q, void **item, const struct timespec *deadline);

/* Anyone's: a snapshot (see above). 0 for a NULL queue; empty/full false. */
size_t tl_spscq_qsize(tl_spscq_t *q);
bool tl_spscq_empty(tl_spscq_t *q);
bool tl_spscq_full(tl_spscq_t *q);

#ifdef __cplusplus
}
#endif
#endif
