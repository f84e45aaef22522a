/* condition.c — threading.Condition (tl_cond) over a Lock, as the CPython
 * peer uses it (Condition(Lock())):
 *   condition/notify_empty   notify() with the lock held and no waiter;
 *                            baseline pthread_cond_signal under its mutex
 *   condition/pingpong       one Condition, a turn variable: set the turn +
 *                            notify, wait until it is ours; baseline the raw
 *                            futex ping-pong (pthread_cond/gcond rows exist
 *                            too, cond_native.c)
 *   condition/wake_latency   notify to the waiter running; baseline
 *                            pthread_cond
 */
#include "common.h"

#include "threadlab/condition.h"

static struct {
	_Alignas(BM_CACHELINE) tl_lock_t lock;
	_Alignas(BM_CACHELINE) tl_cond_t c;
	_Alignas(BM_CACHELINE) int turn; /* guarded by lock */
} s;

static void c_init(void)
{
	tl_lock_init(&s.lock, TL_PRIVATE);
	tl_cond_init(&s.c, TL_PRIVATE, TL_COND_LOCK, &s.lock);
	s.turn = 0;
}

static void c_destroy(void)
{
	tl_cond_destroy(&s.c);
	tl_lock_destroy(&s.lock);
}

static void bm_notify_empty(tlb_state *st)
{
	c_init();
	tl_cond_acquire(&s.c, true, TL_FOREVER);
	for (int64_t n; (n = tlb_batch(st)) > 0;)
		for (int64_t i = 0; i < n; i++)
			tl_cond_notify(&s.c, 1);
	tl_cond_release(&s.c);
	c_destroy();
}

static inline void go(int turn)
{
	tl_cond_acquire(&s.c, true, TL_FOREVER);
	s.turn = turn;
	tl_cond_notify(&s.c, 1);
	tl_cond_release(&s.c);
}

static inline void await(int turn)
{
	tl_cond_acquire(&s.c, true, TL_FOREVER);
	while (s.turn != turn)
		tl_cond_wait(&s.c, TL_FOREVER);
	tl_cond_release(&s.c);
}

static void ping(void) { go(1); }
static void wait_ping(void) { await(1); }
static void pong(void) { go(2); }
static void wait_pong(void) { await(2); }
static const struct bm_pingpong_ops pp = {c_init, c_destroy, ping, wait_pong, wait_ping, pong};
static void bm_pingpong(tlb_state *st) { bm_pingpong_run(st, &pp); }

/* wake latency: the waiter waits for turn 1 and resets it to 0 */
static void wk_wait(void)
{
	await(1);
	tl_cond_acquire(&s.c, true, TL_FOREVER);
	s.turn = 0;
	tl_cond_release(&s.c);
}
static const struct bm_wake_ops wk = {c_init, c_destroy, wk_wait, ping, NULL};
static void bm_wake_latency(tlb_state *st) { bm_wake_run(st, &wk); }

TLB_REGISTER(condition)
{
	tlb_bench *b[2];
	bm_reg2("condition/notify_empty", bm_notify_empty, &b[0], &b[1]);
	for (int i = 0; i < 2; i++) {
		tlb_real_time(b[i]);
		tlb_epochs(b[i]);
		tlb_baseline(b[i], "pthread_cond/notify_empty");
	}
	bm_pingpong_register("condition/pingpong", "futex/pingpong", bm_pingpong);
	bm_wake_register("condition/wake_latency", "pthread_cond/wake_latency", bm_wake_latency);
}
