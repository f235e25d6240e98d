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
  std::vector<std::string> warnings;
  EXPECT_EQ(render_sarif(none).error().code, "NO_DATA");
  EXPECT_EQ(render_codequality(none, warnings).error().code, "NO_DATA");

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

  auto cq = render_codequality(with_findings(), warnings);
  ASSERT_TRUE(cq);
  EXPECT_TRUE(warnings.empty());
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

DiffSection diff_of(std::vector<changes::UncoveredLine> uncovered, int64_t lines, int64_t covered) {
  DiffSection d;
  d.base = "origin/main";
  d.merge_base = "abc123";
  d.lines = lines;
  d.covered = covered;
  d.uncovered = std::move(uncovered);
  return d;
}

// Consecutive uncovered changed lines of a file are one issue (begin..end), so the merge
// request shows the gap once; without a scan the lines alone are written, with a warning.
TEST(ReportFormats, CodeQualityListsUncoveredChangedLinesAsRanges) {
  Report r;
  r.diff_coverage =
      diff_of({{"src/a.py", 4}, {"src/a.py", 5}, {"src/a.py", 6}, {"src/a.py", 9}, {"src/b.py", 10}}, 8, 3);
  std::vector<std::string> warnings;
  auto cq = render_codequality(r, warnings);
  ASSERT_TRUE(cq) << cq.error().message;
  ASSERT_EQ(warnings.size(), 1U);
  EXPECT_NE(warnings[0].find("no complete security-scan run"), std::string::npos);
  auto issues = nlohmann::json::parse(*cq);
  ASSERT_EQ(issues.size(), 3U) << *cq;
  EXPECT_EQ(issues[0]["check_name"], "aqe-uncovered-changed-lines");
  EXPECT_EQ(issues[0]["location"]["path"], "src/a.py");
  EXPECT_EQ(issues[0]["location"]["lines"]["begin"], 4);
  EXPECT_EQ(issues[0]["location"]["lines"]["end"], 6);
  EXPECT_EQ(issues[0]["description"],
            "3 changed lines (4-6) are not covered by the tests (diff coverage against origin/main)");
  EXPECT_EQ(issues[1]["location"]["lines"]["begin"], 9);
  EXPECT_EQ(issues[1]["location"]["lines"]["end"], 9);
  EXPECT_EQ(issues[2]["location"]["path"], "src/b.py");
  EXPECT_EQ(issues[0]["fingerprint"].get<std::string>().size(), 64U);
  EXPECT_NE(issues[0]["fingerprint"], issues[1]["fingerprint"]);

  // A diff that could not be computed is no data: with no scan either, exit 3.
  r.diff_coverage->unavailable = "not a git checkout";
  EXPECT_EQ(render_codequality(r, warnings).error().code, "NO_DATA");

  // With a scan, findings come first and the lines follow.
  Report both = with_findings();
  both.diff_coverage = diff_of({{"src/a.py", 4}}, 1, 0);
  warnings.clear();
  auto mixed = render_codequality(both, warnings);
  ASSERT_TRUE(mixed);
  EXPECT_TRUE(warnings.empty());
  EXPECT_EQ(nlohmann::json::parse(*mixed).size(), 3U);
}

