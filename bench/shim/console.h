// bench/shim/console.h — tl-bench's console table (stdout).
#ifndef TLB_SHIM_CONSOLE_H
#define TLB_SHIM_CONSOLE_H

#include <benchmark/benchmark.h>

// A narrow table (under 100 columns): each instance name on a line of its
// own, then a row per repetition and aggregate; counters follow as name=value. CPU is "-" on
// manual-time rows (their Time is per op, CPU would be per window) and a
// non-finite value (a counter's cv over a mean of 0) is "-", never -nan%.
benchmark::BenchmarkReporter *tlb__console_new();

#endif
