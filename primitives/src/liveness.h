/* Internal: is a process (or thread) still alive? For the process-shared
 * primitives' owner-died and peer-died checks (issue 9).
 *
 * Source of truth: /proc/<id>/stat, which also exists for the tid of any
 * thread (hidden from readdir, not from open). Absent = reaped; state Z or
 * X = exited, not yet reaped (kill(pid, 0) would still succeed on such a
 * zombie, and the parent that should reap it may be the very process that
 * is waiting for it). Field 22, the start time in clock ticks since boot,
 * tells a recycled pid from the one recorded. Without /proc (or when it
 * refuses), kill(id, 0) decides: ESRCH = dead, and a zombie looks alive.
 * Costs one open/read/close: only for slow paths (after a wait slice). */
#ifndef TL_LIVENESS_H
#define TL_LIVENESS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* 1: alive, *start set (0 if unknown); 0: dead (absent or zombie). */
int tl__proc_probe(pid_t id, uint64_t *start);

/* Alive and, if start != 0 and known now, started at `start`. */
bool tl__proc_alive(pid_t id, uint64_t start);

#endif
