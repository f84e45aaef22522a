// tsan-expect: race
/* `volatile` is not synchronisation: the counter is volatile, so the
 * compiler cannot merge or fold the accesses (each ++ is a load and a store),
 * but nothing orders one thread's store before another's load. gcc and clang
 * instrument volatile accesses as ordinary ones (neither passes
 * -tsan-distinguish-volatile by default), so TSan reports the race. */
#include "fixture.h"

#define K 10000

static volatile long counter;

static void *worker(void *arg)
{
	fx_start_wait();
	/* valgrind (DRD) puts the racy store on the loop header line */
	for (int i = 0; i < K; i++) // tsan-site
		counter++; // tsan-site
	return arg;
}

int main(void)
{
	int nt = fx_threads(2);
	fx_start_init(nt);
	fx_run(nt, worker);
	fx_start_destroy();
	printf("race_volatile: threads=%d counter=%ld (expected %ld)\n", nt, counter,
	       (long)nt * K);
	return 0;
}
