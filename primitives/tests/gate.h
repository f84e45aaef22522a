/* Test helpers for thread tests: a one-shot gate (pthread mutex + condvar,
 * independent of the primitives under test), write-a-line, and running a
 * scenario of this test binary in a child process.
 *
 * Scenario children: spawn_scenario(test, scenario) runs /proc/self/exe TEST
 * with TL_SCENARIO=scenario in the environment and stdout on a pipe; the
 * TEST_IMPL sees the variable and plays the scenario instead of the parent
 * side, then returns from the test function — i.e. returns from main(), so
 * the process exit routine is what is being tested. The parent reads the
 * child's stdout to EOF and waitpid()s it. */
#ifndef TL_TEST_GATE_H
#define TL_TEST_GATE_H

#include "task.h"

#include <errno.h>
#include <pthread.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

typedef struct gate {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int open;
} gate_t;

#define GATE_INIT { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0 }

static inline void gate_open(gate_t *g)
{
	pthread_mutex_lock(&g->mu);
	g->open = 1;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
}

static inline void gate_wait(gate_t *g)
{
	pthread_mutex_lock(&g->mu);
	while (!g->open)
		pthread_cond_wait(&g->cv, &g->mu);
	pthread_mutex_unlock(&g->mu);
}

static inline bool gate_is_open(gate_t *g)
{
	pthread_mutex_lock(&g->mu);
	int o = g->open;
	pthread_mutex_unlock(&g->mu);
	return o != 0;
}

/* Never returns: a daemon thread parked until the process dies. */
static inline void park_forever(void)
{
	gate_t never = GATE_INIT;
	gate_wait(&never);
}

/* One write(2) per line: lines from several threads never interleave and
 * nothing sits in a stdio buffer when the process ends. */
static inline void say(const char *line)
{
	size_t n = strlen(line);
	ssize_t w = write(1, line, n);
	(void)w;
}

static inline const char *scenario(void)
{
	return getenv("TL_SCENARIO");
}

/* Runs the scenario; fills out (NUL-terminated) with its stdout; returns the
 * wait status. */
static inline int spawn_scenario(const char *test, const char *name, char *out, size_t cap)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	ASSERT(n > 0);
	self[n] = '\0';

	size_t envc = 0;
	while (environ[envc])
		envc++;
	char **envp = calloc(envc + 2, sizeof *envp);
	ASSERT_NOT_NULL(envp);
	size_t k = 0;
	for (size_t i = 0; i < envc; i++)
		if (strncmp(environ[i], "TL_SCENARIO=", 12) != 0)
			envp[k++] = environ[i];
	char var[256];
	snprintf(var, sizeof var, "TL_SCENARIO=%s", name);
	envp[k++] = var;
	envp[k] = NULL;

	int p[2];
	ASSERT_OK(pipe(p));
	posix_spawn_file_actions_t fa;
	ASSERT_OK(posix_spawn_file_actions_init(&fa));
	ASSERT_OK(posix_spawn_file_actions_adddup2(&fa, p[1], 1));
	ASSERT_OK(posix_spawn_file_actions_addclose(&fa, p[0]));
	ASSERT_OK(posix_spawn_file_actions_addclose(&fa, p[1]));
	char *argv[] = { self, (char *)test, NULL };
	pid_t pid;
	ASSERT_OK(posix_spawn(&pid, self, &fa, NULL, argv, envp));
	posix_spawn_file_actions_destroy(&fa);
	free(envp);
	close(p[1]);

	size_t len = 0;
	for (;;) {
		ssize_t r = read(p[0], out + len, cap - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		ASSERT(r >= 0);
		if (r == 0)
			break;
		len += (size_t)r;
		ASSERT(len < cap - 1);
	}
	out[len] = '\0';
	close(p[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		ASSERT_EQ(errno, EINTR);
	return status;
}

#endif
