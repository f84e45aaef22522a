/* mutex_native.c — the native locks ours are measured against, through the
 * same bodies (lockbody.h):
 *   pthread_mutex            default (normal) glibc mutex
 *   pthread_mutex_adaptive   PTHREAD_MUTEX_ADAPTIVE_NP (spins before sleeping)
 *   pthread_mutex_recursive  PTHREAD_MUTEX_RECURSIVE (RLock's baseline)
 *   c11_spinlock             test-and-test-and-set on a C11 atomic_bool, pause
 *                            while held: the uncontended floor (C11 atomics)
 *   gmutex, grecmutex        GLib's GMutex and GRecMutex (BM_GLIB: GLib found
 *                            by CMake, which says so when it is not, and not
 *                            a ThreadSanitizer build; see common.h)
 */
#include "lockbody.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#ifdef BM_GLIB
#include <glib.h>
#endif

static inline void mx_init(pthread_mutex_t *m) { pthread_mutex_init(m, NULL); }
static inline void mx_destroy(pthread_mutex_t *m) { pthread_mutex_destroy(m); }
static inline void mx_lock(pthread_mutex_t *m) { pthread_mutex_lock(m); }
static inline void mx_unlock(pthread_mutex_t *m) { pthread_mutex_unlock(m); }
BM_LOCK_ADAPTER(pthread_mutex, pthread_mutex_t, mx_init, mx_destroy, mx_lock, mx_unlock)

static inline void mx_init_type(pthread_mutex_t *m, int type)
{
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, type);
	pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
}
static inline void ad_init(pthread_mutex_t *m) { mx_init_type(m, PTHREAD_MUTEX_ADAPTIVE_NP); }
BM_LOCK_ADAPTER(pthread_mutex_adaptive, pthread_mutex_t, ad_init, mx_destroy, mx_lock, mx_unlock)

static inline void rec_init(pthread_mutex_t *m) { mx_init_type(m, PTHREAD_MUTEX_RECURSIVE); }
BM_LOCK_ADAPTER(pthread_mutex_recursive, pthread_mutex_t, rec_init, mx_destroy, mx_lock, mx_unlock)

static inline void sp_init(atomic_bool *b) { atomic_init(b, false); }
static inline void sp_destroy(atomic_bool *b) { (void)b; }
static inline void sp_lock(atomic_bool *b)
{
	while (atomic_exchange_explicit(b, true, memory_order_acquire))
		while (atomic_load_explicit(b, memory_order_relaxed))
			bm_cpu_relax();
}
static inline void sp_unlock(atomic_bool *b) { atomic_store_explicit(b, false, memory_order_release); }
BM_LOCK_ADAPTER(c11_spinlock, atomic_bool, sp_init, sp_destroy, sp_lock, sp_unlock)

#ifdef BM_GLIB
static inline void g_init(GMutex *m) { g_mutex_init(m); }
static inline void g_destroy(GMutex *m) { g_mutex_clear(m); }
static inline void g_lock(GMutex *m) { g_mutex_lock(m); }
static inline void g_unlock(GMutex *m) { g_mutex_unlock(m); }
BM_LOCK_ADAPTER(gmutex, GMutex, g_init, g_destroy, g_lock, g_unlock)

static inline void gr_init(GRecMutex *m) { g_rec_mutex_init(m); }
static inline void gr_destroy(GRecMutex *m) { g_rec_mutex_clear(m); }
static inline void gr_lock(GRecMutex *m) { g_rec_mutex_lock(m); }
static inline void gr_unlock(GRecMutex *m) { g_rec_mutex_unlock(m); }
BM_LOCK_ADAPTER(grecmutex, GRecMutex, gr_init, gr_destroy, gr_lock, gr_unlock)
#endif

TLB_REGISTER(mutex_native)
{
	bm_lock_register(&bm_lock_fns_pthread_mutex, "pthread_mutex", NULL, BM_LOCK_FAIRNESS);
	bm_lock_register(&bm_lock_fns_pthread_mutex_adaptive, "pthread_mutex_adaptive", NULL, BM_LOCK_FAIRNESS);
	bm_lock_register(&bm_lock_fns_pthread_mutex_recursive, "pthread_mutex_recursive", NULL,
			 BM_LOCK_REENTRANT | BM_LOCK_LIGHT);
	/* uncontended only: contended and oversubscribed, a spinning waiter
	 * burns the time slice of the preempted holder (seconds per row) */
	bm_lock_register(&bm_lock_fns_c11_spinlock, "c11_spinlock", NULL, BM_LOCK_NO_CONTENDED);
#ifdef BM_GLIB
	bm_lock_register(&bm_lock_fns_gmutex, "gmutex", NULL, BM_LOCK_FAIRNESS);
	bm_lock_register(&bm_lock_fns_grecmutex, "grecmutex", NULL, BM_LOCK_REENTRANT | BM_LOCK_LIGHT);
#endif
}
