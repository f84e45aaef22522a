// tsan-expect: clean
/* The seed's locked counter: the whole read-work-write under one mutex. */
#include "fixture.h"

static int n;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void *worker(void *arg)
{
	fx_start_wait();
	pthread_mutex_lock(&mu);
	int temp = n;
	fx_opaque();
	n = temp - 1;
	pthread_mutex_unlock(&mu);
	return arg;
}

int main(void)
{
	int nt = fx_threads(8);
	n = nt;
	fx_start_init(nt);
	fx_run(nt, worker);
	fx_start_destroy();
	printf("clean_mutex: threads=%d final n=%d (expected 0)\n", nt, n);
	return n == 0 ? 0 : 1;
}
