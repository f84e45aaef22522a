// tsan-expect: deadlock
/* tl_lock A then pthread mutex B in one thread, B then A in another (run one
 * after the other): tl_lock is in the same TSan lock-order graph as pthread
 * mutexes, so the cycle is reported. */
#include "threadlab/lock.h"

#include <pthread.h>
#include <stdio.h>

static tl_lock_t a;
static pthread_mutex_t b = PTHREAD_MUTEX_INITIALIZER;
static int shared;

static void *func1(void *arg)
{
	tl_lock_acquire(&a, true, TL_FOREVER);
	pthread_mutex_lock(&b);
	shared++;
	pthread_mutex_unlock(&b);
	tl_lock_release(&a);
	return arg;
}

static void *func2(void *arg)
{
	pthread_mutex_lock(&b);
	tl_lock_acquire(&a, true, TL_FOREVER);
	shared++;
	tl_lock_release(&a);
	pthread_mutex_unlock(&b);
	return arg;
}

int main(void)
{
	pthread_t t;
	tl_lock_init(&a, TL_PRIVATE);
	pthread_create(&t, NULL, func1, NULL);
	pthread_join(t, NULL);
	pthread_create(&t, NULL, func2, NULL);
	pthread_join(t, NULL);
	printf("lock_mixed_pthread_inversion: shared=%d\n", shared);
	return 0;
}
