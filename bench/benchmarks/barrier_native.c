/* barrier_native.c — pthread_barrier_t, the baseline of threading.Barrier:
 *   pthread_barrier/wait   every GB thread passes the barrier n times; one
 *                          iteration is one round of all threads (group
 *                          time, common.h), threads swept.
 */
#include "common.h"

#include <pthread.h>

static pthread_barrier_t pb;

static void bm_pthread_barrier(tlb_state *st)
{
	const unsigned nt = (unsigned)tlb_thread_count(st);
	if (tlb_thread_index(st) == 0)
		pthread_barrier_init(&pb, NULL, nt);
	bm_barrier_wait(&bm_bar, nt);
	int64_t i;
	for (int64_t n; (n = tlb_batch(st)) > 0; bm_group_end(st))
		for (bm_group_begin(st), i = 0; i < n; i++)
			pthread_barrier_wait(&pb);
	bm_barrier_wait(&bm_bar, nt);
	if (tlb_thread_index(st) == 0)
		pthread_barrier_destroy(&pb);
}

TLB_REGISTER(barrier_native)
{
	bm_barrier_register("pthread_barrier/wait", NULL, bm_pthread_barrier);
}
