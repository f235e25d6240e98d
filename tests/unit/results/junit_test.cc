#include "aqe/results/junit.h"

#include <gtest/gtest.h>

#include <map>

#include <pugixml.hpp>

namespace aqe::results {
namespace {

// Shape of pytest 7's -o junit_family=xunit1 report.
const char* kPytestReport = R"(<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="2" failures="1" skipped="2" tests="7" time="0.05">
<testcase classname="" name="tests.pkg.test_bad" file="tests/pkg/test_bad.py" time="0.000"><error message="collection failure">ImportError while importing test module
tests/pkg/test_bad.py:1: in &lt;module&gt;
    import nosuchmod
E   ModuleNotFoundError: No module named 'nosuchmod'</error></testcase>
<testcase classname="tests.test_a" name="test_ok" file="tests/test_a.py" line="1" time="0.001"/>
<testcase classname="tests.test_a" name="test_fail" file="tests/test_a.py" line="2" time="0.25"><failure message="AssertionError: boom">def test_fail():
E   AssertionError: boom

tests/helpers.py:7: in check
    raise
tests/test_a.py:3: AssertionError</failure></testcase>
<testcase classname="tests.test_a" name="test_skip" file="tests/test_a.py" line="3" time="0.000"><skipped type="pytest.skip" message="nope">nope</skipped></testcase>
<testcase classname="tests.test_a" name="test_xfail" file="tests/test_a.py" line="5" time="0.000"><skipped type="pytest.xfail" message=""/></testcase>
<testcase classname="tests.test_a" name="test_err" file="tests/test_a.py" line="9" time="0.000"><error message="failed on setup with &quot;RuntimeError&quot;">E RuntimeError</error></testcase>
<testcase classname="tests.test_a.TestK.Inner" name="test_p[a b]" file="tests/test_a.py" line="11" time="0.002"/>
</testsuite></testsuites>)";

TEST(PytestNodeId, Cases) {
  struct Case {
    const char* file;
    const char* cls;
    const char* name;
    const char* want;
  };
  for (const auto& c : std::vector<Case>{
           {"tests/test_a.py", "tests.test_a", "test_x", "tests/test_a.py::test_x"},
           {"tests/test_a.py", "tests.test_a.TestK", "test_p[1]", "tests/test_a.py::TestK::test_p[1]"},
           {"test_a.py", "test_a.A.B", "t", "test_a.py::A::B::t"},
           {"tests/pkg/test_bad.py", "", "tests.pkg.test_bad", "tests/pkg/test_bad.py"},
       }) {
    EXPECT_EQ(pytest_node_id(c.file, c.cls, c.name), c.want);
  }
}

TEST(ParseJunit, OutcomesMessagesAndLocations) {
  auto cases = parse_junit(kPytestReport, "w0.xml");
  ASSERT_TRUE(cases.ok()) << cases.error().message;
  ASSERT_EQ(cases->size(), 7u);
  struct Want {
    const char* id;
    const char* outcome;
    int line;
    const char* message;
  };
  std::vector<Want> want{
      {"tests/pkg/test_bad.py", "error", 1, "ModuleNotFoundError: No module named 'nosuchmod'"},
      {"tests/test_a.py::test_ok", "passed", 2, ""},
      {"tests/test_a.py::test_fail", "failed", 3, "AssertionError: boom"},
      {"tests/test_a.py::test_skip", "skipped", 4, "nope"},
      {"tests/test_a.py::test_xfail", "skipped", 6, ""},
      {"tests/test_a.py::test_err", "error", 10, "failed on setup with \"RuntimeError\""},
      {"tests/test_a.py::TestK::Inner::test_p[a b]", "passed", 12, ""},
  };
  for (size_t i = 0; i < want.size(); ++i) {
    const auto& c = (*cases)[i];
    EXPECT_EQ(c.test_id, want[i].id);
    EXPECT_EQ(c.outcome, want[i].outcome) << c.test_id;
    EXPECT_EQ(c.line, want[i].line) << c.test_id;
    EXPECT_EQ(c.message, want[i].message) << c.test_id;
  }
  EXPECT_DOUBLE_EQ((*cases)[2].time_s, 0.25);
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ((*cases)[i].xfail, i == 4) << (*cases)[i].test_id << ": only type=\"pytest.xfail\" is";
  }
}

