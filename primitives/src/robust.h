/* Internal: the robust owner-word lock shared by the process-shared Lock,
 * RLock, Barrier (its internal Lock) and the record queue (squeue_lock.c).
 *
 * Word layout (the kernel's robust-futex layout, which glibc keeps for
 * itself: the kernel's robust list cannot be ours, so waiters find a dead
 * holder themselves):
 *
 *   0                               free
 *   id                              held by id, nobody sleeps
 *   id | WAITERS                    held, some thread may sleep in the kernel
 *   id | DIED [| WAITERS]           held by id, which took it over from a
 *                                   dead holder and has not yet marked the
 *                                   state consistent (Lock/RLock only)
 *   NOTREC                          not recoverable: released while DIED
 *
 * id is a kernel tid (RLock, squeue: the owner thread) or a pid (Lock: the
 * owner process — a Python Lock has no owner thread, so a thread that exits
 * while its Lock is held is not a death). Ids fit in 30 bits (pid_max <=
 * 2^22); NOTREC is the all-ones id, which no task can have.
 *
 * Acquire: CAS 0 -> id (acquire). Else the adaptive spin (adaptive_spin.h),
 * then set WAITERS and futex-wait on the exact word seen. A process-shared
 * waiter sleeps in slices of `slice_ms`; after a slice with the same word (or
 * at its own deadline) it probes the holder id (liveness.h) and, if it is
 * dead, CASes that exact word to me | WAITERS [| DIED]: one waiter wins, and
 * a holder that released or handed over meanwhile changed the word, so a
 * live holder is never robbed. The winner gets TL_EOWNERDEAD and holds the
 * lock. A woken waiter installs me | WAITERS: it cannot know whether others
 * still sleep, so its release wakes one more (never a lost wake-up).
 *
 * Release: swap 0 (release order) and wake one if WAITERS was set; a release
 * of a DIED word instead stores NOTREC and wakes every sleeper, which then
 * returns TL_ENOTRECOVERABLE (pthread robust-mutex semantics).
 *
 * Memory order: the acquiring CAS is acquire and the releasing swap release
 * (the happens-before edge for the data the lock protects). A takeover's CAS
 * reads the dead holder's last word, not a release store by it: what the
 * dead holder wrote in its critical section may be half done — which is what
 * TL_EOWNERDEAD tells the new holder.
 */
#ifndef TL_ROBUST_H
#define TL_ROBUST_H

#include "threadlab/common.h"

#include "futex.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define TL__ROBUST_WAITERS 0x80000000u
#define TL__ROBUST_DIED 0x40000000u
#define TL__ROBUST_IDMASK 0x3fffffffu
#define TL__ROBUST_NOTREC TL__ROBUST_IDMASK

/* mode bits of tl__robust_lock_slow */
enum {
	TL__ROBUST_PSHARED = 1,  /* shared futex; sleep in slices and probe the holder */
	TL__ROBUST_ID_TID = 2,   /* ids are tids: our own id in the word is a dead holder's recycled tid */
	TL__ROBUST_MARK_DIED = 4 /* a takeover sets DIED (Lock/RLock; not squeue, which recovers itself) */
};

static inline bool tl__robust_notrec(uint32_t w)
{
	return (w & TL__ROBUST_IDMASK) == TL__ROBUST_NOTREC;
}

/* The contended path, after a failed CAS 0 -> me. Returns 0 (acquired),
 * TL_EOWNERDEAD (acquired from a dead holder; word = me | WAITERS [| DIED]),
 * TL_ETIMEDOUT (deadline passed; absolute CLOCK_MONOTONIC, NULL = forever)
 * or TL_ENOTRECOVERABLE (the word is NOTREC). spins: the learned spin budget
 * (adaptive_spin.h), NULL for a fixed one. */
int tl__robust_lock_slow(_Atomic uint32_t *word, uint32_t me, const struct timespec *deadline, unsigned mode,
			 long slice_ms, _Atomic uint16_t *spins);

/* Release a held word (the caller knows it holds it and that DIED is clear):
 * swap 0 and wake one sleeper if any. */
static inline void tl__robust_unlock(_Atomic uint32_t *word, int pshared)
{
	uint32_t w = atomic_exchange_explicit(word, 0, memory_order_release);
	if (w & TL__ROBUST_WAITERS)
		tl__futex_wake(word, 1, pshared);
}

/* Release a DIED word: it becomes NOTREC and every sleeper wakes to see so. */
void tl__robust_unlock_notrec(_Atomic uint32_t *word, int pshared);

/* Clear DIED in a word the caller holds (others may only add WAITERS). */
static inline void tl__robust_clear_died(_Atomic uint32_t *word)
{
	atomic_fetch_and_explicit(word, ~TL__ROBUST_DIED, memory_order_relaxed);
}

/* Absolute CLOCK_MONOTONIC time `ms` from now. */
void tl__after_ms(struct timespec *ts, long ms);

/* a earlier than b */
static inline int tl__ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* The sleep of a process-shared wait that must look around every slice: the
 * earlier of `deadline` (NULL = forever) and now + slice_ms, in *buf.
 * *is_deadline says which one it is. */
const struct timespec *tl__slice_deadline(struct timespec *buf, const struct timespec *deadline, long slice_ms,
					  bool *is_deadline);

#endif
