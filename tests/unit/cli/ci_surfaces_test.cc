#include "aqe/cli/ci_surfaces.h"

#include <gtest/gtest.h>

#include <string>

namespace aqe::cli {
namespace {

using nlohmann::json;

std::string output(const CiSurfaces& s, const std::string& name) {
  for (const auto& [n, v] : s.outputs)
    if (n == name) return v;
  return "<absent>";
}

TEST(CiSurfaces, ExecuteFiguresAnnotationsAndTrimmedTable) {
  json failures = json::array();
  for (int i = 0; i < 60; ++i)
    failures.push_back({{"test", "tests/t.py::test_" + std::to_string(i)},
                        {"file", "tests/t.py"},
                        {"line", i + 1},
                        {"message", "boom | <b>\n::error::pwned"},
                        {"outcome", "failed"}});
  json data = {{"tests_run", 70},     {"passed", 10},        {"failed", 60}, {"skipped", 0},
               {"errors", 0},         {"flaky", 0},          {"not_run", 0}, {"duration_s", 1.5},
               {"coverage", nullptr}, {"failures", failures}};
  CiSurfaces s = execute_surfaces(data);
  EXPECT_EQ(output(s, "failed"), "60");
  EXPECT_EQ(output(s, "coverage"), "");  // not measured
  ASSERT_EQ(s.annotations.size(), 60u);
  EXPECT_EQ(s.annotations[0].file, "tests/t.py");
  EXPECT_EQ(s.annotations[0].line, 1);
  EXPECT_EQ(s.annotations[0].title, "Test failed: tests/t.py::test_0");
  EXPECT_NE(s.summary_markdown.find("… and 10 more"), std::string::npos);
  EXPECT_NE(s.summary_markdown.find("Coverage: not measured"), std::string::npos);
  // The message's first line only, escaped: no raw '|' or '<' from the project in a cell.
  EXPECT_NE(s.summary_markdown.find("| boom \\| \\<b\\> |"), std::string::npos) << s.summary_markdown;
  EXPECT_EQ(s.summary_markdown.find("pwned"), std::string::npos);
}

TEST(CiSurfaces, ScanLevelsBySeverityAndGenerateSkipsUpToDate) {
  json data = {
      {"files_scanned", 3},
      {"counts", {{"critical", 1}, {"high", 0}, {"medium", 1}, {"low", 0}}},
      {"findings",
       {{{"rule_id", "aws-key"}, {"severity", "critical"}, {"file", "a.py"}, {"line", 2}, {"message", "m"}},
        {{"rule_id", "eval"}, {"severity", "medium"}, {"file", "b.py"}, {"line", 5}, {"message", "m"}}}}};
  CiSurfaces s = scan_surfaces(data);
  EXPECT_EQ(output(s, "findings"), "2");
  EXPECT_EQ(output(s, "critical"), "1");
  ASSERT_EQ(s.annotations.size(), 2u);
  EXPECT_EQ(s.annotations[0].level, ci::Annotation::Level::kError);
  EXPECT_EQ(s.annotations[1].level, ci::Annotation::Level::kWarning);
  EXPECT_EQ(s.annotations[0].title, "aws-key (critical)");

  json gen = {{"tests_generated", 4},
              {"files_processed", 3},
              {"coverage_estimate", nullptr},
              {"test_files", {"tests/generated/test_a.py"}},
              {"skipped",
               {{{"file", "b.py"}, {"reason", "up to date (same source hash and aqe version)"}},
                {{"file", "c.py"}, {"reason", "no tests generated: import failed"}}}}};
  CiSurfaces g = generate_surfaces(gen);
  EXPECT_EQ(output(g, "tests_generated"), "4");
  EXPECT_EQ(output(g, "coverage"), "");
  EXPECT_EQ(output(g, "test_files"), "1");
  ASSERT_EQ(g.annotations.size(), 1u);
  EXPECT_EQ(g.annotations[0].file, "c.py");
  EXPECT_NE(g.summary_markdown.find("not measured"), std::string::npos);
}

}  // namespace
}  // namespace aqe::cli
