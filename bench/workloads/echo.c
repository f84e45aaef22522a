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
	struct conn *conn;         /* per accepted connection */
	struct tlw_team conn_team; /* thread: one per connection, started by the acceptor */
	tl_executor_t *ex;         /* pool */
	atomic_int pool_index;     /* pool: next worker's index, for pinning */
	atomic_long echoed_bytes;
	atomic_int server_errors;
	/* clients */
	double **rtt; /* per client, conns x msgs samples, microseconds */
	atomic_long bad_echoes, client_errors, messages;
};

struct conn {
	struct echo *e;
	int fd;
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

/* Connection k's thread: the workload's thread 1 + clients + k. */
static void conn_thread(void *p, int k)
{
	struct echo *e = p;
	action(e, e->conn[k].fd);
}

/* pool.submit(action, conn): the task. */
static int action_task(void *p, void **result)
{
	struct conn *a = p;
	action(a->e, a->fd);
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

static void acceptor(void *p, int i0)
{
	struct echo *e = p;
	int total = e->clients * e->conns, k = 0; /* k: connections handed over */
	(void)i0;
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
		e->conn[k] = (struct conn){ e, fd };
		int r = e->variant == V_POOL
				? tl_executor_submit(e->ex, action_task, &e->conn[k], NULL) /* pool.submit(action, conn) */
				: tlw_team_start_next(&e->conn_team); /* threading.Thread(target=action, args=(conn,)).start() */
		if (r != 0) {
			close(fd);
			atomic_fetch_add(&e->server_errors, 1);
			continue;
		}
		k++;
	}
}

/* Client i: the workload's thread 1 + i (the acceptor is thread 0). */
static void client(void *p, int i)
{
	struct echo *e = p;
	double *rtt = e->rtt[i];
	int nrtt = 0;
	char msg[128], want[128], got[128];
	for (int k = 0; k < e->conns; k++) {
		int fd = tlw_connect(&e->addr);
		if (fd < 0) {
			atomic_fetch_add(&e->client_errors, 1);
			continue;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		for (int m = 0; m < e->msgs; m++) {
			int len = snprintf(msg, sizeof msg, "hello from client-%d conn-%d msg-%d\n", i, k, m);
			for (int j = 0; j < len; j++)
				want[j] = (char)toupper((unsigned char)msg[j]);
			double t0 = tlw_now();
			if (tlw_send_all(fd, msg, (size_t)len) != 0) {
				atomic_fetch_add(&e->client_errors, 1);
				break;
			}
			if (tlw_read_full(fd, got, (size_t)len, IO_TIMEOUT_MS) < (size_t)len) {
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
	struct tlw_team acc, cl;
	bool ok = tlw_team_init(&acc, c, 1, acceptor, e) == 0;
	ok &= tlw_team_init(&cl, c, e->clients, client, e) == 0;
	ok &= tlw_team_init(&e->conn_team, c, e->variant == V_POOL ? 0 : total, conn_thread, e) == 0;
	e->conn = calloc((size_t)total, sizeof *e->conn);
	e->rtt = calloc((size_t)e->clients, sizeof *e->rtt);
	double *all = calloc((size_t)e->clients * (size_t)per_client, sizeof *all);
	ok = ok && e->conn && e->rtt && all;
	for (int i = 0; ok && i < e->clients; i++)
		ok = (e->rtt[i] = calloc((size_t)per_client, sizeof **e->rtt)) != NULL;
	if (!ok) {
		r = tlw_fail(c, TL_ENOMEM, "out of memory");
		goto out;
	}
	/* thread 0 the acceptor, 1.. the clients, then the connections' threads */
	acc.name = "acceptor";
	cl.pin_base = 1;
	e->conn_team.pin_base = 1 + e->clients;

	/* s.bind(('127.0.0.1', 0)); s.listen(5) — an ephemeral port, loopback only */
	if ((e->lfd = tlw_listen_loopback(&e->addr, 0, 128)) < 0) {
		r = tlw_fail(c, -errno, "listen on 127.0.0.1: %s", strerror(errno));
		goto out;
	}

	if (e->variant == V_POOL) {
		tl_executor_opts_t opts = { e->workers, "echo-pool", pin_worker, e };
		if ((r = tl_executor_create(&e->ex, &opts)) != 0) {
			r = tlw_fail(c, r, "tl_executor_create: %s", tl_strerror(r));
			goto out;
		}
	}
	double t0 = tlw_now();
	tlw_team_start_all_or_exit(&acc);
	tlw_team_start(&cl);
	tlw_team_join(&cl);
	int started = cl.started;
	if (started < e->clients) /* the acceptor waits for connections that will never come: poke it */
		tlw_poke(&e->addr, total - started * e->conns);
	tlw_team_join(&acc);
	tlw_team_join(&e->conn_team); /* the acceptor's count of them is complete: it was joined */
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
	tlw_counter_p50_max(c, "rtt", "us", all, n, 1);
	tlw_counter(c, "rtt_p99_us", n ? tlw_percentile(all, n, 99) : 0);
	tlw_counter(c, "bad_echoes", (double)atomic_load(&e->bad_echoes));
	tlw_counter(c, "client_errors", (double)atomic_load(&e->client_errors));
	tlw_counter(c, "server_errors", atomic_load(&e->server_errors));
	tlw_counter(c, "all_echoed", msgs == (long)total * e->msgs && atomic_load(&e->bad_echoes) == 0);
	tlw_counter(c, "server_threads", e->variant == V_POOL ? pool_threads : e->conn_team.started);
	tlw_note(c, "127.0.0.1:%d, %d connections, %ld messages", ntohs(e->addr.sin_port), total, msgs);
out:
	tlw_team_destroy(&cl);
	tlw_team_destroy(&acc);
	tlw_team_destroy(&e->conn_team);
	if (e->lfd >= 0)
		close(e->lfd);
	if (e->rtt)
		for (int i = 0; i < e->clients; i++)
			free(e->rtt[i]);
	free(e->rtt);
	free(e->conn);
	if (e->ex)
		tl_executor_destroy(e->ex);
	free(all);
	free(e);
	return r;
}

TLW_REGISTER(echo, .lesson = "seed exercise 1: the upper-casing echo server, thread per connection vs a pool", .baseline = "thread",
	     .run = run);
