/* std.cc — the C++ standard library (libstdc++, C++20) as a peer, through
 * the shared bodies; everything here blocks (waits=block):
 *   std_mutex    std::mutex: lock rows, baseline pthread_mutex like lock/
 *   std_counting_semaphore   std::counting_semaphore<>: as a lock
 *                (uncontended, contended cs:100) and ping-pong (two
 *                semaphores at 0), baseline sem like semaphore/
 *   std_barrier  std::barrier<>: barrier/wait's body (one thread per CPU),
 *                baseline pthread_barrier like barrier/
 *   std_condvar/pingpong   std::condition_variable + std::mutex:
 *                condition/pingpong's body (a turn variable), baseline
 *                futex/pingpong like condition/pingpong
 *   std_atomic_wait/pingpong   C++20 std::atomic<int> wait / notify_one
 *                as an Event (set = store 1 + notify_one, wait = wait
 *                while 0, clear = store 0): event/pingpong's body,
 *                baseline futex/pingpong like event/pingpong. It blocks:
 *                libstdc++ 12 pauses 12 times and yields 4 times, then
 *                futex-waits (its label says so)
 *   std_future   std::promise + std::future round trip in one thread
 *                (set_value, get): future/create_set_result's peer,
 *                baseline mutexcond_future/create_set_result
 */
#include <atomic>
#include <barrier>
#include <condition_variable>
#include <future>
#include <mutex>
#include <semaphore>

#include <new>

#include "peer.h"
#include "worklock.h"

static inline void mx_lock(std::mutex *m) { m->lock(); }
static inline void mx_unlock(std::mutex *m) { m->unlock(); }
static inline void mx_new(std::mutex *m) { new (m) std::mutex(); }
static inline void mx_delete(std::mutex *m) { m->~mutex(); }
TLP_LOCK_TABLE(std_mutex, "std", "std", "std::mutex", "std_mutex", "block", std::mutex, mx_new, mx_delete, mx_lock,
	       mx_unlock)

#ifndef TLP_TABLES_ONLY
static inline void mx_init(std::mutex *m) { (void)m; }
static inline void mx_destroy(std::mutex *m) { (void)m; }
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

/* condition.c's go / await over std::condition_variable */
static struct {
	alignas(BM_CACHELINE) std::mutex m;
	alignas(BM_CACHELINE) std::condition_variable c;
	alignas(BM_CACHELINE) int turn; /* guarded by m */
} cv;
static void cv_init(void) { cv.turn = 0; }
static inline void cv_go(int turn)
{
	std::lock_guard<std::mutex> g(cv.m);
	cv.turn = turn;
	cv.c.notify_one();
}
static inline void cv_await(int turn)
{
	std::unique_lock<std::mutex> g(cv.m);
	while (cv.turn != turn)
		cv.c.wait(g);
}
static void cv_ping(void) { cv_go(1); }
static void cv_wait_ping(void) { cv_await(1); }
static void cv_pong(void) { cv_go(2); }
static void cv_wait_pong(void) { cv_await(2); }
static const struct bm_pingpong_ops cv_pp = {cv_init, nullptr, cv_ping, cv_wait_pong, cv_wait_ping, cv_pong};
static void bm_std_condvar_pingpong(tlb_state *st) { bm_pingpong_run(st, &cv_pp); }

/* event.c's ping-pong over two C++20 waitable atomics used as Events:
 * set publishes with a release store (what the waiter's acquire load of
 * the flag pairs with) before notify_one; the waiter clears its own flag
 * after waking, before it answers, so the next set cannot be lost. */
static struct {
	alignas(BM_CACHELINE) std::atomic<int> a{0};
	alignas(BM_CACHELINE) std::atomic<int> b{0};
} ev;
static inline void ev_set(std::atomic<int> *f)
{
	f->store(1, std::memory_order_release);
	f->notify_one();
}
static inline void ev_wait_clear(std::atomic<int> *f)
{
	while (!f->load(std::memory_order_acquire))
		f->wait(0, std::memory_order_acquire);
	f->store(0, std::memory_order_relaxed);
}
static void ev_init(void)
{
	ev.a.store(0, std::memory_order_relaxed);
	ev.b.store(0, std::memory_order_relaxed);
}
static void ev_ping(void) { ev_set(&ev.a); }
static void ev_wait_ping(void) { ev_wait_clear(&ev.a); }
static void ev_pong(void) { ev_set(&ev.b); }
static void ev_wait_pong(void) { ev_wait_clear(&ev.b); }
static const struct bm_pingpong_ops ev_pp = {ev_init, nullptr, ev_ping, ev_wait_pong, ev_wait_ping, ev_pong};
static void bm_std_atomic_pingpong(tlb_state *st) { bm_pingpong_run(st, &ev_pp); }

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
	bm_peer_lesson_register(&tlp_lock_std_mutex);
	bm_lock_register(&bm_lock_fns_std_sem, "std_counting_semaphore", "sem", BM_LOCK_PEER | BM_LOCK_LIGHT);
	bm_peer_pingpong_register("std_counting_semaphore/pingpong", "sem/pingpong", bm_std_sem_pingpong);
	bm_peer_barrier_register("std_barrier/wait", bm_std_barrier);
	bm_peer_pingpong_register("std_condvar/pingpong", "futex/pingpong", bm_std_condvar_pingpong);
	bm_reg2("std_future/create_set_result", bm_std_future, &b[0], &b[1]);
	for (int i = 0; i < 2; i++) {
		tlb_real_time(b[i]);
		tlb_epochs(b[i]);
		tlb_baseline(b[i], "mutexcond_future/create_set_result");
	}
	tlb_peer_end();

	tlb_peer_begin("std", TLB_WAITS_BLOCK,
		       "std::atomic<int> wait/notify_one: libstdc++ pauses 12 times, yields 4 times, then futex-waits");
	bm_peer_pingpong_register("std_atomic_wait/pingpong", "futex/pingpong", bm_std_atomic_pingpong);
	tlb_peer_end();
}
#endif /* TLP_TABLES_ONLY */
