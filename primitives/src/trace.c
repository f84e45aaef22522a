/* trace.c — the trace recorder (threadlab/trace.h) and its Chrome Trace
 * Event writer.
 *
 * Recording: each thread appends to its own buffer, a list of fixed chunks
 * it alone writes. An event is written first, then published by a release
 * store of the buffer's count; a new chunk is linked (release) before the
 * count passes into it. The writer loads the count with acquire and reads
 * only events below it, so it never reads a slot being written and needs no
 * lock against recording threads (race-free under TSan while they run).
 * Chunks come from a global budget (one atomic counter): a thread that
 * cannot have one marks its buffer cut (cut_ts written before the release
 * store of `cut`) and records nothing more.
 *
 * Buffers live in one registry list (mu) until the next start or reset; a
 * thread finds its own through a thread-local pointer tagged with the
 * trace generation, so a stale pointer from an earlier trace is never
 * followed.
 *
 * Writing pairs the records into spans: acquire (with its start t0) and
 * release into "waiting to acquire X" + "holding X", waits into
 * "waiting on X". A flow joins a wait to the latest release / signal on
 * the same object, by another thread, within the wait (its ts is taken
 * before the release store, so it precedes the acquire it caused). Spans
 * are emitted from a per-thread stack: an end that is not on top closes
 * the ones above it and reopens them, and whatever is open at the end of
 * a track is closed there, so B/E always balance and nest.
 */
#include "threadlab/trace.h"

#include "tid.h"
#include "trace_hooks.h"
#include "vg_annotate.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHUNK_EVENTS 1024
#define NAME_MAX_LEN 48

struct ev {
	uint64_t ts;
	const void *obj;
	uint64_t t0;
	uint16_t op, kind;
	int32_t r;
};

struct chunk {
	_Atomic(struct chunk *) next;
	struct ev ev[CHUNK_EVENTS];
};

struct tbuf {
	struct tbuf *next; /* registry list (mu) */
	uint32_t tid;
	char name[NAME_MAX_LEN]; /* mu */
	struct chunk *first;     /* set before the buffer is published */
	struct chunk *tail;      /* owner only */
	_Atomic uint64_t n;      /* events published */
	uint64_t cut_ts;         /* written before cut is stored */
	_Atomic int cut;
};

struct objname {
	const void *obj;
	char name[NAME_MAX_LEN];
};

_Atomic int tl__trace_on;
static _Atomic unsigned gen = 1;
static _Atomic size_t chunks_used, chunks_max;
static _Atomic int any_cut;
static uint64_t t_origin; /* mu */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct tbuf *all; /* mu */
static struct objname *names; /* mu */
static size_t nnames, cap_names;

static _Thread_local struct tbuf *my;
static _Thread_local unsigned my_gen;
static _Thread_local char my_name[NAME_MAX_LEN];

