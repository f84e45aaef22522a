// shim.cc — bench/include/tlb.h on Google Benchmark 1.7 (C++ here and in
// bench/peers/ only).
//
// 1. Registration: tlb_register() and friends only *record* a benchmark
//    (they run from C constructors, before main). tlb_setup() applies the
//    records to Google Benchmark once the runner knows --threads, --quick,
//    --min-time and --repetitions.
//    A registration becomes one Google Benchmark family per pin policy it
//    runs under (Family): one per --pin policy when it has more than one
//    thread (or task), named "<name>/pin:<policy>"; else one, under the
//    first policy, named as registered.
// 2. Running: every benchmark thread enters run_one(), which selects its
//    family's pin policy, pins the thread from its index (bench/pin.h),
//    verifies where it runs, notes it for the CSV row, and calls the C
//    function with a tlb_state wrapping the benchmark::State. tlb_batch()
//    hands the whole max_iterations to C in one KeepRunningBatch call, so
//    the timed loop is plain C.
// 3. Reporting: CsvReporter forwards runs to the console table
//    (console.cc) and to the --benchmark_out file reporter (FileSink), and
//    writes one CSV row per run (bench/csv.h) as soon as each benchmark
//    instance finishes: all three get the same numbers.
// 4. At the end of the file, clearly marked: native C++ reference benchmarks
//    for the shim-overhead check (bench/benchmarks/shim_overhead.c is the C
//    side).
#include <benchmark/benchmark.h>

#include "console.h"

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <fcntl.h>
#include <pthread.h>
#if defined(__has_include)
#if __has_include(<sys/single_threaded.h>)
#include <sys/single_threaded.h>
#define TLB_HAVE_SINGLE_THREADED 1
#endif
#endif
#include <regex.h>
#include <sched.h>
#include <unistd.h>

extern "C" {
#include "csv.h"
#include "pin.h"
#include "threadlab/common.h"
#include "tlb.h"
#include "tlb_runner.h"
}

namespace benchmark {
// Defined in libbenchmark 1.7 but not declared in its public header.
extern bool FLAGS_benchmark_list_tests;
extern bool FLAGS_benchmark_display_aggregates_only;
extern bool FLAGS_benchmark_report_aggregates_only;
extern bool FLAGS_benchmark_enable_random_interleaving;
extern std::string FLAGS_benchmark_out;
extern std::string FLAGS_benchmark_out_format;
} // namespace benchmark

typedef void (*tlb_native_fn)(benchmark::State &);

struct tlb_bench {
	std::string name;
	std::string baseline;
	tlb_fn fn = nullptr;
	tlb_native_fn native = nullptr;
	std::vector<std::string> arg_names;
	std::vector<std::vector<int64_t>> tuples;
	std::vector<int> threads; // may hold TLB_THREADS_ALLOWED / OVERSUB
	bool sweep = false;
	double min_time = 0;
	int repetitions = 0;
	int64_t iterations = 0;
	int time_mode = 0; // 0 CPU time of the main thread, 1 real, 2 manual
	benchmark::TimeUnit unit = benchmark::kNanosecond;
	bool unit_set = false;
	bool skip_quick = false, quick_only = false;
	bool own_placement = false; // tlb_own_placement: runs once, not once per --pin policy
	bool epochs = false;        // tlb_epochs: real time = median epoch (single-thread tlb_batch loops)
	bool is_task = false; // tlb_register_task: run by bench/procmode.c, threads or processes
	tlb__task_def task{};
	int own_mode = TLB_MODE_THREADS; // a plain benchmark's mode (tlb_forks_processes: processes)
	std::string error; // registration misuse, reported by tlb_setup
	// tlb_peer_begin: a third-party library's benchmark (bench/peers/)
	std::string peer_lib;  // "absl", "ck"...; empty for ours and native baselines
	const char *waits = ""; // CSV `waits`: "block" or "spin" (peers only)
	std::string note;       // appended to the row's label (e.g. "Abseil built without NDEBUG")
};

// The peer scope of tlb_peer_begin/tlb_peer_end (registration happens in
// constructors, one at a time, before main).
struct PeerScope {
	std::string lib, note;
	const char *waits = nullptr;
};
static PeerScope &peer_scope()
{
	static PeerScope s;
	return s;
}
static void peer_mark(tlb_bench *b)
{
	const PeerScope &p = peer_scope();
	if (!p.waits)
		return;
	b->peer_lib = p.lib;
	b->waits = p.waits;
	b->note = p.note;
}

// tlb_epochs: a repetition's max_iterations split into kEpochs epochs.
constexpr int kEpochs = 15;

struct tlb_state {
	benchmark::State *st;
	const tlb_bench *b;
	int cpu; // pinned CPU, -1 unpinned
	// epochs (tlb_batch only; ep_i < 0: not started)
	bool epochs = false;
	int ep_i = -1, ep_k = 0;
	int64_t ep_n = 0;
	double ep_t0 = 0, ep_paused = 0, ep_pause_at = 0;
	double ep_per[kEpochs] = {}; // seconds per iteration of each epoch
	double epoch_real = -1;      // the repetition's real seconds: median epoch x ep_n
	bool repeat_count = false;   // this call reruns the previous call's iteration count
};

