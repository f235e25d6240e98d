#include "aqe/exec/coverage.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "aqe/exec/process.h"
#include "aqe/util/fs.h"

namespace aqe::exec {
namespace {

int64_t field(const nlohmann::json& summary, const char* key) {
  auto it = summary.find(key);
  return it != summary.end() && it->is_number() ? it->get<int64_t>() : 0;
}

Status run_python(const CoverageCombine& in, std::vector<std::string> args, const std::string& what) {
  ProcessSpec spec;
  spec.argv = {in.python};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.cwd = in.project_dir;
  spec.env_set["COVERAGE_FILE"] = in.combined_data.string();
  spec.timeout = in.timeout;
  auto r = run(spec);
  if (!r) return r.error();
  if (r->termination == Termination::kInterrupted) {
    return make_error("INTERRUPTED", "interrupted during " + what, "", ExitCode::kInterrupted);
  }
  if (r->termination != Termination::kExited || r->exit_code != 0) {
    std::string msg = r->stderr_data.empty() ? r->stdout_data : r->stderr_data;
    return make_error("COVERAGE_FAILED", what + " failed: " + msg,
                      "check the project's coverage configuration", ExitCode::kFailure);
  }
  return ok_status();
}

}  // namespace

double CoverageSummary::line_rate() const {
  return lines_total == 0 ? 1.0 : static_cast<double>(lines_covered) / lines_total;
}

double CoverageSummary::branch_rate() const {
  return branches_total == 0 ? 1.0 : static_cast<double>(branches_covered) / branches_total;
}

Result<CoverageSummary> parse_coverage_json(std::string_view json, const std::string& origin) {
  auto doc = nlohmann::json::parse(json, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("totals")) {
    return make_error("COVERAGE_INVALID", origin + ": not a coverage.py JSON report", "", ExitCode::kFailure);
  }
  CoverageSummary s;
  const auto& t = doc["totals"];
  s.lines_covered = field(t, "covered_lines");
  s.lines_total = field(t, "num_statements");
  s.branches_covered = field(t, "covered_branches");
  s.branches_total = field(t, "num_branches");
  if (auto files = doc.find("files"); files != doc.end() && files->is_object()) {
    for (const auto& [name, f] : files->items()) {
      const auto& sum = f.contains("summary") ? f["summary"] : nlohmann::json::object();
      s.files.push_back({name, field(sum, "covered_lines"), field(sum, "num_statements"),
                         field(sum, "covered_branches"), field(sum, "num_branches")});
    }
  }
  std::sort(s.files.begin(), s.files.end(), [](const auto& a, const auto& b) { return a.file < b.file; });
  return s;
}

Result<CoverageSummary> combine_coverage(const CoverageCombine& in) {
  // One interpreter for `coverage combine --keep` and `coverage json` (the project's coverage
  // config applies to both, as it would on the command line); each start costs ~0.2 s.
  static constexpr const char* kCombineAndReport =
      "import sys, coverage\n"
      "cov = coverage.Coverage(data_file=sys.argv[1])\n"
      "cov.combine(sys.argv[3:], keep=True)\n"
      "cov.save()\n"
      "cov.json_report(outfile=sys.argv[2])\n";
  std::vector<std::string> args{"-c", kCombineAndReport, in.combined_data.string(), in.json_report.string()};
  for (const auto& f : in.data_files) {
    std::error_code ec;
    if (std::filesystem::exists(f, ec)) args.push_back(f.string());
  }
  if (args.size() == 4) {
    return make_error("COVERAGE_MISSING", "no worker wrote coverage data", "", ExitCode::kFailure);
  }
  std::error_code ec;
  std::filesystem::remove(in.combined_data, ec);
  if (auto st = run_python(in, args, "coverage combine and json report"); !st) return st.error();
  auto text = read_file(in.json_report);
  if (!text) return text.error();
  return parse_coverage_json(*text, in.json_report.string());
}

}  // namespace aqe::exec
