#include "aqe/state/db.h"

#include <gtest/gtest.h>

#include <fstream>

#include "aqe/state/sqlite_statement.h"
#include "aqe/util/fs.h"

namespace aqe::state {
namespace {

class DbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = make_temp_dir("aqe-state-test");
    ASSERT_TRUE(dir) << dir.error().message;
    root_ = *dir;
    state_ = root_ / "project" / ".aqe";
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  Db open_ok() {
    auto db = Db::open(state_);
    EXPECT_TRUE(db) << (db ? "" : db.error().message);
    return std::move(db).value();
  }

  // Runs SQL on a separate raw connection, as another tool (or a future aqe) would.
  void raw_exec(const std::string& sql) {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open((state_ / "aqe.db").c_str(), &raw), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(raw);
    sqlite3_close(raw);
  }

  std::string raw_text(const std::string& sql) {
    sqlite3* raw = nullptr;
    sqlite3_open((state_ / "aqe.db").c_str(), &raw);
    sqlite3_stmt* stmt = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(raw, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    sqlite3_close(raw);
    return out;
  }

  int64_t finished_run(Db& db, const std::string& command, const std::string& branch,
                       nlohmann::json args = nlohmann::json::object(),
                       nlohmann::json summary = nlohmann::json::object()) {
    RunInfo info{command, branch, "abc123", "2026-01-01T00:00:00Z", std::move(args)};
    auto id = db.begin_run(info);
    EXPECT_TRUE(id);
    EXPECT_TRUE(db.finish_run(*id, 0, "passed", summary));
    return *id;
  }

  static TestResultRow test_row(const std::string& id, const std::string& outcome, double d,
                                int attempt = 1) {
    return TestResultRow{id, "tests/test_a.py", outcome, d, attempt, "", 0};
  }

  std::filesystem::path root_, state_;
};

TEST_F(DbTest, OpenCreatesDirectoryAndDatabaseInWalMode) {
  Db db = open_ok();
  EXPECT_EQ(db.path(), state_ / "aqe.db");
  EXPECT_TRUE(std::filesystem::exists(state_ / "aqe.db"));
  auto version = db.schema_version();
  ASSERT_TRUE(version);
  EXPECT_EQ(*version, Db::current_schema_version());
  EXPECT_GE(Db::current_schema_version(), 1);
  EXPECT_EQ(raw_text("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(*db.integrity_check(), "ok");
}

TEST_F(DbTest, ReopenKeepsDataAndDoesNotMigrateTwice) {
  int64_t id = 0;
  {
    Db db = open_ok();
    id = finished_run(db, "execute", "main");
  }
  Db db = open_ok();
  EXPECT_EQ(*db.schema_version(), Db::current_schema_version());
  auto latest = db.latest_run("execute");
  ASSERT_TRUE(latest && latest->has_value());
  EXPECT_EQ((*latest)->first, id);
  EXPECT_EQ(raw_text("SELECT count(*) FROM sqlite_master WHERE name = 'runs'"), "1");
}

TEST_F(DbTest, NewerSchemaIsRefusedWithExit3) {
  { open_ok(); }
  raw_exec("PRAGMA user_version = " + std::to_string(Db::current_schema_version() + 1));
  auto db = Db::open(state_);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code, "DB_ERROR");
  EXPECT_EQ(db.error().exit_code, ExitCode::kUsage);
  EXPECT_NE(db.error().message.find("newer aqe"), std::string::npos) << db.error().message;
  EXPECT_NE(db.error().message.find((state_ / "aqe.db").string()), std::string::npos);
}

TEST_F(DbTest, CorruptFileIsReportedAndLeftInPlace) {
  std::filesystem::create_directories(state_);
  const std::string garbage(8192, 'x');
  ASSERT_TRUE(write_file_atomic(state_ / "aqe.db", "this is not sqlite\n" + garbage));
  auto db = Db::open(state_);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code, "DB_ERROR");
  EXPECT_EQ(db.error().exit_code, ExitCode::kUsage);
  EXPECT_NE(db.error().message.find((state_ / "aqe.db").string()), std::string::npos) << db.error().message;
  EXPECT_NE(db.error().hint.find("move"), std::string::npos) << db.error().hint;
  auto content = read_file(state_ / "aqe.db");
  ASSERT_TRUE(content);
  EXPECT_EQ(*content, "this is not sqlite\n" + garbage);
}

TEST_F(DbTest, UnwritableStateDirectoryIsAnError) {
  std::filesystem::create_directories(root_);
  ASSERT_TRUE(write_file_atomic(root_ / "file", "x"));
  auto db = Db::open(root_ / "file" / ".aqe");
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code, "DB_ERROR");
  EXPECT_EQ(db.error().exit_code, ExitCode::kUsage);
}

TEST(SqliteError, BusyIsTransientAndCorruptIsUsage) {
  auto busy = sqlite_error(nullptr, SQLITE_BUSY, "/x/aqe.db", "starting a write transaction");
  EXPECT_EQ(busy.exit_code, ExitCode::kTransient);
  EXPECT_EQ(busy.code, "DB_ERROR");
  EXPECT_NE(busy.message.find("/x/aqe.db"), std::string::npos);
  EXPECT_EQ(sqlite_error(nullptr, SQLITE_BUSY_SNAPSHOT, "/x", "q").exit_code, ExitCode::kTransient);
  EXPECT_EQ(sqlite_error(nullptr, SQLITE_LOCKED, "/x", "q").exit_code, ExitCode::kTransient);
  EXPECT_EQ(sqlite_error(nullptr, SQLITE_CORRUPT, "/x", "q").exit_code, ExitCode::kUsage);
  EXPECT_EQ(sqlite_error(nullptr, SQLITE_NOTADB, "/x", "q").exit_code, ExitCode::kUsage);
}

TEST_F(DbTest, RunsRoundTripAndLatestFiltersByCommandAndBranch) {
  Db db = open_ok();
  auto none = db.latest_run("execute");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());

