#include <gtest/gtest.h>

#include "aqe/scan/gitignore.h"

namespace aqe::scan {
namespace {

struct GlobCase {
  const char* pattern;
  const char* path;
  bool match;
};

TEST(GlobMatch, Table) {
  const GlobCase cases[] = {
      {"*.py", "a.py", true},   {"*.py", "dir/a.py", false}, {"a?c", "abc", true},
      {"a?c", "a/c", false},    {"[ab]x", "bx", true},       {"[!ab]x", "cx", true},
      {"[!ab]x", "ax", false},  {"[a-c]1", "b1", true},      {"**/x", "x", true},
      {"**/x", "a/b/x", true},  {"a/**", "a/b/c", true},     {"a/**", "a", false},
      {"a/**/b", "a/b", true},  {"a/**/b", "a/x/y/b", true}, {"a/**/b", "a/x/c", false},
      {"build", "build", true}, {"\\#x", "#x", true},        {"*", "", true},
  };
  for (const auto& c : cases)
    EXPECT_EQ(glob_match(c.pattern, c.path), c.match) << c.pattern << " vs " << c.path;
}

struct IgnoreCase {
  const char* path;
  bool is_dir;
  int verdict;
};

TEST(IgnoreFile, GitSemantics) {
  IgnoreFile f("", "# comment\n*.log\n!keep.log\nbuild/\n/root.txt\ndocs/*.md\n\n  \nsecret\\ \n");
  const IgnoreCase cases[] = {
      {"a.log", false, 1},         {"sub/b.log", false, 1},    {"keep.log", false, -1},
      {"build", true, 1},          {"build", false, 0},        {"src/build", true, 1},
      {"root.txt", false, 1},      {"sub/root.txt", false, 0}, {"docs/a.md", false, 1},
      {"docs/sub/a.md", false, 0}, {"src/main.cc", false, 0},  {"secret ", false, 1},
  };
  for (const auto& c : cases) EXPECT_EQ(f.verdict(c.path, c.is_dir), c.verdict) << c.path;
}

TEST(IgnoreFile, NestedBaseOnlyAppliesBelowItsDirectory) {
  IgnoreFile f("pkg", "/gen.py\n*.tmp\n");
  EXPECT_EQ(f.verdict("pkg/gen.py", false), 1);
  EXPECT_EQ(f.verdict("pkg/sub/gen.py", false), 0);
  EXPECT_EQ(f.verdict("gen.py", false), 0);
  EXPECT_EQ(f.verdict("pkg/sub/x.tmp", false), 1);
  EXPECT_EQ(f.verdict("other/x.tmp", false), 0);
}

}  // namespace
}  // namespace aqe::scan
