// tsan-expect: deadlock
/* tl_lock A then tl_rlock B in one thread, B then A in another (one after
 * the other): Lock (read-mutex annotation) and RLock (write-reentrant) are
 * in the same lock-order graph, so the cycle is reported. */
#include "threadlab/lock.h"
#include "threadlab/rlock.h"

#include <pthread.h>
#include <stdio.h>

static tl_lock_t a;
static tl_rlock_t b;
static int shared;

static void *func1(void *arg)
{
	tl_lock_acquire(&a, true, TL_FOREVER);
	tl_rlock_acquire(&b, true, TL_FOREVER);
	shared++;
	tl_rlock_release(&b);
	tl_lock_release(&a);
	return arg;
}

static void *func2(void *arg)
{
	tl_rlock_acquire(&b, true, TL_FOREVER);
	tl_lock_acquire(&a, true, TL_FOREVER);
	shared++;
	tl_lock_release(&a);
	tl_rlock_release(&b);
	return arg;
}

int main(void)
{
	pthread_t t;
	tl_lock_init(&a, TL_PRIVATE);
	tl_rlock_init(&b, TL_PRIVATE);
	pthread_create(&t, NULL, func1, NULL);
	pthread_join(t, NULL);
	pthread_create(&t, NULL, func2, NULL);
	pthread_join(t, NULL);
	printf("lock_rlock_inversion: shared=%d\n", shared);
	return 0;
}
