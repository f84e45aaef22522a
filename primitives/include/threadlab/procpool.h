/* threadlab/procpool.h — concurrent.futures.ProcessPoolExecutor with forked
 * worker processes.
 *
 * A task is a function pointer plus a byte buffer; it runs in a worker
 * process and returns a byte buffer:
 *
 * Example (compiled and run by tests/api):
 *
 *   #include <stdint.h>
 *   #include <stdlib.h>
 *   #include <string.h>
 *   #include <unistd.h>
 *
 *   // Runs in a worker process: *out = malloc(...) (freed by the pool) or NULL;
 *   // returns 0, or a non-zero code ("raises"): then *out's bytes are the payload.
 *   static int task(const void *arg, size_t len, void **out, size_t *out_len)
 *   {
 *       int64_t n, pid = getpid();
 *       if (len != sizeof n)
 *           return TL_EINVAL;
 *       memcpy(&n, arg, sizeof n);
 *       int64_t *r = malloc(2 * sizeof *r);
 *       if (!r)
 *           return TL_ENOMEM;
 *       r[0] = n * n;
 *       r[1] = pid;
 *       *out = r;
 *       *out_len = 2 * sizeof *r;
 *       return 0;
 *   }
 *
 *   int main(void)
 *   {
 *       tl_procpool_t *pp;                       // ProcessPoolExecutor(max_workers=1)
 *       tl_procpool_opts_t o = { .max_workers = 1 };
 *       if (tl_procpool_create(&pp, &o) != 0)    // forks now, before other threads
 *           return 1;
 *       int64_t n = 12;
 *       tl_future_t *f;
 *       tl_procpool_submit(pp, task, &n, sizeof n, &f);  // copies the argument
 *       const int64_t *res = NULL;
 *       size_t len = 0;                          // the bytes belong to f
 *       int r = tl_future_result_bytes(f, TL_FOREVER, (const void **)&res, &len);
 *       bool ok = r == 0 && len == 2 * sizeof *res && res[0] == 144 && res[1] != getpid();
 *       tl_future_unref(f);
 *       tl_procpool_destroy(pp);                 // shutdown(wait=True), reap, free
 *       return ok ? 0 : 1;
 *   }
 *
 * The function pointer is sent as an address: it is valid in the workers
 * because they are fork()ed copies of this program (same binary, same
 * layout). The argument is copied at submit; the result is copied back.
 *
 * Python's behaviour, decisions marked *:
 *   - max_workers TL_MAX_WORKERS_DEFAULT (Python's None; also opts NULL):
 *     one per allowed CPU (sched_getaffinity, as 3.13's
 *     os.process_cpu_count()); 0 or another negative: TL_EINVAL.
 *   - a failing task's exception is its code plus the bytes it left in
 *     *out, sent back (serialised, as Python pickles the exception):
 *     tl_future_exception's payload / len, owned by the future.
 *   - * all workers are forked by create(), from the calling thread: create
 *     the pool early, before the program starts threads that may hold
 *     locks a child could need (the child only runs the task loop, your
 *     tasks and malloc, which glibc makes fork-safe). Replacements for
 *     max_tasks_per_child are forked later by the pool's manager thread.
 *   - max_tasks_per_child > 0: a worker exits after that many tasks and is
 *     replaced by a fresh one (Python forbids this with fork; we allow it,
 *     see above).
 *   - initializer(initarg) runs in each new worker; if it fails the pool is
 *     broken.
 *   - a worker that dies while the pool runs (killed, crashed, exit() in a
 *     task) breaks the pool at once (BrokenProcessPool): the futures it was
 *     running and every pending one fail with TL_EBROKEN, the other workers
 *     are killed, every child is reaped, and later submits return
 *     TL_EBROKEN. Nothing hangs, no zombie is left.
 *   - callbacks of these futures run in the pool's manager thread (Python's
 *     executor manager thread), or in the caller if already done.
 *   - submit after shutdown: TL_ESHUTDOWN. shutdown(wait, cancel_futures)
 *     as ThreadPoolExecutor; the workers exit when the queue is drained.
 *   - * no signal handlers are installed: deaths are seen through pidfds
 *     (and socket EOF, and waitpid polling where pidfd_open is missing).
 *   - * ThreadSanitizer checks the parent only; the forked workers run
 *     unchecked.
 *   - an exit handler shuts down and waits for pools still alive at exit.
 *
 * Lifetime: heap-allocated; tl_procpool_destroy() shuts down waiting, then
 * frees (not from a done callback of its own futures: TL_EDEADLK).
 */
#ifndef THREADLAB_PROCPOOL_H
#define THREADLAB_PROCPOOL_H

#include "threadlab/common.h"
#include "threadlab/executor.h" /* tl_map_info_t */
#include "threadlab/future.h"

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef int (*tl_proc_fn)(const void *arg, size_t arg_len, void **out, size_t *out_len);

typedef struct tl_procpool tl_procpool_t;

typedef struct tl_procpool_opts {
	int max_workers;         /* >= 1, or TL_MAX_WORKERS_DEFAULT: allowed CPUs */
	int max_tasks_per_child; /* 0: unlimited */
	int (*initializer)(void *initarg); /* runs in each worker */
	void *initarg;
} tl_procpool_opts_t;

/* TL_EAGAIN if fork/socketpair fail (nothing is left behind). */
int tl_procpool_create(tl_procpool_t **out, const tl_procpool_opts_t *opts);

/* Copies arg. *out (may be NULL) gets one future reference; its result is
 * a byte buffer (tl_future_result_bytes). TL_ESHUTDOWN, TL_EBROKEN,
 * TL_ENOMEM. */
int tl_procpool_submit(tl_procpool_t *pp, tl_proc_fn fn, const void *arg, size_t len, tl_future_t **out);

/* Executor.map over byte buffers: results[i] (malloc'd, the caller frees
 * each with free()) and result_lens[i] for i < info->completed, in
 * submission order; chunksize > 1 sends that many items per message (as
 * Python's ProcessPoolExecutor.map). Returns as tl_executor_map. */
int tl_procpool_map(tl_procpool_t *pp, tl_proc_fn fn, const void *const *args, const size_t *lens, size_t n,
		    void **results, size_t *result_lens, double timeout, size_t chunksize, tl_map_info_t *info);

/* shutdown(wait, cancel_futures) as above; destroy: shutdown(wait), reap
 * every worker, free. */
int tl_procpool_shutdown(tl_procpool_t *pp, bool wait, bool cancel_futures);
int tl_procpool_destroy(tl_procpool_t *pp);

/* max_workers as created; whether the pool is broken. Snapshots. */
int tl_procpool_max_workers(const tl_procpool_t *pp);
bool tl_procpool_broken(tl_procpool_t *pp);
/* The current worker pids (up to cap); returns how many workers there are. */
int tl_procpool_pids(tl_procpool_t *pp, pid_t *out, int cap);
int tl_procpool_default_max_workers(void);

#ifdef __cplusplus
}
#endif
#endif
