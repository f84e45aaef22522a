// tsan-expect: race
// tsan-xfail: helgrind,drd they miss the use after free and, blind to C11 atomics (relaxed ones compile to plain moves), flag the relaxed flag instead
/* Use after free across threads: the main thread frees a heap object, then
 * raises a flag with a *relaxed* atomic store; the worker spins on the flag
 * with relaxed loads and then reads the object. Relaxed atomics carry no
 * happens-before, so the read is unordered with the free: TSan reports
 * "heap-use-after-free" (a race with free(), category race).
 *
 * Why the flag: if the read could come first, the race is read-then-free,
 * which TSan only catches when the freed block's shadow still holds the
 * read (it did in about half the runs here); forcing free-then-read in real
 * time makes the report deterministic without adding any synchronisation. */
#include "fixture.h"

#include <sched.h>
#include <stdatomic.h>

struct obj {
	int value;
};

static struct obj *volatile shared;
static atomic_int freed;
static int seen;

static void *worker(void *arg)
{
	while (!atomic_load_explicit(&freed, memory_order_relaxed))
		sched_yield();
	seen = shared->value; /* after free(), and not ordered after it (tsan-site) */
	return arg;
}

int main(void)
{
	pthread_t t;
	struct obj *o = malloc(sizeof *o);
	if (!o)
		return 2;
	o->value = 42;
	shared = o;
	pthread_create(&t, NULL, worker, NULL);
	free(o); // tsan-site
	atomic_store_explicit(&freed, 1, memory_order_relaxed);
	pthread_join(t, NULL);
	printf("race_free: seen=%d\n", seen);
	return 0;
}
