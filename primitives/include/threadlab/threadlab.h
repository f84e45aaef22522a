/* threadlab/threadlab.h — everything: Python's threading (and, as they land,
 * queue and concurrent.futures) in C11. One header per area is included
 * below; include just the one you need if you prefer. */
#ifndef THREADLAB_H
#define THREADLAB_H

#include "threadlab/common.h"
#include "threadlab/thread.h"
#include "threadlab/timer.h"
#include "threadlab/lock.h"
#include "threadlab/rlock.h"
#include "threadlab/semaphore.h"
#include "threadlab/condition.h"
#include "threadlab/event.h"
#include "threadlab/barrier.h"
#include "threadlab/queue.h"
#include "threadlab/simplequeue.h"
#include "threadlab/future.h"
#include "threadlab/executor.h"
#include "threadlab/procpool.h"
#include "threadlab/squeue.h"
#include "threadlab/stats.h"

#endif
