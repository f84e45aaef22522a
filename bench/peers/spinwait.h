/* spinwait.h — how a spinning peer's blocking adapter waits (a full ring, an
 * empty queue), in C and C++ adapters alike: pause, and every 64 pauses
 * yield, so that on a machine with fewer CPUs than benchmark threads the
 * thread we wait for gets to run (a pure spin would cost a whole time slice
 * per handoff when oversubscribed). The row still says waits=spin: the
 * thread never sleeps in the kernel on a wait queue. Needs common.h
 * (bm_cpu_relax) first. */
#ifndef BM_PEER_SPINWAIT_H
#define BM_PEER_SPINWAIT_H

#include <sched.h>

static inline void bm_peer_wait(unsigned *n)
{
	if (++*n % 64)
		bm_cpu_relax();
	else
		sched_yield();
}

#endif
