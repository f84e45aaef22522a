/* The record queue's peer registry: which processes are attached, which of
 * them died (threadlab/squeue.h, "Ownership and liveness model").
 *
 * A slot is one 64-bit word, start (40 bits) | pid (22) | state (2), so
 * claiming, releasing and declaring dead are each one CAS: a process killed
 * half-way through attach or detach leaves a whole slot or none. Declaring
 * dead is CAS ALIVE -> DEAD: exactly one observer wins, and only the winner
 * counts the death and subtracts the dead process's blocked threads from
 * the sleeper totals (so a put does not keep paying a wake syscall for
 * sleepers that no longer exist). DEAD slots are reused by later attaches.
 *
 * Scans are rate-limited across all processes through check_ns: a blocked
 * waiter wakes every slice, and with N waiters only about one scan per slice
 * reads /proc. */
#include "squeue_impl.h"

#include "liveness.h"

#include <errno.h>
#include <unistd.h>

static inline uint32_t st_of(uint64_t id)
{
	return (uint32_t)(id & 3);
}

static inline pid_t pid_of(uint64_t id)
{
	return (pid_t)((id >> 2) & ((1u << TL__SQ_PID_BITS) - 1));
}

static inline uint64_t start_of(uint64_t id)
{
	return id >> (2 + TL__SQ_PID_BITS);
}

static inline uint64_t pack(pid_t pid, uint64_t start, uint32_t st)
{
	return ((start & TL__SQ_START_MASK) << (2 + TL__SQ_PID_BITS)) | ((uint64_t)pid << 2) | st;
}

/* Is the process recorded in `id` still the same live process? */
static bool peer_alive(uint64_t id)
{
	uint64_t now;
	if (!tl__proc_probe(pid_of(id), &now))
		return false;
	uint64_t then = start_of(id);
	return then == 0 || now == 0 || (now & TL__SQ_START_MASK) == then;
}

static void sat_sub(_Atomic uint32_t *w, uint32_t n)
{
	uint32_t v = atomic_load_explicit(w, memory_order_relaxed);
	while (n) {
		uint32_t nv = v > n ? v - n : 0;
		if (atomic_compare_exchange_weak_explicit(w, &v, nv, memory_order_seq_cst, memory_order_relaxed))
			break;
	}
}

static void declare_dead(tl_squeue_t *q, struct tl__sq_peer *p, uint64_t id)
{
	uint64_t dead = (id & ~UINT64_C(3)) | TL__SQ_DEAD;
	if (!atomic_compare_exchange_strong_explicit(&p->id, &id, dead, memory_order_acq_rel,
						     memory_order_relaxed))
		return; /* someone else did, or it detached */
	sat_sub(&q->getters, atomic_exchange(&p->getters, 0));
	sat_sub(&q->putters, atomic_exchange(&p->putters, 0));
	sat_sub(&q->joiners, atomic_exchange(&p->joiners, 0));
	atomic_fetch_add_explicit(&q->deaths, 1, memory_order_seq_cst);
	/* Sleepers in every process re-evaluate (tl__sq_broken) now rather
	 * than at their next slice. */
	tl__sq_wake_all(q);
}

void tl__sq_check_peers(tl_squeue_t *q, bool force)
{
	if (!tl__sq_pshared(q))
		return;
	uint64_t now = tl_monotonic_ns();
	uint64_t last = atomic_load_explicit(&q->check_ns, memory_order_relaxed);
	const uint64_t slice = (uint64_t)TL_SQUEUE_LIVENESS_MS * 1000000u;
	if (!force && (now - last < slice ||
		       !atomic_compare_exchange_strong_explicit(&q->check_ns, &last, now, memory_order_relaxed,
								memory_order_relaxed)))
		return;
	pid_t me = getpid();
	for (int i = 0; i < TL_SQUEUE_MAX_PEERS; i++) {
		struct tl__sq_peer *p = &q->peers[i];
		uint64_t id = atomic_load_explicit(&p->id, memory_order_acquire);
		if (st_of(id) == TL__SQ_ALIVE && pid_of(id) != me && !peer_alive(id))
			declare_dead(q, p, id);
	}
}

bool tl__sq_broken(tl_squeue_t *q)
{
	if (atomic_load_explicit(&q->deaths, memory_order_acquire) == 0)
		return false;
	pid_t me = getpid();
	for (int i = 0; i < TL_SQUEUE_MAX_PEERS; i++) {
		uint64_t id = atomic_load_explicit(&q->peers[i].id, memory_order_acquire);
		if (st_of(id) == TL__SQ_ALIVE && pid_of(id) != me)
			return false;
	}
	return true;
}

int tl__sq_my_slot(tl_squeue_t *q)
{
	pid_t me = getpid();
	for (int i = 0; i < TL_SQUEUE_MAX_PEERS; i++) {
		uint64_t id = atomic_load_explicit(&q->peers[i].id, memory_order_acquire);
		if (st_of(id) == TL__SQ_ALIVE && pid_of(id) == me)
			return i;
	}
	return -1;
}

