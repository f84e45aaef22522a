/* future.c — concurrent.futures.Future (tl_future) without an executor:
 *   future/create_set_result   create, set_result, result, release in one
 *                              thread (the CPython peer's Future();
 *                              set_result(); result())
 *   mutexcond_future/create_set_result   baseline: what a C programmer
 *       writes instead, a malloc'd {mutex, condvar, done, value}
 */
#include "common.h"

#include "threadlab/future.h"

#include <pthread.h>
#include <stdlib.h>

static void bm_future(tlb_state *st)
{
	for (int64_t n; (n = tlb_batch(st)) > 0;)
		for (int64_t i = 0; i < n; i++) {
			tl_future_t *f;
			void *v = NULL;
			if (tl_future_create(&f) != 0) {
				tlb_skip(st, "tl_future_create failed");
				return;
			}
			tl_future_set_result(f, (void *)(uintptr_t)(i + 1));
			tl_future_result(f, TL_FOREVER, &v);
			TLB_DO_NOT_OPTIMIZE(v);
			tl_future_unref(f);
		}
}

struct mc_future {
	pthread_mutex_t m;
	pthread_cond_t c;
	int done;
	void *value;
};

static void bm_mutexcond_future(tlb_state *st)
{
	for (int64_t n; (n = tlb_batch(st)) > 0;)
		for (int64_t i = 0; i < n; i++) {
			struct mc_future *f = malloc(sizeof *f);
			if (!f) {
				tlb_skip(st, "out of memory");
				return;
			}
			pthread_mutex_init(&f->m, NULL);
			pthread_cond_init(&f->c, NULL);
			f->done = 0;
			pthread_mutex_lock(&f->m); /* set_result */
			f->value = (void *)(uintptr_t)(i + 1);
			f->done = 1;
			pthread_cond_broadcast(&f->c);
			pthread_mutex_unlock(&f->m);
			pthread_mutex_lock(&f->m); /* result */
			while (!f->done)
				pthread_cond_wait(&f->c, &f->m);
			void *v = f->value;
			pthread_mutex_unlock(&f->m);
			TLB_DO_NOT_OPTIMIZE(v);
			pthread_cond_destroy(&f->c);
			pthread_mutex_destroy(&f->m);
			free(f);
		}
}

TLB_REGISTER(future)
{
	tlb_bench *b[2];
	bm_reg2("future/create_set_result", bm_future, &b[0], &b[1]);
	for (int i = 0; i < 2; i++) {
		tlb_real_time(b[i]);
		tlb_epochs(b[i]);
		tlb_baseline(b[i], "mutexcond_future/create_set_result");
	}
	bm_reg2("mutexcond_future/create_set_result", bm_mutexcond_future, &b[0], &b[1]);
	for (int i = 0; i < 2; i++) {
		tlb_real_time(b[i]);
		tlb_epochs(b[i]);
	}
}
