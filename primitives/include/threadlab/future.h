/* threadlab/future.h — concurrent.futures.Future and the module functions
 * wait() and as_completed().
 *
 * Lifetime: a future is heap-allocated and reference-counted (the one
 * reference-counted type: tl_future_ref adds a reference, tl_future_unref
 * drops one and frees at zero). Freed futures are kept for reuse: each
 * thread holds up to 64 blocks, the process at most 8 MiB more (about
 * 65,000 futures), the rest goes back to free(); in ASan, TSan and valgrind
 * builds every block goes straight to free(), so a use after the last unref
 * is reported there.
 * tl_future_create() and the executors' submit() hand the caller one
 * reference, which the caller drops with tl_future_unref(); an executor
 * keeps its own reference until the task has completed and its callbacks
 * have run, so dropping it early is fine (the task still runs). Callbacks
 * receive a borrowed pointer, valid for the duration of the call (tl_future_ref it
 * to keep it). tl_futures_wait borrows the caller's futures for the call;
 * an as_completed iterator holds its own references until destroyed.
 *
 * Results: a future finishes with a value (void *, plus a byte length for
 * process-pool results, which the future owns) or with an "exception":
 * Python's exception object is here a (code, payload) pair, a
 * tl_future_error_t: the non-zero int code the task returned and what it
 * left in its result slot (thread pool: the void * it stored; process pool:
 * the bytes it returned, sent back and owned by the future). result() then
 * returns TL_ETASK and exception() gives both. A pool that broke under the
 * task (Python's BrokenThreadPool / BrokenProcessPool) is not the task's
 * code: result() returns TL_EBROKEN and exception() says error.broken —
 * while a task that itself returns TL_EBROKEN gives TL_ETASK, code
 * TL_EBROKEN, broken false.
 *
 * Timeouts (result, exception, wait, tl_futures_wait, as_completed, map):
 * TL_FOREVER waits forever; any other negative timeout, or NaN, polls like
 * 0 (Python's Condition-based waits never raise for one).
 *
 * Python deviation: waiters in tl_futures_wait / as_completed are told of a
 * cancellation when cancel() succeeds (Python tells them only when an
 * executor later calls set_running_or_notify_cancel), so waiting on a
 * future cancelled by the caller never depends on an executor.
 *
 * Example (compiled and run by tests/api):
 *
 *   static int callbacks;
 *   static void on_done(tl_future_t *f, void *arg)
 *   {
 *       tl_future_error_t e;                     // f.exception()
 *       if (tl_future_exception(f, 0, &e) == 0 && e.code == -22)
 *           *(int *)arg += 1;
 *   }
 *
 *   int main(void)
 *   {
 *       tl_future_t *ok, *bad;                   // Future(): one reference each
 *       tl_future_create(&ok);
 *       tl_future_create(&bad);
 *       tl_future_add_done_callback(bad, on_done, &callbacks);
 *       tl_future_set_result(ok, "value");
 *       tl_future_set_exception(bad, -22, "what went wrong"); // runs on_done here
 *       void *v = NULL;
 *       int r = tl_future_result(ok, TL_FOREVER, &v);         // f.result()
 *       int t = tl_future_result(bad, 0, NULL);               // raises: TL_ETASK
 *       tl_future_t *fs[] = { ok, bad }, *got;
 *       tl_as_completed_t *it;                                // as_completed(fs)
 *       int n = 0;
 *       tl_as_completed_create(&it, fs, 2, TL_FOREVER);
 *       while (tl_as_completed_next(it, &got) == 0 && got)
 *           n++;
 *       tl_as_completed_destroy(it);
 *       tl_future_unref(ok);
 *       tl_future_unref(bad);
 *       return r == 0 && t == TL_ETASK && n == 2 && callbacks == 1 ? 0 : 1;
 *   }
 */
#ifndef THREADLAB_FUTURE_H
#define THREADLAB_FUTURE_H

#include "threadlab/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tl_future tl_future_t;

typedef enum tl_future_state {
	TL_FUTURE_PENDING = 0,
	TL_FUTURE_RUNNING = 1,
	TL_FUTURE_CANCELLED = 2,
	TL_FUTURE_FINISHED = 3,
} tl_future_state_t;

int tl_future_create(tl_future_t **out); /* one reference; TL_ENOMEM */
tl_future_t *tl_future_ref(tl_future_t *f); /* returns f, for f2 = tl_future_ref(f) */
int tl_future_unref(tl_future_t *f); /* frees at zero (and an owned value or payload) */

/* The state (a snapshot), and Python's done() (finished or cancelled),
 * running(), cancelled(). */
tl_future_state_t tl_future_state(tl_future_t *f);
bool tl_future_done(tl_future_t *f);
bool tl_future_running(tl_future_t *f);
bool tl_future_cancelled(tl_future_t *f);

/* Waits up to timeout (above) for the future to be done.
 * 0 with *value set (value may be NULL); TL_ETASK (see exception);
 * TL_EBROKEN (the pool broke); TL_ECANCELLED; TL_ETIMEDOUT. */
