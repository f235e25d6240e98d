#include <gtest/gtest.h>

#include "test_data.h"

#include <filesystem>

#include "aqe/gate/gate.h"
#include "aqe/util/fs.h"

namespace aqe::gate {
namespace {

namespace fs = std::filesystem;

std::string fixture(const std::string& name) { return aqe::testing::test_data("gate/" + name); }

const FileCoverage* find_file(const CoverageInput& c, const std::string& f) {
  for (const auto& x : c.files)
    if (x.file == f) return &x;
  return nullptr;
}

// The three coverage formats coverage.py writes from one run must give the same figures.
class CoverageFormats : public ::testing::TestWithParam<const char*> {};

TEST_P(CoverageFormats, SameFiguresFromEachFormat) {
  auto c = parse_coverage(fixture(GetParam()), GetParam(), "/nonexistent/project");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_TRUE(c->has_branches);
  const FileCoverage* login = find_file(*c, "src/auth/login.py");
  const FileCoverage* mathx = find_file(*c, "src/util/mathx.py");
  ASSERT_NE(login, nullptr);
  ASSERT_NE(mathx, nullptr);
  EXPECT_EQ(login->lines_covered, 8);
  EXPECT_EQ(login->lines_total, 10);
  EXPECT_EQ(login->branches_covered, 4);
  EXPECT_EQ(login->branches_total, 6);
  EXPECT_EQ(mathx->lines_covered, 7);
  EXPECT_EQ(mathx->lines_total, 15);
  EXPECT_EQ(mathx->branches_covered, 2);
  EXPECT_EQ(mathx->branches_total, 10);
  GateInputs in;
  in.coverage = *c;
  Metrics m = compute_metrics(in, {});
  EXPECT_DOUBLE_EQ(*m["line_coverage"].value, 60.0);
  EXPECT_DOUBLE_EQ(*m["branch_coverage"].value, 37.5);
}

INSTANTIATE_TEST_SUITE_P(Gate, CoverageFormats,
                         ::testing::Values("coverage.json", "coverage.xml", "coverage.lcov"));

struct MalformedCase {
  const char* file;
  int kind;              // 0 coverage, 1 junit, 2 sarif
  const char* position;  // expected "file:line:col" prefix of the message
};

class Malformed : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(Malformed, NamesFileAndPosition) {
  const auto& c = GetParam();
  std::string text = fixture(c.file);
  Error e;
  if (c.kind == 0) {
    auto r = parse_coverage(text, c.file, "/p");
    ASSERT_FALSE(r.ok());
    e = r.error();
  } else if (c.kind == 1) {
    auto r = parse_junit_results(text, c.file);
    ASSERT_FALSE(r.ok());
    e = r.error();
  } else {
    auto r = parse_sarif(text, c.file, "/p");
    ASSERT_FALSE(r.ok());
    e = r.error();
  }
  EXPECT_EQ(e.exit_code, ExitCode::kUsage);
  EXPECT_EQ(e.message.rfind(c.position, 0), 0u) << e.message;
}

INSTANTIATE_TEST_SUITE_P(Gate, Malformed,
                         ::testing::Values(MalformedCase{"malformed-coverage.xml", 0,
                                                         "malformed-coverage.xml:34:35:"},
                                           MalformedCase{"malformed-junit.xml", 1, "malformed-junit.xml:1:"},
                                           MalformedCase{"malformed.sarif", 2, "malformed.sarif:1:"}));

TEST(GateParsers, JunitRerunsAreFlakyAndShardsSum) {
  const char* xml = R"(<testsuites><testsuite name="a">
    <testcase name="t1"/>
    <testcase name="t2"><rerunFailure message="x"/></testcase>
    <testcase name="t3"><flakyError message="y"/></testcase>
    <testcase name="t4"><rerunFailure/><failure message="z"/></testcase>
    <testcase name="t5"><error message="boom"/></testcase>
  </testsuite></testsuites>)";
  auto t = parse_junit_results(xml, "x.xml");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->passed, 1);
  EXPECT_EQ(t->flaky, 2);
  EXPECT_EQ(t->failed, 1);
  EXPECT_EQ(t->errors, 1);
  TestInput sum = merge_tests({*t, *t});
  EXPECT_EQ(sum.passed, 2);
  EXPECT_EQ(sum.flaky, 4);
  EXPECT_EQ(sum.origin, "x.xml, x.xml");
}

