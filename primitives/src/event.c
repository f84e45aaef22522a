/* threading.Event on one futex word: bit 0 is the flag, the other bits count
 * the set() calls that raised it (a generation). A waiter remembers the word
 * it saw and returns as soon as the flag is up or the generation moved — so a
 * set() followed at once by clear() still releases every thread that was
 * waiting (Python's semantics, CPython #13502), since the word never returns
 * to an old value (2^31 raises would have to happen during one sleep).
 *
 * Ordering: set() raises the flag with a release CAS; wait() and is_set()
 * read the word with acquire, so what the setter wrote before set() is
 * visible after a successful wait (and TSan sees the edge). A sleeper bumps
 * `waiters` before its last look at the word and set() reads `waiters` after
 * its CAS, both seq_cst: either the setter sees the sleeper and wakes it, or
 * the sleeper sees the new word and does not sleep (futex_wait compares too).
 */
#include "threadlab/event.h"

#include "futex.h"
#include "spin.h"
#include "timeout.h"
#include "trace_hooks.h"
#include "vg_annotate.h"

#include <errno.h>
#include <limits.h>

#define FLAG 1u
#define GEN 2u

static inline int pshared(const tl_event_t *e)
{
	return e->flags & TL_PSHARED;
}

int tl_event_init(tl_event_t *e, int flags)
{
	if (flags & ~TL_PSHARED)
		return TL_EINVAL;
	atomic_init(&e->word, 0);
	atomic_init(&e->waiters, 0);
	e->flags = (uint32_t)flags;
	/* DRD sees the CAS and fetch-ops as plain writes racing with the
	 * loads (atomics cannot race); set/wait annotate their edge. */
	TL__VG_IGNORE(e, sizeof *e);
	return 0;
}

int tl_event_destroy(tl_event_t *e)
{
	return atomic_load_explicit(&e->waiters, memory_order_relaxed) ? TL_EBUSY : 0;
}

int tl_event_set(tl_event_t *e)
{
	TL_TRACE_SIGNAL(TL__TR_EVENT, e);
	TL__VG_HB_BEFORE(e); /* Helgrind/DRD: the release CAS below, which they cannot see */
	uint32_t w = atomic_load_explicit(&e->word, memory_order_relaxed);
	do {
		if (w & FLAG)
			return 0;
	} while (!atomic_compare_exchange_weak_explicit(&e->word, &w, (w + GEN) | FLAG, memory_order_seq_cst,
							memory_order_relaxed));
	if (atomic_load_explicit(&e->waiters, memory_order_seq_cst))
		tl__futex_wake(&e->word, INT_MAX, pshared(e));
	return 0;
}

int tl_event_clear(tl_event_t *e)
{
	atomic_fetch_and_explicit(&e->word, ~FLAG, memory_order_relaxed);
	return 0;
}

bool tl_event_is_set(const tl_event_t *e)
{
	bool set = atomic_load_explicit(&((tl_event_t *)e)->word, memory_order_acquire) & FLAG;
	if (set)
		TL__VG_HB_AFTER(e); /* pairs with set()'s */
	return set;
}

int tl_event_wait_until(tl_event_t *e, const struct timespec *deadline)
{
	TL_TRACE_WAIT_SCOPE(TL__TR_EVENT, e);
	uint32_t seen = atomic_load_explicit(&e->word, memory_order_acquire), w;
	if (seen & FLAG) {
		TL__VG_HB_AFTER(e);
		return 0;
	}
	tl__spin_t sp = TL__SPIN_INIT;
	while (tl__spin(&sp)) /* a set() that is about to come */
		if (atomic_load_explicit(&e->word, memory_order_acquire) != seen) {
			TL__VG_HB_AFTER(e);
			return 0;
		}
	atomic_fetch_add_explicit(&e->waiters, 1, memory_order_seq_cst);
	int r = 0;
	while ((w = atomic_load_explicit(&e->word, memory_order_seq_cst)) == seen && r != -ETIMEDOUT)
		r = tl__futex_wait(&e->word, seen, deadline, pshared(e));
	atomic_fetch_sub_explicit(&e->waiters, 1, memory_order_relaxed);
	/* The word changes only by set() (a new generation) or clear() (flag
	 * down, and seen had it down already): any change means a set(). */
	if (w == seen)
		return TL_ETIMEDOUT;
	TL__VG_HB_AFTER(e);
	return 0;
}

int tl_event_wait(tl_event_t *e, double timeout)
{
	struct timespec buf;
	const struct timespec *deadline;
	tl__poll_args(timeout, &buf, &deadline);
	if (deadline && !(timeout > 0)) /* a poll */
		return tl_event_is_set(e) ? 0 : TL_ETIMEDOUT;
	return tl_event_wait_until(e, deadline);
}
