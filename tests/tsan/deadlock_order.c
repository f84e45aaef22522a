// tsan-expect: deadlock
// tsan-xfail: drd DRD has no lock-order checker
/* The seed's MyThread (section 九): func1 takes A then B, func2 takes B then
 * A. Here the two threads run one after the other (join in between), so the
 * program never deadlocks, but the lock-order graph has the cycle A->B->A
 * and TSan reports a lock-order inversion (potential deadlock). */
#include "fixture.h"

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t b = PTHREAD_MUTEX_INITIALIZER;
static int shared;

static void *func1(void *arg)
{
	pthread_mutex_lock(&a); // tsan-site
	pthread_mutex_lock(&b); // tsan-site
	shared++;
	pthread_mutex_unlock(&b);
	pthread_mutex_unlock(&a);
	return arg;
}

static void *func2(void *arg)
{
	pthread_mutex_lock(&b); // tsan-site
	pthread_mutex_lock(&a); // tsan-site
	shared++;
	pthread_mutex_unlock(&a);
	pthread_mutex_unlock(&b);
	return arg;
}

int main(void)
{
	pthread_t t;
	pthread_create(&t, NULL, func1, NULL);
	pthread_join(t, NULL);
	pthread_create(&t, NULL, func2, NULL);
	pthread_join(t, NULL);
	printf("deadlock_order: shared=%d\n", shared);
	return 0;
}
