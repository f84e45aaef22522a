/* Internal: what concurrent.futures' two executors share. The thread pool
 * (executor.c) and the process pool (procpool.c) differ in who runs a task;
 * both keep the tasks not yet started as futures on a tl_queue, each holding
 * one pool reference, with a broken flag and a mutex for shutdown. This is
 * that part, plus map's driver.
 *
 * Whoever takes a future off the queue owns the pool's reference: a worker
 * (or the process pool's manager) that starts it, or a drain that fails or
 * cancels it. Shutdown is the queue's shutdown: a put fails from that
 * instant (TL_EBROKEN if the pool broke), so nothing is queued after the
 * last drain. */
#ifndef TL_POOL_H
#define TL_POOL_H

#include "threadlab/executor.h" /* tl_map_info_t */
#include "threadlab/queue.h"

#include "future_impl.h"

#include <pthread.h>

struct tl__pool {
	tl_queue_t q;        /* futures not yet started */
	_Atomic int broken;  /* set once, then the queue is shut down */
	/* shutdown + cancel_futures; the thread pool also starts workers and
	 * breaks under it (the process pool breaks on its manager thread) */
	pthread_mutex_t mu;
	int max_workers;
	int (*initializer)(void *);
	void *initarg;
};

/* Allowed CPUs (sched_getaffinity, as 3.13's os.process_cpu_count()), at
 * least 1. */
int tl__pool_allowed_cpus(void);

/* 0, or the queue's error (nothing to undo then). */
int tl__pool_init(struct tl__pool *p, int max_workers, int (*initializer)(void *), void *initarg);
/* Cancel whatever is still queued, then free the queue and the mutex. */
void tl__pool_fini(struct tl__pool *p);

/* Take every queued future off: fail it with error, or cancel it if error
 * is 0 (either is a no-op on a cancelled future), and drop the pool's
 * reference. */
void tl__pool_drain(struct tl__pool *p, int error);

/* Shutdown's queue side: no new tasks from now; cancel_futures drains. */
void tl__pool_shutdown(struct tl__pool *p, bool cancel_futures);

/* A future for a task whose work item is `item` (malloc'd): the future owns
 * it as its value (freed on completion, or with the future). On failure
 * item is freed. */
int tl__pool_future(tl_future_t **out, void *item);

/* Submit f, just created by the caller (its one reference; no other thread
 * has seen it yet) with the work item attached: queue it with a pool
 * reference of its own, then kick(p) makes sure something will run it
 * (non-zero: f is cancelled, it stays queued until drained and never runs,
 * and submit fails with that code). On
 * success *out gets the caller's reference, or it is dropped if out is
 * NULL; on failure it is dropped. */
int tl__pool_submit(struct tl__pool *p, tl_future_t *f, int (*kick)(struct tl__pool *p), tl_future_t **out);

/* Executor.map, for either pool. The pool embeds a struct tl__map in its
 * own map context (tl_container_of to get back to it):
 *   submit    one future for items [first, first + count): a single task
 *             (count 1) unless chunk, a chunk of consecutive items
 *   collect   f finished with a result (data: its value): store its items
 *             at results[*done] onwards and advance *done; a chunk cut
 *             short by a failing item sets item_error's code and payload
 *             (borrowed from f) to that item's exception.
 *             0, or an error that stops map (TL_ENOMEM).
 *   copy_payload  the payload is bytes owned by the future: map hands the
 *             caller a malloc'd copy (the process pool). */
struct tl__map {
	int (*submit)(struct tl__map *m, size_t first, size_t count, bool chunk, tl_future_t **out);
	int (*collect)(struct tl__map *m, tl_future_t *f, const void *data, bool chunk, size_t *done,
		       tl_future_error_t *item_error);
	bool copy_payload;
};

/* Validates (args_ok: the pool's own arguments), submits every item, then
 * collects results in order within timeout (counted from the call, as
 * Python); returns as tl_executor_map. */
int tl__pool_map(struct tl__map *m, bool args_ok, size_t n, double timeout, size_t chunksize,
		 tl_map_info_t *info);

#endif
