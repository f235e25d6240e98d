#include <cmath>
#include <cstdio>

#include "aqe/gen/gen.h"
#include "aqe/util/strings.h"

namespace aqe::gen {

using nlohmann::json;

namespace {

double round_to(double v, int digits) {
  const double f = std::pow(10.0, digits);
  return std::round(v * f) / f;
}

}  // namespace

json to_json(const GenerateReport& r) {
  json skipped = json::array();
  for (const auto& s : r.skipped) skipped.push_back({{"file", s.file}, {"reason", s.reason}});
  const bool measured = r.coverage.has_value();
  const coverage::Counts c = r.coverage.value_or(coverage::Counts{});
  return {{"files_processed", r.files_processed},
          {"tests_generated", r.tests_generated},
          {"tests_discarded", r.tests_discarded},
          {"up_to_date", r.up_to_date},
          {"coverage_estimate", measured ? json(round_to(c.line_rate() * 100, 1)) : json(nullptr)},
          {"coverage",
           {{"line_rate", measured ? json(round_to(c.line_rate(), 4)) : json(nullptr)},
            {"branch_rate", measured ? json(round_to(c.branch_rate(), 4)) : json(nullptr)},
            {"lines_covered", c.lines_covered},
            {"lines_total", c.lines_total},
            {"branches_covered", c.branches_covered},
            {"branches_total", c.branches_total},
            {"measured", measured}}},
          {"test_files", r.test_files},
          {"skipped", skipped},
          {"stopped_at_target", r.stopped_at_target},
          {"unfinished", r.unfinished},
          {"engine", "builtin"},
          {"cost_usd", 0},
          {"duration_s", round_to(r.duration_s, 2)}};
}

std::string to_text(const GenerateReport& r) {
  std::string out;
  // File names and reasons (which may quote the module's errors) are the project's text.
  for (const auto& f : r.test_files) out += "  " + printable(f) + "\n";
  for (const auto& s : r.skipped) out += "  skipped " + printable(s.file) + ": " + printable(s.reason) + "\n";
  for (const auto& f : r.stopped_at_target)
    out += "  " + printable(f) + ": exploration stopped at the coverage target\n";
  char line[256];
  std::snprintf(line, sizeof line,
                "%lld tests kept (%lld discarded), %lld of %lld modules up to date, %zu test files, %.1f s\n",
                static_cast<long long>(r.tests_generated), static_cast<long long>(r.tests_discarded),
                static_cast<long long>(r.up_to_date), static_cast<long long>(r.files_processed),
                r.test_files.size(), r.duration_s);
  out += line;
  if (r.coverage) {
    std::snprintf(
        line, sizeof line,
        "coverage of the processed source by generated tests alone: %.1f%% lines, %.1f%% branches\n",
        r.coverage->line_rate() * 100, r.coverage->branch_rate() * 100);
    out += line;
  }
  return out;
}

state::GenerateSummary summary_of(const GenerateReport& r) {
  state::GenerateSummary s;
  s.engine = "builtin";
  s.files_processed = r.files_processed;
  s.tests_generated = r.tests_generated;
  s.tests_discarded = r.tests_discarded;
  s.up_to_date = r.up_to_date;
  s.coverage = r.coverage;
  s.test_files = r.test_files;
  s.unfinished = static_cast<int64_t>(r.unfinished.size());
  s.duration_s = r.duration_s;
  return s;
}

}  // namespace aqe::gen
