// report merge: which shard inputs make one whole run (check_shards), what the merged summary
// adds up to (sum_summaries), and how a shard is found in a state directory (read_shard).
#include <gtest/gtest.h>

#include "aqe/report/merge.h"
#include "aqe/util/fs.h"
#include "temp_dir.h"

namespace aqe::report {
namespace {

Shard shard(int i, int n, const std::string& input = "") {
  Shard s;
  s.input = input.empty() ? "shard-" + std::to_string(i) : input;
  s.run.id = i;
  s.run.command = "execute";
  s.run.commit = "c0ffee";
  s.run.status = state::RunStatus::kSuccess;
  s.paths_key = "tests";
  s.summary.framework = "pytest";
  s.summary.shard = std::make_pair(i, n);
  s.summary.tests_run = 10 * i;
  s.summary.passed = 10 * i;
  s.summary.duration_s = static_cast<double>(i);
  s.summary.workers = 2;
  s.summary.work_s = 1.5;
  return s;
}

std::string refusal_of(const std::vector<Shard>& shards, const std::string& commit = "") {
  auto st = check_shards(shards, commit);
  if (st) return "";
  EXPECT_EQ(st.error().exit_code, ExitCode::kUsage);
  return st.error().code + ": " + st.error().message;
}

TEST(ReportMerge, AllShardsOfOneRunAreWhole) {
  EXPECT_EQ(refusal_of({shard(2, 3), shard(1, 3), shard(3, 3)}), "");
  EXPECT_EQ(refusal_of({shard(1, 1)}, "c0ffee"), "");
}

TEST(ReportMerge, AMissingShardIsNamed) {
  const std::string msg = refusal_of({shard(1, 4), shard(3, 4)});
  EXPECT_NE(msg.find("MERGE_MISSING"), std::string::npos) << msg;
  EXPECT_NE(msg.find("shards 2/4, 4/4 missing"), std::string::npos) << msg;
}

TEST(ReportMerge, TheSameShardTwiceIsRefused) {
  const std::string msg = refusal_of({shard(1, 2, "a"), shard(2, 2), shard(1, 2, "b")});
  EXPECT_NE(msg.find("MERGE_DUPLICATE"), std::string::npos) << msg;
  EXPECT_NE(msg.find("b (shard 1/2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("as a (shard 1/2"), std::string::npos) << msg;
}

TEST(ReportMerge, APartialShardIsRefused) {
  for (auto status : {state::RunStatus::kTimeout, state::RunStatus::kInterrupted, state::RunStatus::kError}) {
    Shard cut = shard(2, 2);
    cut.run.status = status;
    const std::string msg = refusal_of({shard(1, 2), cut});
    EXPECT_NE(msg.find("MERGE_PARTIAL"), std::string::npos) << msg;
    EXPECT_NE(msg.find("shard-2"), std::string::npos) << msg;
    EXPECT_NE(msg.find(std::string(state::run_status_name(status))), std::string::npos) << msg;
  }
}

TEST(ReportMerge, ShardsOfAnotherSuiteCommitSplitOrCoverageAreRefused) {
  Shard suite = shard(2, 2);
  suite.paths_key = "tests/unit";
  EXPECT_NE(refusal_of({shard(1, 2), suite}).find("another suite"), std::string::npos);

  Shard commit = shard(2, 2);
  commit.run.commit = "deadbeef";
  EXPECT_NE(refusal_of({shard(1, 2), commit}).find("commit deadbeef"), std::string::npos);

  Shard split = shard(2, 3);
  EXPECT_NE(refusal_of({shard(1, 2), split}).find("split the suite differently"), std::string::npos);

  Shard covered = shard(2, 2);
  covered.summary.coverage = coverage::Counts{1, 2, 0, 0};
  EXPECT_NE(refusal_of({shard(1, 2), covered}).find("measured coverage"), std::string::npos);

  // The checkout's commit, when known, must be the shards'.
  EXPECT_NE(refusal_of({shard(1, 1)}, "0123abc").find("this checkout is at 0123abc"), std::string::npos);
  EXPECT_EQ(refusal_of({shard(1, 1)}, ""), "");
  EXPECT_NE(refusal_of({}).find("no shard given"), std::string::npos);
}

TEST(ReportMerge, CountsAddUpAndWallTimeIsTheLongestShard) {
  Shard a = shard(1, 2), b = shard(2, 2);
  a.summary.failed = 1;
  a.summary.flaky = 1;
  a.summary.flaky_tests = {"t::x"};
  b.summary.skipped = 3;
  b.summary.worker_startup_s = 0.4;
  const state::ExecuteSummary m = sum_summaries({a, b});
  EXPECT_EQ(m.tests_run, 30);
  EXPECT_EQ(m.passed, 30);
  EXPECT_EQ(m.failed, 1);
  EXPECT_EQ(m.skipped, 3);
  EXPECT_EQ(m.flaky, 1);
  EXPECT_EQ(m.flaky_tests, std::vector<std::string>{"t::x"});
  EXPECT_DOUBLE_EQ(m.duration_s, 2.0);  // max, not the sum 3.0
  EXPECT_EQ(m.workers, 4);
  EXPECT_DOUBLE_EQ(m.work_s, 3.0);
  EXPECT_DOUBLE_EQ(m.worker_startup_s, 0.4);
  EXPECT_FALSE(m.shard.has_value());
  EXPECT_TRUE(m.rootdir.empty());  // a shard's rootdir is a path of its own checkout
}

// A shard job's state directory: its execute run names files at paths of another machine;
// read_shard finds them under runs/<id>/ of the directory it was given.
TEST(ReportMerge, ReadShardFindsTheRunsFilesInTheInput) {
  aqe::testing::TempDir dir{"aqe-merge-test"};
  const auto state_dir = dir.path() / "artifact" / ".aqe";
  {
    auto db = state::Db::open(state_dir).value();
    auto id = db.begin_run(state::RunInfo{"execute", "main", "c0ffee", "", {}}).value();
    state::ExecuteSummary s;
    s.framework = "pytest";
    s.shard = std::make_pair(2, 3);
    s.tests_run = s.passed = 1;
    s.junit_xml = "/home/runner/work/p/.aqe/runs/" + std::to_string(id) + "/junit.xml";
    ASSERT_TRUE(db.record_test_results(
        id, {{"tests/test_a.py::test_x", "tests/test_a.py", "passed", 0.25, 1, "", 0}}));
    nlohmann::json args = {
        {"paths", nlohmann::json::array()}, {"paths_key", ""}, {"project_dir", "/home/runner/work/p"}};
    ASSERT_TRUE(db.finish_run(id, state::RunStatus::kSuccess, 0, s, args));
    ASSERT_TRUE(write_file_atomic(state_dir / "runs" / std::to_string(id) / "junit.xml", "<testsuites/>"));
  }
  // The project directory holding .aqe/ is accepted as well as .aqe/ itself.
  for (const auto& input : {dir.path() / "artifact", state_dir}) {
    auto s = read_shard(input, input.string());
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->junit, state_dir / "runs" / std::to_string(s->run.id) / "junit.xml");
    EXPECT_EQ(s->root, "/home/runner/work/p");
    ASSERT_EQ(s->rows.size(), 1u);
    EXPECT_DOUBLE_EQ(s->rows[0].duration_s, 0.25);
  }

  std::filesystem::remove_all(state_dir / "runs");
  auto gone = read_shard(state_dir, "shard-2");
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().exit_code, ExitCode::kUsage);
  EXPECT_NE(gone.error().message.find("shard-2: run 1's JUnit file is not in it"), std::string::npos)
      << gone.error().message;

  auto none = read_shard(dir.path() / "nothing", "nothing");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("nothing: not a shard's state directory"), std::string::npos);
}

// An exported run folder (`aqe artifacts get` of an execute --store-artifacts artifact): the
// run from run.json, the files beside it, each test's final result and duration from junit.xml.
TEST(ReportMerge, ReadShardTakesAnExportedRunFolder) {
  aqe::testing::TempDir dir{"aqe-merge-test"};
  const auto folder = dir.path() / "shard-2";
  state::ExecuteSummary s;
  s.framework = "pytest";
  s.shard = std::make_pair(2, 3);
  s.tests_run = 2;
  s.passed = 1;
  s.failed = 1;
  s.coverage = coverage::Counts{3, 4, 1, 2};
  s.junit_xml = "/home/runner/work/p/.aqe/runs/7/junit.xml";
  s.coverage_json = "/home/runner/work/p/.aqe/runs/7/coverage.json";
  const nlohmann::json run = {{"id", 7},
                              {"command", "execute"},
                              {"branch", "main"},
                              {"commit", "c0ffee"},
                              {"started_at", "2026-12-04T20:00:00Z"},
                              {"finished_at", "2026-12-04T20:00:05Z"},
                              {"status", "failure"},
                              {"exit_code", 1},
                              {"args", {{"paths_key", "tests"}, {"project_dir", "/home/runner/work/p"}}},
                              {"summary", state::summary_document(s)}};
  ASSERT_TRUE(write_file_atomic(folder / "run.json", run.dump(2)));
  ASSERT_TRUE(write_file_atomic(
      folder / "junit.xml",
      "<testsuites><testsuite name=\"aqe\" tests=\"2\">"
      "<testcase classname=\"tests.test_a\" name=\"test_x\" file=\"tests/test_a.py\" time=\"0.25\"/>"
      "<testcase classname=\"tests.test_a\" name=\"test_y\" file=\"tests/test_a.py\" time=\"1.5\">"
      "<failure message=\"assert 1 == 2\">boom</failure></testcase>"
      "</testsuite></testsuites>"));

  auto missing = read_shard(folder, "shard-2");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().exit_code, ExitCode::kUsage);
  EXPECT_NE(
      missing.error().message.find("shard-2 (shard 2/3, run 7): its coverage data is not in the folder"),
      std::string::npos)
      << missing.error().message;

