// bench/shim/console.cc — tl-bench's console table, instead of Google
// Benchmark's ConsoleReporter, whose name column is as wide as the longest
// instance name and which gives every counter a column of its own (130-200
// columns for the default suite). See console.h for what differs.
#include "console.h"

#include <cmath>
#include <cstdio>
#include <ostream>
#include <string>
#include <vector>

namespace {

const size_t kLineMax = 100;

std::string fmt(const char *f, double v)
{
	char b[64];
	snprintf(b, sizeof b, f, v);
	return b;
}

// Google Benchmark's own precision steps, so numbers read the same.
std::string time_str(double t)
{
	if (!std::isfinite(t))
		return "-";
	return fmt(t < 1 ? "%.3f" : t < 10 ? "%.2f" : t < 100 ? "%.1f" : "%.0f", t);
}

// 1.5k, 6.89M: three significant digits and a 1000-based prefix.
std::string human(double v)
{
	if (!std::isfinite(v))
		return "-";
	static const char *pre[] = {"", "k", "M", "G", "T", "P"};
	int i = 0;
	double a = std::fabs(v);
	while (a >= 1000 && i < 5) {
		a /= 1000;
		v /= 1000;
		i++;
	}
	return fmt("%.3g", v) + pre[i];
}

std::string pad_left(const std::string &s, size_t w)
{
	return s.size() >= w ? s : std::string(w - s.size(), ' ') + s;
}

class Console : public benchmark::BenchmarkReporter {
      public:
	bool ReportContext(const Context &c) override
	{
		PrintBasicContext(&GetErrorStream(), c);
		std::string head = pad_right("Benchmark: run", kLabelW) + pad_left("Time", 13) + pad_left("CPU", 13) +
				   pad_left("Iterations", 12) + "  counters";
		std::string rule(head.size() + 8, '-');
		GetOutputStream() << rule << "\n" << head << "\n" << rule << "\n";
		return true;
	}

	void ReportRuns(const std::vector<Run> &runs) override
	{
		for (const Run &r : runs)
			row(r);
		GetOutputStream().flush();
	}

      private:
	static const size_t kLabelW = 16;
	std::string last_; // the instance whose rows are being printed

	static std::string pad_right(const std::string &s, size_t w)
	{
		return s.size() >= w ? s : s + std::string(w - s.size(), ' ');
	}

	// An instance name on a line of its own, then one short row per
	// repetition (#k) and aggregate (mean, median, ...): the name column no
	// longer sets the table's width.
	void row(const Run &r)
	{
		std::ostream &out = GetOutputStream();
		std::string inst = r.run_name.str();
		if (inst != last_) {
			out << inst << "\n";
			last_ = inst;
		}
		std::string label = r.run_type == Run::RT_Aggregate ? r.aggregate_name
				    : r.repetitions > 1	   ? "#" + std::to_string((long long)r.repetition_index)
							   : "";
		std::string line = pad_right("  " + label, kLabelW);
		if (r.error_occurred) {
			out << line << "  ERROR: " << r.error_message << "\n";
			return;
		}
		bool pct = r.aggregate_unit == benchmark::kPercentage;
		bool manual = r.run_name.time_type == "manual_time";
		const char *unit = benchmark::GetTimeUnitString(r.time_unit);
		if (pct) { // cv: fractions, shown as percent
			line += pad_left(percent(r.real_accumulated_time), 13);
			line += pad_left(manual ? "-" : percent(r.cpu_accumulated_time), 13);
		} else {
			line += pad_left(time_str(r.GetAdjustedRealTime()) + " " + unit, 13);
			line += pad_left(manual ? "-" : time_str(r.GetAdjustedCPUTime()) + " " + unit, 13);
		}
		line += pad_left(std::to_string((long long)r.iterations), 12);
		std::vector<std::string> items;
		for (const auto &kv : r.counters) {
			double v = kv.second.value;
			std::string s = !std::isfinite(v) ? "-"
					: pct		  ? percent(v)
							  : human(v) + ((kv.second.flags & benchmark::Counter::kIsRate) ? "/s" : "");
			items.push_back(kv.first + "=" + s);
		}
		if (!r.report_label.empty())
			items.push_back(r.report_label);
		// counters fill the row, then continuation lines, each under kLineMax
		for (const std::string &it : items) {
			if (line.size() + 2 + it.size() >= kLineMax && line.size() > kLabelW) {
				out << line << "\n";
				line = std::string(kLabelW, ' ');
			}
			line += "  " + it;
		}
		out << line << "\n";
	}

	static std::string percent(double f)
	{
		return std::isfinite(f) ? fmt("%.2f", f * 100) + " %" : "-";
	}
};

} // namespace

benchmark::BenchmarkReporter *tlb__console_new()
{
	return new Console();
}
