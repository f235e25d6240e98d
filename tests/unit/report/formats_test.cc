// report/formats.h: JUnit from stored results, SARIF and Code Quality of findings, the
// Prometheus exposition (unmeasured figures left out, labels escaped), push option checks.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "aqe/report/formats.h"

namespace aqe::report {
namespace {

Report with_findings() {
  Report r;
  r.branch = "main";
  SecuritySection s;
  s.run_id = 3;
  s.high = 1;
  s.low = 1;
  s.findings.push_back(
      {"aws-key", "secret", "high", "high", "CWE-798", "a<b>.py", "key \"x\" & <y>", "AKIA…", "fp1", 3, 5});
  s.findings.push_back({"weak-hash", "code", "low", "medium", "", "b.py", "md5", "md5(x)", "fp1", 7, 1});
  r.security = s;
  return r;
}

TEST(ReportFormats, JunitFromStoredResultsKeepsLastAttemptAndEscapes) {
  std::vector<state::TestResultRow> rows = {
      {"tests/t.py::test_a", "tests/t.py", "failed", 0.1, 1, "boom", 0},
      {"tests/t.py::test_a", "tests/t.py", "passed", 0.1, 2, "", 0},
      {"tests/t.py::test_<b>", "tests/t.py", "failed", 0.2, 1, "a \"<&>\"", 0},
      {"tests/t.py::test_c", "tests/t.py", "skipped", 0, 1, "later", 0}};
  auto xml = junit_from_results(rows, "failure", 0);
  ASSERT_TRUE(xml) << xml.error().message;
  EXPECT_NE(xml->find("tests=\"3\""), std::string::npos) << *xml;
  EXPECT_NE(xml->find("failures=\"1\""), std::string::npos) << *xml;
  EXPECT_NE(xml->find("skipped=\"1\""), std::string::npos) << *xml;
  EXPECT_EQ(xml->find("<b"), std::string::npos) << *xml;  // '<' is escaped ('>' may stay in XML)
  EXPECT_NE(xml->find("test_&lt;b"), std::string::npos) << *xml;
  EXPECT_NE(xml->find("a &quot;&lt;&amp;"), std::string::npos) << *xml;

  auto partial = junit_from_results(rows, "timeout", 4);
  ASSERT_TRUE(partial);
  EXPECT_NE(partial->find("aqe.partial"), std::string::npos);
  EXPECT_NE(partial->find("errors=\"1\""), std::string::npos) << *partial;
}

TEST(ReportFormats, SarifAndCodeQualityOfFindings) {
  Report none;
  EXPECT_EQ(render_sarif(none).error().code, "NO_DATA");
  EXPECT_EQ(render_codequality(none).error().code, "NO_DATA");

  auto sarif = render_sarif(with_findings());
  ASSERT_TRUE(sarif);
  auto doc = nlohmann::json::parse(*sarif);
  EXPECT_EQ(doc["version"], "2.1.0");
  const auto& results = doc["runs"][0]["results"];
  ASSERT_EQ(results.size(), 2U);
  EXPECT_EQ(results[0]["level"], "error");
  EXPECT_EQ(results[1]["level"], "note");
  EXPECT_EQ(results[0]["message"]["text"], "key \"x\" & <y>");
  EXPECT_EQ(doc["runs"][0]["tool"]["driver"]["rules"].size(), 2U);

  auto cq = render_codequality(with_findings());
  ASSERT_TRUE(cq);
  auto issues = nlohmann::json::parse(*cq);
  ASSERT_EQ(issues.size(), 2U);
  EXPECT_EQ(issues[0]["severity"], "major");
  EXPECT_EQ(issues[1]["severity"], "info");
  EXPECT_EQ(issues[0]["location"]["path"], "a<b>.py");
  EXPECT_EQ(issues[0]["location"]["lines"]["begin"], 3);
  EXPECT_NE(issues[0]["fingerprint"], issues[1]["fingerprint"]) << "a repeated fingerprint is made unique";
  EXPECT_EQ(codequality_severity("critical"), "critical");
  EXPECT_EQ(codequality_severity("medium"), "minor");
}

TEST(ReportFormats, OpenmetricsOmitsWhatWasNotMeasured) {
  EXPECT_EQ(render_openmetrics(Report{}), "");
  Report r = with_findings();
  r.branch = "fe\"at\\ure\nx";
  TestsSection t;
  t.total = 5;
  t.passed = 4;
  t.failed = 1;
  t.duration_s = 2.5;
  t.complete = true;
  r.tests = t;  // pass_rate not set: not measured
  CoverageSection c;
  c.line_rate = 86.4;  // branch_rate not measured
  r.coverage = c;
  const std::string text = render_openmetrics(r);
  EXPECT_NE(text.find("aqe_tests_run{branch=\"fe\\\"at\\\\ure\\nx\",command=\"execute\"} 5\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("aqe_tests_failed{"), std::string::npos);
  EXPECT_NE(text.find("} 0.864"), std::string::npos) << text;
  EXPECT_EQ(text.find("aqe_coverage_branch_ratio"), std::string::npos);
  EXPECT_EQ(text.find("aqe_tests_pass_ratio"), std::string::npos);
  EXPECT_EQ(text.find("aqe_gate"), std::string::npos);
  EXPECT_EQ(text.find("aqe_cost_usd"), std::string::npos);
  EXPECT_NE(
      text.find("aqe_findings{branch=\"fe\\\"at\\\\ure\\nx\",command=\"security-scan\",severity=\"high\"} 1"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("# TYPE aqe_tests_run gauge\n"), std::string::npos);
}

TEST(ReportFormats, PushChecksUrlAndJob) {
  EXPECT_TRUE(check_push_options({.url = "http://127.0.0.1:9091"}));
  EXPECT_TRUE(check_push_options({.url = "https://gw.example/", .job = "ci-1.x"}));
  EXPECT_FALSE(check_push_options({.url = "ftp://gw"}));
  EXPECT_FALSE(check_push_options({.url = "http://"}));
  EXPECT_FALSE(check_push_options({.url = "http://gw?x=1"}));
  EXPECT_FALSE(check_push_options({.url = "http://gw", .job = "a/b"}));
  EXPECT_FALSE(check_push_options({.url = "http://gw", .job = ""}));
}

}  // namespace
}  // namespace aqe::report