TEST(MergeJunit, AStreamedXfailIsWrittenAsPytestWritesIt) {
  JunitRunFacts facts;
  JunitCase x;
  x.test_id = "tests/test_a.py::test_xfail";
  x.file = "tests/test_a.py";
  x.outcome = "skipped";
  x.xfail = true;
  x.message = "known bug";
  facts.streamed = {x};
  auto merged = merge_junit({}, "aqe", facts);
  ASSERT_TRUE(merged.ok());
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(merged->c_str()));
  auto skipped = doc.child("testsuites").child("testsuite").child("testcase").child("skipped");
  EXPECT_STREQ(skipped.attribute("type").as_string(), "pytest.xfail");
  auto cases = parse_junit(*merged, "merged");
  ASSERT_TRUE(cases.ok());
  ASSERT_EQ(cases->size(), 1u);
  EXPECT_TRUE((*cases)[0].xfail);
}

TEST(ParseJunit, GenericReportWithoutFiles) {
  auto cases = parse_junit(R"(<testsuite><testcase classname="MathTest" name="adds" time="0.5"/>
      <testcase classname="MathTest" name="divides"><failure message="div by zero"/></testcase></testsuite>)",
                           "ctest.xml");
  ASSERT_TRUE(cases.ok());
  ASSERT_EQ(cases->size(), 2u);
  EXPECT_EQ((*cases)[0].test_id, "MathTest::adds");
  EXPECT_EQ((*cases)[1].outcome, "failed");
  EXPECT_EQ((*cases)[1].message, "div by zero");
}

TEST(ParseJunit, InvalidXmlNamesTheFile) {
  auto cases = parse_junit("<testsuite><testcase", "w3.xml");
  ASSERT_FALSE(cases.ok());
  EXPECT_NE(cases.error().message.find("w3.xml"), std::string::npos);
}

TEST(MergeJunit, LaterAttemptReplacesEarlierAndCountsAreRecomputed) {
  const std::string w0 = R"(<testsuite><testcase classname="t" name="a" file="t.py" time="1"/>
      <testcase classname="t" name="b" file="t.py" time="1"><failure message="x"/></testcase>
      <testcase classname="" name="bad" file="bad.py"><error message="collection failure"/></testcase></testsuite>)";
  const std::string w1 =
      R"(<testsuite><testcase classname="t" name="c" file="t.py" time="2"><skipped/></testcase>
      <testcase classname="" name="bad" file="bad.py"><error message="collection failure"/></testcase></testsuite>)";
  const std::string retry =
      R"(<testsuite><testcase classname="t" name="b" file="t.py" time="0.5"/></testsuite>)";
  auto merged = merge_junit({w0, w1, retry}, "aqe");
  ASSERT_TRUE(merged.ok());
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(merged->c_str()));
  auto suite = doc.child("testsuites").child("testsuite");
  EXPECT_STREQ(suite.attribute("name").as_string(), "aqe");
  EXPECT_EQ(suite.attribute("tests").as_int(), 4);
  EXPECT_EQ(suite.attribute("failures").as_int(), 0);
  EXPECT_EQ(suite.attribute("errors").as_int(), 1);
  EXPECT_EQ(suite.attribute("skipped").as_int(), 1);
  auto cases = parse_junit(*merged, "merged");
  ASSERT_TRUE(cases.ok());
  for (const auto& c : *cases) {
    if (c.test_id == "t.py::b") {
      EXPECT_EQ(c.outcome, "passed");
    }
  }
}

TEST(MergeJunit, StreamedResultsNoDocumentHoldsAreAddedAndAPartialRunIsMarked) {
  const std::string w0 =
      R"(<testsuite><testcase classname="tests.t" name="a" file="tests/t.py" time="1"/></testsuite>)";
  JunitRunFacts facts;
  auto streamed = [](std::string id, std::string outcome, std::string message = "") {
    JunitCase c;
    c.test_id = std::move(id);
    c.file = "tests/t.py";
    c.outcome = std::move(outcome);
    c.message = std::move(message);
    return c;
  };
  JunitCase a = streamed("tests/t.py::a", "passed");
  JunitCase b = streamed("tests/t.py::TestX::b", "passed");
  JunitCase crash =
      streamed("tests/t.py::crash", "error", "worker crashed while running this test (signal 11)");
  facts.streamed = {a, b, crash};
  facts.partial = "interrupted";
  facts.not_run = 3;
  auto merged = merge_junit({w0}, "aqe", facts);
  ASSERT_TRUE(merged.ok());
  auto cases = parse_junit(*merged, "merged");
  ASSERT_TRUE(cases.ok());
  std::map<std::string, std::string> outcome;
  for (const auto& c : *cases) outcome[c.test_id] = c.outcome;
  EXPECT_EQ(outcome, (std::map<std::string, std::string>{{"tests/t.py::a", "passed"},
                                                         {"tests/t.py::TestX::b", "passed"},
                                                         {"tests/t.py::crash", "error"},
                                                         {"aqe::run", "error"}}));
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(merged->c_str()));
  auto suite = doc.child("testsuites").child("testsuite");
  EXPECT_EQ(suite.attribute("errors").as_int(), 2);
  EXPECT_STREQ(suite.child("properties").child("property").attribute("value").as_string(), "interrupted");
}

