// tsan-expect: race
/* The seed's pipeline exercise as first written: a producer fills a slot and
 * raises a plain `ready` flag; the consumer busy-waits on the flag, then reads
 * the slot. The flag is volatile (so the loop re-reads it) but not atomic, so
 * there is no happens-before from the producer's write of `slot` to the
 * consumer's read: two races (flag and slot). */
#include "fixture.h"

static volatile int ready;
static char slot[32];

static void *producer(void *arg)
{
	for (int i = 0; i < 31; i++)
		slot[i] = (char)('a' + i % 26);
	ready = 1;
	return arg;
}

static void *consumer(void *arg)
{
	while (!ready)
		fx_opaque();
	int sum = 0;
	for (int i = 0; i < 31; i++)
		sum += slot[i];
	*(int *)arg = sum;
	return NULL;
}

int main(void)
{
	pthread_t p, c;
	int sum = 0;
	pthread_create(&c, NULL, consumer, &sum);
	pthread_create(&p, NULL, producer, NULL);
	pthread_join(p, NULL);
	pthread_join(c, NULL);
	printf("race_busywait: sum=%d\n", sum);
	return 0;
}
