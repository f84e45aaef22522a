// tsan-expect: race
/* Two threads increment a counter; one takes the tl_lock, the other does
 * not. The lock's happens-before edges must not hide the race. */
#include "threadlab/lock.h"

#include <pthread.h>
#include <stdio.h>

#define ITERS 10000

static tl_lock_t lock;
static long counter;

__attribute__((noinline)) static void opaque(void)
{
	__asm__ __volatile__("" ::: "memory");
}

static void *locked(void *arg)
{
	for (int i = 0; i < ITERS; i++) {
		tl_lock_acquire(&lock, true, TL_FOREVER);
		counter++;
		opaque();
		tl_lock_release(&lock);
	}
	return arg;
}

static void *unlocked(void *arg)
{
	for (int i = 0; i < ITERS; i++) {
		counter++;
		opaque();
	}
	return arg;
}

int main(void)
{
	pthread_t t1, t2;
	tl_lock_init(&lock, TL_PRIVATE);
	pthread_create(&t1, NULL, locked, NULL);
	pthread_create(&t2, NULL, unlocked, NULL);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	printf("lock_unprotected_race: counter=%ld (up to %d)\n", counter, 2 * ITERS);
	return 0;
}
