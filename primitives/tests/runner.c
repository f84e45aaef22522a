/* Test runner: each test runs in its own child (fork + exec of this binary
 * with the test's name) under a timeout, so a crash or a deadlock fails that
 * test and the run goes on. Prints "N passed, N failed" last (", N skipped"
 * added when a test skipped itself with TEST_SKIP: exit status 77). */
#include "task.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern const struct tl_test_entry tl_tests[];

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run_in_child(const char *self, const char *name, double timeout)
{
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return -1;
	}
	if (pid == 0) {
		execl(self, self, name, (char *)NULL);
		perror("execl");
		_exit(127);
	}
	double until = now_s() + timeout;
	for (;;) {
		int status;
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid) {
			if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
				return 0;
			if (WIFEXITED(status) && WEXITSTATUS(status) == TL_TEST_SKIPPED)
				return 2;
			if (WIFEXITED(status))
				fprintf(stderr, "  %s: exit status %d\n", name, WEXITSTATUS(status));
			else
				fprintf(stderr, "  %s: killed by signal %d\n", name, WTERMSIG(status));
			return 1;
		}
		if (r < 0 && errno != EINTR) {
			perror("waitpid");
			return 1;
		}
		if (now_s() > until) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			fprintf(stderr, "  %s: TIMEOUT after %.0f s (deadlock or lost wakeup?)\n", name, timeout);
			return 1;
		}
		struct timespec ts = { 0, 2 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--list") == 0) {
		for (const struct tl_test_entry *t = tl_tests; t->name; t++)
			puts(t->name);
		return 0;
	}
	if (argc > 1) { /* run one test in this process */
		for (const struct tl_test_entry *t = tl_tests; t->name; t++)
			if (strcmp(t->name, argv[1]) == 0)
				return t->fn();
		fprintf(stderr, "unknown test: %s (try --list)\n", argv[1]);
		return 2;
	}
	const char *env = getenv("TL_TEST_TIMEOUT");
	/* Generous: a test here takes about a second on a quiet machine, and
	 * `make stress` runs it with every CPU oversubscribed 3x; a test that
	 * runs this long has hung (a deadlock or a lost wake-up). */
	double timeout = env ? atof(env) : 180.0;
	if (timeout <= 0)
		timeout = 180.0;
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0) {
		perror("readlink /proc/self/exe");
		return 2;
	}
	self[n] = '\0';
	int passed = 0, failed = 0, skipped = 0;
	for (const struct tl_test_entry *t = tl_tests; t->name; t++) {
		int r = run_in_child(self, t->name, timeout);
		printf("%s %s\n", r == 0 ? "ok    " : r == 2 ? "skip  " : "FAILED", t->name);
		fflush(stdout);
		if (r == 0)
			passed++;
		else if (r == 2)
			skipped++;
		else
			failed++;
	}
	if (skipped)
		printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	else
		printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
