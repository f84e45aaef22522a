/* daemon — seed section 六 (守护线程): which lines print, and in which order,
 * when the main thread finishes while daemon and non-daemon threads run.
 * Exit behaviour is the lesson, so each case runs in a fresh child process
 * (fork + exec of tl-workload with the hidden `--child daemon ...` mode),
 * whose main() returns as the seed's script ends; the parent reads the
 * child's lines through a pipe and checks them against what Python prints.
 *
 * confusing:   the seed's 迷惑人的例子: t1 = daemon foo (123, sleep 1,
 *              end123), t2 = bar (456, sleep 3, end456). Python prints 123,
 *              456, main-------, end123, end456: the process waits for the
 *              non-daemon t2, and the daemon t1 finishes meanwhile.
 * daemon-only: the seed's first daemon example: a daemon thread sleeping
 *              when main ends: "主线程", "True", and never "egon say hello".
 * swapped:     t1 (daemon) is the slow one: end123 is never printed, the
 *              process ends with t2.
 *
 * The sleeps are `unit_us` units; where the seed's outcome hangs on one
 * sleep outlasting another, a Lock handoff makes it certain (bar's end waits
 * for foo's end123; a thread that "sleeps past the end" waits on a Lock the
 * main thread never releases), so the result is deterministic.
 */
#include "workload.h"

#include "threadlab/common.h"
#include "threadlab/event.h"
#include "threadlab/lock.h"
#include "threadlab/thread.h"

#include <errno.h>
#include <stdatomic.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { V_CONFUSING, V_DAEMON_ONLY, V_SWAPPED };

static const struct tlw_variant variants[] = {
	[V_CONFUSING] = { "confusing", TLW_CLEAN, "daemon foo, non-daemon bar; runs in an exec'd child" },
	[V_DAEMON_ONLY] = { "daemon-only", TLW_CLEAN, "a sleeping daemon thread when main ends" },
	[V_SWAPPED] = { "swapped", TLW_CLEAN, "the daemon thread is the slow one" },
};

static const struct tlw_param params[] = {
	{ "unit_us", 20000, 5000, 0, 10000000, NULL, "one second of the seed's sleeps", 0 },
};

/* What Python prints, per variant: line, order group (lines of one group
 * may come in any order, groups in order), -1 = must never print. */
struct expect_line {
	const char *text;
	int group;
};
static const struct expect_line expected[][6] = {
	[V_CONFUSING] = { { "123", 0 }, { "456", 0 }, { "main-------", 0 }, { "end123", 1 }, { "end456", 2 }, { NULL, 0 } },
	[V_DAEMON_ONLY] = { { "主线程", 0 }, { "True", 1 }, { "egon say hello", -1 }, { NULL, 0 } },
	[V_SWAPPED] = { { "123", 0 }, { "456", 0 }, { "main-------", 0 }, { "end456", 1 }, { "end123", -1 }, { NULL, 0 } },
};

/* ---- the child: the seed's script ---- */

static int64_t unit;
static tl_thread_t t1, t2;  /* static: they outlive main()'s frame (exit waits for t2) */
static tl_lock_t end123_printed = TL_LOCK_INITIALIZER;
static tl_lock_t never = TL_LOCK_INITIALIZER;
static int variant;
/* The seed's sleeps make "123", "456" and "main-------" print before any
 * end line; on a loaded machine a 5 ms sleep is no such promise, so the end
 * lines also wait until those three are out (what the sleeps stand for). */
static tl_event_t firsts_out = TL_EVENT_INITIALIZER;
static _Atomic int firsts;

static void say(const char *s);
static void say_first(const char *s)
{
	say(s);
	if (atomic_fetch_add(&firsts, 1) + 1 == 3)
		tl_event_set(&firsts_out);
}

static void say(const char *s)
{
	char line[128];
	int n = snprintf(line, sizeof line, "%s\n", s);
	if (write(1, line, (size_t)n) < 0) /* one write per line: no stdio buffer at exit */
		_exit(3);
}

static void sleep_past_the_end(void)
{
	tl_lock_acquire(&never, true, TL_FOREVER); /* held by main, never released */
}

static void foo(void *arg)
{
	(void)arg;
	say_first("123");
	tlw_sleep_us(unit);
	tl_event_wait(&firsts_out, TL_FOREVER);
	if (variant == V_SWAPPED)
		sleep_past_the_end(); /* time.sleep(3): longer than bar */
	say("end123");
	tl_lock_release(&end123_printed);
}

static void bar(void *arg)
{
	(void)arg;
	say_first("456");
	tlw_sleep_us(variant == V_SWAPPED ? unit : 3 * unit);
	tl_event_wait(&firsts_out, TL_FOREVER);
	if (variant == V_CONFUSING) /* sleep(3) outlasts foo's sleep(1): make it certain */
		tl_lock_acquire(&end123_printed, true, TL_FOREVER);
	say("end456");
}

