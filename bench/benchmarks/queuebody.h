/* queuebody.h — one body for every queue (ours, the mutex+condvar ring,
 * GAsyncQueue), instantiated per queue with BM_QUEUE_ADAPTER:
 *
 *   static int  init(int kind, long cap);          // 0, or < 0: unsupported
 *   static void destroy(void);
 *   static void put(void *item, int64_t prio);     // blocking
 *   static void *get(void);                        // blocking
 *   BM_QUEUE_ADAPTER(tag, init, destroy, put, get)
 *
 * Benchmarks (arguments kind: 0 fifo, 1 lifo, 2 prio; cap: 0 unbounded):
 *   <q>/put_get/kind:K          put then get in one thread (one iteration)
 *   <q>/spsc|mpsc|mpmc/kind/cap transfer of n items (n = GB iterations) from
 *       P producer to C consumer threads: spsc 1+1, mpsc 3+1, mpmc 2+2
 *       threads (fixed, oversubscribed on machines with fewer CPUs).
 *       Threads start on a barrier; thread 0 times the common window from
 *       that barrier to the one after the last item is consumed (manual
 *       group time, common.h: real_ns is window / n, per item);
 *       counter `throughput` = items/s. Consumers sum the item values and
 *       thread 0 checks the sum: an item lost or doubled fails the row.
 * Priorities (prio kind) come from a per-producer LCG in 0..1023.
 *
 * The header also compiles as C++ (bench/peers/peer.h includes it): a
 * third-party queue (moodycamel, ck_ring, tbb...) is measured by these very
 * bodies, registered with bm_queue_register_peer.
 */
#ifndef BM_QUEUEBODY_H
#define BM_QUEUEBODY_H

#include "common.h"

#include <stdio.h>

struct bm_queue_shared {
	_Alignas(BM_CACHELINE) _Atomic uint64_t wall_ns;
	_Alignas(BM_CACHELINE) _Atomic int init_failed;
	bm_padded_u64 sum[BM_MAX_THREADS];
};
extern struct bm_queue_shared bm_qsh;

/* Producer i's share of n items (and consumer j's of C). */
static inline uint64_t bm_share(uint64_t n, unsigned parts, unsigned i)
{
	return n / parts + (i < n % parts);
}

uint64_t bm_queue_expected_sum(uint64_t n, unsigned producers);
/* Minimum time of a queue row: 30 ms, but 100 ms for 4 threads (mpmc 2+2,
 * mpsc 3+1): on a machine with fewer CPUs than that the row is scheduler-
 * bound, and a 30 ms repetition caught one regime (which threads happened
 * to share a CPU's slices) that moved it 2-3x from one repetition to the
 * next, for every queue alike. */
static inline double bm_queue_min_time(int threads)
{
	return threads > 2 ? 0.1 : 0.03;
}
void bm_queue_register(const char *name, const char *baseline, tlb_fn put_get, tlb_fn spsc, tlb_fn mpsc,
		       tlb_fn mpmc, const int64_t *kinds, int nkinds, const int64_t *caps, int ncaps);

/* A peer's lean set (bench/peers/, inside tlb_peer_begin/end): fifo only,
 * put_get/kind:0 (default + quick), spsc at every cap in caps, mpmc (2+2)
 * at every cap unless spsc_only (an SPSC-only queue); --quick runs put_get
 * only (a smoke test of the adapter). A bounded-only queue lists cap 1024 (put_get asks it for cap 0:
 * it uses its smallest capacity that put_get never fills), an unbounded one
 * cap 0. */
void bm_queue_register_peer(const char *name, const char *baseline, tlb_fn put_get, tlb_fn spsc, tlb_fn mpmc,
			    const int64_t *caps, int ncaps, bool spsc_only);

