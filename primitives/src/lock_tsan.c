/* See lock_tsan.h. Compiled to nothing outside TSan builds.
 * Every entry point brackets its work with TL_TSAN_MUTEX_PRE/POST_SIGNAL,
 * which in the TSan runtime are plain "ignore accesses and sync" brackets:
 * the spinlock below creates no happens-before edge between user threads. */
#include "lock_tsan.h"

#ifdef TL_TSAN
#include "tsan_mutex.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
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

static void spin_lock(void)
{
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
		abort(); /* TSan builds only; nothing sensible to do */
	*p = q;
	*cap = c;
}

static void thr_exit(void *arg)
{
	struct thr *t = arg;
	TL_TSAN_MUTEX_PRE_SIGNAL(&g_spin);
	spin_lock();
	for (struct thr **pp = &g_threads; *pp; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	for (size_t i = 0; i < g_nholds;) /* its holds die with its TSan state */
		if (g_holds[i].holder == t)
			g_holds[i] = g_holds[--g_nholds];
		else
			i++;
	spin_unlock();
	free(t->pending);
	free(t);
	t_self = NULL;
	TL_TSAN_MUTEX_POST_SIGNAL(&g_spin);
}

static void make_key(void)
{
	pthread_key_create(&g_key, thr_exit);
}

/* Inside a bracket, g_spin not held. */
static struct thr *self(void)
{
	if (t_self)
		return t_self;
	pthread_once(&g_once, make_key);
	struct thr *t = calloc(1, sizeof *t);
	if (!t)
		abort();
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
		TL_TSAN_MUTEX_PRE_UNLOCK(l, TL__TSAN_READ);
		TL_TSAN_MUTEX_POST_UNLOCK(l, TL__TSAN_READ);
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
#else
typedef int tl__lock_tsan_empty; /* ISO C: no empty translation unit */
#endif
