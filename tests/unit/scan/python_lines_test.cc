// The lexical pass behind snippet parsing: logical lines, literals, comments, and snippets
// that parse on their own and map back to the right line and column.
#include "aqe/scan/python_lines.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>

#include "aqe/scan/scan_engine.h"

namespace aqe::scan {
namespace {

namespace fs = std::filesystem;

TEST(PythonLines, SplitsLogicalLinesAcrossBracketsStringsAndContinuations) {
  std::string src =
      "import os\n"
      "x = (1,\n"
      "     2)  # tail\n"
      "# only a comment\n"
      "\n"
      "def f(a):\n"
      "    '''doc with eval(x)\n"
      "    and a ) bracket'''\n"
      "    y = 1 + \\\n"
      "        2\n"
      "    return a\n";
  PythonLines pl(src);
  const auto& lines = pl.lines();
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(src.substr(lines[1].code, lines[1].end - lines[1].code), "x = (1,\n     2)  # tail");
  EXPECT_EQ(lines[2].colon, src.find("):") + 1);
  EXPECT_EQ(lines[3].indent, 4);
  EXPECT_EQ(lines[3].parent, 2u);
  EXPECT_EQ(lines[2].parent, LogicalLine::kNone);
  EXPECT_EQ(src.substr(lines[4].code, lines[4].end - lines[4].code), "y = 1 + \\\n        2");
  EXPECT_TRUE(pl.in_literal(src.find("eval")));
  EXPECT_TRUE(pl.in_comment(src.find("tail")));
  EXPECT_TRUE(pl.in_comment(src.find("only a")));
  EXPECT_FALSE(pl.in_literal(src.find("import")));
  EXPECT_EQ(pl.line_of(src.find("return")), 5u);
  EXPECT_EQ(pl.line_of(src.find("only a")), LogicalLine::kNone);
}

TEST(PythonLines, UnclosedStringStopsAtLineEndAndMarksTheFileUnbalanced) {
  std::string src = "s = 'abc\nt = 1\n";
  PythonLines pl(src);
  EXPECT_EQ(pl.lines().size(), 2u);
  EXPECT_FALSE(pl.in_literal(src.find("t =")));
  EXPECT_FALSE(pl.balanced());
  EXPECT_TRUE(PythonLines("x = (1,\n 2)\n").balanced());
  EXPECT_FALSE(PythonLines("x = (1,\n 2\n").balanced());
}

TEST(PythonSnippet, KeepsEnclosingDefsAndReplacesOtherHeaders) {
  std::string src =
      "class A:\n"
      "    def make_token(self):\n"
      "        for i in range(3):\n"
      "            pass\n"
      "        if x:\n"
      "            y = 1\n"
      "        else:\n"
      "            return random.choice(s)\n";
  PythonLines pl(src);
  PythonSnippet sn(src, pl, {pl.line_of(src.find("return"))});
  EXPECT_EQ(sn.text(),
            "class A:\n"
            "    def make_token(self):\n"
            "        if 1:\n"
            "            return random.choice(s)\n");
  size_t at = sn.text().find("random");
  EXPECT_EQ(sn.original(at), src.find("random"));
  EXPECT_EQ(sn.original(sn.text().find("if 1")), LogicalLine::kNone);
}

// Code findings from snippet parsing equal those from parsing the whole file: padding makes
// the chosen statements a small part of the file so the snippet path is taken.
class SnippetScan : public ::testing::Test {
 protected:
  void SetUp() override {
    auto e = ScanEngine::build({}, true, fs::temp_directory_path() / "aqe-unit-scan-cache");
    ASSERT_TRUE(e.ok()) << e.error().message;
    engine_ = std::move(e.value());
    ASSERT_TRUE(engine_->init_worker(worker_).ok());
  }
  std::set<std::string> found(const std::string& text) {
    std::set<std::string> out;
    for (const Finding& f : engine_->scan_text(text, "app/mod.py", worker_).findings)
      out.insert(f.rule_id + "@" + std::to_string(f.line) + ":" + std::to_string(f.column));
    return out;
  }
  std::unique_ptr<ScanEngine> engine_;
  ScanEngine::Worker worker_;
};

std::string padding() {
  std::string pad;
  for (int i = 0; i < 200; ++i)
    pad += "value_" + std::to_string(i) + " = compute(" + std::to_string(i) + ")\n";
  return pad;
}

TEST_F(SnippetScan, HeadersDecoratorsAndContinuationClausesParse) {
  std::string src = padding() +
                    "class Handler:\n"
                    "    @route(eval(spec))\n"
                    "    def handle(self, req):\n"
                    "        if req.a:\n"
                    "            pass\n"
                    "        elif eval(req.b):\n"
                    "            os.system(\n"
                    "                req.c)\n"
                    "        try:\n"
                    "            pass\n"
                    "        except pickle.loads(b) as e:\n"
                    "            pass\n"
                    "        else:\n"
                    "            subprocess.run(cmd,\n"
                    "                           shell=True)\n"
                    "\n"
                    "def new_session():\n"
                    "    reset_token = random.choice(letters)\n"
                    "    return '''docstring eval(x) os.system(y)'''\n" +
                    padding();
  std::set<std::string> expected = {"py-eval@202:12",
                                    "py-eval@206:14",
                                    "py-os-system@207:13",
                                    "py-pickle-load@211:16",
                                    "py-subprocess-shell@214:13",
                                    "py-insecure-random@218:19"};
  EXPECT_EQ(found(src), expected);
}

TEST_F(SnippetScan, UnclosedBracketElsewhereFallsBackToTheWholeFileAndItsWarning) {
  std::string src = padding() + "os.system(cmd)\n" + padding() + "def broken(:\n    pass\n";
  auto out = engine_->scan_text(src, "app/mod.py", worker_);
  EXPECT_FALSE(out.warning.empty()) << "an open bracket must send the file to the whole-file parse";
}

}  // namespace
}  // namespace aqe::scan
