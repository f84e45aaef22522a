/* The trace recorder (threadlab/trace.h): API errors, recording while the
 * file is written (race-free per-thread buffers: run under TSan), the event
 * budget cutting a thread with a marker, spans paired and balanced, flows
 * from a release to the acquire it let through. JSON structure in depth:
 * tests/trace/test_trace.py. */
#include "task.h"

#include "threadlab/common.h"
#include "threadlab/lock.h"
#include "threadlab/thread.h"
#include "threadlab/trace.h"

#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	ASSERT_NOT_NULL(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	rewind(f);
	char *buf = malloc((size_t)n + 1);
	ASSERT_NOT_NULL(buf);
	ASSERT_EQ(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int count(const char *s, const char *needle)
{
	int n = 0;
	for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static void tmp_path(char *buf, size_t len, const char *stem)
{
	snprintf(buf, len, "%s/tl-trace-%s-%ld.json", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", stem,
		 (long)getpid());
}

TEST_IMPL(trace_api_errors)
{
	ASSERT_EQ(tl_trace_start(10), TL_EINVAL);
	ASSERT_EQ(tl_trace_write(NULL, NULL), TL_EINVAL);
	ASSERT_EQ(tl_trace_write("", NULL), TL_EINVAL);
	ASSERT_EQ(tl_trace_name(NULL, "x"), TL_EINVAL);
	ASSERT_EQ(tl_trace_thread_name(NULL), TL_EINVAL);
	ASSERT_OK(tl_trace_start(0));
	ASSERT_TRUE(tl_trace_enabled());
	ASSERT_EQ(tl_trace_reset(), TL_EBUSY);
	ASSERT_OK(tl_trace_stop());
	ASSERT_FALSE(tl_trace_enabled());
	ASSERT_EQ(tl_trace_write("/nonexistent-dir/x.json", NULL), -ENOENT);
	ASSERT_OK(tl_trace_reset());
	return 0;
}

TEST_IMPL(trace_off_records_nothing)
{
	tl_lock_t l;
	ASSERT_OK(tl_lock_init(&l, TL_PRIVATE));
	ASSERT_OK(tl_trace_reset());
	for (int i = 0; i < 100; i++) {
		ASSERT_OK(tl_lock_acquire(&l, true, TL_FOREVER));
		ASSERT_OK(tl_lock_release(&l));
	}
	tl_trace_begin("x");
	tl_trace_end();
	ASSERT_EQ(tl_trace_events(), 0);
	return 0;
}

/* Two threads hand one lock back and forth while the main thread writes
 * the trace over and over: the writer reads only published events. */
struct pingpong {
	tl_lock_t lock;
	atomic_int stop, recorded; /* recorded: threads that recorded their first span */
	long n;
};

static void pp_main(void *p)
{
	struct pingpong *s = p;
	tl_trace_begin("started"); /* each thread records before the writes begin (the lock is unfair) */
	tl_trace_end();
	atomic_fetch_add(&s->recorded, 1);
	while (!atomic_load(&s->stop)) {
		tl_lock_acquire(&s->lock, true, TL_FOREVER);
		tl_trace_begin("critical section");
		s->n++;
		tl_trace_end();
		tl_lock_release(&s->lock);
	}
}

TEST_IMPL(trace_write_while_recording)
{
	static struct pingpong s;
	char path[512];
	tmp_path(path, sizeof path, "live");
	ASSERT_OK(tl_lock_init(&s.lock, TL_PRIVATE));
	ASSERT_OK(tl_trace_name(&s.lock, "the \"lock\""));
	ASSERT_OK(tl_trace_start(1 << 14));
	tl_thread_t th[2];
	for (int i = 0; i < 2; i++) {
		ASSERT_OK(tl_thread_init(&th[i], pp_main, &s, NULL));
		ASSERT_OK(tl_thread_start(&th[i]));
	}
	while (atomic_load(&s.recorded) < 2)
		sched_yield();
	for (long k = 0, n = tl_test_iters(5, 2); k < n; k++) /* 2 under valgrind: each write is 16k events */
		ASSERT_OK(tl_trace_write(path, "live"));
	atomic_store(&s.stop, 1);
	for (int i = 0; i < 2; i++)
		ASSERT_OK(tl_thread_join(&th[i], TL_FOREVER));
	ASSERT_OK(tl_trace_stop());
	ASSERT_OK(tl_trace_write(path, "done"));
	char *j = slurp(path);
	ASSERT_EQ(count(j, "\"ph\":\"B\""), count(j, "\"ph\":\"E\""));
	ASSERT_EQ(count(j, "\"ph\":\"s\""), count(j, "\"ph\":\"f\""));
	ASSERT_GT(count(j, "holding the \\\"lock\\\""), 0); /* named, JSON-escaped */
	ASSERT_EQ(count(j, "\"name\":\"thread_name\""), 3); /* the two, and main's joins */
	ASSERT_GT(count(j, "\"truncated\":"), 0);
	free(j);
	unlink(path);
	ASSERT_OK(tl_trace_reset());
	return 0;
}

/* A budget of one chunk: the second thread gets nothing and is cut. */
static void spans_main(void *p)
{
	(void)p;
	for (int i = 0; i < 5000; i++) {
		tl_trace_begin("step");
		tl_trace_end();
	}
}

TEST_IMPL(trace_budget_cuts_with_a_marker)
{
	char path[512];
	tmp_path(path, sizeof path, "cut");
	ASSERT_OK(tl_trace_start(1024));
	tl_thread_t th;
	ASSERT_OK(tl_thread_init(&th, spans_main, NULL, "spans"));
	ASSERT_OK(tl_thread_start(&th));
	ASSERT_OK(tl_thread_join(&th, TL_FOREVER));
	tl_trace_begin("open at the end"); /* main: no chunk left, cut at once */
	ASSERT_OK(tl_trace_stop());
	ASSERT_TRUE(tl_trace_truncated());
	ASSERT_EQ(tl_trace_events(), 1024);
	ASSERT_OK(tl_trace_write(path, NULL));
	char *j = slurp(path);
	ASSERT_EQ(count(j, "trace cut: event budget reached"), 2);
	ASSERT_EQ(count(j, "\"ph\":\"B\""), count(j, "\"ph\":\"E\""));
	ASSERT_GT(count(j, "\"truncated\":true"), 0);
	ASSERT_GT(count(j, "\"name\":\"spans\""), 0);
	free(j);
	unlink(path);
	ASSERT_OK(tl_trace_reset());
	return 0;
}

/* The holder releases while the other thread waits: one flow, from the
 * release to the acquire, and a "waiting to acquire" span. */
struct handoff {
	tl_lock_t lock;
	atomic_int waiting;
};

static void waiter_main(void *p)
{
	struct handoff *h = p;
	atomic_store(&h->waiting, 1);
	ASSERT_OK(tl_lock_acquire(&h->lock, true, TL_FOREVER));
	ASSERT_OK(tl_lock_release(&h->lock));
}

TEST_IMPL(trace_release_flows_to_the_waiting_acquire)
{
	static struct handoff h;
	char path[512];
	tmp_path(path, sizeof path, "flow");
	ASSERT_OK(tl_lock_init(&h.lock, TL_PRIVATE));
	ASSERT_OK(tl_trace_start(0));
	ASSERT_OK(tl_lock_acquire(&h.lock, true, TL_FOREVER));
	tl_thread_t th;
	ASSERT_OK(tl_thread_init(&th, waiter_main, &h, "waiter"));
	ASSERT_OK(tl_thread_start(&th));
	while (!atomic_load(&h.waiting))
		sched_yield();
	/* The waiter may not be inside acquire yet; wait until it is blocked
	 * on the lock word (low bits 2 = sleepers; bits 8.. count urgent
	 * waiters, which it becomes after 200 us: lock.c), so the release
	 * lets it in. */
	while ((atomic_load(&h.lock.state) & 3) != 2)
		sched_yield();
	ASSERT_OK(tl_lock_release(&h.lock));
	ASSERT_OK(tl_thread_join(&th, TL_FOREVER));
	ASSERT_OK(tl_trace_stop());
	ASSERT_OK(tl_trace_write(path, NULL));
	char *j = slurp(path);
	ASSERT_EQ(count(j, "\"ph\":\"s\""), count(j, "\"ph\":\"f\""));
	ASSERT_GE(count(j, "\"ph\":\"s\""), 1); /* the release's; the waiter's end may also wake the join */
	ASSERT_LE(count(j, "\"ph\":\"s\""), 2);
	ASSERT_EQ(count(j, "\"name\":\"waiting to acquire lock#1\""), 2);
	ASSERT_EQ(count(j, "\"name\":\"holding lock#1\""), 4);
	free(j);
	unlink(path);
	ASSERT_OK(tl_trace_reset());
	return 0;
}

TEST_LIST_BEGIN
TEST_ENTRY(trace_api_errors)
TEST_ENTRY(trace_off_records_nothing)
TEST_ENTRY(trace_write_while_recording)
TEST_ENTRY(trace_budget_cuts_with_a_marker)
TEST_ENTRY(trace_release_flows_to_the_waiting_acquire)
TEST_LIST_END