int tl_future_result(tl_future_t *f, double timeout, void **value);
int tl_future_result_until(tl_future_t *f, const struct timespec *deadline, void **value);
/* The same for a byte-buffer result: *data (owned by the future, valid
 * until its last release) and *len. */
int tl_future_result_bytes(tl_future_t *f, double timeout, const void **data, size_t *len);
int tl_future_result_bytes_until(tl_future_t *f, const struct timespec *deadline, const void **data,
				 size_t *len);
/* A future's exception (Python's exception object). */
typedef struct tl_future_error {
	int code;            /* the task's non-zero code (TL_EBROKEN when broken); 0: no exception */
	bool broken;         /* the pool broke under the task: not a code the task returned */
	const void *payload; /* what the task left in its result slot, or set_exception's payload; NULL if none */
	size_t len;          /* payload bytes (process pool, set_exception_owned); else 0 */
} tl_future_error_t;

/* 0 with *error filled (code 0, payload NULL if the future succeeded);
 * TL_ECANCELLED; TL_ETIMEDOUT. The payload belongs to the future: valid
 * until its last reference goes. */
int tl_future_exception(tl_future_t *f, double timeout, tl_future_error_t *error);
int tl_future_exception_until(tl_future_t *f, const struct timespec *deadline, tl_future_error_t *error);
/* Just wait for done: 0 or TL_ETIMEDOUT. */
int tl_future_wait(tl_future_t *f, double timeout);
int tl_future_wait_until(tl_future_t *f, const struct timespec *deadline);

/* Python cancel(): 0 if the future is (now, or already) cancelled,
 * TL_ESTATE (Python's False) if it is running or finished. Runs the done
 * callbacks when it cancels. */
int tl_future_cancel(tl_future_t *f);

/* For executors (and tests), as in Python:
 * set_running_or_notify_cancel: 0 = now running; TL_ECANCELLED = it had
 *   been cancelled (do not run it); TL_ESTATE if running or finished.
 * set_result / set_exception: complete the future (from pending or
 *   running), wake every waiter, run the done callbacks in this thread;
 *   TL_ESTATE if already done (InvalidStateError). code must be non-zero
 *   (TL_EINVAL); payload (may be NULL) is the exception object.
 * set_result_owned / set_exception_owned: the future owns value / payload
 *   (free_fn(p) at the last unref; free_fn may be NULL), len is reported by
 *   result_bytes / exception. On TL_ESTATE it is not taken. */
int tl_future_set_running_or_notify_cancel(tl_future_t *f);
int tl_future_set_result(tl_future_t *f, void *value);
int tl_future_set_result_owned(tl_future_t *f, void *value, size_t len, void (*free_fn)(void *));
int tl_future_set_exception(tl_future_t *f, int code, void *payload);
int tl_future_set_exception_owned(tl_future_t *f, int code, void *payload, size_t len, void (*free_fn)(void *));

/* Runs fn(f, arg) when the future is done (finished or cancelled): at once
 * in the calling thread if it already is, else in the thread that completes
 * it, in the order added. The callback reads the outcome with result() /
 * exception() (timeout 0). It returns nothing: Python logs and ignores a
 * callback's exception, so there is nobody to return a code to. TL_ENOMEM. */
typedef void (*tl_future_cb)(tl_future_t *f, void *arg);
int tl_future_add_done_callback(tl_future_t *f, tl_future_cb fn, void *arg);

/* ---- module functions ---- */

enum {
	TL_FIRST_COMPLETED = 1,
	TL_FIRST_EXCEPTION = 2,
	TL_ALL_COMPLETED = 3,
};

/* concurrent.futures.wait: waits until the return_when condition holds or
 * the timeout passes (not an error: check *nnot_done), then fills done[]
 * and not_done[] (each room for n; NULL to skip) with the futures in input
 * order, duplicates counted once. FIRST_EXCEPTION returns when any future
 * finishes with an exception, or all are done. Returns 0, TL_EINVAL,
 * TL_ENOMEM. */
int tl_futures_wait(tl_future_t *const *fs, size_t n, double timeout, int return_when, tl_future_t **done,
		    size_t *ndone, tl_future_t **not_done, size_t *nnot_done);
int tl_futures_wait_until(tl_future_t *const *fs, size_t n, const struct timespec *deadline, int return_when,
			  tl_future_t **done, size_t *ndone, tl_future_t **not_done, size_t *nnot_done);

/* concurrent.futures.as_completed, as an iterator: the futures already done
 * first (input order), then each as it completes. The timeout counts from
 * create. next: 0 with *out (borrowed, valid while the iterator lives), or
 * 0 with *out == NULL when all were yielded; TL_ETIMEDOUT when the deadline
 * passed with futures unfinished (Python's TimeoutError; next may be called
 * again and times out at once unless more completed). */
typedef struct tl_as_completed tl_as_completed_t;
int tl_as_completed_create(tl_as_completed_t **it, tl_future_t *const *fs, size_t n, double timeout);
int tl_as_completed_next(tl_as_completed_t *it, tl_future_t **out);
int tl_as_completed_destroy(tl_as_completed_t *it);

#ifdef __cplusplus
}
#endif
#endif
