#include "aqe/coverage/coverage.h"

#include <gtest/gtest.h>

#include "test_data.h"

#include <filesystem>

#include "aqe/util/fs.h"

namespace aqe::coverage {
namespace {

namespace fs = std::filesystem;

std::string fixture(const std::string& name) { return aqe::testing::test_data("gate/" + name); }

const FileCoverage* find_file(const CoverageReport& c, const std::string& f) {
  for (const auto& x : c.files)
    if (x.file == f) return &x;
  return nullptr;
}

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

TEST(ReadCoverage, CoveragePyTotalsRatesAndFiles) {
  auto s = read_coverage(kReport, "coverage.json");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->totals.lines_covered, 13);
  EXPECT_EQ(s->totals.lines_total, 14);
  EXPECT_EQ(s->totals.branches_covered, 1);
  EXPECT_EQ(s->totals.branches_total, 2);
  // line_rate is lines only, not coverage.py's statements+branches "Cover" percent.
  EXPECT_DOUBLE_EQ(s->totals.line_rate(), 13.0 / 14.0);
  EXPECT_DOUBLE_EQ(s->totals.branch_rate(), 0.5);
  EXPECT_TRUE(s->has_branches);
  ASSERT_EQ(s->files.size(), 2u);
  EXPECT_EQ(s->files[0].file, "src/a.py");
  EXPECT_EQ(s->files[1].file, "src/m.py");
  EXPECT_EQ(s->files[1].branches_total, 2);
}

TEST(ReadCoverage, EmptyTotalsCountAsFullyCovered) {
  auto s = read_coverage(R"({"files": {}, "totals": {"covered_lines": 0, "num_statements": 0}})", "c");
  ASSERT_TRUE(s.ok());
  EXPECT_DOUBLE_EQ(s->totals.line_rate(), 1.0);
  EXPECT_DOUBLE_EQ(s->totals.branch_rate(), 1.0);
}

TEST(ReadCoverage, RejectsOtherText) {
  for (const char* text : {"", "[]", "{\"totals\": {}}", "not json", "<testsuites/>"}) {
    auto r = read_coverage(text, "x.json");
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error().message.rfind("x.json", 0), 0u) << r.error().message;
    EXPECT_EQ(r.error().exit_code, ExitCode::kUsage);
  }
}

// The report's own totals win; without them (not what coverage.py writes) they are summed.
TEST(ReadCoverage, TotalsWithoutATotalsObjectAreTheSumOfFiles) {
  auto s = read_coverage(R"({"files": {
      "a.py": {"summary": {"covered_lines": 1, "num_statements": 2, "covered_branches": 1, "num_branches": 4}},
      "b.py": {"summary": {"covered_lines": 3, "num_statements": 3}}}})",
                         "c.json");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->totals.lines_covered, 4);
  EXPECT_EQ(s->totals.lines_total, 5);
  EXPECT_EQ(s->totals.branches_covered, 1);
  EXPECT_EQ(s->totals.branches_total, 4);
  EXPECT_FALSE(s->has_branches);
  auto empty = read_coverage(R"({"files": {}})", "c.json");
  ASSERT_TRUE(empty.ok());
  EXPECT_DOUBLE_EQ(empty->totals.line_rate(), 1.0);
}

struct RateCase {
  Counts counts;
  double line, branch;
};

class CoverageRates : public ::testing::TestWithParam<RateCase> {};

TEST_P(CoverageRates, LinesAndBranchesApartAndOneWhenNothingToCover) {
  EXPECT_DOUBLE_EQ(GetParam().counts.line_rate(), GetParam().line);
  EXPECT_DOUBLE_EQ(GetParam().counts.branch_rate(), GetParam().branch);
}

