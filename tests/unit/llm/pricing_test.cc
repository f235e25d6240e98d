// Replays of providers' usage records priced where other tools have been wrong: Anthropic's
// input_tokens excludes the cache tokens (added, never subtracted); OpenAI's prompt_tokens
// includes cached_tokens and completion_tokens includes reasoning_tokens (subtracted, never
// billed twice).
#include "aqe/llm/pricing.h"

#include <gtest/gtest.h>

namespace aqe::llm {
namespace {

using nlohmann::json;

double priced(const TokenUsage& t, std::string_view model) {
  auto p = find_price(model);
  EXPECT_TRUE(p) << model;
  return p ? cost_usd(t, *p) : -1;
}

TEST(AnthropicUsage, CacheTokensAreAddedToInputNotPartOfIt) {
  // A Messages API response reading a cached prefix and writing a new cache breakpoint.
  auto t = anthropic_usage(json::parse(
      R"({"input_tokens": 50, "cache_creation_input_tokens": 1000, "cache_read_input_tokens": 20000,
          "output_tokens": 300, "service_tier": "standard"})"));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->input, 50);
  EXPECT_EQ(t->cache_write, 1000);
  EXPECT_EQ(t->cache_read, 20000);
  EXPECT_EQ(t->output, 300);
  EXPECT_EQ(t->reasoning, 0);
  // 50 × $3 + 1000 × $3.75 + 20000 × $0.30 + 300 × $15 per million.
  EXPECT_NEAR(priced(*t, "claude-sonnet-4-20250514"), 0.0144, 1e-12);
  // Pricing 50 + 1000 + 20000 as plain input (the cache never helped) would be $0.0677.
  EXPECT_NEAR(priced(*t, "claude-haiku-4-5"), (50 * 1 + 1000 * 1.25 + 20000 * 0.10 + 300 * 5) / 1e6, 1e-12);
}

TEST(AnthropicUsage, WithoutCacheFieldsTheyAreZero) {
  auto t = anthropic_usage(json::parse(R"({"input_tokens": 12, "output_tokens": 7})"));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->cache_write + t->cache_read, 0);
  EXPECT_NEAR(priced(*t, "claude-3-5-haiku-latest"), (12 * 0.8 + 7 * 4) / 1e6, 1e-15);
}

TEST(OpenAiUsage, CachedTokensAreSubtractedFromPromptTokens) {
  auto t = openai_usage(json::parse(
      R"({"prompt_tokens": 2006, "completion_tokens": 300, "total_tokens": 2306,
          "prompt_tokens_details": {"cached_tokens": 1920, "audio_tokens": 0},
          "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0}})"));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->input, 86);
  EXPECT_EQ(t->cache_read, 1920);
  EXPECT_EQ(t->cache_write, 0);
  EXPECT_EQ(t->output, 300);
  // 86 × $2.50 + 1920 × $1.25 + 300 × $10; billing all 2006 at $2.50 plus 1920 cached would
  // charge the cached part twice.
  EXPECT_NEAR(priced(*t, "gpt-4o-2024-08-06"), 0.005615, 1e-12);
  EXPECT_EQ(t->input + t->cache_read + t->output + t->reasoning, 2306);
}

TEST(OpenAiUsage, ReasoningTokensArePartOfCompletionTokens) {
  auto t = openai_usage(json::parse(
      R"({"prompt_tokens": 1000, "completion_tokens": 5000,
          "completion_tokens_details": {"reasoning_tokens": 4500}})"));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->output, 500);
  EXPECT_EQ(t->reasoning, 4500);
  // 1000 × $1.10 + (500 + 4500) × $4.40: 5000 output tokens, not 9500.
  EXPECT_NEAR(priced(*t, "o3-mini"), 0.0231, 1e-12);
}

TEST(OpenAiUsage, CompatibleServersWithoutDetailsAndNullDetails) {
  for (const char* doc : {R"({"prompt_tokens": 10, "completion_tokens": 4, "total_tokens": 14})",
                          R"({"prompt_tokens": 10, "completion_tokens": 4, "prompt_tokens_details": null,
                              "completion_tokens_details": null})"}) {
    auto t = openai_usage(json::parse(doc));
    ASSERT_TRUE(t) << doc;
    EXPECT_EQ(t->input, 10);
    EXPECT_EQ(t->output, 4);
    EXPECT_EQ(t->cache_read + t->reasoning, 0);
  }
}