static void sayhi(void *arg)
{
	(void)arg;
	tlw_sleep_us(2 * unit);
	sleep_past_the_end();
	say("egon say hello");
}

static int child(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "daemon child: usage: daemon <variant> <unit_us>\n");
		return 2;
	}
	variant = atoi(argv[1]);
	unit = atoll(argv[2]);
	tl_lock_acquire(&never, true, TL_FOREVER);
	tl_lock_acquire(&end123_printed, true, TL_FOREVER);
	if (variant == V_DAEMON_ONLY) {
		tl_thread_init(&t1, sayhi, NULL, NULL);
		tl_thread_set_daemon(&t1, true); /* t.setDaemon(True) */
		tl_thread_start(&t1);
		say("主线程");
		say(tl_thread_is_alive(&t1) ? "True" : "False");
		return 0;
	}
	tl_thread_init(&t1, foo, NULL, NULL);
	tl_thread_init(&t2, bar, NULL, NULL);
	tl_thread_set_daemon(&t1, true); /* t1.daemon = True */
	tl_thread_start(&t1);
	tl_thread_start(&t2);
	say_first("main-------");
	return 0; /* the script ends: exit() waits for t2 (non-daemon) only */
}

/* ---- the parent ---- */

static int run(struct tlw_ctx *c)
{
	const char *exe = tlw_child_exe();
	if (!exe)
		return tlw_fail(c, TL_EINVAL, "no tl-workload executable found for the child process");
	char vbuf[16], ubuf[32];
	snprintf(vbuf, sizeof vbuf, "%d", c->variant);
	snprintf(ubuf, sizeof ubuf, "%lld", (long long)tlw_p(c, "unit_us"));
	int fds[2];
	if (pipe(fds) != 0)
		return tlw_fail(c, -errno, "pipe: %s", strerror(errno));
	fflush(NULL);
	double t0 = tlw_now();
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return tlw_fail(c, TL_EAGAIN, "fork: %s", strerror(errno));
	}
	if (pid == 0) { /* async-signal-safe only until exec */
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execl(exe, exe, "--child", "daemon", vbuf, ubuf, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);

	char buf[4096];
	size_t len = 0;
	bool killed = false;
	for (;;) {
		struct pollfd p = { fds[0], POLLIN, 0 };
		int r = poll(&p, 1, 100);
		if (r > 0) {
			ssize_t k = read(fds[0], buf + len, sizeof buf - 1 - len);
			if (k <= 0)
				break;
			len += (size_t)k;
			if (len == sizeof buf - 1)
				break;
		} else if (r < 0 && errno != EINTR) {
			break;
		}
		if (tlw_now() - t0 > 30) { /* never hang the run */
			kill(pid, SIGKILL);
			killed = true;
			break;
		}
	}
	buf[len] = '\0';
	close(fds[0]);
	int st = tlw_wait_child(pid);
	double wall = tlw_now() - t0;
	if (killed || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return tlw_fail(c, TL_EINVAL, "child %s (status %d)", killed ? "hung and was killed" : "failed",
				WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));

	/* Compare with what Python prints. */
	const struct expect_line *ex = expected[c->variant];
	int printed = 0, extra = 0, missing = 0, forbidden = 0, last_group = 0;
	bool order_ok = true;
	bool seen[8] = { false };
	char seq[256] = "";
	for (char *line = buf, *nl; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			break;
		*nl = '\0';
		printed++;
		snprintf(seq + strlen(seq), sizeof seq - strlen(seq), "%s%.40s", printed > 1 ? " / " : "", line);
		int i;
		for (i = 0; ex[i].text; i++)
			if (strcmp(ex[i].text, line) == 0)
				break;
		if (!ex[i].text) {
			extra++;
			continue;
		}
		seen[i] = true;
		if (ex[i].group < 0) {
			forbidden++;
			continue;
		}
		if (ex[i].group < last_group)
			order_ok = false;
		last_group = ex[i].group;
	}
	for (int i = 0; ex[i].text; i++)
		if (ex[i].group >= 0 && !seen[i])
			missing++;
	tlw_counter(c, "wall_s", wall);
	tlw_counter(c, "child_exit_units", wall / ((double)tlw_p(c, "unit_us") / 1e6 + 1e-9));
	tlw_counter(c, "lines", printed);
	tlw_counter(c, "missing", missing);
	tlw_counter(c, "extra", extra);
	tlw_counter(c, "never_lines_printed", forbidden);
	tlw_counter(c, "order_as_python", order_ok);
	tlw_counter(c, "as_python", order_ok && !missing && !extra && !forbidden);
	tlw_note(c, "%s", seq);
	return 0;
}

TLW_REGISTER(daemon, .lesson = "seed §6 daemon threads: the confusing example, in a fresh child process", .run = run,
	     .child = child);
