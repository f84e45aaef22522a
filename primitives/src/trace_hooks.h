/* trace_hooks.h — the one-line hooks the primitives call for the trace
 * recorder (trace.c, public switch in threadlab/trace.h).
 *
 *   TL_TRACE_T0(t0);                            before a call that may wait
 *   TL_TRACE_WAITED(TL__TR_LOCK, l, t0, r);     after it: r == 0 got it
 *   TL_TRACE_RELEASE(TL__TR_LOCK, l);           before the release store, so
 *                                               its time is before the
 *                                               acquire it lets through
 *   TL_TRACE_SIGNAL(TL__TR_EVENT, e);           notify / set / put
 *
 * Off at run time, a hook is one relaxed load of tl__trace_on and a branch
 * predicted not taken; t0 is 0 then and TL_TRACE_WAITED records nothing
 * (a trace started during a wait simply misses that wait). Configured
 * with -DTL_TRACE=OFF (TL_TRACE_OFF defined), every hook is nothing.
 */
#ifndef TL_TRACE_HOOKS_H
#define TL_TRACE_HOOKS_H

#include <stdatomic.h>
#include <stdint.h>

/* Object kinds: the noun in span names and the default "<kind>#k" name. */
enum tl__trace_obj {
	TL__TR_USER = 0,
	TL__TR_LOCK,
	TL__TR_RLOCK,
	TL__TR_SEM,
	TL__TR_COND,
	TL__TR_EVENT,
	TL__TR_QUEUE,
	TL__TR_SQUEUE,
	TL__TR_FUTURE,
	TL__TR_THREAD, /* join waits; the thread's end is its signal */
	TL__TR_NKINDS
};

/* Record kinds (trace.c pairs them into spans when writing). */
enum tl__trace_op {
	TL__TR_ACQ = 1, /* lock-like acquire ended (t0 = its start, r = result) */
	TL__TR_REL,     /* lock-like release (a flow source) */
	TL__TR_WAIT,    /* a wait ended (t0 = its start, r = result) */
	TL__TR_SIGNAL,  /* notify / set / put / set_result (a flow source) */
	TL__TR_BEGIN,   /* user span: obj = its name */
	TL__TR_END,
	TL__TR_INSTANT, /* user instant: obj = its name, t0 = the object */
};

extern _Atomic int tl__trace_on;
uint64_t tl__trace_clock(void);
void tl__trace_rec(int op, int kind, const void *obj, uint64_t t0, int r);
void tl__trace_thread(const void *obj, const char *name);
#define TL__TRACING() __builtin_expect(atomic_load_explicit(&tl__trace_on, memory_order_relaxed), 0)

#ifdef TL_TRACE_OFF
#define TL_TRACE_T0(t0) const uint64_t t0 __attribute__((unused)) = 0
#define TL_TRACE_WAITED(kind, obj, t0, r) ((void)0)
#define TL_TRACE_ACQUIRED(kind, obj) ((void)0)
#define TL_TRACE_RELEASE(kind, obj) ((void)0)
#define TL_TRACE_SIGNAL(kind, obj) ((void)0)
#define TL_TRACE_THREAD(obj, name) ((void)0)
#define TL_TRACE_WAIT_SCOPE(kind, obj) ((void)0)
#else
#define TL_TRACE_T0(t0) const uint64_t t0 = TL__TRACING() ? tl__trace_clock() : 0
/* End of a wait or acquire that began at t0 (a lock-like kind records an
 * acquire, anything else a wait). */
#define TL_TRACE_WAITED(kind, obj, t0, r)                                                        \
	do {                                                                                     \
		if (t0)                                                                          \
			tl__trace_rec((kind) <= TL__TR_SEM ? TL__TR_ACQ : TL__TR_WAIT, kind, obj, t0, r); \
	} while (0)
/* An acquire that did not wait (try_acquire): only the holding span. */
#define TL_TRACE_ACQUIRED(kind, obj)                                  \
	do {                                                          \
		if (TL__TRACING())                                    \
			tl__trace_rec(TL__TR_ACQ, kind, obj, 0, 0);  \
	} while (0)
#define TL_TRACE_RELEASE(kind, obj)                                   \
	do {                                                          \
		if (TL__TRACING())                                    \
			tl__trace_rec(TL__TR_REL, kind, obj, 0, 0);  \
	} while (0)
#define TL_TRACE_SIGNAL(kind, obj)                                      \
	do {                                                            \
		if (TL__TRACING())                                      \
			tl__trace_rec(TL__TR_SIGNAL, kind, obj, 0, 0); \
	} while (0)
/* A thread's name for its track: kept per thread even while tracing is off
 * (a trace started later still names the thread); while tracing, also the
 * name of the thread object obj ("waiting on Thread-3" in a join). */
#define TL_TRACE_THREAD(obj, name) tl__trace_thread(obj, name)
/* A wait span for a whole function with several returns: recorded when the
 * enclosing block ends (cleanup attribute), its result unknown (0). */
struct tl__trace_scope {
	uint64_t t0;
	int kind;
	const void *obj;
};
static inline void tl__trace_scope_end(const struct tl__trace_scope *s)
{
	if (s->t0)
		tl__trace_rec(TL__TR_WAIT, s->kind, s->obj, s->t0, 0);
}
#define TL_TRACE_WAIT_SCOPE(kind, obj)                                                      \
	const struct tl__trace_scope tl__trace_scope_ __attribute__((cleanup(tl__trace_scope_end), unused)) = { \
		TL__TRACING() ? tl__trace_clock() : 0, kind, obj                                  \
	}
#endif

#endif
