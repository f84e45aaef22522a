/* worklock.h — a peer library's lock as a plain C table, for the seed's
 * lock lesson (bench/workloads/lockjoin.c, `--lock <name>`), in tl-workload
 * and tl-bench alike. C and C++.
 *
 * An adapter that has a lock (absl.cc, std.cc, ck.c) exports one table per
 * lock with TLP_LOCK_TABLE, over the same one-line lock/unlock functions
 * its BM_LOCK_ADAPTER uses, and init/destroy that construct the lock in
 * storage the workload provides (size, align). tl-workload compiles those
 * adapters with TLP_TABLES_ONLY defined: the tables only, no tl-bench
 * registrations (it has no Google Benchmark). lockjoin.c refers to the
 * tables weakly, so a build without a library has a null table there and
 * says why (the reason tl-bench gives in run.json's peers_skipped).
 *
 * In tl-bench, an adapter also puts a lock that fits the lesson (one that
 * blocks: 100 threads on a few CPUs) in it with bm_peer_lesson_register
 * (bench/peers/lesson.c), inside its tlb_peer_begin/tlb_peer_end scope:
 * rows <row>_lockjoin/lock/... next to lockjoin/lock, with the same
 * parameters and baseline. The spinlocks do not fit (ck.c says why).
 */
#ifndef TLP_WORKLOCK_H
#define TLP_WORKLOCK_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#define TLP_ALIGNOF alignof
#else
#define TLP_ALIGNOF _Alignof
#endif

struct tlp_lock {
	const char *name;  /* lockjoin's --lock choice: "absl", "std", "ck_fas"... */
	const char *lib;   /* the peer library (run.json's peers_skipped names it) */
	const char *what;  /* "absl::Mutex" */
	const char *row;   /* tl-bench primitive of its lock rows: "absl_mutex" */
	const char *waits; /* "block" or "spin", as the CSV's waits */
	size_t size, align;
	void (*init)(void *l); /* constructs the lock in size bytes aligned to align */
	void (*destroy)(void *l);
	void (*lock)(void *l);
	void (*unlock)(void *l);
};

extern const struct tlp_lock tlp_lock_absl_mutex, tlp_lock_std_mutex, tlp_lock_ck_fas, tlp_lock_ck_ticket,
	tlp_lock_ck_mcs;

/* tl-bench only (bench/peers/lesson.c): lockjoin/lock's rows with this lock. */
void bm_peer_lesson_register(const struct tlp_lock *l);

#ifdef __cplusplus
}
#define TLP_LOCK_EXPORT extern "C" const
#else
#define TLP_LOCK_EXPORT const
#endif

#define TLP_LOCK_TABLE(tag, name_, lib_, what_, row_, waits_, T, init_, destroy_, lock_, unlock_)          \
	static void tlp_##tag##_init(void *l) { init_((T *)l); }                                          \
	static void tlp_##tag##_destroy(void *l) { destroy_((T *)l); }                                    \
	static void tlp_##tag##_lock(void *l) { lock_((T *)l); }                                          \
	static void tlp_##tag##_unlock(void *l) { unlock_((T *)l); }                                      \
	TLP_LOCK_EXPORT struct tlp_lock tlp_lock_##tag = {name_, lib_, what_, row_, waits_, sizeof(T),    \
							  TLP_ALIGNOF(T), tlp_##tag##_init,                 \
							  tlp_##tag##_destroy, tlp_##tag##_lock,            \
							  tlp_##tag##_unlock};

#endif