  int64_t main1 = finished_run(db, "execute", "main", {}, {{"passed", 3}});
  int64_t feat = finished_run(db, "execute", "feature", {}, {{"passed", 5}});
  finished_run(db, "security-scan", "main", {}, {{"findings", 1}});
  auto unfinished = db.begin_run(RunInfo{"execute", "main", "", "", {}});
  ASSERT_TRUE(unfinished);

  auto any = db.latest_run("execute");
  ASSERT_TRUE(any && any->has_value());
  EXPECT_EQ((*any)->first, feat);
  EXPECT_EQ((*any)->second["passed"], 5);

  auto on_main = db.latest_run("execute", "main");
  ASSERT_TRUE(on_main && on_main->has_value());
  EXPECT_EQ((*on_main)->first, main1);
  EXPECT_EQ((*on_main)->second, (nlohmann::json{{"passed", 3}}));

  auto scan = db.latest_run("security-scan", "feature");
  ASSERT_TRUE(scan);
  EXPECT_FALSE(scan->has_value());
  EXPECT_EQ(raw_text("SELECT started_at FROM runs WHERE id = " + std::to_string(*unfinished)).size(),
            std::string("2026-01-01T00:00:00Z").size());
}

TEST_F(DbTest, FinishingAnUnknownRunIsAnError) {
  Db db = open_ok();
  auto s = db.finish_run(42, 0, "passed", {});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, "DB_ERROR");
}

TEST_F(DbTest, TestResultsRoundTrip) {
  Db db = open_ok();
  int64_t run = finished_run(db, "execute", "main");
  std::vector<TestResultRow> rows{
      {"tests/test_a.py::test_x", "tests/test_a.py", "passed", 0.25, 1, "", 1},
      {"tests/test_a.py::test_y[1]", "tests/test_a.py", "failed", 1.5, 1, "assert 1 == 2", 2},
      {"tests/test_a.py::test_y[1]", "tests/test_a.py", "passed", 1.25, 2, "", 2}};
  ASSERT_TRUE(db.record_test_results(run, rows));
  auto back = db.test_results_of_run(run);
  ASSERT_TRUE(back);
  ASSERT_EQ(back->size(), 3u);
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ((*back)[i].test_id, rows[i].test_id);
    EXPECT_EQ((*back)[i].file, rows[i].file);
    EXPECT_EQ((*back)[i].outcome, rows[i].outcome);
    EXPECT_DOUBLE_EQ((*back)[i].duration_s, rows[i].duration_s);
    EXPECT_EQ((*back)[i].attempt, rows[i].attempt);
    EXPECT_EQ((*back)[i].message, rows[i].message);
    EXPECT_EQ((*back)[i].worker, rows[i].worker);
  }
}

