/* Internal: the one deadline-driven wait core every primitive blocks in.
 * Words are 32-bit atomics; wake order is the kernel's (FIFO per futex in practice,
 * not guaranteed). The syscalls are invisible to TSan: callers must establish
 * happens-before through the atomic word itself (acquire load after waking of a
 * value stored with release before waking) — see tsan.h for explicit annotations. */
#ifndef TL_FUTEX_H
#define TL_FUTEX_H

#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

/* Sleep while *addr == val, until woken or the absolute CLOCK_MONOTONIC
 * deadline (NULL = forever). Returns 0 (woken or spurious), -EAGAIN (value
 * differed), -ETIMEDOUT, -EINTR. pshared: nonzero for a process-shared word. */
int tl__futex_wait(_Atomic uint32_t *addr, uint32_t val, const struct timespec *deadline, int pshared);

/* Wake up to n waiters (INT32_MAX for all). Returns the number woken. */
int tl__futex_wake(_Atomic uint32_t *addr, int n, int pshared);

/* Spin hint for short spin loops before blocking. */
static inline void tl__cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

#endif
