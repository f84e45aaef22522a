/* threadlab/thread.h — Python's threading.Thread and module helpers.
 *
 * Two ways to start a thread, as in the seed:
 *   1. a target:   tl_thread_init(&t, fn, arg, NULL); tl_thread_start(&t);
 *   2. a subclass: struct my { tl_thread_t base; ... };
 *                  tl_thread_init_run(&m.base, my_run, "name"); ...
 *                  my_run(tl_thread_t *self) recovers `struct my` with
 *                  tl_container_of(self, struct my, base).
 * A tl_thread_t is caller-owned and must outlive its thread (until join
 * returns 0, or until tl_thread_detach's release callback runs, or forever
 * for daemon threads that are never joined or detached). A thread
 * that is still running when main() returns must not live in main()'s stack
 * frame (make it static or heap): the exit routine waits for it after that
 * frame is gone.
 *
 * Semantics (Python's, with these decisions):
 *   - Default name "Thread-N", N from one process-wide counter starting at 1
 *     and taken at init (Python's threading._counter). Plain "Thread-N": C has
 *     no target name, so Python 3.10's " (target)" suffix is not added. A NULL
 *     or "" name asks for the default; a named thread does not consume a
 *     number. Names longer than TL_THREAD_NAME_MAX-1 bytes are truncated; the
 *     OS-visible name (pthread_setname_np, top/gdb) is the first 15 bytes.
 *     set_name may be called at any time; it also renames the OS thread if it
 *     runs. Reading a name while another thread renames it is a data race the
 *     caller must avoid (as for any caller-owned field).
 *   - Daemon flag defaults to the creating thread's (main: false; a foreign
 *     thread: true, as Python's _DummyThread), settable only before start.
 *   - ident is pthread_self() of the thread, native_id its kernel tid
 *     (gettid()); both 0 before start, kept after it finished. Right after
 *     start they may wait (briefly) for the new thread to publish them, as
 *     Python's start() waits for the thread to run.
 *   - is_alive from start() returning until the thread's run returned and it
 *     left the registry; enumerate/active_count list exactly those threads,
 *     plus the main thread (until the exit routine starts) and adopted
 *     "Dummy-N" threads (until their pthread exits).
 *   - Errors: start twice, join before start, set_daemon after start:
 *     TL_ESTATE; join of the current thread: TL_EDEADLK; join of a dummy
 *     thread: TL_EINVAL; a timed-out join: TL_ETIMEDOUT (the thread is still
 *     alive); a failed pthread_create: TL_EAGAIN (the thread stays
 *     startable).
 *   - join's timeout as Python's Thread.join: TL_FOREVER (None) waits
 *     forever, another negative timeout counts as 0 (one check), NaN is
 *     TL_EINVAL.
 *   - fork(): in the child only the forking thread exists and it becomes the
 *     main thread (Python's _after_fork); the others are marked finished.
 *
 * Example (compiled and run by tests/api):
 *
 *   #include <string.h>
 *
 *   static void work(void *arg) { *(int *)arg = 42; }
 *
 *   int main(void)
 *   {
 *       int out = 0;
 *       tl_thread_t t;                              // Thread(target=work, name="worker")
 *       tl_thread_init(&t, work, &out, "worker");
 *       if (tl_thread_start(&t) != 0)
 *           return 1;
 *       unsigned long id = tl_thread_ident(&t);    // t.ident, != get_ident()
 *       tl_thread_join(&t, TL_FOREVER);            // t.join()
 *       return out == 42 && id != tl_thread_current_ident() && !tl_thread_is_alive(&t) &&
 *              strcmp(tl_thread_name(&t), "worker") == 0 ? 0 : 1;
 *   }
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
	_Atomic uint32_t state;  /* initial, starting, running, finished (src/thread_internal.h) */
	_Atomic uint32_t done;   /* futex word join waits on */
	bool daemon;
	bool dummy;              /* not started by us (adopted by current_thread) */
	tl_thread_t *prev, *next; /* registry of started-not-finished threads */
	void (*release)(tl_thread_t *t); /* tl_thread_detach */
};

