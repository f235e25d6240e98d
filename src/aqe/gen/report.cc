#include <cmath>
#include <cstdio>
#include <map>

#include "aqe/gen/gen.h"
#include "aqe/util/strings.h"

namespace aqe::gen {

using nlohmann::json;

namespace {

double round_to(double v, int digits) {
  const double f = std::pow(10.0, digits);
  return std::round(v * f) / f;
}

json tokens_json(const llm::TokenUsage& t) {
  return {{"input", t.input},
          {"cache_write", t.cache_write},
          {"cache_read", t.cache_read},
          {"output", t.output},
          {"reasoning", t.reasoning}};
}

// The run's model cost: null when a call of an unpriced model was made (unknown, not $0).
json run_cost(const GenerateReport& r) {
  if (!r.llm) return 0;
  double sum = 0;
  for (const auto& [model, t] : r.llm->by_model) {
    if (!t.cost_known) return nullptr;
    sum += t.cost_usd;
  }
  return round_to(sum, 6);
}

json usd_or_null(const std::optional<double>& v) { return v ? json(round_to(*v, 6)) : json(nullptr); }

// Within each segment: its next segment starting on the module's tier again is no escalation.
int64_t escalations(const RoutedModule& m) {
  int64_t n = 0;
  for (const auto& s : m.segments)
    for (size_t i = 1; i < s.models.size(); ++i) n += s.models[i] != s.models[i - 1] ? 1 : 0;
  return n;
}

json routing_json(const LlmReport& l) {
  json modules = json::array();
  int64_t escalated = 0;
  for (const auto& m : l.routed) {
    json segments = json::array();
    for (const auto& sg : m.segments)
      segments.push_back({{"segment", sg.name}, {"first_line", sg.first_line}, {"models", sg.models}});
    modules.push_back({{"module", m.module},
                       {"simple", m.simple},
                       {"statements", m.complexity.statements},
                       {"branches", m.complexity.branches},
                       {"imports", m.complexity.imports},
                       {"measured", m.complexity.measured},
                       {"models", m.models},
                       {"segments", segments},
                       {"escalations", escalations(m)}});
    escalated += escalations(m);
  }
  json saving = nullptr;
  if (l.saving) {
    saving = {{"strongest_tier", l.tiers.empty() ? json(nullptr) : json(l.tiers.back())},
              {"actual_usd", usd_or_null(l.saving->actual_usd)},
              {"strongest_tier_usd", usd_or_null(l.saving->strongest_usd)},
              {"saving_usd", usd_or_null(l.saving->saving_usd)},
              {"basis",
               "computed from the recorded tokens of this run's API calls (cache hits left out) at each "
               "model's prices and at the strongest tier's prices; null when a price is unknown"}};
  }
  return {{"enabled", l.routing},
          {"off_by", l.routing_off_by.empty() ? json(nullptr) : json(l.routing_off_by)},
          {"tiers", l.tiers},
          {"modules", modules},
          {"escalations", escalated},
          {"saving", saving}};
}

json segments_json(const LlmReport& l) {
  json out = json::array();
  for (const auto& a : l.segments_asked) {
    json branches = json::array();
    for (const auto& arc : a.segment.missing_branches) branches.push_back(branch_list({arc}));
    out.push_back({{"module", a.module},
                   {"segment", a.segment.name},
                   {"kind", kind_name(a.segment.kind)},
                   {"lines", ranges_text(a.segment.ranges)},
                   {"missing_lines", a.segment.missing_lines},
                   {"missing_branches", branches},
                   {"prompts", a.models.size()},
                   {"models", a.models},
                   {"kept", a.kept},
                   {"test_file", a.kept ? json(a.test_file) : json(nullptr)}});
  }
  return out;
}

json llm_json(const LlmReport& l) {
  json by_model = json::object();
  llm::TokenUsage all;
  for (const auto& [model, t] : l.by_model) {
    by_model[model] = {{"calls", t.calls},
                       {"cache_hits", t.cache_hits},
                       {"tokens", tokens_json(t.tokens)},
                       {"cost_usd", t.cost_known ? json(round_to(t.cost_usd, 6)) : json(nullptr)}};
    all.input += t.tokens.input;
    all.cache_write += t.tokens.cache_write;
    all.cache_read += t.tokens.cache_read;
    all.output += t.tokens.output;
    all.reasoning += t.tokens.reasoning;
  }
  return {{"calls", l.calls},
          {"cache_hits", l.cache_hits},
          {"tokens", tokens_json(all)},
          {"by_model", by_model},
          {"modules_asked", l.modules_asked},
          {"segments_asked", segments_json(l)},
          {"tests_kept", l.tests_kept},
          {"test_files", l.test_files},
          {"discarded", l.discarded},
          {"budget_stopped", l.budget_stopped},
          {"budget_worst_case_usd", l.budget_worst_case_usd ? json(*l.budget_worst_case_usd) : json(nullptr)},
          {"budget_worst_case_is_estimate", true},
          {"budget_limit", l.budget_key.empty() ? json(nullptr) : json(l.budget_key)},
          {"routing", routing_json(l)}};
}

}  // namespace

json to_json(const GenerateReport& r) {
  json skipped = json::array();
  for (const auto& s : r.skipped) skipped.push_back({{"file", s.file}, {"reason", s.reason}});
  json given_up = json::array();
  for (const auto& g : r.given_up)
    given_up.push_back({{"file", g.file},
                        {"function", g.target},
                        {"line", g.line ? json(*g.line) : json(nullptr)},
                        {"calls", g.calls},
                        {"cut_off", g.cut_off}});
  json untested = json::array();
  for (const auto& u : r.untested)
    untested.push_back({{"file", u.file},
                        {"function", u.target},
                        {"line", u.line ? json(*u.line) : json(nullptr)},
                        {"reason", u.reason}});
  const bool measured = r.coverage.has_value();
  const coverage::Counts c = r.coverage.value_or(coverage::Counts{});
  return {{"files_processed", r.files_processed},
          {"tests_generated", r.tests_generated},
          {"tests_discarded", r.tests_discarded},
          {"discarded_by_reason", r.discarded_by_reason},
          {"up_to_date", r.up_to_date},
          {"coverage_estimate", measured ? json(round_to(c.line_rate() * 100, 1)) : json(nullptr)},
          {"coverage",
           {{"line_rate", measured ? json(round_to(c.line_rate(), 4)) : json(nullptr)},
            {"branch_rate", measured ? json(round_to(c.branch_rate(), 4)) : json(nullptr)},
            {"lines_covered", c.lines_covered},
            {"lines_total", c.lines_total},
            {"branches_covered", c.branches_covered},
            {"branches_total", c.branches_total},
            {"measured", measured}}},
          {"test_files", r.test_files},
          {"skipped", skipped},
          {"stopped_at_target", r.stopped_at_target},
          {"unfinished", r.unfinished},
          {"given_up", given_up},
          {"untested", untested},
          {"engine", r.engine},
          {"cost_usd", run_cost(r)},
          {"llm", r.llm ? llm_json(*r.llm) : json(nullptr)},
          {"duration_s", round_to(r.duration_s, 2)}};
}

std::string to_text(const GenerateReport& r) {
  std::string out;
  // File names and reasons (which may quote the module's errors) are the project's text.
  for (const auto& f : r.test_files) out += "  " + printable(f) + "\n";
  for (const auto& s : r.skipped) out += "  skipped " + printable(s.file) + ": " + printable(s.reason) + "\n";
  for (const auto& f : r.stopped_at_target)
    out += "  " + printable(f) + ": exploration stopped at the coverage target\n";
  for (const auto& g : r.given_up) {
    out += "  " + printable(g.file) + (g.line ? ":" + std::to_string(*g.line) : std::string()) +
           ": gave up on " + printable(g.target) + ", a call ran to the " + printable(g.cut_off) +
           " cut-off\n";
  }
  // The first few functions left without a test, with the reason; the JSON lists them all.
  constexpr size_t kUntestedShown = 10;
  for (size_t i = 0; i < r.untested.size() && i < kUntestedShown; ++i) {
    const auto& u = r.untested[i];
    out += "  " + printable(u.file) + (u.line ? ":" + std::to_string(*u.line) : std::string()) +
           ": no test for " + printable(u.target) + ": " + printable(u.reason) + "\n";
  }
  if (r.untested.size() > kUntestedShown)
    out += "  and " + std::to_string(r.untested.size() - kUntestedShown) +
           " more public functions without a test (--json: data.untested)\n";
  char line[256];
  std::snprintf(line, sizeof line,
                "%lld tests kept (%lld discarded), %lld of %lld modules up to date, %zu test files, %.1f s\n",
                static_cast<long long>(r.tests_generated), static_cast<long long>(r.tests_discarded),
                static_cast<long long>(r.up_to_date), static_cast<long long>(r.files_processed),
                r.test_files.size(), r.duration_s);
  out += line;
  if (!r.discarded_by_reason.empty()) {
    std::string why;
    for (const auto& [reason, n] : r.discarded_by_reason)
      why += (why.empty() ? "" : ", ") + std::to_string(n) + " " + reason;
    out += "discarded: " + why + "\n";
  }
  if (r.coverage) {
    std::snprintf(
        line, sizeof line,
        "coverage of the processed source by generated tests alone: %.1f%% lines, %.1f%% branches\n",
        r.coverage->line_rate() * 100, r.coverage->branch_rate() * 100);
    out += line;
  }
  if (r.llm) {
    int64_t discarded = 0;
    for (const auto& [reason, n] : r.llm->discarded) discarded += n;
    const json cost = run_cost(r);
    const size_t segments = r.llm->segments_asked.size(), modules = r.llm->modules_asked.size();
    out += "model: " + std::to_string(segments) + (segments == 1 ? " segment of " : " segments of ") +
           std::to_string(modules) + (modules == 1 ? " module" : " modules") + " asked, " +
           std::to_string(r.llm->calls) + " calls, " + std::to_string(r.llm->cache_hits) + " cache hits, " +
           std::to_string(r.llm->tests_kept) + " tests kept, " + std::to_string(discarded) +
           " candidates discarded, cost " + (cost.is_null() ? std::string("unknown") : "$" + cost.dump()) +
           "\n";
    out += routing_text(*r.llm);
  }
  return out;
}

namespace {

std::string usd_text(const std::optional<double>& v) {
  if (!v) return "unknown";
  char b[32];
  std::snprintf(b, sizeof b, "$%.6f", *v);
  return b;
}

}  // namespace

std::string routing_text(const LlmReport& l) {
  if (!l.routing_off_by.empty()) return "routing: off (" + l.routing_off_by + " names the model)\n";
  if (!l.routing) return {};
  std::map<std::string, int64_t> started;
  int64_t escalated = 0;
  for (const auto& m : l.routed) {
    if (!m.models.empty()) ++started[m.models.front()];
    escalated += escalations(m);
  }
  std::string out = "routing:";
  bool first = true;
  for (const auto& [model, n] : started) {
    out += std::string(first ? " " : ", ") + std::to_string(n) + (n == 1 ? " module" : " modules") + " on " +
           printable(model);
    first = false;
  }
  if (started.empty()) out += " no module asked";
  out += ", " + std::to_string(escalated) + (escalated == 1 ? " escalation" : " escalations");
  if (l.saving && !l.tiers.empty()) {
    out += "; cost " + usd_text(l.saving->actual_usd) + " vs " + usd_text(l.saving->strongest_usd) + " at " +
           printable(l.tiers.back()) + "'s prices for the same recorded tokens (saving " +
           usd_text(l.saving->saving_usd) + ")";
  }
  return out + "\n";
}

state::GenerateSummary summary_of(const GenerateReport& r) {
  state::GenerateSummary s;
  s.engine = r.engine;
  s.files_processed = r.files_processed;
  s.tests_generated = r.tests_generated;
  s.tests_discarded = r.tests_discarded;
  s.up_to_date = r.up_to_date;
  s.coverage = r.coverage;
  s.test_files = r.test_files;
  s.unfinished = static_cast<int64_t>(r.unfinished.size());
  s.duration_s = r.duration_s;
  s.explore_s = r.explore_s;
  return s;
}

}  // namespace aqe::gen
