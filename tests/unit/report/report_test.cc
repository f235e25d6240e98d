// The report model from a DB filled through the state API: sections, partial runs, trends,
// the base-branch comparison, and the document's nulls for what was not measured.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>

#include "aqe/report/report.h"
#include "temp_dir.h"

namespace aqe::report {
namespace {

using state::ExecuteSummary;
using state::RunStatus;
using state::TestResultRow;

struct Fixture {
  aqe::testing::TempDir dir{"aqe-report-test"};
  state::Db db = state::Db::open(dir.path() / ".aqe").value();

  // An execute run with one row per test (outcome as given) and the counts they add up to.
  int64_t execute(const std::vector<std::pair<std::string, std::string>>& tests, RunStatus status,
                  const std::string& commit = "", std::optional<coverage::Counts> cov = std::nullopt,
                  std::vector<std::string> flaky = {}) {
    auto id = db.begin_run(state::RunInfo{"execute", "main", commit, "", {}});
    EXPECT_TRUE(id.ok());
    std::vector<TestResultRow> rows;
    ExecuteSummary s;
    s.framework = "pytest";
    double t = 0.1;
    for (const auto& [name, outcome] : tests) {
      rows.push_back(TestResultRow{name, "tests/test_a.py", outcome, t, 1,
                                   outcome == "failed" ? "assert 1 == 2" : "", 0});
      t += 0.1;
      ++s.tests_run;
      if (outcome == "passed") ++s.passed;
      if (outcome == "failed") ++s.failed;
      if (outcome == "skipped") ++s.skipped;
    }
    s.coverage = cov;
    s.flaky_tests = std::move(flaky);
    s.flaky = static_cast<int64_t>(s.flaky_tests.size());
    s.duration_s = 1.5;
    s.workers = 2;
    EXPECT_TRUE(db.record_test_results(*id, rows).ok());
    EXPECT_TRUE(db.finish_run(*id, status, status == RunStatus::kTimeout ? 5 : 0, state::RunSummary(s)).ok());
    return *id;
  }

  ReportOptions options() const {
    ReportOptions o;
    o.project_dir = dir.path();
    return o;
  }
};

TEST(ReportModel, NoRunAtAllIsAnError) {
  Fixture f;
  auto r = build_report(f.db, f.options());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "NO_DATA");
  EXPECT_NE(r.error().message.find("run aqe execute first"), std::string::npos);
}

TEST(ReportModel, TestsAndCoverageOfTheLatestCompleteRun) {
  Fixture f;
  f.execute({{"t::a", "passed"}}, RunStatus::kSuccess);
  const int64_t id = f.execute({{"t::a", "passed"}, {"t::b", "failed"}, {"t::c", "skipped"}},
                               RunStatus::kFailure, "", coverage::Counts{90, 100, 0, 0});
  auto r = build_report(f.db, f.options());
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_TRUE(r->tests);
  EXPECT_EQ(r->tests->run_id, id);
  EXPECT_TRUE(r->tests->complete);
  EXPECT_EQ(r->tests->status, "failure");
  EXPECT_EQ(r->tests->total, 3);
  EXPECT_DOUBLE_EQ(*r->tests->pass_rate, 50.0);  // 1 of the 2 that ran
  ASSERT_EQ(r->tests->failures.size(), 1u);
  EXPECT_EQ(r->tests->failures[0].test, "t::b");
  EXPECT_EQ(r->tests->failures[0].message, "assert 1 == 2");
  EXPECT_EQ(r->tests->slowest.front().test, "t::c");
  ASSERT_TRUE(r->coverage);
  EXPECT_DOUBLE_EQ(*r->coverage->line_rate, 90.0);
  EXPECT_FALSE(r->coverage->branch_rate) << "no branches measured is unknown, not 100%";
  // The report file of the run is gone: a warning, not invented line lists.
  EXPECT_FALSE(r->warnings.empty());
  ASSERT_EQ(r->trends.size(), 2u);
  EXPECT_LT(r->trends[0].run_id, r->trends[1].run_id);  // oldest first
  EXPECT_FALSE(r->trends[0].line_rate);

  const auto doc = report_document(*r);
  EXPECT_EQ(doc["schema"], "aqe-report");
  EXPECT_EQ(doc["version"], 1);
  EXPECT_TRUE(doc["gate"].is_null());
  EXPECT_TRUE(doc["security"].is_null());
  EXPECT_TRUE(doc["cost"].is_null());
  EXPECT_TRUE(doc["comparison"].is_null());
  EXPECT_TRUE(doc["coverage"]["branch_rate"].is_null());
  EXPECT_TRUE(doc["tests"]["failures"][0]["line"].is_null());
  EXPECT_TRUE(doc["trends"][0]["line_rate"].is_null());
}

TEST(ReportModel, XfailedCountsAsSkippedAndXpassedAsPassed) {
  Fixture f;
  auto id = f.db.begin_run(state::RunInfo{"execute", "main", "", "", {}});
  ASSERT_TRUE(id.ok());
  ExecuteSummary s;
  s.tests_run = 6;
  s.passed = 1;
  s.xpassed = 1;
  s.failed = 1;
  s.skipped = 1;
  s.xfailed = 2;
  ASSERT_TRUE(f.db.finish_run(*id, RunStatus::kFailure, 1, state::RunSummary(s)).ok());
  auto r = build_report(f.db, f.options());
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_TRUE(r->tests);
  EXPECT_EQ(r->tests->passed, 2);
  EXPECT_EQ(r->tests->skipped, 3);
  // 2 passed (one an xpass) of the 3 that were not skipped or xfailed.
  EXPECT_NEAR(*r->tests->pass_rate, 100.0 * 2 / 3, 0.01);
}

TEST(ReportModel, APartialRunIsNotTakenAsLatestButCanBeAskedFor) {
  Fixture f;
  const int64_t complete = f.execute({{"t::a", "passed"}}, RunStatus::kSuccess);
  const int64_t partial = f.execute({{"t::a", "passed"}}, RunStatus::kTimeout);
  auto r = build_report(f.db, f.options());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->tests->run_id, complete);
  ASSERT_FALSE(r->warnings.empty());
  EXPECT_NE(r->warnings.back().find("partial (timeout)"), std::string::npos) << r->warnings.back();
  EXPECT_EQ(r->trends.size(), 1u) << "trends hold complete runs only";