// pytest 7 for a passing test whose fixture teardown raises, and a failing one whose teardown
// also raises (pytest's summary: "1 failed, 1 passed, 2 errors").
const char* kTeardownReport = R"(<testsuite>
<testcase classname="test_td" name="test_pass_td" file="test_td.py" line="7" time="0.006"><error message="failed on teardown with &quot;RuntimeError: teardown boom&quot;">E RuntimeError</error></testcase>
<testcase classname="test_td" name="test_fail_td" file="test_td.py" line="10" time="0.001"><failure message="assert False">E assert False</failure></testcase>
<testcase classname="test_td" name="test_fail_td" file="test_td.py" line="10" time="0.001"><error message="failed on teardown with &quot;RuntimeError: teardown boom&quot;">E RuntimeError</error></testcase>
</testsuite>)";

TEST(ParseJunit, TeardownErrorKeepsTheCallOutcome) {
  auto cases = parse_junit(kTeardownReport, "td.xml");
  ASSERT_TRUE(cases.ok());
  ASSERT_EQ(cases->size(), 2u);
  EXPECT_EQ((*cases)[0].test_id, "test_td.py::test_pass_td");
  EXPECT_EQ((*cases)[0].outcome, "passed");
  EXPECT_TRUE((*cases)[0].teardown_error);
  EXPECT_NE((*cases)[0].teardown_message.find("teardown boom"), std::string::npos);
  EXPECT_EQ((*cases)[1].outcome, "failed");
  EXPECT_EQ((*cases)[1].message, "assert False");
  EXPECT_TRUE((*cases)[1].teardown_error);
}

TEST(MergeJunit, KeepsBothTestcasesOfOneTestFromOneDocument) {
  auto merged = merge_junit({kTeardownReport}, "aqe");
  ASSERT_TRUE(merged.ok());
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(merged->c_str()));
  auto suite = doc.child("testsuites").child("testsuite");
  EXPECT_EQ(suite.attribute("tests").as_int(), 3);
  EXPECT_EQ(suite.attribute("failures").as_int(), 1);
  EXPECT_EQ(suite.attribute("errors").as_int(), 2);
  // A retry's document replaces both.
  const std::string retry =
      R"(<testsuite><testcase classname="test_td" name="test_fail_td" file="test_td.py" time="0.5"/></testsuite>)";
  auto again = merge_junit({kTeardownReport, retry}, "aqe");
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE(doc.load_string(again->c_str()));
  suite = doc.child("testsuites").child("testsuite");
  EXPECT_EQ(suite.attribute("tests").as_int(), 2);
  EXPECT_EQ(suite.attribute("failures").as_int(), 0);
  EXPECT_EQ(suite.attribute("errors").as_int(), 1);
}

// A retry's testcase keeps the earlier attempts' failures as surefire writes reruns, and the
// gate's reader counts the merged report as the run was: flaky (passed on a retry), failed.
TEST(MergeJunit, EarlierAttemptsBecomeFlakyOrRerunChildrenAndCountAsTheRunDid) {
  const std::string first = R"(<testsuite>
      <testcase classname="t" name="flaky" file="t.py" time="0.1"><failure message="first">tb1</failure></testcase>
      <testcase classname="t" name="broken" file="t.py" time="0.1"><failure message="b1">tb</failure></testcase>
      <testcase classname="t" name="err" file="t.py" time="0.1"><error message="failed on setup with x"/></testcase>
      <testcase classname="t" name="ok" file="t.py" time="0.1"/></testsuite>)";
  const std::string second = R"(<testsuite>
      <testcase classname="t" name="flaky" file="t.py" time="0.2"><failure message="second"/></testcase>
      <testcase classname="t" name="broken" file="t.py" time="0.2"><failure message="b2"/></testcase>
      <testcase classname="t" name="err" file="t.py" time="0.2"/></testsuite>)";
  const std::string third = R"(<testsuite>
      <testcase classname="t" name="flaky" file="t.py" time="0.3"/>
      <testcase classname="t" name="broken" file="t.py" time="0.3"><failure message="b3"/></testcase></testsuite>)";
  auto merged = merge_junit({first, second, third}, "aqe");
  ASSERT_TRUE(merged.ok());
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(merged->c_str()));
  std::map<std::string, std::vector<std::string>> children;  // name -> "tag:message"
  for (auto tc : doc.child("testsuites").child("testsuite").children("testcase")) {
    auto& list = children[tc.attribute("name").as_string()];
    for (auto c : tc.children())
      list.push_back(std::string(c.name()) + ":" + c.attribute("message").as_string());
  }
  const std::map<std::string, std::vector<std::string>> expected = {
      {"flaky", {"flakyFailure:first", "flakyFailure:second"}},
      {"broken", {"rerunFailure:b1", "rerunFailure:b2", "failure:b3"}},
      {"err", {"flakyError:failed on setup with x"}},
      {"ok", {}},
  };
  EXPECT_EQ(children, expected);
  // The earlier attempt's traceback is kept with it.
  EXPECT_NE(merged->find("<flakyFailure message=\"first\">tb1</flakyFailure>"), std::string::npos) << *merged;
  auto cases = read_junit_report(*merged, "merged.xml");
  ASSERT_TRUE(cases.ok());
  const TestCounts n = count_testcases(*cases);
  EXPECT_EQ(n.passed, 1);
  EXPECT_EQ(n.flaky, 2);
  EXPECT_EQ(n.failed, 1);
  EXPECT_EQ(n.errors, 0);
  auto suite = doc.child("testsuites").child("testsuite");
  EXPECT_EQ(suite.attribute("tests").as_int(), 4);
  EXPECT_EQ(suite.attribute("failures").as_int(), 1);
  EXPECT_EQ(suite.attribute("errors").as_int(), 0);
}

