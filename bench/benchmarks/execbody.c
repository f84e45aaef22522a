/* execbody.c — the shared executor bodies (execbody.h). */
#include "execbody.h"

#include "pin.h"
#include "threadlab/common.h"

#include <stdio.h>

static bool setup(tlb_state *st, const struct bm_exec_ops *o, int workers)
{
	int rc = tlb_pin_unbind_self();
	if (rc < 0) {
		tlb_skip(st, "cannot unbind the benchmark thread");
		return false;
	}
	rc = o->create(workers);
	if (rc < 0) {
		char msg[96];
		snprintf(msg, sizeof msg, "creating the executor failed: %s", tl_strerror(rc));
		tlb_skip(st, msg);
		return false;
	}
	return true;
}

static void fail(tlb_state *st, const struct bm_exec_ops *o, int rc)
{
	char msg[96];
	snprintf(msg, sizeof msg, "task failed or gave a wrong result: %s", tl_strerror(rc));
	o->destroy();
	tlb_skip(st, msg);
}

void bm_exec_roundtrip(tlb_state *st, const struct bm_exec_ops *o)
{
	if (!setup(st, o, 1))
		return;
	/* the worker is started outside the timed loop, as in the CPython peer */
	int rc = o->roundtrip();
	if (rc < 0) {
		fail(st, o, rc);
		return;
	}
	for (int64_t n; (n = tlb_batch(st)) > 0;)
		for (int64_t i = 0; i < n; i++)
			if ((rc = o->roundtrip()) < 0) {
				fail(st, o, rc);
				return;
			}
	o->destroy();
}

static void many(tlb_state *st, const struct bm_exec_ops *o, int (*fn)(int64_t))
{
	if (!setup(st, o, tlb_pin_allowed_count()))
		return;
	int64_t total = 0;
	uint64_t t0 = bm_now_ns();
	for (int64_t n; (n = tlb_batch(st)) > 0;) {
		t0 = bm_now_ns();
		int rc = fn(n);
		if (rc < 0) {
			fail(st, o, rc);
			return;
		}
		total += n;
	}
	uint64_t dt = bm_now_ns() - t0;
	tlb_counter(st, "throughput", dt ? (double)total * 1e9 / (double)dt : 0, TLB_COUNTER_PLAIN);
	o->destroy();
}

void bm_exec_throughput(tlb_state *st, const struct bm_exec_ops *o) { many(st, o, o->batch); }

/* Warm every worker (a few tasks per worker, all results checked), then
 * measure the idle window (idle.c). */
void bm_exec_idle(tlb_state *st, const struct bm_exec_ops *o)
{
	int workers = tlb_pin_allowed_count();
	if (!setup(st, o, workers))
		return;
	int rc = o->batch(16 * (int64_t)workers);
	if (rc < 0) {
		fail(st, o, rc);
		return;
	}
	bm_idle_measure(st);
	o->destroy();
}
void bm_exec_map(tlb_state *st, const struct bm_exec_ops *o) { many(st, o, o->map); }

static void reg(const char *prim, const char *variant, const char *baseline, tlb_fn fn, bool fixed)
{
	char name[96], base[96];
	tlb_bench *b[2];
	snprintf(name, sizeof name, "%s/%s", prim, variant);
	bm_reg2(name, fn, &b[0], &b[1]);
	for (int i = 0; i < 2; i++) {
		tlb_real_time(b[i]);
		if (fixed)
			tlb_iterations(b[i], i == 0 ? BM_EXEC_TASKS : BM_EXEC_TASKS / 10);
		if (baseline) {
			snprintf(base, sizeof base, "%s/%s", baseline, variant);
			tlb_baseline(b[i], base);
		}
	}
}

void bm_exec_register(const char *prim, const char *baseline, tlb_fn roundtrip, tlb_fn throughput, tlb_fn map,
		      bool pool)
{
	reg(prim, "submit_result", baseline, roundtrip, false);
	reg(prim, "throughput", baseline, throughput, pool);
	if (map)
		reg(prim, "map", baseline, map, pool);
}

int bm_exec_groups(int64_t n, int max, int (*group)(void *ctx, int64_t first, int k), void *ctx)
{
	for (int64_t done = 0; done < n;) {
		int k = n - done < max ? (int)(n - done) : max;
		int rc = group(ctx, done, k);
		if (rc < 0)
			return rc;
		done += k;
	}
	return 0;
}

int bm_exec_future_roundtrip(const struct bm_future_ops *o)
{
	tl_future_t *f;
	int rc = o->submit(41, &f);
	if (rc < 0)
		return rc;
	rc = o->check(f, 42);
	tl_future_unref(f);
	return rc;
}

static tl_future_t *futs[BM_EXEC_CHUNK];

static int future_group(void *ctx, int64_t first, int k)
{
	const struct bm_future_ops *o = ctx;
	int rc = 0, i = 0, bad = 0;
	for (; i < k; i++)
		if ((rc = o->submit((uint64_t)(first + i), &futs[i])) < 0)
			break;
	for (int j = 0; j < i; j++) {
		bad |= o->check(futs[j], (uint64_t)(first + j) + 1) != 0;
		tl_future_unref(futs[j]);
	}
	if (rc < 0)
		return rc;
	return bad ? TL_EINVAL : 0;
}

int bm_exec_future_batch(const struct bm_future_ops *o, int64_t n)
{
	return bm_exec_groups(n, BM_EXEC_CHUNK, future_group, (void *)o);
}

void bm_count_add(bm_count *c)
{
	atomic_fetch_add_explicit(&c->n, 1, memory_order_seq_cst); /* store-load vs sleeping: seq_cst */
	if (atomic_load_explicit(&c->sleeping, memory_order_seq_cst))
		bm_futex_wake(&c->n, 1);
}

void bm_count_wait(bm_count *c, uint32_t target)
{
	for (int i = 0; i < 1000; i++) {
		if (atomic_load_explicit(&c->n, memory_order_acquire) >= target)
			return;
		bm_cpu_relax();
	}
	atomic_store_explicit(&c->sleeping, 1, memory_order_seq_cst);
	for (uint32_t v; (v = atomic_load_explicit(&c->n, memory_order_seq_cst)) < target;)
		bm_futex_wait(&c->n, v);
	atomic_store_explicit(&c->sleeping, 0, memory_order_relaxed);
}
