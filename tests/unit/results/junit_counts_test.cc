#include <gtest/gtest.h>

#include "test_data.h"

#include <filesystem>

#include "aqe/results/junit.h"
#include "aqe/util/fs.h"

namespace aqe::results {
namespace {

namespace fs = std::filesystem;

std::string fixture(const std::string& name) { return aqe::testing::test_data("gate/" + name); }

struct CountCase {
  const char* file;
  TestCounts want;
};

class FixtureCounts : public ::testing::TestWithParam<CountCase> {};

TEST_P(FixtureCounts, AsCiToolsCountThem) {
  auto cases = read_junit_report(fixture(GetParam().file), GetParam().file);
  ASSERT_TRUE(cases.ok()) << cases.error().message;
  const TestCounts got = count_testcases(*cases);
  const TestCounts& want = GetParam().want;
  EXPECT_EQ(got.passed, want.passed);
  EXPECT_EQ(got.failed, want.failed);
  EXPECT_EQ(got.errors, want.errors);
  EXPECT_EQ(got.skipped, want.skipped);
  EXPECT_EQ(got.flaky, want.flaky);
}

// ctest marks tests it did not run with status="disabled" and no <skipped>.
INSTANTIATE_TEST_SUITE_P(Results, FixtureCounts,
                         ::testing::Values(CountCase{"junit-fail.xml", {4, 1, 0, 1, 0}},
                                           CountCase{"junit-pass.xml", {5, 0, 0, 1, 0}},
                                           CountCase{"ctest-junit.xml", {2, 1, 0, 1, 0}}));

// Per element, unlike parse_junit: a failure beats an error, a teardown error after a passed
// call is a pass and an error (pytest's "1 passed, 1 error"; the second element pytest writes
// for a failed call's teardown is the error only), and a rerun that ended passing is flaky.
TEST(CountTestcases, OneCountPerElement) {
  const char* xml = R"(<testsuites><testsuite name="a">
    <testcase name="t1"/>
    <testcase name="t2"><rerunFailure message="x"/></testcase>
    <testcase name="t3"><flakyError message="y"/></testcase>
    <testcase name="t4"><rerunFailure/><failure message="z"/></testcase>
    <testcase name="t5"><error message="boom"/></testcase>
    <testcase name="t6"><failure message="a"/><error message="b"/></testcase>
    <testcase classname="m" name="t7" file="m.py"><error message="failed on teardown with &quot;E&quot;"/></testcase>
    <testcase name="t8" status="notrun"/>
    <testcase name="t1"/>
    <testcase classname="m" name="t9" file="m.py"><failure message="f"/></testcase>
    <testcase classname="m" name="t9" file="m.py"><error message="failed on teardown with &quot;E&quot;"/></testcase>
  </testsuite></testsuites>)";
  auto cases = read_junit_report(xml, "x.xml");
  ASSERT_TRUE(cases.ok()) << cases.error().message;
  ASSERT_EQ(cases->size(), 11u);
  EXPECT_EQ((*cases)[5].outcome, "error");
  EXPECT_TRUE((*cases)[5].has_failure);
  const TestCounts t = count_testcases(*cases);
  EXPECT_EQ(t.passed, 3);  // t1 twice, t7
  EXPECT_EQ(t.flaky, 2);
  EXPECT_EQ(t.failed, 3);  // t4, t6, t9
  EXPECT_EQ(t.errors, 3);  // t5, t7, t9's teardown
  EXPECT_EQ(t.skipped, 1);
  // parse_junit folds the duplicate t1 (one test) and keeps the teardown on the call's outcome.
  auto tests = parse_junit(xml, "x.xml");
  ASSERT_TRUE(tests.ok());
  EXPECT_EQ(tests->size(), 9u);
}

TEST(ReadJunitReport, ErrorsNamePositionAndRoot) {
  auto bad = read_junit_report(fixture("malformed-junit.xml"), "malformed-junit.xml");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message.rfind("malformed-junit.xml:1:", 0), 0u) << bad.error().message;
  EXPECT_EQ(bad.error().exit_code, ExitCode::kUsage);
  auto root = read_junit_report("<coverage/>", "c.xml");
  ASSERT_FALSE(root.ok());
  EXPECT_NE(root.error().message.find("<coverage>"), std::string::npos);
  // aqe's own runs' reports: another code and exit 1, whatever the root.
  auto own = parse_junit("<testsuite><testcase", "w.xml");
  ASSERT_FALSE(own.ok());
  EXPECT_EQ(own.error().code, "JUNIT_INVALID");
  EXPECT_EQ(own.error().exit_code, ExitCode::kFailure);
  EXPECT_TRUE(parse_junit("<coverage/>", "c.xml").ok());
}

}  // namespace
}  // namespace aqe::results
