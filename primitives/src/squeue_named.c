/* Named record queues: the queue block in a POSIX shared-memory object, so
 * a process that did not inherit the mapping can open it by name.
 *
 * create: shm_open(O_EXCL) -> ftruncate -> mmap -> tl_squeue_init, whose
 * final release store of the magic is the "ready" signal. An opener that
 * comes earlier sees a short object or a zero magic: TL_EAGAIN (try again),
 * never a half-initialised queue. The object's size must match the size the
 * header says, so a foreign object is refused rather than trusted. */
#include "squeue_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int valid_name(const char *name)
{
	if (!name || name[0] != '/' || !name[1] || strchr(name + 1, '/'))
		return 0;
	return strlen(name) <= NAME_MAX;
}

int tl_squeue_create_named(const char *name, size_t capacity, size_t record_size, int flags,
			   tl_squeue_t **out)
{
	size_t size = tl_squeue_size(capacity, record_size);
	if (!out || !valid_name(name) || size == 0 || flags != TL_PSHARED)
		return TL_EINVAL;
	int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	int r = 0;
	void *mem = MAP_FAILED;
	if (ftruncate(fd, (off_t)size) != 0)
		r = -errno;
	else if ((mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED)
		r = -errno;
	close(fd);
	if (r == 0 && (r = tl_squeue_init(mem, capacity, record_size, TL_PSHARED)) != 0)
		munmap(mem, size);
	if (r != 0) {
		shm_unlink(name);
		return r;
	}
	*out = mem;
	return 0;
}

int tl_squeue_open_named(const char *name, tl_squeue_t **out)
{
	if (!out || !valid_name(name))
		return TL_EINVAL;
	int fd = shm_open(name, O_RDWR | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	if ((size_t)st.st_size < sizeof(struct tl_squeue)) {
		close(fd);
		return TL_EAGAIN; /* created, not yet sized */
	}
	size_t size = (size_t)st.st_size;
	void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (mem == MAP_FAILED)
		return -errno;
	tl_squeue_t *q = mem;
	uint32_t magic = atomic_load_explicit(&q->magic, memory_order_acquire);
	int r = 0;
	if (magic == 0)
		r = TL_EAGAIN; /* sized, not yet initialised */
	else if (magic != TL__SQ_MAGIC || !(q->flags & TL_PSHARED) || q->total_size != size ||
		 tl_squeue_size(q->capacity, q->record_size) != size)
		r = TL_EINVAL;
	else
		r = tl__sq_attach(q, 0);
	if (r != 0) {
		munmap(mem, size);
		return r;
	}
	*out = q;
	return 0;
}

int tl_squeue_close_named(tl_squeue_t *q)
{
	int r = tl__sq_check(q);
	if (r)
		return r;
	size_t size = (size_t)q->total_size;
	(void)tl_squeue_detach(q); /* TL_EINVAL if it was not attached: fine */
	return munmap(q, size) == 0 ? 0 : -errno;
}

int tl_squeue_unlink_named(const char *name)
{
	if (!valid_name(name))
		return TL_EINVAL;
	return shm_unlink(name) == 0 ? 0 : -errno;
}
