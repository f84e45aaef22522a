#include "tid.h"
#include "vg_annotate.h"

#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

_Thread_local uint32_t tl__tid_cache __attribute__((tls_model("initial-exec")));
_Atomic uint32_t tl__pid_cache;

uint32_t tl__tid_slow(void)
{
	return tl__tid_cache = (uint32_t)syscall(SYS_gettid);
}

uint32_t tl__pid_slow(void)
{
	/* Every thread that races here stores the same value. */
	uint32_t p = (uint32_t)getpid();
	atomic_store_explicit(&tl__pid_cache, p, memory_order_relaxed);
	return p;
}

static void forget_in_child(void)
{
	tl__tid_cache = 0;
	atomic_store_explicit(&tl__pid_cache, 0, memory_order_relaxed);
}

__attribute__((constructor)) static void tid_init(void)
{
	/* Helgrind/DRD: the pid cache is an atomic every thread may store
	 * (the same value): it cannot race, valgrind sees plain accesses. */
	TL__VG_IGNORE(&tl__pid_cache, sizeof tl__pid_cache);
	pthread_atfork(NULL, NULL, forget_in_child);
	tl__pid_slow();
}
