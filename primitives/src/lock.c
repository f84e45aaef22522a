/* threading.Lock on a futex word (Drepper, "Futexes are tricky", mutex 3;
 * musl's and glibc's lll_lock), plus eventual fairness. Low two bits:
 *   0 free, 1 locked, 2 locked and some thread may sleep in the kernel,
 *   3 free but handed to an urgent waiter (below);
 * bit 2 (DEFERRED, only while held): Condition waiters to wake at release;
 * bits 8..31: how many urgent waiters there are.
 * Acquire: CAS 0->1 (acquire); else spin with backoff on a learned budget
 * (adaptive_spin.h); else mark the word 2 and sleep until it is free, then
 * take it as 2 (not 1): a woken thread cannot know whether others still
 * sleep, so the next release wakes again. Release: CAS to 0 (release); if it
 * was 2, wake one sleeper; if DEFERRED, wake the Condition waiters that
 * notifies left on `deferred` (tl__lock_defer_wake).
 *
 * Eventual fairness (parking_lot's and Abseil's answer to starvation): the
 * releasing thread usually re-acquires before a woken sleeper has even run,
 * which is what makes this lock fast, and what could starve a sleeper for
 * as long as the holder keeps coming back. A sleeper that keeps being woken
 * to find the lock taken again, for the fairness mark (fair_ns():
 * TL__LOCK_FAIR_NS on a quiet machine, longer where hand-overs are slow;
 * see lock_sleep), counts itself urgent before sleeping again (or, when the
 * lock is already handed over, takes it: see lock_sleep). A release that
 * sees urgent waiters does not free the lock: it hands it over (low bits 3,
 * release) and wakes every sleeper; only an urgent one may take it (CAS 3 ->
 * 2, acquire, uncounting itself), the others sleep on. The handoff cannot
 * get stuck: the count is exact, and an urgent waiter that times out
 * uncounts itself and, if it was the last one and the lock had been handed
 * over, frees it (and wakes one). A waiter that spins has not waited long:
 * only sleepers become urgent. Wake order among sleepers is the kernel's.
 *
 * Memory order: the acquiring CAS is acquire, the releasing CAS is release
 * (the handoff too); that pair is the happens-before edge for data the lock
 * protects (and what TSan follows: see the annotation note below).
 *
 * TSan: Python's Lock has no owner (another thread may release it), so it is
 * annotated as a *read* mutex, which keeps it in TSan's lock-order graph
 * (deadlock reports) without an owner check. TSan ignores synchronisation
 * inside the pre/post brackets and a read-lock does not acquire from a read-
 * unlock, so the release->acquire edge is given explicitly with
 * TL_TSAN_RELEASE before the unlock bracket and TL_TSAN_ACQUIRE after the
 * lock bracket.
 *
 * TL_PSHARED: the robust owner word of robust.h with the holder's pid (a
 * Lock has no owner thread; a process is what can die holding it), taken
 * with CAS 0 -> pid; every path branches on `flags` first, so the private
 * fast path only gains one well-predicted test of a word on the same line.
 * Release is a CAS (pid -> 0 when this process holds it and nobody sleeps;
 * else a CAS loop, since sleepers may add WAITERS meanwhile), never a blind
 * swap: a release of a taken-over word that was not marked consistent must
 * turn it into NOTREC without ever letting it be 0 in between.
 */
#include "threadlab/lock.h"

#include "adaptive_spin.h"
#include "futex.h"
#include "lock_impl.h"
#include "lock_tsan.h"
#include "robust.h"
#include "spin.h"
#include "tid.h"
#include "timeout.h"
#include "tsan_mutex.h"
#include "trace_hooks.h"
#include "vg_annotate.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>

static inline int pshared(const tl_lock_t *l)
{
	return l->flags & TL_PSHARED;
}

int tl_lock_init(tl_lock_t *l, int flags)
{
	if (flags & ~TL_PSHARED)
		return TL_EINVAL;
	atomic_init(&l->state, 0);
	l->flags = (uint16_t)flags;
	atomic_init(&l->spins, 0);
	l->deferred = NULL;
	TL_TSAN_MUTEX_CREATE(l, TL__TSAN_NOT_STATIC);
	return 0;
}

