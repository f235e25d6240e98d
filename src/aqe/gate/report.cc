// Gate results as the contract's JSON, a text table, a Markdown summary and GitHub commands.
#include <cmath>
#include <cstdio>
#include <sstream>

#include "aqe/gate/gate.h"
#include "aqe/util/strings.h"

namespace aqe::gate {

using nlohmann::json;

namespace {

std::string shown(const std::optional<double>& v) { return v ? format_number(*v) : "unknown"; }

json rounded(const std::optional<double>& v) {
  if (!v) return nullptr;
  return std::round(*v * 100.0) / 100.0;
}

std::string result_word(const GateResult& r) {
  if (r.skipped) return "skipped by profile";
  return r.passed ? "passed" : "failed";
}

json diff_json(const DiffCoverage& d) {
  json lines = json::array();
  for (const auto& u : d.uncovered) lines.push_back({{"file", u.file}, {"line", u.line}});
  return {{"files_changed", d.files_changed},
          {"files_measured", d.files_measured},
          {"lines", d.lines},
          {"lines_covered", d.covered},
          {"uncovered_changed_lines", lines}};
}

// The base and merge base the diff was taken against, with the primary unit's figures.
json diff_section(const GateResult& r) {
  if (!r.diff) return nullptr;
  json d = r.primary.diff ? diff_json(*r.primary.diff) : json::object();
  d["base"] = r.diff->base.empty() ? json(nullptr) : json(r.diff->base);
  d["base_reason"] = r.diff->base_reason;
  d["merge_base"] = r.diff->merge_base.empty() ? json(nullptr) : json(r.diff->merge_base);
  if (!r.diff->unavailable.empty()) d["unavailable"] = r.diff->unavailable;
  return d;
}

json unit_json(const UnitResult& u) {
  json conditions = json::array();
  for (const auto& c : u.conditions) {
    json cj = {{"metric", c.metric},
               {"op", std::string(op_text(c.op))},
               {"threshold", c.threshold},
               {"actual", rounded(c.actual)},
               {"passed", c.passed}};
    if (!c.message.empty()) cj["message"] = c.message;
    conditions.push_back(std::move(cj));
  }
  json metrics = json::object(), unavailable = json::object();
  for (const auto& name : metric_names()) {
    auto it = u.metrics.find(name);
    if (it == u.metrics.end()) continue;
    metrics[name] = rounded(it->second.value);
    if (!it->second.value) unavailable[name] = it->second.unavailable_reason;
  }
  json weights = json::object();
  for (const auto& [k, w] : u.score.parts) weights[k] = std::round(w * 10000.0) / 10000.0;
  return {{"path", u.scope.empty() ? json(nullptr) : json(u.scope)},
          {"passed", u.passed},
          {"score", rounded(u.score.value)},
          {"threshold", u.threshold},
          {"files", u.files},
          {"conditions", conditions},
          {"metrics", metrics},
          {"metrics_unavailable", unavailable},
          {"score_weights", weights},
          {"diff", u.diff ? diff_json(*u.diff) : json(nullptr)}};
}

std::string pad(std::string s, size_t n) {
  if (s.size() < n) s.append(n - s.size(), ' ');
  return s + " ";
}

void table(std::ostringstream& out, const UnitResult& u) {
  out << "  " << pad("metric", 18) << pad("op", 3) << pad("threshold", 10) << pad("actual", 10) << "result\n";
  for (const auto& c : u.conditions) {
    out << "  " << pad(c.metric, 18) << pad(std::string(op_text(c.op)), 3)
        << pad(format_number(c.threshold), 10) << pad(shown(c.actual), 10) << (c.passed ? "pass" : "FAIL")
        << "\n";
  }
}

std::string profile_text(const GateResult& r) {
  if (!r.profile.profile) return "";
  return "; profile " + r.profile.profile->name + " (" + r.profile.reason + ")" +
         (r.blocking ? "" : ", non-blocking");
}

std::vector<const UnitResult*> units_of(const GateResult& r) {
  std::vector<const UnitResult*> units{&r.primary};
  // A single --scope is the headline itself; listing it twice would repeat every failure.
  for (const auto& s : r.scopes)
    if (s.scope != r.primary.scope) units.push_back(&s);
  return units;
}

void diff_text(std::ostringstream& out, const DiffCoverage& d, const DiffInput& in) {
  constexpr size_t kShown = 20;
  out << "Diff coverage: " << d.covered << "/" << d.lines << " changed executable lines covered ("
      << d.files_measured << " of " << d.files_changed << " changed files measured) against " << in.base
      << " (merge base " << in.merge_base.substr(0, 12) << ")\n";
  if (d.uncovered.empty()) return;
  std::vector<std::string> where;
  for (size_t i = 0; i < d.uncovered.size() && i < kShown; ++i)
    where.push_back(d.uncovered[i].file + ":" + std::to_string(d.uncovered[i].line));
  out << "Uncovered changed lines: " << join(where, ", ");
  if (d.uncovered.size() > kShown) out << " and " << d.uncovered.size() - kShown << " more";
  out << "\n";
}

void line_annotations(const GateResult& r, std::vector<ci::Annotation>& out) {
  if (!r.primary.diff) return;
  // GitHub wants paths relative to the repository root; ours are relative to the project dir.
  const std::string prefix = r.diff ? r.diff->repo_prefix : "";
  for (const auto& l : r.primary.diff->uncovered) {
    ci::Annotation a;
    a.level = ci::Annotation::Level::kWarning;
    a.file = starts_with(l.file, "/") ? l.file : prefix + l.file;
    a.line = l.line;
    a.title = "Uncovered changed line";
    a.message = "changed line " + std::to_string(l.line) + " of " + l.file + " is not covered by the tests";
    a.in_changed_file = true;
    out.push_back(std::move(a));
  }
}

}  // namespace

json to_json(const GateResult& r) {
  json profile = nullptr;
  if (r.profile.profile) {
    profile = {{"name", r.profile.profile->name}, {"reason", r.profile.reason}, {"blocking", r.blocking}};
  }
  json scopes = json::array();
  for (const auto& s : r.scopes) scopes.push_back(unit_json(s));
  json d = {{"passed", r.skipped ? json(nullptr) : json(r.passed)},
            {"result", result_word(r)},
            {"skipped", r.skipped},
            {"blocking", r.blocking},
            {"profile", profile},
            {"inputs", r.inputs}};
  if (r.skipped) {
    d.update({{"score", nullptr},
              {"threshold", nullptr},
              {"scopes", scopes},
              {"conditions", json::array()},
              {"metrics", json::object()}});
    return d;
  }
  json p = unit_json(r.primary);
  d.update({{"score", p["score"]},
            {"threshold", p["threshold"]},
            {"scopes", scopes},
            {"conditions", p["conditions"]},
            {"metrics", p["metrics"]},
            {"metrics_unavailable", p["metrics_unavailable"]},
            {"score_weights", p["score_weights"]},
            {"files", p["files"]},
            {"diff", diff_section(r)}});
  return d;
}

std::string to_text(const GateResult& r) {
  std::ostringstream out;
  if (r.skipped) {
    out << "Quality gate: skipped by profile" << profile_text(r) << "\n";
    return out.str();
  }
  out << "Quality gate: " << (r.passed ? "PASSED" : "FAILED") << " (score " << shown(r.primary.score.value)
      << ", threshold " << format_number(r.primary.threshold) << profile_text(r) << ")\n";
  for (const UnitResult* u : units_of(r)) {
    out << (u->scope.empty() ? std::string("project") : "scope " + u->scope) << ": "
        << (u->passed ? "passed" : "failed") << "\n";
    table(out, *u);
  }
  std::vector<std::string> measured, missing;
  for (const auto& name : metric_names()) {
    auto it = r.primary.metrics.find(name);
    if (it == r.primary.metrics.end()) continue;
    if (it->second.value)
      measured.push_back(name + " " + format_number(*it->second.value));
    else
      missing.push_back(name);
  }
  if (!measured.empty()) out << "Metrics: " << join(measured, ", ") << "\n";
  if (!missing.empty()) out << "Not measured: " << join(missing, ", ") << "\n";
  if (r.primary.diff && r.diff) diff_text(out, *r.primary.diff, *r.diff);
  if (!r.inputs.empty()) out << "Inputs: " << join(r.inputs, "; ") << "\n";
  return out.str();
}

std::string to_markdown(const GateResult& r) {
  std::ostringstream out;
  if (r.skipped) {
    out << "### aqe quality gate: skipped by profile" << profile_text(r) << "\n\n";
    return out.str();
  }
  out << "### aqe quality gate: " << (r.passed ? "✅ passed" : "❌ failed") << "\n\n"
      << "Score **" << shown(r.primary.score.value) << "** (threshold " << format_number(r.primary.threshold)
      << ")" << profile_text(r) << "\n\n";
  for (const UnitResult* u : units_of(r)) {
    if (!u->scope.empty())
      out << "**Scope " << ci::markdown_text(u->scope) << "**: " << (u->passed ? "passed" : "failed")
          << "\n\n";
    out << "| metric | op | threshold | actual | result |\n|---|---|---|---|---|\n";
    for (const auto& c : u->conditions) {
      out << "| " << c.metric << " | " << op_text(c.op) << " | " << format_number(c.threshold) << " | "
          << shown(c.actual) << " | " << (c.passed ? "✅" : "❌") << " |\n";
    }
    out << "\n";
  }
  if (r.primary.diff && r.diff) {
    const DiffCoverage& d = *r.primary.diff;
    out << "Diff coverage against " << ci::markdown_text(r.diff->base) << ": " << d.covered << "/" << d.lines
        << " changed executable lines covered, " << d.uncovered.size() << " uncovered\n\n";
  }
  return out.str();
}

std::vector<ci::Annotation> annotations(const GateResult& r, bool as_error) {
  std::vector<ci::Annotation> out;
  if (r.skipped) return out;
  for (const UnitResult* u : units_of(r)) {
    for (const auto& c : u->conditions) {
      if (c.passed) continue;
      ci::Annotation a;
      a.level = as_error ? ci::Annotation::Level::kError : ci::Annotation::Level::kWarning;
      a.title = "Quality gate";
      a.message = c.message + (u->scope.empty() ? "" : " (scope " + u->scope + ")");
      out.push_back(std::move(a));
    }
  }
  line_annotations(r, out);
  return out;
}

std::vector<std::pair<std::string, std::string>> github_outputs(const GateResult& r) {
  std::string passed = r.skipped ? "skipped" : (r.passed ? "true" : "false");
  std::string score = r.skipped || !r.primary.score.value ? "" : format_number(*r.primary.score.value);
  std::string threshold = r.skipped ? "" : format_number(r.primary.threshold);
  return {{"passed", passed}, {"gate_passed", passed}, {"score", score}, {"threshold", threshold}};
}

state::GateSummary summary_of(const GateResult& r) {
  state::GateSummary s;
  s.skipped = r.skipped;
  s.passed = r.passed;
  s.blocking = r.blocking;
  if (r.profile.profile) s.profile = r.profile.profile->name;
  if (r.skipped) return s;
  s.score = r.primary.score.value;
  s.threshold = r.primary.threshold;
  for (const auto& c : r.primary.conditions)
    s.conditions.push_back({c.metric, std::string(op_text(c.op)), c.threshold, c.actual, c.passed});
  for (const auto& name : metric_names()) {
    auto it = r.primary.metrics.find(name);
    if (it != r.primary.metrics.end() && it->second.value) s.metrics.emplace_back(name, *it->second.value);
  }
  return s;
}

}  // namespace aqe::gate
