/* Rare-race family for the race runner (issue 15): TSan reports the race
 * only when main takes the mutex before the worker has released it.
 *
 *   worker: [late start?] x = 1; lock(m); unlock(m);     (the write)
 *   main:   create worker; sleep W us; lock(m); unlock(m); read x
 *
 * When the worker's unlock comes first, unlock -> lock orders its write
 * before main's read and TSan (a happens-before detector) stays silent,
 * although the program is just as wrong. Only a schedule where the worker
 * runs late shows the race:
 *   - `rare W N` (N > 0): the worker starts 3*W late in 1 run out of N (a
 *     stand-in for a preemption or page fault the program does not control;
 *     drawn from getrandom, so the odds are the program's, exactly 1/N plus
 *     whatever the real scheduler adds);
 *   - `rare W 0`: no late start of its own: only the scheduler, or the
 *     runner's perturbation (scripts/tlrace/chaos.c), makes the worker late.
 *   - `rare W N clean`: the same with the write inside the lock: no schedule
 *     races, and the runner must never report one.
 * scripts/tlrace/catchrate.py measures how often tsan-run finds it.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

static int x;
static int clean;
static long late_us;
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;

static void sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };
	nanosleep(&ts, NULL);
}

static void *worker(void *arg)
{
	if (late_us)
		sleep_us(late_us);
	if (clean) {
		pthread_mutex_lock(&m);
		x = 1;
		pthread_mutex_unlock(&m);
	} else {
		x = 1; // tsan-site
		pthread_mutex_lock(&m);
		pthread_mutex_unlock(&m);
	}
	return arg;
}

int main(int argc, char **argv)
{
	long w = argc > 1 ? atol(argv[1]) : 2000;
	long n = argc > 2 ? atol(argv[2]) : 10;
	clean = argc > 3 && strcmp(argv[3], "clean") == 0;
	if (w < 0 || n < 0) {
		fprintf(stderr, "rare: W and N must be >= 0 (got %ld %ld)\n", w, n);
		return 2;
	}
	unsigned r = 0;
	if (n > 0 && getrandom(&r, sizeof r, 0) == sizeof r && r % n == 0)
		late_us = 3 * w;
	pthread_t t;
	if (pthread_create(&t, NULL, worker, NULL) != 0)
		return 3;
	sleep_us(w);
	pthread_mutex_lock(&m);
	pthread_mutex_unlock(&m);
	int v;
	if (clean) {
		pthread_mutex_lock(&m);
		v = x;
		pthread_mutex_unlock(&m);
	} else {
		v = x; // tsan-site
	}
	pthread_join(t, NULL);
	printf("x=%d late=%ld\n", v, late_us);
	return 0;
}
