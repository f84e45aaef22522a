/* tbb.cc — oneTBB (Debian libtbb-dev) as peers, through the shared bodies:
 *   tbb_cq           tbb::concurrent_queue<void *>: push / try_pop retried
 *                    (spinwait.h): waits=spin; fifo, unbounded
 *   tbb_bounded_cq   tbb::concurrent_bounded_queue<void *>: push / pop, which
 *                    sleep when full / empty: waits=block; fifo, cap 1024 and
 *                    unbounded (set_capacity)
 *   tbb_bounded_cq/pingpong   two unbounded concurrent_bounded_queues, one
 *                    each way (baseline mutexcond_ring/pingpong like
 *                    queue/pingpong)
 *     (queue rows, queuebody.h; baseline mutexcond_ring like queue/)
 *   tbb_arena_enqueue   tbb::task_arena::enqueue of the trivial task;
 *                       completion through a shared count (bm_count: what
 *                       GThreadPool's rows use), the arena with one slot per
 *                       worker and none reserved for the caller (who only
 *                       waits: global_control allows that many TBB workers)
 *   tbb_task_group      throughput only: n tbb::task_group::run then wait,
 *                       inside a task_arena of `workers` slots (the caller's
 *                       thread takes part in wait, as task_group is meant to
 *                       be used; for one task that is the caller running it
 *                       itself, no round trip to compare with submit_result)
 *     (executor rows, execbody.h; baseline gthreadpool like executor/;
 *      waits=block: idle TBB workers sleep)
 * The trivial task returns its argument + 1 (here: adds it to a sum that
 * is checked, like GThreadPool's).
 */
#include <oneapi/tbb/concurrent_queue.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_group.h>

#include "peer.h"

static tbb::concurrent_queue<void *> *cq;
static tbb::concurrent_bounded_queue<void *> *bq;

static int cq_init(int kind, long cap)
{
	if (kind != BM_FIFO || cap != 0)
		return -1;
	cq = new tbb::concurrent_queue<void *>();
	return 0;
}
static void cq_destroy(void)
{
	delete cq;
	cq = nullptr;
}
static void cq_put(void *item, int64_t) { cq->push(item); }
static void *cq_get(void)
{
	void *item = nullptr;
	for (unsigned w = 0; !cq->try_pop(item);)
		bm_peer_wait(&w);
	return item;
}
BM_QUEUE_ADAPTER(tbb_cq, cq_init, cq_destroy, cq_put, cq_get)

static int bq_init(int kind, long cap)
{
	if (kind != BM_FIFO)
		return -1;
	bq = new tbb::concurrent_bounded_queue<void *>();
	if (cap > 0)
		bq->set_capacity(cap);
	return 0;
}
static void bq_destroy(void)
{
	delete bq;
	bq = nullptr;
}
static void bq_put(void *item, int64_t) { bq->push(item); }
static void *bq_get(void)
{
	void *item = nullptr;
	bq->pop(item);
	return item;
}
BM_QUEUE_ADAPTER(tbb_bq, bq_init, bq_destroy, bq_put, bq_get)

static tbb::concurrent_bounded_queue<void *> *back;
static void pp_init(void)
{
	bq = new tbb::concurrent_bounded_queue<void *>();
	back = new tbb::concurrent_bounded_queue<void *>();
}
static void pp_destroy(void)
{
	delete bq;
	delete back;
	bq = back = nullptr;
}
static void pp_ping(void) { bq->push((void *)1); }
static void pp_pong(void) { back->push((void *)1); }
static void pp_wait_ping(void)
{
	void *x;
	bq->pop(x);
}
static void pp_wait_pong(void)
{
	void *x;
	back->pop(x);
}
static const struct bm_pingpong_ops pp = {pp_init, pp_destroy, pp_ping, pp_wait_pong, pp_wait_ping, pp_pong};
static void bm_bq_pingpong(tlb_state *st) { bm_pingpong_run(st, &pp); }

/* ---- executors ---- */
static tbb::task_arena *arena;
static tbb::global_control *gc; /* lets the arena have `workers` TBB workers */
static tbb::task_group *group;
static bm_count done;
static std::atomic<uint64_t> sum;

