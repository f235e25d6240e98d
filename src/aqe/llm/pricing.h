// What a model call costs: the providers' usage fields turned into disjoint token kinds, and a
// versioned price table per model (USD per million tokens, as published, with the date the
// prices were taken). cost = Σ tokens of a kind × the kind's price. A model that is not in the
// table has no price: its cost is unknown, never guessed.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "aqe/util/result.h"

namespace aqe::llm {

// Each billed token in exactly one kind (the ledger's columns, state::UsageRow).
struct TokenUsage {
  int64_t input = 0;        // uncached input
  int64_t cache_write = 0;  // input written to the prompt cache
  int64_t cache_read = 0;   // input read from the prompt cache
  int64_t output = 0;       // output other than reasoning
  int64_t reasoning = 0;    // reasoning output (billed at the output price)
};

// Anthropic Messages API `usage`: input_tokens EXCLUDES cache_creation_input_tokens and
// cache_read_input_tokens (they are added, not subtracted); output_tokens includes any
// extended-thinking tokens, which Anthropic does not report apart (reasoning stays 0).
Result<TokenUsage> anthropic_usage(const nlohmann::json& usage);
// OpenAI chat completions `usage`: prompt_tokens INCLUDES prompt_tokens_details.cached_tokens
// and completion_tokens INCLUDES completion_tokens_details.reasoning_tokens, so both are
// subtracted to keep the kinds disjoint. OpenAI reports no cache writes.
Result<TokenUsage> openai_usage(const nlohmann::json& usage);

// USD per million tokens of each kind.
struct Price {
  double input = 0, cache_write = 0, cache_read = 0, output = 0, reasoning = 0;
};

struct PriceEntry {
  std::string provider;  // anthropic | openai
  std::string model;     // the API's model id (without a date suffix unless it prices differently)
  Price price;
};

// The date the built-in prices were taken (YYYY-MM-DD) and where from.
inline constexpr std::string_view kPricesTakenOn = "2026-12-02";
const std::map<std::string, PriceEntry>& builtin_prices();

// Overrides per model id: {"<model>": {"input": 3, "output": 15, "cache_write": 3.75,
// "cache_read": 0.3, "reasoning": 15}} in USD per million tokens; input and output are
// required, cache_write/cache_read default to input, reasoning to output. Errors name the
// model and field (exit 3).
Result<std::map<std::string, Price>> parse_price_overrides(const nlohmann::json& doc, std::string_view where);

// The price of `model`: an override, else the built-in entry whose id is the model itself or
// the model without its date suffix ("-20250514", "-2024-08-06") or "-latest". nullopt = unknown.
std::optional<Price> find_price(std::string_view model, const std::map<std::string, Price>& overrides = {});

double cost_usd(const TokenUsage& tokens, const Price& price);

}  // namespace aqe::llm