namespace {

// One Google Benchmark family: a registration under one --pin policy.
struct Family {
	const tlb_bench *b;
	int pin;          // policy index (bench/pin.h), 0 = the first of --pin
	std::string name; // Google Benchmark's family name
};

const char kResumeSkip[] = "tl-bench: skipped (resumed after a crash)";

// Owns every registration (function-local: C constructors run before this
// file's statics are initialised).
std::vector<std::unique_ptr<tlb_bench>> &registry()
{
	static std::vector<std::unique_ptr<tlb_bench>> r;
	return r;
}

// ---- run state (set by tlb_setup / tlb_run; read by benchmark threads) ----
struct RunCtx {
	tlb_run_opts opts{};
	std::string filter, run_id, host, cpu_model, git_commit, build_type;
	unsigned modes = TLB_MODE_THREADS;
	std::vector<std::string> names; // instance names in run order
	std::vector<std::string> skipped, skip_why; // families --mode does not run, and why
	std::vector<std::unique_ptr<Family>> families;
	std::map<std::string, const Family *> by_name; // Google Benchmark family name -> family
	std::set<std::string> registered;              // registration names (duplicates are an error)
	bool setup_done = false;
	bool display_aggregates_only = false;
	bool report_aggregates_only = false; // --benchmark_report_aggregates_only: the out file too
};
RunCtx &ctx()
{
	static RunCtx c;
	return c;
}

// One instance = family + argument values + thread (task) count + mode. Each
// call of the benchmark function by Google Benchmark (iteration-count
// estimation, then one call per repetition) is an invocation; each thread
// (or, for task benchmarks, the driver for its tasks) notes its CPUs.
typedef std::tuple<const Family *, std::vector<int64_t>, int, int> InstKey;
struct Invocation {
	std::vector<char> entered;
	std::set<int> cpus;
	double epoch_real = -1; // tlb_epochs: median epoch's time x iterations, seconds
	int64_t max_iters = 0;  // Google Benchmark's iteration count for this call
};
struct InstRec {
	long seq = 0;
	bool skip = false;
	std::vector<Invocation> invs;
	std::string agg_cpus; // CPUs of the reported repetitions, for aggregate rows
	std::vector<double> epoch_reals; // tlb_epochs: the reported repetitions' real seconds per iteration
};
std::mutex inst_lock;
std::map<InstKey, InstRec> instances;
long started_seq;

// "S k <offset>": the CSV's size as instance k starts, so the supervisor can
// cut a crashed or unwritable instance's rows back out (whole or absent);
// "E k <errno>": its rows could not be written; "D k": done; "O 0 <errno>":
// the --benchmark_out file could not be written (the supervisor fails the run).
void progress_line(const char *tag, long k, long long extra = -1)
{
	int fd = ctx().opts.progress_fd;
	char buf[80];
	int n = extra >= 0 ? snprintf(buf, sizeof buf, "%s %ld %lld\n", tag, k, extra)
			   : snprintf(buf, sizeof buf, "%s %ld\n", tag, k);
	// progress.txt first, straight from here: once the supervisor (or
	// anyone reading stderr) hears of it, --resume will find it there.
	if (ctx().opts.log_fd >= 0 && tag[0] != 'E' && tag[0] != 'O' && write(ctx().opts.log_fd, buf, (size_t)n) < 0) {
		// a full disk: the rows' own write reports it
	}
	if (fd < 0)
		return;
	if (write(fd, buf, (size_t)n) < 0) {
		// the supervisor went away; keep running, rows still reach the CSV
	}
}

std::vector<int64_t> state_args(const tlb_bench *b, const benchmark::State &st)
{
	std::vector<int64_t> a;
	size_t n = b->tuples.empty() ? 0 : b->tuples[0].size();
	for (size_t i = 0; i < n; i++)
		a.push_back(st.range(i));
	return a;
}

// Returns the invocation index for this thread, or -1 when the instance is
// to be skipped (already done before a crash).
long begin_invocation(const InstKey &key, int idx, int nthreads)
{
	std::lock_guard<std::mutex> g(inst_lock);
	auto it = instances.find(key);
	if (it == instances.end()) {
		InstRec r;
		r.seq = ++started_seq;
		r.skip = r.seq <= ctx().opts.skip ||
			 (ctx().opts.done && (size_t)r.seq <= ctx().names.size() && ctx().opts.done[r.seq - 1]);
		it = instances.emplace(key, std::move(r)).first;
		if (!it->second.skip) {
			const auto &names = ctx().names;
			const char *nm = (size_t)it->second.seq <= names.size() ? names[it->second.seq - 1].c_str()
										 : std::get<0>(key)->name.c_str();
			// the supervisor hears of it before anyone reading stderr does
			int csv = ctx().opts.csv_fd;
			progress_line("S", it->second.seq, csv >= 0 ? (long long)lseek(csv, 0, SEEK_END) : -1);
			fprintf(stderr, "[%ld/%zu] %s\n", it->second.seq, names.size(), nm);
		}
	}
	InstRec &r = it->second;
	if (r.skip)
		return -1;
	if (r.invs.empty() || r.invs.back().entered[(size_t)idx]) {
		Invocation inv;
		inv.entered.assign((size_t)nthreads, 0);
		r.invs.push_back(std::move(inv));
	}
	r.invs.back().entered[(size_t)idx] = 1;
	return (long)r.invs.size() - 1;
}

void note_cpu(const InstKey &key, long inv, int cpu)
{
	if (cpu < 0)
		return;
	std::lock_guard<std::mutex> g(inst_lock);
	instances[key].invs[(size_t)inv].cpus.insert(cpu);
}

void run_one(const Family *f, benchmark::State &st)
{
	const tlb_bench *b = f->b;
	// Every thread of the instance selects the same policy before anything
	// reads it (threads the function starts inherit it).
	tlb_pin_use(f->pin);
	InstKey key(f, state_args(b, st), st.threads(), b->own_mode);
	const int idx = st.thread_index();
	long inv = begin_invocation(key, idx, st.threads());
	if (inv < 0) {
		st.SkipWithError(kResumeSkip);
		return;
	}
#ifdef TLB_HAVE_SINGLE_THREADED
	// glibc single-thread mode (no thread started yet) skips the lock
	// prefix: timings ~3x flattered and not comparable with any benchmark
	// run after a thread existed. The runner starts one before the suite;
	// this makes a regression of that an error row, not a quiet number.
	if (__libc_single_threaded) {
		st.SkipWithError("glibc is in single-thread mode (no thread started before the suite): lock timings "
				 "would be flattered");
		return;
	}
#endif
	int want = tlb_pin_cpu_for(idx);
	int cpu = tlb_pin_self(idx);
	if (cpu < 0) {
		char msg[160];
		snprintf(msg, sizeof msg, "pinning thread %d to CPU %d failed: %s", idx, want, tl_strerror(cpu));
		st.SkipWithError(msg);
		return;
	}
	if (want >= 0 && cpu != want)
		fprintf(stderr, "tl-bench: warning: thread %d pinned to CPU %d runs on CPU %d\n", idx, want, cpu);
	note_cpu(key, inv, cpu);

	tlb_state ts{&st, b, want};
	ts.epochs = b->epochs && st.threads() == 1;
	{
		// Google Benchmark grows the count while it chooses it, then
		// reruns that count for every further repetition.
		std::lock_guard<std::mutex> g(inst_lock);
		auto &invs = instances[key].invs;
		invs[(size_t)inv].max_iters = (int64_t)st.max_iterations;
		ts.repeat_count = inv > 0 && invs[(size_t)inv - 1].max_iters == (int64_t)st.max_iterations;
	}
	if (b->native)
		b->native(st);
	else
		b->fn(&ts);

	note_cpu(key, inv, sched_getcpu());
	if (ts.epoch_real >= 0 && !st.error_occurred()) {
		std::lock_guard<std::mutex> g(inst_lock);
		instances[key].invs[(size_t)inv].epoch_real = ts.epoch_real;
	}
	// A C function that returns before its loop finished would trip Google
	// Benchmark's CHECK (abort); turn it into an error row instead.
	if (!st.error_occurred() && st.iterations() < st.max_iterations)
		st.SkipWithError("benchmark function returned before its timed loop finished");
}

// A task benchmark's repetition: one Google Benchmark thread drives the
// tasks (bench/procmode.c); the task count is the instance's last argument.
void run_task(const Family *f, int mode, benchmark::State &st)
{
	const tlb_bench *b = f->b;
	tlb_pin_use(f->pin); // before the driver starts (forks) its tasks: they pin under it
	std::vector<int64_t> args = state_args(b, st);
	const int ntasks = (int)st.range(args.size());
	InstKey key(f, args, ntasks, mode);
	long inv = begin_invocation(key, 0, 1);
	if (inv < 0) {
		st.SkipWithError(kResumeSkip);
		return;
	}
	tlb_state ts{&st, b, -1};
	std::vector<int> cpus((size_t)ntasks * 2 + 1);
	int n = tlb__task_invoke(&ts, &b->task, (enum tlb_mode)mode, ntasks, args.data(), (int)args.size(),
				 cpus.data(), (int)cpus.size());
	for (int i = 0; i < n; i++)
		note_cpu(key, inv, cpus[(size_t)i]);
	if (!st.error_occurred() && st.iterations() < st.max_iterations)
		st.SkipWithError("benchmark function returned before its timed loop finished");
}

const char *mode_word(int mode)
{
	return mode == TLB_MODE_PROCESSES ? "processes" : "threads";
}

// ---- thread counts (under pin policy `pin`: its slots are "allowed") ----
int resolve_threads(int n, int pin)
{
	int allowed = tlb_pin_allowed_count_at(pin);
	if (n == TLB_THREADS_ALLOWED)
		return allowed;
	if (n == TLB_THREADS_OVERSUB)
		return 2 * allowed;
	return n;
}

std::vector<int> thread_counts(const tlb_bench *b, int pin)
{
	const tlb_run_opts &o = ctx().opts;
	std::vector<int> out;
	int allowed = tlb_pin_allowed_count_at(pin);
	if (b->sweep && o.n_threads > 0) {
		for (int i = 0; i < o.n_threads; i++)
			out.push_back(resolve_threads(o.threads[i], pin));
	} else if (b->sweep && o.quick) {
		out = {1, allowed, 2 * allowed};
	} else if (b->sweep) {
		for (int n = 1; n < allowed; n *= 2)
			out.push_back(n);
		out.push_back(allowed);
		out.push_back(2 * allowed);
	}
	for (int n : b->threads)
		out.push_back(resolve_threads(n, pin));
	std::vector<int> uniq;
	for (int n : out)
		if (n > 0 && std::find(uniq.begin(), uniq.end(), n) == uniq.end())
			uniq.push_back(n);
	return uniq;
}

// A task benchmark in one mode: the family's arguments plus the task count
// as a last argument named after the mode (…/threads:2, …/processes:2).
std::string apply_task(const Family *f, int mode)
{
	const tlb_run_opts &o = ctx().opts;
	const tlb_bench *b = f->b;
	benchmark::internal::Benchmark *gb = benchmark::RegisterBenchmark(
		f->name.c_str(), [f, mode](benchmark::State &st) { run_task(f, mode, st); });
	size_t nargs = b->tuples.empty() ? 0 : b->tuples[0].size();
	if (!b->arg_names.empty() && b->arg_names.size() != nargs)
		return b->name + ": " + std::to_string(b->arg_names.size()) + " argument names but tuples of " +
		       std::to_string(nargs);
	std::vector<std::string> names;
	for (size_t i = 0; i < nargs; i++)
		names.push_back(b->arg_names.empty() ? "arg" + std::to_string(i) : b->arg_names[i]);
	names.push_back(mode_word(mode));
	gb->ArgNames(names);
	std::vector<std::vector<int64_t>> tuples = b->tuples;
	if (tuples.empty())
		tuples.emplace_back();
	std::vector<int> counts = thread_counts(b, f->pin);
	if (counts.empty())
		counts.push_back(1);
	for (const auto &t : tuples)
		for (int n : counts) {
			std::vector<int64_t> a = t;
			a.push_back(n);
			gb->Args(a);
		}
	gb->UseManualTime();
	if (b->unit_set)
		gb->Unit(b->unit);
	if (b->repetitions > 0 && !(o.repetitions > 0) && !o.quick)
		gb->Repetitions(b->repetitions);
	gb->Iterations(b->iterations > 0 ? b->iterations : TLB_TASK_DEFAULT_WINDOWS);
	return "";
}

// The min_time Google Benchmark runs a family with (b NULL: the run-wide
// --benchmark_min_time): --min-time, else --quick's, else the registration's
// (at least TLB_LOADED_MIN_TIME under --load), else the default.
double min_time_of(const tlb_run_opts &o, const tlb_bench *b)
{
	if (o.min_time > 0)
		return o.min_time;
	if (o.quick)
		return TLB_QUICK_MIN_TIME;
	if (b && b->min_time > 0)
		return o.load > 0 && b->min_time < TLB_LOADED_MIN_TIME ? TLB_LOADED_MIN_TIME : b->min_time;
	return TLB_DEFAULT_MIN_TIME;
}

std::string apply_plain(const Family *f)
{
	const tlb_run_opts &o = ctx().opts;
	const tlb_bench *b = f->b;
	benchmark::internal::Benchmark *gb =
		benchmark::RegisterBenchmark(f->name.c_str(), [f](benchmark::State &st) { run_one(f, st); });
	if (!b->arg_names.empty()) {
		if (!b->tuples.empty() && b->tuples[0].size() != b->arg_names.size())
			return b->name + ": " + std::to_string(b->arg_names.size()) + " argument names but tuples of " +
			       std::to_string(b->tuples[0].size());
		gb->ArgNames(b->arg_names);
	}
	for (const auto &t : b->tuples)
		gb->Args(t);
	for (int n : thread_counts(b, f->pin))
		gb->Threads(n);
	if (b->time_mode == 1)
		gb->UseRealTime();
	else if (b->time_mode == 2)
		gb->UseManualTime();
	if (b->unit_set)
		gb->Unit(b->unit);
	if (b->min_time > 0 && !(o.min_time > 0) && !o.quick)
		gb->MinTime(min_time_of(o, b));
	if (b->repetitions > 0 && !(o.repetitions > 0) && !o.quick)
		gb->Repetitions(b->repetitions);
	if (b->iterations > 0)
		gb->Iterations(b->iterations);
	return "";
}

// Runs under every --pin policy: more than one policy, and some instance
// has more than one thread (or task) whose placement the shim decides.
bool per_policy(const tlb_bench *b)
{
	if (tlb_pin_policy_count() < 2 || b->own_placement)
		return false;
	for (int p = 0; p < tlb_pin_policy_count(); p++)
		for (int n : thread_counts(b, p))
			if (n > 1)
				return true;
	return false;
}

std::string apply_family(const Family *f)
{
	const tlb_bench *b = f->b;
	if (!b->is_task)
		return apply_plain(f);
	for (int mode : {TLB_MODE_THREADS, TLB_MODE_PROCESSES}) {
		if (!(ctx().modes & mode) || !(b->task.modes & mode))
			continue;
		std::string e = apply_task(f, mode);
		if (!e.empty())
			return e;
	}
	return "";
}

std::string apply_one(tlb_bench *b)
{
	RunCtx &c = ctx();
	if (!b->error.empty())
		return b->error;
	if (!b->is_task && !(c.modes & b->own_mode))
		return "";
	bool each = per_policy(b);
	for (int p = 0; p < (each ? tlb_pin_policy_count() : 1); p++) {
		std::unique_ptr<Family> f(new Family{b, p, b->name});
		if (each)
			f->name += std::string("/pin:") + tlb_pin_policy_name_at(p);
		const Family *fp = f.get();
		c.by_name[f->name] = fp;
		c.families.push_back(std::move(f));
		std::string e = apply_family(fp);
		if (!e.empty())
			return e;
	}
	return "";
}

std::string now_iso()
{
	char buf[32];
	time_t t = time(nullptr);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

std::string fmt(double v)
{
	char buf[32];
	return tlb_csv_fmt_double(buf, v);
}

std::string cpus_string(const std::set<int> &s)
{
	std::string r;
	for (int c : s) {
		if (!r.empty())
			r += ';';
		r += std::to_string(c);
	}
	return r;
}

// "cs:100/work:0" -> "cs=100;work=0"; unnamed values become arg0, arg1...
std::string params_of(const std::string &args, std::vector<int64_t> *values)
{
	std::string out;
	size_t start = 0;
	int i = 0;
	while (start < args.size()) {
		size_t end = args.find('/', start);
		if (end == std::string::npos)
			end = args.size();
		std::string tok = args.substr(start, end - start);
		size_t colon = tok.find(':');
		std::string k = colon == std::string::npos ? "arg" + std::to_string(i) : tok.substr(0, colon);
		std::string v = colon == std::string::npos ? tok : tok.substr(colon + 1);
		if (!out.empty())
			out += ';';
		out += k + "=" + v;
		values->push_back(strtoll(v.c_str(), nullptr, 10));
		start = end + 1;
		i++;
	}
	return out;
}

// What a row says about how its instance ran: the mode, and the number of
// threads (GB threads, or tasks of a task benchmark).
struct RowShape {
	const char *mode;
	int threads;
};

// The --benchmark_out reporter. Google Benchmark hands its file reporter
// the runs as measured, before CsvReporter replaces the real time of
// tlb_epochs rows by the median epoch's: the file said 34 ns where the CSV
// and console said 17 ns. So FileSink drops what Google Benchmark gives it
// and writes what CsvReporter forwards (forward()), the runs the CSV gets.
// Google Benchmark opens the file and sets FileSink's stream; the inner
// reporter (the --benchmark_out_format one) writes to that stream.
class FileSink : public benchmark::BenchmarkReporter {
      public:
	explicit FileSink(std::unique_ptr<benchmark::BenchmarkReporter> inner) : inner_(std::move(inner)) {}

	bool ReportContext(const Context &c) override
	{
		inner_->SetOutputStream(&GetOutputStream());
		inner_->SetErrorStream(&GetErrorStream());
		return inner_->ReportContext(c);
	}
	void ReportRuns(const std::vector<Run> &) override {}
	void forward(const std::vector<Run> &runs)
	{
		if (!runs.empty())
			inner_->ReportRuns(runs);
	}
	void Finalize() override
	{
		inner_->Finalize();
		// Google Benchmark never looks at the stream: a full disk left an
		// empty file and exit status 0. Flush here, while it is still open.
		std::ostream &os = GetOutputStream();
		errno = 0;
		os.flush();
		if (!os.good())
			err_ = errno ? errno : EIO;
	}
	int error() const // errno of the failed write, 0 if none
	{
		return err_;
	}

      private:
	std::unique_ptr<benchmark::BenchmarkReporter> inner_;
	int err_ = 0;
};

class CsvReporter : public benchmark::BenchmarkReporter {
      public:
	CsvReporter(benchmark::BenchmarkReporter *inner, FileSink *file) : inner_(inner), file_(file) {}

	bool ReportContext(const Context &c) override
	{
		return inner_->ReportContext(c);
	}

	void ReportRuns(const std::vector<Run> &in) override
	{
		if (in.empty())
			return;
		const Run &first = in[0];
		auto fam = ctx().by_name.find(first.run_name.function_name);
		const Family *f = fam == ctx().by_name.end() ? nullptr : fam->second;
		const tlb_bench *b = f ? f->b : nullptr;
		std::vector<int64_t> argv;
		std::string params = params_of(first.run_name.args, &argv);
		RowShape shape{b ? mode_word(b->own_mode) : "threads", (int)first.threads};
		if (b && b->is_task && !argv.empty()) {
			// the last argument is the task count, named after the mode
			size_t cut = params.rfind(';');
			std::string last = cut == std::string::npos ? params : params.substr(cut + 1);
			params = cut == std::string::npos ? "" : params.substr(0, cut);
			shape.mode = last.compare(0, 10, "processes=") == 0 ? "processes" : "threads";
			shape.threads = (int)argv.back();
			argv.pop_back();
		}
		InstKey key(f, argv, shape.threads,
			    shape.mode[0] == 'p' ? (int)TLB_MODE_PROCESSES : (int)TLB_MODE_THREADS);
		// Google Benchmark reports an instance in two calls: its
		// repetitions, then (when at least two succeeded) their
		// aggregates. The record stays until the last call.
		bool iter_call = false;
		size_t ok_iters = 0, n_iter_rows = 0;
		for (const Run &r : in)
			if (r.run_type == Run::RT_Iteration) {
				iter_call = true;
				ok_iters += !r.error_occurred;
				n_iter_rows++;
			}
		bool last_call = !iter_call || ok_iters < 2;
		InstRec rec;
		{
			std::lock_guard<std::mutex> g(inst_lock);
			auto it = instances.find(key);
			cur_seq_ = it != instances.end() ? it->second.seq : 0;
			if (it != instances.end()) {
				if (last_call) {
					rec = std::move(it->second);
					instances.erase(it);
				} else {
					rec = it->second;
				}
			}
		}
		// Repetitions after the first reuse the first one's iteration
		// count: one invocation each. So the last R invocations are the
		// reported repetitions, in order.
		bool matched = rec.invs.size() >= n_iter_rows;
		size_t base = matched ? rec.invs.size() - n_iter_rows : 0;
		std::vector<Run> runs = in;
		apply_epochs(runs, rec, matched, base, iter_call, last_call, key);

		std::vector<Run> shown, filed;
		bool skipped = false;
		for (const Run &r : runs) {
			if (r.error_occurred && r.error_message == kResumeSkip) {
				skipped = true;
				continue;
			}
			bool rep_row = r.run_type != Run::RT_Aggregate && !r.error_occurred && r.repetitions > 1;
			if (!(ctx().report_aggregates_only && rep_row))
				filed.push_back(r);
			if (ctx().display_aggregates_only && rep_row)
				continue;
			shown.push_back(r);
		}
		if (!shown.empty())
			inner_->ReportRuns(shown);
		if (file_)
			file_->forward(filed);
		if (skipped || rec.skip)
			return;

		if (iter_call) {
			std::set<int> all;
			for (const Invocation &inv : rec.invs)
				all.insert(inv.cpus.begin(), inv.cpus.end());
			std::set<int> reported;
			size_t i = 0;
			for (const Run &r : runs) {
				if (r.run_type != Run::RT_Iteration)
					continue;
				const std::set<int> &s = matched ? rec.invs[base + i].cpus : all;
				reported.insert(s.begin(), s.end());
				write_row(r, f, params, shape, cpus_string(s));
				i++;
			}
			if (!last_call) {
				std::lock_guard<std::mutex> g(inst_lock);
				instances[key].agg_cpus = cpus_string(reported.empty() ? all : reported);
			}
		} else {
			for (const Run &r : runs) {
				if (r.aggregate_name != "mean" && r.aggregate_name != "median" &&
				    r.aggregate_name != "stddev" && r.aggregate_name != "cv")
					continue; // complexity (BigO/RMS) rows are not part of the schema
				write_row(r, f, params, shape, rec.agg_cpus);
			}
		}
		if (last_call) {
			int csv = ctx().opts.csv_fd;
			progress_line("D", rec.seq, csv >= 0 ? (long long)lseek(csv, 0, SEEK_END) : -1);
		}
	}

	void Finalize() override
	{
		inner_->Finalize();
	}

      private:
	// tlb_epochs: a repetition's real time is its median epoch's time per
	// iteration x its iterations (noted by run_one, one value per
	// invocation); the aggregates of real time are recomputed from those
	// values as Google Benchmark 1.7 computes them (statistics.cc: mean,
	// median, sample stddev, cv = stddev / mean over the successful
	// repetitions). CPU time stays Google Benchmark's, over the whole repetition.
	// Only when every successful repetition has an epoch value.
	static void apply_epochs(std::vector<Run> &runs, const InstRec &rec, bool matched, size_t base,
				 bool iter_call, bool last_call, const InstKey &key)
	{
		const Family *f = std::get<0>(key);
		if (!f || !f->b->epochs)
			return;
		if (iter_call) {
			if (!matched)
				return;
			std::vector<double> reals;
			std::vector<Run> out = runs;
			size_t i = 0;
			for (Run &r : out) {
				if (r.run_type != Run::RT_Iteration)
					continue;
				double e = rec.invs[base + i++].epoch_real;
				if (r.error_occurred)
					continue;
				if (e < 0)
					return; // leave every row as measured
				r.real_accumulated_time = e;
				reals.push_back(e / (double)r.iterations);
			}
			runs.swap(out);
			if (!last_call) {
				std::lock_guard<std::mutex> g(inst_lock);
				instances[key].epoch_reals = reals;
			}
			return;
		}
		const std::vector<double> &v = rec.epoch_reals;
		if (v.size() < 2)
			return;
		double n = (double)v.size(), sum = 0, sq = 0;
		for (double x : v) {
			sum += x;
			sq += x * x;
		}
		double mean = sum / n;
		double var = n / (n - 1.0) * (sq / n - mean * mean);
		double sd = var > 0 ? std::sqrt(var) : 0;
		std::vector<double> c = v;
		std::sort(c.begin(), c.end());
		size_t m = c.size() / 2;
		double median = c.size() % 2 ? c[m] : (c[m - 1] + c[m]) / 2;
		for (Run &r : runs) {
			if (r.run_type != Run::RT_Aggregate)
				continue;
			// time aggregates carry iterations = repetitions and the
			// per-iteration statistic x repetitions (statistics.cc's
			// iteration_rescale_factor); cv is a plain fraction
			double reps = (double)r.iterations;
			if (r.aggregate_name == "mean")
				r.real_accumulated_time = mean * reps;
			else if (r.aggregate_name == "median")
				r.real_accumulated_time = median * reps;
			else if (r.aggregate_name == "stddev")
				r.real_accumulated_time = sd * reps;
			else if (r.aggregate_name == "cv")
				r.real_accumulated_time = mean > 0 ? sd / mean : 0;
		}
	}

	void write_row(const Run &r, const Family *f, const std::string &params, const RowShape &shape,
		       const std::string &cpus)
	{
		const RunCtx &c = ctx();
		const tlb_bench *b = f ? f->b : nullptr;
		const int pin = f ? f->pin : 0;
		// primitive/variant: the registered name (without a /pin: part)
		const std::string &fn = b ? b->name : r.run_name.function_name;
		size_t slash = fn.find('/');
		std::string primitive = slash == std::string::npos ? fn : fn.substr(0, slash);
		std::string variant = slash == std::string::npos ? "" : fn.substr(slash + 1);
		bool agg = r.run_type == Run::RT_Aggregate;
		std::string real, cpu;
		if (r.error_occurred) {
			// no timing for failed/skipped runs
		} else if (agg && r.aggregate_unit == benchmark::kPercentage) {
			real = fmt(r.real_accumulated_time); // cv: a fraction, not ns
			cpu = fmt(r.cpu_accumulated_time);
		} else {
			double to_ns = 1e9 / benchmark::GetTimeUnitMultiplier(r.time_unit);
			real = fmt(r.GetAdjustedRealTime() * to_ns);
			cpu = fmt(r.GetAdjustedCPUTime() * to_ns);
		}
		std::string items, bytes, counters;
		for (const auto &kv : r.counters) {
			if (kv.first == "items_per_second") {
				items = fmt(kv.second.value);
			} else if (kv.first == "bytes_per_second") {
				bytes = fmt(kv.second.value);
			} else {
				if (!counters.empty())
					counters += ';';
				counters += kv.first + "=" + fmt(kv.second.value);
			}
		}
		std::string ts = now_iso();
		std::string pk = std::to_string(c.opts.packages), co = std::to_string(c.opts.cores),
			    pu = std::to_string(c.opts.pus), al = std::to_string(c.opts.allowed_pus);
		// the instance name: aggregates keep it (the aggregate column says which)
		std::string name = r.run_name.str();
		std::string rep = agg ? "" : std::to_string(r.repetition_index < 0 ? 0 : r.repetition_index);
		std::string thr = std::to_string(shape.threads);
		std::string over = shape.threads > tlb_pin_allowed_count_at(pin) ? "1" : "0";
		std::string iters = std::to_string((long long)r.iterations);
		std::string err = r.error_occurred ? r.error_message : "";

		tlb_csv_row row{};
		row.f[TLB_COL_RUN_ID] = c.run_id.c_str();
		row.f[TLB_COL_TIMESTAMP] = ts.c_str();
		row.f[TLB_COL_HOST] = c.host.c_str();
		row.f[TLB_COL_CPU_MODEL] = c.cpu_model.c_str();
		row.f[TLB_COL_PACKAGES] = pk.c_str();
		row.f[TLB_COL_CORES] = co.c_str();
		row.f[TLB_COL_PUS] = pu.c_str();
		row.f[TLB_COL_ALLOWED_PUS] = al.c_str();
		row.f[TLB_COL_GIT_COMMIT] = c.git_commit.c_str();
		row.f[TLB_COL_BUILD_TYPE] = c.build_type.c_str();
		row.f[TLB_COL_MODE] = shape.mode;
		row.f[TLB_COL_PEER] = "c";
		row.f[TLB_COL_NAME] = name.c_str();
		row.f[TLB_COL_PRIMITIVE] = primitive.c_str();
		row.f[TLB_COL_VARIANT] = variant.c_str();
		row.f[TLB_COL_PARAMS] = params.c_str();
		row.f[TLB_COL_BASELINE] = b ? b->baseline.c_str() : "";
		row.f[TLB_COL_ROW_TYPE] = agg ? "aggregate" : "iteration";
		row.f[TLB_COL_AGGREGATE] = agg ? r.aggregate_name.c_str() : "";
		row.f[TLB_COL_REPETITION] = rep.c_str();
		row.f[TLB_COL_THREADS] = thr.c_str();
		row.f[TLB_COL_PIN_POLICY] = tlb_pin_policy_name_at(pin);
		row.f[TLB_COL_CPUS_USED] = cpus.c_str();
		row.f[TLB_COL_OVERSUBSCRIBED] = over.c_str();
		row.f[TLB_COL_ITERATIONS] = iters.c_str();
		row.f[TLB_COL_REAL_NS] = real.c_str();
		row.f[TLB_COL_CPU_NS] = cpu.c_str();
		row.f[TLB_COL_ITEMS_PER_SECOND] = items.c_str();
		row.f[TLB_COL_BYTES_PER_SECOND] = bytes.c_str();
		row.f[TLB_COL_COUNTERS] = counters.c_str();
		row.f[TLB_COL_ERROR] = err.c_str();
		std::string label = r.report_label;
		if (b && !b->note.empty())
			label += (label.empty() ? "" : "; ") + b->note;
		row.f[TLB_COL_LABEL] = label.c_str();
		row.f[TLB_COL_WAITS] = b ? b->waits : "";
		char resumed[32] = "";
		if (c.opts.resumed > 0)
			tlb_csv_fmt_int(resumed, c.opts.resumed);
		row.f[TLB_COL_RESUMED] = resumed;
		char load[32];
		tlb_csv_fmt_int(load, c.opts.load);
		row.f[TLB_COL_LOAD] = load;
		if (c.opts.csv_fd >= 0) {
			int rc = tlb_csv_write_row(c.opts.csv_fd, &row);
			if (rc < 0) {
				// Disk full or the like: a result that cannot be kept
				// must not count as done. The supervisor cuts this
				// instance's rows back out and stops the run.
				fprintf(stderr, "tl-bench: writing a CSV row failed: %s\n", strerror(-rc));
				progress_line("E", cur_seq_, -rc);
				fflush(stdout);
				_exit(TLB_EXIT_WRITE_FAILED);
			}
		}
	}

	benchmark::BenchmarkReporter *inner_;
	FileSink *file_;
	long cur_seq_ = 0; // the instance whose rows are being written
};

// Swallows everything (used to list instances into a string).
class ListReporter : public benchmark::BenchmarkReporter {
      public:
	bool ReportContext(const Context &) override
	{
		return true;
	}
	void ReportRuns(const std::vector<Run> &) override {}
};

std::string str_or(const char *s, const char *dflt)
{
	return s && *s ? s : dflt;
}

} // namespace

// ======================= tlb.h: registration =======================
extern "C" {

tlb_bench *tlb_register(const char *name, tlb_fn fn)
{
	tlb_bench *b = new tlb_bench;
	b->name = name ? name : "";
	b->fn = fn;
	if (b->name.empty() || !fn)
		b->error = "tlb_register: empty name or NULL function";
	peer_mark(b);
	registry().emplace_back(b);
	return b;
}

tlb_bench *tlb_register_task(const char *name, tlb_task_fn body, size_t shared_size)
{
	tlb_bench *b = new tlb_bench;
	b->name = name ? name : "";
	b->is_task = true;
	b->task.body = body;
	b->task.shared_size = shared_size;
	b->task.modes = TLB_MODE_THREADS | TLB_MODE_PROCESSES;
	if (b->name.empty() || !body)
		b->error = "tlb_register_task: empty name or NULL body";
	peer_mark(b);
	registry().emplace_back(b);
	return b;
}

void tlb_peer_begin(const char *library, enum tlb_waits waits, const char *note)
{
	PeerScope &p = peer_scope();
	p.lib = library ? library : "";
	p.waits = waits == TLB_WAITS_SPIN ? "spin" : "block";
	p.note = note ? note : "";
}

void tlb_peer_end(void)
{
	peer_scope() = PeerScope{};
}

void tlb_task_hooks(tlb_bench *b, tlb_task_hook setup, tlb_task_hook teardown)
{
	if (!b->is_task) {
		b->error = b->name + ": tlb_task_hooks on a benchmark not registered with tlb_register_task";
		return;
	}
	b->task.setup = setup;
	b->task.teardown = teardown;
}

void tlb_task_modes(tlb_bench *b, unsigned modes)
{
	if (!b->is_task || modes == 0 || (modes & ~(unsigned)(TLB_MODE_THREADS | TLB_MODE_PROCESSES))) {
		b->error = b->name + ": tlb_task_modes needs a task benchmark and TLB_MODE_* bits";
		return;
	}
	b->task.modes = modes;
}

void tlb_forks_processes(tlb_bench *b)
{
	if (b->is_task) {
		b->error = b->name + ": tlb_forks_processes is for plain benchmarks (tasks: tlb_task_modes)";
		return;
	}
	b->own_mode = TLB_MODE_PROCESSES;
}

void tlb_task_window(tlb_bench *b, double seconds)
{
	if (!b->is_task || !(seconds > 0)) {
		b->error = b->name + ": tlb_task_window needs a task benchmark and seconds > 0";
		return;
	}
	b->task.window_s = seconds;
}

void tlb_baseline(tlb_bench *b, const char *baseline_name)
{
	b->baseline = baseline_name ? baseline_name : "";
}

void tlb_arg_names(tlb_bench *b, const char *const *names, int n)
{
	if (n < 1 || n > TLB_MAX_ARGS) {
		b->error = b->name + ": tlb_arg_names: 1.." + std::to_string(TLB_MAX_ARGS) + " names";
		return;
	}
	b->arg_names.assign(names, names + n);
}

static void add_tuple(tlb_bench *b, std::vector<int64_t> t)
{
	if (t.empty() || t.size() > TLB_MAX_ARGS) {
		b->error = b->name + ": argument tuples need 1.." + std::to_string(TLB_MAX_ARGS) + " values";
		return;
	}
	if (!b->tuples.empty() && b->tuples[0].size() != t.size()) {
		b->error = b->name + ": argument tuples of different lengths";
		return;
	}
	b->tuples.push_back(std::move(t));
}

void tlb_args(tlb_bench *b, const int64_t *values, int n)
{
	add_tuple(b, std::vector<int64_t>(values, values + (n > 0 ? n : 0)));
}

void tlb_arg_product(tlb_bench *b, const int64_t *const *lists, const int *lens, int n)
{
	if (n < 1 || n > TLB_MAX_ARGS) {
		b->error = b->name + ": tlb_arg_product: 1.." + std::to_string(TLB_MAX_ARGS) + " lists";
		return;
	}
	std::vector<size_t> pos((size_t)n, 0);
	for (int i = 0; i < n; i++)
		if (lens[i] <= 0)
			return;
	for (;;) {
		std::vector<int64_t> t;
		for (int i = 0; i < n; i++)
			t.push_back(lists[i][pos[(size_t)i]]);
		add_tuple(b, std::move(t));
		int i = n - 1;
		while (i >= 0 && ++pos[(size_t)i] == (size_t)lens[i])
			pos[(size_t)i--] = 0;
		if (i < 0)
			break;
	}
}

void tlb_range(tlb_bench *b, int64_t lo, int64_t hi)
{
	if (lo < 0 || hi < lo) {
		b->error = b->name + ": tlb_range needs 0 <= lo <= hi";
		return;
	}
	add_tuple(b, {lo});
	for (int64_t i = 1; i < hi && i <= INT64_MAX / 8; i *= 8)
		if (i > lo)
			add_tuple(b, {i});
	if (hi != lo)
		add_tuple(b, {hi});
}

void tlb_threads(tlb_bench *b, int n)
{
	if (n <= 0 && n != TLB_THREADS_ALLOWED && n != TLB_THREADS_OVERSUB) {
		b->error = b->name + ": tlb_threads: bad count " + std::to_string(n);
		return;
	}
	b->threads.push_back(n);
}

void tlb_threads_sweep(tlb_bench *b)
{
	b->sweep = true;
}

void tlb_min_time(tlb_bench *b, double seconds)
{
	if (!(seconds > 0)) {
		b->error = b->name + ": tlb_min_time must be > 0";
		return;
	}
	b->min_time = seconds;
}

void tlb_repetitions(tlb_bench *b, int n)
{
	if (n < 1) {
		b->error = b->name + ": tlb_repetitions must be >= 1";
		return;
	}
	b->repetitions = n;
}

void tlb_iterations(tlb_bench *b, int64_t n)
{
	if (n < 1) {
		b->error = b->name + ": tlb_iterations must be >= 1";
		return;
	}
	b->iterations = n;
}

void tlb_real_time(tlb_bench *b)
{
	b->time_mode = 1;
}

void tlb_manual_time(tlb_bench *b)
{
	b->time_mode = 2;
}

void tlb_unit(tlb_bench *b, enum tlb_unit u)
{
	static const benchmark::TimeUnit map[] = {benchmark::kNanosecond, benchmark::kMicrosecond,
						  benchmark::kMillisecond, benchmark::kSecond};
	if ((int)u < 0 || (int)u > 3) {
		b->error = b->name + ": tlb_unit: bad unit";
		return;
	}
	b->unit = map[u];
	b->unit_set = true;
}

void tlb_epochs(tlb_bench *b)
{
	b->epochs = true;
}

void tlb_own_placement(tlb_bench *b)
{
	b->own_placement = true;
}

void tlb_skip_quick(tlb_bench *b)
{
	b->skip_quick = true;
}

void tlb_quick_only(tlb_bench *b)
{
	b->quick_only = true;
}

// ======================= tlb.h: inside the benchmark =======================
namespace {
double mono_now()
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

// Epoch i's share of n iterations split k ways (the first n % k get one more).
int64_t epoch_size(int64_t n, int k, int i)
{
	return n / k + (i < (int)(n % k));
}
} // namespace

int64_t tlb_batch(tlb_state *s)
{
	benchmark::State &st = *s->st;
	// All remaining iterations in one batch: the first call starts the
	// timer and returns max_iterations, the second stops it and returns 0.
	if (!s->epochs)
		return st.KeepRunningBatch(st.max_iterations) ? (int64_t)st.max_iterations : 0;
	// tlb_epochs: the same single Google Benchmark batch, handed to C in
	// up to kEpochs pieces, each timed on CLOCK_MONOTONIC (minus paused
	// time); the last call notes median epoch x iterations for the
	// reporter (CsvReporter::apply_epochs) before stopping Google
	// Benchmark's timer. A host hiccup of a few ms lands in one or two
	// epochs and moves the median by at most one rank (nanobench's method).
	if (s->ep_i < 0) {
		if (!st.KeepRunningBatch(st.max_iterations))
			return 0;
		s->ep_n = (int64_t)st.max_iterations;
		s->ep_k = (int)std::min<int64_t>(kEpochs, s->ep_n);
		s->ep_i = 0;
		s->ep_paused = 0;
		s->ep_t0 = mono_now();
		return epoch_size(s->ep_n, s->ep_k, 0);
	}
	if (s->ep_i < s->ep_k) {
		double t = mono_now();
		s->ep_per[s->ep_i] = (t - s->ep_t0 - s->ep_paused) / (double)epoch_size(s->ep_n, s->ep_k, s->ep_i);
		s->ep_i++;
		if (s->ep_i < s->ep_k) {
			s->ep_paused = 0;
			s->ep_t0 = t;
			return epoch_size(s->ep_n, s->ep_k, s->ep_i);
		}
		std::vector<double> v(s->ep_per, s->ep_per + s->ep_k);
		std::sort(v.begin(), v.end());
		int m = s->ep_k / 2;
		double med = s->ep_k % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
		s->epoch_real = med * (double)s->ep_n;
	}
	st.KeepRunningBatch(st.max_iterations); // false: stops the timer
	return 0;
}

bool tlb_keep_running(tlb_state *s)
{
	return s->st->KeepRunning();
}

int64_t tlb_max_iterations(tlb_state *s)
{
	return (int64_t)s->st->max_iterations;
}

double tlb_rep_min_seconds(const tlb_state *s)
{
	// 0 while Google Benchmark is timing this call to choose the count
	return s->repeat_count ? min_time_of(ctx().opts, s->b) : 0;
}

int64_t tlb_iterations_done(tlb_state *s)
{
	return (int64_t)s->st->iterations();
}

void tlb_pause(tlb_state *s)
{
	s->st->PauseTiming();
	if (s->epochs)
		s->ep_pause_at = mono_now();
}

void tlb_resume(tlb_state *s)
{
	if (s->epochs)
		s->ep_paused += mono_now() - s->ep_pause_at;
	s->st->ResumeTiming();
}

void tlb_set_iteration_time(tlb_state *s, double seconds)
{
	s->st->SetIterationTime(seconds);
}

void tlb_set_items(tlb_state *s, int64_t items)
{
	s->st->SetItemsProcessed(items);
}

void tlb_set_bytes(tlb_state *s, int64_t bytes)
{
	s->st->SetBytesProcessed(bytes);
}

void tlb_set_label(tlb_state *s, const char *label)
{
	s->st->SetLabel(label ? label : "");
}

void tlb_counter(tlb_state *s, const char *name, double value, int flags)
{
	int f = benchmark::Counter::kDefaults;
	if (flags & TLB_COUNTER_RATE)
		f |= benchmark::Counter::kIsRate;
	if (flags & TLB_COUNTER_AVG_THREADS)
		f |= benchmark::Counter::kAvgThreads;
	if (flags & TLB_COUNTER_AVG_ITERATIONS)
		f |= benchmark::Counter::kAvgIterations;
	s->st->counters[name] = benchmark::Counter(value, (benchmark::Counter::Flags)f);
}

void tlb_skip(tlb_state *s, const char *message)
{
	s->st->SkipWithError(message && *message ? message : "skipped");
}

int tlb_thread_index(const tlb_state *s)
{
	return s->st->thread_index();
}

int tlb_thread_count(const tlb_state *s)
{
	return s->st->threads();
}

int64_t tlb_arg(const tlb_state *s, int i)
{
	size_t n = s->b->tuples.empty() ? 0 : s->b->tuples[0].size();
	if (i < 0 || (size_t)i >= n)
		return 0;
	return s->st->range((size_t)i);
}

int tlb_cpu(const tlb_state *s)
{
	return s->cpu;
}

// ======================= runner side =======================
int tlb_setup(const struct tlb_run_opts *opts, int gb_argc, char **gb_argv, char *err, size_t errlen)
{
	RunCtx &c = ctx();
	if (c.setup_done) {
		snprintf(err, errlen, "tlb_setup called twice");
		return TL_EINVAL;
	}
	c.opts = *opts;
	c.filter = str_or(opts->filter, "");
	c.run_id = str_or(opts->run_id, "");
	c.host = str_or(opts->host, "");
	c.cpu_model = str_or(opts->cpu_model, "");
	c.git_commit = str_or(opts->git_commit, "");
	c.build_type = str_or(opts->build_type, "");
	c.modes = opts->modes ? opts->modes : (unsigned)TLB_MODE_THREADS;
	c.opts.filter = nullptr;
	c.opts.run_id = c.opts.host = c.opts.cpu_model = c.opts.git_commit = c.opts.build_type = nullptr;

	// Families --mode processes cannot run, as far as the filter selects
	// them (matched on the family name: instances are not expanded).
	regex_t rx;
	bool negate = !c.filter.empty() && c.filter[0] == '-';
	bool have_rx = !c.filter.empty() &&
		       regcomp(&rx, c.filter.c_str() + (negate ? 1 : 0), REG_EXTENDED | REG_NOSUB) == 0;

	auto matches = [&](const tlb_bench *b) {
		// "name/" too: a filter like "^lock/contended/" still selects the family
		std::string slashed = b->name + "/";
		return !have_rx || (regexec(&rx, b->name.c_str(), 0, nullptr, 0) == 0 ||
				    regexec(&rx, slashed.c_str(), 0, nullptr, 0) == 0) != negate;
	};
	std::vector<tlb_bench *> active;
	for (auto &owned : registry()) {
		tlb_bench *b = owned.get();
		if (opts->quick ? b->skip_quick : b->quick_only)
			continue;
		if (opts->no_peers && !b->peer_lib.empty())
			continue;
		active.push_back(b);
	}
	// What the filter's families are compared with joins them (issue 18), as
	// whole families: their baselines (unless --no-baselines) and the peers
	// naming the same baseline as one of ours (unless --no-peers), so a plot
	// never promises a comparison the CSV lacks.
	std::set<std::string> follow, bases, ours_bases;
	if (have_rx && !negate) {
		for (tlb_bench *b : active)
			if (matches(b) && !b->baseline.empty()) {
				bases.insert(b->baseline);
				if (b->peer_lib.empty())
					ours_bases.insert(b->baseline);
			}
		for (tlb_bench *b : active)
			if (!matches(b) && ((!opts->no_baselines && bases.count(b->name)) ||
					    (!b->peer_lib.empty() && ours_bases.count(b->baseline))))
				follow.insert(b->name);
	}

	for (tlb_bench *b : active) {
		if (!c.registered.insert(b->name).second) {
			snprintf(err, errlen, "benchmark '%s' is registered twice", b->name.c_str());
			return TL_EINVAL;
		}
		std::string e = apply_one(b);
		if (!e.empty()) {
			if (have_rx)
				regfree(&rx);
			snprintf(err, errlen, "bad registration: %s", e.c_str());
			return TL_EINVAL;
		}
		unsigned has = b->is_task ? b->task.modes : (unsigned)b->own_mode;
		bool selected = matches(b) || follow.count(b->name);
		if (selected && (c.modes & TLB_MODE_PROCESSES) && !(has & TLB_MODE_PROCESSES)) {
			c.skipped.push_back(b->name);
			c.skip_why.push_back("thread-only: no process mode");
		} else if (selected && c.modes == TLB_MODE_THREADS && !(has & TLB_MODE_THREADS)) {
			c.skipped.push_back(b->name);
			c.skip_why.push_back("process-only: runs with --mode processes or both");
		}
	}
	// Google Benchmark's filter: the user's, or any instance of a follower.
	std::string gb_filter = c.filter;
	if (!follow.empty()) {
		std::string alt;
		for (const std::string &n : follow) {
			if (!alt.empty())
				alt += '|';
			for (char ch : n) {
				if (strchr(".[]{}()\\*+?^$|", ch))
					alt += '\\';
				alt += ch;
			}
		}
		gb_filter = "(" + c.filter + ")|^(" + alt + ")(/|$)";
	}
	if (have_rx)
		regfree(&rx);

	// Google Benchmark flags: pass-through first, ours last (they win).
	// Google Benchmark keeps pointers into argv (Context::executable_name):
	// the strings live as long as the process.
	static std::vector<std::string> args;
	static std::vector<char *> av;
	args.push_back(gb_argc > 0 && gb_argv[0] ? gb_argv[0] : "tl-bench");
	for (int i = 1; i < gb_argc; i++)
		args.push_back(gb_argv[i]);
	double mt = min_time_of(*opts, nullptr);
	int reps = opts->repetitions > 0 ? opts->repetitions
					  : opts->quick ? TLB_QUICK_REPETITIONS : TLB_DEFAULT_REPETITIONS;
	char buf[64];
	snprintf(buf, sizeof buf, "--benchmark_min_time=%g", mt);
	args.push_back(buf);
	snprintf(buf, sizeof buf, "--benchmark_repetitions=%d", reps);
	args.push_back(buf);
	if (!gb_filter.empty())
		args.push_back("--benchmark_filter=" + gb_filter);
	// Google Benchmark answers a bad --benchmark_out_format with its usage
	// text and exit status 0; FileSink builds that reporter, so refuse here.
	for (const std::string &a : args) {
		static const char k[] = "--benchmark_out_format=";
		if (a.compare(0, sizeof k - 1, k) != 0)
			continue;
		std::string v = a.substr(sizeof k - 1);
		if (v != "json" && v != "csv" && v != "console") {
			snprintf(err, errlen, "--benchmark_out_format must be json, csv or console, not '%s'", v.c_str());
			return TL_EINVAL;
		}
	}
	for (auto &s : args)
		av.push_back(&s[0]);
	av.push_back(nullptr);
	int ac = (int)args.size();
	benchmark::Initialize(&ac, av.data());
	if (ac > 1) {
		snprintf(err, errlen, "unknown or malformed option '%s'", av[1]);
		return TL_EINVAL;
	}
	if (benchmark::FLAGS_benchmark_enable_random_interleaving) {
		snprintf(err, errlen, "--benchmark_enable_random_interleaving is not supported (rows are matched in run order)");
		return TL_EINVAL;
	}
	// Google Benchmark exit(1)s from RunSpecifiedBenchmarks on an unwritable
	// --benchmark_out; check it here so it is a usage error like ours.
	if (!benchmark::FLAGS_benchmark_out.empty()) {
		const char *path = benchmark::FLAGS_benchmark_out.c_str();
		bool existed = access(path, F_OK) == 0;
		int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
		if (fd < 0) {
			snprintf(err, errlen, "cannot write --benchmark_out file '%s': %s", path, strerror(errno));
			return TL_EINVAL;
		}
		close(fd);
		if (!existed)
			unlink(path);
	}
	// The CSV always gets every repetition; aggregates-only applies to the
	// console, and report-aggregates-only to the --benchmark_out file too.
	c.report_aggregates_only = benchmark::FLAGS_benchmark_report_aggregates_only;
	c.display_aggregates_only =
		benchmark::FLAGS_benchmark_display_aggregates_only || benchmark::FLAGS_benchmark_report_aggregates_only;
	benchmark::FLAGS_benchmark_display_aggregates_only = false;
	benchmark::FLAGS_benchmark_report_aggregates_only = false;
	c.setup_done = true;
	return 0;
}

int tlb_skipped(const char *const **names, const char *const **reasons)
{
	static std::vector<const char *> ptrs, why;
	ptrs.clear();
	why.clear();
	for (size_t i = 0; i < ctx().skipped.size(); i++) {
		ptrs.push_back(ctx().skipped[i].c_str());
		why.push_back(ctx().skip_why[i].c_str());
	}
	*names = ptrs.data();
	if (reasons)
		*reasons = why.data();
	return (int)ptrs.size();
}

int tlb_list(const char *const **names, char *err, size_t errlen)
{
	RunCtx &c = ctx();
	static std::vector<const char *> ptrs;
	if (!c.setup_done) {
		snprintf(err, errlen, "tlb_list before tlb_setup");
		return TL_EINVAL;
	}
	if (ptrs.empty() && c.names.empty()) {
		std::ostringstream out, errs;
		ListReporter lr;
		lr.SetOutputStream(&out);
		lr.SetErrorStream(&errs);
		// listing must not create (or truncate) the --benchmark_out file
		std::string out_file;
		std::swap(out_file, benchmark::FLAGS_benchmark_out);
		benchmark::FLAGS_benchmark_list_tests = true;
		benchmark::RunSpecifiedBenchmarks(&lr);
		benchmark::FLAGS_benchmark_list_tests = false;
		std::swap(out_file, benchmark::FLAGS_benchmark_out);
		std::istringstream in(out.str());
		std::string line;
		while (std::getline(in, line))
			if (!line.empty())
				c.names.push_back(line);
		std::string e = errs.str();
		if (c.names.empty() && e.find("Could not compile") != std::string::npos) {
			e.erase(std::remove(e.begin(), e.end(), '\n'), e.end());
			snprintf(err, errlen, "invalid --filter regex '%s' (%s)", c.filter.c_str(), e.c_str());
			return TL_EINVAL;
		}
		for (auto &s : c.names)
			ptrs.push_back(s.c_str());
	}
	*names = ptrs.data();
	return (int)ptrs.size();
}

int tlb_run(const struct tlb_run_opts *opts, int gb_argc, char **gb_argv)
{
	RunCtx &c = ctx();
	if (!c.setup_done) {
		char err[512];
		if (tlb_setup(opts, gb_argc, gb_argv, err, sizeof err) != 0) {
			fprintf(stderr, "tl-bench: error: %s\n", err);
			return TL_EINVAL;
		}
	}
	if (c.names.empty()) {
		const char *const *n;
		char err[512];
		if (tlb_list(&n, err, sizeof err) < 0) {
			fprintf(stderr, "tl-bench: error: %s\n", err);
			return TL_EINVAL;
		}
	}
	// A suite resumed after a crash must not overwrite the --benchmark_out
	// file of the part before it.
	if (opts->skip > 0 && !benchmark::FLAGS_benchmark_out.empty())
		benchmark::FLAGS_benchmark_out += ".resumed-" + std::to_string(opts->skip);
	c.opts.skip = opts->skip;
	c.opts.done = opts->done;
	c.opts.resumed = opts->resumed;
	c.opts.csv_fd = opts->csv_fd;
	if (opts->run_id)
		c.run_id = opts->run_id;
	c.opts.progress_fd = opts->progress_fd;
	c.opts.log_fd = opts->log_fd;
	std::unique_ptr<benchmark::BenchmarkReporter> console(tlb__console_new());
	std::unique_ptr<FileSink> file;
	if (!benchmark::FLAGS_benchmark_out.empty()) {
		const std::string &f = benchmark::FLAGS_benchmark_out_format;
		std::unique_ptr<benchmark::BenchmarkReporter> inner;
		if (f == "csv") {
			// deprecated upstream, still Google Benchmark 1.7's csv out format
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
			inner.reset(new benchmark::CSVReporter());
#pragma GCC diagnostic pop
		}
		else if (f == "console")
			inner.reset(new benchmark::ConsoleReporter(benchmark::ConsoleReporter::OO_None));
		else
			inner.reset(new benchmark::JSONReporter());
		file.reset(new FileSink(std::move(inner)));
	}
	// the run's facts in the out file's context, as in the CSV's columns
	// (scripts/compare reads them from either)
	if (file) {
		benchmark::AddCustomContext("run_id", c.run_id);
		benchmark::AddCustomContext("cpu_model", c.cpu_model);
		benchmark::AddCustomContext("git_commit", c.git_commit);
		benchmark::AddCustomContext("build_type", c.build_type);
	}
	CsvReporter rep(console.get(), file.get());
	benchmark::RunSpecifiedBenchmarks(&rep, file.get());
	fflush(stdout);
	if (file && file->error()) {
		fprintf(stderr, "tl-bench: error: cannot write --benchmark_out file '%s': %s\n",
			benchmark::FLAGS_benchmark_out.c_str(), strerror(file->error()));
		progress_line("O", 0, file->error()); // the rows are fine: the run fails, not a benchmark
		if (c.opts.progress_fd < 0)
			return -file->error();
	}
	return 0;
}

} // extern "C"

// ============================================================================
// NATIVE C++ REFERENCE BENCHMARKS (shim-overhead check)
//
// The same bodies as bench/benchmarks/shim_overhead.c, written directly on
// benchmark::State. They go through run_one() like every benchmark (so they
// are pinned identically) but the timed loop is Google Benchmark's own
// range-for. The C versions name these as their baseline:
//   shim/empty_loop  vs native/empty_loop
//   shim/mutex_pair  vs native/mutex_pair
// ============================================================================
namespace {

void native_empty_loop(benchmark::State &st)
{
	for (auto _ : st)
		benchmark::ClobberMemory();
}

pthread_mutex_t native_mutex = PTHREAD_MUTEX_INITIALIZER;

void native_mutex_pair(benchmark::State &st)
{
	for (auto _ : st) {
		pthread_mutex_lock(&native_mutex);
		pthread_mutex_unlock(&native_mutex);
	}
}

tlb_bench *register_native(const char *name, tlb_native_fn fn)
{
	tlb_bench *b = new tlb_bench;
	b->name = name;
	b->native = fn;
	registry().emplace_back(b);
	return b;
}

struct NativeRegistrations {
	NativeRegistrations()
	{
		register_native("native/empty_loop", native_empty_loop);
		register_native("native/mutex_pair", native_mutex_pair);
	}
} native_registrations;

} // namespace
