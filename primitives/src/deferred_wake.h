/* Deferred wake: a Condition's notify does not wake a waiter asleep in the
 * kernel while the notifier still holds the lock (the waiter could only run,
 * find the lock taken and sleep again: two wakes and two context switches
 * per notify instead of one). It leaves the waiter on the lock (`deferred`,
 * touched only by whoever holds the lock) and the lock's release wakes it,
 * right after the release CAS: one FUTEX_WAKE per notify in all, as a bare
 * futex hand-off.
 *
 * Lifetime: a node lives in its waiter's stack frame, and the waiter cannot
 * return before it has the lock back, so the release reads the nodes (the
 * waiters' words) before its CAS. The wakes themselves come after it: the
 * word may be reused by then (a spurious futex return let its waiter go and
 * take the lock), and a stray wake is a spurious return, which every futex
 * wait in this library takes. Woken before the CAS, a waiter would find the
 * lock still held, and on the notifier's CPU it may even run first, fail and
 * sleep on the lock again. */
#ifndef TL_DEFERRED_WAKE_H
#define TL_DEFERRED_WAKE_H

#include "futex.h"

#include <stdatomic.h>
#include <stdint.h>

struct tl__deferred_wake {
	struct tl__deferred_wake *next;
	_Atomic uint32_t *word; /* private futex word, already marked notified */
};

/* Waiters a release wakes after its CAS; more than that (a notify_all of
 * many sleepers) are woken before it and find the lock taken for a moment. */
#define TL__DEFER_AFTER 4

struct tl__deferred_batch {
	int n;
	_Atomic uint32_t *word[TL__DEFER_AFTER];
};

/* Before the release, lock held: empty the list into b. */
static inline void tl__deferred_take(void **list, struct tl__deferred_batch *b)
{
	struct tl__deferred_wake *d = *list;
	*list = NULL;
	for (; d; d = d->next) {
		if (b->n < TL__DEFER_AFTER)
			b->word[b->n++] = d->word;
		else
			tl__futex_wake(d->word, 1, 0);
	}
}

/* After the release. */
static inline void tl__deferred_wake_all(const struct tl__deferred_batch *b)
{
	for (int i = 0; i < b->n; i++)
		tl__futex_wake(b->word[i], 1, 0);
}

#endif
