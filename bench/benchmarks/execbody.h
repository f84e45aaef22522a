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
 * The benchmark thread is unbound for these rows (pool workers and
 * children inherit their creator's binding, and a pool pinned to one CPU
 * measures nothing useful): everything floats over the allowed CPUs.
 */
#ifndef BM_EXECBODY_H
#define BM_EXECBODY_H

#include "common.h"

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

/* Registers <prim>/submit_result, /throughput and (if map) /map, default and
 * quick, each with baseline "<baseline>/<variant>" (baseline may be NULL);
 * the fns are small wrappers calling the bodies above. pool: throughput and
 * map run BM_EXEC_TASKS tasks per iteration (else GB calibrates). */
#define BM_EXEC_TASKS 100000
void bm_exec_register(const char *prim, const char *baseline, tlb_fn roundtrip, tlb_fn throughput, tlb_fn map,
		      bool pool);

/* Completion count for baselines without futures: add one per finished
 * task, wait until the count reaches a target (spin briefly, then futex). */
typedef struct bm_count {
	_Alignas(BM_CACHELINE) _Atomic uint32_t n;
	_Alignas(BM_CACHELINE) _Atomic uint32_t sleeping;
} bm_count;
void bm_count_add(bm_count *c);
void bm_count_wait(bm_count *c, uint32_t target);

#endif
