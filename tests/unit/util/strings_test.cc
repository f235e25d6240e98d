#include "aqe/util/strings.h"

#include <gtest/gtest.h>

namespace aqe {
namespace {

TEST(EditDistance, Cases) {
  struct Case {
    const char* a;
    const char* b;
    size_t d;
  };
  for (const auto& c : std::vector<Case>{{"", "", 0},
                                         {"abc", "abc", 0},
                                         {"abc", "abd", 1},
                                         {"execute", "exectue", 2},
                                         {"", "abc", 3},
                                         {"kitten", "sitting", 3}}) {
    EXPECT_EQ(edit_distance(c.a, c.b), c.d) << c.a << " vs " << c.b;
  }
}

TEST(ClosestMatch, SuggestsNearNamesOnly) {
  std::vector<std::string> cands{"execute", "generate", "quality-gate", "security-scan"};
  EXPECT_EQ(closest_match("exeucte", cands), "execute");
  EXPECT_EQ(closest_match("generat", cands), "generate");
  EXPECT_EQ(closest_match("zzz", cands), "");
  EXPECT_EQ(closest_match("quality-gat", cands), "quality-gate");
}

TEST(Split, KeepsEmptyFields) {
  EXPECT_EQ(split("a,,b", ','), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(split("", ','), (std::vector<std::string>{""}));
}

TEST(LineCol, OfOffset) {
  struct Case {
    const char* text;
    size_t offset;
    int line, column;
  };
  for (const auto& c : std::vector<Case>{{"ab\ncd", 0, 1, 1},
                                         {"ab\ncd", 2, 1, 3},
                                         {"ab\ncd", 3, 2, 1},
                                         {"ab\ncd", 4, 2, 2},
                                         {"ab\ncd", 5, 2, 3},
                                         {"ab\ncd", 99, 2, 3},  // past the end: the end
                                         {"", 0, 1, 1},
                                         {"\n\n", 2, 3, 1},
                                         {"a\r\nb", 3, 2, 1}}) {  // columns count bytes, '\r' too
    const LineCol at = line_col(c.text, c.offset);
    EXPECT_EQ(at.line, c.line) << c.text << " @" << c.offset;
    EXPECT_EQ(at.column, c.column) << c.text << " @" << c.offset;
  }
}

TEST(Printable, ControlsAndBytesThatAreNotUtf8AreShownAsHex) {
  EXPECT_EQ(printable("test_a\x1b[2J\r\n"), "test_a\\x1b[2J\\x0d\\x0a");
  EXPECT_EQ(printable("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
            "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  EXPECT_EQ(printable("k\xff"
                      "ey"),
            "k\\xffey");
  EXPECT_EQ(printable("\xc2\x9b"
                      "31m"),
            "\\xc2\\x9b31m");                               // C1 CSI
  EXPECT_EQ(printable("\xc0\xaf"), "\\xc0\\xaf");           // overlong '/'
  EXPECT_EQ(printable("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // a surrogate
  EXPECT_EQ(printable("\xe2\x82"), "\\xe2\\x82");           // cut short
  EXPECT_EQ(printable("\xc2\xa0"), "\xc2\xa0");             // U+00A0 is text
}

}  // namespace
}  // namespace aqe
