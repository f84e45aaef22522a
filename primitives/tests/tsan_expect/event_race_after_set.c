// tsan-expect: race
/* Event.set() publishes what was written *before* it, nothing after: the
 * setter writes the payload after set(), the waiter reads it after wait().
 * The Event's happens-before edge must not hide that race. */
#include "threadlab/event.h"

#include <pthread.h>
#include <stdio.h>

static tl_event_t ev;
static long payload;

__attribute__((noinline)) static void opaque(void)
{
	__asm__ __volatile__("" ::: "memory");
}

static void *setter(void *arg)
{
	tl_event_set(&ev);
	payload = 42; /* too late: not ordered before the waiter's read */
	opaque();
	return arg;
}

int main(void)
{
	pthread_t t;
	tl_event_init(&ev, TL_PRIVATE);
	pthread_create(&t, NULL, setter, NULL);
	tl_event_wait(&ev, TL_FOREVER);
	long seen = payload;
	opaque();
	pthread_join(t, NULL);
	printf("event_race_after_set: payload=%ld\n", seen);
	return 0;
}