int tl_lock_destroy(tl_lock_t *l)
{
	uint32_t v = atomic_load_explicit(&l->state, memory_order_relaxed);
	if (v != 0 && !(pshared(l) && v == TL__ROBUST_NOTREC))
		return TL_EBUSY;
	tl__tsan_lock_forget(l);
	TL_TSAN_MUTEX_DESTROY(l, 0);
	return 0;
}

static inline bool try_fast(tl_lock_t *l)
{
	uint32_t zero = 0;
	return atomic_compare_exchange_strong_explicit(&l->state, &zero, 1, memory_order_acquire,
						       memory_order_relaxed);
}

/* The private word (see the top of the file). */
#define LOW 3u
#define SLEEPERS 2u
#define HANDED 3u
#define DEFERRED 4u
#define URGENT (1u << 8)
#ifndef TL__LOCK_FAIR_NS
#define TL__LOCK_FAIR_NS 200000 /* a sleeper waiting this long gets the next release (at least) */
#endif
#ifndef TL__LOCK_FAIR_MAX_NS
#define TL__LOCK_FAIR_MAX_NS 20000000 /* ... at most, however slow hand-overs are */
#endif
#define TL__LOCK_FAIR_HANDOFFS 4 /* the mark is this many recent hand-over delays */

/* A hand-over leaves the lock idle until the urgent waiter it woke runs.
 * On a quiet machine that is a wake-up, tens of microseconds; on a busy one
 * the woken thread may wait a time slice or more for its CPU (measured:
 * lock/contended at tl-bench --load 2 ran 1.1-2.3x pthread_mutex with a
 * fixed 200 us mark, 0.9-1.5x with no hand-over at all). So the mark is
 * learned: TL__LOCK_FAIR_HANDOFFS times the recent average delay from a
 * hand-over to its taking, between TL__LOCK_FAIR_NS and TL__LOCK_FAIR_MAX_NS,
 * which keeps the time a lock lies idle for fairness under 1/(1 + that
 * factor) of the time. Process-wide (how long a woken thread waits for a CPU
 * is the machine's state, not one lock's); relaxed hints, no ordering hangs
 * on them: `handed_at` is the last hand-over's time (another lock's may
 * overwrite it: a shorter sample, never a wrong lock state). */
static _Atomic uint64_t handed_at;
static _Atomic uint32_t handoff_avg_ns;
static _Atomic uint64_t handoffs;

#ifdef TL_VALGRIND
/* Helgrind/DRD see these relaxed atomics' stores as plain writes racing
 * with the loads; they order nothing (any value read is a valid hint) and
 * atomics cannot race, so neither tool checks them (as spin.c's). */
__attribute__((constructor)) static void vg_ignore_fairness_hints(void)
{
	TL__VG_IGNORE(&handed_at, sizeof handed_at);
	TL__VG_IGNORE(&handoff_avg_ns, sizeof handoff_avg_ns);
	TL__VG_IGNORE(&handoffs, sizeof handoffs);
}
#endif

static inline uint64_t fair_ns(void)
{
	uint64_t m = (uint64_t)atomic_load_explicit(&handoff_avg_ns, memory_order_relaxed) * TL__LOCK_FAIR_HANDOFFS;
	return m < TL__LOCK_FAIR_NS ? TL__LOCK_FAIR_NS : m > TL__LOCK_FAIR_MAX_NS ? TL__LOCK_FAIR_MAX_NS : m;
}

/* An urgent waiter took a handed-over lock: learn how long it lay idle. */
static void learn_handoff(void)
{
	uint64_t at = atomic_load_explicit(&handed_at, memory_order_relaxed), now = tl__now_ns();
	if (now < at)
		return;
	uint64_t d = now - at < TL__LOCK_FAIR_MAX_NS ? now - at : TL__LOCK_FAIR_MAX_NS;
	int64_t avg = atomic_load_explicit(&handoff_avg_ns, memory_order_relaxed);
	avg += ((int64_t)d - avg) / 8;
	atomic_store_explicit(&handoff_avg_ns, (uint32_t)avg, memory_order_relaxed);
}

