/* absl.cc — Abseil (Debian libabsl-dev) as a peer, through the shared bodies;
 * everything here blocks (waits=block):
 *   absl_mutex   absl::Mutex (Lock / Unlock): lock rows, baseline
 *                pthread_mutex like lock/ (lockbody.h)
 *   absl_condvar/notify_empty   absl::CondVar::Signal with its absl::Mutex
 *                held and no waiter, baseline pthread_cond/notify_empty
 *                like condition/notify_empty
 *   absl_condvar/pingpong   condition/pingpong's body (a turn variable under
 *                the absl::Mutex, Signal, Wait until it is ours), baseline
 *                futex/pingpong like condition/pingpong
 *   absl_notification/pingpong   event/pingpong's body over single-use
 *                absl::Notification: a fresh pair per round (below),
 *                baseline futex/pingpong like event/pingpong
 *   absl_notification/is_set   HasBeenNotified() on an unnotified one,
 *                baseline c11_atomic/is_set like event/is_set
 *   absl_barrier/wait   barrier/wait's body over single-use absl::Barrier:
 *                a fresh one per round (below), one thread per allowed
 *                CPU like std_barrier/wait, baseline pthread_barrier/wait
 *   absl_mutex_lockjoin/lock   the seed's lock lesson (lockjoin/lock) with
 *                absl::Mutex as its lock (lesson.c; lockjoin --lock absl)
 * Debian builds Abseil without NDEBUG (its assertions and debug-only
 * checks are compiled in): every row's label says so.
 * With TLP_TABLES_ONLY (tl-workload): the lock's table only (worklock.h).
 */
#include <absl/synchronization/barrier.h>
#include <absl/synchronization/mutex.h>
#include <absl/synchronization/notification.h>

#include <new>

#include "peer.h"
#include "worklock.h"

#define BM_ABSL_NOTE "Debian's Abseil is built without NDEBUG"

static inline void mx_lock(absl::Mutex *m) { m->Lock(); }
static inline void mx_unlock(absl::Mutex *m) { m->Unlock(); }
static inline void mx_new(absl::Mutex *m) { new (m) absl::Mutex(); }
static inline void mx_delete(absl::Mutex *m) { m->~Mutex(); }
TLP_LOCK_TABLE(absl_mutex, "absl", "absl", "absl::Mutex", "absl_mutex", "block", absl::Mutex, mx_new, mx_delete,
	       mx_lock, mx_unlock)

#ifndef TLP_TABLES_ONLY
static inline void mx_init(absl::Mutex *m) { (void)m; }
static inline void mx_destroy(absl::Mutex *m) { (void)m; }
BM_LOCK_ADAPTER(absl_mutex, absl::Mutex, mx_init, mx_destroy, mx_lock, mx_unlock)

static struct {
	alignas(BM_CACHELINE) absl::Mutex m;
	alignas(BM_CACHELINE) absl::CondVar c;
	alignas(BM_CACHELINE) int turn; /* guarded by m */
} cv;

static void bm_notify_empty(tlb_state *st)
{
	cv.m.Lock();
	for (int64_t n; (n = tlb_batch(st)) > 0;)
		for (int64_t i = 0; i < n; i++)
			cv.c.Signal();
	cv.m.Unlock();
}

/* condition.c's go / await */
static void cv_init(void) { cv.turn = 0; }
static inline void cv_go(int turn)
{
	cv.m.Lock();
	cv.turn = turn;
	cv.c.Signal();
	cv.m.Unlock();
}
static inline void cv_await(int turn)
{
	cv.m.Lock();
	while (cv.turn != turn)
		cv.c.Wait(&cv.m);
	cv.m.Unlock();
}
static void cv_ping(void) { cv_go(1); }
static void cv_wait_ping(void) { cv_await(1); }
static void cv_pong(void) { cv_go(2); }
static void cv_wait_pong(void) { cv_await(2); }
static const struct bm_pingpong_ops cv_pp = {cv_init, nullptr, cv_ping, cv_wait_pong, cv_wait_ping, cv_pong};
static void bm_condvar_pingpong(tlb_state *st) { bm_pingpong_run(st, &cv_pp); }

/* event/pingpong over absl::Notification, which is never reset: round r
 * uses pair r % 2 (a: ping, b: pong), and the pinging thread, once b[s]
 * is notified, destroys and re-constructs pair s in place. Safe: thread 1
 * has returned from a[s]'s wait before it notified b[s]; ~Notification
 * takes the mutex, so it waits for a Notify() still returning; and thread
 * 1 next touches pair s in round r + 2, after a[s ^ 1]'s notification,
 * which thread 0 gives only after the rebuild (happens-before through
 * that Notification's mutex). A round thus costs a destroy and a
 * construct of two Notifications on top of the handoffs: that is what
 * single-use costs. */
