// tsan-expect: race
/* The seed's unlocked counter (section 八): every thread does
 * `temp = n; work; n = temp - 1` on a shared int with no lock. */
#include "fixture.h"

static int n;

static void *worker(void *arg)
{
	fx_start_wait();
	int temp = n; // tsan-site
	fx_opaque(); /* the "work" between read and write */
	n = temp - 1; // tsan-site
	return arg;
}

int main(void)
{
	int nt = fx_threads(8);
	n = nt;
	fx_start_init(nt);
	fx_run(nt, worker);
	fx_start_destroy();
	printf("race_counter: threads=%d final n=%d (expected 0)\n", nt, n);
	return 0;
}
