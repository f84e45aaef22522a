/* echo — seed exercise 1 (练习一): the multithreaded socket server that
 * sends back what it receives, upper-cased.
 *
 * thread: the seed's server, a new thread per accepted connection.
 * pool:   the same handler run by a tl_executor (ThreadPoolExecutor) of
 *         `workers` threads: pool.submit(action, conn) per connection, the
 *         workers created lazily and reused.
 *
 * Bounded and local: the server binds 127.0.0.1 on an ephemeral port,
 * accepts exactly clients x conns connections and stops; each of the M
 * client threads opens `conns` connections one after another and sends
 * `msgs` messages on each, waiting for every echo. Nothing touches another
 * address, and every blocking call has a poll() timeout, so a broken run
 * fails instead of hanging. Counters: messages/s, round-trip p50/p99/max,
 * echoes that were wrong (must be 0), threads the server created.
 */
#include "workload.h"

#include "threadlab/common.h"
#include "threadlab/executor.h"
#include "threadlab/thread.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { V_THREAD, V_POOL };

static const struct tlw_variant variants[] = {
	[V_THREAD] = { "thread", TLW_CLEAN, "a tl_thread per connection (the seed)" },
	[V_POOL] = { "pool", TLW_CLEAN, "tl_executor (ThreadPoolExecutor) submit per connection" },
};

static const struct tlw_param params[] = {
	{ "clients", 4, 2, 1, 256, NULL, "client threads", 0 },
	{ "conns", 20, 4, 1, 100000, NULL, "connections per client, one after another", 0 },
	{ "msgs", 50, 10, 1, 1000000, NULL, "messages per connection", 0 },
	{ "workers", 4, 2, 1, 256, NULL, "pool: worker threads", 0 },
};

#define IO_TIMEOUT_MS 10000

struct echo {
	const struct tlw_ctx *c;
	int variant, clients, conns, msgs, workers;
	int lfd;
	struct sockaddr_in addr;
	/* server */
	tl_thread_t *conn_threads; /* thread: one per connection */
	int *conn_fds;
	atomic_int nconn_threads;
	tl_executor_t *ex;         /* pool */
	atomic_int pool_index;     /* pool: next worker's index, for pinning */
	atomic_long echoed_bytes;
	atomic_int server_errors;
	/* clients */
	double **rtt; /* per client, conns x msgs samples, microseconds */
	atomic_long bad_echoes, client_errors, messages;
};

struct conn_arg {
	struct echo *e;
	int fd;
	int index; /* thread index for pinning: after the acceptor and the clients */
};

static int wait_fd(int fd, short ev)
{
	return tlw_wait_fd(fd, ev, IO_TIMEOUT_MS);
}

/* action(conn): while True: data = conn.recv(1024); conn.send(data.upper()) */
static void action(struct echo *e, int fd)
{
	char buf[1024];
	for (;;) {
		if (wait_fd(fd, POLLIN) != 0) {
			atomic_fetch_add(&e->server_errors, 1);
			break;
		}
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* the client closed: the seed's loop would spin on b'' here */
		for (ssize_t i = 0; i < n; i++)
			buf[i] = (char)toupper((unsigned char)buf[i]);
		if (tlw_send_all(fd, buf, (size_t)n) != 0) {
			atomic_fetch_add(&e->server_errors, 1);
			break;
		}
		atomic_fetch_add(&e->echoed_bytes, n);
	}
	close(fd);
}

static void conn_thread(void *p)
{
	struct conn_arg *a = p;
	tlw_pin_self(a->e->c, a->index);
	action(a->e, a->fd);
	free(a);
}

/* pool.submit(action, conn): the task. */
static int action_task(void *p, void **result)
{
	struct conn_arg *a = p;
	action(a->e, a->fd);
	free(a);
	*result = NULL;
	return 0;
}

/* The executor's initializer: runs first in every worker it starts. */
static int pin_worker(void *p)
{
	struct echo *e = p;
	tlw_pin_self(e->c, 1 + e->clients + atomic_fetch_add(&e->pool_index, 1));
	return 0;
}