TEST_F(DbTest, ResultsForAMissingRunAreRejectedAsAWhole) {
  Db db = open_ok();
  auto s = db.record_test_results(999, {test_row("t", "passed", 1)});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, "DB_ERROR");
  EXPECT_EQ(raw_text("SELECT count(*) FROM test_results"), "0");
}

TEST_F(DbTest, DurationsAreMediansOfTheLastWindow) {
  Db db = open_ok();
  // Oldest first: a = 100, 1, 2, 3, 4 -> last 3 are {2,3,4}; last 4 are {1,2,3,4}.
  for (double d : {100.0, 1.0, 2.0, 3.0, 4.0}) {
    int64_t run = finished_run(db, "execute", "main");
    ASSERT_TRUE(db.record_test_results(
        run, {test_row("a", "passed", d), test_row("a", "passed", 1000, 2),
              test_row("b", d > 50 ? "failed" : "skipped", d), test_row("c", "error", 7)}));
  }
  auto w3 = db.test_durations(3);
  ASSERT_TRUE(w3);
  EXPECT_EQ(*w3, (std::map<std::string, double>{{"a", 3.0}, {"b", 100.0}}));
  auto w4 = db.test_durations(4);
  ASSERT_TRUE(w4);
  EXPECT_DOUBLE_EQ(w4->at("a"), 2.5);
  auto w5 = db.test_durations(5);
  ASSERT_TRUE(w5);
  EXPECT_DOUBLE_EQ(w5->at("a"), 3.0);
  auto w0 = db.test_durations(0);
  ASSERT_TRUE(w0);
  EXPECT_TRUE(w0->empty());
}

TEST_F(DbTest, DurationsScaleToManyTests) {
  Db db = open_ok();
  constexpr int kTests = 10'000;
  for (int r = 0; r < 4; ++r) {
    int64_t run = finished_run(db, "execute", "main");
    std::vector<TestResultRow> rows;
    for (int t = 0; t < kTests; ++t) {
      rows.push_back(test_row("t" + std::to_string(t), "passed", t + r * 0.5));
    }
    ASSERT_TRUE(db.record_test_results(run, rows));
  }
  auto d = db.test_durations(5);
  ASSERT_TRUE(d);
  ASSERT_EQ(d->size(), static_cast<size_t>(kTests));
  EXPECT_DOUBLE_EQ(d->at("t0"), 0.75);
  EXPECT_DOUBLE_EQ(d->at("t9999"), 9999.75);
}

TEST_F(DbTest, LastTestListUsesLatestFinishedExecuteRunWithThatKey) {
  Db db = open_ok();
  EXPECT_TRUE(db.last_test_list("tests")->empty());

  int64_t old_run = finished_run(db, "execute", "main", {{"paths_key", "tests"}});
  ASSERT_TRUE(db.record_test_results(old_run, {test_row("old", "passed", 1)}));
  int64_t run = finished_run(db, "execute", "main", {{"paths_key", "tests"}});
  ASSERT_TRUE(db.record_test_results(
      run, {test_row("b", "failed", 1), test_row("a", "passed", 1), test_row("b", "passed", 2, 2)}));
  int64_t other_key = finished_run(db, "execute", "main", {{"paths_key", "tests/unit"}});
  ASSERT_TRUE(db.record_test_results(other_key, {test_row("unit", "passed", 1)}));
  int64_t other_cmd = finished_run(db, "generate", "main", {{"paths_key", "tests"}});
  ASSERT_TRUE(db.record_test_results(other_cmd, {test_row("gen", "passed", 1)}));
  auto running = db.begin_run(RunInfo{"execute", "main", "", "", {{"paths_key", "tests"}}});
  ASSERT_TRUE(running);
  ASSERT_TRUE(db.record_test_results(*running, {test_row("partial", "passed", 1)}));

  auto list = db.last_test_list("tests");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].test_id, "b");
  EXPECT_EQ((*list)[0].attempt, 2);
  EXPECT_EQ((*list)[0].outcome, "passed");
  EXPECT_EQ((*list)[1].test_id, "a");
  EXPECT_EQ(db.last_test_list("tests/unit")->at(0).test_id, "unit");
  EXPECT_TRUE(db.last_test_list("nope")->empty());
}

