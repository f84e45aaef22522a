/* std.cc — the C++ standard library (libstdc++) as a peer, through the
 * shared bodies:
 *   std_mutex    std::mutex, blocks: lock rows, baseline pthread_mutex
 *   std_future   std::promise + std::future round trip in one thread
 *                (set_value, get): future/create_set_result's peer,
 *                baseline mutexcond_future/create_set_result
 */
#include <future>
#include <mutex>

#include "peer.h"

static inline void mx_init(std::mutex *m) { (void)m; }
static inline void mx_destroy(std::mutex *m) { (void)m; }
static inline void mx_lock(std::mutex *m) { m->lock(); }
static inline void mx_unlock(std::mutex *m) { m->unlock(); }
BM_LOCK_ADAPTER(std_mutex, std::mutex, mx_init, mx_destroy, mx_lock, mx_unlock)

static void bm_std_future(tlb_state *st)
{
	for (int64_t n; (n = tlb_batch(st)) > 0;)
		for (int64_t i = 0; i < n; i++) {
			std::promise<void *> p;
			std::future<void *> f = p.get_future();
			p.set_value((void *)(uintptr_t)(i + 1));
			void *v = f.get();
			TLB_DO_NOT_OPTIMIZE(v);
		}
}

TLB_REGISTER(peer_std)
{
	tlb_peer_begin("std", TLB_WAITS_BLOCK, nullptr);
	bm_lock_register(&bm_lock_fns_std_mutex, "std_mutex", "pthread_mutex", BM_LOCK_PEER);
	tlb_bench *b[2];
	bm_reg2("std_future/create_set_result", bm_std_future, &b[0], &b[1]);
	for (int i = 0; i < 2; i++) {
		tlb_real_time(b[i]);
		tlb_epochs(b[i]);
		tlb_baseline(b[i], "mutexcond_future/create_set_result");
	}
	tlb_peer_end();
}