static void acceptor(void *p)
{
	struct echo *e = p;
	tlw_pin_self(e->c, 0);
	int total = e->clients * e->conns;
	for (int i = 0; i < total; i++) {
		if (wait_fd(e->lfd, POLLIN) != 0) {
			atomic_fetch_add(&e->server_errors, 1);
			break;
		}
		int fd = accept4(e->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED) {
				i--;
				continue;
			}
			atomic_fetch_add(&e->server_errors, 1);
			break;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		struct conn_arg *a = malloc(sizeof *a);
		int k = atomic_load(&e->nconn_threads);
		if (!a) {
			close(fd);
			atomic_fetch_add(&e->server_errors, 1);
			continue;
		}
		*a = (struct conn_arg){ e, fd, 1 + e->clients + k };
		if (e->variant == V_POOL) {
			if (tl_executor_submit(e->ex, action_task, a, NULL) != 0) { /* pool.submit(action, conn) */
				free(a);
				close(fd);
				atomic_fetch_add(&e->server_errors, 1);
			}
			continue;
		}
		/* p = threading.Thread(target=action, args=(conn,)); p.start() */
		tl_thread_init(&e->conn_threads[k], conn_thread, a, NULL);
		if (tl_thread_start(&e->conn_threads[k]) != 0) {
			free(a);
			close(fd);
			atomic_fetch_add(&e->server_errors, 1);
			continue;
		}
		atomic_store(&e->nconn_threads, k + 1);
	}
}

struct client_arg {
	struct echo *e;
	int index;
};

static void client(void *p)
{
	struct client_arg *a = p;
	struct echo *e = a->e;
	tlw_pin_self(e->c, 1 + a->index);
	double *rtt = e->rtt[a->index];
	int nrtt = 0;
	char msg[128], want[128], got[128];
	for (int k = 0; k < e->conns; k++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&e->addr, sizeof e->addr) != 0) {
			atomic_fetch_add(&e->client_errors, 1);
			if (fd >= 0)
				close(fd);
			continue;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		for (int m = 0; m < e->msgs; m++) {
			int len = snprintf(msg, sizeof msg, "hello from client-%d conn-%d msg-%d\n", a->index, k, m);
			for (int i = 0; i < len; i++)
				want[i] = (char)toupper((unsigned char)msg[i]);
			double t0 = tlw_now();
			if (tlw_send_all(fd, msg, (size_t)len) != 0) {
				atomic_fetch_add(&e->client_errors, 1);
				break;
			}
			int have = 0;
			while (have < len) {
				if (wait_fd(fd, POLLIN) != 0)
					break;
				ssize_t n = recv(fd, got + have, (size_t)(len - have), 0);
				if (n < 0 && errno == EINTR)
					continue;
				if (n <= 0)
					break;
				have += (int)n;
			}
			if (have < len) {
				atomic_fetch_add(&e->client_errors, 1);
				break;
			}
			rtt[nrtt++] = (tlw_now() - t0) * 1e6;
			atomic_fetch_add(&e->messages, 1);
			if (memcmp(got, want, (size_t)len) != 0)
				atomic_fetch_add(&e->bad_echoes, 1);
		}
		close(fd);
	}
	for (int i = nrtt; i < e->conns * e->msgs; i++)
		rtt[i] = -1; /* not measured */
}

