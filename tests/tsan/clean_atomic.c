// tsan-expect: clean
/* An atomic fetch-and-subtract: relaxed read-modify-writes on one atomic
 * never race with each other; the final plain read is ordered after every
 * decrement by pthread_join. */
#include "fixture.h"

#include <stdatomic.h>

#define K 1000

static atomic_long n;

static void *worker(void *arg)
{
	fx_start_wait();
	for (int i = 0; i < K; i++)
		atomic_fetch_sub_explicit(&n, 1, memory_order_relaxed);
	return arg;
}

int main(void)
{
	int nt = fx_threads(4);
	atomic_init(&n, (long)nt * K);
	fx_start_init(nt);
	fx_run(nt, worker);
	fx_start_destroy();
	long left = atomic_load_explicit(&n, memory_order_relaxed);
	printf("clean_atomic: threads=%d final n=%ld (expected 0)\n", nt, left);
	return left == 0 ? 0 : 1;
}
