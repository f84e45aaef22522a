/* Internal: a wait queue with exact wake accounting, for the slow paths of
 * queues and futures (a condition variable whose fast path lives elsewhere).
 *
 * A sleeper links a node from its own stack (prepare), re-checks its
 * condition, then sleeps on the node's own futex word until a waker has
 * unlinked it and set `signalled`. A waker (after making the condition true)
 * pays one seq_cst load of `n` when nobody sleeps; otherwise it unlinks the
 * oldest node under the small lock, so every wake goes to a distinct sleeper
 * and a sleeper that has been woken is no longer counted: N puts against one
 * slow-to-run sleeper make one wake syscall, not N (the flaw of "count
 * sleepers, let them uncount themselves").
 *
 * Dekker pairing: prepare increments n (seq_cst RMW) before the sleeper's
 * re-check; the waker publishes (seq_cst) before loading n. So either the
 * waker sees the node or the re-check sees the new state.
 *
 * A sleeper that was signalled but leaves without using the wake (it found
 * what it wanted in its re-check) must pass it on (tl__wq_cancel returns
 * true), or another sleeper could sleep on while its item sits there.
 *
 * Order: FIFO among sleepers (oldest first). Happens-before: the waker's
 * release store of `signalled` pairs with the sleeper's acquire load; the
 * lock's acquire/release orders the list. The futex wake may hit a node
 * whose owner already returned (it saw `signalled` first): harmless, the
 * word is re-checked by whoever waits there next. */
#ifndef TL_WAITQ_H
#define TL_WAITQ_H

#include "threadlab/queue.h" /* tl__waitq_t */

#include <stdatomic.h>
#include <stdbool.h>

typedef struct tl__wnode {
	struct tl__wnode *next, *prev;
	_Atomic uint32_t signalled;
} tl__wnode_t;

void tl__wq_init(tl__waitq_t *wq);

static inline bool tl__wq_has_waiters(tl__waitq_t *wq)
{
	return atomic_load_explicit(&wq->n, memory_order_seq_cst) != 0;
}

/* Link w (oldest-first order). Then re-check, then tl__wq_wait or cancel. */
void tl__wq_prepare(tl__waitq_t *wq, tl__wnode_t *w);

/* Leave without sleeping (condition met). Returns true if w had been
 * signalled meanwhile: the caller should pass the wake on if it matters. */
bool tl__wq_cancel(tl__waitq_t *wq, tl__wnode_t *w);

/* Sleep until signalled (0) or the deadline (TL_ETIMEDOUT; w is unlinked,
 * unless a wake raced in, which then wins and 0 is returned). */
int tl__wq_wait(tl__waitq_t *wq, tl__wnode_t *w, const struct timespec *deadline);

/* Wake the oldest sleeper / every sleeper. Return how many were signalled. */
int tl__wq_wake_one(tl__waitq_t *wq);
int tl__wq_wake_all(tl__waitq_t *wq);

/* The fast-path form: one load when nobody sleeps. */
static inline void tl__wq_notify(tl__waitq_t *wq)
{
	if (tl__wq_has_waiters(wq))
		tl__wq_wake_one(wq);
}

#endif
