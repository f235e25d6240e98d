// Judging metrics: the score against the threshold and every hard condition, per scope.
#include <cstdio>

#include "aqe/gate/gate.h"
#include "aqe/util/path.h"
#include "aqe/util/strings.h"

namespace aqe::gate {

namespace {

ConditionResult judge(const std::string& metric, Op op, double threshold, const Metric& m) {
  ConditionResult r{metric, op, threshold, m.value, false, ""};
  const std::string rule = metric + " " + std::string(op_text(op)) + " " + format_number(threshold);
  if (!m.value) {
    r.message = rule + ": " + metric + " is not measured (" + m.unavailable_reason + ")";
    return r;
  }
  r.passed = compare(*m.value, op, threshold);
  if (!r.passed) r.message = rule + " failed: " + metric + " is " + format_number(*m.value);
  return r;
}

std::vector<std::string> scope_list(const std::string& scope) {
  return scope.empty() ? std::vector<std::string>{} : std::vector<std::string>{scope};
}

Error scope_error(const std::string& scope, const GateInputs& in) {
  std::vector<std::string> origins;
  if (in.coverage) origins.push_back(in.coverage->origin);
  if (in.findings) origins.push_back(in.findings->origin);
  std::string hint = "scopes are project-relative paths of measured files";
  if (in.coverage && !in.coverage->files.empty()) hint += ", e.g. " + in.coverage->files.front().file;
  return make_error("SCOPE_EMPTY",
                    "scope '" + scope + "' matches no measured file" +
                        (origins.empty() ? std::string(" (no per-file data: coverage or findings)")
                                         : " in " + join(origins, ", ")),
                    hint);
}

const ScopePolicy* config_scope(const std::vector<ScopePolicy>& scopes, const std::string& path) {
  for (const auto& s : scopes)
    if (canonicalize_path(s.path) == canonicalize_path(path)) return &s;
  return nullptr;
}

}  // namespace

Result<std::vector<ScopePolicy>> parse_scopes(const nlohmann::json& scopes) {
  std::vector<ScopePolicy> out;
  if (scopes.is_null()) return out;
  if (!scopes.is_array()) return make_error("CONFIG_INVALID", "quality-gates.json: scopes must be an array");
  for (size_t i = 0; i < scopes.size(); ++i) {
    const auto& s = scopes[i];
    std::string where = "quality-gates.json: scopes[" + std::to_string(i) + "]";
    if (!s.is_object() || !s.contains("path") || !s["path"].is_string()) {
      return make_error("CONFIG_INVALID", where + ": a scope needs a path (string)",
                        R"(e.g. {"path": "src/auth/", "threshold": 95})");
    }
    ScopePolicy p;
    p.path = s["path"].get<std::string>();
    if (s.contains("threshold") && s["threshold"].is_number()) p.threshold = s["threshold"].get<double>();
    auto c = parse_conditions(s.value("conditions", nlohmann::json()), where + ".conditions");
    if (!c) return c.error();
    p.conditions = *c;
    out.push_back(std::move(p));
  }
  return out;
}

UnitResult evaluate_unit(const std::string& scope, const Metrics& m, const Weights& w, double threshold,
                         const std::vector<Condition>& conditions) {
  UnitResult u;
  u.scope = scope;
  u.metrics = m;
  u.threshold = threshold;
  u.score = compute_score(m, w);
  Metric score_metric{u.score.value, "no weighted metric (coverage, tests, security) was measured"};
  u.conditions.push_back(judge("score", Op::kGe, threshold, score_metric));
  for (const auto& c : conditions) {
    auto it = m.find(c.metric);
    Metric mm = it == m.end() ? Metric{std::nullopt, "unknown metric"} : it->second;
    u.conditions.push_back(judge(c.metric, c.op, c.value, mm));
  }
  u.passed = true;
  for (const auto& c : u.conditions) u.passed = u.passed && c.passed;
  return u;
}

Result<GateResult> evaluate_gate(const GateInputs& in, const GatePolicy& policy,
                                 const ProfileChoice& profile) {
  GateResult r;
  r.profile = profile;
  if (in.coverage) r.inputs.push_back(in.coverage->origin);
  if (in.tests) r.inputs.push_back(in.tests->origin);
  if (in.findings) r.inputs.push_back(in.findings->origin);
  if (in.tests_generated_origin) r.inputs.push_back(*in.tests_generated_origin);
  if (in.base_coverage) r.inputs.push_back(in.base_coverage->origin);
  r.diff = in.diff;
  const Profile* p = profile.profile ? &*profile.profile : nullptr;
  r.blocking = p ? p->blocking : true;
  if (p && p->skip) {
    r.skipped = true;
    r.passed = true;
    return r;
  }
  double threshold = policy.threshold;
  if (p && p->threshold && !policy.threshold_from_flag) threshold = *p->threshold;
  const std::vector<Condition>& conditions = p && p->conditions ? *p->conditions : policy.conditions;

  // Each scope on its own: --scope paths (with a matching config scope's threshold and
  // conditions), or the config's scopes.
  std::vector<ScopePolicy> units;
  for (const auto& path : policy.flag_scopes) {
    const ScopePolicy* cs = config_scope(policy.config_scopes, path);
    units.push_back(cs ? ScopePolicy{path, cs->threshold, cs->conditions}
                       : ScopePolicy{path, std::nullopt, {}});
  }
  if (policy.flag_scopes.empty()) units = policy.config_scopes;

  for (const auto& s : units) {
    size_t n = files_in_scope(in, scope_list(s.path));
    if (n == 0) return scope_error(s.path, in);
    double t = s.threshold && !policy.threshold_from_flag ? *s.threshold : threshold;
    std::vector<Condition> cs = conditions;
    cs.insert(cs.end(), s.conditions.begin(), s.conditions.end());
    UnitResult u = evaluate_unit(s.path, compute_metrics(in, scope_list(s.path)), policy.weights, t, cs);
    u.files = n;
    u.diff = diff_coverage_of(in, scope_list(s.path));
    r.scopes.push_back(std::move(u));
  }

  // The headline: the whole project, or the --scope paths taken together.
  const std::vector<std::string>& primary_scopes = policy.flag_scopes;
  double primary_threshold = threshold;
  std::vector<Condition> primary_conditions = conditions;
  if (primary_scopes.size() == 1 && !r.scopes.empty()) {
    primary_threshold = r.scopes.front().threshold;
    primary_conditions.clear();
    for (size_t i = 1; i < r.scopes.front().conditions.size(); ++i) {
      const auto& c = r.scopes.front().conditions[i];
      primary_conditions.push_back({c.metric, c.op, c.threshold});
    }
  }
  r.primary = evaluate_unit(join(primary_scopes, ", "), compute_metrics(in, primary_scopes), policy.weights,
                            primary_threshold, primary_conditions);
  r.primary.files = files_in_scope(in, primary_scopes);
  r.primary.diff = diff_coverage_of(in, primary_scopes);
  r.passed = r.primary.passed;
  for (const auto& u : r.scopes) r.passed = r.passed && u.passed;
  return r;
}

}  // namespace aqe::gate