INSTANTIATE_TEST_SUITE_P(Coverage, CoverageRates,
                         ::testing::Values(RateCase{{0, 0, 0, 0}, 1.0, 1.0}, RateCase{{1, 2, 0, 0}, 0.5, 1.0},
                                           RateCase{{0, 4, 3, 4}, 0.0, 0.75},
                                           RateCase{{7, 7, 0, 10}, 1.0, 0.0}));

TEST(Coverage, SumOfFilesAndPerFileCounts) {
  std::vector<FileCoverage> files = {{"a.py", 1, 2, 3, 4}, {"b.py", 10, 20, 30, 40}};
  Counts t = sum_of(files);
  EXPECT_EQ(t.lines_covered, 11);
  EXPECT_EQ(t.lines_total, 22);
  EXPECT_EQ(t.branches_covered, 33);
  EXPECT_EQ(t.branches_total, 44);
  EXPECT_DOUBLE_EQ(files[1].counts().line_rate(), 0.5);
}

// The three formats coverage.py writes from one run give the same figures.
class ReportFormats : public ::testing::TestWithParam<const char*> {};

TEST_P(ReportFormats, SameFiguresFromEachFormat) {
  auto c = read_coverage(fixture(GetParam()), GetParam(), {"/nonexistent/project"});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->origin, GetParam());
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
  EXPECT_TRUE(login->line_data);
  EXPECT_EQ(login->covered_lines.size() + login->missing_lines.size(), 10u);
  EXPECT_EQ(c->totals.lines_covered, 15);
  EXPECT_EQ(c->totals.lines_total, 25);
  EXPECT_DOUBLE_EQ(c->totals.line_rate(), 0.6);
  EXPECT_DOUBLE_EQ(c->totals.branch_rate(), 0.375);
  EXPECT_TRUE(std::is_sorted(c->files.begin(), c->files.end(),
                             [](const auto& a, const auto& b) { return a.file < b.file; }));
}

INSTANTIATE_TEST_SUITE_P(Coverage, ReportFormats,
                         ::testing::Values("coverage.json", "coverage.xml", "coverage.lcov"));

struct MalformedCase {
  const char* file;
  const char* position;  // expected "file:line:col" prefix of the message
};

