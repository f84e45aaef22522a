/* Internal: TSan mutex-annotation flags (0 outside TSan and TL_VALGRIND builds), so that
 * the primitives can write TL_TSAN_MUTEX_PRE_LOCK(l, TL__TSAN_READ | ...)
 * unconditionally. See tsan.h for the macros themselves. */
#ifndef TL_TSAN_MUTEX_H
#define TL_TSAN_MUTEX_H

#include "tsan.h"

#ifdef TL_TSAN
#define TL__TSAN_READ __tsan_mutex_read_lock
#define TL__TSAN_TRY __tsan_mutex_try_lock
#define TL__TSAN_TRY_FAILED __tsan_mutex_try_lock_failed
#define TL__TSAN_REENTRANT __tsan_mutex_write_reentrant
#define TL__TSAN_REC_LOCK __tsan_mutex_recursive_lock
#define TL__TSAN_REC_UNLOCK __tsan_mutex_recursive_unlock
#define TL__TSAN_NOT_STATIC __tsan_mutex_not_static
/* Pre-unlock that returns the recursion count it removed (RLock in
 * Condition.wait); 1 outside TSan builds (the value is then unused). */
#define TL__TSAN_PRE_UNLOCK_REC(addr, flags) __tsan_mutex_pre_unlock((void *)(addr), (flags))
#elif defined(TL_VALGRIND)
/* Our own bits, read by lock_tsan.c's tl__vg_* (see tsan.h). */
#define TL__TSAN_READ 1u
#define TL__TSAN_TRY 2u
#define TL__TSAN_TRY_FAILED 4u
#define TL__TSAN_REENTRANT 8u
#define TL__TSAN_REC_LOCK 16u
#define TL__TSAN_REC_UNLOCK 32u
#define TL__TSAN_NOT_STATIC 64u
#define TL__TSAN_PRE_UNLOCK_REC(addr, flags) tl__vg_pre_unlock((void *)(addr), (flags))
#else
#define TL__TSAN_READ 0u
#define TL__TSAN_TRY 0u
#define TL__TSAN_TRY_FAILED 0u
#define TL__TSAN_REENTRANT 0u
#define TL__TSAN_REC_LOCK 0u
#define TL__TSAN_REC_UNLOCK 0u
#define TL__TSAN_NOT_STATIC 0u
#define TL__TSAN_PRE_UNLOCK_REC(addr, flags) ((void)(addr), 1)
#endif

#endif
