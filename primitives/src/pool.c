/* The executors' shared core (pool.h): the queue of futures, submit,
 * shutdown's drain, map's driver. */
#include "pool.h"
#include "timeout.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>

int tl__pool_allowed_cpus(void)
{
	cpu_set_t set;
	int cpus = 1;
	if (sched_getaffinity(0, sizeof set, &set) == 0)
		cpus = CPU_COUNT(&set);
	return cpus > 0 ? cpus : 1;
}

int tl__pool_init(struct tl__pool *p, int max_workers, int (*initializer)(void *), void *initarg)
{
	int r = tl_queue_init(&p->q, TL_QUEUE_FIFO, 0);
	if (r != 0)
		return r;
	atomic_init(&p->broken, 0);
	pthread_mutex_init(&p->mu, NULL);
	p->max_workers = max_workers;
	p->initializer = initializer;
	p->initarg = initarg;
	return 0;
}

void tl__pool_fini(struct tl__pool *p)
{
	tl__pool_drain(p, 0);
	tl_queue_destroy(&p->q);
	pthread_mutex_destroy(&p->mu);
}

void tl__pool_drain(struct tl__pool *p, int error)
{
	void *item;
	while (tl_queue_get_nowait(&p->q, &item) == 0) {
		tl_future_t *f = item;
		if (error == TL_EBROKEN)
			tl__future_set_broken(f); /* TL_ESTATE if cancelled: fine */
		else if (error)
			tl_future_set_exception(f, error, NULL);
		else
			tl_future_cancel(f);
		tl_future_unref(f);
	}
}

void tl__pool_shutdown(struct tl__pool *p, bool cancel_futures)
{
	pthread_mutex_lock(&p->mu);
	tl_queue_shutdown(&p->q, false);
	if (cancel_futures)
		tl__pool_drain(p, 0);
	pthread_mutex_unlock(&p->mu);
}

int tl__pool_future(tl_future_t **out, void *item)
{
	tl_future_t *f;
	int r = tl_future_create(&f);
	if (r != 0) {
		free(item);
		return r;
	}
	/* Owned by the future from now on, whether it runs or is cancelled. */
	f->value = item;
	f->free_value = free;
	*out = f;
	return 0;
}

int tl__pool_submit(struct tl__pool *p, tl_future_t *f, int (*kick)(struct tl__pool *p), tl_future_t **out)
{
	/* The pool's reference: f is new and not yet seen by another thread,
	 * so a plain store, not a read-modify-write per submit. */
	atomic_store_explicit(&f->refs, 2, memory_order_relaxed);
	int r = tl_queue_put_nowait(&p->q, f);
	if (r != 0) {
		tl_future_unref(f);
		if (r == TL_ESHUTDOWN && atomic_load(&p->broken))
			r = TL_EBROKEN;
	} else if ((r = kick(p)) != 0) {
		tl_future_cancel(f); /* stays queued until drained: never runs */
	}
	if (r != 0) {
		tl_future_unref(f);
		return r;
	}
	if (out)
		*out = f;
	else
		tl_future_unref(f);
	return 0;
}

/* Python's map generator: on the way out (a failure, a timeout) cancel
 * fs[from..n) (a no-op on done or running futures), release all n. */
static void drop_from(tl_future_t **fs, size_t n, size_t from)
{
	for (size_t i = 0; i < n; i++) {
		if (i >= from)
			tl_future_cancel(fs[i]);
		tl_future_unref(fs[i]);
	}
	free(fs);
}

int tl__pool_map(struct tl__map *m, bool args_ok, size_t n, double timeout, size_t chunksize,
		 tl_map_info_t *info)
{
	tl_map_info_t dummy;
	if (!info)
		info = &dummy;
	info->completed = 0;
	info->task_error = 0;
	info->task_payload = NULL;
	info->task_payload_len = 0;
	if (!args_ok)
		return TL_EINVAL;
	if (n == 0)
		return 0;
	/* From the call, as Python; its result(end_time - now) polls once the
	 * time is up, so a negative timeout (or NaN) polls. */
	struct timespec ts;
	const struct timespec *deadline;
	tl__poll_args(timeout, &ts, &deadline);
	bool chunk = chunksize > 1;
	size_t per = chunk ? chunksize : 1;
	size_t nf = (n + per - 1) / per;
	tl_future_t **fs = malloc(nf * sizeof *fs);
	if (!fs)
		return TL_ENOMEM;
	int r = 0;
	size_t submitted = 0;
	for (; submitted < nf; submitted++) {
		size_t first = submitted * per;
		r = m->submit(m, first, n - first < per ? n - first : per, chunk, &fs[submitted]);
		if (r != 0)
			break;
	}
	size_t done = 0, k = 0;
	for (; r == 0 && k < nf; k++) {
		const void *data;
		tl_future_error_t e = { 0, false, NULL, 0 };
		r = tl_future_result_bytes_until(fs[k], deadline, &data, NULL);
		if (r == 0)
			r = m->collect(m, fs[k], data, chunk, &done, &e);
		else if (r == TL_ETASK && !chunk)
			tl_future_exception(fs[k], 0, &e);
		if (r == 0 && e.code)
			r = TL_ETASK;
		if (r == TL_ETASK) {
			/* The payload lives in fs[k], released below: the process
			 * pool hands the caller a copy of the bytes. */
			info->task_error = e.code;
			info->task_payload = (void *)e.payload;
			info->task_payload_len = e.len;
			if (m->copy_payload && e.payload) {
				info->task_payload = malloc(e.len ? e.len : 1);
				if (info->task_payload)
					memcpy(info->task_payload, e.payload, e.len);
				else
					info->task_payload_len = 0;
			}
		}
		if (r != 0)
			break;
	}
	/* k == nf when all succeeded: nothing to cancel. */
	drop_from(fs, submitted, k);
	info->completed = done;
	return r;
}