  ReportOptions o = f.options();
  o.run_id = partial;
  r = build_report(f.db, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->tests->run_id, partial);
  EXPECT_FALSE(r->tests->complete);
  EXPECT_EQ(report_document(*r)["tests"]["complete"], false);
  EXPECT_EQ(report_document(*r)["tests"]["status"], "timeout");
}

TEST(ReportModel, TheCheckoutsBranchFirst) {
  Fixture f;
  const int64_t main_run = f.execute({{"t::a", "passed"}}, RunStatus::kSuccess);
  auto other = f.db.begin_run(state::RunInfo{"execute", "other", "", "", {}});
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(f.db.finish_run(*other, RunStatus::kSuccess, 0, state::RunSummary(ExecuteSummary{})).ok());
  ReportOptions o = f.options();
  o.branch = "main";
  auto r = build_report(f.db, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->tests->run_id, main_run);
  EXPECT_EQ(r->branch, "main");
  o.branch = "feature";  // nothing recorded there: the latest of any branch, said so
  r = build_report(f.db, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->tests->run_id, *other);
  ASSERT_FALSE(r->warnings.empty());
  EXPECT_NE(r->warnings.front().find("no complete execute run on branch feature"), std::string::npos);
}

TEST(ReportModel, AnErrorRunIsNotReported) {
  Fixture f;
  const int64_t id = f.execute({{"t::a", "passed"}}, RunStatus::kError);
  ReportOptions o = f.options();
  o.run_id = id;
  auto r = build_report(f.db, o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("ended in an error"), std::string::npos);
}

TEST(ReportModel, UnknownRunIdNamesTheFlag) {
  Fixture f;
  f.execute({{"t::a", "passed"}}, RunStatus::kSuccess);
  ReportOptions o = f.options();
  o.run_id = 99;
  auto r = build_report(f.db, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.rfind("--run:", 0), 0u) << r.error().message;
  EXPECT_EQ(r.error().exit_code, ExitCode::kUsage);
}

TEST(ReportModel, ScanAloneIsAReport) {
  Fixture f;
  auto id = f.db.begin_run(state::RunInfo{"security-scan", "main", "", "", {}});
  ASSERT_TRUE(id.ok());
  state::FindingRow finding{"AQE-S1", "secret", "high", "high", "CWE-798", "app.py",
                            "key",    "***",    "fp1",  3,      5};
  ASSERT_TRUE(f.db.record_findings(*id, {finding}).ok());
  state::ScanSummary s;
  s.files_scanned = 4;
  s.high = 1;
  ASSERT_TRUE(f.db.finish_run(*id, RunStatus::kFailure, 1, state::RunSummary(s)).ok());
  auto r = build_report(f.db, f.options());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->tests);
  ASSERT_TRUE(r->security);
  EXPECT_EQ(r->security->findings.size(), 1u);
  const auto doc = report_document(*r);
  EXPECT_TRUE(doc["tests"].is_null());
  EXPECT_EQ(doc["security"]["counts"]["high"], 1);
  EXPECT_EQ(doc["security"]["findings"][0]["fingerprint"], "fp1");
}

