#include "futex.h"
#include "vg_annotate.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

int tl__futex_wait(_Atomic uint32_t *addr, uint32_t val, const struct timespec *deadline, int pshared)
{
	/* FUTEX_WAIT_BITSET takes an absolute timeout, CLOCK_MONOTONIC unless
	 * FUTEX_CLOCK_REALTIME: so a deadline survives spurious wakeups unchanged. */
	int op = FUTEX_WAIT_BITSET | (pshared ? 0 : FUTEX_PRIVATE_FLAG);
	/* Helgrind/DRD see the syscall read the word: a futex word is only
	 * ever accessed atomically, it cannot race. */
	TL__VG_IGNORE(addr, sizeof *addr);
	long r = syscall(SYS_futex, (uint32_t *)addr, op, val, deadline, NULL, FUTEX_BITSET_MATCH_ANY);
	return r == 0 ? 0 : -errno;
}

int tl__futex_wake(_Atomic uint32_t *addr, int n, int pshared)
{
	int op = FUTEX_WAKE | (pshared ? 0 : FUTEX_PRIVATE_FLAG);
	/* Not TL__VG_IGNORE(addr) as the wait does: the waiter may already
	 * have freed the word (a wake follows the release that lets it go), and
	 * a late ignore would stop checking whatever the memory holds now. The
	 * syscall touches no memory: vg_annotate.h, TL__VG_NO_ACCESS_BEGIN. */
	TL__VG_NO_ACCESS_BEGIN();
	long r = syscall(SYS_futex, (uint32_t *)addr, op, n, NULL, NULL, 0);
	int e = errno;
	TL__VG_NO_ACCESS_END();
	return r < 0 ? -e : (int)r;
}