TEST(ReportFormats, OpenmetricsWritesDiffCoverageWithItsBase) {
  Report r;
  r.branch = "feat";
  r.diff_coverage = diff_of({{"src/a.py", 4}}, 4, 3);
  std::string text = render_openmetrics(r);
  EXPECT_NE(
      text.find("aqe_coverage_diff_ratio{branch=\"feat\",command=\"execute\",base=\"origin/main\"} 0.75\n"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find("aqe_coverage_diff_lines{branch=\"feat\",command=\"execute\",base=\"origin/main\"} 4\n"),
      std::string::npos)
      << text;
  // No executable changed line: the count is measured (0), the ratio is not.
  r.diff_coverage = diff_of({}, 0, 0);
  text = render_openmetrics(r);
  EXPECT_EQ(text.find("aqe_coverage_diff_ratio"), std::string::npos) << text;
  EXPECT_NE(text.find("aqe_coverage_diff_lines{"), std::string::npos) << text;
  r.diff_coverage->unavailable = "no base";
  EXPECT_EQ(render_openmetrics(r), "");
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

TEST(ReportFormats, OpenmetricsWritesGateGenerateAndCost) {
  Report r;
  r.branch = "main";
  GateSection g;
  g.summary.passed = false;
  g.summary.score = 71.5;
  r.gate = g;
  GenerateSection gen;
  gen.tests_generated = 171;
  r.generate = gen;
  r.cost = CostSection{0.125, 3};
  std::string text = render_openmetrics(r);
  EXPECT_NE(text.find("# TYPE aqe_gate_score gauge\naqe_gate_score{branch=\"main\",command=\"quality-gate\"} "
                      "71.5\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("aqe_gate_passed{branch=\"main\",command=\"quality-gate\"} 0\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("aqe_tests_generated{branch=\"main\",command=\"generate\"} 171\n"), std::string::npos)
      << text;
  // The ledger of the branch: no command label.
  EXPECT_NE(text.find("aqe_cost_usd{branch=\"main\"} 0.125\n"), std::string::npos) << text;

  r.gate->summary.passed = true;
  r.gate->summary.score.reset();  // nothing to score: the verdict without a score
  text = render_openmetrics(r);
  EXPECT_EQ(text.find("aqe_gate_score"), std::string::npos) << text;
  EXPECT_NE(text.find("aqe_gate_passed{branch=\"main\",command=\"quality-gate\"} 1\n"), std::string::npos)
      << text;
  r.gate->summary.skipped = true;
  EXPECT_EQ(render_openmetrics(r).find("aqe_gate"), std::string::npos);
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

FileRow covered_file(std::string path, int n) {
  FileRow f;
  f.path = std::move(path);
  f.lines_total = n;
  f.lines_covered = n - 1;
  f.covered_lines = std::vector<int64_t>{};
  for (int i = 1; i < n; ++i) f.covered_lines->push_back(i);
  f.missing_lines = std::vector<int64_t>{n};
  return f;
}

TEST(ReportFormats, CoberturaHitsPerLineEscapedAndSplitUnderTheLimit) {
  Report r;
  CoverageSection c;
  c.run_id = 4;
  for (int i = 0; i < 40; ++i) c.files.push_back(covered_file("pkg/m" + std::to_string(i) + ".py", 20));
  c.files.push_back(covered_file("top&<x>.py", 3));
  r.coverage = c;
  std::vector<std::string> warnings;
  auto one = render_cobertura(r, "/p", kCoberturaMaxBytes, warnings);
  ASSERT_TRUE(one) << one.error().message;
  ASSERT_EQ(one->size(), 1u);
  const std::string& doc = one->front();
  EXPECT_NE(doc.find("<source>/p</source>"), std::string::npos);
  EXPECT_NE(doc.find("filename=\"top&amp;&lt;x>.py\""), std::string::npos);
  EXPECT_NE(doc.find("<line number=\"3\" hits=\"0\""), std::string::npos);
  EXPECT_NE(doc.find("lines-valid=\"803\" lines-covered=\"762\""), std::string::npos);
  EXPECT_NE(doc.find("<package name=\"pkg\""), std::string::npos);
  EXPECT_TRUE(warnings.empty());

  auto parts = render_cobertura(r, "/p", 4096, warnings);
  ASSERT_TRUE(parts);
  EXPECT_GT(parts->size(), 2u);
  size_t classes = 0;
  for (const auto& p : *parts) {
    EXPECT_LE(p.size(), 4096u);
    for (size_t at = p.find("<class "); at != std::string::npos; at = p.find("<class ", at + 1)) ++classes;
  }
  EXPECT_EQ(classes, 41u);

  // Per-line coverage unknown (the run's coverage report is gone): refused, not guessed.
  r.coverage->files[0].covered_lines.reset();
  auto gone = render_cobertura(r, "/p", kCoberturaMaxBytes, warnings);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, "NO_DATA");
  r.coverage.reset();
  EXPECT_FALSE(render_cobertura(r, "/p", kCoberturaMaxBytes, warnings));
}

}  // namespace
}  // namespace aqe::report
