/* pshared.c — process-shared Lock vs the thread version, in thread and
 * process mode side by side (issue 9). Task benchmarks (tlb.h "tasks";
 * driver bench/procmode.c): the lock and the counter it protects live in
 * the harness's MAP_SHARED block, so in process mode the forked tasks
 * really contend on one lock.
 *
 *   lock_private/{uncontended,contended}   tl_lock TL_PRIVATE   threads only
 *   lock_pshared/{uncontended,contended}   tl_lock TL_PSHARED   threads and processes
 *   mutex_private/...   pthread_mutex (default attributes)       threads only   (lock_private's baseline)
 *   mutex_pshared/...   pthread_mutex PTHREAD_PROCESS_SHARED     threads and processes (lock_pshared's baseline)
 *
 * uncontended: 1 task, acquire+release pairs. contended/cs:C/work:W: 2 tasks
 * (and one per allowed CPU), each op acquires, bumps the protected counter,
 * does C ns of work, releases, then W ns outside; the counter must equal the
 * ops the harness counted (checked in every repetition, in both modes: a
 * lost update would mean the lock did not exclude across processes).
 * A private lock is thread-only: across fork its futex is keyed by each
 * process's own mm, so a sleeper would never be woken.
 *
 * The figures (tl-bench --mode both --filter '^(lock|mutex)_(private|pshared)/'):
 *   lock_pshared/uncontended in processes vs lock_private/uncontended in threads (1 task)
 *   lock_pshared/contended/cs:100/work:0 processes:2 vs lock_private/... threads:2 (throughput)
 */
#include "common.h"

#include "threadlab/lock.h"

#include <pthread.h>
#include <stdio.h>

struct psh {
	_Alignas(BM_CACHELINE) union {
		tl_lock_t tl;
		pthread_mutex_t mx;
	} l;
	_Alignas(BM_CACHELINE) uint64_t counter; /* protected by the lock */
	uint64_t cs_iters, work_iters;
};

/* ---- the four locks: init flavour, then direct calls in the bodies ---- */
enum { TL_PRIV, TL_PSH, MX_PRIV, MX_PSH };

static int init_lock(struct psh *s, int kind)
{
	if (kind == TL_PRIV || kind == TL_PSH)
		return tl_lock_init(&s->l.tl, kind == TL_PSH ? TL_PSHARED : TL_PRIVATE);
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	if (kind == MX_PSH)
		pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	int rc = pthread_mutex_init(&s->l.mx, &a);
	pthread_mutexattr_destroy(&a);
	return -rc;
}

static int destroy_lock(struct psh *s, int kind)
{
	if (kind == TL_PRIV || kind == TL_PSH)
		return tl_lock_destroy(&s->l.tl);
	return -pthread_mutex_destroy(&s->l.mx);
}

#define TL_ACQ(s) tl_lock_acquire(&(s)->l.tl, true, TL_FOREVER)
#define TL_REL(s) tl_lock_release(&(s)->l.tl)
#define MX_ACQ(s) pthread_mutex_lock(&(s)->l.mx)
#define MX_REL(s) pthread_mutex_unlock(&(s)->l.mx)

/* Uncontended: 64 pairs between window checks (task 0's check reads the
 * clock: ~1 ns per pair at 16). */
#define UNCONTENDED(name, ACQ, REL)                                   \
	static void name(tlb_task *t)                                 \
	{                                                             \
		struct psh *s = t->shared;                            \
		uint64_t n = 0;                                       \
		while (tlb_task_running(t, n)) {                      \
			for (int k = 0; k < 64; k++) {                \
				ACQ(s);                               \
				REL(s);                               \
			}                                             \
			n += 64;                                      \
		}                                                     \
	}

#define CONTENDED(name, ACQ, REL)                                     \
	static void name(tlb_task *t)                                 \
	{                                                             \
		struct psh *s = t->shared;                            \
		const uint64_t cs = s->cs_iters, work = s->work_iters; \
		uint64_t n = 0;                                       \
		while (tlb_task_running(t, n)) {                      \
			for (int k = 0; k < 16; k++) {                \
				ACQ(s);                               \
				s->counter++;                         \
				bm_work(cs);                          \
				REL(s);                               \
				bm_work(work);                        \
			}                                             \
			n += 16;                                      \
		}                                                     \
	}

UNCONTENDED(tl_uncontended, TL_ACQ, TL_REL)
UNCONTENDED(mx_uncontended, MX_ACQ, MX_REL)
CONTENDED(tl_contended, TL_ACQ, TL_REL)
CONTENDED(mx_contended, MX_ACQ, MX_REL)

