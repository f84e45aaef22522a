/* rlock.c — threading.RLock (tl_rlock) through the shared lock bodies
 * (lockbody.h); baseline the recursive pthread_mutex (mutex_native.c).
 * rlock/reentrant: acquire+release pairs while the thread already holds it. */
#include "lockbody.h"

#include "threadlab/rlock.h"

static inline void init(tl_rlock_t *l) { tl_rlock_init(l, TL_PRIVATE); }
static inline void destroy(tl_rlock_t *l) { tl_rlock_destroy(l); }
static inline void acquire(tl_rlock_t *l) { tl_rlock_acquire(l, true, TL_FOREVER); }
static inline void release(tl_rlock_t *l) { tl_rlock_release(l); }
BM_LOCK_ADAPTER(rlock, tl_rlock_t, init, destroy, acquire, release)

TLB_REGISTER(rlock)
{
	bm_lock_register(&bm_lock_fns_rlock, "rlock", "pthread_mutex_recursive", BM_LOCK_REENTRANT | BM_LOCK_LIGHT);
}
