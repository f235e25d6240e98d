#include "aqe/llm/pricing.h"

#include <cctype>
#include <limits>

#include "aqe/util/json.h"
#include "aqe/util/strings.h"

namespace aqe::llm {

namespace {

using nlohmann::json;

Error bad_usage(std::string_view provider, const std::string& why) {
  // A malformed usage record is the provider's fault, not the user's: retry-safe like any other
  // malformed response.
  return make_error("MODEL_BAD_RESPONSE", std::string(provider) + " usage: " + why,
                    "the response's usage could not be priced; it is not recorded as free",
                    ExitCode::kTransient);
}

// A token count: an absent member (or null) is 0; anything else must be a whole number >= 0.
Result<int64_t> count(std::string_view provider, const json& obj, std::string_view key) {
  const json* v = member(obj, key);
  if (v == nullptr || v->is_null()) return int64_t{0};
  if (v->is_number_unsigned()) {
    if (v->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      return bad_usage(provider, std::string(key) + " is out of range");
    return static_cast<int64_t>(v->get<uint64_t>());
  }
  if (v->is_number_integer() && v->get<int64_t>() >= 0) return v->get<int64_t>();
  return bad_usage(provider, std::string(key) + " is not a token count: " + printable(dump_json(*v)));
}

// The price table. Prices as published, USD per million tokens, standard (not batch) tier,
// taken on kPricesTakenOn:
// - Anthropic: platform.claude.com/docs/en/about-claude/pricing. Cache writes at the 5-minute
//   rate (aqe asks for no 1-hour cache). Sonnet 4 / 4.5 cost more for prompts over
//   200K tokens only with the 1M-context beta, which aqe does not request.
// - OpenAI: platform.openai.com/docs/pricing, "cached input" as cache_read; reasoning tokens
//   are billed as output. gpt-4o-2024-05-13 predates the gpt-4o price cut and has no caching.
// Models whose price was not certain are left out (their cost reads unknown).
const std::map<std::string, PriceEntry> kTable = [] {
  std::map<std::string, PriceEntry> t;
  auto anthropic = [&](const char* model, double in, double write, double read, double out) {
    t[model] = {"anthropic", model, Price{in, write, read, out, out}};
  };
  auto openai = [&](const char* model, double in, double cached, double out) {
    t[model] = {"openai", model, Price{in, in, cached, out, out}};
  };
  // model, input, 5-minute cache write, cache hit, output
  anthropic("claude-opus-4-5", 5, 6.25, 0.50, 25);
  anthropic("claude-opus-4-1", 15, 18.75, 1.50, 75);
  anthropic("claude-opus-4-0", 15, 18.75, 1.50, 75);
  anthropic("claude-opus-4", 15, 18.75, 1.50, 75);
  anthropic("claude-sonnet-4-5", 3, 3.75, 0.30, 15);
  anthropic("claude-sonnet-4-0", 3, 3.75, 0.30, 15);
  anthropic("claude-sonnet-4", 3, 3.75, 0.30, 15);
  anthropic("claude-3-7-sonnet", 3, 3.75, 0.30, 15);
  anthropic("claude-haiku-4-5", 1, 1.25, 0.10, 5);
  anthropic("claude-3-5-haiku", 0.80, 1, 0.08, 4);
  anthropic("claude-3-haiku", 0.25, 0.30, 0.03, 1.25);
  anthropic("claude-3-opus", 15, 18.75, 1.50, 75);
  // model, input, cached input, output (OpenAI bills no cache writes)
  openai("gpt-4o", 2.5, 1.25, 10);
  openai("gpt-4o-mini", 0.15, 0.075, 0.6);
  openai("gpt-4.1", 2, 0.5, 8);
  openai("gpt-4.1-mini", 0.4, 0.1, 1.6);
  openai("gpt-4.1-nano", 0.1, 0.025, 0.4);
  openai("gpt-5", 1.25, 0.125, 10);
  openai("gpt-5-mini", 0.25, 0.025, 2);
  openai("gpt-5-nano", 0.05, 0.005, 0.4);
  openai("o1", 15, 7.5, 60);
  openai("o3", 2, 0.5, 8);
  openai("o3-mini", 1.1, 0.55, 4.4);
  openai("o4-mini", 1.1, 0.275, 4.4);
  // No prompt caching on this snapshot: a cached token (none expected) is billed as input.
  t["gpt-4o-2024-05-13"] = {"openai", "gpt-4o-2024-05-13", Price{5, 5, 5, 15, 15}};
  return t;
}();

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (std::isdigit(static_cast<unsigned char>(c)) == 0) return false;
  return true;
}

// "claude-sonnet-4-20250514" -> "claude-sonnet-4"; "gpt-4o-2024-08-06" -> "gpt-4o";
// "claude-3-5-haiku-latest" -> "claude-3-5-haiku"; otherwise nothing.
std::optional<std::string_view> without_version_suffix(std::string_view m) {
  if (ends_with(m, "-latest")) return m.substr(0, m.size() - 7);
  if (m.size() > 9 && m[m.size() - 9] == '-' && all_digits(m.substr(m.size() - 8)))
    return m.substr(0, m.size() - 9);
  if (m.size() > 11) {
    std::string_view d = m.substr(m.size() - 10);
    if (m[m.size() - 11] == '-' && d[4] == '-' && d[7] == '-' && all_digits(d.substr(0, 4)) &&
        all_digits(d.substr(5, 2)) && all_digits(d.substr(8, 2)))
      return m.substr(0, m.size() - 11);
  }
  return std::nullopt;
}

Result<double> price_field(const json& obj, std::string_view model, std::string_view field,
                           std::string_view where, std::optional<double> fallback) {
  const json* v = member(obj, field);
  if (v == nullptr) {
    if (fallback) return *fallback;
    return make_error(
        "CONFIG_INVALID",
        std::string(where) + "." + printable(model) + ": '" + std::string(field) + "' is missing",
        "give USD per million tokens, e.g. \"" + std::string(field) + "\": 3", ExitCode::kUsage);
  }
  if (!v->is_number() || v->get<double>() < 0)
    return make_error("CONFIG_INVALID",
                      std::string(where) + "." + printable(model) + "." + std::string(field) +
                          ": not a price: " + printable(dump_json(*v)),
                      "a number >= 0, USD per million tokens", ExitCode::kUsage);
  return v->get<double>();
}

}  // namespace

Result<TokenUsage> anthropic_usage(const json& usage) {
  if (!usage.is_object()) return bad_usage("anthropic", "not an object");
  TokenUsage t;
  auto in = count("anthropic", usage, "input_tokens");
  auto cw = count("anthropic", usage, "cache_creation_input_tokens");
  auto cr = count("anthropic", usage, "cache_read_input_tokens");
  auto out = count("anthropic", usage, "output_tokens");
  for (const auto* r : {&in, &cw, &cr, &out})
    if (!*r) return r->error();
  t.input = *in;
  t.cache_write = *cw;
  t.cache_read = *cr;
  t.output = *out;
  return t;
}

Result<TokenUsage> openai_usage(const json& usage) {
  if (!usage.is_object()) return bad_usage("openai", "not an object");
  static const json kEmpty = json::object();
  const json* pd = member(usage, "prompt_tokens_details");
  const json* cd = member(usage, "completion_tokens_details");
  auto prompt = count("openai", usage, "prompt_tokens");
  auto completion = count("openai", usage, "completion_tokens");
  auto cached = count("openai", pd != nullptr && pd->is_object() ? *pd : kEmpty, "cached_tokens");
  auto reasoning = count("openai", cd != nullptr && cd->is_object() ? *cd : kEmpty, "reasoning_tokens");
  for (const auto* r : {&prompt, &completion, &cached, &reasoning})
    if (!*r) return r->error();
  if (*cached > *prompt) return bad_usage("openai", "cached_tokens exceed prompt_tokens");
  if (*reasoning > *completion) return bad_usage("openai", "reasoning_tokens exceed completion_tokens");
  TokenUsage t;
  t.input = *prompt - *cached;
  t.cache_read = *cached;
  t.output = *completion - *reasoning;
  t.reasoning = *reasoning;
  return t;
}

const std::map<std::string, PriceEntry>& builtin_prices() { return kTable; }

Result<std::map<std::string, Price>> parse_price_overrides(const json& doc, std::string_view where) {
  std::map<std::string, Price> out;
  if (doc.is_null()) return out;
  if (!doc.is_object())
    return make_error("CONFIG_INVALID", std::string(where) + ": not an object of model ids",
                      "e.g. {\"my-model\": {\"input\": 1, \"output\": 2}}", ExitCode::kUsage);
  for (const auto& [model, obj] : doc.items()) {
    if (!obj.is_object())
      return make_error("CONFIG_INVALID", std::string(where) + "." + printable(model) + ": not an object",
                        "give input and output prices", ExitCode::kUsage);
    for (const auto& [field, v] : obj.items()) {
      (void)v;
      if (field != "input" && field != "output" && field != "cache_write" && field != "cache_read" &&
          field != "reasoning")
        return make_error(
            "CONFIG_INVALID",
            std::string(where) + "." + printable(model) + ": unknown field '" + printable(field) + "'",
            "fields: input, output, cache_write, cache_read, reasoning", ExitCode::kUsage);
    }
    auto in = price_field(obj, model, "input", where, std::nullopt);
    if (!in) return in.error();
    auto o = price_field(obj, model, "output", where, std::nullopt);
    if (!o) return o.error();
    auto cw = price_field(obj, model, "cache_write", where, *in);
    if (!cw) return cw.error();
    auto cr = price_field(obj, model, "cache_read", where, *in);
    if (!cr) return cr.error();
    auto rs = price_field(obj, model, "reasoning", where, *o);
    if (!rs) return rs.error();
    out[model] = Price{*in, *cw, *cr, *o, *rs};
  }
  return out;
}

std::optional<Price> find_price(std::string_view model, const std::map<std::string, Price>& overrides) {
  const std::string m(model);
  if (auto it = overrides.find(m); it != overrides.end()) return it->second;
  if (auto it = kTable.find(m); it != kTable.end()) return it->second.price;
  if (auto base = without_version_suffix(model)) {
    if (auto it = kTable.find(std::string(*base)); it != kTable.end()) return it->second.price;
  }
  return std::nullopt;
}

double cost_usd(const TokenUsage& t, const Price& p) {
  const double micro =
      static_cast<double>(t.input) * p.input + static_cast<double>(t.cache_write) * p.cache_write +
      static_cast<double>(t.cache_read) * p.cache_read + static_cast<double>(t.output) * p.output +
      static_cast<double>(t.reasoning) * p.reasoning;
  return micro / 1e6;
}

}  // namespace aqe::llm
