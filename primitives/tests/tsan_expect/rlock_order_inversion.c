// tsan-expect: deadlock
/* tl_rlock A (entered twice) then B in one thread, B then A in another, run
 * one after the other: the lock-order graph has A->B->A and TSan reports a
 * lock-order inversion (RLock is a write-reentrant TSan mutex). */
#include "threadlab/rlock.h"

#include <pthread.h>
#include <stdio.h>

static tl_rlock_t a, b;
static int shared;

static void *func1(void *arg)
{
	tl_rlock_acquire(&a, true, TL_FOREVER);
	tl_rlock_acquire(&a, true, TL_FOREVER);
	tl_rlock_acquire(&b, true, TL_FOREVER);
	shared++;
	tl_rlock_release(&b);
	tl_rlock_release(&a);
	tl_rlock_release(&a);
	return arg;
}

static void *func2(void *arg)
{
	tl_rlock_acquire(&b, true, TL_FOREVER);
	tl_rlock_acquire(&a, true, TL_FOREVER);
	shared++;
	tl_rlock_release(&a);
	tl_rlock_release(&b);
	return arg;
}

int main(void)
{
	pthread_t t;
	tl_rlock_init(&a, TL_PRIVATE);
	tl_rlock_init(&b, TL_PRIVATE);
	pthread_create(&t, NULL, func1, NULL);
	pthread_join(t, NULL);
	pthread_create(&t, NULL, func2, NULL);
	pthread_join(t, NULL);
	printf("rlock_order_inversion: shared=%d\n", shared);
	return 0;
}
