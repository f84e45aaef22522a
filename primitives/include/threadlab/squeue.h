/* threadlab/squeue.h — a bounded FIFO queue of fixed-size byte records that
 * works between processes (multiprocessing.Queue / JoinableQueue), with the
 * names and results of the thread queue (threadlab/queue.h).
 *
 * Items are records of `record_size` bytes copied in by put and out by get
 * (nothing is shared by pointer). The whole queue — header, peer registry
 * and the ring of records — is one block of tl_squeue_size() bytes with no
 * pointers inside, so it can live in a MAP_SHARED mapping:
 *
 * Example (compiled and run by tests/api):
 *
 *   #include <sys/mman.h>
 *   #include <sys/wait.h>
 *   #include <unistd.h>
 *
 *   struct msg { int from, value; };
 *
 *   int main(void)
 *   {
 *       size_t sz = tl_squeue_size(64, sizeof(struct msg));
 *       tl_squeue_t *q = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
 *       if (q == MAP_FAILED || tl_squeue_init(q, 64, sizeof(struct msg), TL_PSHARED) != 0)
 *           return 1;                            // init attached the caller
 *       pid_t pid = fork();
 *       if (pid == 0) {                          // the child: a producer
 *           struct msg m = { (int)getpid(), 42 };
 *           tl_squeue_attach(q);
 *           int r = tl_squeue_put(q, &m, true, TL_FOREVER);
 *           tl_squeue_detach(q);
 *           _exit(r == 0 ? 0 : 1);
 *       }
 *       tl_squeue_attach_pid(q, pid);            // registered even if it dies at once
 *       struct msg m = { 0, 0 };
 *       int r = tl_squeue_get(q, &m, true, TL_FOREVER);
 *       int st = 1;
 *       waitpid(pid, &st, 0);
 *       tl_squeue_destroy(q);
 *       munmap(q, sz);
 *       return r == 0 && m.value == 42 && m.from == pid && st == 0 ? 0 : 1;
 *   }
 *
 * or by name, for a process that did not inherit the mapping:
 *
 *   tl_squeue_create_named("/jobs", 64, sizeof(struct msg), TL_PSHARED, &q);
 *   tl_squeue_open_named("/jobs", &q);    // in another process
 *   tl_squeue_close_named(q); tl_squeue_unlink_named("/jobs");
 *
 * With TL_PRIVATE it is an ordinary thread queue of records (private
 * futexes, no liveness checks) in any 64-byte aligned block of
 * tl_squeue_size() bytes.
 *
 * Results (Python exception in brackets), as tl_queue_*:
 *   put: 0; TL_EFULL [Full] when non-blocking and full, or the timeout
 *        expired while full; TL_ESHUTDOWN [ShutDown].
 *   get: 0; TL_EEMPTY [Empty] when non-blocking and empty, or the timeout
 *        expired while empty; TL_ESHUTDOWN once shut down and empty.
 *   timeout: TL_FOREVER blocks forever, >= 0 seconds; other negatives and
 *        NaN are TL_EINVAL. block == false ignores timeout.
 *   task_done: TL_EOVERFLOW [ValueError] when called more times than items
 *        were put; join waits until every put item was marked done.
 *   shutdown(immediate) as Python 3.13: later puts fail with TL_ESHUTDOWN,
 *        gets drain what is left then fail; blocked putters/getters/joiners
 *        wake; immediate also drops the pending items, counts them as done
 *        and makes gets fail at once.
 *   any call: TL_EINVAL for NULL arguments or memory that holds no
 *        initialised queue.
 * and two results that only a process-shared queue gives:
 *   TL_EOWNERDEAD: a process (or thread) died while holding the queue's
 *        internal lock; this call took the lock over and made the state
 *        consistent again, and did NOT perform its own operation (retry
 *        it). Reported once per death, to the first put/get/task_done/
 *        join/shutdown that locks after the recovery.
 *   TL_EBROKEN [peer died]: a *blocking* put/get/join stops waiting because
 *        no other attached process is alive and at least one attached
 *        process died (see the liveness model). Items already in the queue
 *        are still delivered first; non-blocking calls never return it.
 *
 * Ownership and liveness model (process-shared queues):
 *   - The internal lock word holds the holder's kernel tid (unique across
 *     processes). Every critical section commits with a single release
 *     store (a put copies the record into its slot, *then* publishes the new
 *     tail; a get copies the record out, then publishes the new head;
 *     shutdown(immediate) first records its intent), so a holder killed at
 *     any instruction leaves the previous or the next consistent state, or
 *     a recorded intent that the recoverer redoes. Nothing is lost or
 *     duplicated except a record a dead getter had already dequeued.
 *   - A thread waiting for the lock sleeps in slices of
 *     TL_SQUEUE_LIVENESS_MS; after each slice it checks whether the holder
 *     tid is still alive (/proc/<tid>/stat exists and is not a zombie) and,
 *     if not, takes the lock over with one CAS (one winner).
 *   - Processes attach to a queue: a registry of TL_SQUEUE_MAX_PEERS slots in
 *     the header holds each attached process's pid and start time (from
 *     /proc, so a recycled pid is not mistaken for the dead one). init,
 *     create_named and open_named attach the caller; a forked child calls
 *     tl_squeue_attach(), or better the parent calls tl_squeue_attach_pid()
 *     right after fork() so that a child that dies at once is still
 *     counted. detach (or close_named) says "leaving, not dead". Attachment
 *     is per process, not per mapping: closing one of two mappings of the
 *     same queue in one process detaches that process.
 *   - A blocked put/get/join of a process-shared queue wakes every
 *     TL_SQUEUE_LIVENESS_MS, checks the other attached processes (one
 *     checker at a time, rate-limited), marks the dead ones (exited or
 *     killed without detaching — a zombie counts as dead) and returns
 *     TL_EBROKEN when no other attached process is alive and at least one
 *     died: nobody else is left who could satisfy the wait. A process whose
 *     own threads still feed it after its peers died should not rely on
 *     blocking forever (use timeouts). The death count never goes down.
 *   - Limits: peers must share a pid namespace; without /proc, liveness
 *     falls back to kill(pid, 0) and a zombie then looks alive; a lock
 *     holder's tid recycled within one slice of its death would look alive
 *     (the registry's start time guards the peer check, not the lock word).
 *
 * Concurrency: every call is thread- and process-safe and linearizable;
 * qsize/empty/full take the lock (exact at that instant). One spin-then-
 * futex lock guards the ring (records are copied under it: keep records
 * small); a put or get makes a wake syscall only when someone sleeps.
 * Wake order: the kernel's, one waiter per put/get; shutdown wakes all.
 */