uint64_t tl__lock_fair_ns(void)
{
	return fair_ns();
}

uint64_t tl__lock_handoffs(void)
{
	return atomic_load_explicit(&handoffs, memory_order_relaxed);
}

/* An urgent waiter gives up (timed out): uncount; if the lock was handed to
 * the urgent ones and none is left, free it and wake a sleeper for it. */
static void leave_urgent(tl_lock_t *l, uint32_t v)
{
	for (;;) {
		uint32_t nv = v - URGENT;
		bool unhand = (v & LOW) == HANDED && nv < URGENT;
		if (unhand)
			nv &= ~LOW;
		if (atomic_compare_exchange_weak_explicit(&l->state, &v, nv, memory_order_acq_rel,
							  memory_order_relaxed)) {
			if (unhand)
				tl__futex_wake(&l->state, 1, 0);
			return;
		}
	}
}

/* Oversubscribed CPUs: yield after a release. With more runnable threads
 * than CPUs, a waiter that loses its CPU (preempted mid-spin, or woken from
 * the futex onto a CPU whose thread runs on) waits until that thread gives
 * the CPU up. The threads holding the CPUs pass the lock between themselves
 * and rarely block for long, so that is a scheduler tick or a slice (4 ms
 * here, HZ 250: at 4 threads on 2 CPUs the longest acquire took 3-5 ms in
 * every 30 ms repetition, 40 % of the long ones preempted mid-spin).
 *
 * A spinner writes nothing the holder could read, so the hint is per CPU:
 * `cpu_waiting` counts the threads in a contended acquire (spinning or
 * asleep, woken or not) by the CPU they entered it on. Every
 * TL__LOCK_YIELD_EVERY releases a thread looks at its own CPU's count;
 * once it has seen waiters there for TL__LOCK_YIELD_NS in a row it calls
 * sched_yield() right after the release: outside the lock and outside its
 * own acquire, so neither pays for it, and the waiter may get the CPU (an
 * EEVDF yield is a hint too: often the second one does it). With no waiter
 * on its CPU it never reads the clock: a thread alone on its CPU pays one
 * getcpu and one load every TL__LOCK_YIELD_EVERY releases.
 *
 * Measured (tl-bench lock/fairness, 4 threads on 2 CPUs, longest acquire
 * of a repetition): 3.2-4.9 ms before; 0.6-2.5 ms with this at 250 us (1.5
 * median at 500 us). What is left is mostly threads preempted just before
 * their acquire reached the count (the bench's clock starts first), which
 * only a blind yield reaches: yielding every 500 us whether or not a waiter
 * sat on this CPU gave 0.55 ms, but at --load 1 (a busy non-lock thread per
 * CPU) it handed the CPU to that thread and lock/contended cs:100 at 2
 * threads went 1.0 -> 1.3-1.7x pthread_mutex; targeted, that row is
 * unchanged. All relaxed hints: a stale count costs one useless yield or
 * one missed. Slots are CPU numbers modulo TL__LOCK_CPU_SLOTS (a shared
 * slot only adds a useless yield). */
#ifndef TL__LOCK_YIELD_NS
#define TL__LOCK_YIELD_NS 250000
#endif
#define TL__LOCK_YIELD_EVERY 32
#define TL__LOCK_CPU_SLOTS 256
static struct {
	_Alignas(64) _Atomic uint32_t n;
} cpu_waiting[TL__LOCK_CPU_SLOTS];
static _Atomic uint64_t yields; /* releases followed by a yield, for tl_stats_t */
static _Thread_local struct {
	uint64_t since;
	uint32_t n;
} run __attribute__((tls_model("initial-exec")));
/* A fork child has only the forking thread, which is in no acquire: the
 * parent's other waiters would stay counted there for good. */
static void cpu_waiting_forget(void)
{
	for (unsigned i = 0; i < TL__LOCK_CPU_SLOTS; i++)
		atomic_store_explicit(&cpu_waiting[i].n, 0, memory_order_relaxed);
}