uint64_t tl__trace_clock(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A forked child is not the parent's trace: its buffers (copies) are
 * dropped, recording stops, and tl_trace_continue() may restart it on the
 * parent's clock origin. mu is held across fork (prepare / parent / child),
 * so the registry and names the child inherits are consistent. */
static bool on_at_fork;

static void at_fork_prepare(void)
{
	pthread_mutex_lock(&mu);
}

static void at_fork_parent(void)
{
	pthread_mutex_unlock(&mu);
}

static void at_fork_child(void)
{
	on_at_fork = atomic_load_explicit(&tl__trace_on, memory_order_relaxed);
	atomic_store_explicit(&tl__trace_on, 0, memory_order_relaxed);
	atomic_fetch_add_explicit(&gen, 1, memory_order_relaxed);
	all = NULL; /* the parent's: not freed here, not written by the child */
	atomic_store(&chunks_used, 0);
	atomic_store(&any_cut, 0);
	pthread_mutex_unlock(&mu);
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static void init_once(void)
{
	pthread_atfork(at_fork_prepare, at_fork_parent, at_fork_child);
}

int tl_trace_continue(void)
{
	if (!on_at_fork)
		return TL_ESTATE;
	on_at_fork = false;
	atomic_store_explicit(&tl__trace_on, 1, memory_order_release);
	return 0;
}

static bool take_chunk(void)
{
	size_t u = atomic_fetch_add_explicit(&chunks_used, 1, memory_order_relaxed);
	if (u < atomic_load_explicit(&chunks_max, memory_order_relaxed))
		return true;
	atomic_fetch_sub_explicit(&chunks_used, 1, memory_order_relaxed);
	return false;
}

static void set_cut(struct tbuf *b, uint64_t ts)
{
	b->cut_ts = ts;
	TL__VG_HB_BEFORE(&b->cut); /* the release store below, for Helgrind/DRD */
	atomic_store_explicit(&b->cut, 1, memory_order_release);
	atomic_store_explicit(&any_cut, 1, memory_order_relaxed);
}

static struct tbuf *self_buf(uint64_t ts)
{
	unsigned g = atomic_load_explicit(&gen, memory_order_acquire);
	if (my && my_gen == g)
		return my;
	struct tbuf *b = calloc(1, sizeof *b);
	if (!b)
		return NULL; /* nothing to mark: this thread's events are missing, counted nowhere */
	b->tid = tl__self_tid();
	/* Helgrind/DRD: atomics they see as racing plain accesses (cannot
	 * race); the events' edge is annotated on n (record, the readers). */
	TL__VG_IGNORE(&b->n, sizeof b->n);
	TL__VG_IGNORE(&b->cut, sizeof b->cut);
	struct chunk *c = take_chunk() ? calloc(1, sizeof *c) : NULL;
	if (c)
		TL__VG_IGNORE(&c->next, sizeof c->next);
	b->first = b->tail = c;
	if (!c)
		set_cut(b, ts);
	pthread_mutex_lock(&mu);
	if (atomic_load_explicit(&gen, memory_order_relaxed) != g) { /* a start/reset in between */
		pthread_mutex_unlock(&mu);
		free(c);
		free(b);
		return NULL;
	}
	memcpy(b->name, my_name, sizeof b->name);
	b->next = all;
	all = b;
	pthread_mutex_unlock(&mu);
	my = b;
	my_gen = g;
	return b;
}

void tl__trace_rec(int op, int kind, const void *obj, uint64_t t0, int r)
{
	uint64_t ts = tl__trace_clock();
	struct tbuf *b = self_buf(ts);
	if (!b || atomic_load_explicit(&b->cut, memory_order_relaxed))
		return;
	uint64_t n = atomic_load_explicit(&b->n, memory_order_relaxed); /* ours alone */
	unsigned i = (unsigned)(n % CHUNK_EVENTS);
	if (i == 0 && n) {
		struct chunk *c = take_chunk() ? calloc(1, sizeof *c) : NULL;
		if (!c) {
			set_cut(b, ts);
			return;
		}
		TL__VG_IGNORE(&c->next, sizeof c->next);
		atomic_store_explicit(&b->tail->next, c, memory_order_release);
		b->tail = c;
	}
	b->tail->ev[i] = (struct ev){ .ts = ts, .obj = obj, .t0 = t0, .op = (uint16_t)op, .kind = (uint16_t)kind, .r = r };
	TL__VG_HB_BEFORE(&b->n); /* the release store below, for Helgrind/DRD */
	atomic_store_explicit(&b->n, n + 1, memory_order_release);
}

void tl__trace_thread(const void *obj, const char *name)
{
	snprintf(my_name, sizeof my_name, "%s", name ? name : "");
	if (obj && TL__TRACING())
		tl_trace_name(obj, my_name);
	if (my && my_gen == atomic_load_explicit(&gen, memory_order_acquire)) {
		pthread_mutex_lock(&mu);
		memcpy(my->name, my_name, sizeof my->name);
		pthread_mutex_unlock(&mu);
	}
}

/* ---- public switch ---- */

static void free_names_locked(void)
{
	free(names);
	names = NULL;
	nnames = cap_names = 0;
}

static void free_all_locked(void)
{
	for (struct tbuf *b = all, *nb; b; b = nb) {
		nb = b->next;
		for (struct chunk *c = b->first, *nc; c; c = nc) {
			nc = atomic_load_explicit(&c->next, memory_order_relaxed);
			free(c);
		}
		free(b);
	}
	all = NULL;
	atomic_store(&chunks_used, 0);
	atomic_store(&any_cut, 0);
}

int tl_trace_start(size_t max_events)
{
	if (max_events == 0)
		max_events = TL_TRACE_DEFAULT_EVENTS;
	if (max_events < CHUNK_EVENTS)
		return TL_EINVAL;
	pthread_once(&once, init_once);
#ifdef TL_TRACE_OFF
	return TL_EPERM; /* no hook would record: say so rather than write empty traces */
#endif
	pthread_mutex_lock(&mu);
	atomic_store_explicit(&tl__trace_on, 0, memory_order_relaxed);
	atomic_fetch_add_explicit(&gen, 1, memory_order_release);
	free_all_locked();
	atomic_store(&chunks_max, max_events / CHUNK_EVENTS);
	t_origin = tl__trace_clock();
	pthread_mutex_unlock(&mu);
	atomic_store_explicit(&tl__trace_on, 1, memory_order_release);
	return 0;
}

int tl_trace_stop(void)
{
	atomic_store_explicit(&tl__trace_on, 0, memory_order_release);
	return 0;
}

int tl_trace_reset(void)
{
	if (atomic_load(&tl__trace_on))
		return TL_EBUSY;
	pthread_mutex_lock(&mu);
	atomic_fetch_add_explicit(&gen, 1, memory_order_release);
	free_all_locked();
	free_names_locked();
	pthread_mutex_unlock(&mu);
	return 0;
}

bool tl_trace_enabled(void)
{
	return atomic_load_explicit(&tl__trace_on, memory_order_relaxed);
}

size_t tl_trace_events(void)
{
	size_t n = 0;
	pthread_mutex_lock(&mu);
	for (struct tbuf *b = all; b; b = b->next)
		n += atomic_load_explicit(&b->n, memory_order_acquire);
	pthread_mutex_unlock(&mu);
	return n;
}

bool tl_trace_truncated(void)
{
	return atomic_load_explicit(&any_cut, memory_order_relaxed);
}

int tl_trace_name(const void *obj, const char *name)
{
	if (!obj || !name)
		return TL_EINVAL;
	int r = 0;
	pthread_mutex_lock(&mu);
	size_t i = 0;
	while (i < nnames && names[i].obj != obj)
		i++;
	if (i == nnames) {
		if (nnames == cap_names) {
			size_t nc = cap_names ? 2 * cap_names : 16;
			struct objname *nn = realloc(names, nc * sizeof *nn);
			if (!nn) {
				r = TL_ENOMEM;
				goto out;
			}
			names = nn;
			cap_names = nc;
		}
		nnames++;
	}
	names[i].obj = obj;
	snprintf(names[i].name, sizeof names[i].name, "%s", name);
out:
	pthread_mutex_unlock(&mu);
	return r;
}

int tl_trace_thread_name(const char *name)
{
	if (!name)
		return TL_EINVAL;
	tl__trace_thread(NULL, name);
	return 0;
}

void tl_trace_begin(const char *what)
{
	if (TL__TRACING())
		tl__trace_rec(TL__TR_BEGIN, TL__TR_USER, what ? what : "span", 0, 0);
}

void tl_trace_end(void)
{
	if (TL__TRACING())
		tl__trace_rec(TL__TR_END, TL__TR_USER, NULL, 0, 0);
}

void tl_trace_instant(const char *what, const void *obj)
{
	if (TL__TRACING())
		tl__trace_rec(TL__TR_INSTANT, TL__TR_USER, what ? what : "instant", (uint64_t)(uintptr_t)obj, 0);
}

/* ---- writer ---- */

static const char *const kind_noun[TL__TR_NKINDS] = {
	"object", "lock", "rlock", "semaphore", "condition", "event", "queue", "simplequeue", "future", "thread",
};
static const char *const signal_verb[TL__TR_NKINDS] = {
	"signal", "release", "release", "release", "notify", "set", "put", "put", "set_result", "end of",
};

struct tev { /* one event of the snapshot, in thread order */
	struct ev e;
	uint32_t thread;
	uint32_t flow_in; /* flow id ending here, 0: none */
};

struct sig {
	const void *obj;
	uint64_t ts;
	size_t at; /* index into the snapshot */
};

struct flow_out {
	size_t at;
	uint32_t id;
};

struct wctx {
	FILE *f;
	bool first;
	uint32_t pid;
	/* object names, resolved once: the user's, else "<kind>#k" */
	const void **objs;
	char (*onames)[NAME_MAX_LEN];
	size_t nobjs, capobjs;
	int per_kind[TL__TR_NKINDS];
};

static int cmp_sig(const void *a, const void *b)
{
	const struct sig *x = a, *y = b;
	if (x->obj != y->obj)
		return (uintptr_t)x->obj < (uintptr_t)y->obj ? -1 : 1;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

static int cmp_out(const void *a, const void *b)
{
	const struct flow_out *x = a, *y = b;
	return x->at < y->at ? -1 : x->at > y->at;
}

static void put_json_str(FILE *f, const char *s)
{
	if (!s[strcspn(s, "\"\\\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f\x10\x11\x12\x13"
			   "\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f")]) {
		fprintf(f, "\"%s\"", s); /* nothing to escape: the common case */
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

/* The name of obj: the user's (names[], mu held), else "<kind>#k" by order
 * of appearance in the file. NULL only when out of memory. */
static const char *obj_name(struct wctx *w, const void *obj, int kind)
{
	for (size_t i = 0; i < w->nobjs; i++)
		if (w->objs[i] == obj)
			return w->onames[i];
	if (w->nobjs == w->capobjs) {
		size_t nc = w->capobjs ? 2 * w->capobjs : 64;
		const void **no = realloc(w->objs, nc * sizeof *no);
		if (!no)
			return NULL;
		w->objs = no;
		char(*nn)[NAME_MAX_LEN] = realloc(w->onames, nc * sizeof *nn);
		if (!nn)
			return NULL;
		w->onames = nn;
		w->capobjs = nc;
	}
	size_t i = w->nobjs++;
	w->objs[i] = obj;
	size_t u = 0;
	while (u < nnames && names[u].obj != obj)
		u++;
	if (u < nnames)
		memcpy(w->onames[i], names[u].name, NAME_MAX_LEN);
	else
		snprintf(w->onames[i], NAME_MAX_LEN, "%s#%d", kind_noun[kind < TL__TR_NKINDS ? kind : 0],
			 ++w->per_kind[kind < TL__TR_NKINDS ? kind : 0]);
	return w->onames[i];
}

/* One event object: ph, name, ts (ns since origin), the rest as given. */
static void emit(struct wctx *w, char ph, const char *name, const char *cat, uint64_t ts_ns, uint32_t tid,
		 const char *extra)
{
	fputs(w->first ? "\n" : ",\n", w->f);
	w->first = false;
	fprintf(w->f, "{\"ph\":\"%c\",\"pid\":%" PRIu32 ",\"tid\":%" PRIu32 ",\"ts\":%.3f", ph, w->pid, tid,
		(double)ts_ns / 1e3);
	if (name) {
		fputs(",\"name\":", w->f);
		put_json_str(w->f, name);
	}
	if (cat)
		fprintf(w->f, ",\"cat\":\"%s\"", cat);
	if (extra)
		fputs(extra, w->f);
	fputc('}', w->f);
}

#define MAX_DEPTH 64
struct span {
	char name[NAME_MAX_LEN + 32];
	const void *obj; /* lock held, or NULL for a user span */
	const char *cat;
	uint64_t begin;
};

struct track {
	struct span st[MAX_DEPTH];
	int depth, skipped; /* skipped: begins past MAX_DEPTH, their ends ignored */
	uint64_t last;
	uint32_t tid;
};

static void span_begin(struct wctx *w, struct track *t, const char *name, const char *cat, const void *obj,
		       uint64_t ts)
{
	if (t->depth == MAX_DEPTH) {
		t->skipped++;
		return;
	}
	struct span *s = &t->st[t->depth++];
	snprintf(s->name, sizeof s->name, "%s", name);
	s->obj = obj;
	s->cat = cat;
	s->begin = ts;
	emit(w, 'B', s->name, cat, ts, t->tid, NULL);
}

/* Ends the innermost span matching (obj, user) at ts: the spans above it
 * close and reopen, keeping B/E nested. false if none is open. */
static bool span_end(struct wctx *w, struct track *t, const void *obj, bool user, uint64_t ts, const char *extra)
{
	int k = t->depth - 1;
	while (k >= 0 && !(user ? t->st[k].obj == NULL : t->st[k].obj == obj))
		k--;
	if (k < 0) {
		if (user && t->skipped) {
			t->skipped--;
			return true;
		}
		return false;
	}
	for (int j = t->depth - 1; j > k; j--)
		emit(w, 'E', t->st[j].name, t->st[j].cat, ts, t->tid, NULL);
	emit(w, 'E', t->st[k].name, t->st[k].cat, ts, t->tid, extra);
	for (int j = k + 1; j < t->depth; j++)
		emit(w, 'B', t->st[j].name, t->st[j].cat, ts, t->tid, NULL);
	memmove(&t->st[k], &t->st[k + 1], (size_t)(t->depth - k - 1) * sizeof t->st[0]);
	t->depth--;
	return true;
}

static const char *result_args(int r)
{
	switch (r) {
	case 0:
		return NULL;
	case TL_ETIMEDOUT:
		return ",\"args\":{\"result\":\"timed out\"}";
	case TL_EBUSY:
		return ",\"args\":{\"result\":\"busy\"}";
	default:
		return ",\"args\":{\"result\":\"error\"}";
	}
}

/* Flow ids carry the pid (id < 2^24, pid < 2^22: exact in a JSON double),
 * so the files of several processes merge without clashes. */
static void flow(struct wctx *w, char ph, uint32_t id, uint64_t ts, uint32_t tid)
{
	char extra[64];
	snprintf(extra, sizeof extra, ",\"id\":%" PRIu64 "%s", (uint64_t)w->pid << 24 | (id & 0xffffff),
		 ph == 'f' ? ",\"bp\":\"e\"" : "");
	emit(w, ph, "wakes", "flow", ts, tid, extra);
}

int tl_trace_write(const char *path, const char *process_name)
{
	if (!path || !*path)
		return TL_EINVAL;
	int err = 0;
	struct tev *evs = NULL;
	struct sig *sigs = NULL;
	struct flow_out *outs = NULL;
	struct track *tr = NULL;
	struct wctx w = { .first = true, .pid = (uint32_t)getpid() };
	char tmp[4096 + 32];
	FILE *f = NULL;
	if (snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid()) >= (int)sizeof tmp)
		return TL_EINVAL;

	pthread_mutex_lock(&mu); /* the registry and names stay put while we write */
	uint64_t origin = t_origin;
	size_t nthreads = 0, total = 0;
	for (struct tbuf *b = all; b; b = b->next) {
		nthreads++;
		total += atomic_load_explicit(&b->n, memory_order_acquire);
	}
	/* Snapshot: every buffer's published events (counts re-read below and
	 * capped at what was allotted), thread by thread, oldest first. */
	struct tbuf **bufs = calloc(nthreads ? nthreads : 1, sizeof *bufs);
	uint64_t *cnt = calloc(nthreads ? nthreads : 1, sizeof *cnt);
	evs = malloc((total ? total : 1) * sizeof *evs);
	if (!bufs || !cnt || !evs) {
		err = TL_ENOMEM;
		goto unlock;
	}
	{
		size_t k = nthreads;
		for (struct tbuf *b = all; b; b = b->next)
			bufs[--k] = b; /* registration order: the list is newest first */
	}
	size_t nev = 0, nsig = 0;
	for (size_t k = 0; k < nthreads; k++) {
		uint64_t n = atomic_load_explicit(&bufs[k]->n, memory_order_acquire);
		TL__VG_HB_AFTER(&bufs[k]->n);
		if (n > total - nev)
			n = total - nev;
		cnt[k] = n;
		struct chunk *c = bufs[k]->first;
		for (uint64_t i = 0; i < n; i++) {
			if (i && i % CHUNK_EVENTS == 0)
				c = atomic_load_explicit(&c->next, memory_order_acquire);
			evs[nev] = (struct tev){ .e = c->ev[i % CHUNK_EVENTS], .thread = (uint32_t)k };
			if (evs[nev].e.op == TL__TR_REL || evs[nev].e.op == TL__TR_SIGNAL)
				nsig++;
			nev++;
		}
	}

	/* Flows: each wait or acquire that ended because of another thread's
	 * release / signal on the same object during it. */
	sigs = malloc((nsig ? nsig : 1) * sizeof *sigs);
	outs = malloc((nev ? nev : 1) * sizeof *outs);
	if (!sigs || !outs) {
		err = TL_ENOMEM;
		goto unlock;
	}
	nsig = 0;
	for (size_t i = 0; i < nev; i++)
		if (evs[i].e.op == TL__TR_REL || evs[i].e.op == TL__TR_SIGNAL)
			sigs[nsig++] = (struct sig){ evs[i].e.obj, evs[i].e.ts, i };
	qsort(sigs, nsig, sizeof *sigs, cmp_sig);
	size_t nout = 0;
	uint32_t next_id = 1;
	for (size_t i = 0; i < nev; i++) {
		const struct ev *e = &evs[i].e;
		if ((e->op != TL__TR_ACQ && e->op != TL__TR_WAIT) || !e->t0 || (e->op == TL__TR_ACQ && e->r != 0))
			continue; /* a failed acquire was let through by nobody */
		size_t lo = 0, hi = nsig; /* first sig > (obj, ts) */
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			const struct sig *s = &sigs[mid];
			bool le = (uintptr_t)s->obj < (uintptr_t)e->obj || (s->obj == e->obj && s->ts <= e->ts);
			if (le)
				lo = mid + 1;
			else
				hi = mid;
		}
		while (lo > 0 && sigs[lo - 1].obj == e->obj && sigs[lo - 1].ts >= e->t0) {
			lo--;
			if (evs[sigs[lo].at].thread != evs[i].thread) {
				evs[i].flow_in = next_id;
				outs[nout++] = (struct flow_out){ sigs[lo].at, next_id++ };
				break;
			}
		}
	}
	qsort(outs, nout, sizeof *outs, cmp_out);

	f = fopen(tmp, "w");
	if (!f) {
		err = -errno;
		goto unlock;
	}
	w.f = f;
	tr = calloc(1, sizeof *tr);
	if (!tr) {
		err = TL_ENOMEM;
		goto unlock;
	}
	fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[", f);
	fprintf(f, "\n{\"ph\":\"M\",\"pid\":%" PRIu32 ",\"tid\":0,\"name\":\"process_name\",\"args\":{\"name\":", w.pid);
	put_json_str(f, process_name ? process_name : "threadlab");
	fputs("}}", f);
	w.first = false;

	size_t at = 0, oi = 0;
	uint32_t self_pid = w.pid;
	for (size_t k = 0; k < nthreads; k++) {
		struct tbuf *b = bufs[k];
		*tr = (struct track){ .tid = b->tid };
		char extra[160], tname[NAME_MAX_LEN + 32];
		if (b->name[0])
			snprintf(tname, sizeof tname, "%s", b->name);
		else
			snprintf(tname, sizeof tname, "%s %" PRIu32, b->tid == self_pid ? "main" : "thread", b->tid);
		fprintf(f, ",\n{\"ph\":\"M\",\"pid\":%" PRIu32 ",\"tid\":%" PRIu32 ",\"name\":\"thread_name\",\"args\":{\"name\":",
			w.pid, b->tid);
		put_json_str(f, tname);
		fprintf(f, "}},\n{\"ph\":\"M\",\"pid\":%" PRIu32 ",\"tid\":%" PRIu32
			   ",\"name\":\"thread_sort_index\",\"args\":{\"sort_index\":%zu}}",
			w.pid, b->tid, k);
		for (uint64_t i = 0; i < cnt[k]; i++, at++) {
			const struct tev *te = &evs[at];
			const struct ev *e = &te->e;
			uint64_t ts = e->ts - (e->ts >= origin ? origin : e->ts);
			uint64_t t0 = e->t0 && e->t0 >= origin ? e->t0 - origin : ts;
			int kind = e->kind < TL__TR_NKINDS ? e->kind : 0;
			const char *on = e->op == TL__TR_BEGIN || e->op == TL__TR_END || e->op == TL__TR_INSTANT
						 ? NULL
						 : obj_name(&w, e->obj, kind);
			char name[NAME_MAX_LEN + 32];
			if (!on && e->op != TL__TR_BEGIN && e->op != TL__TR_END && e->op != TL__TR_INSTANT) {
				err = TL_ENOMEM;
				goto unlock;
			}
			switch (e->op) {
			case TL__TR_ACQ:
				/* Waited: another thread's release ended it, or it failed. */
				if (te->flow_in || (e->r != 0 && e->r != TL_EBUSY)) { /* EBUSY: a try, no wait */
					snprintf(name, sizeof name, "waiting to acquire %s", on);
					span_begin(&w, tr, name, "wait", (const char *)e->obj + 1, t0);
					if (te->flow_in)
						flow(&w, 'f', te->flow_in, ts - 1 > t0 ? ts - 1 : t0, tr->tid);
					span_end(&w, tr, (const char *)e->obj + 1, false, ts, result_args(e->r));
				}
				if (e->r == 0 && kind != TL__TR_SEM) {
					snprintf(name, sizeof name, "holding %s", on);
					span_begin(&w, tr, name, "hold", e->obj, ts);
				}
				break;
			case TL__TR_REL:
			case TL__TR_SIGNAL: {
				bool held = false;
				for (int j = 0; j < tr->depth; j++)
					held |= tr->st[j].obj == e->obj;
				uint64_t fts = ts;
				if (held && e->op == TL__TR_REL) {
					uint64_t b0 = 0;
					for (int j = 0; j < tr->depth; j++)
						if (tr->st[j].obj == e->obj)
							b0 = tr->st[j].begin;
					fts = ts - 1 > b0 ? ts - 1 : b0;
				} else {
					snprintf(name, sizeof name, "%s %s", signal_verb[kind], on);
					emit(&w, 'i', name, "signal", ts, tr->tid, ",\"s\":\"t\"");
				}
				for (; oi < nout && outs[oi].at < at; oi++)
					;
				for (; oi < nout && outs[oi].at == at; oi++)
					flow(&w, 's', outs[oi].id, fts, tr->tid);
				if (held && e->op == TL__TR_REL)
					span_end(&w, tr, e->obj, false, ts, NULL);
				break;
			}
			case TL__TR_WAIT:
				snprintf(name, sizeof name, "waiting on %s", on);
				span_begin(&w, tr, name, "wait", (const char *)e->obj + 1, t0);
				if (te->flow_in)
					flow(&w, 'f', te->flow_in, ts - 1 > t0 ? ts - 1 : t0, tr->tid);
				span_end(&w, tr, (const char *)e->obj + 1, false, ts, result_args(e->r));
				break;
			case TL__TR_BEGIN:
				span_begin(&w, tr, (const char *)e->obj, "user", NULL, ts);
				break;
			case TL__TR_END:
				span_end(&w, tr, NULL, true, ts, NULL);
				break;
			case TL__TR_INSTANT: {
				const void *o = (const void *)(uintptr_t)e->t0;
				char x[NAME_MAX_LEN + 64] = ",\"s\":\"t\"";
				if (o) {
					const char *nm = obj_name(&w, o, TL__TR_USER);
					if (nm) {
						char esc[NAME_MAX_LEN * 6 + 1];
						size_t q = 0;
						for (const char *p = nm; *p && q + 7 < sizeof esc; p++)
							if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
								esc[q++] = '_';
							else
								esc[q++] = *p;
						esc[q] = '\0';
						snprintf(x, sizeof x, ",\"s\":\"t\",\"args\":{\"object\":\"%.48s\"}", esc);
					}
				}
				emit(&w, 'i', (const char *)e->obj, "user", ts, tr->tid, x);
				break;
			}
			}
			tr->last = ts;
		}
		uint64_t end = tr->last;
		if (atomic_load_explicit(&b->cut, memory_order_acquire)) {
			TL__VG_HB_AFTER(&b->cut);
			end = b->cut_ts >= origin ? b->cut_ts - origin : end;
			if (end < tr->last)
				end = tr->last;
			emit(&w, 'i', "trace cut: event budget reached, nothing more recorded for this thread", "cut",
			     end, tr->tid, ",\"s\":\"t\"");
		}
		snprintf(extra, sizeof extra, ",\"args\":{\"unterminated\":true}");
		while (tr->depth > 0)
			span_end(&w, tr, tr->st[tr->depth - 1].obj, tr->st[tr->depth - 1].obj == NULL, end, extra);
	}
	fprintf(f, "\n],\"otherData\":{\"tool\":\"threadlab\",\"threads\":%zu,\"events\":%zu,\"truncated\":%s}}\n",
		nthreads, nev, atomic_load(&any_cut) ? "true" : "false");

unlock:
	pthread_mutex_unlock(&mu);
	free(bufs);
	free(cnt);
	free(evs);
	free(sigs);
	free(outs);
	free(tr);
	free(w.objs);
	free(w.onames);
	if (f) {
		if (!err && (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0))
			err = -(errno ? errno : EIO);
		if (fclose(f) != 0 && !err)
			err = -(errno ? errno : EIO);
		if (!err && rename(tmp, path) != 0)
			err = -errno;
		if (err)
			unlink(tmp);
	}
	return err;
}

#ifdef TL_VALGRIND
/* Helgrind/DRD: the global switches and counters are atomics they see as
 * racing plain accesses (cannot race; the events' edges are annotated on
 * each buffer's n and cut). */
__attribute__((constructor)) static void vg_ignore_globals(void)
{
	TL__VG_IGNORE(&tl__trace_on, sizeof tl__trace_on);
	TL__VG_IGNORE(&gen, sizeof gen);
	TL__VG_IGNORE(&chunks_used, sizeof chunks_used);
	TL__VG_IGNORE(&chunks_max, sizeof chunks_max);
	TL__VG_IGNORE(&any_cut, sizeof any_cut);
}
#endif
