// tsan-expect: deadlock
/* tl_lock A then B in one thread, B then A in another, run one after the
 * other (join in between) so the program never deadlocks; the lock-order
 * graph still has A->B->A and TSan must report a lock-order inversion
 * although tl_lock is annotated as a TSan read mutex (no owner). */
#include "threadlab/lock.h"

#include <pthread.h>
#include <stdio.h>

static tl_lock_t a, b;
static int shared;

static void *func1(void *arg)
{
	tl_lock_acquire(&a, true, TL_FOREVER);
	tl_lock_acquire(&b, true, TL_FOREVER);
	shared++;
	tl_lock_release(&b);
	tl_lock_release(&a);
	return arg;
}

static void *func2(void *arg)
{
	tl_lock_acquire(&b, true, TL_FOREVER);
	tl_lock_acquire(&a, true, TL_FOREVER);
	shared++;
	tl_lock_release(&a);
	tl_lock_release(&b);
	return arg;
}

int main(void)
{
	pthread_t t;
	tl_lock_init(&a, TL_PRIVATE);
	tl_lock_init(&b, TL_PRIVATE);
	pthread_create(&t, NULL, func1, NULL);
	pthread_join(t, NULL);
	pthread_create(&t, NULL, func2, NULL);
	pthread_join(t, NULL);
	printf("lock_order_inversion: shared=%d\n", shared);
	return 0;
}