static inline __attribute__((always_inline)) void
bm_queue_transfer(tlb_state *st, unsigned P, unsigned C, int (*init)(int, long), void (*destroy)(void),
		  void (*put)(void *, int64_t), void *(*get)(void))
{
	const unsigned nt = (unsigned)tlb_thread_count(st);
	const unsigned idx = (unsigned)tlb_thread_index(st);
	if (nt != P + C) {
		tlb_skip(st, "thread count does not match the pattern");
		return;
	}
	if (idx == 0)
		atomic_store(&bm_qsh.init_failed, init((int)tlb_arg(st, 0), (long)tlb_arg(st, 1)) < 0);
	bm_barrier_wait(&bm_bar, nt);
	if (atomic_load(&bm_qsh.init_failed)) {
		tlb_skip(st, "queue kind/capacity not supported");
		return;
	}
	const uint64_t n = (uint64_t)tlb_max_iterations(st);
	uint64_t sum = 0;
	for (int64_t b; (b = tlb_batch(st)) > 0;) {
		uint64_t t0 = 0;
		bm_barrier_wait(&bm_bar, nt);
		if (idx == 0)
			t0 = bm_now_ns();
		if (idx < P) {
			uint64_t share = bm_share(n, P, idx), base = (uint64_t)idx << 40;
			uint32_t lcg = idx * 2654435761u + 1;
			for (uint64_t j = 1; j <= share; j++) {
				lcg = lcg * 1664525u + 1013904223u;
				put((void *)(uintptr_t)(base | j), (int64_t)(lcg >> 22));
			}
		} else {
			uint64_t share = bm_share(n, C, idx - P);
			for (uint64_t j = 0; j < share; j++)
				sum += (uint64_t)(uintptr_t)get();
		}
		atomic_store_explicit(&bm_qsh.sum[idx].v, sum, memory_order_relaxed);
		bm_barrier_wait(&bm_bar, nt);
		if (idx == 0)
			atomic_store_explicit(&bm_qsh.wall_ns, bm_now_ns() - t0, memory_order_relaxed);
		bm_barrier_wait(&bm_bar, nt);
		bm_set_group_time(st, (double)atomic_load_explicit(&bm_qsh.wall_ns, memory_order_relaxed) * 1e-9);
	}
	if (idx == 0) {
		uint64_t got = 0;
		for (unsigned i = P; i < nt; i++)
			got += atomic_load_explicit(&bm_qsh.sum[i].v, memory_order_relaxed);
		uint64_t wall = atomic_load_explicit(&bm_qsh.wall_ns, memory_order_relaxed);
		tlb_counter(st, "throughput", wall ? (double)n * 1e9 / (double)wall : 0, TLB_COUNTER_PLAIN);
		destroy();
		if (got != bm_queue_expected_sum(n, P)) {
			char msg[96];
			snprintf(msg, sizeof msg, "items lost or doubled (sum %llu)", (unsigned long long)got);
			tlb_skip(st, msg);
		}
	}
	bm_barrier_wait(&bm_bar, nt);
}

/* <q>/idle (idle.c): a getter thread drains a warm-up of 1000 items, then
 * blocks on the empty FIFO (cap 0) while the idle window is measured;
 * register with bm_idle_register("<q>/idle", ...). */
void bm_queue_idle_run(tlb_state *st, int (*init)(int, long), void (*destroy)(void), void (*put)(void *, int64_t),
		   void *(*get)(void));

#define BM_QUEUE_ADAPTER(tag, init_, destroy_, put_, get_)                                         \
	static __attribute__((unused)) void bm_##tag##_put_get(tlb_state *st)                                               \
	{                                                                                           \
		if (init_((int)tlb_arg(st, 0), 0) < 0) {                                            \
			tlb_skip(st, "queue kind not supported");                                   \
			return;                                                                     \
		}                                                                                   \
		for (int64_t n; (n = tlb_batch(st)) > 0;)                                           \
			for (int64_t i = 0; i < n; i++) {                                           \
				put_((void *)(uintptr_t)(i + 1), i);                                \
				TLB_DO_NOT_OPTIMIZE(get_());                                        \
			}                                                                           \
		destroy_();                                                                         \
	}                                                                                           \
	static __attribute__((unused)) void bm_##tag##_spsc(tlb_state *st)                                                  \
	{                                                                                           \
		bm_queue_transfer(st, 1, 1, init_, destroy_, put_, get_);                           \
	}                                                                                           \
	static __attribute__((unused)) void bm_##tag##_mpsc(tlb_state *st)                                                  \
	{                                                                                           \
		bm_queue_transfer(st, 3, 1, init_, destroy_, put_, get_);                           \
	}                                                                                           \
	static __attribute__((unused)) void bm_##tag##_mpmc(tlb_state *st)                                                  \
	{                                                                                           \
		bm_queue_transfer(st, 2, 2, init_, destroy_, put_, get_);                           \
	}                                                                                           \
	static __attribute__((unused)) void bm_##tag##_idle(tlb_state *st)                                                  \
	{                                                                                           \
		bm_queue_idle_run(st, init_, destroy_, put_, get_);                                     \
	}

#endif
