#include "aqe/gate/gate.h"

#include <gtest/gtest.h>

#include <chrono>

namespace aqe::gate {
namespace {

Metrics metrics_of(std::map<std::string, std::optional<double>> values) {
  Metrics m;
  for (const auto& name : metric_names()) m[name] = Metric{std::nullopt, "not measured in this test"};
  for (const auto& [k, v] : values) m[k] = Metric{v, v ? "" : "not measured in this test"};
  return m;
}

// ---- score ----

struct ScoreCase {
  const char* name;
  std::map<std::string, std::optional<double>> values;
  Weights weights;
  std::optional<double> expected;
};

class ScoreTable : public ::testing::TestWithParam<ScoreCase> {};

TEST_P(ScoreTable, WeightedMeanOfMeasuredComponents) {
  const auto& c = GetParam();
  Score s = compute_score(metrics_of(c.values), c.weights);
  ASSERT_EQ(s.value.has_value(), c.expected.has_value()) << c.name;
  if (c.expected) {
    EXPECT_NEAR(*s.value, *c.expected, 1e-9) << c.name;
  }
}

const std::map<std::string, std::optional<double>> kNoFindings = {
    {"security_critical", 0}, {"security_high", 0}, {"security_medium", 0}, {"security_low", 0}};

std::map<std::string, std::optional<double>> with(std::map<std::string, std::optional<double>> a,
                                                  const std::map<std::string, std::optional<double>>& b) {
  for (const auto& [k, v] : b) a[k] = v;
  return a;
}

INSTANTIATE_TEST_SUITE_P(
    Gate, ScoreTable,
    ::testing::Values(
        ScoreCase{
            "all measured, perfect",
            with(kNoFindings, {{"line_coverage", 100}, {"branch_coverage", 100}, {"test_pass_rate", 100}}),
            {},
            100.0},
        // 0.4*60 + 0.2*37.5 + 0.3*80 + 0.1*95 = 65
        ScoreCase{"fixture figures",
                  with(kNoFindings, {{"line_coverage", 60},
                                     {"branch_coverage", 37.5},
                                     {"test_pass_rate", 80},
                                     {"security_medium", 1}}),
                  {},
                  65.0},
        // security unmeasured: weights 0.4/0.2/0.3 renormalised over 0.9
        ScoreCase{"security dropped",
                  {{"line_coverage", 60}, {"branch_coverage", 37.5}, {"test_pass_rate", 80}},
                  {},
                  55.5 / 0.9},
        ScoreCase{"only tests", {{"test_pass_rate", 90}}, {}, 90.0},
        ScoreCase{"only security, one critical", with(kNoFindings, {{"security_critical", 1}}), {}, 50.0},
        ScoreCase{"security floors at 0", with(kNoFindings, {{"security_high", 7}}), {}, 0.0},
        ScoreCase{"nothing measured", {}, {}, std::nullopt},
        ScoreCase{"custom weights", {{"line_coverage", 50}, {"test_pass_rate", 100}}, {1, 0, 1, 0}, 75.0},
        ScoreCase{
            "measured metric with zero weight only", {{"branch_coverage", 50}}, {1, 0, 1, 1}, std::nullopt}));

TEST(GateScore, SecurityScorePenalties) {
  EXPECT_DOUBLE_EQ(security_score(0, 0, 0, 0), 100);
  EXPECT_DOUBLE_EQ(security_score(1, 0, 0, 0), 50);
  EXPECT_DOUBLE_EQ(security_score(0, 1, 1, 1), 74);
  EXPECT_DOUBLE_EQ(security_score(3, 0, 0, 0), 0);
}

// ---- operators ----

struct OpCase {
  const char* op;
  double actual, threshold;
  bool expected;
};

class OpTable : public ::testing::TestWithParam<OpCase> {};

TEST_P(OpTable, Compares) {
  const auto& c = GetParam();
  auto op = parse_op(c.op);
  ASSERT_TRUE(op.ok());
  EXPECT_EQ(op_text(*op), c.op);
  EXPECT_EQ(compare(c.actual, *op, c.threshold), c.expected) << c.actual << " " << c.op << " " << c.threshold;
}

INSTANTIATE_TEST_SUITE_P(Gate, OpTable,
                         ::testing::Values(OpCase{"<", 1, 2, true}, OpCase{"<", 2, 2, false},
                                           OpCase{"<", 3, 2, false}, OpCase{"<=", 2, 2, true},
                                           OpCase{"<=", 3, 2, false}, OpCase{">", 3, 2, true},
                                           OpCase{">", 2, 2, false}, OpCase{">=", 2, 2, true},
                                           OpCase{">=", 1.9, 2, false}, OpCase{"==", 0, 0, true},
                                           OpCase{"==", 1, 0, false}, OpCase{"!=", 1, 0, true},
                                           OpCase{"!=", 0, 0, false},
                                           // 100*4/5 computed in floating point still equals 80
                                           OpCase{">=", 100.0 * 0.8 * (1.0 / 3.0) * 3.0, 80, true}));

TEST(GateConditions, UnknownOperatorAndMetricAreErrors) {
  EXPECT_FALSE(parse_op("=>").ok());
  auto bad =
      parse_conditions(nlohmann::json::parse(R"([{"metric": "line_coverag", "op": ">=", "value": 1}])"),
                       "quality-gates.json: conditions");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("conditions[0].metric"), std::string::npos);
  EXPECT_EQ(bad.error().hint, "did you mean 'line_coverage'?");
  auto good = parse_conditions(
      nlohmann::json::parse(R"([{"metric": "security_high", "op": "==", "value": 0}])"), "c");
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good->at(0).op, Op::kEq);
}

