/* Internal: the small spin-then-futex mutex used inside queues, futures and
 * executors (not the public Lock: no owner, no timeout, never held across a
 * user callback or a blocking wait).
 *
 * Word: 0 free, 1 held, 2 held and someone may sleep (Drepper's "mutex3").
 * Lock: one CAS when free; else spin on loads for a short while (the
 * sections it guards are a few dozen instructions), then swap in 2 and
 * futex-wait. Unlock: swap 0 and wake one only if the old value was 2, so an
 * uncontended or spin-resolved handoff makes no syscall.
 * Ordering: acquire on the successful CAS/swap, release on the unlocking
 * swap; TSan sees the happens-before through these atomics, Helgrind and
 * DRD through the annotations on the word (-DTL_VALGRIND=ON). */
#ifndef TL_QLOCK_H
#define TL_QLOCK_H

#include "futex.h"
#include "spin.h"
#include "vg_annotate.h"

#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>

/* The spin before sleeping, in ns (turned into pauses for this CPU:
 * spin.h): about what 100 pauses took on the EPYC VM it was tuned on. */
#ifndef TL__QLOCK_SPIN_NS
#define TL__QLOCK_SPIN_NS 2500
#endif

static inline void tl__qlock_slow(_Atomic uint32_t *l)
{
	const uint32_t spin = tl__pauses_for_ns(TL__QLOCK_SPIN_NS);
	for (uint32_t i = 0; i < spin; i++) {
		uint32_t v = atomic_load_explicit(l, memory_order_relaxed);
		if (v == 0 && atomic_compare_exchange_weak_explicit(l, &v, 1, memory_order_acquire,
								     memory_order_relaxed))
			return;
		tl__cpu_relax();
	}
	while (atomic_exchange_explicit(l, 2, memory_order_acquire) != 0)
		tl__futex_wait(l, 2, NULL, 0);
}

static inline void tl__qlock(_Atomic uint32_t *l)
{
	TL__VG_IGNORE(l, sizeof *l); /* DRD: CAS/swap vs the spin's loads; atomics cannot race */
	uint32_t v = 0;
	if (!atomic_compare_exchange_strong_explicit(l, &v, 1, memory_order_acquire, memory_order_relaxed))
		tl__qlock_slow(l);
	TL__VG_HB_AFTER(l);
}

static inline void tl__qunlock(_Atomic uint32_t *l)
{
	TL__VG_HB_BEFORE(l);
	if (atomic_exchange_explicit(l, 0, memory_order_release) == 2)
		tl__futex_wake(l, 1, 0);
}

/* Bounded busy wait for a peer that is a few instructions from publishing
 * (a slot claimed but not yet written): pause first, then yield the CPU so a
 * preempted peer can run (2 vCPUs, oversubscription). */
#ifndef TL__BACKOFF_SPIN_NS
#define TL__BACKOFF_SPIN_NS 1600
#endif
static inline void tl__backoff(unsigned *n)
{
	if (*n < tl__pauses_for_ns(TL__BACKOFF_SPIN_NS)) {
		tl__cpu_relax();
	} else {
		sched_yield();
	}
	(*n)++;
}

#endif
