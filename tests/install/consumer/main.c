/* A tiny outside program: one Lock and one Queue through the public
 * headers, linked against an installed (or vendored) threadlab. */
#include <stdio.h>
#include <threadlab/threadlab.h>

int main(void)
{
	tl_lock_t l;
	tl_queue_t q;
	void *item = NULL;
	int x = 42;

	if (tl_lock_init(&l, TL_PRIVATE) || tl_lock_acquire(&l, true, TL_FOREVER) || !tl_lock_locked(&l) ||
	    tl_lock_release(&l) || tl_lock_destroy(&l))
		return 1;
	if (tl_queue_init(&q, TL_QUEUE_FIFO, 4) || tl_queue_put_nowait(&q, &x) ||
	    tl_queue_get_nowait(&q, &item) || item != &x || tl_queue_destroy(&q))
		return 1;
	printf("threadlab consumer ok %d\n", *(int *)item);
	return 0;
}