#ifndef THREADLAB_SQUEUE_H
#define THREADLAB_SQUEUE_H

#include "threadlab/common.h"

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TL_SQUEUE_MAX_PEERS 256 /* attached processes per queue */
#define TL_SQUEUE_LIVENESS_MS 50 /* slice of a process-shared wait between liveness checks */

/* Opaque: the block returned by / passed to tl_squeue_init. */
typedef struct tl_squeue tl_squeue_t;

/* Bytes needed for a queue of `capacity` records of `record_size` bytes
 * (both >= 1); 0 if invalid or too large. Place it at an address aligned to
 * 64 bytes (mmap gives a page). */
size_t tl_squeue_size(size_t capacity, size_t record_size);

/* Initialises the queue in `mem` (tl_squeue_size() bytes, 64-byte aligned,
 * writable). flags: TL_PRIVATE or TL_PSHARED; with TL_PSHARED the caller is
 * attached. TL_EINVAL on bad arguments or misaligned memory. */
int tl_squeue_init(void *mem, size_t capacity, size_t record_size, int flags);

/* TL_EBUSY while a thread is blocked in it or its lock is held; afterwards
 * the memory holds no queue (every later call gives TL_EINVAL). Unmapping is
 * the caller's business (or tl_squeue_close_named's). */
