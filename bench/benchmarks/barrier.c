/* barrier.c — threading.Barrier (tl_barrier):
 *   barrier/wait   every GB thread passes a Barrier(threads) n times; one
 *                  iteration is one round of all threads (group time, common.h),
 *                  threads swept; baseline pthread_barrier (barrier_native.c)
 */
#include "common.h"

#include "threadlab/barrier.h"

#include <stdio.h>

static tl_barrier_t b;

static void bm_wait(tlb_state *st)
{
	const unsigned nt = (unsigned)tlb_thread_count(st);
	if (tlb_thread_index(st) == 0)
		tl_barrier_init(&b, TL_PRIVATE, (int)nt, NULL, NULL, TL_FOREVER);
	bm_barrier_wait(&bm_bar, nt);
	int bad = 0;
	int64_t i;
	for (int64_t n; (n = tlb_batch(st)) > 0; bm_group_end(st))
		for (bm_group_begin(st), i = 0; i < n; i++)
			bad |= tl_barrier_wait(&b, TL_BARRIER_DEFAULT, NULL) != 0;
	bm_barrier_wait(&bm_bar, nt);
	if (tlb_thread_index(st) == 0)
		tl_barrier_destroy(&b);
	if (bad)
		tlb_skip(st, "tl_barrier_wait failed (broken barrier)");
}

TLB_REGISTER(barrier)
{
	bm_barrier_register("barrier/wait", "pthread_barrier/wait", bm_wait);
}
