#include "aqe/state/runs.h"

#include <gtest/gtest.h>

namespace aqe::state {
namespace {

using nlohmann::json;

TEST(RunSummaryDocument, ExecuteRoundTripsEveryField) {
  ExecuteSummary s;
  s.framework = "pytest";
  s.tests_run = 9;
  s.passed = 5;
  s.failed = 1;
  s.skipped = 1;
  s.xfailed = 3;
  s.xpassed = 4;
  s.errors = 1;
  s.flaky = 1;
  s.not_run = 2;
  s.duration_s = 1.5;
  s.workers = 2;
  s.shard = std::make_pair(2, 3);
  s.coverage = CoverageTotals{10, 20, 3, 4};
  s.flaky_tests = {"t::a"};
  s.junit_xml = "/p/.aqe/runs/1/junit.xml";
  s.coverage_json = "/p/.aqe/runs/1/coverage.json";
  s.worker_startup_s = 0.3;
  s.start_s = 0.2;
  s.work_s = 4.0;
  s.rootdir = "/p";
  s.inifile = "/p/pytest.ini";
  const json doc = summary_document(s);
  EXPECT_EQ(doc["kind"], "execute");
  EXPECT_EQ(doc["version"], kRunSummaryVersion);
  auto back = read_summary_document(doc, "execute");
  ASSERT_TRUE(back);
  const auto& r = std::get<ExecuteSummary>(*back);
  EXPECT_EQ(summary_document(r), doc);
  EXPECT_EQ(r.shard, s.shard);
  EXPECT_EQ(r.coverage->branches_total, 4);
  EXPECT_EQ(r.xfailed, 3);
  EXPECT_EQ(r.xpassed, 4);
}

TEST(RunSummaryDocument, EachKindRoundTrips) {
  ScanSummary scan;
  scan.files_scanned = 3;
  scan.low = 2;
  scan.critical = 1;
  scan.git_history = true;
  GateSummary gate;
  gate.passed = true;
  gate.score = 81.5;
  gate.threshold = 80;
  gate.profile = "main";
  gate.conditions = {{"line_coverage", ">=", 70, 75.0, true},
                     {"diff_coverage", ">=", 90, std::nullopt, false}};
  gate.metrics = {{"line_coverage", 75.0}};
  GenerateSummary gen;
  gen.engine = "builtin";
  gen.tests_generated = 171;
  gen.coverage = CoverageTotals{1, 2, 0, 0};
  gen.test_files = {"tests/generated/test_a.py"};
  for (const RunSummary& s : std::vector<RunSummary>{scan, gate, gen}) {
    const json doc = summary_document(s);
    auto back = read_summary_document(doc, command_of(s));
    ASSERT_TRUE(back) << doc.dump();
    EXPECT_EQ(summary_document(*back), doc);
  }
}

TEST(RunSummaryDocument, VersionZeroIsTheOldUntypedSummary) {
  // What aqe stored before typed records: the execute --json data, minus failures.
  const json old = {{"framework", "pytest"},
                    {"tests_run", 4},
                    {"passed", 3},
                    {"failed", 1},
                    {"shard", nullptr},
                    {"junit_xml", "/p/.aqe/runs/3/junit.xml"},
                    {"work_s", 2.5},
                    {"artifact_key", nullptr},
                    {"coverage", {{"line_rate", 0.5}, {"lines_covered", 5}, {"lines_total", 10}}}};
  auto r = read_summary_document(old, "execute");
  ASSERT_TRUE(r);
  const auto& s = std::get<ExecuteSummary>(*r);
  EXPECT_EQ(s.passed, 3);
  EXPECT_EQ(s.work_s, 2.5);
  EXPECT_EQ(s.junit_xml, "/p/.aqe/runs/3/junit.xml");
  ASSERT_TRUE(s.coverage);
  EXPECT_EQ(s.coverage->lines_total, 10);
  // The old gate stored its --json data, where profile was an object.
  auto g = read_summary_document({{"passed", false}, {"score", 70.0}, {"profile", {{"name", "pr"}}}},
                                 "quality-gate");
  ASSERT_TRUE(g);
  EXPECT_EQ(std::get<GateSummary>(*g).profile, "pr");
  EXPECT_EQ(std::get<GateSummary>(*g).score, 70.0);
}

TEST(RunSummaryDocument, NewerOtherKindAndWrongShapesAreNotRead) {
  EXPECT_FALSE(read_summary_document({{"kind", "execute"}, {"version", kRunSummaryVersion + 1}}, "execute"));
  EXPECT_FALSE(read_summary_document({{"kind", "generate"}, {"version", 1}}, "execute"));
  EXPECT_FALSE(read_summary_document(json::array(), "execute"));
  EXPECT_FALSE(read_summary_document({{"kind", "execute"}}, "usage"));
  // Wrong field types keep the defaults rather than throw.
  auto r = read_summary_document({{"passed", "three"}, {"shard", {{"index", 5}, {"total", 2}}}}, "execute");
  ASSERT_TRUE(r);
  EXPECT_EQ(std::get<ExecuteSummary>(*r).passed, 0);
  EXPECT_FALSE(std::get<ExecuteSummary>(*r).shard);
}

TEST(RunStatus, NamesAndExitCodes) {
  for (auto s : {RunStatus::kRunning, RunStatus::kSuccess, RunStatus::kFailure, RunStatus::kError,
                 RunStatus::kTimeout, RunStatus::kInterrupted}) {
    EXPECT_EQ(parse_run_status(run_status_name(s)), s);
  }
  EXPECT_FALSE(parse_run_status("passed"));
  struct Case {
    int exit_code;
    RunStatus status;
    bool complete;
  };
  for (const Case& c : {Case{0, RunStatus::kSuccess, true}, Case{1, RunStatus::kFailure, true},
                        Case{2, RunStatus::kFailure, true}, Case{3, RunStatus::kError, false},
                        Case{4, RunStatus::kError, false}, Case{5, RunStatus::kTimeout, false},
                        Case{130, RunStatus::kInterrupted, false}}) {
    EXPECT_EQ(status_of_exit(c.exit_code), c.status) << c.exit_code;
    EXPECT_EQ(is_complete(c.status), c.complete) << c.exit_code;
  }
}

TEST(RunWriter, KeepsTheFirstFailureAndDoesNothingWhenInactive) {
  RunWriter inactive;
  int calls = 0;
  EXPECT_TRUE(inactive.write([&](Db&, int64_t) {
    ++calls;
    return ok_status();
  }));
  EXPECT_EQ(calls, 0);
  EXPECT_FALSE(inactive.failure());
}

}  // namespace
}  // namespace aqe::state
