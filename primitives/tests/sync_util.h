/* Helpers for the synchronisation-primitive tests (test_lock.c, ...):
 * raw pthreads (so the tests do not depend on tl_thread), and polling waits
 * for an observable condition. A poll is not a sleep-as-synchronisation: it
 * waits for a state the test can see (a counter, a lock word showing a
 * sleeper), never for "long enough"; the runner's timeout catches a hang. */
#ifndef TL_SYNC_UTIL_H
#define TL_SYNC_UTIL_H

#include "task.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>

#define WAIT_UNTIL(cond)                                                              \
	do {                                                                          \
		while (!(cond))                                                       \
			sched_yield();                                                \
	} while (0)

typedef void *(*su_fn)(void *);

static inline pthread_t su_spawn(su_fn fn, void *arg)
{
	pthread_t t;
	ASSERT_OK(pthread_create(&t, NULL, fn, arg));
	return t;
}

static inline void su_join(pthread_t t)
{
	ASSERT_OK(pthread_join(t, NULL));
}

/* Start n threads running fn(arg) and join them all. */
static inline void su_run(int n, su_fn fn, void *arg)
{
	pthread_t t[64];
	ASSERT(n <= 64);
	for (int i = 0; i < n; i++)
		t[i] = su_spawn(fn, arg);
	for (int i = 0; i < n; i++)
		su_join(t[i]);
}

static inline double su_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
