/* Internal: the spin phase of a contended lock acquire, shared by the
 * private Lock (lock.c) and the robust owner-word lock (robust.c: the
 * process-shared Lock, RLock and record queue).
 *
 * glibc's PTHREAD_MUTEX_ADAPTIVE_NP: rounds of exponentially growing pause
 * runs (1, 2, 4 .. up to TL__ASPIN_BACKOFF_NS, plus up to as much jitter) with one
 * load of the word between rounds and a CAS 0 -> val when it reads free. The
 * budget is twice the recent average of pauses a spin used, plus about
 * 250 ns, at most about TL__ASPIN_MAX_NS:
 * a spin that ends in sleep pulls the average up to the limit, so the
 * budget shrinks only while spins keep succeeding quickly. The backoff keeps
 * the spinner off the lock's cache line, which is what the holder
 * (releasing and, with nothing to do outside the lock, re-acquiring at once)
 * needs most; the jitter de-synchronises several spinners.
 *
 * Budgeted in time: the limits are nanoseconds, turned into pause counts
 * with this CPU's measured pause cost (spin.h), since a pause takes ~10
 * cycles on some CPUs and ~140 on others (a count tuned on one CPU spun 5x
 * longer, and backed off 5x further from the lock word, on another). The
 * defaults are what 100 and 16 pauses took on the 2-vCPU EPYC VM where the
 * contended Lock beat pthread_mutex 1.6-2.7x.
 *
 * `spins` (NULL: the fixed maximum budget) is a hint: relaxed, and a
 * lost update only skews the average. The CAS is acquire: the edge from the
 * previous holder's release. */
#ifndef TL_ADAPTIVE_SPIN_H
#define TL_ADAPTIVE_SPIN_H

#include "futex.h"
#include "spin.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#ifndef TL__ASPIN_MAX_NS
#define TL__ASPIN_MAX_NS 2500
#endif
#ifndef TL__ASPIN_BACKOFF_NS
#define TL__ASPIN_BACKOFF_NS 400
#endif
#define TL__ASPIN_MIN_NS 250

/* The limits in pauses for this CPU, computed once (spin.c). */
struct tl__aspin_limits {
	uint32_t max, backoff_max, min;
};
const struct tl__aspin_limits *tl__aspin_limits(void);

static inline bool tl__adaptive_spin(_Atomic uint32_t *word, uint32_t val, _Atomic uint16_t *spins)
{
	static _Thread_local uint32_t seed;
	const struct tl__aspin_limits *lim = tl__aspin_limits();
	uint32_t avg = spins ? atomic_load_explicit(spins, memory_order_relaxed) : lim->max;
	uint32_t max = avg * 2 + lim->min < lim->max ? avg * 2 + lim->min : lim->max, cnt = 0, backoff = 1;
	uint32_t jitter = (seed = seed * 1103515245u + 12345u) >> 16; /* 16 bits */
	bool got = false;
	for (;;) {
		uint32_t n = backoff + (uint32_t)(((uint64_t)jitter * backoff) >> 16); /* [b, 2b) */
		cnt += n;
		if (cnt >= max)
			break;
		while (n--)
			tl__cpu_relax();
		backoff = backoff * 2 < lim->backoff_max ? backoff * 2 : lim->backoff_max;
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
