/* workload_bench.h — what a Google Benchmark row of a workload case shares
 * (workload_bench.c's rows, bench/peers/lesson.c's peer-lock rows): the
 * case's first TLW_BENCH_ARGS parameters from the row's arguments, and the
 * run's counters, note and items handed back to the row. tl-bench only. */
#ifndef TLW_WORKLOAD_BENCH_H
#define TLW_WORKLOAD_BENCH_H

#include "tlb.h"
#include "workload.h"

void tlw_bench_args(tlb_state *st, struct tlw_ctx *c);
/* Register the row's arguments: the first TLW_BENCH_ARGS parameters
 * (threads named nthreads), each at its default (quick: its quick size),
 * TLW_P_SWEEP ones at every value, TLW_P_SWEEP_POW2 ones at 1, 2, 4, ...
 * up to 2x the allowed CPUs. */
void tlw_bench_add_args(tlb_bench *b, const struct tlw_workload *w, bool quick);
void tlw_bench_report(tlb_state *st, const struct tlw_ctx *c);

#endif
