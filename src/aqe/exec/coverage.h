// Coverage of a run: the workers' coverage.py data files combined by coverage.py itself
// (so `coverage report` on the combined file prints the same numbers) and read back from
// `coverage json`.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "aqe/state/db.h"
#include "aqe/util/result.h"

namespace aqe::exec {

struct CoverageSummary {
  int64_t lines_covered = 0, lines_total = 0, branches_covered = 0, branches_total = 0;
  std::vector<state::FileCoverage> files;  // sorted by file
  // Rates in [0, 1]; 1.0 when there is nothing to cover (coverage.py's convention).
  double line_rate() const;
  double branch_rate() const;
};

// Reads the totals and per-file summaries of `coverage json` output.
Result<CoverageSummary> parse_coverage_json(std::string_view json, const std::string& origin);

struct CoverageCombine {
  std::string python;                             // the interpreter that ran the tests
  std::filesystem::path project_dir;              // cwd: the project's coverage config applies
  std::vector<std::filesystem::path> data_files;  // one per worker (missing ones are skipped)
  std::filesystem::path combined_data;            // e.g. <out>/.coverage
  std::filesystem::path json_report;              // e.g. <out>/coverage.json
  std::chrono::milliseconds timeout{std::chrono::minutes(5)};
};

// `coverage combine` then `coverage json` in the user's interpreter.
Result<CoverageSummary> combine_coverage(const CoverageCombine& in);

}  // namespace aqe::exec