TEST_F(DbTest, FlakesCount) {
  Db db = open_ok();
  ASSERT_TRUE(db.record_flake("a"));
  ASSERT_TRUE(db.record_flake("b"));
  ASSERT_TRUE(db.record_flake("a"));
  auto counts = db.flake_counts();
  ASSERT_TRUE(counts);
  EXPECT_EQ(*counts, (std::map<std::string, int64_t>{{"a", 2}, {"b", 1}}));
}

TEST_F(DbTest, CoverageRoundTripsAndFiltersByBranch) {
  Db db = open_ok();
  EXPECT_FALSE(db.latest_coverage()->has_value());
  int64_t main_run = finished_run(db, "execute", "main");
  CoverageSnapshot main_snap;
  main_snap.run_id = main_run;
  main_snap.lines_covered = 80;
  main_snap.lines_total = 100;
  main_snap.branches_covered = 5;
  main_snap.branches_total = 10;
  main_snap.files = {{"src/a.py", 30, 40, 2, 4}, {"src/b.py", 50, 60, 3, 6}};
  ASSERT_TRUE(db.record_coverage(main_snap));
  CoverageSnapshot feat_snap;
  feat_snap.branch = "feature";
  feat_snap.lines_covered = 1;
  feat_snap.lines_total = 2;
  ASSERT_TRUE(db.record_coverage(feat_snap));

  auto on_main = db.latest_coverage("main");
  ASSERT_TRUE(on_main && on_main->has_value());
  const auto& got = **on_main;
  EXPECT_EQ(got.run_id, main_run);
  EXPECT_EQ(got.branch, "main");
  EXPECT_FALSE(got.taken_at.empty());
  EXPECT_EQ(got.lines_covered, 80);
  EXPECT_EQ(got.lines_total, 100);
  EXPECT_EQ(got.branches_covered, 5);
  EXPECT_EQ(got.branches_total, 10);
  ASSERT_EQ(got.files.size(), 2u);
  EXPECT_EQ(got.files[1].file, "src/b.py");
  EXPECT_EQ(got.files[1].lines_covered, 50);
  EXPECT_EQ(got.files[1].branches_total, 6);

  auto latest = db.latest_coverage();
  ASSERT_TRUE(latest && latest->has_value());
  EXPECT_EQ((*latest)->branch, "feature");
  EXPECT_EQ((*latest)->run_id, 0);
  EXPECT_TRUE((*latest)->files.empty());
}

TEST_F(DbTest, FindingsRoundTrip) {
  Db db = open_ok();
  int64_t run = finished_run(db, "security-scan", "main");
  FindingRow f{"PY001",
               "injection",
               "high",
               "medium",
               "CWE-78",
               "app.py",
               "subprocess with shell=True",
               "subprocess.run(cmd, shell=True)",
               "fp1",
               12,
               5};
  FindingRow g = f;
  g.rule_id = "PY002";
  g.line = 20;
  ASSERT_TRUE(db.record_findings(run, {f, g}));
  auto back = db.findings_of_run(run);
  ASSERT_TRUE(back);
  ASSERT_EQ(back->size(), 2u);
  const auto& r = (*back)[0];
  EXPECT_EQ(r.rule_id, "PY001");
  EXPECT_EQ(r.category, "injection");
  EXPECT_EQ(r.severity, "high");
  EXPECT_EQ(r.confidence, "medium");
  EXPECT_EQ(r.cwe, "CWE-78");
  EXPECT_EQ(r.file, "app.py");
  EXPECT_EQ(r.message, f.message);
  EXPECT_EQ(r.snippet, f.snippet);
  EXPECT_EQ(r.fingerprint, "fp1");
  EXPECT_EQ(r.line, 12);
  EXPECT_EQ(r.column, 5);
  EXPECT_EQ((*back)[1].rule_id, "PY002");
  EXPECT_TRUE(db.findings_of_run(run + 100)->empty());
}

