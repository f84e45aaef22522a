/* condition — seed section 十二 (条件Condition): "只有满足某条件时，才释放n个
 * 线程": ten threads wait on a Condition; each `con.notify(int(inp))` lets
 * exactly that many go.
 *
 * notify:     rounds of notify(k) with k = 1, 2, 3, ... until all are out.
 *             Each round must release exactly k, and (threadlab's FIFO
 *             promise) the k that waited longest.
 * notify-all: one notify_all() releases every waiter.
 * wait-for:   the seed's second example, con.wait_for(predicate): a round
 *             adds k tickets and calls notify_all(); every waiter wakes and
 *             re-checks `tickets > 0`, exactly k get through, the rest wait
 *             again. Counts the predicate evaluations that wake-all costs.
 *
 * The typed input is replaced by the main thread, which starts a round
 * only when every remaining thread is inside wait (it reads the count
 * under the condition's lock, which a waiter holds from counting itself
 * until wait() releases it), so every count is deterministic. A round that
 * released more than k would leave that check stuck: it gives up after
 * 30 s and the run reports the failure instead of hanging.
 */
#include "workload.h"

#include "threadlab/common.h"
#include "threadlab/condition.h"
#include "threadlab/thread.h"

#include <stdatomic.h>
#include <stdlib.h>

enum { V_NOTIFY, V_NOTIFY_ALL, V_WAIT_FOR };

static const struct tlw_variant variants[] = {
	[V_NOTIFY] = { "notify", TLW_CLEAN, "notify(k) releases exactly k, the longest waiters" },
	[V_NOTIFY_ALL] = { "notify-all", TLW_CLEAN, "notify_all() releases every waiter" },
	[V_WAIT_FOR] = { "wait-for", TLW_CLEAN, "wait_for(tickets > 0): k tickets let exactly k through" },
};

static const struct tlw_param params[] = {
	{ "threads", 10, 10, 1, 4096, NULL, "waiting threads (the seed: 10)", 0 },
};

struct waiter {
	int entry;      /* order in which it started waiting */
	int woke_round; /* round whose notify released it */
	double woke_at;
};

struct cv_state {
	tl_cond_t cond; /* con = threading.Condition(): its own RLock */
	int variant;
	struct waiter *w; /* per thread, each written by its own thread */
	/* all guarded by the condition's lock */
	int in_wait, woken, entries, round, tickets;
	long evaluations;
	double notified_at;
};

static int have_ticket(void *arg)
{
	struct cv_state *s = arg;
	s->evaluations++;
	return s->tickets > 0;
}

static void run_thread(void *p, int i)
{
	struct cv_state *s = p;
	struct waiter *w = &s->w[i];
	tl_cond_acquire(&s->cond, true, TL_FOREVER); /* con.acquire() */
	w->entry = s->entries++;
	s->in_wait++;
	if (s->variant == V_WAIT_FOR) {
		tl_cond_wait_for(&s->cond, have_ticket, s, TL_FOREVER, NULL); /* con.wait_for(condition_func) */
		s->tickets--;
	} else {
		tl_cond_wait(&s->cond, TL_FOREVER); /* con.wait() */
	}
	s->in_wait--;
	s->woken++;
	w->woke_round = s->round;
	w->woke_at = tlw_now();
	/* print("run the thread: %s" % n) */
	tl_cond_release(&s->cond); /* con.release() */
}

/* Polls, under the lock, until *count == want (at_least: >= want); true
 * if it is then exactly want, false otherwise or after 30 s. */
static bool until_count(struct cv_state *s, const int *count, int want, bool at_least)
{
	double give_up = tlw_now() + 30;
	for (;;) {
		tl_cond_acquire(&s->cond, true, TL_FOREVER);
		int now = *count;
		tl_cond_release(&s->cond);
		if (now == want || (at_least && now > want))
			return now == want;
		if (tlw_now() > give_up)
			return false;
		tlw_sleep_us(50);
	}
}

static bool until_waiting(struct cv_state *s, int want)
{
	return until_count(s, &s->in_wait, want, false);
}

static bool until_woken(struct cv_state *s, int want)
{
	return until_count(s, &s->woken, want, true);
}