TEST(ReportModel, FlakyTestsCarryTheirHistoryAndCostTheLedger) {
  Fixture f;
  ASSERT_TRUE(f.db.record_flake("t::a").ok());
  ASSERT_TRUE(f.db.record_flake("t::a").ok());
  const int64_t id = f.execute({{"t::a", "passed"}}, RunStatus::kSuccess, "", std::nullopt, {"t::a"});
  state::UsageRow u;
  u.command = "generate";
  u.cost_usd = 0.25;
  u.run_id = id;
  ASSERT_TRUE(f.db.record_usage(u).ok());
  auto r = build_report(f.db, f.options());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->tests->flaky_tests.size(), 1u);
  EXPECT_EQ(*r->tests->flaky_tests[0].count, 2);
  EXPECT_FALSE(r->tests->flaky_tests[0].last_seen.empty());
  ASSERT_TRUE(r->cost);
  EXPECT_EQ(r->cost->calls, 1);
  EXPECT_DOUBLE_EQ(r->cost->total_usd, 0.25);
  EXPECT_FALSE(r->coverage) << "a run without --coverage has no coverage section";
}

TEST(ReportModel, TrendPointsCarryTheFindingsAndCostOfTheirOwnCommit) {
  Fixture f;
  const std::string c1(40, 'a'), c2(40, 'b'), c3(40, 'c');
  f.execute({{"t::a", "passed"}}, RunStatus::kSuccess, c1);
  const int64_t second = f.execute({{"t::a", "passed"}}, RunStatus::kSuccess, c2);
  f.execute({{"t::a", "passed"}}, RunStatus::kSuccess, c3);
  auto scan = [&](const std::string& commit, int64_t high, RunStatus status) {
    auto id = f.db.begin_run(state::RunInfo{"security-scan", "main", commit, "", {}});
    ASSERT_TRUE(id.ok());
    state::ScanSummary s;
    s.high = high;
    s.low = 1;
    ASSERT_TRUE(f.db.finish_run(*id, status, 1, state::RunSummary(s)).ok());
  };
  scan(c1, 2, RunStatus::kFailure);
  scan(c1, 9, RunStatus::kInterrupted);  // partial: not the commit's figure
  scan(c2, 0, RunStatus::kSuccess);
  state::UsageRow u;
  u.command = "generate";
  u.cost_usd = 0.25;
  u.run_id = second;
  ASSERT_TRUE(f.db.record_usage(u).ok());
  u.cost_usd = 0.5;
  ASSERT_TRUE(f.db.record_usage(u).ok());
  auto r = build_report(f.db, f.options());
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->trends.size(), 3u);
  EXPECT_EQ(r->trends[0].findings, 3);
  EXPECT_FALSE(r->trends[0].cost_usd) << "no model call at that commit";
  EXPECT_EQ(r->trends[1].findings, 1);
  ASSERT_TRUE(r->trends[1].cost_usd);
  EXPECT_DOUBLE_EQ(*r->trends[1].cost_usd, 0.75);
  EXPECT_FALSE(r->trends[2].findings) << "no scan of that commit: not carried over from the one before";
  const auto doc = report_document(*r);
  EXPECT_EQ(doc["trends"][0]["findings"], 3);
  EXPECT_TRUE(doc["trends"][2]["findings"].is_null());
  EXPECT_TRUE(doc["trends"][2]["cost_usd"].is_null());
  EXPECT_DOUBLE_EQ(doc["trends"][1]["cost_usd"].get<double>(), 0.75);
}

TEST(ReportModel, SinceLimitsTheTrends) {
  Fixture f;
  auto old = f.db.begin_run(state::RunInfo{"execute", "main", "", "2020-01-01T00:00:00Z", {}});
  ASSERT_TRUE(old.ok());
  ASSERT_TRUE(f.db.finish_run(*old, RunStatus::kSuccess, 0, state::RunSummary(ExecuteSummary{})).ok());
  f.execute({{"t::a", "passed"}}, RunStatus::kSuccess);
  ReportOptions o = f.options();
  EXPECT_EQ(build_report(f.db, o)->trends.size(), 2u);
  o.since = std::chrono::hours(24 * 30);
  EXPECT_EQ(build_report(f.db, o)->trends.size(), 1u);
  o.trend_count = 1;
  o.since.reset();
  EXPECT_EQ(build_report(f.db, o)->trends.size(), 1u);
}

TEST(ReportSince, Durations) {
  EXPECT_EQ(parse_since("30d")->count(), 30 * 86400);
  EXPECT_EQ(parse_since("12h")->count(), 12 * 3600);
  EXPECT_EQ(parse_since("2w")->count(), 14 * 86400);
  EXPECT_EQ(parse_since("90s")->count(), 90);
  for (const char* bad : {"", "d", "30", "-3d", "0d", "3.5d", "3x", "d3", "999999999999999999d"}) {
    auto r = parse_since(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().message.rfind("--since:", 0), 0u);
  }
}

