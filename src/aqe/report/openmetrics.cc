// --format openmetrics: the report's key figures in the Prometheus text exposition format
// (0.0.4, what a Pushgateway and promtool read). Every figure is a gauge of the latest run that
// measured it; rates are ratios (0..1) as Prometheus names them; nothing unmeasured is written.
#include <cstdio>
#include <optional>

#include "aqe/report/formats.h"

namespace aqe::report {

namespace {

class Exposition {
 public:
  explicit Exposition(std::string branch) : branch_(std::move(branch)) {}

  // One gauge family with one sample per label set; `extra` is "name=\"value\"" pairs.
  void gauge(const std::string& name, const std::string& help,
             const std::vector<std::pair<std::string, double>>& samples, const std::string& command) {
    if (samples.empty()) return;
    out_ += "# HELP " + name + " " + help + "\n# TYPE " + name + " gauge\n";
    for (const auto& [extra, value] : samples) {
      out_ += name + "{branch=\"" + escape_label(branch_) + "\"";
      if (!command.empty()) out_ += ",command=\"" + escape_label(command) + "\"";
      if (!extra.empty()) out_ += "," + extra;
      out_ += "} " + number(value) + "\n";
    }
  }
  void gauge(const std::string& name, const std::string& help, std::optional<double> value,
             const std::string& command) {
    if (value) gauge(name, help, {{"", *value}}, command);
  }
  std::string take() { return std::move(out_); }

 private:
  static std::string number(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
  }
  std::string branch_, out_;
};

std::optional<double> ratio(std::optional<double> percent) {
  if (!percent) return std::nullopt;
  return *percent / 100.0;
}

double d(int64_t v) { return static_cast<double>(v); }

}  // namespace

std::string escape_label(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string render_openmetrics(const Report& r) {
  Exposition e(r.branch);
  if (r.tests) {
    const auto& t = *r.tests;
    const std::string cmd = "execute";
    e.gauge("aqe_tests_run", "Tests run by the reported execute run.", d(t.total), cmd);
    e.gauge("aqe_tests", "Tests of the reported execute run by outcome.",
            {{"outcome=\"passed\"", d(t.passed)},
             {"outcome=\"failed\"", d(t.failed)},
             {"outcome=\"error\"", d(t.errors)},
             {"outcome=\"skipped\"", d(t.skipped)},
             {"outcome=\"flaky\"", d(t.flaky)}},
            cmd);
    e.gauge("aqe_tests_failed", "Tests failed or in error in the reported execute run.",
            d(t.failed + t.errors), cmd);
    e.gauge("aqe_tests_flaky", "Tests that failed, then passed on a retry.", d(t.flaky), cmd);
    e.gauge("aqe_tests_pass_ratio", "Passed over run minus skipped tests.", ratio(t.pass_rate), cmd);
    e.gauge("aqe_tests_duration_seconds", "Wall time of the reported execute run.", t.duration_s, cmd);
    e.gauge("aqe_run_complete", "1 when every planned test ran, 0 for a partial run.", t.complete ? 1.0 : 0.0,
            cmd);
  }
  if (r.coverage) {
    e.gauge("aqe_coverage_line_ratio", "Covered over coverable lines.", ratio(r.coverage->line_rate),
            "execute");
    e.gauge("aqe_coverage_branch_ratio", "Covered over measured branches.", ratio(r.coverage->branch_rate),
            "execute");
  }
  // diff-cover's figure against the base it was compared with (a label: it changes with the
  // base); left out without a diff, and the ratio without an executable changed line.
  if (r.diff_coverage && r.diff_coverage->unavailable.empty()) {
    const DiffSection& dc = *r.diff_coverage;
    const std::string base = "base=\"" + escape_label(dc.base) + "\"";
    if (dc.lines > 0)
      e.gauge("aqe_coverage_diff_ratio", "Covered over executable lines changed since the merge base.",
              {{base, static_cast<double>(dc.covered) / static_cast<double>(dc.lines)}}, "execute");
    e.gauge("aqe_coverage_diff_lines", "Executable lines changed since the merge base.",
            {{base, static_cast<double>(dc.lines)}}, "execute");
  }
  if (r.gate && !r.gate->summary.skipped) {
    e.gauge("aqe_gate_score", "The quality gate's score.", r.gate->summary.score, "quality-gate");
    e.gauge("aqe_gate_passed", "1 when the quality gate passed, else 0.", r.gate->summary.passed ? 1.0 : 0.0,
            "quality-gate");
  }
  if (r.security) {
    const auto& s = *r.security;
    e.gauge("aqe_findings", "Security findings of the latest scan by severity.",
            {{"severity=\"critical\"", d(s.critical)},
             {"severity=\"high\"", d(s.high)},
             {"severity=\"medium\"", d(s.medium)},
             {"severity=\"low\"", d(s.low)}},
            "security-scan");
  }
  if (r.generate) {
    e.gauge("aqe_tests_generated", "Tests kept by the latest generate run.", d(r.generate->tests_generated),
            "generate");
  }
  if (r.cost) {
    // The ledger's rows of every command on the branch: no one command label applies.
    e.gauge("aqe_cost_usd", "AI model cost recorded in the usage ledger, in US dollars.", r.cost->total_usd,
            "");
  }
  return e.take();
}

}  // namespace aqe::report