static int run(struct tlw_ctx *c)
{
	struct echo *e = calloc(1, sizeof *e);
	if (!e)
		return tlw_fail(c, TL_ENOMEM, "out of memory");
	e->c = c;
	e->variant = c->variant;
	e->clients = (int)tlw_p(c, "clients");
	e->conns = (int)tlw_p(c, "conns");
	e->msgs = (int)tlw_p(c, "msgs");
	e->workers = (int)tlw_p(c, "workers");
	int total = e->clients * e->conns, per_client = e->conns * e->msgs, r = 0;
	e->lfd = -1;
	e->conn_threads = calloc((size_t)total, sizeof *e->conn_threads);
	e->rtt = calloc((size_t)e->clients, sizeof *e->rtt);
	tl_thread_t *cl = calloc((size_t)e->clients, sizeof *cl);
	struct client_arg *cargs = calloc((size_t)e->clients, sizeof *cargs);
	double *all = calloc((size_t)e->clients * (size_t)per_client, sizeof *all);
	bool ok = e->conn_threads && e->rtt && cl && cargs && all;
	for (int i = 0; ok && i < e->clients; i++)
		ok = (e->rtt[i] = calloc((size_t)per_client, sizeof **e->rtt)) != NULL;
	if (!ok) {
		r = tlw_fail(c, TL_ENOMEM, "out of memory");
		goto out;
	}

	/* s.bind(('127.0.0.1', 0)); s.listen(5) — an ephemeral port, loopback only */
	e->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	e->addr.sin_family = AF_INET;
	e->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	e->addr.sin_port = 0;
	socklen_t alen = sizeof e->addr;
	if (e->lfd < 0 || bind(e->lfd, (struct sockaddr *)&e->addr, sizeof e->addr) != 0 ||
	    listen(e->lfd, 128) != 0 || getsockname(e->lfd, (struct sockaddr *)&e->addr, &alen) != 0) {
		r = tlw_fail(c, -errno, "listen on 127.0.0.1: %s", strerror(errno));
		goto out;
	}

	tl_thread_t acc;
	if (e->variant == V_POOL) {
		tl_executor_opts_t opts = { e->workers, "echo-pool", pin_worker, e };
		if ((r = tl_executor_create(&e->ex, &opts)) != 0) {
			r = tlw_fail(c, r, "tl_executor_create: %s", tl_strerror(r));
			goto out;
		}
	}
	double t0 = tlw_now();
	tl_thread_init(&acc, acceptor, e, "acceptor");
	if ((r = tl_thread_start(&acc)) != 0) {
		fprintf(stderr, "echo: acceptor failed to start: %s\n", tl_strerror(r));
		exit(1);
	}
	int started = 0;
	for (int i = 0; i < e->clients; i++) {
		cargs[i] = (struct client_arg){ e, i };
		tl_thread_init(&cl[i], client, &cargs[i], NULL);
		if (tl_thread_start(&cl[i]) != 0)
			break;
		started++;
	}
	for (int i = 0; i < started; i++)
		tl_thread_join(&cl[i], TL_FOREVER);
	if (started < e->clients) {
		/* the acceptor waits for connections that will never come: poke it */
		for (int i = started * e->conns; i < total; i++) {
			int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
			if (fd >= 0 && connect(fd, (struct sockaddr *)&e->addr, sizeof e->addr) == 0)
				close(fd);
			else if (fd >= 0)
				close(fd);
		}
	}
	tl_thread_join(&acc, TL_FOREVER);
	int nthreads = atomic_load(&e->nconn_threads);
	for (int i = 0; i < nthreads; i++)
		tl_thread_join(&e->conn_threads[i], TL_FOREVER);
	int pool_threads = 0;
	if (e->variant == V_POOL) {
		pool_threads = tl_executor_num_threads(e->ex);
		tl_executor_destroy(e->ex); /* shutdown(wait=True): every submitted action ran */
		e->ex = NULL;
	}
	double wall = tlw_now() - t0;
	if (started < e->clients) {
		r = tlw_fail(c, TL_EAGAIN, "client thread %d failed to start", started);
		goto out;
	}

	int n = 0;
	for (int i = 0; i < e->clients; i++)
		for (int k = 0; k < per_client; k++)
			if (e->rtt[i][k] >= 0)
				all[n++] = e->rtt[i][k];
	long msgs = atomic_load(&e->messages);
	tlw_counter(c, "wall_s", wall);
	tlw_counter(c, "clients", e->clients);
	tlw_counter(c, "connections", total);
	tlw_counter(c, "messages", (double)msgs);
	tlw_counter(c, "items", (double)msgs);
	tlw_counter(c, "msgs_per_s", (double)msgs / wall);
	tlw_counter(c, "rtt_p50_us", n ? tlw_percentile(all, n, 50) : 0);
	tlw_counter(c, "rtt_p99_us", n ? tlw_percentile(all, n, 99) : 0);
	tlw_counter(c, "rtt_max_us", n ? tlw_percentile(all, n, 100) : 0);
	tlw_counter(c, "bad_echoes", (double)atomic_load(&e->bad_echoes));
	tlw_counter(c, "client_errors", (double)atomic_load(&e->client_errors));
	tlw_counter(c, "server_errors", atomic_load(&e->server_errors));
	tlw_counter(c, "all_echoed", msgs == (long)total * e->msgs && atomic_load(&e->bad_echoes) == 0);
	tlw_counter(c, "server_threads", e->variant == V_POOL ? pool_threads : nthreads);
	tlw_note(c, "127.0.0.1:%d, %d connections, %ld messages", ntohs(e->addr.sin_port), total, msgs);
out:
	if (e->lfd >= 0)
		close(e->lfd);
	if (e->rtt)
		for (int i = 0; i < e->clients; i++)
			free(e->rtt[i]);
	free(e->rtt);
	free(e->conn_threads);
	if (e->ex)
		tl_executor_destroy(e->ex);
	free(cl);
	free(cargs);
	free(all);
	free(e);
	return r;
}

TLW_REGISTER(echo) = {
	.name = "echo",
	.lesson = "练习一: the upper-casing echo server, thread per connection vs a pool",
	.variants = variants,
	.nvariants = TLW_COUNT(variants),
	.params = params,
	.nparams = TLW_COUNT(params),
	.baseline = "thread",
	.run = run,
};
