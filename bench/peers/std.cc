/* std.cc — the C++ standard library (libstdc++, C++20) as a peer, through
 * the shared bodies; everything here blocks (waits=block):
 *   std_mutex    std::mutex: lock rows, baseline pthread_mutex like lock/
 *   std_counting_semaphore   std::counting_semaphore<>: as a lock
 *                (uncontended, contended cs:100) and ping-pong (two
 *                semaphores at 0), baseline sem like semaphore/
 *   std_barrier  std::barrier<>: barrier/wait's body (one thread per CPU),
 *                baseline pthread_barrier like barrier/
 *   std_future   std::promise + std::future round trip in one thread
 *                (set_value, get): future/create_set_result's peer,
 *                baseline mutexcond_future/create_set_result
 */
#include <barrier>
#include <future>
#include <mutex>
#include <semaphore>

#include "peer.h"

static inline void mx_init(std::mutex *m) { (void)m; }
static inline void mx_destroy(std::mutex *m) { (void)m; }
static inline void mx_lock(std::mutex *m) { m->lock(); }
static inline void mx_unlock(std::mutex *m) { m->unlock(); }
BM_LOCK_ADAPTER(std_mutex, std::mutex, mx_init, mx_destroy, mx_lock, mx_unlock)

/* a binary use of the counting semaphore, initially 1 (a lock) */
struct sem1 {
	std::counting_semaphore<> s{1};
};
static inline void s_init(sem1 *s) { (void)s; }
static inline void s_destroy(sem1 *s) { (void)s; }
static inline void s_acquire(sem1 *s) { s->s.acquire(); }
static inline void s_release(sem1 *s) { s->s.release(); }
BM_LOCK_ADAPTER(std_sem, sem1, s_init, s_destroy, s_acquire, s_release)

static struct {
	alignas(BM_CACHELINE) std::counting_semaphore<> a{0};
	alignas(BM_CACHELINE) std::counting_semaphore<> b{0};
} pp;
static void pp_init(void) {}
static void pp_destroy(void) {}
static void ping(void) { pp.a.release(); }
static void wait_ping(void) { pp.a.acquire(); }
static void pong(void) { pp.b.release(); }
static void wait_pong(void) { pp.b.acquire(); }
static const struct bm_pingpong_ops sem_pp = {pp_init, pp_destroy, ping, wait_pong, wait_ping, pong};
static void bm_std_sem_pingpong(tlb_state *st) { bm_pingpong_run(st, &sem_pp); }

/* barrier/wait's body (barrier.c) over std::barrier */
static std::barrier<> *bar;
static void bm_std_barrier(tlb_state *st)
{
	const unsigned nt = (unsigned)tlb_thread_count(st);
	if (tlb_thread_index(st) == 0)
		bar = new std::barrier<>((std::ptrdiff_t)nt);
	bm_barrier_wait(&bm_bar, nt);
	int64_t i;
	for (int64_t n; (n = tlb_batch(st)) > 0; bm_group_end(st))
		for (bm_group_begin(st), i = 0; i < n; i++)
			bar->arrive_and_wait();
	bm_barrier_wait(&bm_bar, nt);
	if (tlb_thread_index(st) == 0) {
		delete bar;
		bar = nullptr;
	}
}

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
	tlb_bench *b[2];
	tlb_peer_begin("std", TLB_WAITS_BLOCK, nullptr);
	bm_lock_register(&bm_lock_fns_std_mutex, "std_mutex", "pthread_mutex", BM_LOCK_PEER);
	bm_lock_register(&bm_lock_fns_std_sem, "std_counting_semaphore", "sem", BM_LOCK_PEER | BM_LOCK_LIGHT);
	bm_peer_pingpong_register("std_counting_semaphore/pingpong", "sem/pingpong", bm_std_sem_pingpong);
	/* barrier/wait's registration (bm_barrier_register) at one thread per
	 * allowed CPU instead of the sweep, default suite only: lean */
	b[0] = tlb_register("std_barrier/wait", bm_std_barrier);
	tlb_skip_quick(b[0]);
	tlb_threads(b[0], TLB_THREADS_ALLOWED);
	tlb_manual_time(b[0]);
	tlb_min_time(b[0], 0.05);
	tlb_baseline(b[0], "pthread_barrier/wait");
	bm_reg2("std_future/create_set_result", bm_std_future, &b[0], &b[1]);
	for (int i = 0; i < 2; i++) {
		tlb_real_time(b[i]);
		tlb_epochs(b[i]);
		tlb_baseline(b[i], "mutexcond_future/create_set_result");
	}
	tlb_peer_end();
}
