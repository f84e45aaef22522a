/* event — seed section 十一 (Event): worker threads try to "connect to
 * MySQL" only once a checker thread says the server is up:
 *
 *   def conn_mysql():                      def check_mysql():
 *       count = 1                              time.sleep(random.randint(2, 4))
 *       while not event.is_set():              event.set()
 *           if count > 3: raise TimeoutError
 *           print('第%s次尝试链接' % count)
 *           event.wait(0.5)
 *           count += 1
 *       print('链接成功')
 *
 * timeout: the seed's own numbers: the checker needs 2-4 s, the workers
 *          give up after 3 waits of 0.5 s, so every worker times out. Here
 *          the checker sets the event only once every worker gave up.
 * connect: the checker sets the event as soon as every worker made its
 *          first attempt: every worker connects, most of them woken out of
 *          event.wait() by set() (the wake-up latency is measured).
 * Counters: connected, timed out, attempts (max 3 each), waits that set()
 * ended, and set-to-wake latency p50/max.
 */
#include "workload.h"

#include "threadlab/common.h"
#include "threadlab/event.h"
#include "threadlab/thread.h"

#include <stdatomic.h>
#include <stdlib.h>

enum { V_TIMEOUT, V_CONNECT };

static const struct tlw_variant variants[] = {
	[V_TIMEOUT] = { "timeout", TLW_CLEAN, "checker slower than 3 waits: every worker times out" },
	[V_CONNECT] = { "connect", TLW_CLEAN, "checker sets the event after the first attempts" },
};

static const struct tlw_param params[] = {
	{ "workers", 8, 4, 1, 4096, NULL, "conn_mysql threads (the seed: 2)", 0 },
	{ "wait_us", 20000, 20000, 1, 100000000, NULL, "event.wait(timeout) per attempt (the seed: 0.5 s)", 0 },
};

struct ev_state {
	tl_event_t event;
	int workers;
	double wait_s;
	int variant;
	atomic_int first_attempts, finished, connected, timed_out, attempts, attempts_max, woken_by_set;
	_Atomic double set_at;
	double *wake_us; /* per worker: set -> return from wait, -1 if not woken by set */
};

/* Worker i is the workload's thread 1 + i; the checker is thread 0. */
static void conn_mysql(void *p, int i)
{
	struct ev_state *s = p;
	s->wake_us[i] = -1;
	int count = 1;
	while (!tl_event_is_set(&s->event)) {
		if (count > 3) { /* raise TimeoutError('链接超时') */
			atomic_fetch_add(&s->timed_out, 1);
			atomic_fetch_add(&s->finished, 1);
			return;
		}
		/* print('<%s>第%s次尝试链接' % (name, count)) */
		atomic_fetch_add(&s->attempts, 1);
		if (count == 1)
			atomic_fetch_add(&s->first_attempts, 1);
		int m = atomic_load(&s->attempts_max);
		while (count > m && !atomic_compare_exchange_weak(&s->attempts_max, &m, count))
			;
		if (tl_event_wait(&s->event, s->wait_s) == 0) {
			double set_at = atomic_load(&s->set_at);
			if (set_at > 0) {
				s->wake_us[i] = (tlw_now() - set_at) * 1e6;
				atomic_fetch_add(&s->woken_by_set, 1);
			}
		}
		count++;
	}
	atomic_fetch_add(&s->connected, 1); /* print('<%s>链接成功') */
	atomic_fetch_add(&s->finished, 1);
}

static void check_mysql(void *p, int i)
{
	struct ev_state *s = p;
	(void)i;
	/* time.sleep(random.randint(2, 4)), made certain either way */
	if (s->variant == V_TIMEOUT)
		while (atomic_load(&s->finished) < s->workers)
			tlw_sleep_us(100);
	else
		while (atomic_load(&s->first_attempts) < s->workers)
			tlw_sleep_us(50);
	atomic_store(&s->set_at, tlw_now());
	tl_event_set(&s->event);
}

static int run(struct tlw_ctx *c)
{
	struct ev_state *s = calloc(1, sizeof *s);
	if (!s)
		return tlw_fail(c, TL_ENOMEM, "out of memory");
	s->variant = c->variant;
	s->workers = (int)tlw_p(c, "workers");
	s->wait_s = (double)tlw_p(c, "wait_us") / 1e6;
	int n = s->workers, r = 0;
	struct tlw_team workers, checker;
	s->wake_us = calloc((size_t)n, sizeof *s->wake_us);
	int e1 = tlw_team_init(&workers, c, n, conn_mysql, s);
	int e2 = tlw_team_init(&checker, c, 1, check_mysql, s);
	if (e1 || e2 || !s->wake_us) {
		r = tlw_fail(c, TL_ENOMEM, "out of memory");
		goto out;
	}
	workers.pin_base = 1;
	checker.name = "checker";
	tl_event_init(&s->event, TL_PRIVATE);
	double t0 = tlw_now();
	/* conn1.start(); conn2.start(); check.start(). The checker waits for
	 * every worker: all of them must run. */
	tlw_team_start_all_or_exit(&workers);
	if ((r = tlw_team_start(&checker)) != 0) {
		tl_event_set(&s->event); /* release the workers */
		tlw_team_join(&workers);
		r = tlw_fail(c, r, "checker failed to start: %s", tl_strerror(r));
		tl_event_destroy(&s->event);
		goto out;
	}
	tlw_team_join(&workers);
	tlw_team_join(&checker);
	double wall = tlw_now() - t0;

	double *w = calloc((size_t)n, sizeof *w);
	int nw = 0;
	for (int i = 0; w && i < n; i++)
		if (s->wake_us[i] >= 0)
			w[nw++] = s->wake_us[i];
	tlw_counter(c, "wall_s", wall);
	tlw_counter(c, "workers", n);
	tlw_counter(c, "connected", atomic_load(&s->connected));
	tlw_counter(c, "timed_out", atomic_load(&s->timed_out));
	tlw_counter(c, "attempts", atomic_load(&s->attempts));
	tlw_counter(c, "attempts_max", atomic_load(&s->attempts_max));
	tlw_counter(c, "woken_by_set", atomic_load(&s->woken_by_set));
	tlw_counter_p50_max(c, "set_to_wake", "us", w, nw, 1);
	tlw_note(c, "%d of %d workers connected, %d timed out after 3 attempts", atomic_load(&s->connected), n,
		 atomic_load(&s->timed_out));
	free(w);
	tl_event_destroy(&s->event);
out:
	tlw_team_destroy(&workers);
	tlw_team_destroy(&checker);
	free(s->wake_us);
	free(s);
	return r;
}

TLW_REGISTER(event, .lesson = "seed §11 Event: connect-retry workers waiting for a checker", .run = run);
