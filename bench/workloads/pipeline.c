/* pipeline — seed exercise 2 (练习二): three threads, one takes "user input",
 * one upper-cases it, one appends it to a file.
 *
 * busywait: as the seed writes it: two shared lists (msg_l, format_l) and
 *   consumers that spin on `if (list) item = list.pop()`. In C the lists are
 *   plain arrays and lengths with no lock (Python's GIL made list.append/pop
 *   atomic; C has no GIL): a data race TSan reports, items that can be lost
 *   or doubled, pop() from the end as in the seed (so the file comes out in
 *   reverse runs), and two cores burned while the input is idle.
 * queue: the same three threads joined by two tl_queue FIFOs; end of input
 *   is queue shutdown (Python 3.13's Queue.shutdown): every item exactly
 *   once, in order, and the consumers sleep while they wait.
 *
 * The busy-wait stays bounded although racy: list indices are bounded ints
 * (a stale read gives a wrong item number, never a wild pointer), the loop
 * re-reads the list through tlw_opaque() each turn (as an interpreter
 * would) and stops on relaxed-atomic end flags, which are not the race.
 * Proof is read back from the file: lines, missing, doubled, out of order.
 */
#include "workload.h"

#include "threadlab/common.h"
#include "threadlab/queue.h"
#include "threadlab/thread.h"
#include "threadlab/trace.h"

#include <ctype.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { V_BUSYWAIT, V_QUEUE };

static const struct tlw_variant variants[] = {
	[V_BUSYWAIT] = { "busywait", TLW_RACE, "seed's shared lists polled without a lock" },
	[V_QUEUE] = { "queue", TLW_CLEAN, "two tl_queue FIFOs, shutdown ends the stream" },
};

static const struct tlw_param params[] = {
	{ "items", 2000, 400, 1, 10000000, NULL, "lines of input", 0 },
	{ "pace_us", 50, 50, 0, 1000000, NULL, "input idles this long between lines (a user typing)", 0 },
};

#define MSG_LEN 32

/* The seed's Python list, without the GIL: plain fields, no lock. */
struct plist {
	int *slot;
	int len;
	int cap;
};

struct pipe_state {
	int variant, items;
	int64_t pace_us;
	char (*msg)[MSG_LEN]; /* input lines, lower case */
	char (*fmt)[MSG_LEN]; /* formatted lines */
	FILE *out;
	/* busywait */
	struct plist msg_l, format_l;
	atomic_int input_done, format_done, stop;
	uint64_t polls[2]; /* empty polls by formatter, saver (each written by its own thread) */
	/* queue */
	tl_queue_t q_msg, q_fmt;
	int err;
};

static bool plist_pop(struct plist *l, int *item)
{
	int n = l->len; /* racy read, as `if msg_l:` */
	if (n <= 0 || n > l->cap)
		return false;
	*item = l->slot[n - 1];
	l->len = n - 1;
	return true;
}

static void plist_append(struct plist *l, int item)
{
	int n = l->len;
	if (n < 0 || n >= l->cap)
		return; /* a racy length out of range: the item is lost, counted later */
	l->slot[n] = item;
	l->len = n + 1;
}

static void upper(char *dst, const char *src)
{
	for (int i = 0; i < MSG_LEN; i++) {
		dst[i] = (char)toupper((unsigned char)src[i]);
		if (!src[i])
			break;
	}
}

static bool valid(const struct pipe_state *s, int idx)
{
	return idx >= 0 && idx < s->items;
}

/* talk(): the seed reads input(); here line i is generated, then the
 * "user" idles pace_us before the next one. */
static void talk(struct pipe_state *s)
{
	for (int i = 0; i < s->items; i++) {
		tlw_sleep_us(s->pace_us);
		if (atomic_load_explicit(&s->stop, memory_order_relaxed))
			break;
		plist_append(&s->msg_l, i);
	}
	atomic_store_explicit(&s->input_done, 1, memory_order_relaxed);
}

/* The seed's consumer, `while True: if l: item = l.pop(); handle(item)`,
 * spinning on the racy list; ends when the stage before it is done and the
 * list is then empty. Empty turns are counted in *polls. */