  ASSERT_TRUE(write_file_atomic(folder / ".coverage", "sqlite"));
  auto got = read_shard(folder, "shard-2");
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->run.id, 7);
  EXPECT_EQ(got->run.commit, "c0ffee");
  EXPECT_EQ(got->run.status, state::RunStatus::kFailure);
  ASSERT_TRUE(got->summary.shard);
  EXPECT_EQ(*got->summary.shard, std::make_pair(2, 3));
  EXPECT_EQ(got->paths_key, "tests");
  EXPECT_EQ(got->root, "/home/runner/work/p");
  EXPECT_EQ(got->junit, folder / "junit.xml");
  EXPECT_EQ(got->data, folder / ".coverage");
  ASSERT_EQ(got->rows.size(), 2u);
  EXPECT_EQ(got->rows[0].test_id, "tests/test_a.py::test_x");
  EXPECT_DOUBLE_EQ(got->rows[0].duration_s, 0.25);
  EXPECT_EQ(got->rows[1].outcome, "failed");
  EXPECT_DOUBLE_EQ(got->rows[1].duration_s, 1.5);
  EXPECT_EQ(got->rows[1].message, "assert 1 == 2");

  // The record of another command is not a shard.
  nlohmann::json scan = run;
  scan["command"] = "security-scan";
  ASSERT_TRUE(write_file_atomic(folder / "run.json", scan.dump()));
  auto other = read_shard(folder, "shard-2");
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.error().message.find("not execute"), std::string::npos) << other.error().message;
}

}  // namespace
}  // namespace aqe::report
