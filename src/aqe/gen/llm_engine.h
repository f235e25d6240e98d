// The model engine of `aqe generate`: for each module whose measured coverage is still below
// the target after the built-in engine, asks a model (llm/), one segment (segments.h) at a time,
// for a pytest file covering the segment's lines left uncovered (CoverUp's prompt: the segment's
// source, its uncovered lines and branches, the tests that exist). A candidate is kept only through the same
// verification as built-in tests (verify.h: run in the sandbox, twice, and it must add measured coverage); a
// failed one is re-prompted with its failure output. Every call, and every cache hit, is handed to `record`
// (the usage ledger), and the run's worst-case budget is checked before each call.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aqe/gen/routing.h"
#include "aqe/gen/segments.h"
#include "aqe/llm/pricing.h"
#include "aqe/llm/provider.h"
#include "aqe/util/result.h"

namespace aqe::gen {

// Part of the response-cache key: 3 is the per-segment prompt (2 was one prompt per module).
inline constexpr int kPromptTemplateVersion = 3;

// One model call or cache hit, as the ledger records it.
struct LlmCall {
  std::string provider, model;
  llm::TokenUsage tokens;
  std::optional<double> cost_usd;  // nullopt: the model has no price (unknown, not $0)
  bool cache_hit = false;
  std::string outcome = "ok";  // ok | error
};

// A spending limit over a period (usage.daily_limit_usd, usage.monthly_limit_usd) and what the
// ledger had recorded in that period before this run (known costs only: a lower bound when it
// holds calls of unpriced models).
struct SpendLimit {
  std::string key;
  double limit_usd = 0;
  double spent_before_usd = 0;
};

struct LlmSettings {
  llm::ProviderOptions provider;
  std::optional<std::filesystem::path> cache_dir;  // nullopt: llm.cache off
  double max_cost_usd = 1.0;                       // per run; 0 = no limit
  std::vector<SpendLimit> spend_limits;            // checked before each call beside max_cost_usd
  int max_attempts = 3;                            // prompts per segment (first + re-prompts)
  int64_t max_tokens = 4096;
  std::map<std::string, llm::Price> price_overrides;
  bool routing = false;            // llm.routing: the model of each prompt is one of `tiers`
  std::vector<std::string> tiers;  // cheapest first (llm.tiers, else default_tiers())
  std::string routing_off_by;      // "--model" when routing was asked for and --model turned it off
  std::function<void(const LlmCall&)> record;  // the usage ledger; may be empty
};

struct ModelTotals {
  int64_t calls = 0, cache_hits = 0;
  llm::TokenUsage tokens;
  double cost_usd = 0;
  bool cost_known = true;  // false once a call of an unpriced model was made
};

// Where routing sent a segment's prompts.
struct RoutedSegment {
  std::string name;  // Segment::name ("" for module-level code)
  int64_t first_line = 0;
  std::vector<std::string> models;  // the model of each prompt, in order
};

// Where routing sent a module's prompts (its segments start on the module's tier).
struct RoutedModule {
  std::string module;  // project-relative
  Complexity complexity;
  bool simple = true;
  std::vector<std::string> models;  // the model of each prompt of all its segments, in order
  std::vector<RoutedSegment> segments;
};

// One segment the model was asked about.
struct SegmentAsked {
  std::string module;               // project-relative
  Segment segment;                  // with the missing lines and branches its first prompt listed
  std::vector<std::string> models;  // the model of each prompt, in order
  bool kept = false;
  std::string test_file;  // project-relative, when kept
};

struct LlmReport {
  int64_t calls = 0;       // requests answered by the API
  int64_t cache_hits = 0;  // answered from the response cache ($0)
  std::map<std::string, ModelTotals> by_model;
  int64_t tests_kept = 0;
  std::vector<std::string> test_files;          // project-relative, kept model-written files
  std::map<std::string, int64_t> discarded;     // reason -> candidates
  std::vector<std::string> modules_asked;       // project-relative
  std::vector<SegmentAsked> segments_asked;     // in the order asked
  bool budget_stopped = false;                  // a call was not made: it could exceed the budget
  std::optional<double> budget_worst_case_usd;  // the estimate that stopped it
  std::string budget_key;                       // the limit it would have exceeded (a config key)
  std::optional<Error> error;                   // the model API failed (the engine stopped)
  bool routing = false;                         // llm.routing ran
  std::string routing_off_by;                   // "--model": asked for, turned off
  std::vector<std::string> tiers;               // cheapest first, when routing
  std::vector<RoutedModule> routed;             // when routing
  std::optional<Saving> saving;                 // when routing: vs the strongest tier
  std::vector<RecordedCall> recorded;           // every API call's tokens (the saving's basis)
};

// ```python ... ``` (or the first ``` block), else the whole reply when it already looks like
// Python with a test; empty when there is no code.
std::string extract_code_block(std::string_view reply);

// The uncovered statement lines as ranges ("3-5, 9").
std::string line_ranges(const std::vector<int64_t>& lines);
// Branch arcs never taken, as "6->7, 6->exit".
std::string branch_list(const std::vector<std::pair<int64_t, int64_t>>& arcs);

// One segment's prompt (segments.h): the segment's numbered source with its uncovered lines
// marked, the module's import name and context (imports, other names' signatures), the
// segment's uncovered lines and missing branches only, and the tests that exist for the module.
struct PromptInput {
  std::string rel, module;
  std::string_view source;  // the module's text
  Segment segment;          // with its missing lines and branches
  std::string context;      // segment_context()
  std::vector<std::string> existing_tests;
  std::string failure;   // the previous candidate's failure output; empty on the first prompt
  std::string previous;  // the previous candidate's code
};
llm::ModelRequest build_prompt(const PromptInput& in, int64_t max_tokens);

// Prompt tokens estimated as bytes / 3 (an estimate, not a tokenizer) + max output tokens, at
// the model's prices.
double worst_case_usd(const llm::ModelRequest& request, const llm::Price& price);

// Number of top-level `def test_` functions in `code`.
int64_t count_tests(std::string_view code);
// Their names, in order.
std::vector<std::string> test_names(std::string_view code);

// Line ranges as "5-8" / "1-3, 10".
std::string ranges_text(const std::vector<LineRange>& ranges);

}  // namespace aqe::gen