__attribute__((constructor)) static void cpu_waiting_init(void)
{
#ifdef TL_VALGRIND
	TL__VG_IGNORE(&cpu_waiting, sizeof cpu_waiting); /* relaxed hints, as above */
	TL__VG_IGNORE(&yields, sizeof yields);
#endif
	pthread_atfork(NULL, NULL, cpu_waiting_forget);
}

static inline unsigned cpu_slot(void)
{
	return (unsigned)sched_getcpu() % TL__LOCK_CPU_SLOTS; /* -1 (no getcpu): some slot */
}

uint64_t tl__lock_yields(void)
{
	return atomic_load_explicit(&yields, memory_order_relaxed);
}

/* Holding the lock: whether to yield once it is released. */
__attribute__((noinline)) static bool yield_due(void)
{
	if (!atomic_load_explicit(&cpu_waiting[cpu_slot()].n, memory_order_relaxed)) {
		run.since = 0;
		return false;
	}
	uint64_t now = tl__now_ns();
	if (!run.since) {
		run.since = now;
		return false;
	}
	if (now - run.since < TL__LOCK_YIELD_NS)
		return false;
	run.since = 0;
	atomic_fetch_add_explicit(&yields, 1, memory_order_relaxed);
	return true;
}

/* Sleep until the lock is ours, taking it as 2 (SLEEPERS): whoever sleeps
 * here cannot know whether others still sleep on the word, so the next
 * release must wake again.
 *
 * Lean on purpose, as Drepper's loop: no clock read and no timer before a
 * sleep (only the caller's deadline). Under load every instruction between
 * seeing the lock held and being asleep widens the window in which the
 * holder's release makes the futex call return at once; the waiter then
 * takes the lock on the fly and the two threads bounce it between CPUs
 * instead of the holder running on alone while the other sleeps (measured
 * at --load 1, cs 150 ns: with a clock read and a fairness timer per sleep
 * 1.55x pthread_mutex, without 1.03x).
 *
 * Eventual fairness needs no timer either: a waiter can only be starved by
 * releases, and a release that finds the word 2 wakes a sleeper, so a
 * starved waiter is woken again and again; each time it finds the lock
 * taken it reads the clock, and once the fairness mark has passed since its
 * first such wake-up it counts itself urgent. */
static int lock_sleep(tl_lock_t *l, const struct timespec *deadline)
{
	uint64_t t0 = 0; /* the first wake-up that found the lock taken */
	bool urgent = false;
	uint32_t v = atomic_load_explicit(&l->state, memory_order_relaxed);
	for (;;) {
		uint32_t low = v & LOW;
		if (low == 0 || (low == HANDED && urgent)) {
			/* Free, or handed to the urgent ones: take it as 2. (Free
			 * implies no urgent waiter: a release with one hands over.) */
			uint32_t nv = ((v & ~LOW) - (urgent ? URGENT : 0)) | SLEEPERS;
			if (atomic_compare_exchange_weak_explicit(&l->state, &v, nv, memory_order_acquire,
								  memory_order_relaxed)) {
				if (low == HANDED)
					learn_handoff();
				return 0;
			}
			continue;
		}
		if (low == 1) { /* say that someone will sleep */
			if (!atomic_compare_exchange_weak_explicit(&l->state, &v, (v & ~LOW) | SLEEPERS,
								   memory_order_relaxed, memory_order_relaxed))
				continue;
			v = (v & ~LOW) | SLEEPERS;
		}
		int r = tl__futex_wait(&l->state, v, deadline, 0) /* private only */;
		v = atomic_load_explicit(&l->state, memory_order_relaxed);
		if (r == -ETIMEDOUT) {
			/* The sleepers mark stays: one spare wake, never a lost one. */
			if (urgent)
				leave_urgent(l, v);
			return TL_ETIMEDOUT;
		}
		if (urgent || (v & LOW) == 0)
			continue;
		/* Woken (or the word moved) and the lock is taken again. */
		uint64_t now = tl__now_ns();
		if (!t0) {
			t0 = now;
			continue;
		}
		if (now - t0 < fair_ns())
			continue;
		for (;;) {
			if ((v & LOW) == 0)
				break; /* free after all: the loop above takes it */
			if (atomic_compare_exchange_weak_explicit(&l->state, &v, v + URGENT, memory_order_relaxed,
								  memory_order_relaxed)) {
				v += URGENT;
				urgent = true;
				break;
			}
		}
		/* Handed over already (we woke to it, not yet urgent): ours to
		 * take now, by the loop above. Sleeping on it would lose it: the
		 * hand-over's wake has been spent, and every other urgent waiter
		 * may do the same (seen under DRD: word 0x603, six urgent
		 * waiters asleep on it for good). */
	}
}

