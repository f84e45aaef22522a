// tsan-expect: race
/* SimpleQueue.put() publishes what was written *before* it, nothing after:
 * the producer puts a pointer, then writes the record it points to; the
 * consumer reads the record after get(). The queue's happens-before edge
 * (release store of the slot's seq, acquire load in get) must not hide
 * that race. */
#include "threadlab/simplequeue.h"

#include <pthread.h>
#include <stdio.h>

static tl_simplequeue_t q;
static long record;

__attribute__((noinline)) static void opaque(void)
{
	__asm__ __volatile__("" ::: "memory");
}

static void *producer(void *arg)
{
	tl_simplequeue_put(&q, &record);
	record = 42; /* too late: not ordered before the consumer's read */
	opaque();
	return arg;
}

int main(void)
{
	pthread_t t;
	void *p = NULL;
	tl_simplequeue_init(&q);
	pthread_create(&t, NULL, producer, NULL);
	tl_simplequeue_get(&q, &p, true, TL_FOREVER);
	long seen = *(long *)p;
	opaque();
	pthread_join(t, NULL);
	tl_simplequeue_destroy(&q);
	printf("simplequeue_race_after_put: record=%ld\n", seen);
	return 0;
}
