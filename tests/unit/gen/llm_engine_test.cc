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

constexpr std::string_view kTwoFunctions =
    "import math\n\n\ndef add(a, b):\n    return a + b\n\n\ndef sign(x):\n    if x > 0:\n        return 1\n"
    "    return -1\n";

PromptInput input_for(const std::string& name, const std::vector<int64_t>& lines,
                      const std::vector<Arc>& arcs) {
  const ModuleOutline o = outline_module(kTwoFunctions);
  for (auto& s : uncovered_segments(o, lines, arcs))
    if (s.name == name) return {"src/calc.py", "calc", kTwoFunctions, s, segment_context(o, s), {}, {}, {}};
  ADD_FAILURE() << "no segment " << name;
  return {};
}

TEST(LlmEngine, PromptHoldsOnlyItsSegmentsSourceAndLines) {
  PromptInput in = input_for("sign", {5, 10, 11}, {{9, 10}});
  in.existing_tests = {"test_add_1"};
  auto first = build_prompt(in, 512);
  const std::string& p = first.prompt;
  EXPECT_EQ(first.max_tokens, 512);
  EXPECT_NE(p.find("The function `sign`, lines 8-11 of the file"), std::string::npos) << p;
  EXPECT_NE(p.find(">   10          return 1\n"), std::string::npos) << p;
  EXPECT_NE(p.find("     9      if x > 0:\n"), std::string::npos) << p;
  // Its own lines and branches only; the other function by its signature.
  EXPECT_NE(p.find("not executed by the existing tests: 10-11."), std::string::npos) << p;
  EXPECT_NE(p.find("never taken by the existing tests"), std::string::npos) << p;
  EXPECT_NE(p.find(": 9->10."), std::string::npos) << p;
  EXPECT_EQ(p.find("return a + b"), std::string::npos) << p;
  EXPECT_NE(p.find("import math\n\ndef add(a, b): ...\n"), std::string::npos) << p;
  EXPECT_NE(p.find("test_add_1"), std::string::npos);
  EXPECT_EQ(p.find("discarded"), std::string::npos);
  in.failure = "its tests failed:\nAssertionError";
  in.previous = "def test_x(): assert 0\n";
  auto again = build_prompt(in, 512);
  EXPECT_NE(again.prompt.find("It was discarded: its tests failed:\nAssertionError"), std::string::npos);
  EXPECT_NE(again.prompt.find("def test_x(): assert 0"), std::string::npos);
}

TEST(LlmEngine, PromptListsTheBranchesNeverTaken) {
  EXPECT_EQ(branch_list({{6, 7}, {6, -1}, {9, 12}}), "6->7, 6->exit, 9->12");
  auto r = build_prompt(input_for("sign", {}, {{9, 10}, {9, -1}}), 512);
  EXPECT_NE(r.prompt.find("9->10, 9->exit."), std::string::npos) << r.prompt;
  // No line is missing: no empty line list.
  EXPECT_EQ(r.prompt.find("These lines are not executed"), std::string::npos) << r.prompt;
}

TEST(LlmEngine, TestNamesAndRanges) {
  EXPECT_EQ(test_names("def test_a():\n    pass\nasync def test_b(x):\n    def test_inner(): pass\n"),
            (std::vector<std::string>{"test_a", "test_b"}));
  EXPECT_EQ(ranges_text({{1, 3}, {10, 10}}), "1-3, 10");
}

}  // namespace
}  // namespace aqe::gen
