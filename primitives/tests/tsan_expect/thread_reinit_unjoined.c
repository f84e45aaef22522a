// tsan-expect: race
/* A tl_thread_t re-initialised after its thread ended but WITHOUT a join:
 * nothing orders the thread's last accesses to its struct (its reads of
 * run and daemon after the RUNNING swap, the registry unlink's link
 * fields, the FINISHED/YES stores) before the re-init's memset, so every
 * detector must report it. This is the control for thread.c's annotations
 * under Helgrind and DRD: the join edge (and a futex wake that valgrind
 * must not count as an access, vg_annotate.h TL__VG_NO_ACCESS_BEGIN) is
 * what makes the lockjoin workloads' re-init of a joined thread clean; no
 * annotation may make this unjoined one clean too.
 *
 * main learns that the thread is gone without any happens-before: it polls
 * /proc/self/task/<tid> until the kernel thread has exited (no detector
 * models that), so the re-init happens after the thread's accesses in real
 * time (no crash, no corrupted registry) and is unordered with them. The
 * barrier orders only what comes before it (the tid), not the thread's
 * accesses after its target returns. */
#include "threadlab/thread.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

static pthread_barrier_t gate;
static pid_t tid;

static void target(void *arg)
{
	(void)arg;
	tid = (pid_t)syscall(SYS_gettid);
	pthread_barrier_wait(&gate); /* tid is main's from here on */
}

int main(void)
{
	static tl_thread_t t;
	char path[64];
	pthread_barrier_init(&gate, NULL, 2);
	if (tl_thread_init(&t, target, NULL, "reinit") != 0 || tl_thread_start(&t) != 0)
		return 1;
	pthread_barrier_wait(&gate);
	snprintf(path, sizeof path, "/proc/self/task/%d", (int)tid);
	while (access(path, F_OK) == 0) /* the thread has exited: real time only */
		sched_yield();
	tl_thread_init(&t, target, NULL, "reinit"); /* no join: races with its end */
	printf("thread_reinit_unjoined: re-initialised %s\n", tl_thread_name(&t));
	return 0;
}
