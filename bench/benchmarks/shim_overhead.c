/* shim_overhead.c — the shim must cost nothing measurable.
 *
 * The same two bodies as the native C++ references at the end of
 * bench/shim/shim.cc, written in C through tlb.h. Each row's baseline is its
 * native twin, so `shim/X` vs `native/X` medians from one run give the
 * shim's overhead (target: within 2%).
 */
#include "tlb.h"

#include <pthread.h>

/* Counting down gives the same two-instruction loop as Google Benchmark's
 * range-for, so the pair compares the shim and not two loop shapes (an
 * up-counting loop measured ~1.5% slower here: add/cmp/jne vs sub/jne). */
static void bm_empty_loop(tlb_state *st)
{
	for (int64_t n; (n = tlb_batch(st)) > 0;)
		for (int64_t i = n; i != 0; i--)
			TLB_CLOBBER();
}

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;

static void bm_mutex_pair(tlb_state *st)
{
	for (int64_t n; (n = tlb_batch(st)) > 0;)
		for (int64_t i = n; i != 0; i--) {
			pthread_mutex_lock(&mutex);
			pthread_mutex_unlock(&mutex);
		}
}

TLB_REGISTER(shim_overhead)
{
	tlb_baseline(tlb_register("shim/empty_loop", bm_empty_loop), "native/empty_loop");
	tlb_baseline(tlb_register("shim/mutex_pair", bm_mutex_pair), "native/mutex_pair");
}
