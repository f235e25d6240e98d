#include <gtest/gtest.h>

#include "aqe/gate/gate.h"

namespace aqe::gate {
namespace {

// ---- diff coverage: changed executable lines of measured files ----

FileCoverage file_with_lines(std::string name, std::vector<int64_t> covered, std::vector<int64_t> missing) {
  FileCoverage f;
  f.file = std::move(name);
  f.line_data = true;
  f.covered_lines = std::move(covered);
  f.missing_lines = std::move(missing);
  f.lines_covered = static_cast<int64_t>(f.covered_lines.size());
  f.lines_total = f.lines_covered + static_cast<int64_t>(f.missing_lines.size());
  return f;
}

TEST(Diff, CountsOnlyExecutableLinesOfMeasuredFiles) {
  CoverageInput cov;
  cov.origin = "coverage.json";
  cov.files = {file_with_lines("src/a.py", {1, 2, 3, 5}, {6, 8}), file_with_lines("src/b.py", {1}, {2, 3})};
  DiffInput diff;
  diff.base = "main";
  // a.py: 2, 3 covered; 6 missing; 4 and 7 are not statements (blank, comment).
  // b.py: 3 missing. README.md is not measured: left out, as diff-cover does.
  diff.changed = {{"src/a.py", {2, 3, 4, 6, 7}}, {"src/b.py", {3}}, {"README.md", {1, 2}}};
  DiffCoverage d = diff_coverage(diff, cov, {});
  EXPECT_EQ(d.lines, 4);
  EXPECT_EQ(d.covered, 2);
  EXPECT_EQ(d.files_changed, 3u);
  EXPECT_EQ(d.files_measured, 2u);
  ASSERT_EQ(d.uncovered.size(), 2u);
  EXPECT_EQ(d.uncovered[0].file, "src/a.py");
  EXPECT_EQ(d.uncovered[0].line, 6);
  EXPECT_EQ(d.uncovered[1].file, "src/b.py");
  EXPECT_EQ(d.uncovered[1].line, 3);

  DiffCoverage scoped = diff_coverage(diff, cov, {"src/b.py"});
  EXPECT_EQ(scoped.lines, 1);
  EXPECT_EQ(scoped.covered, 0);
}

GateInputs inputs_with_diff(std::map<std::string, std::vector<int64_t>> changed) {
  GateInputs in;
  CoverageInput cov;
  cov.origin = "coverage.json";
  cov.files = {file_with_lines("src/a.py", {1, 2, 3}, {4})};
  in.coverage = cov;
  DiffInput d;
  d.base = "main";
  d.changed = std::move(changed);
  in.diff = d;
  return in;
}

TEST(Diff, MetricFollowsDiffCoverConventions) {
  auto m = compute_metrics(inputs_with_diff({{"src/a.py", {3, 4}}}), {});
  ASSERT_TRUE(m["diff_coverage"].value);
  EXPECT_DOUBLE_EQ(*m["diff_coverage"].value, 50.0);

  // Only docs changed: no changed executable line, nothing missed (diff-cover reports 100).
  m = compute_metrics(inputs_with_diff({{"docs/x.md", {1}}}), {});
  ASSERT_TRUE(m["diff_coverage"].value);
  EXPECT_DOUBLE_EQ(*m["diff_coverage"].value, 100.0);

  GateInputs none = inputs_with_diff({});
  none.diff->unavailable = "not a git checkout";
  m = compute_metrics(none, {});
  EXPECT_FALSE(m["diff_coverage"].value);
  EXPECT_EQ(m["diff_coverage"].unavailable_reason, "not a git checkout");

  // A recorded snapshot has totals only: no figure rather than a guessed one.
  GateInputs totals = inputs_with_diff({{"src/a.py", {3}}});
  totals.coverage->files[0].line_data = false;
  m = compute_metrics(totals, {});
  EXPECT_FALSE(m["diff_coverage"].value);
}

TEST(Diff, CoverageDeltaAgainstTheBaseSnapshot) {
  GateInputs in = inputs_with_diff({});
  auto m = compute_metrics(in, {});
  EXPECT_FALSE(m["coverage_delta"].value);
  CoverageInput base;
  base.origin = "aqe.db (coverage of run 1 on main)";
  base.files = {{"src/a.py", 1, 4, 0, 0, false, {}, {}}, {"src/b.py", 2, 2, 0, 0, false, {}, {}}};
  in.base_coverage = base;
  m = compute_metrics(in, {});
  ASSERT_TRUE(m["coverage_delta"].value);
  EXPECT_DOUBLE_EQ(*m["coverage_delta"].value, 75.0 - 50.0);  // now 3/4; base 3/6
  m = compute_metrics(in, {"src/a.py"});
  ASSERT_TRUE(m["coverage_delta"].value);
  EXPECT_DOUBLE_EQ(*m["coverage_delta"].value, 75.0 - 25.0);
}

}  // namespace
}  // namespace aqe::gate
