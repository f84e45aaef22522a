#include "wl_run.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int wl(struct wl_out *o, ...)
{
	char *argv[64];
	int argc = 0;
	argv[argc++] = (char *)TLW_EXE;
	va_list ap;
	va_start(ap, o);
	for (const char *a; (a = va_arg(ap, const char *)) && argc < 63;)
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;

	int po[2], pe[2];
	if (pipe(po) || pipe(pe)) {
		perror("pipe");
		abort();
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		abort();
	}
	if (pid == 0) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		close(po[0]);
		close(pe[0]);
		close(po[1]);
		close(pe[1]);
		execv(argv[0], argv);
		perror("execv " TLW_EXE);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	size_t no = 0, ne = 0;
	struct pollfd fds[2] = { { po[0], POLLIN, 0 }, { pe[0], POLLIN, 0 } };
	int open_fds = 2;
	while (open_fds) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("poll");
			abort();
		}
		for (int i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			char *buf = i ? o->err : o->out;
			size_t *n = i ? &ne : &no;
			size_t cap = (i ? sizeof o->err : sizeof o->out) - 1;
			char scratch[4096];
			ssize_t r = read(fds[i].fd, *n < cap ? buf + *n : scratch,
					 *n < cap ? cap - *n : sizeof scratch);
			if (r <= 0) {
				close(fds[i].fd);
				fds[i].fd = -1;
				open_fds--;
			} else if (*n < cap) {
				*n += (size_t)r;
			}
		}
	}
	o->out[no] = '\0';
	o->err[ne] = '\0';
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	o->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	if (o->status != 0 && o->status != 2)
		fprintf(stderr, "tl-workload %s exited %d\n--- stdout\n%s--- stderr\n%s\n", argv[1], o->status, o->out,
			o->err);
	return o->status;
}

static const char *find(const struct wl_out *o, const char *key)
{
	size_t k = strlen(key);
	for (const char *p = o->out; p && *p;) {
		if (strncmp(p, key, k) == 0 && p[k] == '=')
			return p + k + 1;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

bool wl_has(const struct wl_out *o, const char *key)
{
	return find(o, key) != NULL;
}

double wl_num(const struct wl_out *o, const char *key)
{
	const char *v = find(o, key);
	if (!v) {
		fprintf(stderr, "tl-workload output has no %s=\n%s\n", key, o->out);
		abort();
	}
	return strtod(v, NULL);
}

const char *wl_str(const struct wl_out *o, const char *key, char *buf, int len)
{
	const char *v = find(o, key);
	buf[0] = '\0';
	if (v) {
		int n = (int)strcspn(v, "\n");
		snprintf(buf, (size_t)len, "%.*s", n, v);
	}
	return buf;
}
