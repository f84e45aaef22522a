/* lockbody.h — one benchmark body for every mutual-exclusion lock
 * (Concurrency Kit style): a lock file writes four one-line functions over
 * its type and instantiates the bodies with BM_LOCK_ADAPTER:
 *
 *   static void my_init(tl_lock_t *l)    { tl_lock_init(l, TL_PRIVATE); }
 *   static void my_destroy(tl_lock_t *l) { tl_lock_destroy(l); }
 *   static void my_lock(tl_lock_t *l)    { tl_lock_acquire(l, true, TL_FOREVER); }
 *   static void my_unlock(tl_lock_t *l)  { tl_lock_release(l); }
 *   BM_LOCK_ADAPTER(lock, tl_lock_t, my_init, my_destroy, my_lock, my_unlock)
 *
 * and registers bm_lock_register(&bm_lock_fns_lock, "lock", "pthread_mutex", flags).
 * The calls are direct (the adapter functions are static and inlined into
 * each body), so the uncontended figure is the lock's own cost.
 *
 * Benchmarks per lock ("<name>/..."):
 *   uncontended            acquire+release pairs in one thread
 *   reentrant              (recursive locks) pairs while already held once
 *   contended/cs:C/work:W  common-window throughput, threads swept, at
 *                          (C, W) = (100, 0), (0, 0), (100, 500): each op
 *                          is acquire, bump the protected counter, C ns of
 *                          work, release, then W ns of work outside. The
 *                          counter must equal the ops counted (checked).
 *   fairness/cs:100/work:0 the same body, each acquire's wait timed;
 *                          counters wait_p50_ns, wait_p99_ns, wait_max_ns
 *                          (acquire waits, all threads) and jain and min_max of the
 *                          per-thread acquisition counts.
 * Each row's baseline is the same benchmark of the named baseline lock.
 *
 * The header also compiles as C++ (bench/peers/peer.h includes it) so that
 * a third-party lock is measured by these very bodies.
 */
#ifndef BM_LOCKBODY_H
#define BM_LOCKBODY_H

#include "common.h"
#include "load.h"

#include <stdio.h>

enum {
	BM_LOCK_REENTRANT = 1, /* register <name>/reentrant */
	BM_LOCK_FAIRNESS = 2,  /* register <name>/fairness */
	BM_LOCK_NO_CONTENDED = 4,
	BM_LOCK_LIGHT = 8, /* contended at cs:100/work:0 only (secondary locks) */
	/* Peers (bench/peers/, inside tlb_peer_begin/end): contended at
	 * cs:100/work:0 and cs:0/work:0 only (with BM_LOCK_LIGHT: cs:100),
	 * contended and fairness at one thread per allowed CPU only (the rows
	 * they are compared on; lean, so `make bench` keeps its time budget;
	 * oversubscribed, a spinning waiter would burn the time slice of a
	 * preempted holder); --quick runs their single-thread rows only.
	 * BM_LOCK_SPIN: the lock busy-waits (documentation: waits comes from
	 * tlb_peer_begin). */
	BM_LOCK_PEER = 16,
	BM_LOCK_SPIN = 32,
};

struct bm_lock_fns {
	tlb_fn uncontended, reentrant, contended, fairness;
};

/* Registers the benchmarks of one lock (see above). baseline may be NULL. */
void bm_lock_register(const struct bm_lock_fns *f, const char *name, const char *baseline, int flags);

/* Shared state of a contended run: the lock in its own cache line, the
 * protected counter in another. */
struct bm_lock_ctx {
	uint64_t cs_iters, work_iters;
	_Alignas(BM_CACHELINE) uint64_t counter;
};

void bm_lock_check(tlb_state *st, const struct bm_lock_ctx *c, uint64_t ops);

