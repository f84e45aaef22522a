/* cond_native.c — pthread_cond_t (with a pthread_mutex_t) and GLib's GCond
 * (with a GMutex), the same three bodies as condition.c:
 *   pthread_cond/notify_empty, pthread_cond/pingpong, pthread_cond/wake_latency
 *   gcond/notify_empty, gcond/pingpong, gcond/wake_latency   (BM_GLIB, common.h)
 * Their ping-pong rows name the raw futex ping-pong as baseline too, so a
 * plot shows all condition variables against the same floor.
 */
#include "common.h"

#include <pthread.h>
#include <stdio.h>
#ifdef BM_GLIB
#include <glib.h>
#endif

/* One adapter per condvar: lock, unlock, wait, signal over static objects. */
#define BM_COND_ADAPTER(tag, INIT, DESTROY, LOCK, UNLOCK, WAIT, SIGNAL)                   \
	static int tag##_turn;                                                             \
	static void tag##_init(void)                                                       \
	{                                                                                  \
		INIT;                                                                      \
		tag##_turn = 0;                                                            \
	}                                                                                  \
	static void tag##_destroy(void) { DESTROY; }                                       \
	static void tag##_notify_empty(tlb_state *st)                                      \
	{                                                                                  \
		tag##_init();                                                              \
		LOCK;                                                                      \
		for (int64_t n; (n = tlb_batch(st)) > 0;)                                  \
			for (int64_t i = 0; i < n; i++)                                    \
				SIGNAL;                                                    \
		UNLOCK;                                                                    \
		tag##_destroy();                                                           \
	}                                                                                  \
	static void tag##_go(int t)                                                        \
	{                                                                                  \
		LOCK;                                                                      \
		tag##_turn = t;                                                            \
		SIGNAL;                                                                    \
		UNLOCK;                                                                    \
	}                                                                                  \
	static void tag##_await(int t)                                                     \
	{                                                                                  \
		LOCK;                                                                      \
		while (tag##_turn != t)                                                    \
			WAIT;                                                              \
		UNLOCK;                                                                    \
	}                                                                                  \
	static void tag##_ping(void) { tag##_go(1); }                                      \
	static void tag##_pong(void) { tag##_go(2); }                                      \
	static void tag##_wait_ping(void) { tag##_await(1); }                              \
	static void tag##_wait_pong(void) { tag##_await(2); }                              \
	static void tag##_wk_wait(void)                                                    \
	{                                                                                  \
		LOCK;                                                                      \
		while (tag##_turn != 1)                                                    \
			WAIT;                                                              \
		tag##_turn = 0;                                                            \
		UNLOCK;                                                                    \
	}                                                                                  \
	static const struct bm_pingpong_ops tag##_pp = {tag##_init,      tag##_destroy,   \
							tag##_ping,      tag##_wait_pong, \
							tag##_wait_ping, tag##_pong};     \
	static void tag##_pingpong(tlb_state *st) { bm_pingpong_run(st, &tag##_pp); }      \
	static const struct bm_wake_ops tag##_wk = {tag##_init, tag##_destroy, tag##_wk_wait, \
						    tag##_ping, NULL};                      \
	static void tag##_wake_latency(tlb_state *st) { bm_wake_run(st, &tag##_wk); }

static struct {
	_Alignas(BM_CACHELINE) pthread_mutex_t m;
	_Alignas(BM_CACHELINE) pthread_cond_t c;
} pc;

BM_COND_ADAPTER(pcond, (pthread_mutex_init(&pc.m, NULL), pthread_cond_init(&pc.c, NULL)),
		(pthread_cond_destroy(&pc.c), pthread_mutex_destroy(&pc.m)), pthread_mutex_lock(&pc.m),
		pthread_mutex_unlock(&pc.m), pthread_cond_wait(&pc.c, &pc.m), pthread_cond_signal(&pc.c))

#ifdef BM_GLIB
static struct {
	_Alignas(BM_CACHELINE) GMutex m;
	_Alignas(BM_CACHELINE) GCond c;
} gc;

BM_COND_ADAPTER(gcond, (g_mutex_init(&gc.m), g_cond_init(&gc.c)), (g_cond_clear(&gc.c), g_mutex_clear(&gc.m)),
		g_mutex_lock(&gc.m), g_mutex_unlock(&gc.m), g_cond_wait(&gc.c, &gc.m), g_cond_signal(&gc.c))
#endif

static void reg_all(const char *prim, tlb_fn notify_empty, tlb_fn pingpong, tlb_fn wake)
{
	char name[96];
	tlb_bench *b[2];
	snprintf(name, sizeof name, "%s/notify_empty", prim);
	bm_reg2(name, notify_empty, &b[0], &b[1]);
	for (int i = 0; i < 2; i++) {
		tlb_real_time(b[i]);
		tlb_epochs(b[i]);
	}
	snprintf(name, sizeof name, "%s/pingpong", prim);
	bm_pingpong_register(name, "futex/pingpong", pingpong);
	snprintf(name, sizeof name, "%s/wake_latency", prim);
	bm_wake_register(name, "futex/wake_latency", wake);
}

TLB_REGISTER(cond_native)
{
	reg_all("pthread_cond", pcond_notify_empty, pcond_pingpong, pcond_wake_latency);
#ifdef BM_GLIB
	reg_all("gcond", gcond_notify_empty, gcond_pingpong, gcond_wake_latency);
#endif
}
