#include "aqe/exec/coverage.h"

#include <gtest/gtest.h>

namespace aqe::exec {
namespace {

// Trimmed `coverage json` output of coverage.py 6.5 with branch=True.
const char* kReport = R"({"meta": {"version": "6.5.0", "branch_coverage": true},
 "files": {
  "src/m.py": {"summary": {"covered_lines": 3, "num_statements": 4, "percent_covered": 66.7,
     "missing_lines": 1, "num_branches": 2, "num_partial_branches": 1,
     "covered_branches": 1, "missing_branches": 1}},
  "src/a.py": {"summary": {"covered_lines": 10, "num_statements": 10, "num_branches": 0,
     "covered_branches": 0}}},
 "totals": {"covered_lines": 13, "num_statements": 14, "percent_covered": 81.25,
   "num_branches": 2, "covered_branches": 1, "missing_branches": 1}})";

TEST(ParseCoverageJson, TotalsRatesAndFiles) {
  auto s = parse_coverage_json(kReport, "coverage.json");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->lines_covered, 13);
  EXPECT_EQ(s->lines_total, 14);
  EXPECT_EQ(s->branches_covered, 1);
  EXPECT_EQ(s->branches_total, 2);
  // line_rate is lines only, not coverage.py's statements+branches "Cover" percent.
  EXPECT_DOUBLE_EQ(s->line_rate(), 13.0 / 14.0);
  EXPECT_DOUBLE_EQ(s->branch_rate(), 0.5);
  ASSERT_EQ(s->files.size(), 2u);
  EXPECT_EQ(s->files[0].file, "src/a.py");
  EXPECT_EQ(s->files[1].file, "src/m.py");
  EXPECT_EQ(s->files[1].branches_total, 2);
}

TEST(ParseCoverageJson, EmptyTotalsCountAsFullyCovered) {
  auto s = parse_coverage_json(R"({"files": {}, "totals": {"covered_lines": 0, "num_statements": 0}})", "c");
  ASSERT_TRUE(s.ok());
  EXPECT_DOUBLE_EQ(s->line_rate(), 1.0);
  EXPECT_DOUBLE_EQ(s->branch_rate(), 1.0);
}

TEST(ParseCoverageJson, RejectsOtherJson) {
  for (const char* text : {"", "[]", "{\"files\": {}}", "not json"}) {
    EXPECT_FALSE(parse_coverage_json(text, "x.json").ok()) << text;
  }
}

}  // namespace
}  // namespace aqe::exec
