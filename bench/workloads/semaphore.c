/* semaphore — seed section 十 (信号量): 23 threads, Semaphore(5); each
 * acquires, "works" (the seed: sleep 3) and releases. At most 5 are inside
 * at once, and the whole run takes about ceil(23 / 5) = 5 work periods.
 *
 * Counting: a thread counts itself in right after acquire and out right
 * before release, so the counter never exceeds the units in use: peak <= 5
 * is the semaphore's guarantee. peak == 5 is made certain, not likely: a
 * thread inside waits (before its work) until min(5, threads not yet done)
 * are inside, so every wave fills up before it works. The semaphore variant
 * then releases once more than it acquired (Python's Semaphore allows it,
 * the value goes past 5); the bounded one refuses (BoundedSemaphore:
 * ValueError, TL_EOVERFLOW).
 */
#include "workload.h"

#include "threadlab/common.h"
#include "threadlab/semaphore.h"
#include "threadlab/thread.h"

#include <stdatomic.h>
#include <stdlib.h>

enum { V_SEMAPHORE, V_BOUNDED };

static const struct tlw_variant variants[] = {
	[V_SEMAPHORE] = { "semaphore", TLW_CLEAN, "Semaphore(5), 23 threads" },
	[V_BOUNDED] = { "bounded", TLW_CLEAN, "BoundedSemaphore(5): the extra release is refused" },
};

static const struct tlw_param params[] = {
	{ "threads", 23, 12, 1, 4096, NULL, "threads (the seed: 23)", 0 },
	{ "value", 5, 5, 1, 1000, NULL, "Semaphore(value)", 0 },
	{ "work_us", 20000, 5000, 0, 10000000, NULL, "work inside (the seed: sleep(3))", 0 },
};

struct sem_state {
	tl_sem_t sem;
	int nthreads, value;
	int64_t work_us;
	atomic_int inside, peak, done, acquired, at_peak;
};

static void func(void *p, int i)
{
	struct sem_state *s = p;
	(void)i;
	tl_sem_acquire(&s->sem, true, TL_FOREVER); /* sm.acquire() */
	atomic_fetch_add(&s->acquired, 1);
	int in = atomic_fetch_add(&s->inside, 1) + 1;
	int pk = atomic_load(&s->peak);
	while (in > pk && !atomic_compare_exchange_weak(&s->peak, &pk, in))
		;
	/* print('%s get sm'). Fill the wave: wait until min(value, not done)
	 * threads are inside. Always reachable: units are free while fewer than
	 * `value` are inside, and every thread not done will come in. */
	for (;;) {
		int want = s->nthreads - atomic_load(&s->done);
		if (want > s->value)
			want = s->value;
		int now = atomic_load(&s->inside);
		if (now >= want) {
			if (now == s->value)
				atomic_fetch_add(&s->at_peak, 1);
			break;
		}
		tlw_sleep_us(50);
	}
	tlw_sleep_us(s->work_us); /* time.sleep(3) */
	atomic_fetch_sub(&s->inside, 1);
	atomic_fetch_add(&s->done, 1);
	tl_sem_release(&s->sem, 1); /* sm.release() */
}

static int run(struct tlw_ctx *c)
{
	struct sem_state *s = calloc(1, sizeof *s);
	if (!s)
		return tlw_fail(c, TL_ENOMEM, "out of memory");
	s->nthreads = (int)tlw_p(c, "threads");
	s->value = (int)tlw_p(c, "value");
	s->work_us = tlw_p(c, "work_us");
	int n = s->nthreads, r;
	struct tlw_team t;
	if (tlw_team_init(&t, c, n, func, s) != 0) {
		r = tlw_fail(c, TL_ENOMEM, "out of memory");
		goto out;
	}
	r = c->variant == V_BOUNDED ? tl_sem_init_bounded(&s->sem, TL_PRIVATE, s->value)
				    : tl_sem_init(&s->sem, TL_PRIVATE, s->value);
	if (r != 0) {
		r = tlw_fail(c, r, "tl_sem_init: %s", tl_strerror(r));
		goto out;
	}
	double t0 = tlw_now();
	tlw_team_start_all_or_exit(&t); /* the wave rule counts on every thread */
	tlw_team_join(&t);
	double wall = tlw_now() - t0;

	int extra = tl_sem_release(&s->sem, 1); /* one release too many */
	int waves = (n + s->value - 1) / s->value;
	tlw_counter(c, "wall_s", wall);
	tlw_counter(c, "threads", n);
	tlw_counter(c, "value", s->value);
	tlw_counter(c, "acquired", atomic_load(&s->acquired));
	tlw_counter(c, "peak", atomic_load(&s->peak));
	tlw_counter(c, "threads_saw_peak", atomic_load(&s->at_peak));
	tlw_counter(c, "waves", waves);
	tlw_counter(c, "wall_over_work", s->work_us > 0 ? wall / ((double)s->work_us / 1e6) : 0);
	tlw_counter(c, "extra_release_refused", extra == TL_EOVERFLOW);
	tlw_counter(c, "value_after", tl_sem_value(&s->sem));
	tlw_note(c, "peak %d inside Semaphore(%d); %d threads took %.2f work periods (ceil(%d/%d) = %d)",
		 atomic_load(&s->peak), s->value, n, s->work_us > 0 ? wall / ((double)s->work_us / 1e6) : 0, n,
		 s->value, waves);
	tl_sem_destroy(&s->sem);
	r = 0;
out:
	tlw_team_destroy(&t);
	free(s);
	return r;
}

TLW_REGISTER(semaphore, .lesson = "seed §10 Semaphore: Semaphore(5) admits 5 at a time", .run = run);
