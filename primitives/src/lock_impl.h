/* Internal: what other files need from lock.c. condition.c: the deferred
 * wake (deferred_wake.h). stats.c: the fairness figures. */
#ifndef TL_LOCK_IMPL_H
#define TL_LOCK_IMPL_H

#include "threadlab/lock.h"

#include "deferred_wake.h"

#include <stdbool.h>

/* Leave a notified waiter for the lock's next release to wake
 * (deferred_wake.h); the caller holds the lock. false: not held (free,
 * handed over) or process-shared: the caller wakes it itself. */
bool tl__lock_defer_wake(tl_lock_t *l, struct tl__deferred_wake *d);

/* stats.c: the eventual-fairness mark now (learned from hand-over delays)
 * and the hand-overs since start. */
uint64_t tl__lock_fair_ns(void);
uint64_t tl__lock_handoffs(void);
uint64_t tl__lock_yields(void); /* releases followed by a yield (lock.c) */

#endif
