/* Internal: the spin phase of a contended lock acquire, shared by the
 * private Lock (lock.c) and the robust owner-word lock (robust.c: the
 * process-shared Lock, RLock and record queue).
 *
 * glibc's PTHREAD_MUTEX_ADAPTIVE_NP: rounds of exponentially growing pause
 * runs (1, 2, 4 .. BACKOFF_MAX, plus jitter) with one load of the word
 * between rounds and a CAS 0 -> val when it reads free. The budget is twice
 * the recent average of pauses a spin used, plus 10, at most TL__ASPIN_MAX:
 * a spin that ends in sleep pulls the average up to the limit, so the
 * budget shrinks only while spins keep succeeding quickly. The backoff keeps
 * the spinner off the lock's cache line, which is what the holder
 * (releasing and, with nothing to do outside the lock, re-acquiring at once)
 * needs most; the jitter de-synchronises several spinners.
 *
 * `spins` (NULL: a fixed TL__ASPIN_MAX budget) is a hint: relaxed, and a
 * lost update only skews the average. The CAS is acquire: the edge from the
 * previous holder's release. */
#ifndef TL_ADAPTIVE_SPIN_H
#define TL_ADAPTIVE_SPIN_H

#include "futex.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#ifndef TL__ASPIN_MAX
#define TL__ASPIN_MAX 100
#endif
#ifndef TL__ASPIN_BACKOFF_MAX
#define TL__ASPIN_BACKOFF_MAX 16
#endif

static inline bool tl__adaptive_spin(_Atomic uint32_t *word, uint32_t val, _Atomic uint16_t *spins)
{
	static _Thread_local uint32_t seed;
	uint32_t avg = spins ? atomic_load_explicit(spins, memory_order_relaxed) : TL__ASPIN_MAX;
	uint32_t max = avg * 2 + 10 < TL__ASPIN_MAX ? avg * 2 + 10 : TL__ASPIN_MAX, cnt = 0, backoff = 1;
	uint32_t jitter = (seed = seed * 1103515245u + 12345u) >> 16;
	bool got = false;
	for (;;) {
		uint32_t n = backoff + (jitter & (backoff - 1));
		cnt += n;
		if (cnt >= max)
			break;
		while (n--)
			tl__cpu_relax();
		backoff = backoff < TL__ASPIN_BACKOFF_MAX ? backoff * 2 : TL__ASPIN_BACKOFF_MAX;
		uint32_t c = atomic_load_explicit(word, memory_order_relaxed);
		if (c == 0 && atomic_compare_exchange_strong_explicit(word, &c, val, memory_order_acquire,
								      memory_order_relaxed)) {
			got = true;
			break;
		}
	}
	if (spins)
		atomic_store_explicit(spins, (uint16_t)((int32_t)avg + ((int32_t)cnt - (int32_t)avg) / 8),
				      memory_order_relaxed);
	return got;
}

#endif
