/* lock.c — threading.Lock (tl_lock) through the shared lock bodies
 * (lockbody.h); baseline pthread_mutex (mutex_native.c). */
#include "lockbody.h"

#include "threadlab/lock.h"

static inline void init(tl_lock_t *l) { tl_lock_init(l, TL_PRIVATE); }
static inline void destroy(tl_lock_t *l) { tl_lock_destroy(l); }
static inline void acquire(tl_lock_t *l) { tl_lock_acquire(l, true, TL_FOREVER); }
static inline void release(tl_lock_t *l) { tl_lock_release(l); }
BM_LOCK_ADAPTER(lock, tl_lock_t, init, destroy, acquire, release)

TLB_REGISTER(lock)
{
	bm_lock_register(&bm_lock_fns_lock, "lock", "pthread_mutex", BM_LOCK_FAIRNESS);
}
