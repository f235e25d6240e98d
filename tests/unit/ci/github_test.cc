#include "aqe/ci/github.h"

#include <gtest/gtest.h>

#include <algorithm>

#include <string>
#include <vector>

namespace aqe::ci {
namespace {

using Level = Annotation::Level;

Annotation ann(Level level, const std::string& file, int64_t line, const std::string& msg) {
  Annotation a;
  a.level = level;
  a.file = file;
  a.line = line;
  a.title = "T";
  a.message = msg;
  return a;
}

// A line of output that the runner would read as a workflow command.
bool starts_command(const std::string& text) {
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find_first_of("\r\n", pos);
    std::string line = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    if (line.rfind("::", 0) == 0) return true;
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return false;
}

TEST(GithubEscape, DataAndProperties) {
  EXPECT_EQ(escape_data("50% a\r\nb:c,d"), "50%25 a%0D%0Ab:c,d");
  EXPECT_EQ(escape_property("50% a\r\nb:c,d"), "50%25 a%0D%0Ab%3Ac%2Cd");
  EXPECT_EQ(escape_data("%0A"), "%250A");  // an escape in the input stays text
  EXPECT_EQ(escape_data("a\x1b[2J\tb"), "a\\x1b[2J\tb");
}

TEST(GithubEscape, AnnotationCannotInjectACommand) {
  Annotation a = ann(Level::kError, "tests/a,b:c.py", 7, "boom\n::error::pwned\r::set-output name=x::y");
  a.title = "Test failed: test_x\n::error::pwned";
  const std::string line = format_annotation(a);
  EXPECT_EQ(line,
            "::error file=tests/a%2Cb%3Ac.py,line=7,title=Test failed%3A test_x%0A%3A%3Aerror%3A%3Apwned"
            "::boom%0A::error::pwned%0D::set-output name=x::y");
  EXPECT_EQ(line.find_first_of("\r\n"), std::string::npos);
  EXPECT_EQ(format_annotation(ann(Level::kNotice, "", 0, "n")), "::notice title=T::n");
}

TEST(GithubBudget, ChangedFilesFirstThenOneNotice) {
  std::vector<Annotation> all;
  for (int i = 0; i < 8; ++i) all.push_back(ann(Level::kError, "old.py", i + 1, "old"));
  for (int i = 0; i < 5; ++i) all.push_back(ann(Level::kError, "new.py", i + 1, "new"));
  all.push_back(ann(Level::kWarning, "old.py", 99, "w"));
  auto out = spend_budget(all, {"new.py"}, "aqe execute", "failed tests");
  ASSERT_EQ(out.size(), 12u);  // 10 errors, 1 warning, 1 notice
  for (int i = 0; i < 5; ++i) EXPECT_EQ(out[i].rfind("::error file=new.py,", 0), 0u) << out[i];
  for (int i = 5; i < 10; ++i) EXPECT_EQ(out[i].rfind("::error file=old.py,", 0), 0u) << out[i];
  EXPECT_EQ(out[10].rfind("::warning file=old.py,line=99", 0), 0u);
  EXPECT_EQ(out[11],
            "::notice title=aqe execute::3 more failed tests not annotated: GitHub shows 10 errors and 10 "
            "warnings per step; the step summary and --json list them");
}

TEST(GithubBudget, DroppedChangedOnesAreCountedAndNothingDroppedMeansNoNotice) {
  std::vector<Annotation> all;
  for (int i = 0; i < 12; ++i) all.push_back(ann(Level::kWarning, "a.py", i + 1, "m"));
  all.push_back(ann(Level::kWarning, "", 0, "step-level"));
  auto out = spend_budget(all, {"a.py"}, "t", "findings", {3, 3, 10});
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0], "::warning file=a.py,line=1,title=T::m");
  EXPECT_NE(out[3].find("10 more findings not annotated (10 of them in changed files)"), std::string::npos);
  EXPECT_EQ(spend_budget({ann(Level::kError, "x.py", 1, "m")}, {}, "t", "f").size(), 1u);
  EXPECT_TRUE(spend_budget({}, {}, "t", "f").empty());
}

TEST(GithubOutput, PlainAndHeredoc) {
  EXPECT_EQ(output_entry("passed", "12", "D"), "passed=12\n");
  EXPECT_EQ(output_entry("msg", "a\nb=c", "D"), "msg<<D\na\nb=c\nD\n");
  // A value that holds the delimiter cannot end the heredoc early.
  const std::string e = output_entry("msg", "x\nD\nevil=1", "D");
  EXPECT_EQ(e, "msg<<D_x\nx\nD\nevil=1\nD_x\n");
  const std::string d1 = random_delimiter(), d2 = random_delimiter();
  EXPECT_NE(d1, d2);
  EXPECT_GE(d1.size(), 32u);
  EXPECT_EQ(output_entries({{"a", "1"}, {"b", ""}}, d1), "a=1\nb=\n");
}

TEST(GithubMarkdown, ProjectTextStaysText) {
  EXPECT_EQ(markdown_text("a|b<script>`x`"), "a\\|b\\<script\\>\\`x\\`");
  EXPECT_EQ(markdown_text("l1\nl2\r\x1b"), "l1 l2  ");
  EXPECT_FALSE(starts_command(markdown_text("x\n::error::pwned")));
  // Cut at a character boundary: "é" is two bytes.
  EXPECT_EQ(markdown_text("aé", 2), "a…");
  EXPECT_EQ(markdown_text("abc", 3), "abc");
}

TEST(GithubSummary, FitsTheLimitWithACount) {
  std::string md;
  for (int i = 0; i < 1000; ++i) md += "| row " + std::to_string(i) + " |\n";
  EXPECT_EQ(fit_summary(md, md.size()), md);
  const std::string cut = fit_summary(md, 1000);
  EXPECT_LE(cut.size(), 1000u);
  const size_t kept = std::count(cut.begin(), cut.end(), '\n') - 2;  // the blank line and the count
  EXPECT_NE(cut.find("… and " + std::to_string(1000 - kept) + " more lines\n"), std::string::npos) << cut;
  std::string big(2 * kSummaryLimit, 'x');
  big += "\n";
  EXPECT_LE(fit_summary(big).size(), kSummaryLimit);
}

}  // namespace
}  // namespace aqe::ci
