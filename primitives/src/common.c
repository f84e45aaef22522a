#include "threadlab/common.h"

#include <string.h>

const char *tl_strerror(int code)
{
	switch (code) {
	case TL_OK: return "success";
	case TL_EINVAL: return "invalid argument";
	case TL_EBUSY: return "busy: non-blocking attempt failed or object in use";
	case TL_ETIMEDOUT: return "timed out";
	case TL_EPERM: return "not held or not owned by the calling thread";
	case TL_EDEADLK: return "would deadlock (joining the current thread)";
	case TL_ENOMEM: return "out of memory";
	case TL_EAGAIN: return "out of a system resource";
	case TL_ECANCELLED: return "cancelled";
	case TL_EOWNERDEAD: return "owner died; state recovered";
	case TL_EOVERFLOW: return "released or marked done too many times";
	case TL_EFULL: return "queue full";
	case TL_EEMPTY: return "queue empty";
	case TL_ESHUTDOWN: return "shut down";
	case TL_EBROKEN: return "broken (barrier broken or pool worker died)";
	case TL_ESTATE: return "not valid in the object's current state";
	case TL_ETASK: return "the task failed";
	default: return code < 0 && code > -4096 ? strerror(-code) : "unknown threadlab error";
	}
}

uint64_t tl_monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

double tl_monotonic(void)
{
	return (double)tl_monotonic_ns() / 1e9;
}

const struct timespec *tl_deadline(struct timespec *buf, double timeout)
{
	if (timeout < 0)
		return NULL;
	if (timeout > 1e9) /* ~31 years: treat as forever, avoids overflow */
		return NULL;
	clock_gettime(CLOCK_MONOTONIC, buf);
	long sec = (long)timeout;
	long nsec = (long)((timeout - (double)sec) * 1e9);
	buf->tv_sec += sec;
	buf->tv_nsec += nsec;
	if (buf->tv_nsec >= 1000000000L) {
		buf->tv_sec++;
		buf->tv_nsec -= 1000000000L;
	}
	return buf;
}

double tl_deadline_remaining(const struct timespec *deadline)
{
	if (!deadline)
		return TL_FOREVER;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	double left = (double)(deadline->tv_sec - now.tv_sec) + (double)(deadline->tv_nsec - now.tv_nsec) / 1e9;
	return left > 0 ? left : 0;
}
