/* load.c — the spinners behind tl-bench --load N (load.h).
 *
 * Each spinner is a plain busy loop on a relaxed load of `stop` (no pause:
 * it should compete for its CPU the way a compute-bound thread does). Stop
 * is a release store read with acquire once the loop sees it, then join. */
#include "load.h"
#include "pin.h"

#include "threadlab/common.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* On a line of its own: the spinners read it without pause, so anything
 * the linker put next to it (a benchmark's shared state) would be pulled
 * to and fro between the spinners' CPUs and its own at every write. */
static struct {
	_Alignas(128) _Atomic int v;
	char pad[128 - sizeof(_Atomic int)];
} stop_line;
static pthread_t *spinners;
static int n_spinners, per_cpu_now;

static void *spin(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "tl-load"); /* idle.c leaves these out */
	while (!atomic_load_explicit(&stop_line.v, memory_order_relaxed))
		__asm__ __volatile__("" ::: "memory");
	return NULL;
}

static int bind_to(pthread_attr_t *a, int cpu)
{
	size_t sz = CPU_ALLOC_SIZE(cpu + 1);
	cpu_set_t *set = CPU_ALLOC(cpu + 1);
	if (!set)
		return TL_ENOMEM;
	CPU_ZERO_S(sz, set);
	CPU_SET_S(cpu, sz, set);
	int rc = pthread_attr_setaffinity_np(a, sz, set);
	CPU_FREE(set);
	return -rc;
}

int tlb_load_start(int per_cpu, char *err, size_t errlen)
{
	if (per_cpu < 0 || per_cpu > TLB_LOAD_MAX_PER_CPU) {
		snprintf(err, errlen, "--load must be 0..%d busy threads per CPU, got %d", TLB_LOAD_MAX_PER_CPU,
			 per_cpu);
		return TL_EINVAL;
	}
	if (per_cpu == 0 || spinners)
		return spinners ? TL_EBUSY : 0;
	if (tlb_pin_is_synthetic()) {
		snprintf(err, errlen, "--load needs the real machine, not a synthetic --topology");
		return TL_EINVAL;
	}
	char list[4096];
	int ncpu = tlb_pin_allowed_pus();
	int *cpus = ncpu > 0 ? malloc((size_t)ncpu * sizeof *cpus) : NULL;
	if (!cpus || tlb_pin_allowed_list(list, sizeof list) != 0 ||
	    (ncpu = tlb_pin_parse_list(list, cpus, ncpu)) <= 0) {
		free(cpus);
		snprintf(err, errlen, "--load: cannot read the allowed CPUs");
		return TL_EINVAL;
	}
	spinners = calloc((size_t)ncpu * (size_t)per_cpu, sizeof *spinners);
	if (!spinners) {
		free(cpus);
		snprintf(err, errlen, "--load: out of memory");
		return TL_ENOMEM;
	}
	atomic_store(&stop_line.v, 0);
	int rc = 0;
	for (int k = 0; k < per_cpu && rc == 0; k++)
		for (int c = 0; c < ncpu && rc == 0; c++) {
			pthread_attr_t a;
			pthread_attr_init(&a);
			rc = bind_to(&a, cpus[c]);
			if (rc == 0)
				rc = -pthread_create(&spinners[n_spinners], &a, spin, NULL);
			pthread_attr_destroy(&a);
			if (rc == 0)
				n_spinners++;
		}
	free(cpus);
	if (rc != 0) {
		snprintf(err, errlen, "--load: cannot start busy thread %d: %s", n_spinners + 1, strerror(-rc));
		tlb_load_stop();
		return rc;
	}
	per_cpu_now = per_cpu;
	return 0;
}

void tlb_load_stop(void)
{
	atomic_store_explicit(&stop_line.v, 1, memory_order_release);
	for (int i = 0; i < n_spinners; i++)
		pthread_join(spinners[i], NULL);
	free(spinners);
	spinners = NULL;
	n_spinners = 0;
	per_cpu_now = 0;
}

int tlb_load_per_cpu(void)
{
	return per_cpu_now;
}