/* Two threads attaching the same process at once (a parent's attach_pid
 * and the child's own attach) may both claim a slot. The slots then hold
 * identical words, so which one survives does not matter: each claimer,
 * after its claim, frees the higher-indexed of any pair it sees. The later
 * claimer's scan always sees the earlier claim. */
static void dedupe(tl_squeue_t *q, int claimed, uint64_t mine)
{
	for (int i = 0; i < TL_SQUEUE_MAX_PEERS; i++) {
		if (i == claimed)
			continue;
		uint64_t id = atomic_load_explicit(&q->peers[i].id, memory_order_seq_cst);
		if (id != mine)
			continue;
		int drop = i > claimed ? i : claimed;
		uint64_t expect = mine;
		atomic_compare_exchange_strong_explicit(&q->peers[drop].id, &expect, 0, memory_order_seq_cst,
							memory_order_relaxed);
		if (drop == claimed)
			return;
	}
}

static bool try_claim(tl_squeue_t *q, uint64_t mine)
{
	/* Free slots first, then slots of dead processes. */
	static const uint32_t order[] = { TL__SQ_FREE, TL__SQ_DEAD };
	for (int k = 0; k < 2; k++) {
		for (int i = 0; i < TL_SQUEUE_MAX_PEERS; i++) {
			struct tl__sq_peer *p = &q->peers[i];
			uint64_t id = atomic_load_explicit(&p->id, memory_order_relaxed);
			if (st_of(id) != order[k] || (order[k] == TL__SQ_FREE && id != 0))
				continue;
			if (atomic_compare_exchange_strong_explicit(&p->id, &id, mine, memory_order_seq_cst,
								    memory_order_relaxed)) {
				dedupe(q, i, mine);
				return true;
			}
		}
	}
	return false;
}

int tl__sq_attach(tl_squeue_t *q, pid_t pid)
{
	if (!tl__sq_pshared(q))
		return TL_EINVAL;
	if (pid == 0)
		pid = getpid();
	if (pid < 0 || pid >= (pid_t)(1u << TL__SQ_PID_BITS))
		return TL_EINVAL;
	uint64_t start;
	if (!tl__proc_probe(pid, &start))
		return -ESRCH;
	uint64_t mine = pack(pid, start, TL__SQ_ALIVE);
	/* Idempotent: already there (a slot with the same pid but another
	 * start time is a dead process whose pid was recycled). */
	for (int i = 0; i < TL_SQUEUE_MAX_PEERS; i++) {
		struct tl__sq_peer *p = &q->peers[i];
		uint64_t id = atomic_load_explicit(&p->id, memory_order_acquire);
		if (st_of(id) != TL__SQ_ALIVE || pid_of(id) != pid)
			continue;
		if (id == mine || start_of(id) == 0 || start == 0)
			return 0;
		declare_dead(q, p, id);
	}
	if (try_claim(q, mine))
		return 0;
	tl__sq_check_peers(q, true); /* free the slots of the dead, retry once */
	return try_claim(q, mine) ? 0 : TL_EAGAIN;
}

int tl_squeue_attach(tl_squeue_t *q)
{
	int r = tl__sq_check(q);
	return r ? r : tl__sq_attach(q, 0);
}

int tl_squeue_attach_pid(tl_squeue_t *q, pid_t pid)
{
	int r = tl__sq_check(q);
	if (r)
		return r;
	return pid <= 0 ? TL_EINVAL : tl__sq_attach(q, pid);
}

int tl_squeue_detach(tl_squeue_t *q)
{
	int r = tl__sq_check(q);
	if (r)
		return r;
	if (!tl__sq_pshared(q))
		return TL_EINVAL;
	pid_t me = getpid();
	int found = 0;
	for (int i = 0; i < TL_SQUEUE_MAX_PEERS; i++) {
		struct tl__sq_peer *p = &q->peers[i];
		uint64_t id = atomic_load_explicit(&p->id, memory_order_acquire);
		if (st_of(id) == TL__SQ_ALIVE && pid_of(id) == me &&
		    atomic_compare_exchange_strong_explicit(&p->id, &id, 0, memory_order_acq_rel,
							    memory_order_relaxed))
			found = 1;
	}
	return found ? 0 : TL_EINVAL;
}

int tl_squeue_peers(tl_squeue_t *q, unsigned *alive, unsigned *died, unsigned *owner_deaths)
{
	int r = tl__sq_check(q);
	if (r)
		return r;
	tl__sq_check_peers(q, true);
	unsigned n = 0;
	for (int i = 0; i < TL_SQUEUE_MAX_PEERS; i++)
		if (st_of(atomic_load_explicit(&q->peers[i].id, memory_order_acquire)) == TL__SQ_ALIVE)
			n++;
	if (alive)
		*alive = n;
	if (died)
		*died = atomic_load_explicit(&q->deaths, memory_order_acquire);
	if (owner_deaths)
		*owner_deaths = atomic_load_explicit(&q->owner_deaths, memory_order_acquire);
	return 0;
}
