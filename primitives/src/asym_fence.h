/* Internal: an asymmetric store->load barrier for Dekker checks whose one
 * side is hot and the other rare (a put's "does the consumer sleep?" versus
 * the consumer going to sleep).
 *
 *   hot side:  store X; tl__asym_light(); load Y
 *   rare side: store Y; tl__asym_heavy(); load X
 *
 * guarantees that the hot load sees Y or the rare load sees X. With
 * membarrier(2)'s MEMBARRIER_CMD_PRIVATE_EXPEDITED (Linux 4.14+), the light
 * side is only a compiler barrier: the heavy side makes every running
 * thread of the process execute a full barrier (an IPI; a thread that is
 * not running passes one at its context switch), so a hot store still in a
 * store buffer is drained before the heavy side's load, and a hot load that
 * comes after that barrier sees the rare side's store. Where the kernel (or
 * valgrind) refuses the registration, both sides use a seq_cst fence. The
 * mode is fixed once per process, at the first tl__asym_init, before any
 * object that uses it exists. TSan sees only the atomics (these calls order
 * no plain data; the data travel by release/acquire pairs of their own). */
#ifndef TL_ASYM_FENCE_H
#define TL_ASYM_FENCE_H

#include "tsan.h"

#include <stdatomic.h>
#include <stdbool.h>

/* A full store->load barrier. GCC refuses atomic_thread_fence under TSan
 * (which does not model fences); there a seq_cst read-modify-write of a
 * private word stands in: a full barrier on x86-64 and AArch64 alike. */
#ifdef TL_TSAN
static inline void tl__full_fence(void)
{
	static _Atomic int word;
	atomic_fetch_add_explicit(&word, 0, memory_order_seq_cst);
}
#else
static inline void tl__full_fence(void)
{
	atomic_thread_fence(memory_order_seq_cst);
}
#endif

extern _Atomic int tl__asym_fenced; /* 1: membarrier unavailable, fence both sides */

/* Decide the mode (idempotent; thread-safe). */
void tl__asym_init(void);

static inline void tl__asym_light(void)
{
	if (atomic_load_explicit(&tl__asym_fenced, memory_order_relaxed))
		tl__full_fence();
	else
		atomic_signal_fence(memory_order_seq_cst);
}

/* Out of line: the membarrier syscall (or the fence). false: no barrier
 * could be made (membarrier refused after registration succeeded once): the
 * caller must not sleep without a time limit, it may miss a wake. */
bool tl__asym_heavy(void);

#endif
