/* peer.h — what a peer adapter (bench/peers/<library>.cc, C++) includes
 * after its library's headers: the shared C bodies (lockbody.h,
 * queuebody.h, execbody.h, common.h) compiled as C++, so a third-party
 * primitive runs through the very loops ours runs through (Concurrency
 * Kit's pattern: a few-line adapter around one shared body).
 *
 * The bodies are C11. Three things make them C++ here, all layout-neutral
 * on the targets we build for (GCC/Clang, x86-64/AArch64):
 *   - _Alignas(n) is alignas(n);
 *   - _Atomic is dropped: the shared counters become plain integers of the
 *     same size and alignment, and the C11 generic functions the inline
 *     bodies call (atomic_load/store[_explicit]) are the __atomic builtins
 *     on them, which is what C11 atomics compile to;
 *   - the declarations get C linkage (the objects and functions live in
 *     the C files: bm_bar, bm_win, bm_qsh, bm_window_begin...).
 * So include this LAST, after every C++ library header (the macros would
 * break <atomic> and friends).
 *
 * A peer file registers inside tlb_peer_begin/tlb_peer_end (tlb.h) with
 * the baseline of the primitive of ours it competes with, e.g.
 *   tlb_peer_begin("absl", TLB_WAITS_BLOCK, BM_PEER_ABSL_NOTE);
 *   bm_lock_register(&bm_lock_fns_absl_mutex, "absl_mutex", "pthread_mutex", BM_LOCK_PEER);
 *   tlb_peer_end();
 */
#ifndef BM_PEER_H
#define BM_PEER_H

#include <atomic>
#include <cstdint>

#define _Alignas(n) alignas(n)
#define _Atomic

using std::memory_order_acquire;
using std::memory_order_relaxed;
using std::memory_order_release;
using std::memory_order_seq_cst;

template <class T, class V> static inline void atomic_store_explicit(T *p, V v, std::memory_order mo)
{
	__atomic_store_n(p, (T)v, (int)mo);
}
template <class T> static inline T atomic_load_explicit(const T *p, std::memory_order mo)
{
	return __atomic_load_n(p, (int)mo);
}
template <class T, class V> static inline void atomic_store(T *p, V v)
{
	__atomic_store_n(p, (T)v, __ATOMIC_SEQ_CST);
}
template <class T> static inline T atomic_load(const T *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

extern "C" {
#include "../benchmarks/common.h"
#include "../benchmarks/execbody.h"
#include "../benchmarks/lockbody.h"
#include "../benchmarks/queuebody.h"
}

#include "spinwait.h"

/* A peer's ping-pong (bm_pingpong_register's default registration: the
 * placements, 2 threads, manual time), default suite only: --quick runs a
 * peer's single-thread rows, a smoke test of its adapter. */
static inline void bm_peer_pingpong_register(const char *name, const char *baseline, tlb_fn fn)
{
	tlb_bench *b = tlb_register(name, fn);
	tlb_skip_quick(b);
	bm_placements(b, false);
	tlb_threads(b, 2);
	tlb_manual_time(b);
	tlb_min_time(b, 0.05);
	tlb_baseline(b, baseline);
}

/* A peer's barrier/wait (bm_barrier_register's body and time) at one thread
 * per allowed CPU instead of the sweep, default suite only: lean. */
static inline void bm_peer_barrier_register(const char *name, tlb_fn fn)
{
	tlb_bench *b = tlb_register(name, fn);
	tlb_skip_quick(b);
	tlb_threads(b, TLB_THREADS_ALLOWED);
	tlb_manual_time(b);
	tlb_min_time(b, 0.05);
	tlb_baseline(b, "pthread_barrier/wait");
}

#endif
