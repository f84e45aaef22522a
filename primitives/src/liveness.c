#include "liveness.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Without /proc: the kernel's answer to a null signal (EPERM = exists). */
static int probe_kill(pid_t id, uint64_t *start)
{
	*start = 0;
	return (kill(id, 0) == 0 || errno != ESRCH) ? 1 : 0;
}

int tl__proc_probe(pid_t id, uint64_t *start)
{
	char path[40], buf[1024];
	if (id <= 0)
		return 0;
	snprintf(path, sizeof path, "/proc/%d/stat", (int)id);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return (errno == ENOENT || errno == ESRCH) ? 0 : probe_kill(id, start);
	ssize_t n;
	do
		n = read(fd, buf, sizeof buf - 1);
	while (n < 0 && errno == EINTR);
	int saved = errno;
	close(fd);
	if (n < 0) /* ESRCH: the task went away between open and read */
		return saved == ESRCH ? 0 : probe_kill(id, start);
	buf[n] = '\0';
	/* "pid (comm) S ppid ...": comm may hold spaces and parentheses, so
	 * the fields start after the last ')'. Field 3 is the state, field 22
	 * the start time. */
	char *p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || !p[2])
		return probe_kill(id, start);
	p += 2;
	if (*p == 'Z' || *p == 'X' || *p == 'x')
		return 0;
	*start = 0;
	for (int field = 3; field < 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (p)
		*start = strtoull(p, NULL, 10);
	return 1;
}

bool tl__proc_alive(pid_t id, uint64_t start)
{
	uint64_t now;
	if (!tl__proc_probe(id, &now))
		return false;
	return start == 0 || now == 0 || now == start;
}
