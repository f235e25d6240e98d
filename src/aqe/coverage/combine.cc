// Coverage of a run: the workers' coverage.py data files combined by coverage.py itself and
// read back from its JSON report.
#include <algorithm>
#include <filesystem>

#include "aqe/coverage/coverage.h"
#include "aqe/exec/process.h"
#include "aqe/util/fs.h"
#include "aqe/util/json.h"

namespace aqe::coverage {
namespace {

Status run_python(const CoverageCombine& in, std::vector<std::string> args, const std::string& what) {
  exec::ProcessSpec spec;
  spec.argv = {in.python};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.cwd = in.project_dir;
  spec.env_set["COVERAGE_FILE"] = in.combined_data.string();
  spec.timeout = in.timeout;
  auto r = exec::run(spec);
  if (!r) return r.error();
  if (r->termination == exec::Termination::kInterrupted) {
    return make_error("INTERRUPTED", "interrupted during " + what, "", ExitCode::kInterrupted);
  }
  if (r->termination != exec::Termination::kExited || r->exit_code != 0) {
    std::string msg = r->stderr_data.empty() ? r->stdout_data : r->stderr_data;
    return make_error("COVERAGE_FAILED", what + " failed: " + msg,
                      "check the project's coverage configuration", ExitCode::kFailure);
  }
  return ok_status();
}

}  // namespace

Result<CoverageReport> combine_coverage(const CoverageCombine& in) {
  // One interpreter for `coverage combine --keep` and `coverage json` (the project's coverage
  // config applies to both, as it would on the command line); each start costs ~0.2 s.
  static constexpr const char* kCombineAndReport =
      "import sys, json, coverage\n"
      "cov = coverage.Coverage(data_file=sys.argv[1])\n"
      "roots = json.loads(sys.argv[3])\n"
      "if roots:\n"
      "    paths = dict(cov.get_option('paths') or {})\n"
      "    paths['aqe-other-roots'] = roots\n"
      "    cov.set_option('paths', paths)\n"
      "cov.combine(sys.argv[4:], keep=True)\n"
      "cov.save()\n"
      "cov.json_report(outfile=sys.argv[2])\n";
  // The first entry is where coverage.py maps the others to.
  nlohmann::json roots = nlohmann::json::array();
  if (!in.other_roots.empty()) {
    roots.push_back(in.project_dir.string());
    for (const auto& r : in.other_roots) roots.push_back(r.string());
  }
  std::vector<std::string> args{"-c", kCombineAndReport, in.combined_data.string(), in.json_report.string(),
                                dump_json(roots)};
  for (const auto& f : in.data_files) {
    std::error_code ec;
    if (std::filesystem::exists(f, ec)) args.push_back(f.string());
    // The suffixed files of processes the worker's coverage.py started (multiprocessing):
    // `coverage combine` would take them too.
    const std::string prefix = f.filename().string() + ".";
    std::vector<std::string> siblings;
    for (std::filesystem::directory_iterator it(f.parent_path(), ec), end; !ec && it != end;
         it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0) {
        siblings.push_back(it->path().string());
      }
    }
    std::sort(siblings.begin(), siblings.end());
    args.insert(args.end(), siblings.begin(), siblings.end());
  }
  if (args.size() == 5) {
    return make_error("COVERAGE_MISSING", "no worker wrote coverage data", "", ExitCode::kFailure);
  }
  std::error_code ec;
  std::filesystem::remove(in.combined_data, ec);
  if (auto st = run_python(in, args, "coverage combine and json report"); !st) return st.error();
  auto text = read_file(in.json_report);
  if (!text) return text.error();
  const std::string origin = in.json_report.string();
  auto report = read_coverage(*text, origin);
  // coverage.py wrote this report, not the user: a bad one fails the run's coverage (exit 1).
  if (!report) {
    return make_error("COVERAGE_INVALID", origin + ": not a coverage.py JSON report", "", ExitCode::kFailure);
  }
  return report;
}

}  // namespace aqe::coverage
