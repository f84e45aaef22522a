/* Internal: the calling thread's kernel tid, cached per thread — the owner
 * identity of RLock (and of the record queue's lock). A tid is unique among
 * live threads of *all* processes, so it also names owners of process-shared
 * RLocks, and fits the robust-futex word layout (robust.h).
 * The cache is reset in a fork child (pthread_atfork), whose thread has a new
 * tid but inherits the parent's TLS.
 *
 * Also the calling process's pid, cached per process — the owner identity of
 * a process-shared Lock (robust.h: a Lock has no owner thread, only the
 * process that holds it). Reset in a fork child too. A child made by a raw
 * clone()/vfork() that runs threadlab code before exec would see the
 * parent's pid: not supported. */
#ifndef TL_TID_H
#define TL_TID_H

#include <stdatomic.h>
#include <stdint.h>

extern _Thread_local uint32_t tl__tid_cache __attribute__((tls_model("initial-exec")));
uint32_t tl__tid_slow(void);

static inline uint32_t tl__self_tid(void)
{
	uint32_t t = tl__tid_cache;
	return __builtin_expect(t != 0, 1) ? t : tl__tid_slow();
}

extern _Atomic uint32_t tl__pid_cache __attribute__((visibility("hidden")));
uint32_t tl__pid_slow(void);

static inline uint32_t tl__self_pid(void)
{
	uint32_t p = atomic_load_explicit(&tl__pid_cache, memory_order_relaxed);
	return __builtin_expect(p != 0, 1) ? p : tl__pid_slow();
}

#endif
