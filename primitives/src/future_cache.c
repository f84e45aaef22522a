/* Recycling of future blocks (future_cache.h).
 *
 * Why: an executor's caller typically creates thousands of futures, then
 * drops them after reading the results. Through malloc, every such wave
 * first carves the blocks from the heap top and then frees them back into
 * one big free top chunk, which glibc trims (returns to the kernel) once it
 * passes 128 KiB; the next wave page-faults all of it in again. On a VM a
 * fault costs microseconds: measured, it was ~40% of executor/throughput.
 *
 * How: a magazine allocator (Bonwick). Each thread keeps a magazine of up
 * to MAG free blocks in thread-local storage (no atomics: alloc and free on
 * the same thread, the common case, touch nothing shared). A full magazine
 * goes to the process depot, a mutex-protected stack of full magazines;
 * an empty one is refilled from it. So the mutex is taken at most once per
 * MAG operations, and blocks freed by a worker (when it drops the last
 * reference) come back to the caller's thread through the depot.
 *
 * Memory: the depot keeps at most DEPOT_MAX magazines (DEPOT_MAX * MAG
 * blocks, 8 MiB of futures); a magazine that does not fit, and a dying
 * thread's magazine when the depot is full, go back to free(). Each live
 * thread may hold one more magazine.
 *
 * Happens-before: a block is handed from its last user to its next owner
 * either on one thread, or through the depot mutex; the last user's own
 * accesses were ordered before the freeing thread's by the acq_rel
 * reference count (future.c).
 *
 * Off under ASan, TSan and valgrind builds: there, a use after the last
 * unref must stay a use after free() that the tool reports, not a silent
 * write into a recycled future. */
#include "future_cache.h"
#include "tsan.h"

#include <pthread.h>
#include <stdlib.h>

#if defined(__SANITIZE_ADDRESS__)
#define TL__FCACHE_OFF 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TL__FCACHE_OFF 1
#endif
#endif
#if defined(TL_TSAN) || defined(TL_VALGRIND)
#define TL__FCACHE_OFF 1
#endif

#ifdef TL__FCACHE_OFF

tl_future_t *tl__future_alloc(void) { return malloc(sizeof(tl_future_t)); }
void tl__future_release(tl_future_t *f) { free(f); }

#else

#define MAG 64
#define DEPOT_MAX ((8u << 20) / (MAG * sizeof(tl_future_t)))

/* A free block: its first words link the magazine and the depot. */
struct blk {
	struct blk *next; /* within a magazine */
	struct blk *mag;  /* depot: the next magazine (in each magazine's head) */
};
_Static_assert(sizeof(struct blk) <= sizeof(tl_future_t), "a future holds a free-list link");

struct mag {
	struct blk *head;
	unsigned n;
};

static _Thread_local struct mag tls_mag;

static pthread_mutex_t depot_mu = PTHREAD_MUTEX_INITIALIZER;
static struct blk *depot; /* full magazines, by their head blocks */
static unsigned depot_n;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_key_t exit_key; /* its destructor flushes a dying thread's magazine */

static void free_mag(struct blk *b)
{
	while (b) {
		struct blk *next = b->next;
		free(b);
		b = next;
	}
}

/* Takes a full magazine (MAG blocks from head); false if the depot is full. */
static bool depot_put(struct blk *head)
{
	bool ok = false;
	pthread_mutex_lock(&depot_mu);
	if (depot_n < DEPOT_MAX) {
		head->mag = depot;
		depot = head;
		depot_n++;
		ok = true;
	}
	pthread_mutex_unlock(&depot_mu);
	return ok;
}

static struct blk *depot_get(void)
{
	pthread_mutex_lock(&depot_mu);
	struct blk *head = depot;
	if (head) {
		depot = head->mag;
		depot_n--;
	}
	pthread_mutex_unlock(&depot_mu);
	return head;
}

static void on_thread_exit(void *arg)
{
	(void)arg;
	struct mag m = tls_mag;
	tls_mag = (struct mag){ 0 };
	/* A partial magazine would break the depot's "MAG blocks each". */
	if (m.n != MAG || !depot_put(m.head))
		free_mag(m.head);
}

/* fork(): a child must not inherit the depot mutex held by a thread that
 * does not exist there. */
static void atfork_prepare(void) { pthread_mutex_lock(&depot_mu); }
static void atfork_parent(void) { pthread_mutex_unlock(&depot_mu); }
static void atfork_child(void) { pthread_mutex_init(&depot_mu, NULL); }

static bool have_key;

static void init_once(void)
{
	have_key = pthread_key_create(&exit_key, on_thread_exit) == 0;
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

/* This thread is about to hold blocks: make sure its exit hands them on
 * (a key's destructor runs only for a non-NULL value). false: no key could
 * be made, hold nothing. */
static bool may_hold(void)
{
	pthread_once(&once, init_once);
	if (!have_key)
		return false;
	if (!pthread_getspecific(exit_key))
		pthread_setspecific(exit_key, &tls_mag);
	return true;
}

tl_future_t *tl__future_alloc(void)
{
	struct mag *m = &tls_mag;
	if (!m->head) {
		struct blk *head = may_hold() ? depot_get() : NULL;
		if (!head)
			return malloc(sizeof(tl_future_t));
		m->head = head;
		m->n = MAG;
	}
	struct blk *b = m->head;
	m->head = b->next;
	m->n--;
	return (tl_future_t *)b;
}

void tl__future_release(tl_future_t *f)
{
	struct mag *m = &tls_mag;
	if (m->n == MAG) {
		if (!depot_put(m->head)) {
			free(f);
			return;
		}
		m->head = NULL;
		m->n = 0;
	}
	if (!m->head && !may_hold()) {
		free(f);
		return;
	}
	struct blk *b = (struct blk *)f;
	b->next = m->head;
	m->head = b;
	m->n++;
}

#endif
