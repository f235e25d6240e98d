// Metrics from inputs, the score, and condition operators.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "aqe/gate/gate.h"
#include "aqe/util/strings.h"

namespace aqe::gate {

namespace {

constexpr const char* kNoCoverage =
    "no coverage data: run `aqe execute tests/ --coverage` or pass --coverage FILE";
constexpr const char* kNoTests = "no test results: run `aqe execute tests/` or pass --junit FILE";
constexpr const char* kNoFindings = "no security scan: run `aqe security-scan src/` or pass --sarif FILE";

Metric known(double v) { return Metric{v, ""}; }
Metric unknown(std::string why) { return Metric{std::nullopt, std::move(why)}; }

std::optional<double> percent(int64_t covered, int64_t total) {
  if (total <= 0) return std::nullopt;
  return 100.0 * static_cast<double>(covered) / static_cast<double>(total);
}

bool in_any_scope(std::string_view file, const std::vector<std::string>& scopes) {
  if (scopes.empty()) return true;
  return std::any_of(scopes.begin(), scopes.end(),
                     [&](const std::string& s) { return path_in_scope(file, s); });
}

void add_coverage(Metrics& m, const GateInputs& in, const std::vector<std::string>& scopes) {
  if (!in.coverage) {
    m["line_coverage"] = unknown(kNoCoverage);
    m["branch_coverage"] = unknown(kNoCoverage);
    return;
  }
  int64_t lc = 0, lt = 0, bc = 0, bt = 0;
  for (const auto& f : in.coverage->files) {
    if (!in_any_scope(f.file, scopes)) continue;
    lc += f.lines_covered;
    lt += f.lines_total;
    bc += f.branches_covered;
    bt += f.branches_total;
  }
  auto line = percent(lc, lt);
  m["line_coverage"] = line ? known(*line) : unknown("no measurable lines in " + in.coverage->origin);
  if (!in.coverage->has_branches) {
    m["branch_coverage"] = unknown(in.coverage->origin + " has no branch data (measure with --branch)");
    return;
  }
  // No branch points at all: there is nothing branchy to miss.
  auto branch = percent(bc, bt);
  m["branch_coverage"] = branch ? known(*branch) : unknown("no branch points in " + in.coverage->origin);
}

void add_tests(Metrics& m, const GateInputs& in) {
  if (!in.tests) {
    for (const char* k : {"test_pass_rate", "tests_failed", "flaky_tests"}) m[k] = unknown(kNoTests);
    return;
  }
  const TestInput& t = *in.tests;
  // Flaky tests passed in the end; they are counted by flaky_tests, not as failures.
  auto rate = percent(t.passed + t.flaky, t.passed + t.flaky + t.failed + t.errors);
  m["test_pass_rate"] = rate ? known(*rate) : unknown("no test ran (all skipped) in " + t.origin);
  m["tests_failed"] = known(static_cast<double>(t.failed + t.errors));
  m["flaky_tests"] = known(static_cast<double>(t.flaky));
}

void add_findings(Metrics& m, const GateInputs& in, const std::vector<std::string>& scopes) {
  static const char* kLevels[] = {"critical", "high", "medium", "low"};
  if (!in.findings) {
    for (const char* s : kLevels) m[std::string("security_") + s] = unknown(kNoFindings);
    return;
  }
  std::map<std::string, int64_t> counts;
  for (const auto& f : in.findings->findings)
    if (in_any_scope(f.file, scopes)) ++counts[f.severity];
  for (const char* s : kLevels) m[std::string("security_") + s] = known(static_cast<double>(counts[s]));
}

Metric diff_metric(const GateInputs& in, const std::vector<std::string>& scopes) {
  if (!in.diff) return unknown("no diff was computed");
  if (!in.diff->unavailable.empty()) return unknown(in.diff->unavailable);
  if (!in.coverage) return unknown(kNoCoverage);
  auto d = diff_coverage_of(in, scopes);
  if (!d)
    return unknown(in.coverage->origin + " has per-file totals only, no per-line data: pass --coverage FILE");
  // diff-cover's convention: a change without executable lines (docs, config) misses nothing.
  return known(d->lines == 0 ? 100.0
                             : 100.0 * static_cast<double>(d->covered) / static_cast<double>(d->lines));
}

std::optional<double> line_percent(const CoverageInput& c, const std::vector<std::string>& scopes) {
  int64_t covered = 0, total = 0;
  for (const auto& f : c.files) {
    if (!in_any_scope(f.file, scopes)) continue;
    covered += f.lines_covered;
    total += f.lines_total;
  }
  return percent(covered, total);
}

// Percentage points gained (+) or lost (-) against the base branch's latest snapshot.
Metric delta_metric(const Metrics& m, const GateInputs& in, const std::vector<std::string>& scopes) {
  const Metric& line = m.at("line_coverage");
  if (!line.value) return unknown(line.unavailable_reason);
  if (!in.base_coverage)
    return unknown(in.base_coverage_missing.empty() ? "no base coverage" : in.base_coverage_missing);
  auto base = line_percent(*in.base_coverage, scopes);
  if (!base) return unknown("no measured lines in scope in " + in.base_coverage->origin);
  return known(*line.value - *base);
}

}  // namespace

std::optional<DiffCoverage> diff_coverage_of(const GateInputs& in, const std::vector<std::string>& scopes) {
  if (!in.diff || !in.diff->unavailable.empty() || !in.coverage) return std::nullopt;
  const auto& files = in.coverage->files;
  if (!files.empty() &&
      std::none_of(files.begin(), files.end(), [](const FileCoverage& f) { return f.line_data; }))
    return std::nullopt;
  return diff_coverage(*in.diff, *in.coverage, scopes);
}

const std::vector<std::string>& metric_names() {
  static const std::vector<std::string> kNames = {"line_coverage",   "branch_coverage",   "diff_coverage",
                                                  "coverage_delta",  "test_pass_rate",    "tests_failed",
                                                  "flaky_tests",     "security_critical", "security_high",
                                                  "security_medium", "security_low",      "tests_generated"};
  return kNames;
}

bool path_in_scope(std::string_view file, std::string_view scope) {
  while (ends_with(scope, "/")) scope.remove_suffix(1);
  if (scope.empty() || scope == ".") return true;
  if (!starts_with(file, scope)) return false;
  return file.size() == scope.size() || file[scope.size()] == '/';
}

Metrics compute_metrics(const GateInputs& in, const std::vector<std::string>& scopes) {
  Metrics m;
  add_coverage(m, in, scopes);
  add_tests(m, in);
  add_findings(m, in, scopes);
  m["diff_coverage"] = diff_metric(in, scopes);
  m["coverage_delta"] = delta_metric(m, in, scopes);
  m["tests_generated"] = in.tests_generated ? known(static_cast<double>(*in.tests_generated))
                                            : unknown("no generate run recorded: run `aqe generate src/`");
  return m;
}

size_t files_in_scope(const GateInputs& in, const std::vector<std::string>& scopes) {
  std::set<std::string_view> files;
  if (in.coverage)
    for (const auto& f : in.coverage->files)
      if (in_any_scope(f.file, scopes)) files.insert(f.file);
  if (in.findings)
    for (const auto& f : in.findings->findings)
      if (in_any_scope(f.file, scopes)) files.insert(f.file);
  return files.size();
}

double security_score(double critical, double high, double medium, double low) {
  return std::max(0.0, 100.0 - 50.0 * critical - 20.0 * high - 5.0 * medium - 1.0 * low);
}

Score compute_score(const Metrics& m, const Weights& w) {
  auto value = [&](const std::string& k) -> std::optional<double> {
    auto it = m.find(k);
    return it == m.end() ? std::nullopt : it->second.value;
  };
  std::vector<std::pair<std::string, std::pair<double, double>>> comps;  // name -> (weight, value)
  if (auto v = value("line_coverage")) comps.push_back({"line_coverage", {w.line_coverage, *v}});
  if (auto v = value("branch_coverage")) comps.push_back({"branch_coverage", {w.branch_coverage, *v}});
  if (auto v = value("test_pass_rate")) comps.push_back({"test_pass_rate", {w.test_pass_rate, *v}});
  auto c = value("security_critical"), h = value("security_high"), me = value("security_medium"),
       l = value("security_low");
  if (c && h && me && l) comps.push_back({"security", {w.security, security_score(*c, *h, *me, *l)}});

  double total_w = 0;
  for (const auto& [name, wv] : comps) total_w += std::max(0.0, wv.first);
  Score s;
  if (total_w <= 0) return s;
  double sum = 0;
  for (const auto& [name, wv] : comps) {
    double nw = std::max(0.0, wv.first) / total_w;
    s.parts.push_back({name, nw});
    sum += nw * wv.second;
  }
  s.value = std::clamp(sum, 0.0, 100.0);
  return s;
}

Result<Op> parse_op(std::string_view text) {
  static const std::pair<const char*, Op> kOps[] = {{"<", Op::kLt},  {"<=", Op::kLe}, {">", Op::kGt},
                                                    {">=", Op::kGe}, {"==", Op::kEq}, {"!=", Op::kNe}};
  for (const auto& [t, op] : kOps)
    if (text == t) return op;
  return make_error("CONFIG_INVALID", "unknown operator '" + std::string(text) + "'",
                    "use one of < <= > >= == !=");
}

std::string format_number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  std::string s = buf;
  while (ends_with(s, "0")) s.pop_back();
  if (ends_with(s, ".")) s.pop_back();
  return s;
}