/* Contended path: the adaptive spin (adaptive_spin.h), then sleep. */
__attribute__((noinline)) static int lock_slow(tl_lock_t *l, const struct timespec *deadline)
{
	const unsigned slot = cpu_slot();
	atomic_fetch_add_explicit(&cpu_waiting[slot].n, 1, memory_order_relaxed);
	int r = tl__adaptive_spin(&l->state, 1, &l->spins) ? 0 : lock_sleep(l, deadline);
	atomic_fetch_sub_explicit(&cpu_waiting[slot].n, 1, memory_order_relaxed);
	return r;
}

/* Deferred wake (deferred_wake.h). `deferred` is touched only by the
 * holder (the notifier here, the releaser in unlock_slow), so plain
 * accesses suffice; the DEFERRED bit sends the release down the path that
 * looks at it (a Lock has no owner: any thread may release it). */
bool tl__lock_defer_wake(tl_lock_t *l, struct tl__deferred_wake *d)
{
	if (pshared(l))
		return false;
	uint32_t v = atomic_load_explicit(&l->state, memory_order_relaxed);
	do {
		uint32_t low = v & LOW;
		if (low == 0 || low == HANDED)
			return false; /* not held: the caller wakes instead */
	} while (!(v & DEFERRED) && !atomic_compare_exchange_weak_explicit(&l->state, &v, v | DEFERRED,
									   memory_order_relaxed, memory_order_relaxed));
	d->next = l->deferred;
	l->deferred = d;
	return true;
}

/* Anything but plain "locked": sleepers, urgent ones, deferred wakes, or
 * a release of a lock that is not held. */
__attribute__((noinline)) static int unlock_slow(tl_lock_t *l, uint32_t v)
{
	struct tl__deferred_batch later = { 0 };
	for (;;) {
		uint32_t low = v & LOW;
		if (low == 0 || low == HANDED)
			return TL_EPERM;
		if (v & DEFERRED) {
			/* Only the holder sets it; the others change other bits. */
			tl__deferred_take(&l->deferred, &later);
			v = atomic_fetch_and_explicit(&l->state, ~DEFERRED, memory_order_relaxed) & ~DEFERRED;
			continue;
		}
		uint32_t nv = v >= URGENT ? (v & ~LOW) | HANDED : 0;
		if (nv) /* before the release CAS: the taker's acquire sees it */
			atomic_store_explicit(&handed_at, tl__now_ns(), memory_order_relaxed);
		if (atomic_compare_exchange_weak_explicit(&l->state, &v, nv, memory_order_release,
							  memory_order_relaxed)) {
			tl__deferred_wake_all(&later);
			if (nv) { /* handed over: the urgent one is among the sleepers */
				atomic_fetch_add_explicit(&handoffs, 1, memory_order_relaxed);
				tl__futex_wake(&l->state, INT_MAX, 0);
			}
			else if (low == SLEEPERS)
				tl__futex_wake(&l->state, 1, 0);
			return 0;
		}
	}
}

