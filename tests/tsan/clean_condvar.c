// tsan-expect: clean
/* A one-slot hand-off with a mutex and two condition variables: the producer
 * writes the plain slot under the mutex, the consumer reads it under the
 * mutex after waking, so every slot access is ordered. */
#include "fixture.h"

#define ITEMS 200

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static int slot, full;

static void *producer(void *arg)
{
	for (int i = 1; i <= ITEMS; i++) {
		pthread_mutex_lock(&mu);
		while (full)
			pthread_cond_wait(&not_full, &mu);
		slot = i;
		full = 1;
		pthread_cond_signal(&not_empty);
		pthread_mutex_unlock(&mu);
	}
	return arg;
}

static void *consumer(void *arg)
{
	long sum = 0;
	for (int i = 1; i <= ITEMS; i++) {
		pthread_mutex_lock(&mu);
		while (!full)
			pthread_cond_wait(&not_empty, &mu);
		sum += slot;
		full = 0;
		pthread_cond_signal(&not_full);
		pthread_mutex_unlock(&mu);
	}
	*(long *)arg = sum;
	return NULL;
}

int main(void)
{
	pthread_t p, c;
	long sum = 0;
	pthread_create(&c, NULL, consumer, &sum);
	pthread_create(&p, NULL, producer, NULL);
	pthread_join(p, NULL);
	pthread_join(c, NULL);
	printf("clean_condvar: sum=%ld (expected %d)\n", sum, ITEMS * (ITEMS + 1) / 2);
	return sum == ITEMS * (ITEMS + 1) / 2 ? 0 : 1;
}