// A repository with two commits: base (on trunk) and head (on a feature branch).
struct GitFixture : Fixture {
  std::string base, head;
  bool ok = false;
  GitFixture() {
    const std::string q = "'" + dir.path().string() + "'";
    const std::string commit = " && git -c user.email=a@b -c user.name=a commit -q --allow-empty -m ";
    const std::string setup = "cd " + q + " && git init -q -b trunk . " + commit + "base" +
                              " && git checkout -q -b feature" + commit + "head" +
                              " && git rev-parse trunk > base.txt && git rev-parse HEAD > head.txt";
    if (std::system(setup.c_str()) != 0) return;
    base = std::string(trim(*read_file(dir.path() / "base.txt")));
    head = std::string(trim(*read_file(dir.path() / "head.txt")));
    ok = true;
  }
  static std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.remove_suffix(1);
    return s;
  }
};

TEST(ReportComparison, BaseCommitNeverMeasuredIsUnknown) {
  GitFixture f;
  if (!f.ok) GTEST_SKIP() << "git is not available";
  f.execute({{"t::a", "passed"}}, RunStatus::kSuccess, f.head);
  ReportOptions o = f.options();
  o.base_branch = "trunk";
  auto r = build_report(f.db, o);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_TRUE(r->comparison);
  EXPECT_FALSE(r->comparison->measured);
  EXPECT_EQ(r->comparison->base_commit, f.base);
  EXPECT_EQ(r->comparison->reason, "unknown: base commit " + f.base.substr(0, 12) + " was never measured");
  const auto doc = report_document(*r)["comparison"];
  EXPECT_TRUE(doc["base_run_id"].is_null());
  EXPECT_TRUE(doc["line_rate_delta"].is_null());
  EXPECT_TRUE(doc["new_failures"].empty());
}

TEST(ReportComparison, MeasuredBaseGivesDeltas) {
  GitFixture f;
  if (!f.ok) GTEST_SKIP() << "git is not available";
  // A partial run on the base commit is not a measurement of it.
  f.execute({{"t::a", "passed"}}, RunStatus::kTimeout, f.base);
  const int64_t base_run = f.execute({{"t::a", "passed"}, {"t::b", "failed"}, {"t::c", "passed"}},
                                     RunStatus::kFailure, f.base, coverage::Counts{80, 100, 10, 20});
  f.execute({{"t::a", "failed"}, {"t::b", "passed"}, {"t::c", "passed"}}, RunStatus::kFailure, f.head,
            coverage::Counts{85, 100, 9, 20}, {"t::c"});
  ReportOptions o = f.options();
  o.base_branch = "trunk";
  auto r = build_report(f.db, o);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Comparison& c = *r->comparison;
  EXPECT_TRUE(c.measured);
  EXPECT_EQ(*c.base_run_id, base_run);
  EXPECT_EQ(c.new_failures, std::vector<std::string>{"t::a"});
  EXPECT_EQ(c.fixed, std::vector<std::string>{"t::b"});
  EXPECT_EQ(c.newly_flaky, std::vector<std::string>{"t::c"});
  EXPECT_DOUBLE_EQ(*c.line_rate_delta, 5.0);
  EXPECT_DOUBLE_EQ(*c.branch_rate_delta, -5.0);
  EXPECT_FALSE(c.new_findings) << "no scan on either side: unknown";
}

TEST(ReportComparison, UnresolvableBaseNamesTheFlag) {
  GitFixture f;
  if (!f.ok) GTEST_SKIP() << "git is not available";
  f.execute({{"t::a", "passed"}}, RunStatus::kSuccess, f.head);
  ReportOptions o = f.options();
  o.base_branch = "no-such-branch";
  auto r = build_report(f.db, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.rfind("--base-branch:", 0), 0u) << r.error().message;
}

// The bar: a 10,000-test run reports in well under a second (one query per table).
TEST(ReportModel, TenThousandTests) {
  Fixture f;
  std::vector<std::pair<std::string, std::string>> tests;
  for (int i = 0; i < 10000; ++i)
    tests.emplace_back("tests/test_a.py::test_" + std::to_string(i), i % 100 == 0 ? "failed" : "passed");
  f.execute(tests, RunStatus::kFailure);
  auto r = build_report(f.db, f.options());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->tests->failures.size(), 100u);
  EXPECT_EQ(r->tests->slowest.size(), 10u);
  const std::string md = render_markdown(*r, 8 * 1024);
  EXPECT_LE(md.size(), 8u * 1024);
}

}  // namespace
}  // namespace aqe::report