/* 0, or TL_EPERM when not locked (free, or handed over and not taken yet). */
static inline int unlock_private(tl_lock_t *l)
{
	/* Decided while the lock is held: after the release `l` may be freed. */
	bool yield = __builtin_expect(++run.n % TL__LOCK_YIELD_EVERY == 0, 0) && yield_due();
	uint32_t v = 1;
	int r = __builtin_expect(atomic_compare_exchange_strong_explicit(&l->state, &v, 0, memory_order_release,
									 memory_order_relaxed), 1)
			? 0
			: unlock_slow(l, v);
	if (__builtin_expect(yield, 0))
		sched_yield();
	return r;
}

/* Process-shared, after the inline attempt failed (or the pid was not
 * cached yet). 0, TL_EBUSY (try_only), TL_ETIMEDOUT, TL_EOWNERDEAD,
 * TL_ENOTRECOVERABLE. */
__attribute__((noinline)) static int p_lock_slow(tl_lock_t *l, bool try_only, const struct timespec *deadline)
{
	uint32_t me = tl__self_pid(), v = 0;
	if (atomic_compare_exchange_strong_explicit(&l->state, &v, me, memory_order_acquire, memory_order_relaxed))
		return 0;
	if (try_only)
		return tl__robust_notrec(v) ? TL_ENOTRECOVERABLE : TL_EBUSY;
	return tl__robust_lock_slow(&l->state, me, deadline, TL__ROBUST_PSHARED | TL__ROBUST_MARK_DIED,
				    TL_LIVENESS_MS, &l->spins);
}

/* CAS 0 -> pid, framelessly (tl__self_pid's first call is left to the slow path). */
static inline int p_lock(tl_lock_t *l, bool try_only, const struct timespec *deadline)
{
	uint32_t me = atomic_load_explicit(&tl__pid_cache, memory_order_relaxed), v = 0;
	if (__builtin_expect(me != 0, 1) &&
	    __builtin_expect(atomic_compare_exchange_strong_explicit(&l->state, &v, me, memory_order_acquire,
								     memory_order_relaxed), 1))
		return 0;
	return p_lock_slow(l, try_only, deadline);
}

static inline int acquire_until(tl_lock_t *l, const struct timespec *deadline)
{
	/* A timed acquire is annotated as a blocking one (unlike TSan's own
	 * pthread_mutex_timedlock interceptor, which treats it as a trylock and
	 * so never reports an inversion through it): a lock-order cycle that a
	 * timeout merely breaks is still the seed's deadlock, and our deadlock
	 * workload backs off with timed acquires. */
	tl__tsan_lock_sync();
	TL_TSAN_MUTEX_PRE_LOCK(l, TL__TSAN_READ);
	TL_TRACE_T0(t0);
	int r = pshared(l) ? p_lock(l, false, deadline) : try_fast(l) ? 0 : lock_slow(l, deadline);
	TL_TRACE_WAITED(TL__TR_LOCK, l, t0, r);
	bool got = r == 0 || r == TL_EOWNERDEAD;
	(void)got;
	if (got)
		tl__tsan_lock_acquired(l);
	TL_TSAN_MUTEX_POST_LOCK(l, TL__TSAN_READ | (got ? 0 : TL__TSAN_TRY_FAILED), 0);
	if (got)
		TL_TSAN_ACQUIRE(l);
	return r;
}

int tl_lock_acquire_until(tl_lock_t *l, const struct timespec *deadline)
{
	return acquire_until(l, deadline);
}

static inline int try_acquire(tl_lock_t *l)
{
	tl__tsan_lock_sync();
	TL_TSAN_MUTEX_PRE_LOCK(l, TL__TSAN_READ | TL__TSAN_TRY);
	int r = pshared(l) ? p_lock(l, true, NULL) : try_fast(l) ? 0 : TL_EBUSY;
	if (r == 0) TL_TRACE_ACQUIRED(TL__TR_LOCK, l);
	if (r == 0)
		tl__tsan_lock_acquired(l);
	TL_TSAN_MUTEX_POST_LOCK(l, TL__TSAN_READ | TL__TSAN_TRY | (r == 0 ? 0 : TL__TSAN_TRY_FAILED), 0);
	if (r == 0)
		TL_TSAN_ACQUIRE(l);
	return r;
}

int tl_lock_try_acquire(tl_lock_t *l)
{
	return try_acquire(l);
}