int tl_thread_init(tl_thread_t *t, tl_thread_target target, void *arg, const char *name /* NULL: "Thread-N" */);
int tl_thread_init_run(tl_thread_t *t, tl_thread_run run, const char *name);
int tl_thread_start(tl_thread_t *t);               /* TL_ESTATE if started twice */
/* join(timeout): 0; TL_ETIMEDOUT (still alive); TL_EDEADLK on itself;
 * TL_ESTATE before start or once detached; the deadline form as usual. */
int tl_thread_join(tl_thread_t *t, double timeout);
int tl_thread_join_until(tl_thread_t *t, const struct timespec *deadline);
/* Gives up the handle of a started thread that nobody will join (Python
 * drops its Thread object and the thread keeps running): once the thread
 * has finished — run returned, it left enumerate — release(t) is called
 * (may be NULL), in that thread, or at once in the caller if it had
 * already finished; nothing touches t after that, so release may free it.
 * Until then t stays valid (is_alive, name, ident work; join is TL_ESTATE).
 * Also from the thread itself. TL_ESTATE before start or if already
 * detached; TL_EBUSY while a join is waiting on it; TL_EINVAL for the main
 * thread or an adopted (dummy) one. In a fork child, detached threads that
 * did not survive the fork are never released (their memory is a copy). */
int tl_thread_detach(tl_thread_t *t, void (*release)(tl_thread_t *t));
bool tl_thread_is_alive(const tl_thread_t *t);
const char *tl_thread_name(const tl_thread_t *t);
int tl_thread_set_name(tl_thread_t *t, const char *name);
unsigned long tl_thread_ident(const tl_thread_t *t); /* pthread_t as a number, 0 before start */
pid_t tl_thread_native_id(const tl_thread_t *t);     /* kernel tid, 0 before start */
bool tl_thread_daemon(const tl_thread_t *t);
int tl_thread_set_daemon(tl_thread_t *t, bool daemon); /* TL_ESTATE after start */
bool tl_thread_is_dummy(const tl_thread_t *t);         /* adopted by current_thread, not started by us */
/* threading.stack_size: stack size for threads started from now on; 0 = the
 * platform default; below PTHREAD_STACK_MIN: TL_EINVAL. *old (if not NULL)
 * receives the previous setting. */
int tl_thread_stack_size(size_t size, size_t *old);

/* Module helpers. Pointers they return are borrowed: a thread's object lives
 * as long as its owner keeps it; a dummy's object is freed when its pthread
 * exits. */
/* In a thread not started by threadlab, the first call adopts it as a daemon
 * "Dummy-N" thread (listed by enumerate until that pthread exits; a pthread
 * key destructor removes it). NULL only if that allocation fails. */
tl_thread_t *tl_thread_current(void);
tl_thread_t *tl_thread_main(void); /* "MainThread" */
/* Fills up to cap pointers to alive threads (main and adopted ones included);
 * returns how many are alive (may exceed cap). */
int tl_thread_enumerate(tl_thread_t **out, int cap);
int tl_thread_active_count(void);
/* threading.get_ident() / get_native_id(): the calling thread's, as
 * tl_thread_ident(tl_thread_current()) but without adopting a foreign
 * thread. */
unsigned long tl_thread_current_ident(void);
pid_t tl_thread_current_native_id(void);

/* Python's interpreter exit: wait for every non-daemon thread started by
 * tl_thread_start (other than the caller), including ones started while it
 * waits. Called by an exit routine registered with atexit() on the first
 * start, so returning from main() (or exit()) waits for them while daemon
 * threads do not hold the process. That routine first marks the main thread
 * finished (is_alive false, not listed, joinable), as Python does, so a
 * non-daemon thread may join main_thread() during exit. It runs before
 * atexit handlers registered before the first start, after those registered
 * later. Idempotent; may also be called directly (then it only waits). */
void tl_thread_shutdown(void);

/* threading.local: one value per thread per key (pthread keys). The
 * destructor runs on a thread's non-NULL value when that thread exits (not
 * for the main thread at process exit, not on destroy) — for a tl thread,
 * just after run() returned, so possibly after a join has returned. */
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
