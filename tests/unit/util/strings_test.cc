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

}  // namespace
}  // namespace aqe