#define BM_LOCK_ADAPTER(tag, T, init_, destroy_, lock_, unlock_)                                         \
	static struct {                                                                                   \
		_Alignas(BM_CACHELINE) T obj;                                                             \
		struct bm_lock_ctx c;                                                                     \
	} bm_##tag##_sh;                                                                                  \
	static void bm_##tag##_uncontended(tlb_state *st)                                                 \
	{                                                                                                 \
		T *l = &bm_##tag##_sh.obj;                                                                \
		init_(l);                                                                                 \
		for (int64_t n; (n = tlb_batch(st)) > 0;)                                                 \
			for (int64_t i = 0; i < n; i++) {                                                 \
				lock_(l);                                                                 \
				unlock_(l);                                                               \
			}                                                                                 \
		destroy_(l);                                                                              \
	}                                                                                                 \
	static void bm_##tag##_reentrant(tlb_state *st)                                                   \
	{                                                                                                 \
		T *l = &bm_##tag##_sh.obj;                                                                \
		init_(l);                                                                                 \
		lock_(l);                                                                                 \
		for (int64_t n; (n = tlb_batch(st)) > 0;)                                                 \
			for (int64_t i = 0; i < n; i++) {                                                 \
				lock_(l);                                                                 \
				unlock_(l);                                                               \
			}                                                                                 \
		unlock_(l);                                                                               \
		destroy_(l);                                                                              \
	}                                                                                                 \
	static void bm_##tag##_op(void *ctx)                                                              \
	{                                                                                                 \
		struct bm_lock_ctx *c = (struct bm_lock_ctx *)ctx;                                        \
		lock_(&bm_##tag##_sh.obj);                                                                \
		c->counter++;                                                                             \
		bm_work(c->cs_iters);                                                                     \
		unlock_(&bm_##tag##_sh.obj);                                                              \
		bm_work(c->work_iters);                                                                   \
	}                                                                                                 \
	static void bm_##tag##_fair_op(void *ctx) /* the same, each acquire's wait timed */               \
	{                                                                                                 \
		struct bm_lock_ctx *c = (struct bm_lock_ctx *)ctx;                                        \
		uint64_t t0 = bm_wait_begin();                                                            \
		lock_(&bm_##tag##_sh.obj);                                                                \
		bm_wait_end(t0);                                                                          \
		c->counter++;                                                                             \
		bm_work(c->cs_iters);                                                                     \
		unlock_(&bm_##tag##_sh.obj);                                                              \
		bm_work(c->work_iters);                                                                   \
	}                                                                                                 \
	static inline void bm_##tag##_window(tlb_state *st, bool fair)                                    \
	{                                                                                                 \
		struct bm_lock_ctx *c = &bm_##tag##_sh.c;                                                 \
		struct bm_window_cfg cfg = {bm_window_len_ns(), fair};                                     \
		if (tlb_thread_index(st) == 0) {                                                          \
			init_(&bm_##tag##_sh.obj);                                                        \
			c->counter = 0;                                                                   \
			c->cs_iters = bm_ns_to_iters((uint64_t)tlb_arg(st, 0));                           \
			c->work_iters = bm_ns_to_iters((uint64_t)tlb_arg(st, 1));                         \
		}                                                                                         \
		uint64_t ops = 0;                                                                         \
		if (!(fair ? bm_window_run(st, &cfg, bm_##tag##_fair_op, c, &ops)                          \
			   : bm_window_run(st, &cfg, bm_##tag##_op, c, &ops)))                            \
			return;                                                                           \
		if (tlb_thread_index(st) == 0) {                                                          \
			bm_lock_check(st, c, ops);                                                        \
			destroy_(&bm_##tag##_sh.obj);                                                     \
		}                                                                                         \
	}                                                                                                 \
	static void bm_##tag##_contended(tlb_state *st)                                                   \
	{                                                                                                 \
		bm_##tag##_window(st, false);                                                             \
	}                                                                                                 \
	static void bm_##tag##_fairness(tlb_state *st)                                                    \
	{                                                                                                 \
		bm_##tag##_window(st, true);                                                              \
	}                                                                                                 \
	static const struct bm_lock_fns bm_lock_fns_##tag = {bm_##tag##_uncontended, bm_##tag##_reentrant,  \
							     bm_##tag##_contended, bm_##tag##_fairness};

/* Window length of the contended benchmarks, windows per repetition
 * (default suite; --quick runs 2). */
#define BM_WINDOW_NS 10000000u /* 10 ms */
#define BM_WINDOWS 3
/* Under tl-bench --load a window is 100 ms: it must span tens of scheduler
 * slices (3-4 ms each on a busy CPU), not two or three whose phase decided
 * the row (10 ms windows at --load 2 moved lock/contended, and its
 * pthread_mutex baseline alike, 2-4x from one run to the next). */
#define BM_WINDOW_LOADED_NS 100000000u
static inline uint64_t bm_window_len_ns(void)
{
	return tlb_load_per_cpu() ? BM_WINDOW_LOADED_NS : BM_WINDOW_NS;
}

#endif
