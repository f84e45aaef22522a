/* libc_mode.c — the row that shows every benchmark ran in glibc's
 * multi-threaded mode (issue 17).
 *
 * glibc on x86-64 skips the `lock` prefix of its mutexes and atomics until
 * the process starts its first thread: pthread_mutex lock+unlock measured
 * 6.4-7.3 ns before, 18.4-18.9 ns after on the Intel VM, so a
 * baseline that ran before any threaded benchmark was flattered ~3x
 * (shim/mutex_pair vs native/mutex_pair read as 2.9x "overhead"). tl-bench
 * starts and joins one thread in the suite process before the first
 * benchmark (bench/runner.c, run.json "libc_threading"), and the shim turns
 * any benchmark that still finds glibc single-threaded into an error row.
 * This row makes the state visible: counter single_threaded (0 expected)
 * and the mutex pair's cost in that state, next to shim/mutex_pair.
 */
#include "tlb.h"

#include <pthread.h>
#if defined(__has_include)
#if __has_include(<sys/single_threaded.h>)
#include <sys/single_threaded.h>
#define TLB_HAVE_SINGLE_THREADED 1
#endif
#endif

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;

static void bm_libc_mode(tlb_state *st)
{
	double single = -1; /* unknown: glibc does not say */
#ifdef TLB_HAVE_SINGLE_THREADED
	single = __libc_single_threaded ? 1 : 0;
#endif
	for (int64_t n; (n = tlb_batch(st)) > 0;)
		for (int64_t i = n; i != 0; i--) {
			pthread_mutex_lock(&mutex);
			pthread_mutex_unlock(&mutex);
		}
	tlb_counter(st, "single_threaded", single, TLB_COUNTER_PLAIN);
}

TLB_REGISTER(libc_mode)
{
	tlb_baseline(tlb_register("shim/libc_mode", bm_libc_mode), "native/mutex_pair");
}
