// report_document: the model as report-schema version 1 (docs/report.md). Not measured = null.
#include "aqe/report/report.h"

namespace aqe::report {

using nlohmann::json;

namespace {

json number_or_null(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }
json text_or_null(const std::string& v) { return v.empty() ? json(nullptr) : json(v); }

json tests_json(const TestsSection& t) {
  json failures = json::array();
  for (const auto& f : t.failures) {
    failures.push_back({{"test", f.test},
                        {"file", f.file},
                        {"line", f.line ? json(*f.line) : json(nullptr)},
                        {"message", f.message},
                        {"traceback", f.traceback}});
  }
  json slowest = json::array();
  for (const auto& s : t.slowest) slowest.push_back({{"test", s.test}, {"duration_s", s.duration_s}});
  json flaky = json::array();
  for (const auto& f : t.flaky_tests) {
    flaky.push_back({{"test", f.test},
                     {"count", f.count ? json(*f.count) : json(nullptr)},
                     {"last_seen", text_or_null(f.last_seen)}});
  }
  return {{"run_id", t.run_id},         {"status", t.status},   {"complete", t.complete},
          {"started_at", t.started_at}, {"commit", t.commit},   {"total", t.total},
          {"passed", t.passed},         {"failed", t.failed},   {"skipped", t.skipped},
          {"errors", t.errors},         {"flaky", t.flaky},     {"pass_rate", number_or_null(t.pass_rate)},
          {"duration_s", t.duration_s}, {"workers", t.workers}, {"failures", failures},
          {"slowest", slowest},         {"flaky_tests", flaky}};
}

json coverage_json(const CoverageSection& c) {
  json files = json::array();
  for (const auto& f : c.files) {
    json arcs = nullptr;
    if (f.partial_branches) {
      arcs = json::array();
      for (const auto& [from, to] : *f.partial_branches) arcs.push_back({from, to});
    }
    files.push_back({{"path", f.path},
                     {"lines_covered", f.lines_covered},
                     {"lines_total", f.lines_total},
                     {"branches_covered", f.branches_covered},
                     {"branches_total", f.branches_total},
                     {"line_rate", number_or_null(f.line_rate)},
                     {"branch_rate", number_or_null(f.branch_rate)},
                     {"missing_lines", f.missing_lines ? json(*f.missing_lines) : json(nullptr)},
                     {"partial_branches", arcs}});
  }
  return {{"run_id", c.run_id},
          {"line_rate", number_or_null(c.line_rate)},
          {"branch_rate", number_or_null(c.branch_rate)},
          {"lines_covered", c.lines_covered},
          {"lines_total", c.lines_total},
          {"branches_covered", c.branches_covered},
          {"branches_total", c.branches_total},
          {"files", files}};
}

json gate_json(const GateSection& g) {
  const auto& s = g.summary;
  json conditions = json::array();
  for (const auto& c : s.conditions) {
    conditions.push_back({{"metric", c.metric},
                          {"op", c.op},
                          {"threshold", c.threshold},
                          {"actual", number_or_null(c.actual)},
                          {"passed", c.passed}});
  }
  return {{"run_id", g.run_id},
          {"passed", s.passed},
          {"skipped", s.skipped},
          {"blocking", s.blocking},
          {"score", number_or_null(s.score)},
          {"threshold", s.threshold},
          {"profile", s.profile},
          {"conditions", conditions}};
}

json finding_json(const state::FindingRow& f) {
  return {{"rule_id", f.rule_id},
          {"category", f.category},
          {"severity", f.severity},
          {"confidence", f.confidence},
          {"cwe", f.cwe},
          {"file", f.file},
          {"line", f.line},
          {"column", f.column},
          {"message", f.message},
          {"snippet", f.snippet},
          {"fingerprint", f.fingerprint}};
}

json security_json(const SecuritySection& s) {
  json findings = json::array();
  for (const auto& f : s.findings) findings.push_back(finding_json(f));
  return {{"run_id", s.run_id},
          {"files_scanned", s.files_scanned},
          {"counts", {{"critical", s.critical}, {"high", s.high}, {"medium", s.medium}, {"low", s.low}}},
          {"findings", findings}};
}

json generate_json(const GenerateSection& g) {
  return {{"run_id", g.run_id},
          {"tests_generated", g.tests_generated},
          {"engine", g.engine},
          {"line_rate", number_or_null(g.line_rate)},
          {"branch_rate", number_or_null(g.branch_rate)},
          {"cost_usd", g.cost_usd}};
}

json trends_json(const std::vector<TrendPoint>& points) {
  json out = json::array();
  for (const auto& p : points) {
    out.push_back({{"run_id", p.run_id},
                   {"started_at", p.started_at},
                   {"commit", p.commit},
                   {"pass_rate", number_or_null(p.pass_rate)},
                   {"line_rate", number_or_null(p.line_rate)},
                   {"branch_rate", number_or_null(p.branch_rate)},
                   {"duration_s", p.duration_s},
                   {"tests", p.tests},
                   {"findings", p.findings ? json(*p.findings) : json(nullptr)},
                   {"cost_usd", number_or_null(p.cost_usd)}});
  }
  return out;
}

json comparison_json(const Comparison& c) {
  json new_findings = nullptr;
  if (c.new_findings) {
    new_findings = json::array();
    for (const auto& f : *c.new_findings) {
      new_findings.push_back({{"rule_id", f.rule_id},
                              {"file", f.file},
                              {"line", f.line},
                              {"severity", f.severity},
                              {"fingerprint", f.fingerprint}});
    }
  }
  return {{"base_branch", c.base_branch},
          {"base_commit", c.base_commit},
          {"base_run_id", c.base_run_id ? json(*c.base_run_id) : json(nullptr)},
          {"measured", c.measured},
          {"reason", c.reason},
          {"new_failures", c.new_failures},
          {"fixed", c.fixed},
          {"newly_flaky", c.newly_flaky},
          {"line_rate_delta", number_or_null(c.line_rate_delta)},
          {"branch_rate_delta", number_or_null(c.branch_rate_delta)},
          {"new_findings", new_findings}};
}

json diff_json(const DiffSection& d) {
  json uncovered = json::array();
  for (const auto& u : d.uncovered) uncovered.push_back({{"file", u.file}, {"line", u.line}});
  return {{"base", d.base.empty() ? json(nullptr) : json(d.base)},
          {"base_reason", d.base_reason},
          {"merge_base", d.merge_base.empty() ? json(nullptr) : json(d.merge_base)},
          {"measured", d.unavailable.empty()},
          {"reason", d.unavailable},
          {"lines", d.lines},
          {"covered", d.covered},
          {"rate", number_or_null(d.rate)},
          {"files_changed", d.files_changed},
          {"files_measured", d.files_measured},
          {"uncovered", uncovered}};
}

template <typename T, typename F>
json section(const std::optional<T>& v, F to_json) {
  return v ? to_json(*v) : json(nullptr);
}

}  // namespace

json report_document(const Report& r) {
  return {{"schema", "aqe-report"},
          {"version", kDocumentVersion},
          {"generated_at", r.generated_at},
          {"aqe_version", AQE_VERSION},
          {"branch", r.branch},
          {"commit", r.commit},
          {"tests", section(r.tests, tests_json)},
          {"coverage", section(r.coverage, coverage_json)},
          {"diff_coverage", section(r.diff_coverage, diff_json)},
          {"gate", section(r.gate, gate_json)},
          {"security", section(r.security, security_json)},
          {"generate", section(r.generate, generate_json)},
          {"cost", section(r.cost,
                           [](const CostSection& c) {
                             return json{{"total_usd", c.total_usd}, {"calls", c.calls}};
                           })},
          {"trends", trends_json(r.trends)},
          {"comparison", section(r.comparison, comparison_json)}};
}

}  // namespace aqe::report
