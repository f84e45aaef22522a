// tsan-expect: race
/* Two or more threads increment a plain counter K times each.
 *
 * Written naively (`for (i = 0; i < K; i++) counter++;`), -O1 keeps the
 * counter in a register and stores once, or folds the loop into a single
 * `counter += K`: each thread then makes one load and one store, the race
 * window shrinks to nothing and the run stops losing updates, although it
 * is still a race. The fx_opaque() call in the loop body is a compiler
 * barrier (the compiler must assume it reads and writes `counter`), so every
 * iteration is a separate instrumented load and store, as in the source. */
#include "fixture.h"

#define K 10000

static long counter;

static void *worker(void *arg)
{
	fx_start_wait();
	for (int i = 0; i < K; i++) {
		counter++; // tsan-site
		fx_opaque();
	}
	return arg;
}

int main(void)
{
	int nt = fx_threads(2);
	fx_start_init(nt);
	fx_run(nt, worker);
	fx_start_destroy();
	printf("race_loop: threads=%d counter=%ld (expected %ld)\n", nt, counter,
	       (long)nt * K);
	return 0;
}
