/* thread.c — starting a unit of work and waiting for it (seed section 三):
 *   thread/start_join        tl_thread init + start + join of an empty target
 *   pthread/start_join       pthread_create + pthread_join (baseline)
 *   fork/start_wait          fork, the child _exits at once, waitpid
 *   posix_spawn/start_wait   posix_spawn of /bin/true + waitpid
 * One iteration is one start + wait. New threads and children inherit the
 * benchmark thread's CPU binding.
 */
#include "common.h"

#include "threadlab/thread.h"

#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void noop(void *arg) { (void)arg; }
static void *noop_p(void *arg) { return arg; }

static void bm_thread_start_join(tlb_state *st)
{
	tl_thread_t t;
	for (int64_t n; (n = tlb_batch(st)) > 0;)
		for (int64_t i = 0; i < n; i++) {
			int rc = tl_thread_init(&t, noop, NULL, "bench");
			if (rc == 0)
				rc = tl_thread_start(&t);
			if (rc == 0)
				rc = tl_thread_join(&t, TL_FOREVER);
			if (rc != 0) {
				tlb_skip(st, tl_strerror(rc));
				return;
			}
		}
}

static void bm_pthread_start_join(tlb_state *st)
{
	pthread_t t;
	for (int64_t n; (n = tlb_batch(st)) > 0;)
		for (int64_t i = 0; i < n; i++) {
			if (pthread_create(&t, NULL, noop_p, NULL) != 0) {
				tlb_skip(st, "pthread_create failed");
				return;
			}
			pthread_join(t, NULL);
		}
}

static bool reap(pid_t pid)
{
	int status;
	while (waitpid(pid, &status, 0) < 0)
		;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void bm_fork_start_wait(tlb_state *st)
{
	for (int64_t n; (n = tlb_batch(st)) > 0;)
		for (int64_t i = 0; i < n; i++) {
			pid_t pid = fork();
			if (pid == 0)
				_exit(0);
			if (pid < 0 || !reap(pid)) {
				tlb_skip(st, "fork failed");
				return;
			}
		}
}

static void bm_posix_spawn_start_wait(tlb_state *st)
{
	char *const argv[] = {(char *)"true", NULL};
	const char *path = access("/bin/true", X_OK) == 0 ? "/bin/true" : "/usr/bin/true";
	for (int64_t n; (n = tlb_batch(st)) > 0;)
		for (int64_t i = 0; i < n; i++) {
			pid_t pid;
			if (posix_spawn(&pid, path, NULL, NULL, argv, environ) != 0 || !reap(pid)) {
				tlb_skip(st, "posix_spawn of /bin/true failed");
				return;
			}
		}
}

static void reg(const char *name, const char *baseline, tlb_fn fn)
{
	tlb_bench *b[2];
	bm_reg2(name, fn, &b[0], &b[1]);
	for (int i = 0; i < 2; i++) {
		tlb_real_time(b[i]);
		tlb_unit(b[i], TLB_US);
		if (baseline)
			tlb_baseline(b[i], baseline);
	}
}

TLB_REGISTER(thread)
{
	reg("thread/start_join", "pthread/start_join", bm_thread_start_join);
	reg("pthread/start_join", NULL, bm_pthread_start_join);
	reg("fork/start_wait", NULL, bm_fork_start_wait);
	reg("posix_spawn/start_wait", NULL, bm_posix_spawn_start_wait);
}
