/* Internal: the calling thread's kernel tid, cached per thread — the owner
 * identity of RLock. A tid is unique among live threads of *all* processes,
 * so it also names owners of process-shared RLocks, and fits the robust-futex
 * word layout (FUTEX_TID_MASK) that issue 9's owner-died handling can use.
 * The cache is reset in a fork child (pthread_atfork), whose thread has a new
 * tid but inherits the parent's TLS. */
#ifndef TL_TID_H
#define TL_TID_H

#include <stdint.h>

extern _Thread_local uint32_t tl__tid_cache __attribute__((tls_model("initial-exec")));
uint32_t tl__tid_slow(void);

static inline uint32_t tl__self_tid(void)
{
	uint32_t t = tl__tid_cache;
	return __builtin_expect(t != 0, 1) ? t : tl__tid_slow();
}

#endif
