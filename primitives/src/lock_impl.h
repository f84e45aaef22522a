/* Internal: what other files need from lock.c. condition.c, for wait
 * morphing on a private Lock: a notify moves a sleeping waiter from its own
 * futex onto the lock word (FUTEX_CMP_REQUEUE) instead of waking it while
 * the lock is still held: the waiter then wakes once, at the release, not
 * twice (once to find the lock taken, once more when it is released). */
#ifndef TL_LOCK_IMPL_H
#define TL_LOCK_IMPL_H

#include "threadlab/lock.h"

#include <stdbool.h>

/* Mark a held private lock "a thread may sleep here" (state 2), so its
 * release wakes one sleeper. false: not held (free, handed over) or
 * process-shared: nothing may be moved onto it. */
bool tl__lock_mark_sleepers(tl_lock_t *l);
/* tl_lock_acquire_until(l, NULL) for a thread that may have been moved onto
 * the word: takes it as 2 (never 1), so the moved waiters behind it are
 * woken by its release in turn. */
int tl__lock_acquire_requeued(tl_lock_t *l);

/* stats.c: the eventual-fairness mark now (learned from hand-over delays)
 * and the hand-overs since start. */
uint64_t tl__lock_fair_ns(void);
uint64_t tl__lock_handoffs(void);

#endif