TEST(GateConditions, UnmeasuredMetricFailsWithReason) {
  UnitResult u = evaluate_unit("", metrics_of({{"test_pass_rate", 100}}), {}, 80,
                               {{"line_coverage", Op::kGe, 80}, {"test_pass_rate", Op::kGe, 99}});
  ASSERT_EQ(u.conditions.size(), 3u);
  EXPECT_TRUE(u.conditions[0].passed);  // score 100 >= 80
  EXPECT_FALSE(u.conditions[1].passed);
  EXPECT_NE(u.conditions[1].message.find("not measured"), std::string::npos);
  EXPECT_TRUE(u.conditions[2].passed);
  EXPECT_FALSE(u.passed);
}

// ---- profiles ----

std::vector<Profile> sample_profiles() {
  auto p = parse_profiles(nlohmann::json::parse(R"({
    "main": {"branches": ["main", "release/*"], "threshold": 90},
    "pr": {"events": ["pull_request"], "threshold": 70, "blocking": false},
    "feature": {"branches": ["feature/*"], "skip": true}})"));
  EXPECT_TRUE(p.ok());
  return *p;
}

struct ProfileCase {
  const char* name;
  std::map<std::string, std::string> env;
  const char* explicit_name;
  const char* expected;  // "" = none
};

class ProfileTable : public ::testing::TestWithParam<ProfileCase> {};

TEST_P(ProfileTable, Selects) {
  const auto& c = GetParam();
  auto choice = select_profile(sample_profiles(), ci_facts(c.env), c.explicit_name);
  ASSERT_TRUE(choice.ok()) << choice.error().message;
  EXPECT_EQ(choice->profile ? choice->profile->name : "", c.expected) << c.name << ": " << choice->reason;
}

