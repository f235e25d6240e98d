// Routing of the model engine (llm.routing / QE_ROUTING_ENABLED): which model tier (llm.tiers,
// cheapest first) a module's prompts go to. The rule, documented in docs/llm.md:
//   - a module is simple when it has at most kSimpleMaxStatements statements, kSimpleMaxBranches
//     branch arcs (both as coverage.py measured them in the verification run of the built-in
//     tests) and kSimpleMaxImports imported modules (its top-level import statements); simple
//     modules start on the cheapest tier, the others on the next one;
//   - the model is asked per segment (segments.h); every segment of a module starts on the
//     module's tier, and each discarded candidate moves that segment's next prompt one tier up,
//     to the strongest (the next segment starts on the module's tier again).
// The saving is computed from the recorded tokens of the run's calls: what they cost, and what the
// same tokens would have cost at the strongest tier's prices (not a measurement of what the
// strongest model would have answered or used).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aqe/llm/pricing.h"

namespace aqe::gen {

inline constexpr int64_t kSimpleMaxStatements = 120;
inline constexpr int64_t kSimpleMaxBranches = 24;
inline constexpr int64_t kSimpleMaxImports = 6;

struct Complexity {
  int64_t statements = 0;  // coverage.py's statements of the module
  int64_t branches = 0;    // coverage.py's branch arcs (destinations of branching lines)
  int64_t imports = 0;     // distinct modules its top-level import statements name
  bool measured = true;    // false: statements and branches counted from the text (not run)
};

// The tiers when llm.tiers is empty: the provider's models of the built-in price table, cheapest
// first ("anthropic" or "openai").
std::vector<std::string> default_tiers(std::string_view provider);

// Distinct modules named by top-level `import a, b` / `from a import x` lines (not
// `from __future__`, not relative imports' dots: `from . import x` counts ".").
int64_t count_imports(std::string_view source);

// Statements and branch arcs estimated from the text, for a module coverage.py did not report:
// non-blank, non-comment lines; two arcs per line starting with if/elif/for/while/except/case
// (the loop's and the condition's two ways, an estimate).
Complexity estimate_complexity(std::string_view source);

bool is_simple(const Complexity& c);

// The tier index a module starts on (0 = cheapest) among `tiers` tiers (at least one).
size_t start_tier(const Complexity& c, size_t tiers);
// The tier after a discarded candidate of tier `current`.
size_t next_tier(size_t current, size_t tiers);

// One call's tokens, by the model that answered (cache hits are not calls: they cost $0 and are
// left out of both sides).
struct RecordedCall {
  std::string model;
  llm::TokenUsage tokens;
};

struct Saving {
  std::optional<double> actual_usd;     // nullopt: a model called has no price
  std::optional<double> strongest_usd;  // the same tokens at the strongest tier's prices
  std::optional<double> saving_usd;     // strongest - actual, when both are known
};
Saving compute_saving(const std::vector<RecordedCall>& calls, const std::string& strongest,
                      const std::map<std::string, llm::Price>& overrides);

}  // namespace aqe::gen
