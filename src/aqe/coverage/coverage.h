// Coverage of a run, whichever tool measured it: per-file line and branch counts, the
// executable lines that ran and did not (when the report lists them), and the totals.
// execute, generate, the quality gate and the state DB share this one model.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aqe/util/result.h"

namespace aqe::coverage {

struct Counts {
  int64_t lines_covered = 0, lines_total = 0, branches_covered = 0, branches_total = 0;
  // Rates in [0, 1]; 1.0 when there is nothing to cover (coverage.py's convention).
  double line_rate() const;
  double branch_rate() const;
};

struct FileCoverage {
  std::string file;  // as the report names it, or normalised by the reader (see ReadOptions)
  int64_t lines_covered = 0, lines_total = 0, branches_covered = 0, branches_total = 0;
  // The executable lines (statements) that ran / did not run, ascending. Reports carry them;
  // a snapshot recorded in aqe.db has totals only (line_data false). A reader may keep them
  // only for some files (ReadOptions::keep_lines_for).
  bool line_data = false;
  std::vector<int64_t> covered_lines = {}, missing_lines = {};
  // Branch arcs never taken, [from_line, to_line] (to < 0: exit of the code object), when the
  // report lists them (coverage.py JSON with branch coverage); kept with the line lists.
  std::vector<std::pair<int64_t, int64_t>> missing_branches = {};

  Counts counts() const { return {lines_covered, lines_total, branches_covered, branches_total}; }
};

struct CoverageReport {
  std::string origin;               // file name or "aqe.db (coverage of run 12)"
  bool has_branches = false;        // the producer measured branches
  std::vector<FileCoverage> files;  // sorted by file
  // The report's own totals when it has them (coverage.py JSON), else the sum of `files`.
  Counts totals;
};

Counts sum_of(const std::vector<FileCoverage>& files);

// Makes a report's file name project-relative. The caller's helper, so that coverage paths
// compare equal to the paths of diffs, scopes and findings it normalises the same way.
using PathNormalizer = std::string (*)(std::string_view path, const std::filesystem::path& project_dir);

struct ReadOptions {
  std::filesystem::path project_dir;   // Cobertura <sources> are looked up under it
  PathNormalizer normalize = nullptr;  // nullptr: file names as the report writes them
  // Line lists are kept only for these files (names after `normalize`); nullopt keeps all.
  // Diff coverage is their only reader, and on a 10,000-file report keeping them all costs
  // more than the rest of the gate (issue 7). Counts are always read.
  std::optional<std::set<std::string>> keep_lines_for = std::nullopt;
};

// coverage.py JSON (`coverage json`), Cobertura XML (`coverage xml`, gcovr, JaCoCo
// converters) or LCOV, recognised by content. Errors name `origin` with line and column
// (exit 3: the report is the user's input).
Result<CoverageReport> read_coverage(std::string_view text, const std::string& origin,
                                     const ReadOptions& options = {});

struct CoverageCombine {
  std::string python;                             // the interpreter that ran the tests
  std::filesystem::path project_dir;              // cwd: the project's coverage config applies
  std::vector<std::filesystem::path> data_files;  // one per worker (missing ones are skipped)
  std::filesystem::path combined_data;            // e.g. <out>/.coverage
  std::filesystem::path json_report;              // e.g. <out>/coverage.json
  // Directories the data files' source paths may start with instead of project_dir (shards
  // that ran in other checkouts): coverage.py's [paths] remapping makes them project_dir's
  // before combining, added to the project's own [paths] entries.
  std::vector<std::filesystem::path> other_roots = {};
  std::chrono::milliseconds timeout{std::chrono::minutes(5)};
};

// `coverage combine` then `coverage json` in the user's interpreter (so `coverage report` on
// the combined file prints the same numbers), read back with file names as coverage.py wrote them.
Result<CoverageReport> combine_coverage(const CoverageCombine& in);

// The same combine and report from an interpreter started beside the workers
// (resources/aqe_coverage_reporter.py): it imports coverage.py and parses the source files
// under `source_dirs` while the tests run, so that after them only the data-dependent part of
// the report is left (~0.15 s of the ~0.3 s a fresh `coverage json` costs on a small package).
// The numbers are coverage.py's either way; whatever goes wrong with the early interpreter,
// finish() falls back to combine_coverage().
class CoverageReporter {
 public:
  // nullptr when it cannot be started (no FIFO, no interpreter): combine_coverage() then.
  static std::unique_ptr<CoverageReporter> start(const std::string& python,
                                                 const std::filesystem::path& project_dir,
                                                 const std::vector<std::string>& source_dirs,
                                                 const std::filesystem::path& work_dir);
  ~CoverageReporter();  // a reporter not asked to finish is told to stop, then ended
  CoverageReporter(const CoverageReporter&) = delete;
  CoverageReporter& operator=(const CoverageReporter&) = delete;

  // What combine_coverage(in) returns (in.python and in.project_dir are the reporter's).
  Result<CoverageReport> finish(const CoverageCombine& in);

 private:
  struct State;
  explicit CoverageReporter(std::unique_ptr<State> s);
  std::unique_ptr<State> state_;
};

}  // namespace aqe::coverage
