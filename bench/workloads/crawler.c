/* crawler — seed section 十五 (concurrent.futures, 回调函数): a pool fetches
 * pages and add_done_callback parses each result and appends a line to a
 * file:
 *
 *     def get_page(url):  r = requests.get(url); return {'url': url, 'text': r.text}
 *     def parse_page(res): res = res.result()
 *                          with open('db.txt', 'a') as f:
 *                              f.write('url:<%s> size:[%s]\n' % (res['url'], len(res['text'])))
 *     p = ThreadPoolExecutor(3)          # or ProcessPoolExecutor(3)
 *     for url in urls: p.submit(get_page, url).add_done_callback(parse_page)
 *
 * serial: for url in urls: parse_page(get_page(url)) in the caller (the
 *         baseline: no pool, one fetch at a time).
 * thread: tl_executor (ThreadPoolExecutor) of `workers` threads; the
 *         callback runs in the worker that completes the future, or in the
 *         caller when the future was already done at add_done_callback.
 * process: tl_procpool (ProcessPoolExecutor) of `workers` forked processes:
 *         get_page runs in a worker process, its result (url + text) comes
 *         back as bytes, and parse_page runs in the parent, in the pool's
 *         manager thread (or in the caller if already done). The pool is
 *         created before any thread of the workload starts (it forks).
 *         TSan scope: skip — TSan does not follow forked children, so the
 *         fetches would go unchecked; the case is declared out of scope
 *         rather than passed as "clean".
 *
 * The "internet" is a tiny HTTP/1.0 server this workload starts on
 * 127.0.0.1 only (ephemeral port): `server_threads` threads accept exactly
 * `pages` connections in total, answer GET /page/<id> after `latency_us`
 * (the remote site's think time: what makes a pool pay off) with a body of
 * a size derived from the id, and stop by themselves. Every socket wait
 * has a poll() timeout, so a broken run fails instead of hanging.
 *
 * Proof of exactly-once: the file the callbacks appended to is read back;
 * every page id must appear on exactly one line with the size the server
 * sent (parsed_once=1). Counters: pages/s, lines, missing, duplicates,
 * bad lines/sizes, callbacks run in a pool thread vs in the caller, distinct
 * callback threads, fetch and server errors.
 */
#include "workload.h"

#include "threadlab/common.h"
#include "threadlab/executor.h"
#include "threadlab/future.h"
#include "threadlab/procpool.h"
#include "threadlab/thread.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

enum { V_SERIAL, V_THREAD, V_PROCESS };

static const struct tlw_variant variants[] = {
	[V_SERIAL] = { "serial", TLW_CLEAN, "get_page then parse_page in the caller, one page at a time" },
	[V_THREAD] = { "thread", TLW_CLEAN, "ThreadPoolExecutor submit(get_page).add_done_callback(parse_page)" },
	[V_PROCESS] = { "process", TLW_SKIP,
			"TSan does not follow forked children: get_page runs in ProcessPoolExecutor worker "
			"processes that TSan cannot check" },
};

static const struct tlw_param params[] = {
	{ "pages", 200, 40, 1, 100000, NULL, "pages fetched (= requests the server accepts)", 0 },
	{ "workers", 3, 3, 1, 256, NULL, "pool workers (the seed's ProcessPoolExecutor(3))", 0 },
	{ "latency_us", 2000, 500, 0, 10000000, NULL, "server think time per page", 0 },
	{ "page_bytes", 4096, 1024, 16, 1 << 20, NULL, "mean page body size", 0 },
	{ "server_threads", 8, 4, 1, 256, NULL, "server threads (concurrent requests served)", 0 },
};

#define IO_TIMEOUT_MS 10000
#define MAX_CB_THREADS 64

struct crawler {
	const struct tlw_ctx *c;
	int variant, pages, workers, server_threads, page_bytes;
	int64_t latency_us;
	int lfd;
	struct sockaddr_in addr;
	char db[64];      /* the seed's db.txt, opened by path: /proc/self/fd/<dbfd> */
	char db_name[64]; /* the temp file's name, removed as soon as it is open */
	int dbfd;
	pid_t parent;     /* the process that forks the process pool's workers */
	pthread_t caller;
	/* server */
	atomic_int claimed, served, server_errors;
	/* client */
	atomic_int fetch_errors, parse_errors, cb_in_caller, cb_in_worker;
	pthread_mutex_t mu; /* guards cb_threads */
	pthread_t cb_threads[MAX_CB_THREADS];
	int ncb_threads;
	atomic_int pool_index;
	atomic_int *proc_index; /* process pool: shared, for pinning workers */
};