TEST(GateParsers, ClangSarifIsOneMediumFindingWithProjectRelativePath) {
  auto f = parse_sarif(fixture("clang-analyzer.sarif"), "clang-analyzer.sarif", "/tmp/hgate-fix/proj");
  ASSERT_TRUE(f.ok()) << f.error().message;
  ASSERT_EQ(f->findings.size(), 1u);
  EXPECT_EQ(f->findings[0].file, "src/auth/null.c");
  EXPECT_EQ(f->findings[0].severity, "medium");
}

// Severity mapping is results/'s (sarif_test.cc); the gate's adapter makes URIs project paths.
TEST(GateParsers, SarifUrisBecomeProjectPaths) {
  const char* sarif = R"({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [
      {"ruleId": "R", "level": "error", "locations": [{"physicalLocation": {"artifactLocation": {"uri": "./src/b.py"}}}]},
      {"ruleId": "R", "level": "error", "locations": [{"physicalLocation": {"artifactLocation": {"uri": "file:///p/src/c.py"}}}]}
    ]}]})";
  auto f = parse_sarif(sarif, "s.sarif", "/p");
  ASSERT_TRUE(f.ok()) << f.error().message;
  ASSERT_EQ(f->findings.size(), 2u);
  EXPECT_EQ(f->findings[0].file, "src/b.py");
  EXPECT_EQ(f->findings[1].file, "src/c.py");
  EXPECT_EQ(f->findings[0].severity, "high");
}

TEST(GateParsers, LcovAbsolutePathsBecomeProjectRelative) {
  auto c = parse_coverage("SF:/work/p/src/a.py\nDA:1,1\nDA:2,0\nend_of_record\n", "a.lcov", "/work/p");
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->files.size(), 1u);
  EXPECT_EQ(c->files[0].file, "src/a.py");
  EXPECT_EQ(c->files[0].lines_covered, 1);
  EXPECT_EQ(c->files[0].lines_total, 2);
  EXPECT_FALSE(c->has_branches);
}

// With a diff, only the changed files keep line lists; totals are read for every file, and
// unsorted lists (not what coverage.py writes, but valid) still come out ascending.
TEST(GateParsers, CoveragePyJsonKeepsLineListsOnlyForChangedFiles) {
  const std::string text = R"({"meta": {"branch_coverage": false}, "files": {
    "src/a.py": {"executed_lines": [3, 1], "missing_lines": [2],
                 "summary": {"covered_lines": 2, "num_statements": 3}},
    "src/b.py": {"executed_lines": [1], "missing_lines": [5, 4],
                 "summary": {"covered_lines": 1, "num_statements": 3}}}})";
  DiffInput diff;
  diff.changed["src/b.py"] = {4};
  auto c = parse_coverage(text, "coverage.json", "/p", &diff);
  ASSERT_TRUE(c.ok()) << c.error().message;
  const FileCoverage* a = find_file(*c, "src/a.py");
  const FileCoverage* b = find_file(*c, "src/b.py");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->lines_covered, 2);
  EXPECT_EQ(a->lines_total, 3);
  EXPECT_TRUE(a->covered_lines.empty());
  EXPECT_TRUE(a->missing_lines.empty());
  EXPECT_EQ(b->covered_lines, (std::vector<int64_t>{1}));
  EXPECT_EQ(b->missing_lines, (std::vector<int64_t>{4, 5}));

  auto all = parse_coverage(text, "coverage.json", "/p");
  ASSERT_TRUE(all.ok()) << all.error().message;
  EXPECT_EQ(find_file(*all, "src/a.py")->covered_lines, (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(diff_coverage(diff, *c, {}).covered, 0);
  EXPECT_EQ(diff_coverage(diff, *c, {}).lines, 1);
}

}  // namespace
}  // namespace aqe::gate
