/* queuebody.c — registration and checks of the shared queue bodies. */
#include "queuebody.h"

#include <pthread.h>
#include <sched.h>

struct bm_queue_shared bm_qsh;

uint64_t bm_queue_expected_sum(uint64_t n, unsigned producers)
{
	uint64_t s = 0;
	for (unsigned i = 0; i < producers; i++) {
		uint64_t k = bm_share(n, producers, i);
		s += k * ((uint64_t)i << 40) + k * (k + 1) / 2;
	}
	return s;
}

static void named(char *buf, size_t len, const char *name, const char *variant)
{
	snprintf(buf, len, "%s/%s", name, variant);
}

/* One registration of a pattern over (kind, cap) tuples. */
static void reg(const char *name, const char *variant, const char *baseline, tlb_fn fn, int threads,
		const int64_t (*tuples)[2], int ntuples, bool quick)
{
	static const char *const argn[] = {"kind", "cap"};
	char n[128], b[128];
	if (ntuples == 0)
		return;
	named(n, sizeof n, name, variant);
	tlb_bench *x = tlb_register(n, fn);
	if (quick)
		tlb_quick_only(x);
	else
		tlb_skip_quick(x);
	if (baseline) {
		named(b, sizeof b, baseline, variant);
		tlb_baseline(x, b);
	}
	tlb_arg_names(x, argn, 2);
	for (int i = 0; i < ntuples; i++)
		tlb_args(x, tuples[i], 2);
	tlb_threads(x, threads);
	tlb_manual_time(x);
	tlb_min_time(x, bm_queue_min_time(threads));
}

void bm_queue_register(const char *name, const char *baseline, tlb_fn put_get, tlb_fn spsc, tlb_fn mpsc,
		       tlb_fn mpmc, const int64_t *kinds, int nkinds, const int64_t *caps, int ncaps)
{
	char n[128], b[128];
	static const char *const kn[] = {"kind"};
	tlb_bench *full, *quick;
	named(n, sizeof n, name, "put_get");
	bm_reg2(n, put_get, &full, &quick);
	tlb_bench *both[] = {full, quick};
	for (int i = 0; i < 2; i++) {
		tlb_arg_names(both[i], kn, 1);
		for (int k = 0; k < nkinds; k++)
			tlb_args(both[i], &kinds[k], 1);
		tlb_real_time(both[i]);
		tlb_epochs(both[i]); /* one thread: median-epoch timing */
		if (baseline) {
			named(b, sizeof b, baseline, "put_get");
			tlb_baseline(both[i], b);
		}
	}
	/* default: every kind x capacity */
	int64_t all[16][2];
	int na = 0;
	for (int k = 0; k < nkinds; k++)
		for (int c = 0; c < ncaps && na < 16; c++) {
			all[na][0] = kinds[k];
			all[na][1] = caps[c];
			na++;
		}
	reg(name, "spsc", baseline, spsc, 2, (const int64_t(*)[2])all, na, false);
	reg(name, "mpsc", baseline, mpsc, 4, (const int64_t(*)[2])all, na, false);
	reg(name, "mpmc", baseline, mpmc, 4, (const int64_t(*)[2])all, na, false);
	/* quick: fifo at 1024 and unbounded (spsc, mpmc), lifo/prio at 64 (mpmc) */
	int64_t q[4][2];
	int nq = 0;
	for (int k = 0; k < nkinds; k++)
		for (int c = 0; c < ncaps; c++) {
			bool pick = kinds[k] == BM_FIFO ? (caps[c] == 1024 || caps[c] == 0) : caps[c] == 64;
			if (pick && nq < 4) {
				q[nq][0] = kinds[k];
				q[nq][1] = caps[c];
				nq++;
			}
		}
	int nfifo = 0;
	while (nfifo < nq && q[nfifo][0] == BM_FIFO)
		nfifo++;
	reg(name, "spsc", baseline, spsc, 2, (const int64_t(*)[2])q, nfifo, true);
	reg(name, "mpmc", baseline, mpmc, 4, (const int64_t(*)[2])q, nq, true);
}

void bm_queue_register_peer(const char *name, const char *baseline, tlb_fn put_get, tlb_fn spsc, tlb_fn mpmc,
			    const int64_t *caps, int ncaps, bool spsc_only)
{
	char n[128], b[128];
	static const char *const kn[] = {"kind"};
	static const int64_t fifo = BM_FIFO;
	tlb_bench *full, *quick;
	named(n, sizeof n, name, "put_get");
	bm_reg2(n, put_get, &full, &quick);
	tlb_bench *both[] = {full, quick};
	for (int i = 0; i < 2; i++) {
		tlb_arg_names(both[i], kn, 1);
		tlb_args(both[i], &fifo, 1);
		tlb_real_time(both[i]);
		tlb_epochs(both[i]);
		if (baseline) {
			named(b, sizeof b, baseline, "put_get");
			tlb_baseline(both[i], b);
		}
	}
	int64_t t[4][2];
	int nt = 0;
	for (int c = 0; c < ncaps && nt < 4; c++, nt++) {
		t[nt][0] = BM_FIFO;
		t[nt][1] = caps[c];
	}
	reg(name, "spsc", baseline, spsc, 2, (const int64_t(*)[2])t, nt, false);
	if (!spsc_only)
		reg(name, "mpmc", baseline, mpmc, 4, (const int64_t(*)[2])t, nt, false);
}

/* ---- <q>/idle: one getter blocked on the empty queue (idle.c) ---- */
#define IDLE_WARM 1000
#define IDLE_STOP ((void *)~(uintptr_t)0)

struct idle_getter {
	void *(*get)(void);
	_Atomic uint64_t got;
};

static void *idle_getter_main(void *arg)
{
	struct idle_getter *g = arg;
	while (g->get() != IDLE_STOP)
		atomic_fetch_add_explicit(&g->got, 1, memory_order_release);
	return NULL;
}

void bm_queue_idle_run(tlb_state *st, int (*init)(int, long), void (*destroy)(void), void (*put)(void *, int64_t),
		   void *(*get)(void))
{
	static struct idle_getter g;
	pthread_t t;
	if (init(0, 0) < 0) {
		tlb_skip(st, "queue kind not supported");
		return;
	}
	g.get = get;
	atomic_store(&g.got, 0);
	if (pthread_create(&t, NULL, idle_getter_main, &g) != 0) {
		destroy();
		tlb_skip(st, "cannot start the getter thread");
		return;
	}
	/* Warm the getter's path (and any spin-then-sleep learning), then let
	 * it find the queue empty: the window measures how it waits. */
	for (uintptr_t i = 1; i <= IDLE_WARM; i++)
		put((void *)i, 0);
	while (atomic_load_explicit(&g.got, memory_order_acquire) < IDLE_WARM)
		sched_yield();
	bm_idle_measure(st);
	put(IDLE_STOP, 0);
	pthread_join(t, NULL);
	destroy();
}
