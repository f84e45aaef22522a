/* lesson.c — the seed's lock lesson (bench/workloads/lockjoin.c, case
 * lockjoin/lock: N threads, each `temp = n; work; n = temp - 1` under one
 * lock) with a peer library's lock: rows <row>_lockjoin/lock/... that an
 * adapter registers with bm_peer_lesson_register inside its peer scope
 * (so waits and the library's note are its own), next to lockjoin/lock.
 *
 * A row runs the workload itself, as workload_bench.c runs lockjoin/lock,
 * with one more parameter: lockjoin's `lock` set to the table's name
 * (tl-workload lockjoin/lock --lock absl runs the same). It has the same
 * name parameters (lockjoin's first TLW_BENCH_ARGS, at their defaults;
 * start swept), repetitions, time unit and baseline (lockjoin/unlocked) as
 * lockjoin/lock, so the report's headline table pairs them; default suite
 * only (no --quick twin), not traced (--trace: the peer lock has no hooks).
 */
#include "worklock.h"

#include "pin.h"
#include "workload_bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LESSON "lockjoin"
#define LESSON_CASE "lockjoin/lock"
#define MAX_LOCKS 8

static const struct tlp_lock *locks[MAX_LOCKS];
static int nlocks;

static void run_lesson(tlb_state *st, int k)
{
	const struct tlw_workload *w;
	int v;
	struct tlw_ctx *c = malloc(sizeof *c);
	if (!c || tlw_find_case(LESSON_CASE, &w, &v) != 0) {
		tlb_skip(st, c ? "no workload case " LESSON_CASE : "out of memory");
		free(c);
		return;
	}
	tlw_ctx_init(c, w, v, false);
	tlw_bench_args(st, c);
	char msg[400];
	if (tlw_ctx_set(c, "lock", locks[k]->name) != 0) {
		snprintf(msg, sizeof msg, "%s: %s", LESSON_CASE, c->error);
		tlb_skip(st, msg);
		free(c);
		return;
	}
	snprintf(c->pin, sizeof c->pin, "%s", tlb_pin_policy_name());
	while (tlb_keep_running(st)) {
		if (tlw_run(c) != 0) {
			snprintf(msg, sizeof msg, "%s --lock %s: %s", LESSON_CASE, locks[k]->name, c->error);
			tlb_skip(st, msg);
			free(c);
			return;
		}
		tlb_set_iteration_time(st, tlw_get_counter(c, "wall_s"));
	}
	tlw_bench_report(st, c);
	free(c);
}

#define T(k) \
	static void bm_lesson_##k(tlb_state *st) { run_lesson(st, k); }
T(0) T(1) T(2) T(3) T(4) T(5) T(6) T(7)
#undef T
static const tlb_fn trampolines[MAX_LOCKS] = {bm_lesson_0, bm_lesson_1, bm_lesson_2, bm_lesson_3,
					      bm_lesson_4, bm_lesson_5, bm_lesson_6, bm_lesson_7};

void bm_peer_lesson_register(const struct tlp_lock *l)
{
	const struct tlw_workload *w = tlw_find(LESSON);
	if (!w || nlocks == MAX_LOCKS) {
		fprintf(stderr, "bench/peers/lesson.c: %s\n",
			w ? "more than 8 peer locks: add trampolines" : LESSON " is not registered before the peers");
		abort();
	}
	locks[nlocks] = l;
	char name[128], base[128];
	snprintf(name, sizeof name, "%s_%s", l->row, LESSON_CASE); /* absl_mutex_lockjoin/lock */
	tlb_bench *b = tlb_register(name, trampolines[nlocks++]);
	if (w->baseline) {
		snprintf(base, sizeof base, "%s/%s", LESSON, w->baseline);
		tlb_baseline(b, base);
	}
	tlw_bench_add_args(b, w, false); /* as workload_bench.c registers lockjoin/lock */
	tlb_manual_time(b);
	tlb_iterations(b, 1);
	tlb_repetitions(b, 3);
	tlb_unit(b, TLB_MS);
	tlb_skip_quick(b);
}