static int arena_create(int workers)
{
	/* TBB's default is one worker fewer than CPUs (the caller is expected
	 * to work too); enqueue's caller only waits here: allow `workers` */
	gc = new tbb::global_control(tbb::global_control::max_allowed_parallelism, (size_t)workers + 1);
	arena = new tbb::task_arena(workers, 0);
	arena->initialize();
	return 0;
}
static void arena_destroy(void)
{
	delete arena;
	arena = nullptr;
	delete gc;
	gc = nullptr;
}
/* n tasks, arguments 1..n; 0 when every result arrived and adds up */
static int arena_run(int64_t n)
{
	__atomic_store_n(&done.n, 0, __ATOMIC_RELAXED);
	sum.store(0, std::memory_order_relaxed);
	for (int64_t i = 1; i <= n; i++)
		arena->enqueue([i] {
			sum.fetch_add((uint64_t)i + 1, std::memory_order_relaxed);
			bm_count_add(&done);
		});
	bm_count_wait(&done, (uint32_t)n);
	uint64_t want = (uint64_t)n * (uint64_t)(n + 1) / 2 + (uint64_t)n;
	return sum.load(std::memory_order_relaxed) == want ? 0 : TL_EINVAL;
}
static int arena_roundtrip(void) { return arena_run(1); }
static const struct bm_exec_ops arena_ops = {arena_create, arena_destroy, arena_roundtrip, arena_run, nullptr};
BM_EXEC_FNS(arena, arena_ops)

static int tg_create(int workers)
{
	arena = new tbb::task_arena(workers);
	arena->initialize();
	arena->execute([] { group = new tbb::task_group(); });
	return 0;
}
static void tg_destroy(void)
{
	arena->execute([] {
		delete group;
		group = nullptr;
	});
	delete arena;
	arena = nullptr;
}
static int tg_run(int64_t n)
{
	sum.store(0, std::memory_order_relaxed);
	arena->execute([n] {
		for (int64_t i = 1; i <= n; i++)
			group->run([i] { sum.fetch_add((uint64_t)i + 1, std::memory_order_relaxed); });
		group->wait();
	});
	uint64_t want = (uint64_t)n * (uint64_t)(n + 1) / 2 + (uint64_t)n;
	return sum.load(std::memory_order_relaxed) == want ? 0 : TL_EINVAL;
}
static const struct bm_exec_ops tg_ops = {tg_create, tg_destroy, nullptr, tg_run, nullptr};
BM_EXEC_FNS(tg, tg_ops)

TLB_REGISTER(peer_tbb)
{
	static const int64_t unbounded[] = {0}, caps[] = {1024, 0};
	tlb_peer_begin("tbb", TLB_WAITS_SPIN, nullptr);
	bm_queue_register_peer("tbb_cq", "mutexcond_ring", bm_tbb_cq_put_get, bm_tbb_cq_spsc, bm_tbb_cq_mpmc, unbounded,
			       1, false);
	tlb_peer_end();
	tlb_peer_begin("tbb", TLB_WAITS_BLOCK, nullptr);
	bm_queue_register_peer("tbb_bounded_cq", "mutexcond_ring", bm_tbb_bq_put_get, bm_tbb_bq_spsc, bm_tbb_bq_mpmc,
			       caps, 2, false);
	bm_peer_pingpong_register("tbb_bounded_cq/pingpong", "mutexcond_ring/pingpong", bm_bq_pingpong);
	bm_idle_register("tbb_bounded_cq/idle", "mutexcond_ring/idle", bm_tbb_bq_idle);
	bm_idle_register("tbb_arena_enqueue/idle", "gthreadpool/idle", arena_bm_idle);
	bm_exec_register("tbb_arena_enqueue", "gthreadpool", arena_bm_rt, arena_bm_tp, nullptr, true);
	/* bm_exec_register's throughput registration alone */
	tlb_bench *b[2];
	bm_reg2("tbb_task_group/throughput", tg_bm_tp, &b[0], &b[1]);
	for (int i = 0; i < 2; i++) {
		tlb_real_time(b[i]);
		tlb_iterations(b[i], i == 0 ? BM_EXEC_TASKS : BM_EXEC_TASKS / 10);
		tlb_baseline(b[i], "gthreadpool/throughput");
	}
	tlb_peer_end();
}
