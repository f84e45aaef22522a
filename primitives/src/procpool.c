/* concurrent.futures.ProcessPoolExecutor over fork()ed workers.
 *
 * Parent side: submit copies the task into a message owned by the future
 * (as its value until dispatch) and puts the future on a tl_queue; one
 * manager thread (Python's executor manager thread) owns everything else:
 * it moves queued futures to workers (PENDING -> RUNNING at that moment, as
 * Python does when it fills its call queue), up to TL__PP_WINDOW in flight
 * per worker so each socket write and read carries a batch; it reads results
 * back (a worker answers in order, so its in-flight futures are a FIFO),
 * completes the futures (their callbacks run on this thread) and watches
 * the workers' pidfds. Everything the manager touches besides the queue and
 * the futures is manager-private: no locks on the hot path.
 *
 * Waking the manager: submit sets wake_pending with an exchange and writes
 * the eventfd only when it was 0; the manager exchanges it back to 0 (an
 * RMW, so it synchronizes with the submitter's and sees its put) before it
 * drains the queue. A busy manager costs submitters no syscall.
 *
 * Workers: socketpair per worker (SOCK_STREAM; MSG_NOSIGNAL on every send
 * so a dead peer is EPIPE, not SIGPIPE). A child closes the parent's ends
 * of every other worker, runs the task loop and leaves with _exit (no atexit
 * handlers, no stdio flush of the parent's buffers, no LeakSanitizer pass
 * over the parent's heap). Its task loop runs every complete message it has
 * read before writing the batch of results, but flushes at least every
 * TL__PP_FLUSH_NS so a long task does not hold earlier results back.
 *
 * Death: pidfd readable, or EOF on the socket (or, without pidfd_open,
 * waitpid(WNOHANG) polling every 50 ms). A worker that leaves after its
 * max_tasks_per_child with nothing in flight is reaped and replaced (the
 * fork then happens on the manager thread); any other death breaks the pool:
 * the other workers are SIGKILLed and every child is reaped first, then the
 * in-flight and queued futures fail with TL_EBROKEN, so whoever sees that
 * result also sees no zombie. */
#include "threadlab/procpool.h"
#include "threadlab/thread.h"

#include "exitreg.h"
#include "pool.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define TL__PP_WINDOW 16           /* tasks in flight per worker */
#define TL__PP_FLUSH_NS 200000     /* child: results wait at most this long */
#define TL__PP_FLUSH_BYTES 65536   /* child: or until this much is buffered */
#define TL__PP_POLL_FALLBACK_MS 50 /* without pidfds */

enum { K_SINGLE = 1, K_CHUNK = 2 };
static const char chunk_marker; /* task_ctx of a map-chunk future */

/* Wire format, host byte order (same binary on both ends). */
struct task_hdr {
	uint64_t id;
	uint64_t fn;
	uint32_t kind;
	uint32_t count; /* items in a chunk */
	uint64_t len;   /* payload bytes that follow */
};

struct res_hdr {
	uint64_t id;
	int32_t status; /* 0, or the (first) failing item's code */
	uint32_t count; /* chunk: items that succeeded */
	uint64_t len;
};

/* A chunk result as the future's value: the successful items, each as
 * uint64 length + bytes, after this header. */
struct chunk_res {
	uint32_t count;
	int32_t error;
	uint64_t len;
	unsigned char data[];
};

struct buf {
	unsigned char *p;
	size_t off, len, cap; /* [off, len) holds the bytes not yet consumed */
};

struct worker {
	_Atomic pid_t pid; /* 0: slot empty */
	int fd, pidfd;
	int inflight;
	long sent;
	tl_future_t *head, *tail; /* in flight, in send order */
	struct buf out, in;
	bool retiring, eof, exited, reaped;
	int status;
};

struct tl_procpool {
	struct tl__pool pool; /* the queue of futures, broken, mu (pool.h) */
	_Atomic int wake_pending;
	int evfd;
	int max_tasks;
	struct worker *w; /* pool.max_workers */
	bool use_pidfd;
	tl_thread_t manager;
	_Atomic uint64_t next_id;
	struct tl__exitreg reg;
};

