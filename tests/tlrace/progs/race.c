/* End-to-end test program for tsan-run: `race` races on a counter,
 * `clean` does the same under a mutex, `hang` blocks forever, `fail`
 * exits 3 without any race, `aslr` pretends TSan cannot start unless ASLR
 * is off (as the gcc 12 / clang 14 runtimes do with vm.mmap_rnd_bits > 28),
 * `segv` dies of SIGSEGV in a thread, `abort` calls abort() in main, and
 * `twocallers` races on one line (bump) reached from two different callers
 * on two different variables: two races, one line. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <unistd.h>

static long counter;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int use_lock;

static void *worker(void *arg)
{
	for (int i = 0; i < 1000; i++) {
		if (use_lock)
			pthread_mutex_lock(&mu);
		counter++;
		if (use_lock)
			pthread_mutex_unlock(&mu);
	}
	return arg;
}

static int run(int lock)
{
	pthread_t t[2];
	use_lock = lock;
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	printf("counter=%ld\n", counter);
	return 0;
}

static void *segv(void *arg)
{
	volatile int *p = arg;
	*p = 1;
	return NULL;
}

static long a_count, b_count;

__attribute__((noinline)) static void bump(long *p)
{
	++*p;
}

__attribute__((noinline)) static void via_a(void)
{
	bump(&a_count);
}

__attribute__((noinline)) static void via_b(void)
{
	bump(&b_count);
}

static void *two(void *arg)
{
	for (int i = 0; i < 1000; i++) {
		via_a();
		via_b();
	}
	return arg;
}

static int twocallers(void)
{
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, two, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	printf("%ld %ld\n", a_count, b_count);
	return 0;
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "race";
	if (strcmp(what, "race") == 0)
		return run(0);
	if (strcmp(what, "clean") == 0)
		return run(1);
	if (strcmp(what, "hang") == 0) {
		for (;;)
			pause();
	}
	if (strcmp(what, "fail") == 0)
		return 3;
	if (strcmp(what, "segv") == 0) {
		pthread_t t;
		pthread_create(&t, NULL, segv, NULL);
		pthread_join(t, NULL);
		return 0;
	}
	if (strcmp(what, "abort") == 0)
		abort();
	if (strcmp(what, "twocallers") == 0)
		return twocallers();
	if (strcmp(what, "aslr") == 0) {
		if (!(personality(0xffffffff) & ADDR_NO_RANDOMIZE)) {
			fprintf(stderr, "FATAL: ThreadSanitizer: unexpected memory mapping "
					"0x55d5a0e00000-0x55d5a0e01000\n");
			return 1;
		}
		return run(1);
	}
	return 2;
}