/* One fetched page: the seed's {'url': url, 'text': text}. */
struct page {
	int id;
	char url[64];
	size_t len;
	char *text;
};

struct job {
	struct crawler *cr;
	int id;
};

/* The body size of page id: between page_bytes/2 and 3*page_bytes/2. */
static size_t body_size(const struct crawler *cr, int id)
{
	return (size_t)cr->page_bytes / 2 + ((size_t)id * 7919u) % (size_t)cr->page_bytes;
}

static int wait_fd(int fd, short ev)
{
	return tlw_wait_fd(fd, ev, IO_TIMEOUT_MS);
}

/* ---- the server ---- */

static void serve_one(struct crawler *cr, int fd)
{
	char req[512];
	size_t have = 0;
	while (have < sizeof req - 1 && !memmem(req, have, "\r\n\r\n", 4)) {
		if (wait_fd(fd, POLLIN) != 0)
			goto fail;
		ssize_t n = recv(fd, req + have, sizeof req - 1 - have, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		have += (size_t)n;
	}
	req[have] = '\0';
	int id = -1;
	if (sscanf(req, "GET /page/%d HTTP/1.", &id) != 1 || id < 0 || id >= cr->pages) {
		static const char nf[] = "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n";
		tlw_send_all(fd, nf, sizeof nf - 1);
		goto fail;
	}
	tlw_sleep_us(cr->latency_us); /* the remote site thinks */
	size_t len = body_size(cr, id);
	char *resp = malloc(len + 128);
	if (!resp)
		goto fail;
	int h = snprintf(resp, 128, "HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nContent-Length: %zu\r\n\r\n", len);
	int t = snprintf(resp + h, len + 1, "<html><title>page %d</title><body>", id);
	for (size_t i = (size_t)t; i < len; i++)
		resp[h + i] = (char)('a' + (id + (int)i) % 26);
	int r = tlw_send_all(fd, resp, (size_t)h + len);
	free(resp);
	if (r != 0)
		goto fail;
	atomic_fetch_add(&cr->served, 1);
	close(fd);
	return;
fail:
	atomic_fetch_add(&cr->server_errors, 1);
	close(fd);
}

/* Accepts until `pages` connections were claimed by all server threads.
 * Server thread i is the workload's thread i; pool workers come after. */
static void server(void *p, int i)
{
	struct crawler *cr = p;
	(void)i;
	while (atomic_fetch_add(&cr->claimed, 1) < cr->pages) {
		int fd = -1;
		while (fd < 0) {
			if (wait_fd(cr->lfd, POLLIN) != 0)
				break;
			/* another server thread may take it first: non-blocking */
			fd = accept4(cr->lfd, NULL, NULL, SOCK_CLOEXEC);
			if (fd < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
			    errno != ECONNABORTED)
				break;
		}
		if (fd < 0) {
			atomic_fetch_add(&cr->server_errors, 1);
			return;
		}
		serve_one(cr, fd);
	}
}

/* ---- get_page / parse_page ---- */

/* get_page(url): a fresh connection per page, as requests.get. */
static int get_page(struct crawler *cr, int id, struct page **out)
{
	struct page *pg = calloc(1, sizeof *pg);
	char *buf = NULL;
	int fd = -1;
	if (!pg)
		goto fail;
	pg->id = id;
	snprintf(pg->url, sizeof pg->url, "http://127.0.0.1:%d/page/%d", ntohs(cr->addr.sin_port), id);
	if ((fd = tlw_connect(&cr->addr)) < 0)
		goto fail;
	char req[128];
	int n = snprintf(req, sizeof req, "GET /page/%d HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", id);
	if (tlw_send_all(fd, req, (size_t)n) != 0)
		goto fail;
	size_t cap = body_size(cr, id) + 256, have = 0;
	if (!(buf = malloc(cap + 1)))
		goto fail;
	for (;;) { /* HTTP/1.0: the body ends when the server closes */
		if (have == cap) {
			char *nb = realloc(buf, 2 * cap + 1);
			if (!nb)
				goto fail;
			buf = nb;
			cap *= 2;
		}
		if (wait_fd(fd, POLLIN) != 0)
			goto fail;
		ssize_t k = recv(fd, buf + have, cap - have, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			goto fail;
		if (k == 0)
			break;
		have += (size_t)k;
	}
	close(fd);
	fd = -1;
	buf[have] = '\0';
	/* if respone.status_code == 200: return {'url': url, 'text': respone.text} */
	char *body = strstr(buf, "\r\n\r\n");
	size_t clen;
	const char *cl = strstr(buf, "Content-Length: ");
	if (strncmp(buf, "HTTP/1.0 200 ", 13) != 0 || !body || !cl || sscanf(cl, "Content-Length: %zu", &clen) != 1)
		goto fail;
	body += 4;
	pg->len = have - (size_t)(body - buf);
	if (pg->len != clen)
		goto fail;
	memmove(buf, body, pg->len);
	buf[pg->len] = '\0';
	pg->text = buf;
	*out = pg;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	free(pg);
	atomic_fetch_add(&cr->fetch_errors, 1);
	return TL_EAGAIN;
}

static void note_cb_thread(struct crawler *cr)
{
	pthread_t self = pthread_self();
	if (pthread_equal(self, cr->caller))
		atomic_fetch_add(&cr->cb_in_caller, 1);
	else
		atomic_fetch_add(&cr->cb_in_worker, 1);
	pthread_mutex_lock(&cr->mu);
	int seen = 0;
	for (int i = 0; i < cr->ncb_threads && !seen; i++)
		seen = pthread_equal(cr->cb_threads[i], self);
	if (!seen && cr->ncb_threads < MAX_CB_THREADS)
		cr->cb_threads[cr->ncb_threads++] = self;
	pthread_mutex_unlock(&cr->mu);
}

/* parse_page(res): one line appended per page; open/append/close each time,
 * as the seed's `with open('db.txt', 'a')`. O_APPEND makes each write(2)
 * land whole at the end, so lines from several threads never interleave. */
static int parse_page(struct crawler *cr, const struct page *pg)
{
	char line[160];
	int n = snprintf(line, sizeof line, "url:<%s> size:[%zu]\n", pg->url, pg->len);
	int fd = open(cr->db, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t w = write(fd, line, (size_t)n);
	close(fd);
	return w == n ? 0 : TL_EAGAIN;
}

static void free_page(struct page *pg)
{
	if (pg) {
		free(pg->text);
		free(pg);
	}
}

/* The pool task: get_page(url). */
static int get_page_task(void *arg, void **result)
{
	struct job *j = arg;
	struct page *pg = NULL;
	int r = get_page(j->cr, j->id, &pg);
	*result = pg;
	return r;
}

/* The done callback: res = future.result(); parse it. */
static void parse_page_cb(tl_future_t *f, void *arg)
{
	struct job *j = arg;
	struct crawler *cr = j->cr;
	note_cb_thread(cr);
	void *v = NULL;
	/* A failed fetch was counted by get_page (threads) */
	if (tl_future_result(f, 0, &v) != 0)
		return;
	if (parse_page(cr, v) != 0)
		atomic_fetch_add(&cr->parse_errors, 1);
	free_page(v); /* the callback is the result's only consumer */
}

/* ---- the process pool: the task in a worker, bytes back ---- */

/* What a worker sends back: the seed's {'url': url, 'text': text}. */
struct wire_page {
	int id;
	char url[64];
	char text[]; /* the rest of the buffer */
};

struct proc_arg {
	struct crawler *cr; /* valid in the worker: a fork()ed copy of this program */
	int id;
};

static int get_page_proc(const void *arg, size_t len, void **out, size_t *out_len)
{
	struct proc_arg a;
	if (len != sizeof a)
		return TL_EINVAL;
	memcpy(&a, arg, sizeof a);
	struct page *pg = NULL;
	int r = get_page(a.cr, a.id, &pg); /* its error counter is the worker's copy */
	if (r != 0)
		return r;
	struct wire_page *w = malloc(sizeof *w + pg->len);
	if (!w) {
		free_page(pg);
		return TL_ENOMEM;
	}
	w->id = pg->id;
	memcpy(w->url, pg->url, sizeof w->url);
	memcpy(w->text, pg->text, pg->len);
	*out = w;
	*out_len = sizeof *w + pg->len;
	free_page(pg);
	return 0;
}

static void parse_page_proc_cb(tl_future_t *f, void *arg)
{
	struct job *j = arg;
	struct crawler *cr = j->cr;
	note_cb_thread(cr);
	const void *data;
	size_t len;
	if (tl_future_result_bytes(f, 0, &data, &len) != 0 || len < sizeof(struct wire_page)) {
		atomic_fetch_add(&cr->fetch_errors, 1); /* the worker's failure, seen here */
		return;
	}
	const struct wire_page *w = data;
	struct page pg = { .id = w->id, .len = len - sizeof *w, .text = (char *)w->text };
	memcpy(pg.url, w->url, sizeof pg.url);
	if (parse_page(cr, &pg) != 0)
		atomic_fetch_add(&cr->parse_errors, 1);
}

static int pin_proc_worker(void *p)
{
	struct crawler *cr = p;
	/* A worker dies with the workload (a killed tl-workload / tl-bench
	 * left them running ~10 s); the getppid check covers a parent that
	 * died before prctl. The pool is created and destroyed by one thread,
	 * which outlives it, so "parent thread exits" means the parent died. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != cr->parent)
		_exit(1);
	tlw_pin_self(cr->c, atomic_fetch_add(cr->proc_index, 1));
	return 0;
}

static int pin_worker(void *p)
{
	struct crawler *cr = p;
	tlw_pin_self(cr->c, atomic_fetch_add(&cr->pool_index, 1));
	return 0;
}

/* ---- the crawl ---- */

static int crawl_serial(struct crawler *cr)
{
	for (int i = 0; i < cr->pages; i++) {
		struct page *pg = NULL;
		if (get_page(cr, i, &pg) != 0)
			continue;
		note_cb_thread(cr);
		if (parse_page(cr, pg) != 0)
			atomic_fetch_add(&cr->parse_errors, 1);
		free_page(pg);
	}
	return 0;
}

static int crawl_thread_pool(struct tlw_ctx *c, struct crawler *cr, struct job *jobs, int *nthreads)
{
	tl_executor_t *ex;
	tl_executor_opts_t opts = { cr->workers, "crawler", pin_worker, cr };
	int r = tl_executor_create(&ex, &opts);
	if (r != 0)
		return tlw_fail(c, r, "tl_executor_create: %s", tl_strerror(r));
	for (int i = 0; i < cr->pages; i++) {
		/* p.submit(get_page, url).add_done_callback(parse_page) */
		tl_future_t *f;
		r = tl_executor_submit(ex, get_page_task, &jobs[i], &f);
		if (r != 0) {
			atomic_fetch_add(&cr->fetch_errors, 1);
			continue;
		}
		if (tl_future_add_done_callback(f, parse_page_cb, &jobs[i]) != 0)
			atomic_fetch_add(&cr->parse_errors, 1);
		tl_future_unref(f); /* the executor keeps its own until the callbacks ran */
	}
	*nthreads = tl_executor_num_threads(ex);
	/* shutdown(wait=True): every task ran, and with it its callback */
	tl_executor_destroy(ex);
	return 0;
}

static int crawl_process_pool(struct tlw_ctx *c, struct crawler *cr, tl_procpool_t *pp, struct job *jobs)
{
	for (int i = 0; i < cr->pages; i++) {
		/* p.submit(get_page, url).add_done_callback(parse_page) */
		struct proc_arg a = { cr, i };
		tl_future_t *f;
		int r = tl_procpool_submit(pp, get_page_proc, &a, sizeof a, &f);
		if (r != 0) {
			if (r == TL_EBROKEN) {
				/* the rest never connects: count them (the server pokes) */
				atomic_fetch_add(&cr->fetch_errors, cr->pages - i);
				return tlw_fail(c, r, "process pool broken at page %d", i);
			}
			atomic_fetch_add(&cr->fetch_errors, 1);
			continue;
		}
		if (tl_future_add_done_callback(f, parse_page_proc_cb, &jobs[i]) != 0)
			atomic_fetch_add(&cr->parse_errors, 1);
		tl_future_unref(f);
	}
	/* shutdown(wait=True): joins the manager thread, after the last
	 * result and its callback */
	int r = tl_procpool_shutdown(pp, true, false);
	return r ? tlw_fail(c, r, "tl_procpool_shutdown: %s", tl_strerror(r)) : 0;
}

/* Reads db back: each page id on exactly one line, with the size sent. */
static void verify(struct tlw_ctx *c, struct crawler *cr)
{
	int *count = calloc((size_t)cr->pages, sizeof *count);
	long lines = 0, bad_lines = 0, bad_sizes = 0, missing = 0, dups = 0;
	FILE *f = fopen(cr->db, "r");
	char line[256];
	while (f && count && fgets(line, sizeof line, f)) {
		int port, id;
		size_t size;
		lines++;
		if (sscanf(line, "url:<http://127.0.0.1:%d/page/%d> size:[%zu]", &port, &id, &size) != 3 ||
		    port != ntohs(cr->addr.sin_port) || id < 0 || id >= cr->pages) {
			bad_lines++;
			continue;
		}
		count[id]++;
		if (size != body_size(cr, id))
			bad_sizes++;
	}
	if (f)
		fclose(f);
	for (int i = 0; count && i < cr->pages; i++) {
		missing += count[i] == 0;
		dups += count[i] > 1;
	}
	if (!count || !f)
		missing = cr->pages;
	free(count);
	tlw_counter(c, "lines", (double)lines);
	tlw_counter(c, "missing", (double)missing);
	tlw_counter(c, "duplicates", (double)dups);
	tlw_counter(c, "bad_lines", (double)bad_lines);
	tlw_counter(c, "bad_sizes", (double)bad_sizes);
	tlw_counter(c, "parsed_once",
		    lines == cr->pages && missing == 0 && dups == 0 && bad_lines == 0 && bad_sizes == 0);
}

static int run(struct tlw_ctx *c)
{
	struct crawler *cr = calloc(1, sizeof *cr);
	if (!cr)
		return tlw_fail(c, TL_ENOMEM, "out of memory");
	cr->c = c;
	cr->variant = c->variant;
	cr->pages = (int)tlw_p(c, "pages");
	cr->workers = (int)tlw_p(c, "workers");
	cr->latency_us = tlw_p(c, "latency_us");
	cr->page_bytes = (int)tlw_p(c, "page_bytes");
	cr->server_threads = (int)tlw_p(c, "server_threads");
	cr->caller = pthread_self();
	cr->lfd = -1;
	cr->dbfd = -1;
	cr->parent = getpid();
	pthread_mutex_init(&cr->mu, NULL);
	atomic_init(&cr->pool_index, cr->server_threads);
	int r = 0, nthreads = 0;
	tl_procpool_t *pp = NULL;
	double pool_create_s = 0; /* process pool: forking the workers, outside wall_s */
	struct tlw_team srv;
	int e1 = tlw_team_init(&srv, c, cr->server_threads, server, cr);
	struct job *jobs = calloc((size_t)cr->pages, sizeof *jobs);
	if (e1 || !jobs) {
		r = tlw_fail(c, TL_ENOMEM, "out of memory");
		goto out;
	}
	for (int i = 0; i < cr->pages; i++)
		jobs[i] = (struct job){ cr, i };

	/* The file is removed as soon as it exists and reached through
	 * /proc/self/fd while it is open (still opened per line, as the seed
	 * does), so a run killed by SIGINT/SIGTERM leaves nothing in /tmp. */
	const char *tmp = getenv("TMPDIR");
	snprintf(cr->db_name, sizeof cr->db_name, "%s/tl-crawler-XXXXXX", tmp && strlen(tmp) < 40 ? tmp : "/tmp");
	cr->dbfd = mkostemp(cr->db_name, O_CLOEXEC);
	if (cr->dbfd < 0) {
		r = tlw_fail(c, -errno, "mkstemp: %s", strerror(errno));
		goto out;
	}
	unlink(cr->db_name);
	snprintf(cr->db, sizeof cr->db, "/proc/self/fd/%d", cr->dbfd);

	/* 127.0.0.1, an ephemeral port; non-blocking accepts shared by the
	 * server threads (poll says "maybe", another thread may win it) */
	if ((cr->lfd = tlw_listen_loopback(&cr->addr, SOCK_NONBLOCK, 256)) < 0) {
		r = tlw_fail(c, -errno, "listen on 127.0.0.1: %s", strerror(errno));
		goto out;
	}
	if (cr->variant == V_PROCESS) {
		/* Forks the workers: before any thread of ours exists. They
		 * inherit cr (with the server's address) as it is now. */
		cr->proc_index = mmap(NULL, sizeof *cr->proc_index, PROT_READ | PROT_WRITE,
				      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (cr->proc_index == MAP_FAILED) {
			cr->proc_index = NULL;
			r = tlw_fail(c, -errno, "mmap: %s", strerror(errno));
			goto out;
		}
		atomic_init(cr->proc_index, cr->server_threads);
		tl_procpool_opts_t popts = { cr->workers, 0, pin_proc_worker, cr };
		double tc = tlw_now();
		r = tl_procpool_create(&pp, &popts);
		pool_create_s = tlw_now() - tc;
		if (r != 0) {
			r = tlw_fail(c, r, "tl_procpool_create: %s", tl_strerror(r));
			goto out;
		}
		nthreads = tl_procpool_max_workers(pp);
	}
	srv.name = "server";
	tlw_team_start(&srv); /* as many as can start: they share the accepts */
	if (srv.started == 0) {
		r = tlw_fail(c, TL_EAGAIN, "no server thread could start");
		goto out;
	}

	double t0 = tlw_now();
	if (cr->variant == V_SERIAL)
		r = crawl_serial(cr);
	else if (cr->variant == V_THREAD)
		r = crawl_thread_pool(c, cr, jobs, &nthreads);
	else
		r = crawl_process_pool(c, cr, pp, jobs);
	double wall = tlw_now() - t0;
	/* The server stops after `pages` accepts. A fetch that failed may
	 * never have connected: poke once per failure so no server thread
	 * waits for it (an extra poke just sits in the backlog). */
	tlw_poke(&cr->addr, atomic_load(&cr->fetch_errors));
	tlw_team_join(&srv);
	if (r != 0)
		goto out;

	int pages_ok = cr->pages - atomic_load(&cr->fetch_errors);
	tlw_counter(c, "wall_s", wall);
	tlw_counter(c, "pages", cr->pages);
	tlw_counter(c, "items", pages_ok);
	tlw_counter(c, "pages_per_s", pages_ok / wall);
	tlw_counter(c, "workers", cr->variant == V_SERIAL ? 0 : cr->workers);
	tlw_counter(c, "pool_threads", nthreads); /* threads, or processes */
	tlw_counter(c, "pool_create_s", pool_create_s);
	tlw_counter(c, "fetch_errors", atomic_load(&cr->fetch_errors));
	tlw_counter(c, "parse_errors", atomic_load(&cr->parse_errors));
	tlw_counter(c, "server_served", atomic_load(&cr->served));
	tlw_counter(c, "server_errors", atomic_load(&cr->server_errors));
	tlw_counter(c, "cb_in_worker", atomic_load(&cr->cb_in_worker));
	tlw_counter(c, "cb_in_caller", atomic_load(&cr->cb_in_caller));
	tlw_counter(c, "cb_threads", cr->ncb_threads);
	verify(c, cr);
	tlw_note(c, "127.0.0.1:%d, %d pages, %d callbacks in pool threads, %d in the caller, lines in %s (removed)",
		 ntohs(cr->addr.sin_port), cr->pages, atomic_load(&cr->cb_in_worker),
		 atomic_load(&cr->cb_in_caller), cr->db_name);
out:
	if (pp)
		tl_procpool_destroy(pp);
	if (cr->proc_index)
		munmap(cr->proc_index, sizeof *cr->proc_index);
	if (cr->lfd >= 0)
		close(cr->lfd);
	if (cr->dbfd >= 0)
		close(cr->dbfd);
	pthread_mutex_destroy(&cr->mu);
	tlw_team_destroy(&srv);
	free(jobs);
	free(cr);
	return r;
}

TLW_REGISTER(crawler,
	     .lesson = "seed §15 concurrent.futures: pool.submit(get_page).add_done_callback(parse_page) against a local HTTP server",
	     .baseline = "serial",
	     .run = run);
