/* Programs whose TSan logs are the parser's test data (tests/tlrace/data/).
 * Not built by CMake: tests/tlrace/data/capture.sh builds this with gcc and
 * clang TSan and stores one log per report kind. `kinds NAME` runs one. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sanitizer/tsan_interface.h>

static int shared;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void *locked_writer(void *arg)
{
	pthread_mutex_lock(&mu);
	shared++; /* under mu, but main writes without it */
	pthread_mutex_unlock(&mu);
	return arg;
}

static int race_with_mutex(void)
{
	pthread_t t;
	pthread_create(&t, NULL, locked_writer, NULL);
	shared++;
	pthread_join(t, NULL);
	return 0;
}

static void *sleeper(void *arg)
{
	return arg;
}

static int thread_leak(void)
{
	pthread_t t;
	pthread_create(&t, NULL, sleeper, NULL);
	sleep(1); /* let it finish; never joined */
	return 0;
}

static void handler_malloc(int sig)
{
	(void)sig;
	void *volatile p = malloc(16); /* not async-signal-safe */
	free(p);
}

static pthread_t main_thread;

static void *signaller(void *arg)
{
	pthread_kill(main_thread, SIGUSR1); /* asynchronous for main */
	return arg;
}

static void wait_for_signal(void (*handler)(int))
{
	pthread_t t;
	sigset_t set, old;
	signal(SIGUSR1, handler);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	main_thread = pthread_self();
	pthread_create(&t, NULL, signaller, NULL);
	sigsuspend(&old); /* returns after the handler ran */
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_join(t, NULL);
}

static int signal_unsafe(void)
{
	wait_for_signal(handler_malloc);
	return 0;
}

static void handler_errno(int sig)
{
	(void)sig;
	errno = EINTR; /* clobbers the interrupted code's errno */
}

static int spoil_errno(void)
{
	wait_for_signal(handler_errno);
	return 0;
}

static int unlock_unlocked(void)
{
	pthread_mutex_t m;
	pthread_mutex_init(&m, NULL);
	pthread_mutex_unlock(&m);
	pthread_mutex_destroy(&m);
	return 0;
}

/* A custom lock annotated as libraries do (primitives/src/tsan.h): a thread
 * takes it and never releases it, then main takes it too. */
static int word;

static void *take_and_keep(void *arg)
{
	__tsan_mutex_pre_lock(&word, 0);
	__tsan_mutex_post_lock(&word, 0, 0);
	return arg;
}

static int double_lock(void)
{
	pthread_t t;
	__tsan_mutex_create(&word, 0);
	pthread_create(&t, NULL, take_and_keep, NULL);
	pthread_join(t, NULL);
	__tsan_mutex_pre_lock(&word, 0);
	__tsan_mutex_post_lock(&word, 0, 0);
	return 0;
}

static int destroy_locked(void)
{
	pthread_mutex_t m;
	pthread_mutex_init(&m, NULL);
	pthread_mutex_lock(&m);
	pthread_mutex_destroy(&m);
	return 0;
}

static char buf[64];

static volatile size_t len = 32; /* not a constant: memcpy stays a libc call */

static void *copier(void *arg)
{
	memcpy(buf, arg, len); /* racy write through libc */
	return NULL;
}

static int race_in_libc(void)
{
	pthread_t t;
	static char src[32] = "source";
	pthread_create(&t, NULL, copier, src);
	memset(buf, 0, len);
	pthread_join(t, NULL);
	return 0;
}

static int segv(void)
{
	volatile int *p = NULL;
	return *p;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(void);
	} kinds[] = {
		{ "race_with_mutex", race_with_mutex },
		{ "thread_leak", thread_leak },
		{ "signal_unsafe", signal_unsafe },
		{ "spoil_errno", spoil_errno },
		{ "unlock_unlocked", unlock_unlocked },
		{ "double_lock", double_lock },
		{ "destroy_locked", destroy_locked },
		{ "race_in_libc", race_in_libc },
		{ "segv", segv },
	};
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (argc > 1 && strcmp(argv[1], kinds[i].name) == 0)
			return kinds[i].fn();
	fprintf(stderr, "usage: kinds NAME\n");
	return 2;
}
