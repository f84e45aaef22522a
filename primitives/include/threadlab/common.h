/* threadlab/common.h — error codes, timeouts and flags shared by every primitive.
 *
 * The conventions every public function follows (return values, error
 * codes, timeouts and deadlines, naming, ownership) are written once, at
 * the top of threadlab/threadlab.h.
 *
 * Example (compiled and run by tests/api):
 *
 *   #include <stdio.h>
 *
 *   int main(void)
 *   {
 *       struct timespec buf;
 *       const struct timespec *d = tl_deadline(&buf, 3600);  // an hour from now
 *       double left = tl_deadline_remaining(d);              // (0, 3600]
 *       bool forever = tl_deadline(&buf, TL_FOREVER) == NULL;
 *       printf("TL_ETIMEDOUT: %s\n", tl_strerror(TL_ETIMEDOUT));
 *       return left > 0 && left <= 3600 && forever ? 0 : 1;
 *   }
 */
#ifndef THREADLAB_COMMON_H
#define THREADLAB_COMMON_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TL_FOREVER (-1.0)

/* Flags for *_init(). */
enum {
	TL_PRIVATE = 0,
	TL_PSHARED = 1, /* state usable from several processes (shared mapping) */
};

enum tl_error {
	TL_OK = 0,
	TL_EINVAL = -EINVAL,       /* bad argument (Python ValueError/TypeError) */
	TL_EBUSY = -EBUSY,         /* non-blocking attempt failed; or destroy of an object in use */
	TL_ETIMEDOUT = -ETIMEDOUT, /* timed wait expired */
	TL_EPERM = -EPERM,         /* release of an unheld Lock, unowned RLock, Condition without its lock */
	TL_EDEADLK = -EDEADLK,     /* would deadlock for sure: joining the current thread */
	TL_ENOMEM = -ENOMEM,
	TL_EAGAIN = -EAGAIN,       /* out of a system resource (threads, processes) */
	TL_ECANCELLED = -ECANCELED,/* future cancelled */
	TL_EOWNERDEAD = -EOWNERDEAD, /* process-shared holder died; state handed over */
	TL_ENOTRECOVERABLE = -ENOTRECOVERABLE, /* robust lock released while inconsistent: unusable */
	TL_EOVERFLOW = -EOVERFLOW, /* BoundedSemaphore released too often; task_done() too often */
	TL_EFULL = -1001,          /* queue full (Python queue.Full) */
	TL_EEMPTY = -1002,         /* queue empty (Python queue.Empty) */
	TL_ESHUTDOWN = -1003,      /* queue or executor shut down (queue.ShutDown, RuntimeError) */
	TL_EBROKEN = -1004,        /* broken barrier / broken process pool */
	TL_ESTATE = -1005,         /* not valid in this state: start twice, set daemon after start, join before start */
	TL_ETASK = -1006,          /* the future's task failed; tl_future_exception() gives its code and payload */
};

/* Human-readable text for any code above (and for other negative errnos). */
const char *tl_strerror(int code);

/* Absolute CLOCK_MONOTONIC deadline `timeout` seconds from now.
 * Returns `buf`, or NULL when timeout is TL_FOREVER (wait forever). */
const struct timespec *tl_deadline(struct timespec *buf, double timeout);

/* Seconds left until deadline (0 if passed); TL_FOREVER for NULL. */
double tl_deadline_remaining(const struct timespec *deadline);

/* CLOCK_MONOTONIC now, in seconds and nanoseconds. */
double tl_monotonic(void);
uint64_t tl_monotonic_ns(void);

#ifdef __cplusplus
}
#endif
#endif
