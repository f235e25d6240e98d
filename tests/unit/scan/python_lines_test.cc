// The lexical pass behind snippet parsing: logical lines, literals, comments, and snippets
// that parse on their own and map back to the right line and column.
#include "aqe/scan/python_lines.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

// The lexer as first written, one byte at a time: the table-driven lexer must agree with it on
// every logical line, literal and comment.
struct ReferenceLexer {
  struct Line {
    size_t begin, code, end, colon;
    int indent;
  };
  std::vector<Line> lines;
  std::vector<std::pair<size_t, size_t>> literals, comments;
  bool balanced = true;

  explicit ReferenceLexer(std::string_view s) {
    const size_t n = s.size();
    auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\f' || c == '\r'; };
    auto comment_end = [&](size_t i) {
      size_t e = s.find('\n', i);
      return e == std::string_view::npos ? n : e;
    };
    auto skip = [&](size_t i) -> size_t {
      const char q = s[i];
      if (i + 2 < n && s[i + 1] == q && s[i + 2] == q) {
        for (size_t j = i + 3; j < n; ++j) {
          if (s[j] == '\\') {
            ++j;
          } else if (s[j] == q && j + 2 < n && s[j + 1] == q && s[j + 2] == q) {
            return j + 3;
          }
        }
        balanced = false;
        return n;
      }
      for (size_t j = i + 1; j < n; ++j) {
        if (s[j] == '\\') {
          ++j;
        } else if (s[j] == q) {
          return j + 1;
        } else if (s[j] == '\n') {
          balanced = false;
          return j;
        }
      }
      balanced = false;
      return n;
    };
    size_t i = 0;
    while (i < n) {
      const size_t start = i;
      int col = 0;
      while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\f')) {
        col = s[i] == '\t' ? (col / 8 + 1) * 8 : col + 1;
        ++i;
      }
      if (i >= n) break;
      if (s[i] == '\n' || s[i] == '\r') {
        ++i;
        continue;
      }
      if (s[i] == '#') {
        size_t e = comment_end(i);
        comments.emplace_back(i, e);
        i = e;
        continue;
      }
      Line line{start, i, 0, LogicalLine::kNone, col};
      int depth = 0;
      size_t last = LogicalLine::kNone;
      while (i < n) {
        const char c = s[i];
        if (c == '\n') {
          if (depth == 0) break;
          ++i;
        } else if (c == '#') {
          size_t e = comment_end(i);
          comments.emplace_back(i, e);
          i = e;
        } else if (c == '\\' && i + 1 < n && (s[i + 1] == '\n' || s[i + 1] == '\r')) {
          i += s[i + 1] == '\r' && i + 2 < n && s[i + 2] == '\n' ? 3 : 2;
        } else if (c == '"' || c == '\'') {
          size_t e = skip(i);
          literals.emplace_back(i, e);
          last = e - 1;
          i = e;
        } else {
          if (c == '(' || c == '[' || c == '{') ++depth;
          if ((c == ')' || c == ']' || c == '}') && depth > 0) --depth;
          if (!blank(c)) last = i;
          ++i;
        }
      }
      if (depth > 0) balanced = false;
      line.end = i;
      if (line.end > line.code && s[line.end - 1] == '\r') --line.end;
      if (last != LogicalLine::kNone && s[last] == ':') line.colon = last;
      lines.push_back(line);
      if (i < n) ++i;
    }
  }
  static size_t inside(const std::vector<std::pair<size_t, size_t>>& spans, size_t pos) {
    for (const auto& [b, e] : spans)
      if (pos >= b && pos < e) return b;
    return LogicalLine::kNone;
  }
};

TEST(PythonLines, AgreesWithTheByteAtATimeLexerOnGeneratedSources) {
  // Fragments heavy in what the lexer decides on: quotes, escapes, brackets, comments, CR.
  const std::vector<std::string> pieces = {"x",
                                           "ab_1",
                                           " ",
                                           "\t",
                                           "\f",
                                           "\n",
                                           "\r\n",
                                           "\r",
                                           "#",
                                           "# c",
                                           "\\",
                                           "\\\n",
                                           "\\\r\n",
                                           "\\\\",
                                           "'",
                                           "\"",
                                           "'''",
                                           "\"\"\"",
                                           "\\'",
                                           "\\\"",
                                           "(",
                                           ")",
                                           "[",
                                           "]",
                                           "{",
                                           "}",
                                           ":",
                                           "def f():",
                                           "    ",
                                           "'s'",
                                           "\"\"\"doc\"\"\"",
                                           "\\\"\"\"",
                                           "\"\"\"\"",
                                           "if 1:\n    ",
                                           "\xc3\xa9",
                                           "\x01"};
  std::uint64_t state = 0x9e3779b97f4a7c15ULL;
  auto next = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  for (int round = 0; round < 4000; ++round) {
    std::string src;
    const size_t count = next() % 40;
    for (size_t k = 0; k < count; ++k) src += pieces[next() % pieces.size()];
    const ReferenceLexer ref(src);
    const PythonLines got(src);
    SCOPED_TRACE(testing::PrintToString(src));
    ASSERT_EQ(got.balanced(), ref.balanced);
    ASSERT_EQ(got.lines().size(), ref.lines.size());
    for (size_t l = 0; l < ref.lines.size(); ++l) {
      EXPECT_EQ(got.lines()[l].begin, ref.lines[l].begin);
      EXPECT_EQ(got.lines()[l].code, ref.lines[l].code);
      EXPECT_EQ(got.lines()[l].end, ref.lines[l].end);
      EXPECT_EQ(got.lines()[l].colon, ref.lines[l].colon);
      EXPECT_EQ(got.lines()[l].indent, ref.lines[l].indent);
    }
    for (size_t pos = 0; pos <= src.size(); ++pos) {
      ASSERT_EQ(got.literal_begin(pos), ReferenceLexer::inside(ref.literals, pos)) << "at " << pos;
      ASSERT_EQ(got.in_comment(pos), ReferenceLexer::inside(ref.comments, pos) != LogicalLine::kNone)
          << "at " << pos;
    }
  }
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
