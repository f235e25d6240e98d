#include "aqe/gate/recorded_input.h"

#include <gtest/gtest.h>

#include "aqe/util/fs.h"
#include "temp_dir.h"

namespace aqe::gate {
namespace {

namespace fs = std::filesystem;

class RecordedInput : public ::testing::Test {
 protected:
  aqe::testing::TempDir tmp_{"aqe-gate-db"};
  fs::path dir_ = tmp_.path();
};

TEST_F(RecordedInput, NoRunsMeansNoInputs) {
  auto db = state::Db::open(dir_ / ".aqe");
  ASSERT_TRUE(db.ok()) << db.error().message;
  GateInputs in;
  ASSERT_TRUE(read_recorded_inputs(*db, dir_, in).ok());
  EXPECT_FALSE(in.tests || in.coverage || in.findings || in.tests_generated);
}

TEST_F(RecordedInput, LatestExecuteCoverageAndScan) {
  auto db = state::Db::open(dir_ / ".aqe");
  ASSERT_TRUE(db.ok()) << db.error().message;
  auto run = db->begin_run({"execute", "main", "abc", "", nlohmann::json::object()});
  ASSERT_TRUE(run.ok());
  state::ExecuteSummary summary;
  summary.tests_run = 10;
  summary.passed = 7;
  summary.failed = 1;
  summary.skipped = 1;
  summary.flaky = 1;
  ASSERT_TRUE(db->finish_run(*run, state::RunStatus::kFailure, 1, summary).ok());
  state::CoverageSnapshot snap;
  snap.run_id = *run;
  snap.lines_covered = 15;
  snap.lines_total = 25;
  snap.branches_covered = 6;
  snap.branches_total = 16;
  snap.files = {{"src/auth/login.py", 8, 10, 4, 6}, {(dir_ / "src/util/mathx.py").string(), 7, 15, 2, 10}};
  ASSERT_TRUE(db->record_coverage(snap).ok());
  auto scan = db->begin_run({"security-scan", "main", "abc", "", nlohmann::json::object()});
  ASSERT_TRUE(scan.ok());
  state::FindingRow f;
  f.rule_id = "x";
  f.severity = "high";
  f.file = "src/auth/login.py";
  ASSERT_TRUE(db->record_findings(*scan, {f}).ok());
  ASSERT_TRUE(db->finish_run(*scan, state::RunStatus::kFailure, 1, state::ScanSummary{}).ok());

  GateInputs in;
  ASSERT_TRUE(read_recorded_inputs(*db, dir_, in).ok());
  ASSERT_TRUE(in.tests && in.coverage && in.findings);
  Metrics m = compute_metrics(in, {});
  EXPECT_DOUBLE_EQ(*m["line_coverage"].value, 60);
  EXPECT_DOUBLE_EQ(*m["branch_coverage"].value, 37.5);
  // (7 passed + 1 flaky) / (7 + 1 + 1 failed); the skipped one is left out
  EXPECT_NEAR(*m["test_pass_rate"].value, 100.0 * 8 / 9, 1e-9);
  EXPECT_DOUBLE_EQ(*m["flaky_tests"].value, 1);
  EXPECT_DOUBLE_EQ(*m["security_high"].value, 1);
  // Absolute paths inside the project are compared project-relative.
  Metrics util = compute_metrics(in, {"src/util"});
  EXPECT_NEAR(*util["line_coverage"].value, 100.0 * 7 / 15, 1e-9);
  EXPECT_NE(in.tests->origin.find("execute run"), std::string::npos);
}

TEST_F(RecordedInput, XfailedIsSkippedAndXpassedIsPassedInThePassRate) {
  auto db = state::Db::open(dir_ / ".aqe");
  ASSERT_TRUE(db.ok()) << db.error().message;
  auto run = db->begin_run({"execute", "main", "abc", "", nlohmann::json::object()});
  ASSERT_TRUE(run.ok());
  state::ExecuteSummary summary;
  summary.tests_run = 6;
  summary.passed = 1;
  summary.xpassed = 1;
  summary.failed = 1;
  summary.skipped = 1;
  summary.xfailed = 2;
  ASSERT_TRUE(db->finish_run(*run, state::RunStatus::kFailure, 1, summary).ok());
  GateInputs in;
  ASSERT_TRUE(read_recorded_inputs(*db, dir_, in).ok());
  ASSERT_TRUE(in.tests);
  EXPECT_EQ(in.tests->passed, 2);
  EXPECT_EQ(in.tests->skipped, 3);
  Metrics m = compute_metrics(in, {});
  EXPECT_NEAR(*m["test_pass_rate"].value, 100.0 * 2 / 3, 1e-9);
}

TEST_F(RecordedInput, ExplicitInputsAreKept) {
  auto db = state::Db::open(dir_ / ".aqe");
  ASSERT_TRUE(db.ok());
  auto run = db->begin_run({"execute", "", "", "", nlohmann::json::object()});
  ASSERT_TRUE(run.ok());
  state::ExecuteSummary one;
  one.tests_run = 1;
  one.passed = 1;
  ASSERT_TRUE(db->finish_run(*run, state::RunStatus::kSuccess, 0, one).ok());
  GateInputs in;
  in.tests = TestInput{"junit.xml", 3, 0, 0, 0, 0};
  ASSERT_TRUE(read_recorded_inputs(*db, dir_, in).ok());
  EXPECT_EQ(in.tests->origin, "junit.xml");
  EXPECT_EQ(in.tests->passed, 3);
}

}  // namespace
}  // namespace aqe::gate
