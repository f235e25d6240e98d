// What a change touched, against which base: the lines it adds or modifies (git/ runs the diff,
// ci/ names the CI's target branch), and diff coverage, diff-cover's figure on them. Shared by
// the gate (diff_coverage metric) and the report (Code Quality entries, openmetrics).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "aqe/ci/ci.h"
#include "aqe/util/result.h"

namespace aqe::changes {

// The lines a change adds or modifies, against the base it was compared with.
struct DiffInput {
  std::string base;         // the ref compared against ("origin/main"); empty when none was found
  std::string base_reason;  // why that ref: "--base", "the CI's target branch", "origin/HEAD points to it",
                            // "main exists"
  std::string merge_base;   // the commit the diff starts from
  std::string repo_prefix;  // the project dir relative to the repository root ("" or "svc/api/")
  // Project-relative path (as coverage paths are) -> added/modified line numbers, ascending.
  std::map<std::string, std::vector<int64_t>> changed;
  std::string unavailable;  // why there is no diff; then `changed` is empty
};

// Asks git (git/) in `project_dir` for the merge base of HEAD and `base` (when empty: the CI's
// target branch, then origin/HEAD's branch, origin/main, origin/master, main, master), and the
// lines changed from it to the working tree, mapped to project-relative paths. An explicit base git cannot
// resolve is an error (exit 3, naming `base_origin`, e.g. "--base"); finding no base, or no git
// checkout, is not: `unavailable` says why.
Result<DiffInput> diff_against_base(const std::filesystem::path& project_dir, const std::string& base,
                                    const std::string& base_origin, const ci::CiFacts& ci);

struct UncoveredLine {
  std::string file;
  int64_t line = 0;
};

// One file's per-line coverage: its executed and its missing statement lines, ascending.
struct MeasuredFile {
  std::string file;  // project-relative
  const std::vector<int64_t>* covered = nullptr;
  const std::vector<int64_t>* missing = nullptr;
};

// diff-cover's figure: of the changed lines that the coverage data knows as executable, the
// share that ran. Changed files the coverage data does not mention are left out (not measured:
// docs, config, other languages), as are changed lines that are not statements.
struct DiffCoverage {
  int64_t lines = 0, covered = 0;  // changed executable lines / those covered
  size_t files_changed = 0, files_measured = 0;
  std::vector<UncoveredLine> uncovered;  // by file, then line
};
// `in_scope` (empty: every file) limits the changed files counted.
DiffCoverage diff_coverage(const DiffInput& diff, const std::vector<MeasuredFile>& measured,
                           const std::function<bool(const std::string&)>& in_scope = {});

}  // namespace aqe::changes