static void busy_consume(struct pipe_state *s, struct plist *l, atomic_int *upstream_done, uint64_t *polls,
			 void (*handle)(struct pipe_state *, int))
{
	int idx;
	bool spinning = false; /* a "busy-waiting" trace span is open */
	for (;;) {
		tlw_opaque(); /* re-read the list each turn, like `while True: if msg_l:` */
		if (plist_pop(l, &idx)) {
			if (spinning)
				tl_trace_end();
			spinning = false;
			if (valid(s, idx))
				handle(s, idx);
			continue;
		}
		if (!spinning)
			tl_trace_begin("busy-waiting (list empty)");
		spinning = true;
		(*polls)++;
		if (atomic_load_explicit(upstream_done, memory_order_relaxed)) {
			tlw_opaque();
			if (!plist_pop(l, &idx))
				break;
			if (valid(s, idx))
				handle(s, idx);
		}
	}
	tl_trace_end(); /* the busy-wait span the last empty turn opened */
}

static void format_one(struct pipe_state *s, int idx)
{
	upper(s->fmt[idx], s->msg[idx]);
	plist_append(&s->format_l, idx);
}

static void save_one(struct pipe_state *s, int idx)
{
	fprintf(s->out, "%.*s\n", MSG_LEN, s->fmt[idx]);
}

static void format_busy(struct pipe_state *s)
{
	busy_consume(s, &s->msg_l, &s->input_done, &s->polls[0], format_one);
	atomic_store_explicit(&s->format_done, 1, memory_order_relaxed);
}

static void save_busy(struct pipe_state *s)
{
	busy_consume(s, &s->format_l, &s->format_done, &s->polls[1], save_one);
}

/* ---- queue variant ---- */

static void talk_q(struct pipe_state *s)
{
	for (int i = 0; i < s->items; i++) {
		tlw_sleep_us(s->pace_us);
		int r = tl_queue_put(&s->q_msg, (void *)(intptr_t)i, true, TL_FOREVER);
		if (r != 0) {
			s->err = r;
			break;
		}
	}
	tl_queue_shutdown(&s->q_msg, false); /* end of input: getters drain, then see ESHUTDOWN */
}

static void format_q(struct pipe_state *s)
{
	void *item;
	int r;
	while ((r = tl_queue_get(&s->q_msg, &item, true, TL_FOREVER)) == 0) {
		int idx = (int)(intptr_t)item;
		upper(s->fmt[idx], s->msg[idx]);
		r = tl_queue_put(&s->q_fmt, item, true, TL_FOREVER);
		if (r != 0)
			break;
	}
	if (r != TL_ESHUTDOWN)
		s->err = r;
	tl_queue_shutdown(&s->q_fmt, false);
}

static void save_q(struct pipe_state *s)
{
	void *item;
	int r;
	while ((r = tl_queue_get(&s->q_fmt, &item, true, TL_FOREVER)) == 0)
		save_one(s, (int)(intptr_t)item);
	if (r != TL_ESHUTDOWN)
		s->err = r;
}

/* The three threads: thread i runs stage i (talk, format, save). */
static void stage(void *p, int i)
{
	static void (*const busy[3])(struct pipe_state *) = { talk, format_busy, save_busy };
	static void (*const queued[3])(struct pipe_state *) = { talk_q, format_q, save_q };
	struct pipe_state *s = p;
	(s->variant == V_BUSYWAIT ? busy : queued)[i](s);
}

/* Reads the file back: lines, missing, doubled, out of order, bad text. */
static void check_file(struct tlw_ctx *c, struct pipe_state *s)
{
	int n = s->items;
	int *seen = calloc((size_t)n, sizeof *seen);
	rewind(s->out);
	char line[128];
	long lines = 0, bad = 0, out_of_order = 0, doubled = 0;
	int prev = -1;
	while (fgets(line, sizeof line, s->out)) {
		lines++;
		int k;
		char tail[16];
		if (sscanf(line, "MSG-%d %15s", &k, tail) != 2 || k < 0 || k >= n || strcmp(tail, "HELLO") != 0) {
			bad++;
			continue;
		}
		if (seen && seen[k]++)
			doubled++;
		if (k < prev)
			out_of_order++;
		prev = k;
	}
	long missing = 0;
	for (int i = 0; seen && i < n; i++)
		missing += seen[i] == 0;
	free(seen);
	tlw_counter(c, "lines", (double)lines);
	tlw_counter(c, "missing", (double)missing);
	tlw_counter(c, "doubled", (double)doubled);
	tlw_counter(c, "bad_lines", (double)bad);
	tlw_counter(c, "out_of_order", (double)out_of_order);
	tlw_counter(c, "exactly_once", missing == 0 && doubled == 0 && bad == 0 && lines == n);
	tlw_counter(c, "in_order", out_of_order == 0);
}