TEST_F(DbTest, UsageSinceFiltersByTime) {
  Db db = open_ok();
  int64_t run = finished_run(db, "generate", "main");
  ASSERT_TRUE(db.record_usage(
      UsageRow{"2026-01-01T00:00:00Z", "generate", "anthropic", "m1", 10, 20, 0.5, false, run}));
  ASSERT_TRUE(
      db.record_usage(UsageRow{"2026-02-01T00:00:00Z", "generate", "openai", "m2", 1, 2, 0.25, true, 0}));
  auto feb = db.usage_since("2026-01-15T00:00:00Z");
  ASSERT_TRUE(feb);
  ASSERT_EQ(feb->size(), 1u);
  EXPECT_EQ((*feb)[0].provider, "openai");
  EXPECT_EQ((*feb)[0].model, "m2");
  EXPECT_TRUE((*feb)[0].cache_hit);
  EXPECT_EQ((*feb)[0].run_id, 0);
  EXPECT_EQ((*feb)[0].input_tokens, 1);
  EXPECT_EQ((*feb)[0].output_tokens, 2);
  auto all = db.usage_since("");
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].run_id, run);
  EXPECT_EQ((*all)[0].command, "generate");
  EXPECT_DOUBLE_EQ((*all)[0].cost_usd, 0.5);
  EXPECT_FALSE((*all)[0].cache_hit);
}

TEST_F(DbTest, ArtifactsPutReplacesByKeyListAndDelete) {
  Db db = open_ok();
  ArtifactRow a{"reports/1.json",       "local",      "/tmp/1.json", "main", "report",
                "2026-01-01T00:00:00Z", R"({"a":1})", "sha256:aa",   10};
  ArtifactRow b{"reports/2.json",       "s3", "s3://b/2.json", "dev", "coverage",
                "2026-01-02T00:00:00Z", "",   "sha256:bb",     20};
  ASSERT_TRUE(db.put_artifact(a));
  ASSERT_TRUE(db.put_artifact(b));
  a.location = "/tmp/1-new.json";
  a.size_bytes = 11;
  ASSERT_TRUE(db.put_artifact(a));

  auto list = db.list_artifacts();
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  const auto& got = (*list)[0];
  EXPECT_EQ(got.key, "reports/1.json");
  EXPECT_EQ(got.backend, "local");
  EXPECT_EQ(got.location, "/tmp/1-new.json");
  EXPECT_EQ(got.branch, "main");
  EXPECT_EQ(got.kind, "report");
  EXPECT_EQ(got.created_at, "2026-01-01T00:00:00Z");
  EXPECT_EQ(got.metadata_json, R"({"a":1})");
  EXPECT_EQ(got.checksum, "sha256:aa");
  EXPECT_EQ(got.size_bytes, 11);
  EXPECT_EQ((*list)[1].metadata_json, "{}");

  ASSERT_TRUE(db.delete_artifact("reports/1.json"));
  ASSERT_TRUE(db.delete_artifact("reports/1.json"));
  list = db.list_artifacts();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].key, "reports/2.json");
}

TEST_F(DbTest, WriteTransactionCommitsTogetherOrNotAtAll) {
  Db db = open_ok();
  auto failed = db.write_transaction([&]() -> Status {
    auto run = db.begin_run(RunInfo{"execute", "main", "", "", {}});
    if (!run) return run.error();
    if (auto s = db.record_test_results(*run, {test_row("a", "passed", 1)}); !s) return s;
    return make_error("TEST", "abandon");
  });
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, "TEST");
  EXPECT_EQ(raw_text("SELECT count(*) FROM runs"), "0");
  EXPECT_EQ(raw_text("SELECT count(*) FROM test_results"), "0");

  auto ok = db.write_transaction([&]() -> Status {
    auto run = db.begin_run(RunInfo{"execute", "main", "", "", {}});
    if (!run) return run.error();
    if (auto s = db.record_test_results(*run, {test_row("a", "passed", 1)}); !s) return s;
    if (auto c = db.latest_coverage(); !c) return c.error();
    return db.finish_run(*run, 0, "passed", {});
  });
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(raw_text("SELECT count(*) FROM test_results"), "1");
  EXPECT_TRUE(db.latest_run("execute")->has_value());
}

}  // namespace
}  // namespace aqe::state
