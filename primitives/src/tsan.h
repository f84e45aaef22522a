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
