/* The heavy side of asym_fence.h. */
#include "asym_fence.h"

#include <errno.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

/* 1 until tl__asym_init has registered: an object is only used after its
 * init, which calls tl__asym_init first. */
_Atomic int tl__asym_fenced = 1;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static long membarrier(int cmd)
{
#ifdef SYS_membarrier
	return syscall(SYS_membarrier, cmd, 0, 0);
#else
	(void)cmd;
	errno = ENOSYS;
	return -1;
#endif
}

static void decide(void)
{
	long cmds = membarrier(MEMBARRIER_CMD_QUERY);
	bool ok = cmds >= 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
		  membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0 &&
		  membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0;
	atomic_store_explicit(&tl__asym_fenced, !ok, memory_order_relaxed);
}

void tl__asym_init(void)
{
	pthread_once(&once, decide);
}

bool tl__asym_heavy(void)
{
	tl__full_fence();
	if (atomic_load_explicit(&tl__asym_fenced, memory_order_relaxed))
		return true;
	if (membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0)
		return true;
	/* Lost registration (should not happen: it survives fork, and exec
	 * starts a new process image with new statics): register again; as a
	 * last resort the global command, which needs none (slow: it waits
	 * for every CPU to pass a quiescent state). The light side was
	 * compiled without a fence, so one of them has to succeed for the
	 * Dekker check to hold; if none does, the caller's wait must not be
	 * trusted to end by a wake alone: false tells it so. */
	if (membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0 &&
	    membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0)
		return true;
	return membarrier(MEMBARRIER_CMD_GLOBAL) == 0;
}
