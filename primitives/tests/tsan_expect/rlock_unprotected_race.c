// tsan-expect: race
/* One thread increments under a tl_rlock, another without it: reported. */
#include "threadlab/rlock.h"

#include <pthread.h>
#include <stdio.h>

#define ITERS 10000

static tl_rlock_t lock;
static long counter;

__attribute__((noinline)) static void opaque(void)
{
	__asm__ __volatile__("" ::: "memory");
}

static void *locked(void *arg)
{
	for (int i = 0; i < ITERS; i++) {
		tl_rlock_acquire(&lock, true, TL_FOREVER);
		counter++;
		opaque();
		tl_rlock_release(&lock);
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
	tl_rlock_init(&lock, TL_PRIVATE);
	pthread_create(&t1, NULL, locked, NULL);
	pthread_create(&t2, NULL, unlocked, NULL);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	printf("rlock_unprotected_race: counter=%ld\n", counter);
	return 0;
}
