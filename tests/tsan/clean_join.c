// tsan-expect: clean
/* The seed's join variant: start each thread and join it before starting the
 * next. pthread_create and pthread_join order every access, no lock needed. */
#include "fixture.h"

static int n;

static void *worker(void *arg)
{
	int temp = n;
	fx_opaque();
	n = temp - 1;
	return arg;
}

int main(void)
{
	int nt = fx_threads(8);
	n = nt;
	for (int i = 0; i < nt; i++) {
		pthread_t t;
		if (pthread_create(&t, NULL, worker, NULL) != 0)
			return 2;
		pthread_join(t, NULL);
	}
	printf("clean_join: threads=%d final n=%d (expected 0)\n", nt, n);
	return n == 0 ? 0 : 1;
}
