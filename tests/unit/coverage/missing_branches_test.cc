// Branch arcs never taken (coverage.py JSON "missing_branches"), read by the fast reader and by
// the general one it falls back to, alike.
#include <gtest/gtest.h>

#include "aqe/coverage/coverage.h"

namespace aqe::coverage {
namespace {

std::string report(const std::string& covered_lines) {
  return R"({"meta": {"branch_coverage": true}, "files": {"a.py": {"executed_lines": [1, 2],
    "missing_lines": [5], "missing_branches": [[2, 5], [2, -1]],
    "summary": {"covered_lines": )" +
         covered_lines + R"(, "num_statements": 3, "covered_branches": 0, "num_branches": 2}}}})";
}

TEST(CoverageMissingBranches, BothReadersKeepTheArcs) {
  // 2.0 is not an integer count: the fast reader declines and the general reader reads it.
  for (const std::string& covered : {std::string("2"), std::string("2.0")}) {
    auto r = read_coverage(report(covered), "cov.json");
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_EQ(r->files.size(), 1u);
    const auto& f = r->files[0];
    EXPECT_EQ(f.missing_lines, (std::vector<int64_t>{5})) << covered;
    EXPECT_EQ(f.missing_branches, (std::vector<std::pair<int64_t, int64_t>>{{2, 5}, {2, -1}})) << covered;
  }
}

TEST(CoverageMissingBranches, NotKeptForFilesWithoutLineLists) {
  ReadOptions o;
  o.keep_lines_for = std::set<std::string>{};
  auto r = read_coverage(report("2"), "cov.json", o);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->files[0].missing_branches.empty());
  EXPECT_EQ(r->files[0].branches_total, 2);
}

}  // namespace
}  // namespace aqe::coverage