static int run(struct tlw_ctx *c)
{
	struct cv_state *s = calloc(1, sizeof *s);
	int n = (int)tlw_p(c, "threads");
	struct waiter *w = calloc((size_t)n, sizeof *w);
	double *lat = calloc((size_t)n, sizeof *lat);
	struct tlw_team t;
	int r = tlw_team_init(&t, c, n, run_thread, s);
	if (r != 0 || !s || !w || !lat) {
		r = tlw_fail(c, TL_ENOMEM, "out of memory");
		goto out;
	}
	s->variant = c->variant;
	s->w = w;
	for (int i = 0; i < n; i++)
		w[i] = (struct waiter){ -1, -1, 0 };
	if ((r = tl_cond_init(&s->cond, TL_PRIVATE, TL_COND_RLOCK, NULL)) != 0) {
		r = tlw_fail(c, r, "tl_cond_init: %s", tl_strerror(r));
		goto out;
	}
	double t0 = tlw_now();
	tlw_team_start_all_or_exit(&t); /* a round waits for every thread */

	int remaining = n, rounds = 0, exact = 0;
	bool stuck = false;
	while (remaining > 0 && !stuck) {
		int k = s->variant == V_NOTIFY_ALL ? remaining : (rounds + 1 < remaining ? rounds + 1 : remaining);
		if (!until_waiting(s, remaining)) {
			stuck = true;
			break;
		}
		tl_cond_acquire(&s->cond, true, TL_FOREVER);
		s->round = ++rounds;
		s->notified_at = tlw_now();
		if (s->variant == V_NOTIFY) {
			tl_cond_notify(&s->cond, k); /* con.notify(int(inp)) */
		} else if (s->variant == V_NOTIFY_ALL) {
			tl_cond_notify_all(&s->cond);
		} else {
			s->tickets += k;
			tl_cond_notify_all(&s->cond);
		}
		double notified_at = s->notified_at;
		tl_cond_release(&s->cond);
		if (!until_woken(s, n - remaining + k)) {
			stuck = true;
			break;
		}
		/* Exactly k: the k woke, and the others are all still waiting. */
		remaining -= k;
		if (until_waiting(s, remaining))
			exact++;
		else
			stuck = true;
		for (int i = 0; i < n; i++)
			if (w[i].woke_round == rounds)
				lat[i] = (w[i].woke_at - notified_at) * 1e6;
	}
	if (stuck) { /* release whoever is left so that the joins return */
		tl_cond_acquire(&s->cond, true, TL_FOREVER);
		s->tickets += n;
		tl_cond_notify_all(&s->cond);
		tl_cond_release(&s->cond);
	}
	tlw_team_join(&t);
	double wall = tlw_now() - t0;

	/* FIFO: round r released the entries right after those of rounds < r. */
	int fifo_ok = 1;
	if (s->variant == V_NOTIFY && !stuck) {
		for (int i = 0; i < n; i++) {
			int rr = w[i].woke_round, first = (rr - 1) * rr / 2; /* 1 + 2 + ... + (rr - 1) */
			if (w[i].entry < first || w[i].entry >= first + rr)
				fifo_ok = 0;
		}
	}
	tlw_counter(c, "wall_s", wall);
	tlw_counter(c, "threads", n);
	tlw_counter(c, "rounds", rounds);
	tlw_counter(c, "rounds_exact", exact);
	tlw_counter(c, "released", s->woken);
	tlw_counter(c, "stuck", stuck);
	if (s->variant == V_NOTIFY)
		tlw_counter(c, "fifo_order", fifo_ok);
	if (s->variant == V_WAIT_FOR)
		tlw_counter(c, "predicate_evaluations", (double)s->evaluations);
	tlw_counter_p50_max(c, "wake", "us", lat, n, 1);
	tlw_note(c, "%d rounds released %d of %d threads, %d rounds exactly as asked", rounds, s->woken, n, exact);
	tl_cond_destroy(&s->cond);
out:
	tlw_team_destroy(&t);
	free(s);
	free(w);
	free(lat);
	return r;
}

TLW_REGISTER(condition, .lesson = "seed §12 Condition: notify(n) releases exactly n waiting threads", .run = run);
