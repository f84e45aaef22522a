/* threading.Semaphore / BoundedSemaphore on one 64-bit word (glibc's
 * new sem_t layout): value in the low half, number of sleepers in the high
 * half, the futex on the low half. Acquire takes a unit with a CAS (acquire
 * order); release adds units with a CAS (release order) and, if the same
 * word showed sleepers, wakes up to n of them. A sleeper registers (high
 * half +1) *before* it reads the value and sleeps only while the value is
 * still 0, so a release either sees it registered or changes the value it
 * sleeps on: no lost wakeup. A woken sleeper takes a unit and unregisters in
 * one CAS; if another thread took the unit first, it sleeps again. A timed
 * out sleeper tries once more before unregistering, so a unit released at
 * the deadline is not left behind with nobody woken for it.
 */
#include "threadlab/semaphore.h"

#include "futex.h"
#include "spin.h"
#include "timeout.h"
#include "trace_hooks.h"
#include "vg_annotate.h"

#include <errno.h>

#define SLEEPER ((uint64_t)1 << 32)
#define BOUNDED 0x100u

static inline uint32_t value_of(uint64_t w)
{
	return (uint32_t)w;
}

static inline _Atomic uint32_t *futex_word(tl_sem_t *s)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (_Atomic uint32_t *)(void *)&s->word;
#else
	return (_Atomic uint32_t *)(void *)&s->word + 1;
#endif
}

static inline int pshared(const tl_sem_t *s)
{
	return s->flags & TL_PSHARED;
}

static int init(tl_sem_t *s, int flags, int64_t value, uint32_t kind)
{
	if ((flags & ~TL_PSHARED) || value < 0 || value > (int64_t)UINT32_MAX)
		return TL_EINVAL;
	atomic_init(&s->word, (uint64_t)value);
	s->flags = (uint32_t)flags | kind;
	s->bound = (uint32_t)value;
	/* DRD sees the CASes as plain writes racing with the loads (atomics
	 * cannot race); release/take annotate their edge. */
	TL__VG_IGNORE(s, sizeof *s);
	return 0;
}

int tl_sem_init(tl_sem_t *s, int flags, int64_t value)
{
	return init(s, flags, value, 0);
}

int tl_sem_init_bounded(tl_sem_t *s, int flags, int64_t value)
{
	return init(s, flags, value, BOUNDED);
}

int tl_sem_destroy(tl_sem_t *s)
{
	return atomic_load_explicit(&s->word, memory_order_relaxed) >> 32 ? TL_EBUSY : 0;
}

/* Take a unit if there is one; *w is the last word seen. */
static inline bool take(tl_sem_t *s, uint64_t *w, uint64_t unregister)
{
	while (value_of(*w) > 0)
		if (atomic_compare_exchange_weak_explicit(&s->word, w, *w - 1 - unregister,
							  memory_order_acquire, memory_order_relaxed)) {
			TL__VG_HB_AFTER(s); /* Helgrind/DRD: pairs with release()'s */
			return true;
		}
	return false;
}

int tl_sem_try_acquire(tl_sem_t *s)
{
	uint64_t w = atomic_load_explicit(&s->word, memory_order_relaxed);
	return take(s, &w, 0) ? 0 : TL_EBUSY;
}

__attribute__((noinline)) static int acquire_slow(tl_sem_t *s, const struct timespec *deadline)
{
	uint64_t w;
	tl__spin_t sp = TL__SPIN_INIT;
	while (tl__spin(&sp)) {
		w = atomic_load_explicit(&s->word, memory_order_relaxed);
		if (take(s, &w, 0))
			return 0;
	}
	w = atomic_fetch_add_explicit(&s->word, SLEEPER, memory_order_relaxed) + SLEEPER;
	for (;;) {
		if (take(s, &w, SLEEPER))
			return 0;
		int r = tl__futex_wait(futex_word(s), 0, deadline, pshared(s));
		w = atomic_load_explicit(&s->word, memory_order_relaxed);
		if (r == -ETIMEDOUT) {
			if (take(s, &w, SLEEPER))
				return 0;
			atomic_fetch_sub_explicit(&s->word, SLEEPER, memory_order_relaxed);
			return TL_ETIMEDOUT;
		}
	}
}

static inline int acquire_until(tl_sem_t *s, const struct timespec *deadline)
{
	uint64_t w = atomic_load_explicit(&s->word, memory_order_relaxed);
	TL_TRACE_T0(t0);
	int r = take(s, &w, 0) ? 0 : acquire_slow(s, deadline);
	TL_TRACE_WAITED(TL__TR_SEM, s, t0, r);
	return r;
}

int tl_sem_acquire_until(tl_sem_t *s, const struct timespec *deadline)
{
	return acquire_until(s, deadline);
}

__attribute__((noinline)) static int acquire_args(tl_sem_t *s, bool blocking, double timeout)
{
	struct timespec buf;
	const struct timespec *deadline;
	int r = tl__sem_acquire_args(blocking, timeout, &buf, &deadline);
	if (r == TL__TRY_ONCE) {
		uint64_t w = atomic_load_explicit(&s->word, memory_order_relaxed);
		r = take(s, &w, 0) ? 0 : TL_EBUSY;
		return r == TL_EBUSY && blocking ? TL_ETIMEDOUT : r;
	}
	return r ? r : acquire_until(s, deadline);
}

int tl_sem_acquire(tl_sem_t *s, bool blocking, double timeout)
{
	if (blocking && timeout == TL_FOREVER)
		return acquire_until(s, NULL);
	return acquire_args(s, blocking, timeout);
}

int tl_sem_release(tl_sem_t *s, int n)
{
	if (n < 1)
		return TL_EINVAL;
	TL_TRACE_RELEASE(TL__TR_SEM, s);
	uint32_t limit = s->flags & BOUNDED ? s->bound : UINT32_MAX;
	TL__VG_HB_BEFORE(s); /* the release CAS below, for Helgrind/DRD */
	uint64_t w = atomic_load_explicit(&s->word, memory_order_relaxed);
	do {
		if ((uint64_t)value_of(w) + (uint32_t)n > limit)
			return TL_EOVERFLOW;
	} while (!atomic_compare_exchange_weak_explicit(&s->word, &w, w + (uint32_t)n, memory_order_release,
							memory_order_relaxed));
	uint32_t sleepers = (uint32_t)(w >> 32);
	if (sleepers)
		tl__futex_wake(futex_word(s), sleepers < (uint32_t)n ? (int)sleepers : n, pshared(s));
	return 0;
}

uint32_t tl_sem_value(const tl_sem_t *s)
{
	return value_of(atomic_load_explicit(&((tl_sem_t *)s)->word, memory_order_relaxed));
}