// The times aqe writes are milliseconds, as pytest's: not a double's 17 digits.
TEST(MergeJunit, TimesAreWrittenToTheMillisecond) {
  const std::string w = R"(<testsuite><testcase classname="t" name="a" file="t.py" time="0.1"/>
      <testcase classname="t" name="b" file="t.py" time="0.2"/></testsuite>)";
  JunitRunFacts facts;
  JunitCase streamed;
  streamed.test_id = "t.py::c";
  streamed.file = "t.py";
  streamed.outcome = "passed";
  streamed.time_s = 1.0 / 3.0;
  facts.streamed = {streamed};
  facts.partial = "timeout";
  auto merged = merge_junit({w}, "aqe", facts);
  ASSERT_TRUE(merged.ok());
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(merged->c_str()));
  auto suite = doc.child("testsuites").child("testsuite");
  EXPECT_STREQ(suite.attribute("time").as_string(), "0.633");
  std::vector<std::string> times;
  for (auto tc : suite.children("testcase")) times.emplace_back(tc.attribute("time").as_string());
  EXPECT_EQ(times, (std::vector<std::string>{"0.1", "0.2", "0.333", "0.000"}));
}

// aqe's workers write a failing test's captured sections as pytest's terminal shows them.
const char* kCapturedReport = R"(<testsuite>
<testcase classname="t" name="test_out" file="t.py" line="1" time="0.1"><failure message="assert 1 == 2">E   assert 1 == 2</failure><system-out>--- Captured stdout call ---
hello
</system-out><system-err>--- Captured stderr call ---
oops
</system-err></testcase>
<testcase classname="t" name="test_td" file="t.py" line="5" time="0.1"><error message="failed on teardown with &quot;RuntimeError: td&quot;">E   RuntimeError: td</error><system-out>--- Captured stdout teardown ---
bye
</system-out></testcase>
<testcase classname="t" name="test_quiet" file="t.py" line="9" time="0.1"><failure message="boom">E   boom</failure></testcase>
</testsuite>)";

TEST(ParseJunit, CapturedOutputAndTeardownDetails) {
  auto cases = parse_junit(kCapturedReport, "c.xml");
  ASSERT_TRUE(cases.ok());
  ASSERT_EQ(cases->size(), 3u);
  EXPECT_EQ((*cases)[0].details, "E   assert 1 == 2");
  EXPECT_EQ((*cases)[0].captured,
            "--- Captured stdout call ---\nhello\n--- Captured stderr call ---\noops\n");
  EXPECT_TRUE((*cases)[1].teardown_error);
  EXPECT_EQ((*cases)[1].teardown_details, "E   RuntimeError: td");
  EXPECT_EQ((*cases)[1].captured, "--- Captured stdout teardown ---\nbye\n");
  EXPECT_EQ((*cases)[2].captured, "");
}

TEST(MergeJunit, KeepsCapturedOutput) {
  auto merged = merge_junit({kCapturedReport}, "aqe");
  ASSERT_TRUE(merged.ok());
  auto cases = parse_junit(*merged, "merged.xml");
  ASSERT_TRUE(cases.ok());
  ASSERT_EQ(cases->size(), 3u);
  EXPECT_EQ((*cases)[0].captured,
            "--- Captured stdout call ---\nhello\n--- Captured stderr call ---\noops\n");
}

}  // namespace
}  // namespace aqe::results
