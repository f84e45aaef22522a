/* Internal, TSan builds only: keep TSan's per-thread "held locks" honest for
 * a Lock released by a thread other than the one that acquired it.
 *
 * Lock is annotated as a TSan read mutex (no owner). TSan's deadlock detector
 * still remembers, per thread, which mutexes that thread holds; when T2
 * releases a Lock that T1 acquired, T2's read-unlock cannot clear T1's entry,
 * so T1 would look as if it still held the Lock and every later lock T1 takes
 * would add a false edge (a false "lock-order-inversion" report; reproduced
 * in tests/tsan_expect/README.md's handoff case). So:
 *   - a tiny registry remembers which thread holds each Lock (in TSan's eyes);
 *   - a release by another thread queues the Lock on the holder's list;
 *   - the holder drains its list (annotating the read-unlock as itself) at
 *     its next threadlab acquire, before TSan sees that acquire.
 * All registry work runs inside TSan ignore brackets, so it adds no
 * happens-before edge (no hidden races) and is never itself reported.
 * Residual: a pthread mutex taken by T1 before its next threadlab acquire
 * still gets the false edge (TSan has no API to edit another thread's set).
 * scripts/tlrace/README.md's limits table gives the workaround (take a
 * threadlab Lock or RLock, or call tl_lock_* once, before the pthread mutex).
 *
 * The same registry serves Helgrind and DRD in -DTL_VALGRIND=ON builds,
 * where a release by a non-holder would be an "unlock of a lock held by
 * another thread" error; lock_tsan.c also holds the tl__vg_* functions
 * tsan.h maps the annotations to there. */
#ifndef TL_LOCK_TSAN_H
#define TL_LOCK_TSAN_H

#include "threadlab/lock.h"
#include "tsan.h"

#if defined(TL_TSAN) || defined(TL_VALGRIND)
void tl__tsan_lock_sync(void);                 /* before annotating any acquire */
void tl__tsan_lock_acquired(tl_lock_t *l);      /* inside the lock bracket */
void tl__tsan_lock_released(tl_lock_t *l);      /* inside the unlock bracket */
void tl__tsan_lock_forget(tl_lock_t *l);        /* destroy */
#else
#define tl__tsan_lock_sync() ((void)0)
#define tl__tsan_lock_acquired(l) ((void)(l))
#define tl__tsan_lock_released(l) ((void)(l))
#define tl__tsan_lock_forget(l) ((void)(l))
#endif

#ifdef TL_VALGRIND
/* A threadlab thread's run() returned: let go, in Helgrind's and DRD's
 * eyes only, of the Locks it still holds (lock_tsan.c) */
void tl__vg_thread_ending(void);
#else
#define tl__vg_thread_ending() ((void)0)
#endif

#endif
