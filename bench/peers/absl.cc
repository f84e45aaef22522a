/* absl.cc — Abseil (Debian libabsl-dev) as a peer, through the shared bodies:
 *   absl_mutex   absl::Mutex (Lock / Unlock), blocks: lock rows, baseline
 *                pthread_mutex like lock/ (lockbody.h)
 *   absl_condvar/notify_empty   absl::CondVar::Signal with its absl::Mutex
 *                held and no waiter, baseline pthread_cond/notify_empty
 *                like condition/notify_empty
 * Debian builds Abseil without NDEBUG (its assertions and debug-only
 * checks are compiled in): every row's label says so.
 * absl::Barrier and absl::Notification are single-use (a Barrier is
 * destroyed by the one thread Block() returns true to; a Notification is
 * never reset), so they have no row next to our reusable Barrier / Event.
 */
#include <absl/synchronization/mutex.h>

#include "peer.h"

#define BM_ABSL_NOTE "Debian's Abseil is built without NDEBUG"

static inline void mx_init(absl::Mutex *m) { (void)m; }
static inline void mx_destroy(absl::Mutex *m) { (void)m; }
static inline void mx_lock(absl::Mutex *m) { m->Lock(); }
static inline void mx_unlock(absl::Mutex *m) { m->Unlock(); }
BM_LOCK_ADAPTER(absl_mutex, absl::Mutex, mx_init, mx_destroy, mx_lock, mx_unlock)

static struct {
	alignas(BM_CACHELINE) absl::Mutex m;
	alignas(BM_CACHELINE) absl::CondVar c;
} cv;

static void bm_notify_empty(tlb_state *st)
{
	cv.m.Lock();
	for (int64_t n; (n = tlb_batch(st)) > 0;)
		for (int64_t i = 0; i < n; i++)
			cv.c.Signal();
	cv.m.Unlock();
}

TLB_REGISTER(peer_absl)
{
	tlb_peer_begin("absl", TLB_WAITS_BLOCK, BM_ABSL_NOTE);
	bm_lock_register(&bm_lock_fns_absl_mutex, "absl_mutex", "pthread_mutex", BM_LOCK_PEER | BM_LOCK_FAIRNESS);
	tlb_bench *b[2];
	bm_reg2("absl_condvar/notify_empty", bm_notify_empty, &b[0], &b[1]);
	for (int i = 0; i < 2; i++) {
		tlb_real_time(b[i]);
		tlb_epochs(b[i]);
		tlb_baseline(b[i], "pthread_cond/notify_empty");
	}
	tlb_peer_end();
}
