/* C11 atomics for tests/tlrace/test_vgatomics.py: built with
 * scripts/tlrace/vgatomics.py and run under Helgrind and DRD.
 *
 *   atomics relaxed   a plain write published by a relaxed flag: a race on
 *                     `data` (C11 gives no order), and only there
 *   atomics release   the same with release/acquire: clean
 *   atomics fence     relaxed flag between a release fence and an acquire
 *                     fence: clean
 *   atomics cas       a spinlock (CAS acquire, store release) guarding a
 *                     plain counter, plus every other atomic kind on the
 *                     side (8/16/32/64-bit, exchange, fetch_*, weak CAS):
 *                     clean
 *   atomics counter   relaxed fetch_add on one counter from 4 threads: clean
 *
 * The waits spin with sched_yield (valgrind runs one thread at a time);
 * a spin is not synchronisation here, the atomics under test are. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int data;
static atomic_int flag;
static atomic_int lockw;
static long guarded;
static atomic_long counter;
static _Atomic int8_t a8;
static _Atomic int16_t a16;
static _Atomic uint64_t a64;
static void *_Atomic ptr;

static void *relaxed_reader(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&flag, memory_order_relaxed))
		sched_yield();
	return (void *)(intptr_t)data; /* race: nothing orders the write */
}

static void *acquire_reader(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&flag, memory_order_acquire))
		sched_yield();
	return (void *)(intptr_t)data;
}

static void *fence_reader(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&flag, memory_order_relaxed))
		sched_yield();
	atomic_thread_fence(memory_order_acquire);
	return (void *)(intptr_t)data;
}

static void spin_lock(void)
{
	int e = 0;
	while (!atomic_compare_exchange_strong_explicit(&lockw, &e, 1, memory_order_acquire,
							memory_order_relaxed)) {
		e = 0;
		sched_yield();
	}
}

static void *cas_worker(void *arg)
{
	for (int i = 0; i < 200; i++) {
		spin_lock();
		guarded++;
		atomic_store_explicit(&lockw, 0, memory_order_release);
		atomic_fetch_add(&a8, 1);
		atomic_fetch_or_explicit(&a16, 1, memory_order_relaxed);
		atomic_fetch_and(&a16, 0x7fff);
		atomic_fetch_xor_explicit(&a64, 1, memory_order_acq_rel);
		atomic_fetch_sub(&a64, 0);
		atomic_exchange(&ptr, arg);
		uint64_t v = atomic_load(&a64);
		atomic_compare_exchange_weak(&a64, &v, v);
	}
	return arg;
}

static void *count_worker(void *arg)
{
	for (int i = 0; i < 500; i++)
		atomic_fetch_add_explicit(&counter, 1, memory_order_relaxed);
	return arg;
}

static int publish(void *(*reader)(void *), memory_order mo, int fence)
{
	pthread_t t;
	if (pthread_create(&t, NULL, reader, NULL))
		return 2;
	data = 42; /* the plain write */
	if (fence)
		atomic_thread_fence(memory_order_release);
	atomic_store_explicit(&flag, 1, mo);
	void *r;
	pthread_join(t, &r);
	return (intptr_t)r == 42 ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";
	if (!strcmp(m, "relaxed"))
		return publish(relaxed_reader, memory_order_relaxed, 0);
	if (!strcmp(m, "release"))
		return publish(acquire_reader, memory_order_release, 0);
	if (!strcmp(m, "fence"))
		return publish(fence_reader, memory_order_relaxed, 1);
	pthread_t t[4];
	void *(*fn)(void *) = !strcmp(m, "cas") ? cas_worker : !strcmp(m, "counter") ? count_worker : NULL;
	if (!fn) {
		fprintf(stderr, "usage: atomics relaxed|release|fence|cas|counter\n");
		return 2;
	}
	for (int i = 0; i < 4; i++)
		if (pthread_create(&t[i], NULL, fn, (void *)(intptr_t)(i + 1)))
			return 2;
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	if (fn == cas_worker)
		return guarded == 800 ? 0 : 1;
	return atomic_load(&counter) == 2000 ? 0 : 1;
}
