/* threadlab/trace.h — per-thread timelines of a program's use of threadlab
 * (issue 16), written in the Chrome Trace Event format that Perfetto
 * (ui.perfetto.dev) and chrome://tracing open.
 *
 * Example (compiled and run by tests/api):
 *
 *   #include "threadlab/lock.h"
 *   #include <stdio.h>
 *
 *   int main(void)
 *   {
 *       tl_lock_t lock;
 *       tl_lock_init(&lock, TL_PRIVATE);
 *       if (tl_trace_start(0) == TL_EPERM)   // record from now on (0: default budget)
 *           return 0;                        // a library built with -DTL_TRACE=OFF
 *       tl_trace_name(&lock, "n's lock");    // optional: names shown in the spans
 *       tl_lock_acquire(&lock, true, TL_FOREVER);   // ... threads using threadlab ...
 *       tl_lock_release(&lock);
 *       tl_trace_stop();
 *       int r = tl_trace_write("trace-example.json", "my program");
 *       remove("trace-example.json");
 *       tl_trace_reset();
 *       tl_lock_destroy(&lock);
 *       return r == 0 ? 0 : 1;
 *   }
 *
 * What is recorded, each thread into its own buffer (no shared write on the
 * recording path; timestamps from CLOCK_MONOTONIC, so all threads share one
 * clock):
 *   - Lock / RLock / Semaphore: "waiting to acquire <name>" when the acquire
 *     had to wait for another thread's release (or timed out), "holding
 *     <name>" from acquire to release, and a flow arrow from the release
 *     to the acquire it let through;
 *   - Condition, Event, Queue.get, Future, Thread.join: "waiting on <name>"
 *     spans, with instant events for notify / set / put / set_result / a
 *     thread's end and a flow arrow from the one that ended the wait;
 *   - the caller's own spans and instants (tl_trace_begin / end / instant).
 * Spans are paired when the trace is written, so a file always has
 * balanced begin/end events per thread; a flow always joins two events in
 * the file.
 *
 * Cost: when tracing is off, each hook is one relaxed load and a branch
 * (and nothing at all in a library configured with -DTL_TRACE=OFF, where
 * tl_trace_start returns TL_EPERM). When on, a hook reads the clock and
 * appends 32 bytes to the calling thread's buffer.
 *
 * Memory: at most max_events events in all (default 4 Mi, 128 MiB). A
 * thread whose next chunk would pass the budget (or whose allocation
 * fails) stops recording: its track ends with a "trace cut: ..." instant
 * and the file's otherData says "truncated": true. Never a crash.
 *
 * Threads: the recording functions are safe from any thread. tl_trace_start
 * after an earlier trace, and tl_trace_reset, drop the earlier buffers:
 * call them when no other thread is inside a threadlab call (e.g. after
 * joining them), as with destroying an object. tl_trace_write may run
 * while threads record: it writes what they had recorded when it began.
 * A forked child starts with tracing off and none of its parent's events;
 * tl_trace_continue() there records on (its own pid's tracks, the parent's
 * time origin, so the two files line up: tl-workload merges its process
 * variants' files into one trace).
 */
#ifndef THREADLAB_TRACE_H
#define THREADLAB_TRACE_H

#include "threadlab/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TL_TRACE_DEFAULT_EVENTS ((size_t)4 << 20)

/* Starts recording (dropping any earlier trace's events; the names given
 * by tl_trace_name stay until tl_trace_reset). max_events: the budget for
 * all threads together, 0 for TL_TRACE_DEFAULT_EVENTS; at least 1024.
 * 0, TL_EINVAL (budget too small), TL_EPERM (built with -DTL_TRACE=OFF). */
int tl_trace_start(size_t max_events);
/* Stops recording; what was recorded stays until the next start / reset. */
int tl_trace_stop(void);
/* In a child forked while tracing was on: record again. 0, or TL_ESTATE
 * (no trace was on at the fork, or called twice). */
int tl_trace_continue(void);
/* Frees every buffer and forgets the object names (tracing must be
 * stopped: TL_EBUSY otherwise). */
int tl_trace_reset(void);
bool tl_trace_enabled(void);
/* Events recorded so far (all threads), and whether some thread was cut. */
size_t tl_trace_events(void);
bool tl_trace_truncated(void);

/* Writes the trace as JSON (Chrome Trace Event format) to path: a temporary
 * file next to it, then rename(2), so path is either the whole trace or
 * untouched. process_name labels the process track (NULL: "threadlab").
 * 0, TL_EINVAL (NULL/empty path), TL_ENOMEM, or -errno of the failed
 * open / write / rename (e.g. -ENOENT, -EACCES). */
int tl_trace_write(const char *path, const char *process_name);

/* Names an object (a lock, condition, event, queue, future...) in span
 * names: "holding <name>". The text is copied. Unnamed objects get
 * "<kind>#<k>" in order of appearance. */
int tl_trace_name(const void *obj, const char *name);
/* Names the calling thread's track (copied; tl_thread names do this). */
int tl_trace_thread_name(const char *name);

/* The caller's own spans on the calling thread's track: begin / end nest.
 * `what` must stay valid until tl_trace_write (a string literal). */
void tl_trace_begin(const char *what);
void tl_trace_end(void);
/* An instant event on the calling thread's track (`what` as above); obj,
 * when not NULL, is named in the event's args. */
void tl_trace_instant(const char *what, const void *obj);

#ifdef __cplusplus
}
#endif

#endif
