/* futex_native.c — the raw futex handoff every blocking primitive is built
 * on: the baseline of the Event and Condition handoff benchmarks.
 *
 * A flag word per direction: signal = store 1 (release) + FUTEX_WAKE (always
 * the syscall), wait = FUTEX_WAIT while the word is 0 (no spinning), then
 * clear it. No user-space spin, no waiter count: the plain kernel cost.
 *   futex/pingpong/placement:P   round trip, thread 0 <-> thread 1
 *   futex/wake_latency/placement:P   wake call to waiter running (p50..max)
 */
#include "common.h"

static struct {
	_Alignas(BM_CACHELINE) _Atomic uint32_t a;
	_Alignas(BM_CACHELINE) _Atomic uint32_t b;
} s;

static inline void f_signal(_Atomic uint32_t *w)
{
	atomic_store_explicit(w, 1, memory_order_release);
	bm_futex_wake(w, 1);
}

static inline void f_wait(_Atomic uint32_t *w)
{
	while (atomic_load_explicit(w, memory_order_acquire) == 0)
		bm_futex_wait(w, 0);
	atomic_store_explicit(w, 0, memory_order_relaxed);
}

static void f_init(void)
{
	atomic_store(&s.a, 0);
	atomic_store(&s.b, 0);
}
static void ping(void) { f_signal(&s.a); }
static void wait_ping(void) { f_wait(&s.a); }
static void pong(void) { f_signal(&s.b); }
static void wait_pong(void) { f_wait(&s.b); }
static const struct bm_pingpong_ops pp = {f_init, NULL, ping, wait_pong, wait_ping, pong};
static void bm_futex_pingpong(tlb_state *st) { bm_pingpong_run(st, &pp); }

static const struct bm_wake_ops wk = {f_init, NULL, wait_ping, ping, NULL};
static void bm_futex_wake_latency(tlb_state *st) { bm_wake_run(st, &wk); }

TLB_REGISTER(futex_native)
{
	bm_pingpong_register("futex/pingpong", NULL, bm_futex_pingpong);
	bm_wake_register("futex/wake_latency", NULL, bm_futex_wake_latency);
}
