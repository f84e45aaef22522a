/* execbody.h — one body for every way of running tasks: our thread and
 * process pools, GThreadPool, a thread per task, a process per task.
 * An implementation supplies struct bm_exec_ops; the bodies are:
 *   <x>/submit_result   submit one trivial task and wait for its result
 *                       (one iteration); pools made with 1 worker, as the
 *                       CPython peer does
 *   <x>/throughput      n trivial tasks submitted back to back, then all
 *                       results waited for; real_ns is time per task,
 *                       counter throughput = tasks/s. Pools: n = 100k
 *                       (--quick 10k), one worker per allowed CPU; a
 *                       thread / process per task: n calibrated by GB
 *                       (100k forks would take minutes)
 *   <x>/map             map over range(n) (results in order), as throughput
 * The trivial task returns its argument + 1; every result is checked.
 * Helpers for the ops: bm_exec_groups (n tasks in groups of a bounded
 * size), and for our pools, whose tasks give futures, the roundtrip and
 * batch ops themselves (bm_exec_future_*).
 * The benchmark thread is unbound for these rows (pool workers and
 * children inherit their creator's binding, and a pool pinned to one CPU
 * measures nothing useful): everything floats over the allowed CPUs.
 */
#ifndef BM_EXECBODY_H
#define BM_EXECBODY_H

#include "common.h"

#include "threadlab/future.h"

struct bm_exec_ops {
	int (*create)(int workers); /* 0 or a negative code */
	void (*destroy)(void);
	int (*roundtrip)(void);      /* 0, or < 0 if the result was wrong/failed */
	int (*batch)(int64_t n);     /* n tasks, all results checked */
	int (*map)(int64_t n);       /* NULL: no map */
};

void bm_exec_roundtrip(tlb_state *st, const struct bm_exec_ops *o);
void bm_exec_throughput(tlb_state *st, const struct bm_exec_ops *o);
void bm_exec_map(tlb_state *st, const struct bm_exec_ops *o);
/* <x>/idle (idle.c): a pool of one worker per allowed CPU, warmed by a
 * batch of tasks, then the CPU its threads burn in an idle window. */
void bm_exec_idle(tlb_state *st, const struct bm_exec_ops *o);

/* The tlb_fns running the bodies above with ops (a struct bm_exec_ops):
 * p##_bm_rt, p##_bm_tp and p##_bm_map, for bm_exec_register (a pool
 * without map leaves p##_bm_map unused), and p##_bm_idle for
 * bm_idle_register("<x>/idle", ...). */
#define BM_EXEC_FNS(p, ops)                                                                             \
	static __attribute__((unused)) void p##_bm_rt(tlb_state *st) { bm_exec_roundtrip(st, &(ops)); } \
	static __attribute__((unused)) void p##_bm_tp(tlb_state *st) { bm_exec_throughput(st, &(ops)); } \
	static __attribute__((unused)) void p##_bm_map(tlb_state *st) { bm_exec_map(st, &(ops)); }   \
	static __attribute__((unused)) void p##_bm_idle(tlb_state *st) { bm_exec_idle(st, &(ops)); }

/* Registers <prim>/submit_result, /throughput and (if map) /map, default and
 * quick, each with baseline "<baseline>/<variant>" (baseline may be NULL);
 * the fns are small wrappers calling the bodies above. pool: throughput and
 * map run BM_EXEC_TASKS tasks per iteration (else GB calibrates). */
#define BM_EXEC_TASKS 100000
void bm_exec_register(const char *prim, const char *baseline, tlb_fn roundtrip, tlb_fn throughput, tlb_fn map,
		      bool pool);

/* Run n tasks as consecutive groups of at most max: group(ctx, first, k)
 * runs tasks first..first+k-1 (task i's argument is i) and checks their
 * results, 0 or a negative code; the first negative code stops the run. */
int bm_exec_groups(int64_t n, int max, int (*group)(void *ctx, int64_t first, int k), void *ctx);

/* Pools with futures (ours): submit the trivial task with argument arg
 * (0 or < 0); check that f holds want, 0 or < 0 (TL_EINVAL if the value is
 * wrong). */
struct bm_future_ops {
	int (*submit)(uint64_t arg, tl_future_t **f);
	int (*check)(tl_future_t *f, uint64_t want);
};

/* One task (argument 41), its result checked; the roundtrip op. */
int bm_exec_future_roundtrip(const struct bm_future_ops *o);

/* n tasks: in groups of BM_EXEC_CHUNK, every one submitted (futures kept),
 * then every result checked in order; the batch op. */
#define BM_EXEC_CHUNK 65536
int bm_exec_future_batch(const struct bm_future_ops *o, int64_t n);

/* Completion count for baselines without futures: add one per finished
 * task, wait until the count reaches a target (spin briefly, then futex). */
typedef struct bm_count {
	_Alignas(BM_CACHELINE) _Atomic uint32_t n;
	_Alignas(BM_CACHELINE) _Atomic uint32_t sleeping;
} bm_count;
void bm_count_add(bm_count *c);
void bm_count_wait(bm_count *c, uint32_t target);

#endif
