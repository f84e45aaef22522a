/* absl.cc — Abseil (Debian libabsl-dev) as a peer, through the shared bodies:
 *   absl_mutex   absl::Mutex (Lock / Unlock), blocks: lock rows, baseline
 *                pthread_mutex like lock/ (lockbody.h)
 * Debian builds Abseil without NDEBUG (its debug invariant checks and
 * deadlock-detection hooks are compiled in): every row's label says so.
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

TLB_REGISTER(peer_absl)
{
	tlb_peer_begin("absl", TLB_WAITS_BLOCK, BM_ABSL_NOTE);
	bm_lock_register(&bm_lock_fns_absl_mutex, "absl_mutex", "pthread_mutex", BM_LOCK_PEER | BM_LOCK_FAIRNESS);
	tlb_peer_end();
}
