/* semaphore.c — threading.Semaphore / BoundedSemaphore (tl_sem), baseline
 * POSIX sem_t (sem_native.c):
 *   semaphore/uncontended, bsemaphore/uncontended   acquire+release of a
 *       Semaphore(1) / BoundedSemaphore(1) in one thread
 *   semaphore/contended   Semaphore(1) used as a lock (lockbody.h)
 *   semaphore/pingpong    two Semaphore(0), release one / acquire the other
 *   semaphore/wake_latency
 */
#include "lockbody.h"

#include "threadlab/semaphore.h"

static inline void s_init(tl_sem_t *s) { tl_sem_init(s, TL_PRIVATE, 1); }
static inline void b_init(tl_sem_t *s) { tl_sem_init_bounded(s, TL_PRIVATE, 1); }
static inline void s_destroy(tl_sem_t *s) { tl_sem_destroy(s); }
static inline void s_acquire(tl_sem_t *s) { tl_sem_acquire(s, true, TL_FOREVER); }
static inline void s_release(tl_sem_t *s) { tl_sem_release(s, 1); }
BM_LOCK_ADAPTER(semaphore, tl_sem_t, s_init, s_destroy, s_acquire, s_release)
BM_LOCK_ADAPTER(bsemaphore, tl_sem_t, b_init, s_destroy, s_acquire, s_release)

static struct {
	_Alignas(BM_CACHELINE) tl_sem_t a;
	_Alignas(BM_CACHELINE) tl_sem_t b;
} p;

static void pp_init(void)
{
	tl_sem_init(&p.a, TL_PRIVATE, 0);
	tl_sem_init(&p.b, TL_PRIVATE, 0);
}
static void pp_destroy(void)
{
	tl_sem_destroy(&p.a);
	tl_sem_destroy(&p.b);
}
static void ping(void) { tl_sem_release(&p.a, 1); }
static void wait_ping(void) { tl_sem_acquire(&p.a, true, TL_FOREVER); }
static void pong(void) { tl_sem_release(&p.b, 1); }
static void wait_pong(void) { tl_sem_acquire(&p.b, true, TL_FOREVER); }
static const struct bm_pingpong_ops pp = {pp_init, pp_destroy, ping, wait_pong, wait_ping, pong};
static void bm_semaphore_pingpong(tlb_state *st) { bm_pingpong_run(st, &pp); }

static const struct bm_wake_ops wk = {pp_init, pp_destroy, wait_ping, ping, NULL};
static void bm_semaphore_wake_latency(tlb_state *st) { bm_wake_run(st, &wk); }

TLB_REGISTER(semaphore)
{
	bm_lock_register(&bm_lock_fns_semaphore, "semaphore", "sem", BM_LOCK_LIGHT);
	bm_lock_register(&bm_lock_fns_bsemaphore, "bsemaphore", "sem", BM_LOCK_NO_CONTENDED);
	bm_pingpong_register("semaphore/pingpong", "sem/pingpong", bm_semaphore_pingpong);
	bm_wake_register("semaphore/wake_latency", "sem/wake_latency", bm_semaphore_wake_latency);
}
