#include "aqe/gen/llm_engine.h"

#include <gtest/gtest.h>

namespace aqe::gen {
namespace {

TEST(LlmEngine, ExtractsThePythonBlockFirst) {
  EXPECT_EQ(extract_code_block("Here:\n```python\ndef test_a():\n    pass\n```\nbye"),
            "def test_a():\n    pass\n");
  EXPECT_EQ(extract_code_block("```\nx = 1\n```"), "x = 1\n");
  EXPECT_EQ(extract_code_block("```py\ny = 2\n```"), "y = 2\n");
  // An unterminated block runs to the end of the reply.
  EXPECT_EQ(extract_code_block("```python\ndef test_b(): pass"), "def test_b(): pass\n");
  EXPECT_EQ(extract_code_block("def test_c():\n    pass\n"), "def test_c():\n    pass\n");
  EXPECT_EQ(extract_code_block("I cannot help with that."), "");
}

TEST(LlmEngine, LineRangesAndTestCount) {
  EXPECT_EQ(line_ranges({3, 4, 5, 9, 11, 12}), "3-5, 9, 11-12");
  EXPECT_EQ(line_ranges({}), "");
  EXPECT_EQ(
      count_tests(
          "def test_a():\n    pass\n\ndef helper():\n    def test_inner(): pass\nasync def test_b():\n"),
      2);
}

TEST(LlmEngine, WorstCaseIsBytesOverThreePlusMaxOutput) {
  llm::ModelRequest r;
  r.system = std::string(100, 'x');
  r.prompt = std::string(200, 'y');
  r.max_tokens = 1000;
  llm::Price p;
  p.input = 3;
  p.output = 15;
  // 300 bytes / 3 = 100 prompt tokens x $3/M + 1000 x $15/M.
  EXPECT_DOUBLE_EQ(worst_case_usd(r, p), (100 * 3.0 + 1000 * 15.0) / 1e6);
}

TEST(LlmEngine, PromptHoldsSourceLinesTestsAndFailure) {
  PromptInput in{"src/calc.py", "calc", "def f():\n    return 1\n", {2}, {"test_f_1"}, {}, {}, {}};
  auto first = build_prompt(in, 512);
  EXPECT_EQ(first.max_tokens, 512);
  EXPECT_NE(first.prompt.find("def f():"), std::string::npos);
  EXPECT_NE(first.prompt.find("not executed by the existing tests: 2."), std::string::npos);
  EXPECT_NE(first.prompt.find("test_f_1"), std::string::npos);
  EXPECT_EQ(first.prompt.find("discarded"), std::string::npos);
  in.failure = "its tests failed:\nAssertionError";
  in.previous = "def test_x(): assert 0\n";
  auto again = build_prompt(in, 512);
  EXPECT_NE(again.prompt.find("It was discarded: its tests failed:\nAssertionError"), std::string::npos);
  EXPECT_NE(again.prompt.find("def test_x(): assert 0"), std::string::npos);
}

TEST(LlmEngine, PromptListsTheBranchesNeverTaken) {
  EXPECT_EQ(branch_list({{6, 7}, {6, -1}, {9, 12}}), "6->7, 6->exit, 9->12");
  PromptInput in{"src/calc.py",    "calc", "def f(x):\n    if x:\n        return 1\n", {}, {}, {}, {},
                 {{2, 3}, {2, -1}}};
  auto r = build_prompt(in, 512);
  EXPECT_NE(r.prompt.find("never taken by the existing tests"), std::string::npos) << r.prompt;
  EXPECT_NE(r.prompt.find("2->3, 2->exit."), std::string::npos) << r.prompt;
  // No line is missing: no empty line list.
  EXPECT_EQ(r.prompt.find("These lines are not executed"), std::string::npos) << r.prompt;
}

}  // namespace
}  // namespace aqe::gen
