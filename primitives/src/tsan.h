/* Internal: ThreadSanitizer annotations, no-ops in other builds.
 *
 * Happens-before between threads is carried by the C11 atomics on each
 * primitive's state word (TSan instruments those); the futex syscalls carry
 * none. These macros add what atomics cannot say:
 *   - TL_TSAN_MUTEX_*: tell TSan a word is a mutex, so lock-order inversions
 *     (deadlock reports) and RLock misuse are detected in our locks.
 *     tl_lock (Python Lock) may legally be released by a thread that did not
 *     acquire it; TSan's write-mutex model would call that a bug, so Lock is
 *     annotated as a *read* mutex (no owner kept, still in the lock-order
 *     graph) — see lock.c.
 *   - TL_TSAN_ACQUIRE/RELEASE: explicit edges where a value crosses threads
 *     through something TSan cannot see (a futex wake, a pipe, a fork).
 *
 * Built with -DTL_VALGRIND=ON (never with TSan), the same macros tell
 * Helgrind and DRD (vg_annotate.h): ACQUIRE/RELEASE are happens-after/before,
 * and the mutex brackets go to lock_tsan.c's tl__vg_* functions, which know
 * each lock's kind from its create flags (an RLock is a recursive mutex; a
 * Lock, which any thread may release, a reader lock whose release by another
 * thread is handed to the holder, as for TSan) and so keep Helgrind's
 * lock-order graph and both tools' happens-before right.
 */
#ifndef TL_TSAN_H
#define TL_TSAN_H

#if defined(__SANITIZE_THREAD__)
#define TL_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TL_TSAN 1
#endif
#endif

#ifdef TL_TSAN
#include <sanitizer/tsan_interface.h>
#define TL_TSAN_ACQUIRE(addr) __tsan_acquire((void *)(addr))
#define TL_TSAN_RELEASE(addr) __tsan_release((void *)(addr))
#define TL_TSAN_MUTEX_CREATE(addr, flags) __tsan_mutex_create((void *)(addr), (flags))
#define TL_TSAN_MUTEX_DESTROY(addr, flags) __tsan_mutex_destroy((void *)(addr), (flags))
#define TL_TSAN_MUTEX_PRE_LOCK(addr, flags) __tsan_mutex_pre_lock((void *)(addr), (flags))
#define TL_TSAN_MUTEX_POST_LOCK(addr, flags, rec) __tsan_mutex_post_lock((void *)(addr), (flags), (rec))
#define TL_TSAN_MUTEX_PRE_UNLOCK(addr, flags) __tsan_mutex_pre_unlock((void *)(addr), (flags))
#define TL_TSAN_MUTEX_POST_UNLOCK(addr, flags) __tsan_mutex_post_unlock((void *)(addr), (flags))
#define TL_TSAN_MUTEX_PRE_SIGNAL(addr) __tsan_mutex_pre_signal((void *)(addr), 0)
#define TL_TSAN_MUTEX_POST_SIGNAL(addr) __tsan_mutex_post_signal((void *)(addr), 0)
#define TL_TSAN_MUTEX_PRE_DIVERT(addr) __tsan_mutex_pre_divert((void *)(addr), 0)
#define TL_TSAN_MUTEX_POST_DIVERT(addr) __tsan_mutex_post_divert((void *)(addr), 0)
#elif defined(TL_VALGRIND)
#include "vg_annotate.h"
void tl__vg_create(void *addr, unsigned flags, unsigned long size);
void tl__vg_destroy(void *addr);
void tl__vg_pre_lock(void *addr, unsigned flags);
void tl__vg_post_lock(void *addr, unsigned flags, int rec);
int tl__vg_pre_unlock(void *addr, unsigned flags);
void tl__vg_post_unlock(void *addr, unsigned flags);
#define TL_TSAN_ACQUIRE(addr) TL__VG_HB_AFTER(addr)
#define TL_TSAN_RELEASE(addr) TL__VG_HB_BEFORE(addr)
#define TL_TSAN_MUTEX_CREATE(addr, flags) tl__vg_create((void *)(addr), (flags), sizeof *(addr))
#define TL_TSAN_MUTEX_DESTROY(addr, flags) tl__vg_destroy((void *)(addr))
#define TL_TSAN_MUTEX_PRE_LOCK(addr, flags) tl__vg_pre_lock((void *)(addr), (flags))
#define TL_TSAN_MUTEX_POST_LOCK(addr, flags, rec) tl__vg_post_lock((void *)(addr), (flags), (rec))
#define TL_TSAN_MUTEX_PRE_UNLOCK(addr, flags) ((void)tl__vg_pre_unlock((void *)(addr), (flags)))
#define TL_TSAN_MUTEX_POST_UNLOCK(addr, flags) tl__vg_post_unlock((void *)(addr), (flags))
#define TL_TSAN_MUTEX_PRE_SIGNAL(addr) ((void)(addr))
#define TL_TSAN_MUTEX_POST_SIGNAL(addr) ((void)(addr))
#define TL_TSAN_MUTEX_PRE_DIVERT(addr) ((void)(addr))
#define TL_TSAN_MUTEX_POST_DIVERT(addr) ((void)(addr))
#else
#define TL_TSAN_ACQUIRE(addr) ((void)(addr))
#define TL_TSAN_RELEASE(addr) ((void)(addr))
#define TL_TSAN_MUTEX_CREATE(addr, flags) ((void)(addr))
#define TL_TSAN_MUTEX_DESTROY(addr, flags) ((void)(addr))
#define TL_TSAN_MUTEX_PRE_LOCK(addr, flags) ((void)(addr))
#define TL_TSAN_MUTEX_POST_LOCK(addr, flags, rec) ((void)(addr))
#define TL_TSAN_MUTEX_PRE_UNLOCK(addr, flags) ((void)(addr))
#define TL_TSAN_MUTEX_POST_UNLOCK(addr, flags) ((void)(addr))
#define TL_TSAN_MUTEX_PRE_SIGNAL(addr) ((void)(addr))
#define TL_TSAN_MUTEX_POST_SIGNAL(addr) ((void)(addr))
#define TL_TSAN_MUTEX_PRE_DIVERT(addr) ((void)(addr))
#define TL_TSAN_MUTEX_POST_DIVERT(addr) ((void)(addr))
#endif

#endif