/* Setup runs in the driver before any task exists (so bm_ns_to_iters
 * calibrates once, there); teardown after every task is gone. */
static int setup(tlb_task *t, int kind, bool contended)
{
	struct psh *s = t->shared;
	if (contended) {
		s->cs_iters = bm_ns_to_iters((uint64_t)t->args[0]);
		s->work_iters = bm_ns_to_iters((uint64_t)t->args[1]);
	}
	return init_lock(s, kind);
}

static int teardown(tlb_task *t, int kind, bool contended)
{
	struct psh *s = t->shared;
	if (contended) {
		uint64_t ops = tlb_task_ops(t, -1);
		if (s->counter != ops) {
			char msg[128];
			snprintf(msg, sizeof msg, "mutual exclusion broken: %llu ops but counter %llu",
				 (unsigned long long)ops, (unsigned long long)s->counter);
			tlb_task_skip(t, msg);
		}
	}
	return destroy_lock(s, kind);
}

#define HOOKS(kind)                                                                          \
	static int setup_u_##kind(tlb_task *t) { return setup(t, kind, false); }             \
	static int setup_c_##kind(tlb_task *t) { return setup(t, kind, true); }              \
	static int teardown_u_##kind(tlb_task *t) { return teardown(t, kind, false); }       \
	static int teardown_c_##kind(tlb_task *t) { return teardown(t, kind, true); }
HOOKS(TL_PRIV)
HOOKS(TL_PSH)
HOOKS(MX_PRIV)
HOOKS(MX_PSH)

#define WINDOWS 5       /* windows per repetition (default suite) */
#define WINDOWS_QUICK 2 /* --quick */

static void reg(const char *prim, const char *baseline, unsigned modes, tlb_task_fn unc, tlb_task_fn con,
		tlb_task_hook su, tlb_task_hook tu, tlb_task_hook sc, tlb_task_hook tc)
{
	static const char *const argn[] = {"cs", "work"};
	static const int64_t tuples[][2] = {{100, 0}, {0, 0}};
	char name[64], base[64];
	for (int q = 0; q < 2; q++) {
		snprintf(name, sizeof name, "%s/uncontended", prim);
		snprintf(base, sizeof base, "%s/uncontended", baseline ? baseline : "");
		tlb_bench *b = tlb_register_task(name, unc, sizeof(struct psh));
		tlb_task_hooks(b, su, tu);
		tlb_task_modes(b, modes);
		tlb_threads(b, 1);
		tlb_iterations(b, q ? WINDOWS_QUICK : WINDOWS);
		if (baseline)
			tlb_baseline(b, base);
		q ? tlb_quick_only(b) : tlb_skip_quick(b);

		snprintf(name, sizeof name, "%s/contended", prim);
		snprintf(base, sizeof base, "%s/contended", baseline ? baseline : "");
		b = tlb_register_task(name, con, sizeof(struct psh));
		tlb_task_hooks(b, sc, tc);
		tlb_task_modes(b, modes);
		tlb_arg_names(b, argn, 2);
		for (int i = 0; i < (q ? 1 : 2); i++)
			tlb_args(b, tuples[i], 2);
		tlb_threads(b, 2);
		tlb_threads(b, TLB_THREADS_ALLOWED);
		tlb_iterations(b, q ? WINDOWS_QUICK : WINDOWS);
		if (baseline)
			tlb_baseline(b, base);
		q ? tlb_quick_only(b) : tlb_skip_quick(b);
	}
}

TLB_REGISTER(pshared)
{
	const unsigned both = TLB_MODE_THREADS | TLB_MODE_PROCESSES;
	reg("lock_private", "mutex_private", TLB_MODE_THREADS, tl_uncontended, tl_contended, setup_u_TL_PRIV,
	    teardown_u_TL_PRIV, setup_c_TL_PRIV, teardown_c_TL_PRIV);
	reg("lock_pshared", "mutex_pshared", both, tl_uncontended, tl_contended, setup_u_TL_PSH, teardown_u_TL_PSH,
	    setup_c_TL_PSH, teardown_c_TL_PSH);
	reg("mutex_private", NULL, TLB_MODE_THREADS, mx_uncontended, mx_contended, setup_u_MX_PRIV,
	    teardown_u_MX_PRIV, setup_c_MX_PRIV, teardown_c_MX_PRIV);
	reg("mutex_pshared", NULL, both, mx_uncontended, mx_contended, setup_u_MX_PSH, teardown_u_MX_PSH,
	    setup_c_MX_PSH, teardown_c_MX_PSH);
}