class MalformedReport : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(MalformedReport, NamesFileAndPosition) {
  auto r = read_coverage(fixture(GetParam().file), GetParam().file, {"/p"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().exit_code, ExitCode::kUsage);
  EXPECT_EQ(r.error().message.rfind(GetParam().position, 0), 0u) << r.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Coverage, MalformedReport,
    ::testing::Values(MalformedCase{"malformed-coverage.xml", "malformed-coverage.xml:34:35:"},
                      MalformedCase{"malformed-coverage.json", "malformed-coverage.json:"},
                      MalformedCase{"malformed.lcov", "malformed.lcov:4:1:"}));

TEST(ReadCoverage, XmlThatIsNotCoberturaNamesItsRoot) {
  auto r = read_coverage("<testsuites/>", "j.xml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("<testsuites>"), std::string::npos) << r.error().message;
}

TEST(ReadCoverage, UnknownFormat) {
  auto c = read_coverage("hello world\n", "x.txt");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("x.txt"), std::string::npos);
}

std::string prefixed(std::string_view path, const fs::path& project_dir) {
  return project_dir.string() + ":" + std::string(path);
}

// The caller's normaliser names every file, in each format, before the line-list filter.
TEST(ReadCoverage, NormalizerNamesFilesInEachFormat) {
  ReadOptions o{"/p", &prefixed, std::set<std::string>{"/p:b.py"}};
  auto json = read_coverage(
      R"({"files": {"b.py": {"executed_lines": [1]}, "a.py": {"executed_lines": [2]}}})", "c.json", o);
  auto lcov = read_coverage("SF:b.py\nDA:1,1\nend_of_record\nSF:a.py\nDA:2,1\nend_of_record\n", "c.lcov", o);
  for (const auto* c : {&json, &lcov}) {
    ASSERT_TRUE(c->ok()) << (*c).error().message;
    ASSERT_EQ((*c)->files.size(), 2u);
    EXPECT_EQ((*c)->files[0].file, "/p:a.py");
    EXPECT_TRUE((*c)->files[0].covered_lines.empty());
    EXPECT_EQ((*c)->files[1].file, "/p:b.py");
    EXPECT_EQ((*c)->files[1].covered_lines, (std::vector<int64_t>{1}));
  }
}

// Only the listed files keep line lists; counts are read for every file, and unsorted lists
// (not what coverage.py writes, but valid) still come out ascending.
TEST(ReadCoverage, KeepLinesForListsOnlyTheseFiles) {
  const std::string text = R"({"meta": {"branch_coverage": false}, "files": {
    "src/a.py": {"executed_lines": [3, 1], "missing_lines": [2],
                 "summary": {"covered_lines": 2, "num_statements": 3}},
    "src/b.py": {"executed_lines": [1], "missing_lines": [5, 4],
                 "summary": {"covered_lines": 1, "num_statements": 3}}}})";
  ReadOptions o;
  o.keep_lines_for = std::set<std::string>{"src/b.py"};
  auto c = read_coverage(text, "coverage.json", o);
  ASSERT_TRUE(c.ok()) << c.error().message;
  const FileCoverage* a = find_file(*c, "src/a.py");
  const FileCoverage* b = find_file(*c, "src/b.py");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->lines_covered, 2);
  EXPECT_EQ(a->lines_total, 3);
  EXPECT_TRUE(a->line_data);
  EXPECT_TRUE(a->covered_lines.empty());
  EXPECT_TRUE(a->missing_lines.empty());
  EXPECT_EQ(b->covered_lines, (std::vector<int64_t>{1}));
  EXPECT_EQ(b->missing_lines, (std::vector<int64_t>{4, 5}));

  auto all = read_coverage(text, "coverage.json");
  ASSERT_TRUE(all.ok()) << all.error().message;
  EXPECT_EQ(find_file(*all, "src/a.py")->covered_lines, (std::vector<int64_t>{1, 3}));

  auto xml = read_coverage(fixture("coverage.xml"), "coverage.xml",
                           {"/nonexistent", nullptr, std::set<std::string>{"src/util/mathx.py"}});
  ASSERT_TRUE(xml.ok()) << xml.error().message;
  EXPECT_TRUE(find_file(*xml, "src/auth/login.py")->covered_lines.empty());
  EXPECT_EQ(find_file(*xml, "src/auth/login.py")->lines_covered, 8);
  EXPECT_EQ(find_file(*xml, "src/util/mathx.py")->covered_lines.size(), 7u);
}

// A skipped line list is still checked: a malformed one is an error naming the position.
TEST(ReadCoverage, SkippedLineListIsStillValidated) {
  const std::string text = R"({"files": {"src/a.py": {"executed_lines": [1, x]}}})";
  ReadOptions o;
  o.keep_lines_for.emplace();
  auto c = read_coverage(text, "coverage.json", o);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("coverage.json:1:"), std::string::npos) << c.error().message;
  EXPECT_EQ(c.error().exit_code, ExitCode::kUsage);
}

// Counts the fast path does not take (fractions) go through the general reader, same figures.
TEST(ReadCoverage, GeneralReaderAgreesWithTheFastPath) {
  auto c = read_coverage(R"({"files": {"a.py": {"executed_lines": [2, 1], "summary": {"covered_lines": 2.0,
      "num_statements": 3}}}, "totals": {"covered_lines": 2, "num_statements": 3}})",
                         "c.json");
  ASSERT_TRUE(c.ok()) << c.error().message;
  ASSERT_EQ(c->files.size(), 1u);
  EXPECT_EQ(c->files[0].lines_covered, 2);
  EXPECT_EQ(c->files[0].covered_lines, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(c->totals.lines_total, 3);
}

}  // namespace
}  // namespace aqe::coverage