TEST(Usage, MalformedRecordsAreErrorsNotFreeCalls) {
  for (const char* doc : {R"([])", R"({"input_tokens": -1})", R"({"input_tokens": "12"})",
                          R"({"input_tokens": 1.5})", R"({"output_tokens": 18446744073709551615})"}) {
    auto t = anthropic_usage(json::parse(doc));
    ASSERT_FALSE(t) << doc;
    EXPECT_EQ(t.error().exit_code, ExitCode::kTransient) << doc;
  }
  EXPECT_FALSE(
      openai_usage(json::parse(R"({"prompt_tokens": 5, "prompt_tokens_details": {"cached_tokens": 6}})")));
  EXPECT_FALSE(openai_usage(
      json::parse(R"({"completion_tokens": 5, "completion_tokens_details": {"reasoning_tokens": 6}})")));
}

TEST(PriceTable, DatedIdsAndAliasesFindTheirModelAndUnknownModelsHaveNoPrice) {
  EXPECT_DOUBLE_EQ(find_price("claude-opus-4-1-20250805")->output, 75);
  EXPECT_DOUBLE_EQ(find_price("claude-opus-4-5-20251101")->input, 5);
  EXPECT_DOUBLE_EQ(find_price("claude-sonnet-4-5")->cache_read, 0.30);
  EXPECT_DOUBLE_EQ(find_price("gpt-4o-mini-2024-07-18")->cache_read, 0.075);
  EXPECT_DOUBLE_EQ(find_price("o4-mini")->reasoning, 4.4);
  // The first gpt-4o snapshot kept its own, higher price.
  EXPECT_DOUBLE_EQ(find_price("gpt-4o-2024-05-13")->input, 5);
  for (const char* unknown : {"gpt-4o-realtime-preview", "gpt-4o-audio-preview-2024-12-17", "llama3", "",
                              "claude", "gpt-4", "claude-3-5-sonnet-20241022x"})
    EXPECT_FALSE(find_price(unknown)) << unknown;
  for (const auto& [id, e] : builtin_prices()) {
    EXPECT_EQ(id, e.model);
    EXPECT_TRUE(e.provider == "anthropic" || e.provider == "openai") << id;
    EXPECT_GT(e.price.input, 0) << id;
    EXPECT_GE(e.price.output, e.price.input) << id;
    EXPECT_LE(e.price.cache_read, e.price.input) << id;
    EXPECT_DOUBLE_EQ(e.price.reasoning, e.price.output) << id;
  }
  EXPECT_EQ(kPricesTakenOn.size(), 10u);
}

TEST(PriceTable, OverridesWinAndDefaultTheirCacheAndReasoningPrices) {
  auto o = parse_price_overrides(json::parse(R"({"gpt-4o": {"input": 1, "output": 2, "cache_read": 0.5},
                                                 "local-llama": {"input": 0, "output": 0}})"),
                                 "llm.prices");
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_DOUBLE_EQ(find_price("gpt-4o", *o)->input, 1);
  EXPECT_DOUBLE_EQ(find_price("gpt-4o", *o)->cache_write, 1);
  EXPECT_DOUBLE_EQ(find_price("gpt-4o", *o)->reasoning, 2);
  EXPECT_DOUBLE_EQ(find_price("local-llama", *o)->output, 0);
  EXPECT_DOUBLE_EQ(find_price("gpt-4o")->input, 2.5);
  EXPECT_TRUE(parse_price_overrides(nullptr, "llm.prices")->empty());
}

TEST(PriceTable, BadOverridesNameTheModelAndField) {
  struct Case {
    const char* doc;
    const char* says;
  };
  for (const Case& c :
       {Case{R"([1])", "llm.prices"}, Case{R"({"m": 3})", "llm.prices.m"},
        Case{R"({"m": {"output": 1}})", "'input' is missing"},
        Case{R"({"m": {"input": -1, "output": 1}})", "llm.prices.m.input"},
        Case{R"({"m": {"input": 1, "output": "2"}})", "llm.prices.m.output"},
        Case{R"({"m": {"input": 1, "output": 2, "cache_wrte": 1}})", "unknown field 'cache_wrte'"}}) {
    auto o = parse_price_overrides(json::parse(c.doc), "llm.prices");
    ASSERT_FALSE(o) << c.doc;
    EXPECT_EQ(o.error().exit_code, ExitCode::kUsage) << c.doc;
    EXPECT_NE(o.error().message.find(c.says), std::string::npos) << o.error().message;
  }
}

}  // namespace
}  // namespace aqe::llm
