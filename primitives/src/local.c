/* threading.local: one value per thread per key, on pthread keys.
 * A thread's value is dropped when the thread exits: the destructor (if any)
 * runs with it in that thread, for threadlab and foreign threads alike — but
 * not for the main thread at process exit, and not on tl_local_destroy
 * (pthread key semantics; Python drops the values with the local object). */
#include "threadlab/thread.h"

#include <errno.h>

static int code(int e)
{
	return e == 0 ? 0 : e == EAGAIN ? TL_EAGAIN : e == ENOMEM ? TL_ENOMEM : e == EINVAL ? TL_EINVAL : -e;
}

int tl_local_init(tl_local_t *l, void (*destructor)(void *))
{
	return l ? code(pthread_key_create(&l->key, destructor)) : TL_EINVAL;
}

int tl_local_destroy(tl_local_t *l)
{
	return l ? code(pthread_key_delete(l->key)) : TL_EINVAL;
}

void *tl_local_get(tl_local_t *l)
{
	return l ? pthread_getspecific(l->key) : NULL;
}

int tl_local_set(tl_local_t *l, void *value)
{
	return l ? code(pthread_setspecific(l->key, value)) : TL_EINVAL;
}