std::string_view op_text(Op op) {
  switch (op) {
    case Op::kLt:
      return "<";
    case Op::kLe:
      return "<=";
    case Op::kGt:
      return ">";
    case Op::kGe:
      return ">=";
    case Op::kEq:
      return "==";
    case Op::kNe:
      return "!=";
  }
  return "?";
}

bool compare(double actual, Op op, double threshold) {
  // Percentages come from divisions; equality within 1e-9 avoids 80.000000001 != 80.
  const bool eq = std::fabs(actual - threshold) <= 1e-9 * std::max(1.0, std::fabs(threshold));
  switch (op) {
    case Op::kLt:
      return actual < threshold && !eq;
    case Op::kLe:
      return actual < threshold || eq;
    case Op::kGt:
      return actual > threshold && !eq;
    case Op::kGe:
      return actual > threshold || eq;
    case Op::kEq:
      return eq;
    case Op::kNe:
      return !eq;
  }
  return false;
}

Result<std::vector<Condition>> parse_conditions(const nlohmann::json& list, const std::string& where) {
  std::vector<Condition> out;
  if (list.is_null()) return out;
  if (!list.is_array())
    return make_error("CONFIG_INVALID", where + ": must be an array of {metric, op, value}");
  for (size_t i = 0; i < list.size(); ++i) {
    const auto& c = list[i];
    std::string at = where + "[" + std::to_string(i) + "]";
    if (!c.is_object() || !c.contains("metric") || !c["metric"].is_string() || !c.contains("op") ||
        !c["op"].is_string() || !c.contains("value") || !c["value"].is_number()) {
      return make_error("CONFIG_INVALID", at + ": a condition needs metric (string), op and value (number)",
                        R"(e.g. {"metric": "line_coverage", "op": ">=", "value": 80})");
    }
    std::string metric = c["metric"].get<std::string>();
    const auto& names = metric_names();
    if (std::find(names.begin(), names.end(), metric) == names.end()) {
      std::string near = closest_match(metric, names);
      std::string message = at;
      message += ".metric: unknown metric '" + metric + "'";
      return make_error("CONFIG_INVALID", message,
                        near.empty() ? "metrics: " + join(names, ", ") : "did you mean '" + near + "'?");
    }
    auto op = parse_op(c["op"].get<std::string>());
    if (!op) return make_error("CONFIG_INVALID", at + ".op: " + op.error().message, op.error().hint);
    out.push_back({metric, *op, c["value"].get<double>()});
  }
  return out;
}

}  // namespace aqe::gate
