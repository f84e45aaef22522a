/* Internal: what thread.c (one thread's life) and thread_registry.c (the
 * module-level table: current/main/enumerate/dummies/fork/exit) share.
 *
 * t->state (futex word for ident/native_id readers):
 *   INITIAL -> STARTING (tl_thread_start won the CAS; pthread_create in flight)
 *           -> RUNNING  (the new thread published handle and native_id)
 *           -> FINISHED (run returned and the thread left the registry).
 *   WAITERS is or-ed in while STARTING by a reader that sleeps until the
 *   thread publishes its ids; the publishing swap wakes them.
 * t->done (futex word for join): NO -> YES, or NO -> WAITERS -> YES when a
 *   joiner sleeps; only the YES swap that replaces WAITERS makes a syscall.
 *   NO -> DETACHED -> YES after tl_thread_detach (no joiner may come).
 */
#ifndef TL_THREAD_INTERNAL_H
#define TL_THREAD_INTERNAL_H

#include "threadlab/thread.h"

#include <stdatomic.h>
#include <sys/types.h>

enum {
	TL__TS_INITIAL = 0,
	TL__TS_STARTING = 1,
	TL__TS_RUNNING = 2,
	TL__TS_FINISHED = 3,
	TL__TS_MASK = 3,
	TL__TS_WAITERS = 4,
};

enum {
	TL__DONE_NO = 0,
	TL__DONE_YES = 1,
	TL__DONE_WAITERS = 2,
	TL__DONE_DETACHED = 3, /* tl_thread_detach: the thread calls t->release when done */
};

/* The calling thread's object: set by the start trampoline, for the main
 * thread by the library constructor, for foreign threads when
 * tl_thread_current() adopts them as dummies. NULL otherwise. */
extern _Thread_local tl_thread_t *tl__self __attribute__((tls_model("initial-exec")));

void tl__thread_global_init(void);      /* idempotent (pthread_once) */
unsigned long tl__thread_next_number(void); /* Python's threading._counter: 1, 2, ... */
pid_t tl__gettid(void);                 /* cached per thread */

/* The registry: started-and-not-finished threads, under one mutex. */
void tl__registry_lock(void);
void tl__registry_unlock(void);
void tl__registry_link(tl_thread_t *t);   /* lock held */
void tl__registry_unlink(tl_thread_t *t); /* lock held; no-op if not linked */

/* Start/exit accounting for non-daemon threads started by tl_thread_start
 * (what tl_thread_shutdown waits for). */
void tl__thread_first_start(void);      /* registers the atexit routine once */
void tl__nondaemon_enter(void);
void tl__nondaemon_exit(void);

/* Mark finished: state FINISHED, done YES (release), wake joiners. After
 * this the object may be freed by its owner: callers touch it no more. */
void tl__thread_mark_finished(tl_thread_t *t);

#endif
