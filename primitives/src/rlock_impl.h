/* Internal: Python's RLock._release_save / _acquire_restore, for
 * Condition.wait — release every level at once, and take them all back. */
#ifndef TL_RLOCK_IMPL_H
#define TL_RLOCK_IMPL_H

#include "threadlab/rlock.h"

#include "deferred_wake.h"

#include <stdbool.h>

/* TL_EPERM if not owned; else releases fully and stores the depth. */
int tl__rlock_release_save(tl_rlock_t *r, uint32_t *count);
/* Blocks (forever) until owned again with the saved depth: 0, or for a
 * process-shared RLock TL_EOWNERDEAD (owned, DIED) / TL_ENOTRECOVERABLE
 * (not owned). */
int tl__rlock_acquire_restore(tl_rlock_t *r, uint32_t count);

/* condition.c: leave a notified waiter for the owner's last release to wake
 * (deferred_wake.h). false: not owned by this thread, or process-shared:
 * the caller wakes it itself. */
bool tl__rlock_defer_wake(tl_rlock_t *r, struct tl__deferred_wake *d);

#endif