static struct {
	alignas(BM_CACHELINE) absl::Notification a[2];
	alignas(BM_CACHELINE) absl::Notification b[2];
	alignas(BM_CACHELINE) unsigned r0; /* thread 0's round */
	alignas(BM_CACHELINE) unsigned r1; /* thread 1's round */
} nt;
static void renew(absl::Notification *n)
{
	n->~Notification();
	new (n) absl::Notification();
}
static void nt_init(void)
{
	for (int s = 0; s < 2; s++) {
		renew(&nt.a[s]);
		renew(&nt.b[s]);
	}
	nt.r0 = nt.r1 = 0;
}
static void nt_ping(void) { nt.a[nt.r0 & 1].Notify(); }
static void nt_wait_pong(void)
{
	const unsigned s = nt.r0++ & 1;
	nt.b[s].WaitForNotification();
	renew(&nt.a[s]);
	renew(&nt.b[s]);
}
static void nt_wait_ping(void) { nt.a[nt.r1 & 1].WaitForNotification(); }
static void nt_pong(void) { nt.b[nt.r1++ & 1].Notify(); }
static const struct bm_pingpong_ops nt_pp = {nt_init, nullptr, nt_ping, nt_wait_pong, nt_wait_ping, nt_pong};
static void bm_notification_pingpong(tlb_state *st) { bm_pingpong_run(st, &nt_pp); }

/* event/is_set on an Event that is not set: a Notification never notified */
static absl::Notification unset;
static void bm_notification_is_set(tlb_state *st)
{
	for (int64_t k; (k = tlb_batch(st)) > 0;)
		for (int64_t i = 0; i < k; i++)
			TLB_DO_NOT_OPTIMIZE(unset.HasBeenNotified());
}

/* barrier/wait over absl::Barrier, which is single-use: exactly one
 * Block() per round returns true, and that thread must destroy it. Round r
 * uses slot r % 2 of a pre-allocated array; the thread Block() returns
 * true to destroys the round's Barrier and constructs the one for round
 * r + 2 in its slot (so the destroy + construct is on the last thread out,
 * inside the timed round). Every thread reaches round r + 2 only after
 * round r + 1, which the rebuilding thread joins after the rebuild. */
static struct {
	alignas(BM_CACHELINE) unsigned char slot[2][sizeof(absl::Barrier)];
} bar;
static inline absl::Barrier *bar_at(unsigned s)
{
	return std::launder(reinterpret_cast<absl::Barrier *>(bar.slot[s]));
}
static void bm_absl_barrier(tlb_state *st)
{
	static_assert(alignof(absl::Barrier) <= BM_CACHELINE, "barrier slot alignment");
	const unsigned nt_ = (unsigned)tlb_thread_count(st);
	if (tlb_thread_index(st) == 0)
		for (unsigned s = 0; s < 2; s++)
			new (bar.slot[s]) absl::Barrier((int)nt_);
	bm_barrier_wait(&bm_bar, nt_);
	unsigned r = 0; /* every thread counts the rounds itself */
	int64_t i;
	for (int64_t n; (n = tlb_batch(st)) > 0; bm_group_end(st))
		for (bm_group_begin(st), i = 0; i < n; i++, r++) {
			absl::Barrier *b = bar_at(r & 1);
			if (b->Block()) {
				b->~Barrier();
				new (bar.slot[r & 1]) absl::Barrier((int)nt_);
			}
		}
	bm_barrier_wait(&bm_bar, nt_);
	if (tlb_thread_index(st) == 0) /* both slots hold an unused Barrier */
		for (unsigned s = 0; s < 2; s++)
			bar_at(s)->~Barrier();
}

TLB_REGISTER(peer_absl)
{
	tlb_peer_begin("absl", TLB_WAITS_BLOCK, BM_ABSL_NOTE);
	bm_lock_register(&bm_lock_fns_absl_mutex, "absl_mutex", "pthread_mutex", BM_LOCK_PEER | BM_LOCK_FAIRNESS);
	bm_peer_lesson_register(&tlp_lock_absl_mutex);
	tlb_bench *b[2];
	bm_reg2("absl_condvar/notify_empty", bm_notify_empty, &b[0], &b[1]);
	for (int i = 0; i < 2; i++) {
		tlb_real_time(b[i]);
		tlb_epochs(b[i]);
		tlb_baseline(b[i], "pthread_cond/notify_empty");
	}
	bm_peer_pingpong_register("absl_condvar/pingpong", "futex/pingpong", bm_condvar_pingpong);
	bm_reg2("absl_notification/is_set", bm_notification_is_set, &b[0], &b[1]);
	for (int i = 0; i < 2; i++) {
		tlb_real_time(b[i]);
		tlb_epochs(b[i]);
		tlb_baseline(b[i], "c11_atomic/is_set");
	}
	tlb_peer_end();

	tlb_peer_begin("absl", TLB_WAITS_BLOCK,
		       "a fresh pair of absl::Notification per round, destroyed + constructed by the pinging "
		       "thread in the timed loop (single-use); " BM_ABSL_NOTE);
	bm_peer_pingpong_register("absl_notification/pingpong", "futex/pingpong", bm_notification_pingpong);
	tlb_peer_end();

	tlb_peer_begin("absl", TLB_WAITS_BLOCK,
		       "a fresh absl::Barrier per round from a pre-allocated array: Block's last thread "
		       "destroys it and constructs the next (single-use); " BM_ABSL_NOTE);
	bm_peer_barrier_register("absl_barrier/wait", bm_absl_barrier);
	tlb_peer_end();
}
#endif /* TLP_TABLES_ONLY */
