/* Internal: where future blocks come from and go (future_cache.c): a
 * per-thread magazine of recycled blocks over a bounded process depot,
 * plain malloc/free under ASan, TSan and valgrind. */
#ifndef TL_FUTURE_CACHE_H
#define TL_FUTURE_CACHE_H

#include "future_impl.h"

/* An uninitialised block for one tl_future_t, or NULL (out of memory). */
tl_future_t *tl__future_alloc(void);
/* Gives back a block from tl__future_alloc that nobody references. */
void tl__future_release(tl_future_t *f);

#endif
