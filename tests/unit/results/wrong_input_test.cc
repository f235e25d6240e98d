// SARIF logs and JUnit reports with types or sizes a scanner or pytest never writes: an error
// naming the file and the member, never nlohmann's type_error or a stack overflow.
#include <gtest/gtest.h>

#include <string>

#include "aqe/results/junit.h"
#include "aqe/results/sarif.h"

namespace aqe::results {
namespace {

struct BadSarif {
  std::string text;
  std::string in_message;
};

TEST(WrongSarifInput, IsAnInputErrorNamingTheMember) {
  const std::string deep =
      R"({"version": "2.1.0", "runs": )" + std::string(100000, '[') + std::string(100000, ']') + "}";
  const BadSarif cases[] = {
      {R"({"version": 5, "runs": []})", R"(needs "version": "2.1.0", got 5)"},
      {R"({"version": "2.1.0", "runs": {}})", "runs: expected an array, got object"},
      {R"({"version": "2.1.0", "runs": [5]})", "runs[0]: expected an object, got number"},
      {R"({"version": "2.1.0", "runs": [{"results": {}}]})", "runs[0].results: expected an array"},
      {R"({"version": "2.1.0", "runs": [{"results": [7]}]})", "runs[0].results[0]: expected an object"},
      {R"({"version": "2.1.0", "runs": [{"results": [{"level": 5}]}]})",
       "runs[0].results[0].level: expected a string"},
      {R"({"version": "2.1.0", "runs": [{"results": [{"level": "error", "locations": [{"physicalLocation": []}]}]}]})",
       "runs[0].results[0].locations[0].physicalLocation: expected an object"},
      {R"({"version": "2.1.0", "runs": [{"results": [{"ruleId": 3}]}], "x": 0})",
       "ruleId: expected a string"},
      {R"({"version": "2.1.0", "runs": [{"tool": {"driver": {"rules": 1}}, "results": []}]})",
       "runs[0].tool.driver.rules: expected an array"},
      {R"({"version": "2.1.0", "runs": [{"results": [{"properties": {"security-severity": []}}]}]})",
       "security-severity: expected a number or a string"},
      {R"({"version": "2.1.0", "runs": [{"results": [{"level": 1e999}]}]})",
       "scan.sarif:1:54: malformed JSON: number overflow"},
      {deep, "nesting deeper than 128 levels"},
  };
  for (const auto& c : cases) {
    auto r = parse_sarif(c.text, "scan.sarif");
    ASSERT_FALSE(r.ok()) << c.text.substr(0, 120);
    EXPECT_EQ(r.error().exit_code, ExitCode::kUsage);
    EXPECT_EQ(r.error().message.rfind("scan.sarif", 0), 0u) << r.error().message;
    EXPECT_NE(r.error().message.find(c.in_message), std::string::npos) << r.error().message;
  }
}

TEST(WrongSarifInput, ARuleIndexOutOfRangeOrOfTheWrongSignIsNotARule) {
  auto r = parse_sarif(R"({"version": "2.1.0", "runs": [{"tool": {"driver": {"rules": [{"id": "r"}]}},
      "results": [{"ruleIndex": 9, "level": "error"}, {"ruleIndex": -1, "level": "note"}]}]})",
                       "scan.sarif");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].severity, "high");
  EXPECT_EQ((*r)[1].severity, "low");
}

// pytest puts a whole assertion message on one line of the failure body; std::regex recursed
// once per character of it and overflowed the stack.
TEST(WrongJunitInput, AHugeFailureLineIsReadNotACrash) {
  const std::string body = std::string(2'000'000, 'm') + "\ntests/test_a.py:3: AssertionError";
  const std::string xml =
      R"(<testsuite><testcase classname="tests.test_a" name="test_a" file="tests/test_a.py" line="1">)"
      R"(<failure message="big">)" +
      body + "</failure></testcase></testsuite>";
  auto cases = parse_junit(xml, "w0.xml");
  ASSERT_TRUE(cases.ok()) << cases.error().message;
  ASSERT_EQ(cases->size(), 1u);
  EXPECT_EQ((*cases)[0].outcome, "failed");
  EXPECT_EQ((*cases)[0].line, 3);
}

}  // namespace
}  // namespace aqe::results
