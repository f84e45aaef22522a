/* load.h — tl-bench --load N: a busy machine as a benchmark condition.
 *
 * N threads per allowed CPU spin in the background, each bound to one
 * allowed CPU (so every benchmark thread, wherever its policy pins it,
 * shares its CPU with N spinners at the same priority), from before the
 * first benchmark until after the last. Every row and run.json record N.
 * Returns 0 or a negative TL_* code with a one-line message in err. */
#ifndef TLB_LOAD_H
#define TLB_LOAD_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TLB_LOAD_MAX_PER_CPU 16

int tlb_load_start(int per_cpu, char *err, size_t errlen);
void tlb_load_stop(void);
int tlb_load_per_cpu(void); /* 0 when off */

#ifdef __cplusplus
}
#endif

#endif
