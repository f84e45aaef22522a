/* procpool.c — concurrent.futures.ProcessPoolExecutor (tl_procpool) through
 * the shared executor bodies (execbody.h); baseline a fork per task
 * (exec_native.c):
 *   processpool/submit_result   submit + result_bytes of a trivial task
 *                               (8-byte argument and result), 1 worker
 *   processpool/throughput      n tasks back to back (futures in chunks of
 *                               64k), then every result; a worker per
 *                               allowed CPU
 *   processpool/map             tl_procpool_map over range(n), chunksize 1
 *                               (Python's default), chunks of 64k items
 */
#include "execbody.h"

#include "threadlab/procpool.h"

#include <stdlib.h>
#include <string.h>

static tl_procpool_t *pp;
static uint64_t argv_[BM_EXEC_CHUNK];
static const void *args[BM_EXEC_CHUNK];
static size_t lens[BM_EXEC_CHUNK], rlens[BM_EXEC_CHUNK];
static void *results[BM_EXEC_CHUNK];

/* In the worker: result = argument + 1. */
static int task(const void *arg, size_t len, void **out, size_t *out_len)
{
	uint64_t v;
	if (len != sizeof v)
		return 1;
	memcpy(&v, arg, sizeof v);
	v++;
	if (!(*out = malloc(sizeof v)))
		return 2;
	memcpy(*out, &v, sizeof v);
	*out_len = sizeof v;
	return 0;
}

static int p_create(int workers)
{
	tl_procpool_opts_t o = {.max_workers = workers};
	return tl_procpool_create(&pp, &o);
}

static void p_destroy(void)
{
	tl_procpool_destroy(pp);
	pp = NULL;
}

static int p_submit(uint64_t arg, tl_future_t **f)
{
	return tl_procpool_submit(pp, task, &arg, sizeof arg, f);
}

/* Any failure (the result's or a wrong value) is TL_EINVAL. */
static int p_check(tl_future_t *f, uint64_t want)
{
	const void *r;
	size_t len;
	uint64_t v;
	if (tl_future_result_bytes(f, TL_FOREVER, &r, &len) != 0 || len != sizeof v)
		return TL_EINVAL;
	memcpy(&v, r, sizeof v);
	return v == want ? 0 : TL_EINVAL;
}

static const struct bm_future_ops fops = {p_submit, p_check};
static int p_roundtrip(void) { return bm_exec_future_roundtrip(&fops); }
static int p_batch(int64_t n) { return bm_exec_future_batch(&fops, n); }

static int map_group(void *ctx, int64_t first, int k)
{
	(void)ctx;
	for (int i = 0; i < k; i++) {
		argv_[i] = (uint64_t)(first + i);
		args[i] = &argv_[i];
		lens[i] = sizeof argv_[i];
	}
	tl_map_info_t info = {0};
	int rc = tl_procpool_map(pp, task, args, lens, (size_t)k, results, rlens, TL_FOREVER, 1, &info);
	int bad = 0;
	for (size_t i = 0; i < info.completed; i++) {
		uint64_t v = 0;
		if (rlens[i] == sizeof v)
			memcpy(&v, results[i], sizeof v);
		bad |= v != argv_[i] + 1;
		free(results[i]);
	}
	if (rc < 0)
		return rc;
	return bad ? TL_EINVAL : 0;
}

static int p_map(int64_t n) { return bm_exec_groups(n, BM_EXEC_CHUNK, map_group, NULL); }

static const struct bm_exec_ops ops = {p_create, p_destroy, p_roundtrip, p_batch, p_map};
BM_EXEC_FNS(p, ops)

TLB_REGISTER(procpool)
{
	bm_exec_register("processpool", "fork_per_task", p_bm_rt, p_bm_tp, p_bm_map, true);
}
