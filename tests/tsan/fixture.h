/* Shared helpers for the race fixtures in tests/tsan/.
 *
 * Each fixture is a small program with a known TSan verdict, declared on a
 * line `// tsan-expect: race|deadlock|clean` that tests/tsan/CMakeLists.txt
 * reads into the fixture manifest. Lines marked `// tsan-site` are where the
 * expected report must point (its top frame in our code): a report of the
 * expected kind elsewhere does not count as found and is a false positive,
 * so a detector cannot score by flagging the wrong line. A known detector
 * limitation is declared as `// tsan-xfail: <detector>[,...] <reason>`.
 * Fixtures print what they computed and exit 0 (clean ones exit 1 on a
 * wrong result): the verdict comes from the detector, not the exit status.
 *
 * fx_threads(): thread count, from TL_THREADS when set (scripts/tsan-run's
 * third schedule sets it), else the fixture's default.
 * fx_start_*(): a pthread barrier so that all workers begin together. The
 * barrier orders everything *before* it, not the racy accesses after it,
 * so it does not hide the races the fixtures are about.
 * fx_opaque(): a call the compiler must assume reads and writes all memory
 * (an empty asm with a "memory" clobber behind a noinline function). It
 * keeps -O1 from caching a shared variable in a register or folding a loop
 * of increments into one `+= K`, so every iteration is a real load and store
 * that TSan instruments and that can actually interleave.
 */
#ifndef TL_FIXTURE_H
#define TL_FIXTURE_H

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define FX_MAX_THREADS 256

__attribute__((noinline, unused)) static void fx_opaque(void)
{
	__asm__ __volatile__("" ::: "memory");
}

static inline int fx_threads(int dflt)
{
	const char *s = getenv("TL_THREADS");
	int n = s ? atoi(s) : dflt;
	if (n < 2)
		n = 2;
	if (n > FX_MAX_THREADS)
		n = FX_MAX_THREADS;
	return n;
}

static pthread_barrier_t fx_barrier;

static inline void fx_start_init(int nthreads)
{
	if (pthread_barrier_init(&fx_barrier, NULL, (unsigned)nthreads) != 0) {
		fprintf(stderr, "pthread_barrier_init failed\n");
		exit(2);
	}
}

static inline void fx_start_wait(void)
{
	pthread_barrier_wait(&fx_barrier);
}

static inline void fx_start_destroy(void)
{
	pthread_barrier_destroy(&fx_barrier);
}

static inline void fx_run(int nthreads, void *(*fn)(void *))
{
	pthread_t t[FX_MAX_THREADS];
	for (int i = 0; i < nthreads; i++)
		if (pthread_create(&t[i], NULL, fn, (void *)(long)i) != 0) {
			fprintf(stderr, "pthread_create failed\n");
			exit(2);
		}
	for (int i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
}

#endif
