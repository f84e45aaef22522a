/* executor.c — concurrent.futures.ThreadPoolExecutor (tl_executor) through
 * the shared executor bodies (execbody.h):
 *   executor/submit_result   submit + result of a trivial task, 1 worker;
 *                            baseline GThreadPool (exec_native.c)
 *   executor/throughput      n trivial tasks back to back (futures kept in
 *                            chunks of 64k), then every result; workers =
 *                            allowed CPUs
 *   executor/map             tl_executor_map over range(n) (chunks of 64k
 *                            items, chunksize 1 as Python's thread map)
 */
#include "execbody.h"

#include "threadlab/executor.h"

#include <stdlib.h>

#define CHUNK 65536

static tl_executor_t *ex;
static tl_future_t *futs[CHUNK];
static void *args[CHUNK], *results[CHUNK];

static int task(void *arg, void **result)
{
	*result = (void *)((uintptr_t)arg + 1);
	return 0;
}

static int x_create(int workers)
{
	tl_executor_opts_t o = {.max_workers = workers, .thread_name_prefix = "bench"};
	return tl_executor_create(&ex, &o);
}

static void x_destroy(void)
{
	tl_executor_destroy(ex);
	ex = NULL;
}

static int x_roundtrip(void)
{
	tl_future_t *f;
	void *r = NULL;
	int rc = tl_executor_submit(ex, task, (void *)41, &f);
	if (rc < 0)
		return rc;
	rc = tl_future_result(f, TL_FOREVER, &r);
	tl_future_release(f);
	return rc < 0 ? rc : (uintptr_t)r == 42 ? 0 : TL_EINVAL;
}

static int x_batch(int64_t n)
{
	for (int64_t done = 0; done < n;) {
		int k = n - done < CHUNK ? (int)(n - done) : CHUNK;
		int rc = 0, bad = 0;
		int i = 0;
		for (; i < k; i++)
			if ((rc = tl_executor_submit(ex, task, (void *)(uintptr_t)(done + i), &futs[i])) < 0)
				break;
		for (int j = 0; j < i; j++) {
			void *r = NULL;
			bad |= tl_future_result(futs[j], TL_FOREVER, &r) != 0 || (uintptr_t)r != (uintptr_t)(done + j) + 1;
			tl_future_release(futs[j]);
		}
		if (rc < 0)
			return rc;
		if (bad)
			return TL_EINVAL;
		done += k;
	}
	return 0;
}

static int x_map(int64_t n)
{
	for (int64_t done = 0; done < n;) {
		int k = n - done < CHUNK ? (int)(n - done) : CHUNK;
		for (int i = 0; i < k; i++)
			args[i] = (void *)(uintptr_t)(done + i);
		tl_map_info_t info;
		int rc = tl_executor_map(ex, task, args, (size_t)k, results, TL_FOREVER, 1, &info);
		if (rc < 0)
			return rc;
		for (int i = 0; i < k; i++)
			if ((uintptr_t)results[i] != (uintptr_t)(done + i) + 1)
				return TL_EINVAL;
		done += k;
	}
	return 0;
}

static const struct bm_exec_ops ops = {x_create, x_destroy, x_roundtrip, x_batch, x_map};
static void bm_rt(tlb_state *st) { bm_exec_roundtrip(st, &ops); }
static void bm_tp(tlb_state *st) { bm_exec_throughput(st, &ops); }
static void bm_map(tlb_state *st) { bm_exec_map(st, &ops); }

TLB_REGISTER(executor)
{
	bm_exec_register("executor", "gthreadpool", bm_rt, bm_tp, bm_map, true);
}
