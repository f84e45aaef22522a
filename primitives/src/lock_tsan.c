/* See lock_tsan.h. Compiled to nothing outside TSan and TL_VALGRIND builds.
 * Every entry point brackets its work with TL_TSAN_MUTEX_PRE/POST_SIGNAL,
 * which in the TSan runtime are plain "ignore accesses and sync" brackets:
 * the spinlock below creates no happens-before edge between user threads.
 * Under Helgrind/DRD (TL_VALGRIND) the brackets are empty; instead the
 * registry's memory is excluded from checking (TL__VG_IGNORE) and the
 * spinlock is never announced to them, so it adds no edge there either. */
#include "lock_tsan.h"

#if defined(TL_TSAN) || defined(TL_VALGRIND)
#include "threadlab/rlock.h"
#include "tsan_mutex.h"
#include "vg_annotate.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

struct thr {
	struct thr *next;
	tl_lock_t **pending; /* Locks this thread acquired that others released */
	size_t npending, cap;
};

struct hold {
	tl_lock_t *lock;
	struct thr *holder;
};

static _Atomic int g_spin;
static struct thr *g_threads;
static struct hold *g_holds;
static size_t g_nholds, g_capholds;
static pthread_key_t g_key;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static _Thread_local struct thr *t_self;

#ifdef TL_VALGRIND
static int g_forked; /* this process is a forked child: see vg_atfork_child */

/* Valgrind runs one thread at a time, but it may switch between any two
 * instructions: the registry still needs its lock. Its words are ignored
 * by both tools from the first use on. */
static void vg_ignore_registry(void)
{
	static int done;
	if (!done) {
		TL__VG_IGNORE(&g_spin, sizeof g_spin);
		TL__VG_IGNORE(&g_threads, sizeof g_threads);
		TL__VG_IGNORE(&g_holds, sizeof g_holds);
		TL__VG_IGNORE(&g_nholds, sizeof g_nholds);
		TL__VG_IGNORE(&g_capholds, sizeof g_capholds);
		TL__VG_IGNORE(&done, sizeof done);
		done = 1;
	}
}
#define VG_IGNORE_BLOCK(p, n) TL__VG_IGNORE((p), (n))
#else
#define vg_ignore_registry() ((void)0)
#define VG_IGNORE_BLOCK(p, n) ((void)(p), (void)(n))
#endif

static void spin_lock(void)
{
	vg_ignore_registry();
	while (atomic_exchange_explicit(&g_spin, 1, memory_order_acquire))
		sched_yield();
}

static void spin_unlock(void)
{
	atomic_store_explicit(&g_spin, 0, memory_order_release);
}

static void grow(void **p, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return;
	size_t c = *cap ? *cap * 2 : 16;
	void *q = realloc(*p, c * elem);
	if (!q)
		abort(); /* TSan/valgrind builds only; nothing sensible to do */
	VG_IGNORE_BLOCK(q, c * elem);
	*p = q;
	*cap = c;
}

#ifdef TL_VALGRIND
static void vg_release_dying_rlocks(void);
#endif

