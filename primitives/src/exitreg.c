/* Exit registry for executors: see exitreg.h. */
#include "exitreg.h"

#include "threadlab/common.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static struct tl__exitreg *reg_head;
static bool reg_handlers;
static bool reg_exiting;

static void reg_atfork_child(void)
{
	pthread_mutex_init(&reg_mu, NULL);
	reg_head = NULL;
}

static void reg_exit_handler(void)
{
	pthread_mutex_lock(&reg_mu);
	reg_exiting = true;
	size_t n = 0;
	for (struct tl__exitreg *r = reg_head; r; r = r->next)
		n++;
	struct tl__exitreg **snap = n ? malloc(n * sizeof *snap) : NULL;
	size_t k = 0;
	if (snap)
		for (struct tl__exitreg *r = reg_head; r; r = r->next) {
			r->pins++;
			snap[k++] = r;
		}
	pthread_mutex_unlock(&reg_mu);
	/* Outside the lock: a task may create or destroy executors meanwhile. */
	for (size_t i = 0; i < k; i++)
		snap[i]->on_exit(snap[i]);
	pthread_mutex_lock(&reg_mu);
	for (size_t i = 0; i < k; i++)
		snap[i]->pins--;
	pthread_mutex_unlock(&reg_mu);
	free(snap);
}

int tl__exitreg_add(struct tl__exitreg *r)
{
	pthread_mutex_lock(&reg_mu);
	if (reg_exiting) {
		pthread_mutex_unlock(&reg_mu);
		return TL_ESHUTDOWN;
	}
	if (!reg_handlers) {
		reg_handlers = true;
		atexit(reg_exit_handler);
		pthread_atfork(NULL, NULL, reg_atfork_child);
	}
	r->pins = 0;
	r->prev = NULL;
	r->next = reg_head;
	if (reg_head)
		reg_head->prev = r;
	reg_head = r;
	pthread_mutex_unlock(&reg_mu);
	return 0;
}

bool tl__exitreg_remove(struct tl__exitreg *r)
{
	pthread_mutex_lock(&reg_mu);
	if (r->prev)
		r->prev->next = r->next;
	else if (reg_head == r)
		reg_head = r->next;
	if (r->next)
		r->next->prev = r->prev;
	r->prev = r->next = NULL;
	bool pinned = r->pins > 0;
	pthread_mutex_unlock(&reg_mu);
	return !pinned;
}
