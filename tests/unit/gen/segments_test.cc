#include "aqe/gen/segments.h"

#include <gtest/gtest.h>

namespace aqe::gen {
namespace {

std::vector<int64_t> all_lines(int64_t n) {
  std::vector<int64_t> out;
  for (int64_t i = 1; i <= n; ++i) out.push_back(i);
  return out;
}

struct Brief {
  std::string kind, name;
  std::vector<LineRange> ranges;
  bool operator==(const Brief&) const = default;
};

std::vector<Brief> briefs(const std::vector<Segment>& segments) {
  std::vector<Brief> out;
  for (const auto& s : segments) out.push_back({std::string(kind_name(s.kind)), s.name, s.ranges});
  return out;
}

void PrintTo(const Brief& b, std::ostream* os) {
  *os << b.kind << " " << b.name << " [";
  for (const auto& [f, l] : b.ranges) *os << f << "-" << l << " ";
  *os << "]";
}

constexpr std::string_view kModule =
    "\"\"\"Docstring.\"\"\"\n"        // 1
    "import os\n"                     // 2
    "from json import dumps\n"        // 3
    "\n"                              // 4
    "LIMIT = 10\n"                    // 5
    "\n"                              // 6
    "\n"                              // 7
    "@functools.cache\n"              // 8
    "def cached(x):\n"                // 9
    "    def inner(y):\n"             // 10
    "        return y + 1\n"          // 11
    "    return inner(x)\n"           // 12
    "\n"                              // 13
    "\n"                              // 14
    "async def fetch(url):\n"         // 15
    "    return url\n"                // 16
    "\n"                              // 17
    "\n"                              // 18
    "class Small:\n"                  // 19
    "    def get(self):\n"            // 20
    "        return 1\n"              // 21
    "\n"                              // 22
    "\n"                              // 23
    "if __name__ == \"__main__\":\n"  // 24
    "    print(cached(1))\n";         // 25

TEST(Segments, TopLevelFunctionsWithDecoratorsNestedDefsAndAsync) {
  const ModuleOutline o = outline_module(kModule);
  ASSERT_TRUE(o.parsed);
  // Nothing covered: every unit, definitions first, module-level code last; imports and the
  // docstring belong to none.
  auto all = uncovered_segments(o, all_lines(25), {});
  EXPECT_EQ(briefs(all), (std::vector<Brief>{{"function", "cached", {{8, 12}}},
                                             {"function", "fetch", {{15, 16}}},
                                             {"class", "Small", {{19, 21}}},
                                             {"module", "", {{5, 5}, {24, 25}}}}));
  EXPECT_EQ(all[0].missing_lines, (std::vector<int64_t>{8, 9, 10, 11, 12}));
  EXPECT_EQ(all[3].file_id, "module_level");
  EXPECT_EQ(o.imports, (std::vector<std::string>{"import os", "from json import dumps"}));
  // Only line 11 (the nested def's body) uncovered: the top-level function holds it.
  auto one = uncovered_segments(o, {11}, {});
  EXPECT_EQ(briefs(one), (std::vector<Brief>{{"function", "cached", {{8, 12}}}}));
  EXPECT_EQ(one[0].missing_lines, (std::vector<int64_t>{11}));
  // Import lines and blank lines are nobody's.
  EXPECT_TRUE(uncovered_segments(o, {2, 3, 4, 13}, {}).empty());
}

TEST(Segments, AOnlyMissingBranchArcMakesASegment) {
  const ModuleOutline o = outline_module("def sign(x):\n    if x > 0:\n        x = 1\n    return x\n");
  auto s = uncovered_segments(o, {}, {{2, 4}});
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].name, "sign");
  EXPECT_TRUE(s[0].missing_lines.empty());
  EXPECT_EQ(s[0].missing_branches, (std::vector<Arc>{{2, 4}}));
  // An exit arc (to < 0) counts by its from line too.
  EXPECT_EQ(uncovered_segments(o, {}, {{2, -1}}).size(), 1u);
  EXPECT_TRUE(uncovered_segments(o, {}, {}).empty());
}

TEST(Segments, ALargeClassIsCutIntoMethodsAndItsBody) {
  std::string src =
      "class Big(Base):\n    \"\"\"Doc.\"\"\"\n    SIZE = 3\n\n    @property\n    def size(self):\n"
      "        return self.SIZE\n\n    async def load(self, path):\n";
  for (int i = 0; i < kWholeClassLines; ++i) src += "        path = path + " + std::to_string(i) + "\n";
  src += "        return path\n";
  const ModuleOutline o = outline_module(src);
  const int64_t last = 10 + kWholeClassLines;
  auto s = uncovered_segments(o, all_lines(last), {});
  EXPECT_EQ(briefs(s), (std::vector<Brief>{{"method", "Big.size", {{5, 7}}},
                                           {"method", "Big.load", {{9, last}}},
                                           {"class_body", "Big", {{1, 1}, {3, 3}}}}));
  EXPECT_EQ(s[0].file_id, "Big_size");
  EXPECT_EQ(s[0].owner_class, "Big");
  EXPECT_EQ(s[2].file_id, "Big_body");
  // A method's context: its class's header and the other methods, not its own.
  const std::string ctx = segment_context(o, s[0]);
  EXPECT_NE(ctx.find("class Big(Base):\n    async def load(self, path): ...\n"), std::string::npos) << ctx;
  EXPECT_EQ(ctx.find("def size"), std::string::npos) << ctx;
}

TEST(Segments, ContextHoldsImportsAssignmentsAndOtherSignatures) {
  const ModuleOutline o = outline_module(kModule);
  auto s = uncovered_segments(o, {16}, {});
  ASSERT_EQ(s.size(), 1u);
  const std::string ctx = segment_context(o, s[0]);
  EXPECT_EQ(ctx,
            "import os\nfrom json import dumps\n\nLIMIT = 10\n@functools.cache\ndef cached(x): ...\n"
            "class Small:\n    def get(self): ...\n");
  EXPECT_EQ(describe(s[0]), "function `fetch`");
}

TEST(Segments, NumberedSourceMarksTheUncoveredLines) {
  const ModuleOutline o = outline_module("x = 1\n\ndef f(a):\n    if a:\n        return 1\n    return 2\n");
  auto s = uncovered_segments(o, {5}, {{4, 5}});
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(numbered_source("x = 1\n\ndef f(a):\n    if a:\n        return 1\n    return 2\n", s[0]),
            "     3  def f(a):\n     4      if a:\n>    5          return 1\n     6      return 2\n");
}

TEST(Segments, RepeatedNamesGetDistinctFileIds) {
  const ModuleOutline o = outline_module(
      "@overload\ndef f(x: int) -> int: ...\n@overload\ndef f(x: str) -> str: ...\ndef f(x):\n    return x\n"
      "def F():\n    pass\ndef module_level():\n    pass\nx = 1\n");
  std::vector<std::string> ids;
  for (const auto& u : o.units) ids.push_back(u.file_id);
  EXPECT_EQ(ids, (std::vector<std::string>{"f", "f_3", "f_5", "F_7", "module_level", "module_level_11"}));
}

TEST(Segments, UnparsableSourceIsOneModuleSegment) {
  const ModuleOutline o = outline_module("def f(:\n    return 1\n");
  EXPECT_FALSE(o.parsed);
  auto s = uncovered_segments(o, {2}, {});
  EXPECT_EQ(briefs(s), (std::vector<Brief>{{"module", "", {{1, 2}}}}));
}

}  // namespace
}  // namespace aqe::gen
