/* Internal: layout and internals of the process-shared record queue
 * (threadlab/squeue.h). One block, no pointers:
 *
 *   [struct tl_squeue: constants | lock + ring indices | waiter words |
 *    liveness | peer registry] [ring: capacity x record_size bytes]
 *
 * The ring starts at ring_off (64-byte aligned). head and tail count every
 * get and put ever made (64-bit, never wrap in practice); the record for
 * position i is at ring + (i % capacity) * record_size. tail doubles as the
 * count of accepted puts, so unfinished_tasks = tail - done.
 *
 * Everything in the lock line is written only under the lock; commits are
 * release stores so that a recoverer that takes the lock over from a dead
 * holder (no release/acquire pair with it) still sees each committed value
 * with everything written before it (squeue_lock.c).
 */
#ifndef TL_SQUEUE_IMPL_H
#define TL_SQUEUE_IMPL_H

#include "threadlab/squeue.h"

#include "futex.h"
#include "robust.h"

#include <stdatomic.h>

#define TL__SQ_MAGIC 0x71537154u /* "TqSq" */

/* shut word */
#define TL__SQ_SHUT 1u      /* shutdown called: puts fail */
#define TL__SQ_IMMEDIATE 2u /* shutdown(immediate) */
#define TL__SQ_INTENT 4u    /* immediate drop recorded, maybe not applied */

/* lock word: holder tid | waiters bit (robust.h's layout) */
#define TL__SQ_WAITERS TL__ROBUST_WAITERS
#define TL__SQ_TIDMASK TL__ROBUST_IDMASK

/* peer id word: start time (40 bits) | pid (22 bits) | state (2 bits) */
enum { TL__SQ_FREE = 0, TL__SQ_ALIVE = 1, TL__SQ_DEAD = 2 };
#define TL__SQ_PID_BITS 22
#define TL__SQ_START_MASK ((UINT64_C(1) << 40) - 1)

struct tl__sq_peer {
	_Atomic uint64_t id;
	/* threads of this process blocked in put/get/join: subtracted from
	 * the totals when the process is found dead */
	_Atomic uint32_t getters, putters, joiners;
	uint32_t pad_;
};

#define TL__SQPAD(n) char tl__pad##n[64]
struct tl_squeue {
	/* constants after init */
	_Atomic uint32_t magic;
	uint32_t flags;
	uint64_t capacity, record_size, total_size, ring_off;
	TL__SQPAD(0);
	/* the lock and what it guards */
	_Atomic uint32_t lock;
	uint32_t dirty; /* a takeover not yet reported (TL_EOWNERDEAD) */
	_Atomic uint64_t head, tail, done;
	_Atomic uint32_t shut;
	uint64_t intent_tail, intent_done; /* shutdown(immediate) redo record */
	TL__SQPAD(1);
	/* sleepers: put_ev is bumped after puts (getters sleep on it), get_ev
	 * after gets (putters), join_ev when unfinished reaches 0 */
	_Atomic uint32_t put_ev, get_ev, join_ev;
	_Atomic uint32_t getters, putters, joiners;
	TL__SQPAD(2);
	/* liveness */
	_Atomic uint32_t deaths, owner_deaths;
	_Atomic uint64_t check_ns; /* last peer scan (rate limit) */
	TL__SQPAD(3);
	struct tl__sq_peer peers[TL_SQUEUE_MAX_PEERS];
};
#undef TL__SQPAD

static inline int tl__sq_pshared(const tl_squeue_t *q)
{
	return (q->flags & TL_PSHARED) != 0;
}

static inline int tl__sq_check(const tl_squeue_t *q)
{
	return q && atomic_load_explicit(&((tl_squeue_t *)q)->magic, memory_order_acquire) == TL__SQ_MAGIC
		       ? 0
		       : TL_EINVAL;
}

/* Absolute CLOCK_MONOTONIC time `ms` from now (robust.c); tl__ts_before
 * (a earlier than b) comes from robust.h too. */
#define tl__sq_after_ms tl__after_ms

/* ---- lock (squeue_lock.c) ---- */
/* Takes the lock; if its holder died, takes it over, redoes a recorded
 * intent, sets q->dirty and wakes every sleeper. */
void tl__sq_lock(tl_squeue_t *q);
void tl__sq_unlock(tl_squeue_t *q);
/* Wake every sleeper of every kind (they re-check). */
void tl__sq_wake_all(tl_squeue_t *q);

/* ---- peers (squeue_peer.c) ---- */
/* Scans the other attached processes, marking the dead ones (rate-limited
 * to one scan per slice across all processes unless force). */
void tl__sq_check_peers(tl_squeue_t *q, bool force);
/* A death was seen and no other attached process is alive. */
bool tl__sq_broken(tl_squeue_t *q);
/* Registry slot of the calling process, -1 if not attached. */
int tl__sq_my_slot(tl_squeue_t *q);
/* Attach `pid` (0 = the caller). */
int tl__sq_attach(tl_squeue_t *q, pid_t pid);

/* ---- test hook (tests only): called inside the critical section at the
 * points below, i.e. while holding the lock, the operation half done. ---- */
enum {
	TL__SQ_HOOK_PUT = 1,      /* record copied into its slot, tail not yet published */
	TL__SQ_HOOK_GET = 2,      /* record copied out, head not yet published */
	TL__SQ_HOOK_SHUTDOWN = 3, /* immediate drop recorded, not applied */
};
extern void (*tl__squeue_test_hook)(tl_squeue_t *q, int where);

#endif
