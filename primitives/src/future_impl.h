/* Internal: the future's layout, shared by future.c, futures_wait.c and the
 * executors (which hang their work item on the future to save an
 * allocation per task).
 *
 * `state` holds the tl_future_state_t in bits 0..1 and TL__F_SLEEPERS (bit 2):
 * a thread waiting in result() sets it before futex-waiting on the word, so
 * completing a future makes a wake syscall only if someone sleeps. Every
 * transition happens under `lock` (so done callbacks and wait()/
 * as_completed waiters are attached or fired exactly once), but state is
 * also read without it: the completing store is a release (value, error
 * and len written before it), readers acquire. */
#ifndef TL_FUTURE_IMPL_H
#define TL_FUTURE_IMPL_H

#include "threadlab/future.h"

#include <stdatomic.h>

#define TL__F_STATE_MASK 3u
#define TL__F_SLEEPERS 4u

struct tl__fcb {
	struct tl__fcb *next;
	tl_future_cb fn;
	void *arg;
};

/* A tl_futures_wait / as_completed waiter (futures_wait.c). */
struct tl__fwaiter;
struct tl__flink {
	struct tl__flink *next, *prev;
	struct tl__fwaiter *w;
};

struct tl_future {
	_Atomic uint32_t state;
	_Atomic uint32_t refs;
	_Atomic uint32_t lock; /* tl__qlock */
	int error;             /* exception code, 0 if none */
	bool broken;           /* error is TL_EBROKEN because the pool broke (not the task's code) */
	void *value;           /* the result, or the exception's payload when error != 0 */
	size_t len;
	void (*free_value)(void *);
	struct tl__fcb *cbs, **cbs_tail; /* done callbacks, in order */
	struct tl__flink *links;         /* attached waiters */
	/* executor work item (owned by the executor while queued/running) */
	void (*task_fn)(void); /* cast to the executor's task type */
	void *task_arg;
	void *task_ctx;
	uint64_t task_id;
	struct tl_future *task_next;
};

static inline bool tl__fstate_done(uint32_t s)
{
	s &= TL__F_STATE_MASK;
	return s == TL_FUTURE_CANCELLED || s == TL_FUTURE_FINISHED;
}

/* The executors: the pool broke under f (BrokenThreadPool /
 * BrokenProcessPool). TL_ESTATE if f is already done. */
int tl__future_set_broken(tl_future_t *f);

/* futures_wait.c: called under f->lock when f becomes done. */
void tl__fwaiter_notify(struct tl__fwaiter *w, tl_future_t *f);

#endif
