/* Internal: Python's RLock._release_save / _acquire_restore, for
 * Condition.wait — release every level at once, and take them all back. */
#ifndef TL_RLOCK_IMPL_H
#define TL_RLOCK_IMPL_H

#include "threadlab/rlock.h"

#include <stdbool.h>

/* TL_EPERM if not owned; else releases fully and stores the depth. */
int tl__rlock_release_save(tl_rlock_t *r, uint32_t *count);
/* Blocks (forever) until owned again with the saved depth: 0, or for a
 * process-shared RLock TL_EOWNERDEAD (owned, DIED) / TL_ENOTRECOVERABLE
 * (not owned). */
int tl__rlock_acquire_restore(tl_rlock_t *r, uint32_t count);

/* Wait morphing (condition.c; lock_impl.h says it for a Lock): mark a held
 * private RLock "a thread may sleep here" (WAITERS), so its release wakes
 * one; false if not held or process-shared. And the restore for a waiter
 * that may have been moved onto the word: it takes the word with WAITERS. */
bool tl__rlock_mark_sleepers(tl_rlock_t *r);
int tl__rlock_acquire_restore_requeued(tl_rlock_t *r, uint32_t count);

#endif