/* ---- buffers ---- */

static int buf_reserve(struct buf *b, size_t more)
{
	if (b->off && b->off == b->len)
		b->off = b->len = 0;
	if (b->len + more <= b->cap)
		return 0;
	if (b->off) { /* compact first */
		memmove(b->p, b->p + b->off, b->len - b->off);
		b->len -= b->off;
		b->off = 0;
		if (b->len + more <= b->cap)
			return 0;
	}
	size_t cap = b->cap ? b->cap : 65536;
	while (cap < b->len + more)
		cap *= 2;
	unsigned char *p = realloc(b->p, cap);
	if (!p)
		return TL_ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

static int buf_append(struct buf *b, const void *data, size_t n)
{
	if (n == 0)
		return 0;
	if (buf_reserve(b, n))
		return TL_ENOMEM;
	memcpy(b->p + b->len, data, n);
	b->len += n;
	return 0;
}

static void buf_free(struct buf *b)
{
	free(b->p);
	*b = (struct buf){ 0 };
}

/* ---- the worker process ---- */

static void child_write_all(int fd, struct buf *b)
{
	while (b->off < b->len) {
		ssize_t n = send(fd, b->p + b->off, b->len - b->off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(1); /* parent gone */
		b->off += (size_t)n;
	}
	b->off = b->len = 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Run one task message; append its result message to out. */
static void child_run(const struct task_hdr *h, const unsigned char *payload, struct buf *out)
{
	tl_proc_fn fn = (tl_proc_fn)(uintptr_t)h->fn;
	struct res_hdr r = { h->id, 0, 0, 0 };
	if (h->kind == K_SINGLE) {
		void *o = NULL;
		size_t ol = 0;
		r.status = fn(payload, h->len, &o, &ol);
		r.count = r.status == 0;
		r.len = o ? ol : 0; /* a failing task's bytes are its exception's payload */
		if (buf_append(out, &r, sizeof r) || buf_append(out, o, r.len))
			_exit(2);
		free(o);
		return;
	}
	/* chunk: items are uint64 length + bytes; stop at the first failure */
	size_t hdr_at = out->len - out->off;
	if (buf_append(out, &r, sizeof r))
		_exit(2);
	const unsigned char *p = payload;
	for (uint32_t i = 0; i < h->count; i++) {
		uint64_t len;
		memcpy(&len, p, sizeof len);
		p += sizeof len;
		void *o = NULL;
		size_t ol = 0;
		int rc = fn(p, len, &o, &ol);
		p += len;
		if (rc != 0) {
			/* The failing item's bytes (its exception's payload)
			 * follow the successful items, framed the same way. */
			uint64_t l = o ? ol : 0;
			r.status = rc;
			if (buf_append(out, &l, sizeof l) || buf_append(out, o, l))
				_exit(2);
			r.len += sizeof l + l;
			free(o);
			break;
		}
		uint64_t l = ol;
		if (buf_append(out, &l, sizeof l) || buf_append(out, o, ol))
			_exit(2);
		free(o);
		r.count++;
		r.len += sizeof l + ol;
	}
	memcpy(out->p + out->off + hdr_at, &r, sizeof r);
}

static void child_main(tl_procpool_t *pp, int slot, int fd)
{
	/* Only our own socket end: the other workers' parent ends, pidfds and
	 * the eventfd belong to the parent (a copy held here would hide a
	 * sibling's death from it). */
	for (int i = 0; i < pp->pool.max_workers; i++) {
		if (i == slot)
			continue;
		if (pp->w[i].fd >= 0)
			close(pp->w[i].fd);
		if (pp->w[i].pidfd >= 0)
			close(pp->w[i].pidfd);
	}
	close(pp->evfd);
	if (pp->pool.initializer && pp->pool.initializer(pp->pool.initarg) != 0)
		_exit(3);
	struct buf in = { 0 }, out = { 0 };
	long done = 0;
	uint64_t first_unflushed = 0;
	for (;;) {
		for (;;) {
			size_t avail = in.len - in.off;
			struct task_hdr h;
			if (avail < sizeof h)
				break;
			memcpy(&h, in.p + in.off, sizeof h);
			if (avail < sizeof h + h.len)
				break;
			child_run(&h, in.p + in.off + sizeof h, &out);
			in.off += sizeof h + h.len;
			done++;
			if (!first_unflushed)
				first_unflushed = now_ns();
			if (pp->max_tasks && done >= pp->max_tasks) {
				child_write_all(fd, &out);
				_exit(0);
			}
			if (out.len - out.off >= TL__PP_FLUSH_BYTES || now_ns() - first_unflushed >= TL__PP_FLUSH_NS) {
				child_write_all(fd, &out);
				first_unflushed = 0;
			}
		}
		if (out.len > out.off) {
			child_write_all(fd, &out);
			first_unflushed = 0;
		}
		if (buf_reserve(&in, 65536))
			_exit(2);
		ssize_t n = read(fd, in.p + in.len, in.cap - in.len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(0); /* EOF: the pool shut down (or the parent died) */
		in.len += (size_t)n;
	}
}

/* ---- spawning and reaping (parent) ---- */

static int pidfd_open_(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

static int spawn_worker(tl_procpool_t *pp, int slot)
{
	struct worker *w = &pp->w[slot];
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return TL_EAGAIN;
	pid_t pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return TL_EAGAIN;
	}
	if (pid == 0) {
		close(sv[0]);
		child_main(pp, slot, sv[1]);
		_exit(0);
	}
	close(sv[1]);
	fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);
	buf_free(&w->out);
	buf_free(&w->in);
	w->fd = sv[0];
	w->pidfd = pp->use_pidfd ? pidfd_open_(pid) : -1;
	if (pp->use_pidfd && w->pidfd < 0)
		pp->use_pidfd = false; /* not available here: fall back to polling */
	w->inflight = 0;
	w->sent = 0;
	w->head = w->tail = NULL;
	w->retiring = w->eof = w->exited = w->reaped = false;
	w->status = 0;
	atomic_store(&w->pid, pid);
	return 0;
}

static void reap(struct worker *w)
{
	if (w->reaped || atomic_load(&w->pid) == 0)
		return;
	int st = 0;
	pid_t r;
	while ((r = waitpid(atomic_load(&w->pid), &st, 0)) < 0 && errno == EINTR)
		;
	w->status = r > 0 ? st : 0; /* ECHILD: SIGCHLD ignored, auto-reaped */
	w->reaped = true;
}

static void close_worker(struct worker *w)
{
	if (w->fd >= 0)
		close(w->fd);
	if (w->pidfd >= 0)
		close(w->pidfd);
	w->fd = w->pidfd = -1;
	buf_free(&w->out);
	buf_free(&w->in);
	atomic_store(&w->pid, 0);
}

/* ---- the manager thread ---- */

static void fail_list(tl_future_t *f, int error)
{
	while (f) {
		tl_future_t *next = f->task_next;
		if (error == TL_EBROKEN)
			tl__future_set_broken(f);
		else
			tl_future_set_exception(f, error, NULL);
		tl_future_unref(f);
		f = next;
	}
}

static void break_pool(tl_procpool_t *pp, struct worker *dead)
{
	if (atomic_exchange(&pp->pool.broken, 1))
		return;
	if (dead) {
		reap(dead);
		if (WIFSIGNALED(dead->status))
			fprintf(stderr, "threadlab: process pool worker %d was killed by signal %d; the pool is broken\n",
				(int)atomic_load(&dead->pid), WTERMSIG(dead->status));
		else
			fprintf(stderr, "threadlab: process pool worker %d exited unexpectedly (status %d); the pool is broken\n",
				(int)atomic_load(&dead->pid), WIFEXITED(dead->status) ? WEXITSTATUS(dead->status) : -1);
	}
	tl_queue_shutdown(&pp->pool.q, false); /* later submits: TL_EBROKEN */
	/* Kill and reap every child before anyone can see TL_EBROKEN. */
	for (int i = 0; i < pp->pool.max_workers; i++) {
		struct worker *w = &pp->w[i];
		if (atomic_load(&w->pid) && !w->reaped)
			kill(atomic_load(&w->pid), SIGKILL);
	}
	for (int i = 0; i < pp->pool.max_workers; i++) {
		struct worker *w = &pp->w[i];
		if (!atomic_load(&w->pid))
			continue;
		reap(w);
		close_worker(w);
	}
	for (int i = 0; i < pp->pool.max_workers; i++) {
		struct worker *w = &pp->w[i];
		tl_future_t *list = w->head;
		w->head = w->tail = NULL;
		w->inflight = 0;
		fail_list(list, TL_EBROKEN);
	}
	tl__pool_drain(&pp->pool, TL_EBROKEN);
}

static struct worker *pick_worker(tl_procpool_t *pp)
{
	struct worker *best = NULL;
	for (int i = 0; i < pp->pool.max_workers; i++) {
		struct worker *w = &pp->w[i];
		if (!atomic_load_explicit(&w->pid, memory_order_relaxed) || w->retiring || w->eof || w->exited ||
		    w->inflight >= TL__PP_WINDOW)
			continue;
		if (!best || w->inflight < best->inflight)
			best = w;
	}
	return best;
}

static void dispatch(tl_procpool_t *pp)
{
	struct worker *w;
	while ((w = pick_worker(pp)) != NULL) {
		void *item;
		if (tl_queue_get_nowait(&pp->pool.q, &item) != 0)
			return;
		tl_future_t *f = item;
		if (tl_future_set_running_or_notify_cancel(f) != 0) {
			tl_future_unref(f); /* cancelled: the message goes with it */
			continue;
		}
		struct task_hdr *h = f->value;
		if (buf_append(&w->out, h, sizeof *h + h->len) != 0) {
			tl_future_set_exception(f, TL_ENOMEM, NULL);
			tl_future_unref(f);
			continue;
		}
		free(f->value); /* RUNNING: nobody reads value until it is done */
		f->value = NULL;
		f->free_value = NULL;
		f->task_next = NULL;
		if (w->tail)
			w->tail->task_next = f;
		else
			w->head = f;
		w->tail = f;
		w->inflight++;
		if (pp->max_tasks && ++w->sent >= pp->max_tasks)
			w->retiring = true;
	}
}

static void flush(struct worker *w)
{
	while (w->out.off < w->out.len) {
		ssize_t n = send(w->fd, w->out.p + w->out.off, w->out.len - w->out.off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			w->out.off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		w->eof = true; /* EPIPE / ECONNRESET: it died; handled as a death */
		return;
	}
	w->out.off = w->out.len = 0;
}

/* Complete the futures whose results are in w->in. */
static int parse_results(tl_procpool_t *pp, struct worker *w)
{
	(void)pp;
	for (;;) {
		size_t avail = w->in.len - w->in.off;
		struct res_hdr r;
		if (avail < sizeof r)
			return 0;
		memcpy(&r, w->in.p + w->in.off, sizeof r);
		if (avail < sizeof r + r.len)
			return 0;
		tl_future_t *f = w->head;
		if (!f || f->task_id != r.id)
			return TL_EBROKEN; /* protocol error: treat as a broken worker */
		w->head = f->task_next;
		if (!w->head)
			w->tail = NULL;
		w->inflight--;
		const unsigned char *payload = w->in.p + w->in.off + sizeof r;
		bool chunk = f->task_ctx != NULL;
		if (!chunk && r.status != 0) {
			void *copy = r.len ? malloc(r.len) : NULL;
			if (copy)
				memcpy(copy, payload, r.len);
			/* Without memory for the payload, still the task's code. */
			tl_future_set_exception_owned(f, r.status, copy, copy ? r.len : 0, free);
		} else if (!chunk) {
			void *copy = NULL;
			if (r.len && (copy = malloc(r.len)) != NULL)
				memcpy(copy, payload, r.len);
			if (r.len && !copy)
				tl_future_set_exception(f, TL_ENOMEM, NULL);
			else
				tl_future_set_result_owned(f, copy, r.len, free);
		} else {
			struct chunk_res *c = malloc(sizeof *c + r.len);
			if (!c) {
				tl_future_set_exception(f, TL_ENOMEM, NULL);
			} else {
				c->count = r.count;
				c->error = r.status;
				c->len = r.len;
				memcpy(c->data, payload, r.len);
				tl_future_set_result_owned(f, c, sizeof *c + r.len, free);
			}
		}
		tl_future_unref(f); /* the pool's reference */
		w->in.off += sizeof r + r.len;
	}
}

static void read_results(tl_procpool_t *pp, struct worker *w)
{
	for (;;) {
		if (buf_reserve(&w->in, 65536) != 0)
			return;
		ssize_t n = recv(w->fd, w->in.p + w->in.len, w->in.cap - w->in.len, MSG_DONTWAIT);
		if (n > 0) {
			w->in.len += (size_t)n;
			if (parse_results(pp, w) != 0) {
				w->eof = true;
				return;
			}
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		w->eof = true; /* 0: EOF; or ECONNRESET */
		return;
	}
}

/* A worker's socket hit EOF or its process exited. */
static void worker_gone(tl_procpool_t *pp, int slot)
{
	struct worker *w = &pp->w[slot];
	read_results(pp, w); /* whatever it wrote before leaving */
	if (!(w->retiring && w->inflight == 0)) {
		break_pool(pp, w);
		return;
	}
	reap(w);
	close_worker(w);
	/* Replace it while there is or may be work. */
	if (!tl_queue_is_shutdown(&pp->pool.q) || tl_queue_qsize(&pp->pool.q) > 0)
		if (spawn_worker(pp, slot) != 0)
			break_pool(pp, NULL);
}

static int total_inflight(tl_procpool_t *pp)
{
	int n = 0;
	for (int i = 0; i < pp->pool.max_workers; i++)
		n += pp->w[i].inflight;
	return n;
}

static void poll_once(tl_procpool_t *pp)
{
	int cap = 1 + 2 * pp->pool.max_workers;
	struct pollfd fds[cap];
	int who[cap]; /* slot, or -1 for the eventfd; pidfd entries: -2 - slot */
	int n = 0;
	fds[n] = (struct pollfd){ pp->evfd, POLLIN, 0 };
	who[n++] = -1;
	for (int i = 0; i < pp->pool.max_workers; i++) {
		struct worker *w = &pp->w[i];
		if (!atomic_load_explicit(&w->pid, memory_order_relaxed))
			continue;
		fds[n] = (struct pollfd){ w->fd, (short)(POLLIN | (w->out.off < w->out.len ? POLLOUT : 0)), 0 };
		who[n++] = i;
		if (w->pidfd >= 0) {
			fds[n] = (struct pollfd){ w->pidfd, POLLIN, 0 };
			who[n++] = -2 - i;
		}
	}
	int r = poll(fds, (nfds_t)n, pp->use_pidfd ? -1 : TL__PP_POLL_FALLBACK_MS);
	if (r < 0)
		return; /* EINTR */
	for (int k = 1; k < n; k++) {
		if (!fds[k].revents)
			continue;
		if (who[k] >= 0) {
			struct worker *w = &pp->w[who[k]];
			if (fds[k].revents & (POLLIN | POLLHUP | POLLERR))
				read_results(pp, w);
			if (fds[k].revents & POLLOUT)
				flush(w);
		} else {
			pp->w[-2 - who[k]].exited = true;
		}
	}
	if (!pp->use_pidfd) { /* no pidfds: look for exits ourselves */
		for (int i = 0; i < pp->pool.max_workers; i++) {
			struct worker *w = &pp->w[i];
			pid_t pid = atomic_load_explicit(&w->pid, memory_order_relaxed);
			if (!pid || w->reaped)
				continue;
			int st;
			pid_t rr = waitpid(pid, &st, WNOHANG);
			if (rr == pid || (rr < 0 && errno == ECHILD)) {
				w->status = rr == pid ? st : 0;
				w->reaped = w->exited = true;
			}
		}
	}
}

static void manager_main(void *arg)
{
	tl_procpool_t *pp = arg;
	for (;;) {
		/* RMW: synchronizes with the submitter that set it (its put is
		 * visible to the drain below). */
		atomic_exchange_explicit(&pp->wake_pending, 0, memory_order_acq_rel);
		uint64_t junk;
		while (read(pp->evfd, &junk, sizeof junk) > 0)
			;
		/* Deaths first, so a replacement gets work in this round. */
		for (int i = 0; i < pp->pool.max_workers && !atomic_load(&pp->pool.broken); i++) {
			struct worker *w = &pp->w[i];
			if (atomic_load_explicit(&w->pid, memory_order_relaxed) && (w->eof || w->exited))
				worker_gone(pp, i);
		}
		if (atomic_load(&pp->pool.broken))
			break;
		dispatch(pp);
		for (int i = 0; i < pp->pool.max_workers; i++)
			if (atomic_load_explicit(&pp->w[i].pid, memory_order_relaxed))
				flush(&pp->w[i]);
		if (tl_queue_is_shutdown(&pp->pool.q) && tl_queue_qsize(&pp->pool.q) == 0 && total_inflight(pp) == 0)
			break;
		poll_once(pp);
	}
	/* Shut down (or broken: already reaped). Closing a socket is a
	 * worker's signal to leave; then reap them all. */
	for (int i = 0; i < pp->pool.max_workers; i++) {
		struct worker *w = &pp->w[i];
		if (atomic_load(&w->pid) && w->fd >= 0) {
			close(w->fd);
			w->fd = -1;
		}
	}
	for (int i = 0; i < pp->pool.max_workers; i++) {
		struct worker *w = &pp->w[i];
		if (atomic_load(&w->pid)) {
			reap(w);
			close_worker(w);
		}
	}
}

static void wake_manager(tl_procpool_t *pp)
{
	if (atomic_exchange_explicit(&pp->wake_pending, 1, memory_order_acq_rel) == 0) {
		uint64_t one = 1;
		ssize_t r = write(pp->evfd, &one, sizeof one);
		(void)r; /* EAGAIN: the counter is huge, the manager will wake */
	}
}

/* ---- public ---- */

int tl_procpool_default_max_workers(void)
{
	return tl__pool_allowed_cpus();
}

static void on_process_exit(struct tl__exitreg *r)
{
	tl_procpool_shutdown(tl_container_of(r, tl_procpool_t, reg), true, false);
}

static void free_pool(tl_procpool_t *pp)
{
	tl__pool_fini(&pp->pool);
	if (pp->evfd >= 0)
		close(pp->evfd);
	free(pp->w);
	free(pp);
}

int tl_procpool_create(tl_procpool_t **out, const tl_procpool_opts_t *opts)
{
	tl_procpool_opts_t o = { .max_workers = TL_MAX_WORKERS_DEFAULT };
	if (opts)
		o = *opts;
	/* Python: max_workers <= 0 is a ValueError; None is the default. */
	if (!out || (o.max_workers <= 0 && o.max_workers != TL_MAX_WORKERS_DEFAULT) || o.max_tasks_per_child < 0)
		return TL_EINVAL;
	tl_procpool_t *pp = calloc(1, sizeof *pp);
	if (!pp)
		return TL_ENOMEM;
	int max = o.max_workers == TL_MAX_WORKERS_DEFAULT ? tl_procpool_default_max_workers() : o.max_workers;
	pp->max_tasks = o.max_tasks_per_child;
	pp->use_pidfd = true;
	pp->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	pp->w = calloc((size_t)max, sizeof *pp->w);
	int r = tl__pool_init(&pp->pool, max, o.initializer, o.initarg);
	if (r != 0 || !pp->w || pp->evfd < 0) {
		if (r == 0)
			tl__pool_fini(&pp->pool);
		if (pp->evfd >= 0)
			close(pp->evfd);
		int err = r ? r : pp->evfd < 0 ? TL_EAGAIN : TL_ENOMEM;
		free(pp->w);
		free(pp);
		return err;
	}
	for (int i = 0; i < pp->pool.max_workers; i++)
		pp->w[i].fd = pp->w[i].pidfd = -1;
	pp->reg.on_exit = on_process_exit;
	r = tl__exitreg_add(&pp->reg);
	for (int i = 0; r == 0 && i < pp->pool.max_workers; i++)
		r = spawn_worker(pp, i);
	if (r == 0) {
		r = tl_thread_init(&pp->manager, manager_main, pp, "ProcessPoolExecutor-manager");
		if (r == 0)
			r = tl_thread_set_daemon(&pp->manager, true);
		if (r == 0)
			r = tl_thread_start(&pp->manager);
	}
	if (r != 0) {
		for (int i = 0; i < pp->pool.max_workers; i++)
			if (atomic_load(&pp->w[i].pid)) {
				kill(atomic_load(&pp->w[i].pid), SIGKILL);
				reap(&pp->w[i]);
				close_worker(&pp->w[i]);
			}
		if (r != TL_ESHUTDOWN)
			tl__exitreg_remove(&pp->reg);
		free_pool(pp);
		return r;
	}
	*out = pp;
	return 0;
}

/* submit's kick (pool.h): the manager moves queued futures to workers. */
static int kick_manager(struct tl__pool *p)
{
	wake_manager(tl_container_of(p, tl_procpool_t, pool));
	return 0;
}

/* Submit the task message h: owned by the future until dispatched (freed
 * here if no future could be made). */
static int submit_msg(tl_procpool_t *pp, struct task_hdr *h, bool chunk, tl_future_t **out)
{
	tl_future_t *f;
	int r = tl__pool_future(&f, h);
	if (r != 0)
		return r;
	f->task_ctx = chunk ? (void *)&chunk_marker : NULL;
	f->task_id = h->id;
	return tl__pool_submit(&pp->pool, f, kick_manager, out);
}

static uint64_t next_id(tl_procpool_t *pp)
{
	return atomic_fetch_add_explicit(&pp->next_id, 1, memory_order_relaxed) + 1;
}

int tl_procpool_submit(tl_procpool_t *pp, tl_proc_fn fn, const void *arg, size_t len, tl_future_t **out)
{
	if (!pp || !fn || (len && !arg))
		return TL_EINVAL;
	if (atomic_load_explicit(&pp->pool.broken, memory_order_relaxed))
		return TL_EBROKEN;
	struct task_hdr *h = malloc(sizeof *h + len);
	if (!h)
		return TL_ENOMEM;
	*h = (struct task_hdr){ next_id(pp), (uint64_t)(uintptr_t)fn, K_SINGLE, 1, len };
	if (len)
		memcpy(h + 1, arg, len);
	return submit_msg(pp, h, false, out);
}

static int submit_chunk(tl_procpool_t *pp, tl_proc_fn fn, const void *const *args, const size_t *lens,
			size_t count, tl_future_t **out)
{
	if (atomic_load_explicit(&pp->pool.broken, memory_order_relaxed))
		return TL_EBROKEN;
	size_t total = 0;
	for (size_t i = 0; i < count; i++)
		total += sizeof(uint64_t) + lens[i];
	struct task_hdr *h = malloc(sizeof *h + total);
	if (!h)
		return TL_ENOMEM;
	*h = (struct task_hdr){ next_id(pp), (uint64_t)(uintptr_t)fn, K_CHUNK, (uint32_t)count, total };
	unsigned char *p = (unsigned char *)(h + 1);
	for (size_t i = 0; i < count; i++) {
		uint64_t l = lens[i];
		memcpy(p, &l, sizeof l);
		p += sizeof l;
		if (l)
			memcpy(p, args[i], l);
		p += l;
	}
	return submit_msg(pp, h, true, out);
}

struct proc_map {
	struct tl__map m;
	tl_procpool_t *pp;
	tl_proc_fn fn;
	const void *const *args;
	const size_t *lens;
	void **results;
	size_t *result_lens;
};

static int map_submit(struct tl__map *m, size_t first, size_t count, bool chunk, tl_future_t **out)
{
	struct proc_map *x = tl_container_of(m, struct proc_map, m);
	if (!chunk)
		return tl_procpool_submit(x->pp, x->fn, x->args[first], x->lens[first], out);
	return submit_chunk(x->pp, x->fn, x->args + first, x->lens + first, count, out);
}

static int map_collect(struct tl__map *m, tl_future_t *f, const void *data, bool chunk, size_t *done,
		       tl_future_error_t *item_error)
{
	struct proc_map *x = tl_container_of(m, struct proc_map, m);
	if (!chunk) {
		/* Only map holds this future now: take its buffer. */
		x->results[*done] = f->value;
		x->result_lens[*done] = f->len;
		f->value = NULL;
		f->free_value = NULL;
		(*done)++;
		return 0;
	}
	const struct chunk_res *c = data;
	const unsigned char *p = c->data;
	for (uint32_t i = 0; i < c->count; i++) {
		uint64_t l;
		memcpy(&l, p, sizeof l);
		p += sizeof l;
		void *copy = l ? malloc(l) : NULL;
		if (l && !copy)
			return TL_ENOMEM;
		if (l)
			memcpy(copy, p, l);
		p += l;
		x->results[*done] = copy;
		x->result_lens[*done] = l;
		(*done)++;
	}
	if (c->error) {
		/* after the successful items: the failing one's bytes */
		uint64_t l;
		memcpy(&l, p, sizeof l);
		item_error->code = c->error;
		item_error->payload = l ? p + sizeof l : NULL;
		item_error->len = l;
	}
	return 0;
}

int tl_procpool_map(tl_procpool_t *pp, tl_proc_fn fn, const void *const *args, const size_t *lens, size_t n,
		    void **results, size_t *result_lens, double timeout, size_t chunksize, tl_map_info_t *info)
{
	struct proc_map x = { { map_submit, map_collect, true }, pp, fn, args, lens, results, result_lens };
	bool args_ok = pp && fn && (!n || (args && lens && results && result_lens));
	return tl__pool_map(&x.m, args_ok, n, timeout, chunksize, info);
}

int tl_procpool_shutdown(tl_procpool_t *pp, bool wait, bool cancel_futures)
{
	if (!pp)
		return TL_EINVAL;
	tl__pool_shutdown(&pp->pool, cancel_futures);
	wake_manager(pp);
	if (wait && tl_thread_current() != &pp->manager)
		tl_thread_join(&pp->manager, TL_FOREVER);
	return 0;
}

int tl_procpool_destroy(tl_procpool_t *pp)
{
	if (!pp)
		return TL_EINVAL;
	if (tl_thread_current() == &pp->manager)
		return TL_EDEADLK;
	tl_procpool_shutdown(pp, true, false);
	if (!tl__exitreg_remove(&pp->reg))
		return 0; /* the exit handler is using it: the process is exiting */
	free_pool(pp);
	return 0;
}

int tl_procpool_max_workers(const tl_procpool_t *pp)
{
	return pp->pool.max_workers;
}

bool tl_procpool_broken(tl_procpool_t *pp)
{
	return atomic_load(&pp->pool.broken) != 0;
}

int tl_procpool_pids(tl_procpool_t *pp, pid_t *out, int cap)
{
	int n = 0;
	for (int i = 0; i < pp->pool.max_workers; i++) {
		pid_t pid = atomic_load(&pp->w[i].pid);
		if (!pid)
			continue;
		if (n < cap)
			out[n] = pid;
		n++;
	}
	return n;
}
