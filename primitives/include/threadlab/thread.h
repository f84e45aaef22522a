/* threadlab/thread.h — Python's threading.Thread and module helpers.
 *
 * Two ways to start a thread, as in the seed:
 *   1. a target:   tl_thread_init(&t, fn, arg, NULL); tl_thread_start(&t);
 *   2. a subclass: struct my { tl_thread_t base; ... };
 *                  tl_thread_init_run(&m.base, my_run, "name"); ...
 *                  my_run(tl_thread_t *self) recovers `struct my` with
 *                  tl_container_of(self, struct my, base).
 * A tl_thread_t is caller-owned and must outlive its thread (until join
 * returns 0, or forever for daemon threads that are never joined).
 */
#ifndef THREADLAB_THREAD_H
#define THREADLAB_THREAD_H

#include "threadlab/common.h"

#include <pthread.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define tl_container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

#define TL_THREAD_NAME_MAX 64

typedef struct tl_thread tl_thread_t;
typedef void (*tl_thread_target)(void *arg);
typedef void (*tl_thread_run)(tl_thread_t *self);

struct tl_thread {
	/* public, read-only after start */
	tl_thread_run run;       /* default run calls target(arg) */
	tl_thread_target target;
	void *arg;
	/* internal */
	char name[TL_THREAD_NAME_MAX];
	pthread_t handle;
	pid_t native_id;
	_Atomic uint32_t state;  /* initial, started, finished, joined */
	_Atomic uint32_t done;   /* futex word join waits on */
	bool daemon;
	bool dummy;              /* not started by us (adopted by current_thread) */
	tl_thread_t *prev, *next; /* registry of started-not-finished threads */
};

int tl_thread_init(tl_thread_t *t, tl_thread_target target, void *arg, const char *name /* NULL: "Thread-N" */);
int tl_thread_init_run(tl_thread_t *t, tl_thread_run run, const char *name);
int tl_thread_start(tl_thread_t *t);               /* TL_ESTATE if started twice */
int tl_thread_join(tl_thread_t *t, double timeout);  /* TL_FOREVER; TL_ETIMEDOUT; TL_EDEADLK on self; TL_ESTATE before start */
int tl_thread_join_until(tl_thread_t *t, const struct timespec *deadline);
bool tl_thread_is_alive(const tl_thread_t *t);
const char *tl_thread_name(const tl_thread_t *t);
int tl_thread_set_name(tl_thread_t *t, const char *name);
unsigned long tl_thread_ident(const tl_thread_t *t); /* pthread_t as a number, 0 before start */
pid_t tl_thread_native_id(const tl_thread_t *t);     /* kernel tid, 0 before start */
bool tl_thread_daemon(const tl_thread_t *t);
int tl_thread_set_daemon(tl_thread_t *t, bool daemon); /* TL_ESTATE after start */

/* Module helpers. */
tl_thread_t *tl_thread_current(void); /* also for threads not started by threadlab */
tl_thread_t *tl_thread_main(void);
/* Fills up to cap pointers to alive threads (main and adopted ones included);
 * returns how many are alive (may exceed cap). */
int tl_thread_enumerate(tl_thread_t **out, int cap);
int tl_thread_active_count(void);
unsigned long tl_thread_get_ident(void);
pid_t tl_thread_get_native_id(void);

/* Python's interpreter exit: wait for every non-daemon thread. Registered
 * with atexit() on the first start, so returning from main() (or exit())
 * waits for them while daemon threads do not hold the process. Idempotent. */
void tl_thread_shutdown(void);

/* threading.local: one value per thread per key. */
typedef struct tl_local {
	pthread_key_t key;
} tl_local_t;
int tl_local_init(tl_local_t *l, void (*destructor)(void *));
int tl_local_destroy(tl_local_t *l);
void *tl_local_get(tl_local_t *l);
int tl_local_set(tl_local_t *l, void *value);

#ifdef __cplusplus
}
#endif
#endif
