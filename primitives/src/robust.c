/* The robust owner-word lock's slow path: see robust.h for the word layout,
 * the takeover rule and the memory ordering. */
#include "robust.h"

#include "adaptive_spin.h"
#include "liveness.h"

#include <errno.h>
#include <limits.h>


void tl__after_ms(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

const struct timespec *tl__slice_deadline(struct timespec *buf, const struct timespec *deadline, long slice_ms,
					  bool *is_deadline)
{
	tl__after_ms(buf, slice_ms);
	*is_deadline = deadline && !tl__ts_before(buf, deadline);
	return *is_deadline ? deadline : buf;
}

void tl__robust_unlock_notrec(_Atomic uint32_t *word, int pshared)
{
	/* Only the holder writes here; waiters CAS in WAITERS against the word
	 * they saw, which fails now, and they re-read NOTREC. */
	atomic_store_explicit(word, TL__ROBUST_NOTREC, memory_order_release);
	tl__futex_wake(word, INT_MAX, pshared);
}

/* Is the holder recorded in v gone? */
static bool holder_dead(uint32_t v, uint32_t me, unsigned mode)
{
	uint32_t owner = v & TL__ROBUST_IDMASK;
	/* Our own id: in a tid-owned word that we are not holding (callers
	 * handle re-entry before) it is a dead holder's recycled tid; in a
	 * pid-owned one it is our own process, alive. */
	if (owner == me)
		return (mode & TL__ROBUST_ID_TID) != 0;
	return !tl__proc_alive((pid_t)owner, 0);
}

int tl__robust_lock_slow(_Atomic uint32_t *word, uint32_t me, const struct timespec *deadline, unsigned mode,
			 long slice_ms, _Atomic uint16_t *spins)
{
	const int ps = (mode & TL__ROBUST_PSHARED) != 0;
	uint32_t v;
	if (tl__adaptive_spin(word, me, spins))
		return 0;
	for (;;) {
		v = atomic_load_explicit(word, memory_order_relaxed);
		if (v == 0) {
			/* Taken after sleeping (or behind sleepers): keep the bit,
			 * others may still sleep, so our release must wake one. */
			if (atomic_compare_exchange_strong_explicit(word, &v, me | TL__ROBUST_WAITERS,
								    memory_order_acquire, memory_order_relaxed))
				return 0;
			continue;
		}
		if (tl__robust_notrec(v))
			return TL_ENOTRECOVERABLE;
		if (!(v & TL__ROBUST_WAITERS)) {
			if (!atomic_compare_exchange_strong_explicit(word, &v, v | TL__ROBUST_WAITERS,
								     memory_order_relaxed, memory_order_relaxed))
				continue;
			v |= TL__ROBUST_WAITERS;
		}
		struct timespec slice;
		bool at_deadline = true;
		const struct timespec *dl = ps ? tl__slice_deadline(&slice, deadline, slice_ms, &at_deadline) : deadline;
		if (tl__futex_wait(word, v, dl, ps) != -ETIMEDOUT) {
			/* Woken, changed or interrupted. Spin again before
			 * setting WAITERS anew (as Rust's std futex mutex does):
			 * a holder that re-takes the lock at once would
			 * otherwise pay a wake syscall for every wake-up of
			 * ours, and a sleep with a liveness timeout returns
			 * quickly on a VM. Taken after sleeping: WAITERS stays
			 * set, others may still sleep. */
			if (tl__adaptive_spin(word, me | TL__ROBUST_WAITERS, NULL))
				return 0;
			continue;
		}
		/* A slice (or the whole timeout) passed with the same holder: is it
		 * still alive? Also at the deadline, so that a timed acquire of a
		 * dead holder's lock takes it over rather than timing out. */
		if (ps && holder_dead(v, me, mode)) {
			uint32_t nv = me | TL__ROBUST_WAITERS | ((mode & TL__ROBUST_MARK_DIED) ? TL__ROBUST_DIED : 0);
			if (atomic_compare_exchange_strong_explicit(word, &v, nv, memory_order_acquire,
								    memory_order_relaxed))
				return TL_EOWNERDEAD;
			continue; /* the word moved: someone else took it, look again */
		}
		if (at_deadline)
			return TL_ETIMEDOUT; /* WAITERS stays: one spare wake, never a lost one */
	}
}
