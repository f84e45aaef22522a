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

static tl_executor_t *ex;
static void *args[BM_EXEC_CHUNK], *results[BM_EXEC_CHUNK];

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

static int x_submit(uint64_t arg, tl_future_t **f)
{
	return tl_executor_submit(ex, task, (void *)(uintptr_t)arg, f);
}

static int x_check(tl_future_t *f, uint64_t want)
{
	void *r = NULL;
	int rc = tl_future_result(f, TL_FOREVER, &r);
	return rc < 0 ? rc : (uintptr_t)r == want ? 0 : TL_EINVAL;
}

static const struct bm_future_ops fops = {x_submit, x_check};
static int x_roundtrip(void) { return bm_exec_future_roundtrip(&fops); }
static int x_batch(int64_t n) { return bm_exec_future_batch(&fops, n); }

static int map_group(void *ctx, int64_t first, int k)
{
	(void)ctx;
	for (int i = 0; i < k; i++)
		args[i] = (void *)(uintptr_t)(first + i);
	tl_map_info_t info;
	int rc = tl_executor_map(ex, task, args, (size_t)k, results, TL_FOREVER, 1, &info);
	if (rc < 0)
		return rc;
	for (int i = 0; i < k; i++)
		if ((uintptr_t)results[i] != (uintptr_t)(first + i) + 1)
			return TL_EINVAL;
	return 0;
}

static int x_map(int64_t n) { return bm_exec_groups(n, BM_EXEC_CHUNK, map_group, NULL); }

static const struct bm_exec_ops ops = {x_create, x_destroy, x_roundtrip, x_batch, x_map};
BM_EXEC_FNS(x, ops)

TLB_REGISTER(executor)
{
	bm_exec_register("executor", "gthreadpool", x_bm_rt, x_bm_tp, x_bm_map, true);
	bm_idle_register("executor/idle", "gthreadpool/idle", x_bm_idle);
}
