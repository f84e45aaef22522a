#include "tid.h"

#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

_Thread_local uint32_t tl__tid_cache __attribute__((tls_model("initial-exec")));

uint32_t tl__tid_slow(void)
{
	return tl__tid_cache = (uint32_t)syscall(SYS_gettid);
}

static void forget_in_child(void)
{
	tl__tid_cache = 0;
}

__attribute__((constructor)) static void tid_init(void)
{
	pthread_atfork(NULL, NULL, forget_in_child);
}
