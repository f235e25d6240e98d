#include <gtest/gtest.h>

#include <string>

#include "aqe/execute/execute.h"

namespace aqe::execute {
namespace {

std::string numbered_lines(int n) {
  std::string s;
  for (int i = 1; i <= n; ++i) s += "line " + std::to_string(i) + "\n";
  return s;
}

TEST(ReportExcerpt, ShortReportsAreWhole) {
  EXPECT_EQ(report_excerpt("E   assert 1 == 2\nt.py:3: AssertionError\n", "/r/junit.xml"),
            "E   assert 1 == 2\nt.py:3: AssertionError");
  EXPECT_EQ(report_excerpt("", "/r/junit.xml"), "");
  EXPECT_EQ(report_excerpt(numbered_lines(kExcerptLines), "j.xml"),
            numbered_lines(kExcerptLines).substr(0, numbered_lines(kExcerptLines).size() - 1));
}

TEST(ReportExcerpt, CapsLinesAndNamesTheJunitFile) {
  const std::string text = numbered_lines(100);
  const std::string got = report_excerpt(text, "/r/junit.xml");
  EXPECT_EQ(got.rfind(numbered_lines(kExcerptLines), 0), 0u) << got;
  EXPECT_EQ(got.find("line 41"), std::string::npos);
  const std::string rest = text.substr(numbered_lines(kExcerptLines).size());
  EXPECT_NE(got.find("[... " + std::to_string(rest.size() - 1) + " more bytes (60 lines) in /r/junit.xml]"),
            std::string::npos)
      << got;
  EXPECT_NE(report_excerpt(text, "").find("(60 lines) not shown]"), std::string::npos);
}

TEST(ReportExcerpt, CapsBytesAndCutsAHugeLineOnACharacterBoundary) {
  // Lines of 1000 bytes: the fifth would pass 4 KB.
  std::string text;
  for (int i = 0; i < 10; ++i) text += std::string(999, 'a' + i) + "\n";
  std::string got = report_excerpt(text, "j.xml");
  EXPECT_NE(got.find(std::string(999, 'd')), std::string::npos);
  EXPECT_EQ(got.find(std::string(10, 'e')), std::string::npos) << got.substr(0, 100);
  EXPECT_NE(got.find("more bytes (6 lines) in j.xml]"), std::string::npos);

  // One 10 MB line of two-byte characters: its first 4 KB, never half a character.
  std::string huge = "E   AssertionError: ";
  for (int i = 0; i < 1000000; ++i) huge += "\xc3\xa9";
  got = report_excerpt(huge, "j.xml");
  const size_t note = got.find("\n[... ");
  ASSERT_NE(note, std::string::npos);
  EXPECT_LE(note, kExcerptBytes);
  EXPECT_GT(note, kExcerptBytes - 2);
  EXPECT_EQ((note - 20) % 2, 0u);  // whole characters after the 20-byte prefix
  EXPECT_NE(got.find("(1 line) in j.xml]"), std::string::npos);
}

ExecuteReport report_with(std::vector<TestFailure> failures) {
  ExecuteReport r;
  r.framework = "pytest";
  r.failed = static_cast<int64_t>(failures.size());
  r.failures = std::move(failures);
  r.junit_xml = "/r/junit.xml";
  return r;
}

TEST(ExecuteText, PrintsTheLongReportIndentedAndEscaped) {
  TestFailure f{
      "t.py::test_a",
      "t.py",
      3,
      "assert [1, 2, 3] == [1, 2, 4]\n  At index 2 diff: 3 != 4",
      "failed",
      "    def test_a():\n>       assert [1, 2, 3] == [1, 2, 4]\nE       assert [1, 2, 3] == [1, 2, 4]\n"
      "E         At index 2 diff: 3 != 4\n\nt.py:3: AssertionError\n"
      "---- Captured stdout call ----\nbell \x1b[2J here\n"};
  const std::string text = to_text(report_with({f}));
  EXPECT_NE(text.find("FAILED t.py::test_a (t.py:3)\n        def test_a():\n    >       assert"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\n    E         At index 2 diff: 3 != 4\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\n    ---- Captured stdout call ----\n    bell \\x1b[2J here\n"), std::string::npos)
      << text;
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  // The message is in the report already: not printed twice.
  EXPECT_EQ(text.find("\n    assert [1, 2, 3] == [1, 2, 4]\n"), std::string::npos) << text;
}

TEST(ExecuteText, AMessageTheReportDoesNotHoldComesFirst) {
  TestFailure f{"t.py::test_a",
                "t.py",
                0,
                "worker crashed while running this test (signal 9)",
                "error",
                "Fatal Python error: Segmentation fault\n"};
  const std::string text = to_text(report_with({f}));
  EXPECT_NE(text.find("ERROR t.py::test_a (t.py)\n    worker crashed while running this test (signal 9)\n"
                      "    Fatal Python error: Segmentation fault\n"),
            std::string::npos)
      << text;
}

TEST(ExecuteText, LongReportsAreCappedInTotal) {
  std::vector<TestFailure> failures;
  for (int i = 0; i < 30; ++i) {
    failures.push_back({"t.py::test_" + std::to_string(i), "t.py", 1, "boom " + std::to_string(i), "failed",
                        numbered_lines(100)});
  }
  const std::string text = to_text(report_with(failures));
  // Ten reports of 41 lines (40 and the note), then the first line of each message.
  EXPECT_NE(text.find("FAILED t.py::test_9 (t.py:1)\n    boom 9\n    line 1\n"), std::string::npos);
  EXPECT_NE(text.find("FAILED t.py::test_10 (t.py:1)\n    boom 10\nFAILED t.py::test_11"), std::string::npos)
      << text;
  EXPECT_NE(text.find("(the long reports of 20 more failures are in /r/junit.xml)\n"), std::string::npos);
  EXPECT_LT(text.size(), 30000u);
}

TEST(ExecuteJson, FailuresCarryACappedDetails) {
  TestFailure f{"t.py::test_a", "t.py", 3, "boom", "failed", numbered_lines(100)};
  const auto j = to_json(report_with({f}));
  const std::string details = j["failures"][0]["details"];
  EXPECT_EQ(details, report_excerpt(numbered_lines(100), "/r/junit.xml"));
  EXPECT_EQ(j["failures"][0]["message"], "boom");
}

}  // namespace
}  // namespace aqe::execute