static int run(struct tlw_ctx *c)
{
	struct pipe_state *s = calloc(1, sizeof *s);
	if (!s)
		return tlw_fail(c, TL_ENOMEM, "out of memory");
	s->variant = c->variant;
	s->items = (int)tlw_p(c, "items");
	s->pace_us = tlw_p(c, "pace_us");
	int n = s->items, r = 0;
	s->msg = calloc((size_t)n, sizeof *s->msg);
	s->fmt = calloc((size_t)n, sizeof *s->fmt);
	s->msg_l.slot = calloc((size_t)n, sizeof(int));
	s->format_l.slot = calloc((size_t)n, sizeof(int));
	s->msg_l.cap = s->format_l.cap = n;
	char path[] = "/tmp/tl-pipeline-XXXXXX";
	int fd = mkstemp(path);
	struct tlw_team t;
	if (tlw_team_init(&t, c, 3, stage, s) != 0 || !s->msg || !s->fmt || !s->msg_l.slot || !s->format_l.slot ||
	    fd < 0) {
		r = tlw_fail(c, TL_ENOMEM, "out of memory or no temp file");
		goto out;
	}
	unlink(path); /* the file lives while it is open, and never after */
	s->out = fdopen(fd, "w+");
	for (int i = 0; i < n; i++)
		snprintf(s->msg[i], MSG_LEN, "msg-%06d hello", i);

	if (c->variant == V_QUEUE) {
		tl_queue_init(&s->q_msg, TL_QUEUE_FIFO, 0);
		tl_queue_init(&s->q_fmt, TL_QUEUE_FIFO, 0);
		tl_trace_name(&s->q_msg, "msg queue");
		tl_trace_name(&s->q_fmt, "format queue");
	}
	double cpu0 = tlw_cpu_seconds(), t0 = tlw_now();
	if ((r = tlw_team_start(&t)) != 0 && c->variant == V_QUEUE) {
		tl_queue_shutdown(&s->q_msg, true);
		tl_queue_shutdown(&s->q_fmt, true);
	} else if (r != 0) {
		atomic_store(&s->stop, 1); /* talk ends, then the others drain and end */
	}
	tlw_team_join(&t);
	double wall = tlw_now() - t0, cpu = tlw_cpu_seconds() - cpu0;
	if (c->variant == V_QUEUE) {
		tl_queue_destroy(&s->q_msg);
		tl_queue_destroy(&s->q_fmt);
	}
	if (r != 0) {
		r = tlw_fail(c, r, "thread start failed: %s", tl_strerror(r));
		goto out;
	}
	if (s->err) {
		r = tlw_fail(c, s->err, "queue error: %s", tl_strerror(s->err));
		goto out;
	}
	fflush(s->out);
	tlw_counter(c, "wall_s", wall);
	tlw_counter(c, "items", n);
	tlw_counter(c, "items_per_s", n / wall);
	tlw_counter(c, "cpu_s", cpu);
	tlw_counter(c, "cpu_per_wall", cpu / wall);
	tlw_counter(c, "empty_polls", (double)(s->polls[0] + s->polls[1]));
	check_file(c, s);
out:
	tlw_team_destroy(&t);
	if (s->out)
		fclose(s->out);
	else if (fd >= 0)
		close(fd);
	free(s->msg);
	free(s->fmt);
	free(s->msg_l.slot);
	free(s->format_l.slot);
	free(s);
	return r;
}

TLW_REGISTER(pipeline,
	     .lesson = "seed exercise 2: input -> upper-case -> file, busy-wait on shared lists vs blocking queues",
	     .baseline = "queue",
	     .run = run);
