#include "aqe/results/sarif.h"

#include <gtest/gtest.h>

#include "test_data.h"

#include <filesystem>

#include "aqe/util/fs.h"

namespace aqe::results {
namespace {

namespace fs = std::filesystem;

std::string fixture(const std::string& name) { return aqe::testing::test_data("gate/" + name); }

TEST(ParseSarif, SeverityMappingAndUrisAsWritten) {
  const char* sarif = R"({"version": "2.1.0", "runs": [{
    "tool": {"driver": {"name": "x", "rules": [
      {"id": "R1", "properties": {"security-severity": "9.8"}},
      {"id": "R2", "defaultConfiguration": {"level": "error"}},
      {"id": "R3"}]}},
    "results": [
      {"ruleId": "R1", "ruleIndex": 0, "locations": [{"physicalLocation": {"artifactLocation": {"uri": "src/a.py"}}}]},
      {"ruleId": "R2", "locations": [{"physicalLocation": {"artifactLocation": {"uri": "./src/b.py"}}}]},
      {"ruleId": "R3", "level": "note"},
      {"ruleId": "R3", "level": "none"},
      {"ruleId": "R3", "properties": {"security-severity": 7.5}},
      {"ruleId": "R3", "properties": {"security-severity": 5}},
      {"ruleId": "R1", "suppressions": [{"kind": "inSource"}]},
      {"ruleId": "R1", "baselineState": "absent"}
    ]}]})";
  auto f = parse_sarif(sarif, "s.sarif");
  ASSERT_TRUE(f.ok()) << f.error().message;
  std::vector<std::string> sev;
  for (const auto& x : *f) sev.push_back(x.severity);
  EXPECT_EQ(sev, (std::vector<std::string>{"critical", "high", "low", "high", "medium"}));
  EXPECT_EQ((*f)[1].uri, "./src/b.py");
  EXPECT_EQ((*f)[2].uri, "");
}

TEST(ParseSarif, ErrorsNameTheFile) {
  auto old = parse_sarif(R"({"version": "2.0.0", "runs": []})", "old.sarif");
  ASSERT_FALSE(old.ok());
  EXPECT_NE(old.error().message.find("old.sarif"), std::string::npos);
  auto bad = parse_sarif(fixture("malformed.sarif"), "malformed.sarif");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message.rfind("malformed.sarif:1:", 0), 0u) << bad.error().message;
  EXPECT_EQ(bad.error().exit_code, ExitCode::kUsage);
}

}  // namespace
}  // namespace aqe::results
