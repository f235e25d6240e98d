// Coverage reports with numbers or types coverage.py never writes: an error naming the file and
// the field or position (exit 3), never nlohmann's type_error or an abort.
#include <gtest/gtest.h>

#include <string>

#include "aqe/coverage/coverage.h"

namespace aqe::coverage {
namespace {

struct BadReport {
  const char* text;
  const char* in_message;
};

class WrongCoverageInput : public ::testing::TestWithParam<BadReport> {};

TEST_P(WrongCoverageInput, IsAnInputErrorNamingTheField) {
  for (bool keep_lines : {true, false}) {
    ReadOptions o;
    if (!keep_lines) o.keep_lines_for.emplace();
    auto c = read_coverage(GetParam().text, "cov.json", o);
    ASSERT_FALSE(c.ok()) << GetParam().text;
    EXPECT_EQ(c.error().exit_code, ExitCode::kUsage);
    EXPECT_EQ(c.error().message.rfind("cov.json", 0), 0u) << c.error().message;
    EXPECT_NE(c.error().message.find(GetParam().in_message), std::string::npos) << c.error().message;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, WrongCoverageInput,
    ::testing::Values(
        BadReport{R"({"files": {"a.py": 5}})", R"(files["a.py"]: expected an object, got number)"},
        BadReport{R"({"meta": [], "files": {}})", "meta: expected an object, got array"},
        BadReport{R"({"meta": {"branch_coverage": "yes"}, "files": {}})", "meta.branch_coverage"},
        BadReport{R"({"files": {"a.py": {"summary": []}}})", R"(files["a.py"].summary)"},
        BadReport{R"({"files": {"a.py": {"summary": {"covered_lines": 1e999}}}})",
                  "cov.json:1:50: number overflow"},
        BadReport{R"({"files": {"a.py": {"summary": {"covered_lines": 1e300}}}})",
                  R"(files["a.py"].summary.covered_lines: expected an integer)"},
        BadReport{R"({"files": {"a.py": {"summary": {"num_statements": 2.5}}}})",
                  "num_statements: expected an integer"},
        BadReport{R"({"files": {"a.py": {"summary": {"num_statements": 18446744073709551615}}}})",
                  "num_statements: expected an integer"},
        BadReport{R"({"files": {"a.py": {"executed_lines": {"1": 2}}}})",
                  "executed_lines: expected an array"},
        BadReport{R"({"files": {"a.py": {"executed_lines": [1, "2"]}}})", "executed_lines[1]"},
        BadReport{R"({"files": {}, "totals": 7})", "totals: expected an object"},
        BadReport{R"({"files": {}, "totals": {"num_branches": true}})", "totals.num_branches"}));

TEST(WrongCoverageInput, DeepNestingIsAnErrorNotACrash) {
  const std::string deep =
      R"({"files": {}, "x": )" + std::string(100000, '[') + std::string(100000, ']') + "}";
  auto c = read_coverage(deep, "cov.json");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("nesting deeper than"), std::string::npos) << c.error().message;
}

}  // namespace
}  // namespace aqe::coverage
