// tsan-expect: race
/* The seed's pipeline exercise as first written: a producer fills a slot and
 * raises a plain `ready` flag; the consumer polls the flag, then reads the
 * slot. The flag is volatile (so the loop re-reads it) but not atomic, so
 * there is no happens-before from the producer's write of `slot` to the
 * consumer's read: two races (flag and slot).
 *
 * The poll sleeps 100 us between reads (the seed polls with sleeps too). A
 * hot spin here made clang 14's TSan (runtime v3) miss both races in about
 * half the runs whenever the consumer spun tens of thousands of times before
 * the flag rose (gcc 12's runtime caught them every time); with a sleeping
 * poll the consumer reads the flag a handful of times and both runtimes
 * report every run. TSan does not treat sleeps as synchronisation. */
#include "fixture.h"

#include <time.h>

static volatile int ready;
static char slot[32];

static void *producer(void *arg)
{
	for (int i = 0; i < 31; i++)
		slot[i] = (char)('a' + i % 26); // tsan-site
	ready = 1; // tsan-site
	return arg;
}

static void *consumer(void *arg)
{
	const struct timespec poll = { 0, 100 * 1000 };
	while (!ready) // tsan-site
		nanosleep(&poll, NULL);
	int sum = 0;
	/* valgrind (DRD) puts the racy load on the loop header line */
	for (int i = 0; i < 31; i++) // tsan-site
		sum += slot[i]; // tsan-site
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
