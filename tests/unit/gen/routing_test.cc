#include "aqe/gen/routing.h"

#include <gtest/gtest.h>

namespace aqe::gen {
namespace {

TEST(Routing, DefaultTiersArePricedAndCheapestFirst) {
  for (const char* provider : {"anthropic", "openai"}) {
    const auto tiers = default_tiers(provider);
    ASSERT_GE(tiers.size(), 2u) << provider;
    double last_input = 0, last_output = 0;
    for (const auto& t : tiers) {
      auto p = llm::find_price(t);
      ASSERT_TRUE(p.has_value()) << t;
      EXPECT_GT(p->input, last_input) << t;
      EXPECT_GT(p->output, last_output) << t;
      last_input = p->input;
      last_output = p->output;
    }
  }
  EXPECT_EQ(default_tiers("anthropic").front(), "claude-haiku-4-5");
  EXPECT_EQ(default_tiers("anthropic").back(), "claude-opus-4-5");
  EXPECT_EQ(default_tiers("openai"), (std::vector<std::string>{"gpt-4o-mini", "gpt-4o"}));
}

TEST(Routing, SimpleModulesStartOnTheCheapestTier) {
  Complexity c{20, 4, 1, true};
  EXPECT_TRUE(is_simple(c));
  EXPECT_EQ(start_tier(c, 3), 0u);
  // At each limit still simple; one more of any measure is complex.
  EXPECT_EQ(start_tier({kSimpleMaxStatements, kSimpleMaxBranches, kSimpleMaxImports, true}, 3), 0u);
  EXPECT_EQ(start_tier({kSimpleMaxStatements + 1, 0, 0, true}, 3), 1u);
  EXPECT_EQ(start_tier({10, kSimpleMaxBranches + 1, 0, true}, 3), 1u);
  EXPECT_EQ(start_tier({10, 0, kSimpleMaxImports + 1, true}, 3), 1u);
  // One tier: everything on it.
  EXPECT_EQ(start_tier({1000, 1000, 100, true}, 1), 0u);
}

TEST(Routing, EachDiscardMovesOneTierUpToTheStrongest) {
  EXPECT_EQ(next_tier(0, 3), 1u);
  EXPECT_EQ(next_tier(1, 3), 2u);
  EXPECT_EQ(next_tier(2, 3), 2u);
  EXPECT_EQ(next_tier(0, 1), 0u);
}

TEST(Routing, ImportsCountDistinctTopLevelModules) {
  EXPECT_EQ(count_imports("import os, sys\nimport os.path as p\nfrom json import dumps\n"
                          "from __future__ import annotations\nfrom . import sibling\n"
                          "def f():\n    import re\nimportant = 1\nfromage = 2\n"),
            5);  // os, sys, os.path, json, "."
  EXPECT_EQ(count_imports(""), 0);
  EXPECT_EQ(count_imports("import a  # comment, not a module\n"), 1);
}

TEST(Routing, EstimateFromTextWhenNotMeasured) {
  const Complexity c = estimate_complexity(
      "import os\n\n# a comment\ndef f(x):\n    if x:\n        return 1\n    for i in x:\n"
      "        pass\n    return 0\n");
  EXPECT_FALSE(c.measured);
  EXPECT_EQ(c.statements, 7);
  EXPECT_EQ(c.branches, 4);
  EXPECT_EQ(c.imports, 1);
}

TEST(Routing, SavingIsTheSameTokensAtTheStrongestTiersPrices) {
  llm::TokenUsage a;
  a.input = 1000;
  a.output = 200;
  llm::TokenUsage b;
  b.input = 3000;
  b.cache_read = 500;
  b.output = 400;
  const std::vector<RecordedCall> calls{{"claude-haiku-4-5", a}, {"claude-sonnet-4-5", b}};
  const Saving s = compute_saving(calls, "claude-opus-4-5", {});
  // haiku $1/$5, sonnet $3/$0.30 read/$15, opus $5/$0.50 read/$25 per million (docs/llm.md).
  const double actual = (1000 * 1.0 + 200 * 5.0) / 1e6 + (3000 * 3.0 + 500 * 0.30 + 400 * 15.0) / 1e6;
  const double top = (1000 * 5.0 + 200 * 25.0) / 1e6 + (3000 * 5.0 + 500 * 0.50 + 400 * 25.0) / 1e6;
  ASSERT_TRUE(s.actual_usd && s.strongest_usd && s.saving_usd);
  EXPECT_NEAR(*s.actual_usd, actual, 1e-12);
  EXPECT_NEAR(*s.strongest_usd, top, 1e-12);
  EXPECT_NEAR(*s.saving_usd, top - actual, 1e-12);
}

TEST(Routing, SavingIsUnknownWhenAPriceIs) {
  llm::TokenUsage t;
  t.input = 10;
  const Saving unpriced_call = compute_saving({{"local-llama", t}}, "claude-opus-4-5", {});
  EXPECT_FALSE(unpriced_call.actual_usd);
  EXPECT_TRUE(unpriced_call.strongest_usd);
  EXPECT_FALSE(unpriced_call.saving_usd);
  const Saving unpriced_top = compute_saving({{"claude-haiku-4-5", t}}, "local-big", {});
  EXPECT_TRUE(unpriced_top.actual_usd);
  EXPECT_FALSE(unpriced_top.strongest_usd);
  EXPECT_FALSE(unpriced_top.saving_usd);
  // llm.prices prices it.
  const Saving priced =
      compute_saving({{"claude-haiku-4-5", t}}, "local-big", {{"local-big", {2, 2, 2, 8, 8}}});
  ASSERT_TRUE(priced.saving_usd);
  EXPECT_NEAR(*priced.saving_usd, 10 * (2.0 - 1.0) / 1e6, 1e-15);
  // No calls (all answered by the cache): $0 against $0.
  const Saving none = compute_saving({}, "claude-opus-4-5", {});
  ASSERT_TRUE(none.saving_usd);
  EXPECT_EQ(*none.saving_usd, 0);
}

}  // namespace
}  // namespace aqe::gen
