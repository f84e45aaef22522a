// tsan-expect: deadlock
/* The deadlock workload's shape with tl_lock: func1 takes A then B, func2
 * takes B then A, both at once, the inner acquire timed (10 ms) with a
 * back-off, so a real deadlock is broken instead of hanging. tl_lock
 * annotates timed acquires as blocking ones, so TSan reports the
 * lock-order inversion (pthread_mutex_timedlock would not be reported). */
#include "threadlab/lock.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

#define ROUNDS 20

static tl_lock_t a, b;
static int shared; /* only touched holding both */
static atomic_int backoffs;

static void both(tl_lock_t *first, tl_lock_t *second)
{
	for (;;) {
		tl_lock_acquire(first, true, TL_FOREVER);
		if (tl_lock_acquire(second, true, 0.01) == 0)
			return;
		atomic_fetch_add(&backoffs, 1);
		tl_lock_release(first);
		sched_yield();
	}
}

static void *func1(void *arg)
{
	for (int i = 0; i < ROUNDS; i++) {
		both(&a, &b);
		shared++;
		tl_lock_release(&b);
		tl_lock_release(&a);
	}
	return arg;
}

static void *func2(void *arg)
{
	for (int i = 0; i < ROUNDS; i++) {
		both(&b, &a);
		shared++;
		tl_lock_release(&a);
		tl_lock_release(&b);
	}
	return arg;
}

int main(void)
{
	pthread_t t1, t2;
	tl_lock_init(&a, TL_PRIVATE);
	tl_lock_init(&b, TL_PRIVATE);
	pthread_create(&t1, NULL, func1, NULL);
	pthread_create(&t2, NULL, func2, NULL);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	printf("lock_order_inversion_timed: shared=%d (expected %d) backoffs=%d\n", shared,
	       2 * ROUNDS, atomic_load(&backoffs));
	return 0;
}