INSTANTIATE_TEST_SUITE_P(
    Gate, ProfileTable,
    ::testing::Values(
        ProfileCase{"github push main",
                    {{"GITHUB_REF", "refs/heads/main"}, {"GITHUB_EVENT_NAME", "push"}},
                    "",
                    "main"},
        ProfileCase{"github release glob",
                    {{"GITHUB_REF", "refs/heads/release/1.2"}, {"GITHUB_EVENT_NAME", "push"}},
                    "",
                    "main"},
        ProfileCase{"github pull request",
                    {{"GITHUB_REF", "refs/pull/7/merge"},
                     {"GITHUB_EVENT_NAME", "pull_request"},
                     {"GITHUB_BASE_REF", "main"},
                     {"GITHUB_HEAD_REF", "feature/x"}},
                    "",
                    "pr"},
        ProfileCase{"github feature push",
                    {{"GITHUB_REF", "refs/heads/feature/a/b"}, {"GITHUB_EVENT_NAME", "push"}},
                    "",
                    "feature"},
        ProfileCase{
            "github ref name only", {{"GITHUB_REF_NAME", "main"}, {"GITHUB_EVENT_NAME", "push"}}, "", "main"},
        ProfileCase{"gitlab branch", {{"GITLAB_CI", "true"}, {"CI_COMMIT_BRANCH", "main"}}, "", "main"},
        ProfileCase{"gitlab merge request",
                    {{"GITLAB_CI", "true"},
                     {"CI_MERGE_REQUEST_IID", "12"},
                     {"CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "feature/y"},
                     {"CI_PIPELINE_SOURCE", "merge_request_event"}},
                    "",
                    "pr"},
        ProfileCase{"jenkins branch", {{"BRANCH_NAME", "feature/z"}}, "", "feature"},
        ProfileCase{"jenkins pull request", {{"BRANCH_NAME", "PR-3"}, {"CHANGE_ID", "3"}}, "", "pr"},
        ProfileCase{"no CI", {}, "", ""}, ProfileCase{"other branch", {{"BRANCH_NAME", "hotfix"}}, "", ""},
        ProfileCase{"--profile wins", {{"GITHUB_REF", "refs/heads/main"}}, "pr", "pr"}));

TEST(GateProfiles, UnknownExplicitProfileSuggests) {
  auto choice = select_profile(sample_profiles(), {}, "mian");
  ASSERT_FALSE(choice.ok());
  EXPECT_EQ(choice.error().hint, "did you mean 'main'?");
}

TEST(GateProfiles, SkipAndNonBlocking) {
  GateInputs in;
  in.tests = TestInput{"j", 1, 1, 0, 0, 0};
  GatePolicy policy;
  auto profiles = sample_profiles();
  auto feature = select_profile(profiles, {}, "feature");
  auto r = evaluate_gate(in, policy, *feature);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->skipped);
  auto pr = select_profile(profiles, {}, "pr");
  r = evaluate_gate(in, policy, *pr);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->passed);  // pass rate 50 < 70
  EXPECT_FALSE(r->blocking);
  EXPECT_DOUBLE_EQ(r->primary.threshold, 70);
}

TEST(GateProfiles, ThresholdFlagBeatsProfile) {
  GateInputs in;
  in.tests = TestInput{"j", 3, 1, 0, 0, 0};
  GatePolicy policy;
  policy.threshold = 60;
  policy.threshold_from_flag = true;
  auto main = select_profile(sample_profiles(), {}, "main");
  auto r = evaluate_gate(in, policy, *main);
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->primary.threshold, 60);
  EXPECT_TRUE(r->passed);  // 75 >= 60
}

// ---- scopes ----

GateInputs scoped_inputs() {
  GateInputs in;
  CoverageInput c;
  c.origin = "cov";
  c.has_branches = true;
  c.files = {{"src/auth/login.py", 8, 10, 4, 6, false, {}, {}},
             {"src/auth/token.py", 2, 10, 0, 0, false, {}, {}},
             {"src/authx/other.py", 0, 10, 0, 2, false, {}, {}},
             {"src/util/mathx.py", 7, 15, 2, 10, false, {}, {}}};
  in.coverage = c;
  in.findings = FindingsInput{"sarif", {{"src/auth/login.py", "high"}, {"src/util/mathx.py", "critical"}}};
  return in;
}

struct ScopeCase {
  std::vector<std::string> scopes;
  double line, branch, critical, high;
  size_t files;
};

class ScopeTable : public ::testing::TestWithParam<ScopeCase> {};

TEST_P(ScopeTable, FiltersPerFile) {
  const auto& c = GetParam();
  GateInputs in = scoped_inputs();
  Metrics m = compute_metrics(in, c.scopes);
  EXPECT_NEAR(*m["line_coverage"].value, c.line, 1e-9);
  EXPECT_NEAR(*m["branch_coverage"].value, c.branch, 1e-9);
  EXPECT_EQ(*m["security_critical"].value, c.critical);
  EXPECT_EQ(*m["security_high"].value, c.high);
  EXPECT_EQ(files_in_scope(in, c.scopes), c.files);
}

INSTANTIATE_TEST_SUITE_P(
    Gate, ScopeTable,
    ::testing::Values(ScopeCase{{}, 100.0 * 17 / 45, 100.0 * 6 / 18, 1, 1, 4},
                      // "src/auth/" must not take in src/authx/
                      ScopeCase{{"src/auth/"}, 50, 100.0 * 4 / 6, 0, 1, 2},
                      ScopeCase{{"src/auth"}, 50, 100.0 * 4 / 6, 0, 1, 2},
                      ScopeCase{{"src/auth/login.py"}, 80, 100.0 * 4 / 6, 0, 1, 1},
                      ScopeCase{{"src/auth", "src/util"}, 100.0 * 17 / 35, 100.0 * 6 / 16, 1, 1, 3}));

