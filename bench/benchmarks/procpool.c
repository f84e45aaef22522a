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

#define CHUNK 65536

static tl_procpool_t *pp;
static tl_future_t *futs[CHUNK];
static uint64_t argv_[CHUNK];
static const void *args[CHUNK];
static size_t lens[CHUNK], rlens[CHUNK];
static void *results[CHUNK];

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

static bool value_is(tl_future_t *f, uint64_t want)
{
	const void *r;
	size_t len;
	uint64_t v;
	if (tl_future_result_bytes(f, TL_FOREVER, &r, &len) != 0 || len != sizeof v)
		return false;
	memcpy(&v, r, sizeof v);
	return v == want;
}

static int p_roundtrip(void)
{
	tl_future_t *f;
	uint64_t a = 41;
	int rc = tl_procpool_submit(pp, task, &a, sizeof a, &f);
	if (rc < 0)
		return rc;
	bool ok = value_is(f, 42);
	tl_future_release(f);
	return ok ? 0 : TL_EINVAL;
}

static int p_batch(int64_t n)
{
	for (int64_t done = 0; done < n;) {
		int k = n - done < CHUNK ? (int)(n - done) : CHUNK;
		int rc = 0, i = 0, bad = 0;
		for (; i < k; i++) {
			uint64_t a = (uint64_t)(done + i);
			if ((rc = tl_procpool_submit(pp, task, &a, sizeof a, &futs[i])) < 0)
				break;
		}
		for (int j = 0; j < i; j++) {
			bad |= !value_is(futs[j], (uint64_t)(done + j) + 1);
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

static int p_map(int64_t n)
{
	for (int64_t done = 0; done < n;) {
		int k = n - done < CHUNK ? (int)(n - done) : CHUNK;
		for (int i = 0; i < k; i++) {
			argv_[i] = (uint64_t)(done + i);
			args[i] = &argv_[i];
			lens[i] = sizeof argv_[i];
		}
		tl_map_info_t info = {0, 0};
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
		if (bad)
			return TL_EINVAL;
		done += k;
	}
	return 0;
}

static const struct bm_exec_ops ops = {p_create, p_destroy, p_roundtrip, p_batch, p_map};
static void bm_rt(tlb_state *st) { bm_exec_roundtrip(st, &ops); }
static void bm_tp(tlb_state *st) { bm_exec_throughput(st, &ops); }
static void bm_map(tlb_state *st) { bm_exec_map(st, &ops); }

TLB_REGISTER(procpool)
{
	bm_exec_register("processpool", "fork_per_task", bm_rt, bm_tp, bm_map, true);
}