int tl_squeue_destroy(tl_squeue_t *q);

/* Registry (process-shared queues; TL_EINVAL on a private one).
 * attach: registers the calling process (idempotent); attach_pid: registers
 * another process (e.g. a fork child, from the parent). TL_EAGAIN when all
 * TL_SQUEUE_MAX_PEERS slots hold live processes; -ESRCH if pid is not alive.
 * detach: unregisters the calling process (TL_EINVAL if it was not). */
int tl_squeue_attach(tl_squeue_t *q);
int tl_squeue_attach_pid(tl_squeue_t *q, pid_t pid);
int tl_squeue_detach(tl_squeue_t *q);

/* Peer statistics: live attached processes (including the caller if
 * attached), deaths detected so far, lock takeovers after a holder died.
 * Checks liveness now (not rate-limited). Any out pointer may be NULL. */
int tl_squeue_peers(tl_squeue_t *q, unsigned *alive, unsigned *died, unsigned *owner_deaths);

/* put: copies record_size bytes from `record`. */
int tl_squeue_put(tl_squeue_t *q, const void *record, bool block, double timeout);
int tl_squeue_put_until(tl_squeue_t *q, const void *record, const struct timespec *deadline);
int tl_squeue_put_nowait(tl_squeue_t *q, const void *record);

/* get: copies record_size bytes into `out`. */
int tl_squeue_get(tl_squeue_t *q, void *out, bool block, double timeout);
int tl_squeue_get_until(tl_squeue_t *q, void *out, const struct timespec *deadline);
int tl_squeue_get_nowait(tl_squeue_t *q, void *out);

/* qsize(), empty(), full(), maxsize (the capacity) and the record size:
 * exact at one instant (they take the lock). */
size_t tl_squeue_qsize(tl_squeue_t *q);
bool tl_squeue_empty(tl_squeue_t *q);
bool tl_squeue_full(tl_squeue_t *q);
long tl_squeue_maxsize(const tl_squeue_t *q);
size_t tl_squeue_record_size(const tl_squeue_t *q);

int tl_squeue_task_done(tl_squeue_t *q); /* TL_EOVERFLOW when called too often */
/* unfinished_tasks: records put and not yet task_done; join: 0,
 * TL_ETIMEDOUT, TL_EBROKEN (the queue's timeout rule). */
uint64_t tl_squeue_unfinished_tasks(tl_squeue_t *q);
int tl_squeue_join(tl_squeue_t *q, double timeout);
int tl_squeue_join_until(tl_squeue_t *q, const struct timespec *deadline);

/* shutdown(immediate) as above; is_shutdown. */
int tl_squeue_shutdown(tl_squeue_t *q, bool immediate);
bool tl_squeue_is_shutdown(tl_squeue_t *q);

/* Named queues (POSIX shared memory). name: "/something" (one leading
 * slash, no other, at most 255 bytes). create: O_EXCL — -EEXIST if the name
 * exists; flags must include TL_PSHARED (TL_PRIVATE is TL_EINVAL). open:
 * -ENOENT if absent, TL_EAGAIN if its creator has not finished initialising
 * it, TL_EINVAL if it does not hold a queue. Both attach the caller and
 * return the mapping in *out. close: detaches and unmaps (the name stays);
 * unlink: removes the name (mappings stay valid). Other system failures
 * are returned as negative errnos. */
int tl_squeue_create_named(const char *name, size_t capacity, size_t record_size, int flags,
			   tl_squeue_t **out);
int tl_squeue_open_named(const char *name, tl_squeue_t **out);
int tl_squeue_close_named(tl_squeue_t *q);
int tl_squeue_unlink_named(const char *name);

#ifdef __cplusplus
}
#endif
#endif
