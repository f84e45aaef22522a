/* threadlab/threadlab.h — everything: Python's threading, queue and
 * concurrent.futures in C11. One header per area is included below;
 * include just the one you need if you prefer.
 *
 * ==== Conventions (they hold for every public function) ====
 *
 * Names. tl_<noun>_<verb> (tl_lock_acquire, tl_queue_put), the noun being
 * the type without its _t: every struct, enum and opaque handle type is
 * tl_<noun>_t (tl_lock_t, tl_queue_kind_t); callback types are named for
 * their role (tl_task_fn, tl_future_cb, tl_cond_predicate). Accessors are tl_<noun>_<property>
 * (tl_thread_name, tl_sem_value); setters tl_<noun>_set_<property>; the
 * calling thread's own properties are tl_thread_current_<property>
 * (tl_thread_current_ident). Predicates read as questions (tl_event_is_set,
 * tl_queue_empty, tl_future_done). Constants and enumerators are TL_*.
 * Anything spelt tl__ (two underscores) is internal: not declared for you,
 * not exported from libthreadlab.so, may change at any time. Python's names
 * are kept where C allows (notify_all, task_done, set_running_or_notify_cancel).
 *
 * Return values (libuv's rule). A function that can fail returns int: 0 on
 * success, a negative code on failure (TL_E*, common.h; negative errnos for
 * system failures); it never returns a positive value, and any value it
 * produces goes through an out-pointer (tl_barrier_wait's index,
 * tl_cond_wait_for's predicate value). Python's `True` from acquire/wait is
 * 0, its `False` a code: TL_EBUSY (non-blocking attempt), TL_ETIMEDOUT
 * (timed wait), TL_ESTATE (tl_future_cancel / tl_timer_cancel: too late).
 * Only pure predicates — no side effect, cannot fail — return bool. Pure
 * queries that cannot fail return their value (a size, a count, a name, a
 * pointer). tl_strerror(code) names every code. Misuse that can be
 * detected is a code: bad arguments, flags or sizes are TL_EINVAL; an
 * object in the wrong state is TL_ESTATE (TL_EPERM for releasing what one
 * does not hold, TL_EBUSY for destroying what is in use). The object
 * pointer itself must be valid: the fast paths (acquire/release, put/get,
 * set/wait) do not check it for NULL. Callbacks the library calls return void when nobody could act on a
 * code (done callbacks: Python logs and drops their exceptions), int
 * otherwise (0 = ok, as above: tasks, initializers, barrier actions).
 *
 * Python exceptions map to codes, one each (queue.Empty TL_EEMPTY,
 * queue.Full TL_EFULL, ShutDown TL_ESHUTDOWN, BrokenBarrierError and
 * Broken*Pool TL_EBROKEN, CancelledError TL_ECANCELLED, a task's own
 * exception TL_ETASK, ValueError TL_EINVAL, RuntimeError TL_EPERM /
 * TL_ESTATE / TL_EDEADLK). A task's exception object is the pair (its
 * code, the payload it left): tl_future_error_t (future.h).
 *
 * Timeouts and deadlines. A timeout is a double in seconds, TL_FOREVER
 * (-1.0) for Python's None. Every timed call has an *_until twin taking an
 * absolute CLOCK_MONOTONIC deadline (const struct timespec *, NULL =
 * forever; tl_deadline() makes one) that the timeout form wraps: use it to
 * share one deadline across several waits. What a negative timeout means
 * follows CPython call by call, and each header says which rule its calls
 * use:
 *   - rejected (TL_EINVAL): Lock/RLock.acquire, Queue/SimpleQueue.get/put,
 *     and blocking=false with a timeout (ValueError in Python);
 *   - clamped to 0: Thread.join (and Timer/Ticker join);
 *   - polls once, like 0: every wait CPython builds on a Condition —
 *     Event.wait, Condition.wait/wait_for, Barrier.wait, Semaphore.acquire,
 *     Future.result/exception, wait(), as_completed(), Executor.map.
 * NaN is TL_EINVAL except where CPython's Condition-based wait polls. A
 * timeout beyond ~31 years is forever.
 *
 * Ownership and lifetimes. Two kinds of objects:
 *   - caller-allocated (every tl_<noun>_t whose struct is in its header:
 *     locks, conditions, events, semaphores, barriers, queues, threads,
 *     timers): tl_<noun>_init(obj, ...) initialises memory you own (static,
 *     stack, heap or a MAP_SHARED mapping with TL_PSHARED) and
 *     tl_<noun>_destroy(obj) ends it without freeing that memory (TL_EBUSY
 *     while in use: nothing changed). Threads and timers must outlive their
 *     thread (join, or tl_thread_detach).
 *   - library-allocated (opaque types: executors, process pools,
 *     as_completed iterators, named squeues): tl_<noun>_create(&out, ...)
 *     allocates and tl_<noun>_destroy(obj) frees (shutting down first).
 *     Futures are the one reference-counted type: tl_future_create and
 *     submit give one reference, tl_future_ref adds one, tl_future_unref
 *     drops one and frees at zero.
 * Pointers a call returns or passes to a callback are borrowed unless the
 * header says they are yours; data a call copies (squeue records, process
 * pool arguments) may go once it returns.
 *
 * Threads. Every call is thread-safe unless its header says otherwise;
 * init/destroy are not (nobody may use an object while it is initialised
 * or destroyed). No call is async-signal-safe.
 *
 * Example (compiled and run by tests/api):
 *
 *   int main(void)
 *   {
 *       tl_lock_t lock;                              // caller-allocated: init / destroy
 *       tl_executor_t *ex;                           // library-allocated: create / destroy
 *       if (tl_lock_init(&lock, TL_PRIVATE) != 0 || tl_executor_create(&ex, NULL) != 0)
 *           return 1;
 *       int yes = tl_lock_acquire(&lock, false, TL_FOREVER);  // Python True: 0
 *       int no = tl_lock_acquire(&lock, false, TL_FOREVER);   // Python False: TL_EBUSY
 *       int bad = tl_lock_acquire(&lock, true, -2.0);         // ValueError: TL_EINVAL
 *       bool held = tl_lock_locked(&lock);                    // a pure predicate: bool
 *       tl_lock_release(&lock);
 *       struct timespec buf;                                  // one deadline, several waits
 *       const struct timespec *deadline = tl_deadline(&buf, 5.0);
 *       int again = tl_lock_acquire_until(&lock, deadline);
 *       tl_lock_release(&lock);
 *       tl_lock_destroy(&lock);
 *       tl_executor_destroy(ex);
 *       return yes == 0 && no == TL_EBUSY && bad == TL_EINVAL && held && again == 0 ? 0 : 1;
 *   }
 */
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
#include "threadlab/spscq.h"
#include "threadlab/future.h"
#include "threadlab/executor.h"
#include "threadlab/procpool.h"
#include "threadlab/squeue.h"
#include "threadlab/stats.h"

#endif
