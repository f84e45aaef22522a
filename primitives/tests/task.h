/* Tiny test harness (libuv style). ASSERTs never compile out.
 *
 * A test file defines its tests with TEST_IMPL(name) and lists them once:
 *
 *   TEST_IMPL(lock_basic) { ...; return 0; }
 *   TEST_LIST_BEGIN
 *     TEST_ENTRY(lock_basic)
 *   TEST_LIST_END
 *
 * and links with runner.c, which runs every test in its own forked child
 * under a timeout (default 180 s, env TL_TEST_TIMEOUT): a deadlock shows as a
 * failed test, not a hung run. `./test_x NAME` runs one test in-process
 * (for gdb); `./test_x --list` lists them. Under TSan, children are exec'd
 * afresh (TSan stops checking in a child forked from a threaded parent).
 */
#ifndef TL_TASK_H
#define TL_TASK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ASSERT(expr)                                                                  \
	do {                                                                          \
		if (!(expr)) {                                                        \
			fprintf(stderr, "Assertion failed in %s:%d: %s\n", __FILE__,  \
				__LINE__, #expr);                                     \
			fflush(stderr);                                               \
			abort();                                                      \
		}                                                                     \
	} while (0)

#define ASSERT_BASE(a, op, b, type, fmt)                                              \
	do {                                                                          \
		type tl_a_ = (type)(a);                                               \
		type tl_b_ = (type)(b);                                               \
		if (!(tl_a_ op tl_b_)) {                                              \
			fprintf(stderr,                                               \
				"Assertion failed in %s:%d: `%s %s %s` (%" fmt        \
				" %s %" fmt ")\n",                                    \
				__FILE__, __LINE__, #a, #op, #b, tl_a_, #op, tl_b_);  \
			fflush(stderr);                                               \
			abort();                                                      \
		}                                                                     \
	} while (0)

#define ASSERT_EQ(a, b) ASSERT_BASE(a, ==, b, int64_t, PRId64)
#define ASSERT_NE(a, b) ASSERT_BASE(a, !=, b, int64_t, PRId64)
#define ASSERT_GE(a, b) ASSERT_BASE(a, >=, b, int64_t, PRId64)
#define ASSERT_GT(a, b) ASSERT_BASE(a, >, b, int64_t, PRId64)
#define ASSERT_LE(a, b) ASSERT_BASE(a, <=, b, int64_t, PRId64)
#define ASSERT_LT(a, b) ASSERT_BASE(a, <, b, int64_t, PRId64)
#define ASSERT_OK(expr) ASSERT_EQ((expr), 0)
#define ASSERT_TRUE(expr) ASSERT(expr)
#define ASSERT_FALSE(expr) ASSERT(!(expr))
#define ASSERT_NULL(expr) ASSERT((expr) == NULL)
#define ASSERT_NOT_NULL(expr) ASSERT((expr) != NULL)
#define ASSERT_STR_EQ(a, b)                                                           \
	do {                                                                          \
		const char *tl_sa_ = (a), *tl_sb_ = (b);                              \
		if (strcmp(tl_sa_, tl_sb_) != 0) {                                    \
			fprintf(stderr, "Assertion failed in %s:%d: `%s == %s` (\"%s\" != \"%s\")\n", \
				__FILE__, __LINE__, #a, #b, tl_sa_, tl_sb_);          \
			fflush(stderr);                                               \
			abort();                                                      \
		}                                                                     \
	} while (0)

/* A test that cannot run in this build returns TEST_SKIP("why"): exit
 * status 77 (CTest's usual skip code), reported as "skip" by the runner,
 * which does not count it as passed. */
#define TL_TEST_SKIPPED 77
#define TEST_SKIP(why)                                                                \
	do {                                                                          \
		fprintf(stderr, "  skipped: %s\n", (why));                            \
		fflush(stderr);                                                       \
		return TL_TEST_SKIPPED;                                               \
	} while (0)

/* Heavy loops scale down under valgrind: Helgrind and DRD serialise every
 * thread on one lock and run 50-200x slower, so a loop of 20000 handoffs
 * that takes a second natively would outlive any timeout there (the race
 * suite runs every unit test under them). tl_test_iters(n) is n natively
 * and n / divisor (at least min_n) under valgrind; the divisor is
 * TL_TEST_ITER_DIV from the environment (tsan-suite sets it for its
 * valgrind runs), else 20 when RUNNING_ON_VALGRIND says so
 * (valgrind/valgrind.h, when installed), else 1. Use it for counts that
 * only make a test stronger, never for ones its assertions are about. */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define TL__TEST_ON_VALGRIND() (RUNNING_ON_VALGRIND != 0)
#endif
#endif
#ifndef TL__TEST_ON_VALGRIND
#define TL__TEST_ON_VALGRIND() 0
#endif

static inline long tl_test_iter_div(void)
{
	const char *e = getenv("TL_TEST_ITER_DIV"); /* no cache: threads call this */
	long d = e ? strtol(e, NULL, 10) : 0;
	return d > 0 ? d : TL__TEST_ON_VALGRIND() ? 20 : 1;
}

static inline long tl_test_iters(long n, long min_n)
{
	long d = tl_test_iter_div(), m = n / d;
	if (d <= 1)
		return n;
	return m >= min_n ? m : min_n < n ? min_n : n;
}

typedef int (*tl_test_fn)(void);
struct tl_test_entry {
	const char *name;
	tl_test_fn fn;
};

#define TEST_IMPL(name) int run_test_##name(void); int run_test_##name(void)
#define TEST_LIST_BEGIN                                                               \
	extern const struct tl_test_entry tl_tests[];                                 \
	const struct tl_test_entry tl_tests[] = {
#define TEST_ENTRY(name) { #name, run_test_##name },
#define TEST_LIST_END { NULL, NULL } };

#endif
