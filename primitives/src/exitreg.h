/* Internal: Python's _python_exit for executors. Executors register here;
 * the first registration installs an atexit handler that calls every
 * registered executor's on_exit (shutdown + wait) — outside the registry
 * lock, with the executor pinned so that a concurrent destroy does not free
 * it (destroy then leaves the memory to the exiting process). A fork child
 * starts with an empty registry: its copies of the workers do not exist. */
#ifndef TL_EXITREG_H
#define TL_EXITREG_H

#include <stdbool.h>

struct tl__exitreg {
	struct tl__exitreg *prev, *next;
	void (*on_exit)(struct tl__exitreg *);
	int pins;
};

/* 0, or TL_ESHUTDOWN once the exit handler has started (Python: "cannot
 * schedule new futures after interpreter shutdown"). */
int tl__exitreg_add(struct tl__exitreg *r);
/* false if the exit handler holds r: do not free it. */
bool tl__exitreg_remove(struct tl__exitreg *r);

#endif