static void thr_exit(void *arg)
{
	struct thr *t = arg;
	TL_TSAN_MUTEX_PRE_SIGNAL(&g_spin);
#ifdef TL_VALGRIND
	vg_release_dying_rlocks();
#endif
	spin_lock();
	for (struct thr **pp = &g_threads; *pp; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	for (size_t i = 0; i < g_nholds;) /* its holds die with its TSan state */
		if (g_holds[i].holder == t) {
#ifdef TL_VALGRIND
			/* A Lock has no owner: a thread may end holding it. Tell
			 * Helgrind it let go (else "exiting thread still holds a
			 * lock"); whoever releases it later finds no holder. */
			if (!g_forked)
				ANNOTATE_RWLOCK_RELEASED((char *)g_holds[i].lock + 1, 0);
#endif
			g_holds[i] = g_holds[--g_nholds];
		} else {
			i++;
		}
#ifdef TL_VALGRIND
	for (size_t i = 0; i < t->npending && !g_forked; i++) /* released by others, not yet by us */
		ANNOTATE_RWLOCK_RELEASED((char *)t->pending[i] + 1, 0);
#endif
	spin_unlock();
	free(t->pending);
	free(t);
	t_self = NULL;
	TL_TSAN_MUTEX_POST_SIGNAL(&g_spin);
}

#ifdef TL_VALGRIND
static struct thr *self(void);

/* A process may end holding a Lock (a robust, process-shared Lock whose
 * holder exits is what the takeover tests are about; Python lets a program
 * exit holding a Lock too). exit() runs no thread-exit hook for the thread
 * that calls it, so Helgrind would report "exiting thread still holds 1
 * lock": let go of the calling thread's Locks, in the tools' eyes only, as
 * thr_exit does for a thread that ends. (_exit() runs nothing: not covered.) */
static void vg_exit_release(void)
{
	if (g_forked)
		return; /* nothing announced (vg_atfork_child) */
	struct thr *me = self();
	spin_lock();
	for (size_t i = 0; i < g_nholds;)
		if (g_holds[i].holder == me) {
			ANNOTATE_RWLOCK_RELEASED((char *)g_holds[i].lock + 1, 0);
			g_holds[i] = g_holds[--g_nholds];
		} else {
			i++;
		}
	for (size_t i = 0; i < me->npending; i++)
		ANNOTATE_RWLOCK_RELEASED((char *)me->pending[i] + 1, 0);
	me->npending = 0;
	spin_unlock();
}

/* A Lock has no owner, and a thread may end holding one (Python allows
 * it; daemon/confusing's bar does). thr_exit lets go of it in the tools'
 * eyes, but only in the TSD destructors, after the thread has told its
 * joiner and the exit routine that it is done: a process that then exits
 * (exit_group) while the thread is still unwinding makes valgrind end it
 * there, and Helgrind reports "Exiting thread still holds 1 lock". The
 * trampoline calls this as soon as run() returns, before it marks the
 * thread finished. Only a thread that ever took a Lock has anything. */
void tl__vg_thread_ending(void)
{
	if (t_self)
		vg_exit_release();
}

/* A forked child starts with the forking thread's lock set in the tools'
 * eyes, though it holds nothing: a Lock the parent held is the parent's
 * (process-shared) or a copy nobody will release (private). Let go of
 * every Lock there, or the child's exit reports it still held. Runs in the
 * child, single-threaded; g_spin may be stuck set by a thread that does
 * not exist here (it only ever guards a few loads and stores): reset.
 * From then on the child announces no lock holds, only the happens-before
 * edges: valgrind writes nothing for a forked child (tlrace runs it with
 * --child-silent-after-fork, as one XML file is one exec'd process), so a
 * lock report there could not be shown, only flip the child's exit status
 * (--error-exitcode) -- which a child that exits holding a Lock handed to
 * its parent (_exit runs no hook; a legal handoff for Python's Lock) would
 * do. Races in a child still count towards that status. */
static void vg_note_owned_rlocks(void);
static void vg_release_forked_rlocks(void);

static void vg_atfork_prepare(void)
{
	vg_note_owned_rlocks();
}

static void vg_atfork_child(void)
{
	vg_release_forked_rlocks();
	g_forked = 1;
	atomic_store_explicit(&g_spin, 0, memory_order_relaxed);
	for (size_t i = 0; i < g_nholds; i++)
		if (g_holds[i].holder == t_self)
			ANNOTATE_RWLOCK_RELEASED((char *)g_holds[i].lock + 1, 0);
	g_nholds = 0;
	for (struct thr *t = g_threads; t; t = t->next)
		t->npending = 0;
}
#endif

static void make_key(void)
{
	pthread_key_create(&g_key, thr_exit);
#ifdef TL_VALGRIND
	atexit(vg_exit_release);
	pthread_atfork(vg_atfork_prepare, NULL, vg_atfork_child);
	ANNOTATE_HAPPENS_BEFORE(&g_once); /* Helgrind does not see pthread_once's edge */
#endif
}

#ifdef TL_VALGRIND
/* The fork and exit hooks must be in place before a first fork, which may
 * come before any Lock is used (a child that then takes one). */
__attribute__((constructor)) static void vg_hooks_early(void)
{
	pthread_once(&g_once, make_key);
	ANNOTATE_HAPPENS_AFTER(&g_once);
}
#endif

/* Inside a bracket, g_spin not held. */
static struct thr *self(void)
{
	if (t_self)
		return t_self;
	pthread_once(&g_once, make_key);
#ifdef TL_VALGRIND
	ANNOTATE_HAPPENS_AFTER(&g_once); /* see make_key */
#endif
	struct thr *t = calloc(1, sizeof *t);
	if (!t)
		abort();
	VG_IGNORE_BLOCK(t, sizeof *t);
	spin_lock();
	t->next = g_threads;
	g_threads = t;
	spin_unlock();
	t_self = t;
	pthread_setspecific(g_key, t);
	return t;
}

void tl__tsan_lock_sync(void)
{
	TL_TSAN_MUTEX_PRE_SIGNAL(&g_spin);
	struct thr *t = self();
	for (;;) {
		spin_lock();
		tl_lock_t *l = t->npending ? t->pending[--t->npending] : NULL;
		spin_unlock();
		if (!l)
			break;
		/* The read-unlock this thread never did: clears its held entry. */
#ifdef TL_VALGRIND
		if (!g_forked)
			ANNOTATE_RWLOCK_RELEASED((char *)l + 1, 0); /* LK(l), see below */
#else
		TL_TSAN_MUTEX_PRE_UNLOCK(l, TL__TSAN_READ);
		TL_TSAN_MUTEX_POST_UNLOCK(l, TL__TSAN_READ);
#endif
	}
	TL_TSAN_MUTEX_POST_SIGNAL(&g_spin);
}

void tl__tsan_lock_acquired(tl_lock_t *l)
{
	TL_TSAN_MUTEX_PRE_SIGNAL(&g_spin);
	struct thr *me = self();
	spin_lock();
	grow((void **)&g_holds, &g_capholds, g_nholds, sizeof *g_holds);
	g_holds[g_nholds++] = (struct hold){ l, me };
	spin_unlock();
	TL_TSAN_MUTEX_POST_SIGNAL(&g_spin);
}

void tl__tsan_lock_released(tl_lock_t *l)
{
	TL_TSAN_MUTEX_PRE_SIGNAL(&g_spin);
	struct thr *me = self();
	spin_lock();
	for (size_t i = 0; i < g_nholds; i++) {
		if (g_holds[i].lock != l)
			continue;
		struct thr *h = g_holds[i].holder;
		g_holds[i] = g_holds[--g_nholds];
		if (h != me) {
			grow((void **)&h->pending, &h->cap, h->npending, sizeof *h->pending);
			h->pending[h->npending++] = l;
		}
		break;
	}
	spin_unlock();
	TL_TSAN_MUTEX_POST_SIGNAL(&g_spin);
}

void tl__tsan_lock_forget(tl_lock_t *l)
{
	TL_TSAN_MUTEX_PRE_SIGNAL(&g_spin);
	spin_lock();
	for (size_t i = 0; i < g_nholds;)
		if (g_holds[i].lock == l)
			g_holds[i] = g_holds[--g_nholds];
		else
			i++;
	for (struct thr *t = g_threads; t; t = t->next)
		for (size_t i = 0; i < t->npending;)
			if (t->pending[i] == l)
				t->pending[i] = t->pending[--t->npending];
			else
				i++;
	spin_unlock();
	TL_TSAN_MUTEX_POST_SIGNAL(&g_spin);
}

#ifdef TL_VALGRIND
/* tl__vg_*: the TSan mutex annotations as Helgrind/DRD client requests.
 *
 * Kinds, from the create flags: REENTRANT (RLock) is a recursive mutex
 * (Helgrind's mbRec); anything else (Lock) is a reader lock taken in read
 * mode: TSan's read-mutex model, shared holders allowed, still in Helgrind's
 * lock-order graph. A lock never created (static initialiser) is a Lock.
 * Happens-before is explicit (HB_BEFORE at every release, HB_AFTER at every
 * acquire, on the lock's address), since a read-mode acquire does not
 * synchronise with a read-mode release in either tool; the lock itself is
 * announced one byte further (LK), because DRD keeps one kind of
 * synchronisation object per address. An RLock's recursion depth is kept
 * here so that Condition.wait's release of all levels (REC_UNLOCK) and their
 * restore (REC_LOCK) annotate the right number of levels.
 *
 * The primitive's own words (futex word, owner, spin budget) are C11
 * atomics: they cannot race, but Helgrind and DRD only see plain loads and
 * stores, so a created lock's memory is excluded from their checking. */
#define LK(a) ((void *)((char *)(a) + 1))

struct vgkind {
	struct vgkind *next;
	void *addr;
	int recursive;
	int depth; /* RLock levels held, as annotated */
};

#define VG_BUCKETS 256u
static struct vgkind *g_kinds[VG_BUCKETS];

static struct vgkind **kind_slot(void *a)
{
	static int ignored;
	if (!ignored) {
		TL__VG_IGNORE(g_kinds, sizeof g_kinds);
		TL__VG_IGNORE(&ignored, sizeof ignored);
		ignored = 1;
	}
	uintptr_t h = (uintptr_t)(((uint64_t)(uintptr_t)a >> 4) * 0x9e3779b97f4a7c15ull >> 56);
	struct vgkind **pp = &g_kinds[h % VG_BUCKETS];
	while (*pp && (*pp)->addr != a)
		pp = &(*pp)->next;
	return pp;
}

/* The RLock record of a, or NULL (a Lock); takes g_spin. */
static struct vgkind *rlock_of(void *a)
{
	spin_lock();
	struct vgkind *k = *kind_slot(a);
	spin_unlock();
	return k && k->recursive ? k : NULL;
}

/* In a forked child (vg_atfork_child): the RLocks the forking thread held,
 * at their depth, are held in the tools' eyes by the child's thread. The
 * parent's prepare hook notes which (tl_rlock_is_owned asks the lock word,
 * as the forking thread); the child lets go of them. At most VG_FORK_MAX
 * are noted (a thread holding more across a fork: the rest stay held). */
#define VG_FORK_MAX 16
static struct vgkind *g_fork_owned[VG_FORK_MAX];
static int g_fork_nowned;

static void vg_note_owned_rlocks(void)
{
	g_fork_nowned = 0;
	spin_lock();
	for (unsigned b = 0; b < VG_BUCKETS; b++)
		for (struct vgkind *k = g_kinds[b]; k; k = k->next)
			if (k->recursive && k->depth > 0 && g_fork_nowned < VG_FORK_MAX &&
			    tl_rlock_is_owned((tl_rlock_t *)k->addr))
				g_fork_owned[g_fork_nowned++] = k;
	spin_unlock();
}

/* A thread that ends owning a process-shared RLock is a dead owner: the
 * next acquirer takes it over (TL_EOWNERDEAD), which the tools would call
 * an unlock of another thread's lock, after "exiting thread still holds a
 * lock". The end of the thread is the release the takeover relies on:
 * announce it (thr_exit). A private RLock stays held forever, as in
 * Python: left as it is, the tools' report is right. */
static void vg_release_dying_rlocks(void)
{
	if (g_forked)
		return;
	spin_lock();
	for (unsigned b = 0; b < VG_BUCKETS; b++)
		for (struct vgkind *k = g_kinds[b]; k; k = k->next) {
			tl_rlock_t *r = k->addr;
			if (!k->recursive || k->depth <= 0 || !(r->flags & TL_PSHARED) ||
			    !tl_rlock_is_owned(r))
				continue;
			for (; k->depth > 0; k->depth--) {
				VALGRIND_HG_MUTEX_UNLOCK_PRE(LK(k->addr));
				VALGRIND_HG_MUTEX_UNLOCK_POST(LK(k->addr));
			}
		}
	spin_unlock();
}

static void vg_release_forked_rlocks(void)
{
	for (int i = 0; i < g_fork_nowned; i++)
		for (struct vgkind *k = g_fork_owned[i]; k->depth > 0; k->depth--) {
			VALGRIND_HG_MUTEX_UNLOCK_PRE(LK(k->addr));
			VALGRIND_HG_MUTEX_UNLOCK_POST(LK(k->addr));
		}
	g_fork_nowned = 0;
}

/* Is a on the calling thread's stack? (tl__vg_create's re-init) */
static int on_own_stack(const void *a)
{
	pthread_attr_t at;
	void *lo;
	size_t n;
	if (pthread_getattr_np(pthread_self(), &at) != 0)
		return 0;
	int in = pthread_attr_getstack(&at, &lo, &n) == 0 && (const char *)a >= (const char *)lo &&
		 (const char *)a < (const char *)lo + n;
	pthread_attr_destroy(&at);
	return in;
}

void tl__vg_create(void *a, unsigned flags, unsigned long size)
{
	TL__VG_IGNORE(a, size);
	struct vgkind *k = calloc(1, sizeof *k);
	if (!k)
		abort();
	VG_IGNORE_BLOCK(k, sizeof *k);
	k->addr = a;
	k->recursive = (flags & TL__TSAN_REENTRANT) != 0;
	spin_lock();
	struct vgkind **pp = kind_slot(a);
	int was = -1; /* re-initialised in place without a destroy: its old kind */
	if (*pp) {
		was = (*pp)->recursive;
		(*pp)->recursive = k->recursive;
		(*pp)->depth = 0;
		free(k);
	} else {
		*pp = k;
	}
	spin_unlock();
	/* Re-initialised without a destroy: legal for our primitives (they own
	 * no resources), also after the memory was unmapped or freed and
	 * mapped again (test_pshared munmaps a TL_PSHARED Lock and gets the
	 * same address back). DRD calls a second create of an object it still
	 * knows a reinitialisation error and a destroy of one it forgot "Not a
	 * reader-writer lock"/"not a mutex", and it forgets the objects in heap
	 * or mapped memory that goes away, never those on a stack (it does not
	 * track stack memory). So: on our own stack, end the old object (DRD
	 * still has it); elsewhere announce the object's address byte as new
	 * memory, which drops whatever object the tools still keep there,
	 * silently (DRD ignores that request on a stack). Either touches only
	 * the lock's own word (excluded from checking, re-excluded after the
	 * clean), never user data. Left: a Lock on another thread's stack
	 * re-initialised by this one (DRD: "reinitialization"). */
	if (was >= 0 && on_own_stack(a)) {
		if (was == 1)
			VALGRIND_HG_MUTEX_DESTROY_PRE(LK(a));
		else
			ANNOTATE_RWLOCK_DESTROY(LK(a));
	} else if (was >= 0) {
		ANNOTATE_NEW_MEMORY(LK(a), 1);
		TL__VG_IGNORE(a, size); /* the clean ended the exclusion on that byte */
	}
	if (flags & TL__TSAN_REENTRANT)
		VALGRIND_HG_MUTEX_INIT_POST(LK(a), 1);
	else
		ANNOTATE_RWLOCK_CREATE(LK(a));
}

void tl__vg_destroy(void *a)
{
	spin_lock();
	struct vgkind **pp = kind_slot(a), *k = *pp;
	if (k)
		*pp = k->next;
	spin_unlock();
	if (!k)
		return; /* never created (static initialiser): never announced */
	if (k->recursive)
		VALGRIND_HG_MUTEX_DESTROY_PRE(LK(a));
	else
		ANNOTATE_RWLOCK_DESTROY(LK(a));
	free(k);
}

void tl__vg_pre_lock(void *a, unsigned flags)
{
	if (!g_forked && rlock_of(a))
		VALGRIND_HG_MUTEX_LOCK_PRE(LK(a), (flags & TL__TSAN_TRY) != 0);
}

void tl__vg_post_lock(void *a, unsigned flags, int rec)
{
	if (flags & TL__TSAN_TRY_FAILED)
		return;
	int n = (flags & TL__TSAN_REC_LOCK) && rec > 0 ? rec : 1;
	spin_lock();
	struct vgkind *k = *kind_slot(a);
	bool known = k != NULL, lock_held = false;
	if (k && !k->recursive)
		k = NULL;
	if (k)
		k->depth += n;
	/* Never created (a static initialiser): a Lock if lock.c just put it
	 * in the holder registry, else an RLock whose recursion this file
	 * cannot follow: that one gets happens-before only, no hold. */
	for (size_t i = 0; !known && i < g_nholds && !lock_held; i++)
		lock_held = g_holds[i].lock == a;
	spin_unlock();
	if (!known) /* its words, as tl__vg_create ignores a created lock's */
		TL__VG_IGNORE(a, sizeof(tl_lock_t) < sizeof(tl_rlock_t) ? sizeof(tl_lock_t)
									 : sizeof(tl_rlock_t));
	if (k)
		(void)self(); /* thr_exit runs for it (vg_release_dying_rlocks) */
	if (g_forked) {
		/* announces no holds (vg_atfork_child) */
	} else if (k) {
		for (int i = 0; i < n; i++)
			VALGRIND_HG_MUTEX_LOCK_POST(LK(a));
	} else if (known || lock_held) {
		ANNOTATE_RWLOCK_ACQUIRED(LK(a), 0);
	}
	ANNOTATE_HAPPENS_AFTER(a);
}

int tl__vg_pre_unlock(void *a, unsigned flags)
{
	ANNOTATE_HAPPENS_BEFORE(a);
	struct thr *me = self();
	spin_lock();
	struct vgkind *k = *kind_slot(a);
	if (k && !k->recursive)
		k = NULL;
	int n = 1, mine = 0;
	if (k) {
		n = (flags & TL__TSAN_REC_UNLOCK) ? k->depth : 1;
		k->depth -= n;
	} else {
		for (size_t i = 0; i < g_nholds && !mine; i++)
			mine = g_holds[i].lock == a && g_holds[i].holder == me;
	}
	spin_unlock();
	if (g_forked) {
		/* announces no holds (vg_atfork_child) */
	} else if (k) {
		for (int i = 0; i < n; i++)
			VALGRIND_HG_MUTEX_UNLOCK_PRE(LK(a));
	} else if (mine) {
		ANNOTATE_RWLOCK_RELEASED(LK(a), 0);
	}
	/* else: another thread's Lock; tl__tsan_lock_released() hands the
	 * read-unlock to the holder */
	return n;
}

void tl__vg_post_unlock(void *a, unsigned flags)
{
	(void)flags;
	if (!g_forked && rlock_of(a))
		VALGRIND_HG_MUTEX_UNLOCK_POST(LK(a));
}
#endif
#else
typedef int tl__lock_tsan_empty; /* ISO C: no empty translation unit */
#endif
