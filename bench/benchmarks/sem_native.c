/* sem_native.c — POSIX sem_t (glibc, process-private): the baseline of
 * Semaphore and BoundedSemaphore. Rows are named sem/... :
 *   sem/uncontended, sem/contended (a sem_t(1) used as a lock, lockbody.h),
 *   sem/pingpong (two sem_t(0), one each way), sem/wake_latency.
 */
#include "lockbody.h"

#include <semaphore.h>

static inline void s_init(sem_t *s) { sem_init(s, 0, 1); }
static inline void s_destroy(sem_t *s) { sem_destroy(s); }
static inline void s_wait(sem_t *s) { while (sem_wait(s) != 0) {} }
static inline void s_post(sem_t *s) { sem_post(s); }
BM_LOCK_ADAPTER(sem, sem_t, s_init, s_destroy, s_wait, s_post)

static struct {
	_Alignas(BM_CACHELINE) sem_t a;
	_Alignas(BM_CACHELINE) sem_t b;
} p;

static void pp_init(void)
{
	sem_init(&p.a, 0, 0);
	sem_init(&p.b, 0, 0);
}
static void pp_destroy(void)
{
	sem_destroy(&p.a);
	sem_destroy(&p.b);
}
static void ping(void) { sem_post(&p.a); }
static void wait_ping(void) { s_wait(&p.a); }
static void pong(void) { sem_post(&p.b); }
static void wait_pong(void) { s_wait(&p.b); }
static const struct bm_pingpong_ops pp = {pp_init, pp_destroy, ping, wait_pong, wait_ping, pong};
static void bm_sem_pingpong(tlb_state *st) { bm_pingpong_run(st, &pp); }

static const struct bm_wake_ops wk = {pp_init, pp_destroy, wait_ping, ping, NULL};
static void bm_sem_wake_latency(tlb_state *st) { bm_wake_run(st, &wk); }

TLB_REGISTER(sem_native)
{
	bm_lock_register(&bm_lock_fns_sem, "sem", NULL, BM_LOCK_LIGHT);
	bm_pingpong_register("sem/pingpong", NULL, bm_sem_pingpong);
	bm_wake_register("sem/wake_latency", NULL, bm_sem_wake_latency);
}
