// The quality gate: measured inputs (coverage, test results, security findings) become
// metrics, a 0-100 score and hard conditions, judged against a threshold under the profile
// the CI context selects. Pure logic plus the input parsers; cli/ does the I/O and printing.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "aqe/changes/changes.h"
#include "aqe/ci/ci.h"
#include "aqe/ci/github.h"
#include "aqe/coverage/coverage.h"
#include "aqe/state/runs.h"
#include "aqe/util/result.h"

namespace aqe::gate {

// The branch/event facts profiles are chosen by live in ci/ (execute records them too).
using ci::ci_facts;
using ci::CiFacts;

// ---- inputs ----

// Coverage is the shared model; the gate reads it with project-relative file names.
using coverage::FileCoverage;
using CoverageInput = coverage::CoverageReport;

struct TestInput {
  std::string origin;
  int64_t passed = 0, failed = 0, errors = 0, skipped = 0;
  int64_t flaky = 0;  // failed at first, passed on a re-run; not counted in `passed`
};

struct Finding {
  std::string file;      // project-relative when inside the project
  std::string severity;  // critical|high|medium|low
};

struct FindingsInput {
  std::string origin;
  std::vector<Finding> findings;
};

// The diff and diff coverage are shared with the report (changes/).
using changes::DiffInput;

struct GateInputs {
  std::optional<CoverageInput> coverage;
  std::optional<DiffInput> diff;
  // The latest coverage snapshot recorded on the base branch, for coverage_delta.
  std::optional<CoverageInput> base_coverage;
  std::string base_coverage_missing;  // why there is none
  std::optional<TestInput> tests;
  std::optional<FindingsInput> findings;
  std::optional<int64_t> tests_generated;
  std::optional<std::string> tests_generated_origin;
};

// A coverage report (coverage::read_coverage) with paths made project-relative. With
// `lines_for`, per-line lists are kept only for the files that diff changed (none when it is
// unavailable): diff coverage is their only reader.
Result<CoverageInput> parse_coverage(std::string_view text, const std::string& origin,
                                     const std::filesystem::path& project_dir,
                                     const DiffInput* lines_for = nullptr);
// Any JUnit XML (pytest, ctest, surefire...). Test cases with a rerun/flaky element and
// no final failure count as flaky.
Result<TestInput> parse_junit_results(std::string_view text, const std::string& origin);
// SARIF 2.1.0 results; suppressed and "absent" results are left out.
Result<FindingsInput> parse_sarif(std::string_view text, const std::string& origin,
                                  const std::filesystem::path& project_dir);

// Sums test inputs (shards of one run).
TestInput merge_tests(const std::vector<TestInput>& parts);
FindingsInput merge_findings(std::vector<FindingsInput> parts);

// ---- diffs ----

using changes::diff_against_base;
using changes::DiffCoverage;
using changes::UncoveredLine;

// diff_coverage (changes/) of `cov` with the changed files limited to `scopes`.
DiffCoverage diff_coverage(const DiffInput& diff, const CoverageInput& cov,
                           const std::vector<std::string>& scopes);

// The diff coverage of `in` under `scopes`; none without a diff or per-line coverage data.
std::optional<DiffCoverage> diff_coverage_of(const GateInputs& in, const std::vector<std::string>& scopes);

// ---- metrics ----

// A metric's measured value, or why there is none (never an invented figure).
struct Metric {
  std::optional<double> value;
  std::string unavailable_reason;
};
using Metrics = std::map<std::string, Metric>;

// Every metric name the gate knows, in display order.
const std::vector<std::string>& metric_names();

// Metrics over the files under any of `scopes` (empty = everything). Coverage and findings
// are filtered per file; test metrics are project-wide (tests are not mapped to source files).
Metrics compute_metrics(const GateInputs& in, const std::vector<std::string>& scopes);
// The number of measured files (coverage or findings) under any of `scopes`.
size_t files_in_scope(const GateInputs& in, const std::vector<std::string>& scopes);
bool path_in_scope(std::string_view file, std::string_view scope);

// ---- score ----

struct Weights {
  double line_coverage = 0.4;
  double branch_coverage = 0.2;
  double test_pass_rate = 0.3;
  double security = 0.1;
};

// 100 minus a penalty per finding: critical 50, high 20, medium 5, low 1; at least 0.
double security_score(double critical, double high, double medium, double low);

struct Score {
  std::optional<double> value;                        // 0-100; none when no weighted metric was measured
  std::vector<std::pair<std::string, double>> parts;  // component -> renormalised weight
};

// Weighted mean of the measured components (line, branch, pass rate, security score);
// the weights of unmeasured components are dropped and the rest renormalised.
Score compute_score(const Metrics& m, const Weights& w);

// ---- conditions ----

enum class Op { kLt, kLe, kGt, kGe, kEq, kNe };
Result<Op> parse_op(std::string_view text);
std::string_view op_text(Op op);

// A figure as shown in messages and tables: two decimals at most, no trailing zeros.
std::string format_number(double v);
bool compare(double actual, Op op, double threshold);

struct Condition {
  std::string metric;
  Op op = Op::kGe;
  double value = 0;
};

// Reads [{metric, op, value}]; `where` names the config location for errors.
Result<std::vector<Condition>> parse_conditions(const nlohmann::json& list, const std::string& where);

struct ConditionResult {
  std::string metric;  // a metric name, or "score"
  Op op = Op::kGe;
  double threshold = 0;
  std::optional<double> actual;
  bool passed = false;
  std::string message;  // why it failed ("line_coverage 71.2 < 80", "... not measured: ...")
};

// ---- profiles (chosen by CI branch/event) ----

struct Profile {
  std::string name;
  std::vector<std::string> branches;  // globs (fnmatch; '*' also matches '/')
  std::vector<std::string> events;
  std::optional<double> threshold;
  bool blocking = true;
  bool skip = false;
  std::optional<std::vector<Condition>> conditions;  // replaces the top-level conditions
};
Result<std::vector<Profile>> parse_profiles(const nlohmann::json& profiles);

struct ProfileChoice {
  std::optional<Profile> profile;
  std::string reason;  // "--profile", "event pull_request", "branch feature/x matches feature/*"
};
// --profile wins (unknown names are an error); then a profile whose events include the CI
// event (pull/merge request builds also match "pull_request" and "merge_request"); then one
// whose branches match. Ties go to the first name in alphabetical order.
Result<ProfileChoice> select_profile(const std::vector<Profile>& profiles, const CiFacts& ci,
                                     const std::string& explicit_name);

// ---- evaluation ----

struct ScopePolicy {
  std::string path;
  std::optional<double> threshold;
  std::vector<Condition> conditions;
};
Result<std::vector<ScopePolicy>> parse_scopes(const nlohmann::json& scopes);

struct UnitResult {
  std::string scope;  // "" = the whole project
  bool passed = false;
  std::optional<DiffCoverage> diff;  // when a diff and per-line coverage were available
  Score score;
  double threshold = 0;
  std::vector<ConditionResult> conditions;  // the score condition first
  Metrics metrics;
  size_t files = 0;
};

UnitResult evaluate_unit(const std::string& scope, const Metrics& m, const Weights& w, double threshold,
                         const std::vector<Condition>& conditions);

struct GatePolicy {
  double threshold = 80;
  Weights weights;
  std::vector<Condition> conditions;
  std::vector<ScopePolicy> config_scopes;
  std::vector<std::string> flag_scopes;  // --scope; replaces config scopes
  bool threshold_from_flag = false;      // --threshold beats scope/profile thresholds
};

struct GateResult {
  bool skipped = false;
  ProfileChoice profile;
  bool blocking = true;
  bool passed = false;
  UnitResult primary;               // the project, or the union of --scope paths
  std::vector<UnitResult> scopes;   // each scope on its own
  std::vector<std::string> inputs;  // origins of the data judged
  std::optional<DiffInput> diff;    // the base compared against, for the output
};

// Evaluates the gate. Errors: a scope that matches no measured file; a condition on an
// unknown metric (exit 3).
Result<GateResult> evaluate_gate(const GateInputs& in, const GatePolicy& policy,
                                 const ProfileChoice& profile);

// ---- rendering (strings only; cli/ prints and writes) ----

nlohmann::json to_json(const GateResult& r);
std::string to_text(const GateResult& r);
std::string to_markdown(const GateResult& r);
// GitHub annotations: an ::error (a ::warning when `as_error` is false) per failed condition,
// then a ::warning per uncovered changed line (all of them: cli/ spends GitHub's budget).
std::vector<ci::Annotation> annotations(const GateResult& r, bool as_error);
// passed, gate_passed ("true"/"false"/"skipped"), score, threshold ("" = not measured), for
// $GITHUB_OUTPUT.
std::vector<std::pair<std::string, std::string>> github_outputs(const GateResult& r);
// What the run record keeps of a result (the project or the union of the scopes).
state::GateSummary summary_of(const GateResult& r);

}  // namespace aqe::gate
