#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "aqe/changes/changes.h"

namespace aqe::changes {
namespace {

TEST(DiffCoverage, CountsChangedStatementsOfFilesWithPerLineDataInScope) {
  const std::vector<int64_t> covered = {1, 2, 3, 5}, missing = {6, 8};
  // b.py has counts only (no per-line data): changed, but not measured.
  std::vector<MeasuredFile> files = {{"src/a.py", &covered, &missing}, {"src/b.py", nullptr, nullptr}};
  DiffInput diff;
  diff.base = "origin/main";
  // 4 and 7 are not statements (blank, comment): left out, as diff-cover does.
  diff.changed = {{"src/a.py", {2, 4, 6, 7, 8}}, {"src/b.py", {1}}, {"docs/x.md", {3}}};
  DiffCoverage d = diff_coverage(diff, files);
  EXPECT_EQ(d.lines, 3);
  EXPECT_EQ(d.covered, 1);
  EXPECT_EQ(d.files_changed, 3u);
  EXPECT_EQ(d.files_measured, 1u);
  ASSERT_EQ(d.uncovered.size(), 2u);
  EXPECT_EQ(d.uncovered[0].line, 6);
  EXPECT_EQ(d.uncovered[1].line, 8);

  DiffCoverage docs_only =
      diff_coverage(diff, files, [](const std::string& f) { return f.starts_with("docs/"); });
  EXPECT_EQ(docs_only.files_changed, 1u);
  EXPECT_EQ(docs_only.lines, 0);
}

}  // namespace
}  // namespace aqe::changes