TEST(GateScopes, ScopeMatchingNothingIsAnError) {
  GatePolicy policy;
  policy.flag_scopes = {"src/payments"};
  auto r = evaluate_gate(scoped_inputs(), policy, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "SCOPE_EMPTY");
  EXPECT_NE(r.error().message.find("src/payments"), std::string::npos);
  EXPECT_EQ(r.error().exit_code, ExitCode::kUsage);
}

TEST(GateScopes, ConfigScopeThresholdAppliesToMatchingFlagScope) {
  GatePolicy policy;
  policy.threshold = 10;
  policy.config_scopes = {{"src/auth/", 95.0, {{"security_high", Op::kEq, 0}}}};
  policy.flag_scopes = {"src/auth"};
  auto r = evaluate_gate(scoped_inputs(), policy, {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_DOUBLE_EQ(r->primary.threshold, 95);
  ASSERT_EQ(r->primary.conditions.size(), 2u);
  EXPECT_EQ(r->primary.conditions[1].metric, "security_high");
  EXPECT_FALSE(r->passed);
}

TEST(GateScopes, ConfigScopesAreJudgedBesideTheProject) {
  GatePolicy policy;
  policy.threshold = 0;
  policy.config_scopes = {{"src/util", 99.0, {}}};
  auto r = evaluate_gate(scoped_inputs(), policy, {});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->primary.passed);
  ASSERT_EQ(r->scopes.size(), 1u);
  EXPECT_FALSE(r->scopes[0].passed);
  EXPECT_FALSE(r->passed);
  auto j = to_json(*r);
  EXPECT_EQ(j["scopes"][0]["path"], "src/util");
  EXPECT_EQ(j["passed"], false);
}

// ---- rendering ----

TEST(GateReport, JsonContractFieldsAndGithubOutputs) {
  GateInputs in = scoped_inputs();
  GatePolicy policy;
  policy.threshold = 30;  // score (0.4*37.78 + 0.2*33.33 + 0.1*30) / 0.7 = 35.4 passes
  policy.conditions = {{"security_critical", Op::kEq, 0}};
  auto r = evaluate_gate(in, policy, {});
  ASSERT_TRUE(r.ok());
  auto j = to_json(*r);
  for (const char* k : {"passed", "score", "threshold", "profile", "scopes", "conditions", "metrics"})
    EXPECT_TRUE(j.contains(k)) << k;
  for (const char* k : {"metric", "op", "threshold", "actual", "passed"})
    EXPECT_TRUE(j["conditions"][1].contains(k)) << k;
  EXPECT_EQ(j["conditions"][1]["actual"], 1.0);
  EXPECT_TRUE(j["metrics"]["diff_coverage"].is_null());
  auto outputs = github_outputs(*r);
  ASSERT_EQ(outputs.size(), 4u);
  EXPECT_EQ(outputs[0], std::make_pair(std::string("passed"), std::string("false")));
  EXPECT_EQ(outputs[1], std::make_pair(std::string("gate_passed"), std::string("false")));
  EXPECT_EQ(outputs[2].first, "score");
  auto ann = annotations(*r, true);
  ASSERT_EQ(ann.size(), 1u);
  EXPECT_EQ(ann[0].level, ci::Annotation::Level::kError);
  const std::string line = ci::format_annotation(ann[0]);
  EXPECT_EQ(line.rfind("::error title=Quality gate::security_critical == 0 failed", 0), 0u) << line;
  EXPECT_NE(to_markdown(*r).find("| security_critical | == | 0 | 1 | ❌ |"), std::string::npos);
}

// Not a timing assertion: a sanity run over a large input so ASan/UBSan see the hot path.
TEST(GateScale, TenThousandFiles) {
  GateInputs in;
  CoverageInput c;
  c.origin = "big";
  c.has_branches = true;
  for (int i = 0; i < 10000; ++i) {
    c.files.push_back(
        {"src/mod" + std::to_string(i % 100) + "/f" + std::to_string(i) + ".py", 8, 10, 1, 2, false, {}, {}});
  }
  in.coverage = std::move(c);
  GatePolicy policy;
  policy.flag_scopes = {"src/mod7"};
  auto r = evaluate_gate(in, policy, {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->primary.files, 100u);
  EXPECT_NEAR(*r->primary.metrics["line_coverage"].value, 80, 1e-9);
}

}  // namespace
}  // namespace aqe::gate