/* Out of line, so that lock.acquire() below needs no stack frame. */
__attribute__((noinline)) static int acquire_args(tl_lock_t *l, bool blocking, double timeout)
{
	struct timespec buf;
	const struct timespec *deadline;
	int r = tl__acquire_args(blocking, timeout, &buf, &deadline);
	if (r == TL__TRY_ONCE) {
		r = try_acquire(l);
		return r == TL_EBUSY && blocking ? TL_ETIMEDOUT : r;
	}
	return r ? r : acquire_until(l, deadline);
}

int tl_lock_acquire(tl_lock_t *l, bool blocking, double timeout)
{
	if (blocking && timeout == TL_FOREVER) /* the common case first: lock.acquire() */
		return acquire_until(l, NULL);
	return acquire_args(l, blocking, timeout);
}

/* Process-shared release. A DIED word (taken over, not marked consistent)
 * becomes NOTREC and every sleeper wakes to see it; a NOTREC word stays. */
__attribute__((noinline)) static int p_unlock_slow(tl_lock_t *l, uint32_t v)
{
	for (;;) {
		if (v == 0 || tl__robust_notrec(v))
			return TL_EPERM;
		uint32_t nv = (v & TL__ROBUST_DIED) ? TL__ROBUST_NOTREC : 0;
		if (atomic_compare_exchange_weak_explicit(&l->state, &v, nv, memory_order_release,
							  memory_order_relaxed)) {
			if (nv)
				tl__futex_wake(&l->state, INT_MAX, 1);
			else if (v & TL__ROBUST_WAITERS)
				tl__futex_wake(&l->state, 1, 1);
			return 0;
		}
	}
}

/* The common case first: held by this process, no flag bits — one CAS
 * pid -> 0. Anything else (sleepers, a DIED word, a release for another
 * process, an unlocked lock) fails it and takes the loop above. */
static inline int p_unlock(tl_lock_t *l)
{
	uint32_t v = atomic_load_explicit(&tl__pid_cache, memory_order_relaxed);
	if (__builtin_expect(v != 0, 1) &&
	    __builtin_expect(atomic_compare_exchange_strong_explicit(&l->state, &v, 0, memory_order_release,
								     memory_order_relaxed), 1))
		return 0;
	return p_unlock_slow(l, atomic_load_explicit(&l->state, memory_order_relaxed));
}

int tl_lock_release(tl_lock_t *l)
{
#ifdef TL_TSAN
	/* Keep a misuse out of TSan's mutex state: refuse before annotating. */
	uint32_t v = atomic_load_explicit(&l->state, memory_order_relaxed);
	if (pshared(l) ? v == 0 || tl__robust_notrec(v) : (v & LOW) == 0 || (v & LOW) == HANDED)
		return TL_EPERM;
#endif
	TL_TRACE_RELEASE(TL__TR_LOCK, l); /* before the store: precedes the acquire it lets in */
	TL_TSAN_RELEASE(l);
	TL_TSAN_MUTEX_PRE_UNLOCK(l, TL__TSAN_READ);
	tl__tsan_lock_released(l);
	int r;
	if (pshared(l)) {
		r = p_unlock(l);
	} else {
		r = unlock_private(l);
	}
	TL_TSAN_MUTEX_POST_UNLOCK(l, TL__TSAN_READ);
	return r;
}

int tl_lock_consistent(tl_lock_t *l)
{
	if (!pshared(l))
		return TL_EINVAL;
	uint32_t v = atomic_load_explicit(&l->state, memory_order_relaxed);
	do {
		if (!(v & TL__ROBUST_DIED) || tl__robust_notrec(v))
			return TL_EINVAL;
	} while (!atomic_compare_exchange_weak_explicit(&l->state, &v, v & ~TL__ROBUST_DIED, memory_order_relaxed,
							memory_order_relaxed));
	return 0;
}

bool tl_lock_locked(const tl_lock_t *l)
{
	return atomic_load_explicit(&((tl_lock_t *)l)->state, memory_order_relaxed) != 0;
}
