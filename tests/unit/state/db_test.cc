#include "aqe/state/db.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <limits>
#include <random>

#include "aqe/state/duration_list.h"
#include "aqe/state/schema.h"
#include "aqe/state/sqlite_statement.h"
#include "aqe/util/fs.h"
#include "temp_dir.h"

namespace aqe::state {
namespace {

class DbTest : public ::testing::Test {
 protected:
  void SetUp() override { state_ = root_ / "project" / ".aqe"; }

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

  // test_durations() as it was before the summary table (schema version 1): a window over
  // all of test_results. The oracle the summary must agree with, for windows up to 16.
  std::map<std::string, double> reference_durations(int window) {
    sqlite3* raw = nullptr;
    sqlite3_open((state_ / "aqe.db").c_str(), &raw);
    sqlite3_stmt* stmt = nullptr;
    std::map<std::string, std::vector<double>> values;
    EXPECT_EQ(sqlite3_prepare_v2(raw,
                                 "SELECT test_id, duration_s FROM ("
                                 " SELECT test_id, duration_s, ROW_NUMBER() OVER ("
                                 "  PARTITION BY test_id ORDER BY run_id DESC, id DESC) AS n"
                                 " FROM test_results"
                                 " WHERE attempt = 1 AND outcome IN ('passed', 'failed'))"
                                 " WHERE n <= ?1 ORDER BY test_id",
                                 -1, &stmt, nullptr),
              SQLITE_OK);
    sqlite3_bind_int(stmt, 1, window);
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      values[reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))].push_back(
          sqlite3_column_double(stmt, 1));
    }
    sqlite3_finalize(stmt);
    sqlite3_close(raw);
    std::map<std::string, double> out;
    for (auto& [id, v] : values) {
      std::sort(v.begin(), v.end());
      size_t n = v.size();
      out[id] = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
    }
    return out;
  }

  // Every window from 1 to 16: test_durations() equals reference_durations(), exactly.
  void expect_durations_match_reference(Db& db) {
    for (int w = 1; w <= 16; ++w) {
      auto got = db.test_durations(w);
      ASSERT_TRUE(got) << got.error().message;
      EXPECT_EQ(*got, reference_durations(w)) << "window " << w;
      auto as_of = db.test_durations_as_of(std::numeric_limits<int64_t>::max(), w);
      ASSERT_TRUE(as_of) << as_of.error().message;
      EXPECT_EQ(*as_of, reference_durations(w)) << "as of now, window " << w;
    }
  }

  int64_t finished_run(Db& db, const std::string& command, const std::string& branch,
                       nlohmann::json args = nlohmann::json::object(),
                       const std::optional<RunSummary>& summary = std::nullopt,
                       RunStatus status = RunStatus::kSuccess) {
    RunInfo info{command, branch, "abc123", "2026-01-01T00:00:00Z", std::move(args)};
    auto id = db.begin_run(info);
    EXPECT_TRUE(id);
    EXPECT_TRUE(db.finish_run(*id, status, 0, summary));
    return *id;
  }

  static ExecuteSummary execute_summary(int64_t passed, double work_s = 0) {
    ExecuteSummary s;
    s.passed = passed;
    s.work_s = work_s;
    return s;
  }

  static TestResultRow test_row(const std::string& id, const std::string& outcome, double d,
                                int attempt = 1) {
    return TestResultRow{id, "tests/test_a.py", outcome, d, attempt, "", 0};
  }

  aqe::testing::TempDir tmp_{"aqe-state-test"};
  std::filesystem::path root_ = tmp_.path(), state_;
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
  EXPECT_EQ((*latest)->id, id);
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

  int64_t main1 = finished_run(db, "execute", "main", {}, execute_summary(3));
  int64_t feat = finished_run(db, "execute", "feature", {}, execute_summary(5));
  ScanSummary scan_summary;
  scan_summary.high = 1;
  finished_run(db, "security-scan", "main", {}, scan_summary);
  auto unfinished = db.begin_run(RunInfo{"execute", "main", "", "", {}});
  ASSERT_TRUE(unfinished);

  auto any = db.latest_run("execute");
  ASSERT_TRUE(any && any->has_value());
  EXPECT_EQ((*any)->id, feat);
  ASSERT_NE((*any)->as<ExecuteSummary>(), nullptr);
  EXPECT_EQ((*any)->as<ExecuteSummary>()->passed, 5);
  EXPECT_EQ((*any)->status, RunStatus::kSuccess);
  EXPECT_EQ((*any)->commit, "abc123");

  auto on_main = db.latest_run("execute", "main");
  ASSERT_TRUE(on_main && on_main->has_value());
  EXPECT_EQ((*on_main)->id, main1);
  EXPECT_EQ((*on_main)->as<ExecuteSummary>()->passed, 3);
  EXPECT_EQ((*on_main)->as<ScanSummary>(), nullptr);

  auto scan = db.latest_run("security-scan", "feature");
  ASSERT_TRUE(scan);
  EXPECT_FALSE(scan->has_value());
  EXPECT_EQ(raw_text("SELECT started_at FROM runs WHERE id = " + std::to_string(*unfinished)).size(),
            std::string("2026-01-01T00:00:00Z").size());
}

TEST_F(DbTest, FinishingAnUnknownRunIsAnError) {
  Db db = open_ok();
  auto s = db.finish_run(42, RunStatus::kSuccess, 0, std::nullopt);
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

// One run of a history with every case the window cares about: tests with fewer values than
// the window, retries, skipped/error/flaky outcomes, several first attempts of one test in a
// run, and durations whose decimal form needs all 17 digits.
std::vector<TestResultRow> mixed_history_rows(int r, std::mt19937& rng) {
  std::uniform_real_distribution<double> duration(0, 5);
  std::vector<TestResultRow> rows;
  for (int t = 0; t < 12; ++t) {
    const std::string id = "tests/test_m.py::test_" + std::to_string(t);
    if (t % 4 == 3 && r % 3 != 0) continue;  // a test that ran in only some runs
    const char* outcome = (r + t) % 5 == 0 ? "failed" : "passed";
    if (t == 5) outcome = r % 2 == 0 ? "skipped" : "error";  // never enters the window
    if (t == 6 && r % 4 == 1) outcome = "flaky";
    rows.push_back(TestResultRow{id, "tests/test_m.py", outcome, duration(rng), 1, "", 0});
    if ((r + t) % 5 == 0) rows.push_back(TestResultRow{id, "tests/test_m.py", "passed", 1e6, 2, "", 0});
  }
  rows.push_back(TestResultRow{"twice", "", "passed", r + 0.1 + 0.2, 1, "", 0});
  rows.push_back(TestResultRow{"twice", "", "passed", r * 1e-7, 1, "", 0});
  return rows;
}

// `runs` runs, all begun first; their results are recorded in `order` (a permutation of
// 0..runs-1; empty = run order), as executes running at once would.
void record_mixed_history(Db& db, int runs, std::vector<int> order = {}) {
  std::mt19937 rng(7);
  std::vector<int64_t> ids;
  for (int r = 0; r < runs; ++r) {
    auto run = db.begin_run(RunInfo{"execute", "main", "", "", {}});
    ASSERT_TRUE(run);
    ids.push_back(*run);
    if (order.size() < static_cast<size_t>(runs)) order.push_back(r);
  }
  for (int r : order) {
    ASSERT_TRUE(db.record_test_results(ids[r], mixed_history_rows(r, rng)));
    ASSERT_TRUE(db.finish_run(ids[r], RunStatus::kSuccess, 0, std::nullopt));
  }
}

TEST_F(DbTest, DurationsMatchTheWholeHistoryQueryForEveryWindow) {
  Db db = open_ok();
  record_mixed_history(db, 20);
  EXPECT_EQ(db.test_durations(16)->count("tests/test_m.py::test_5"), 0u);
  EXPECT_EQ(db.test_durations(16)->size(), 12u);
  expect_durations_match_reference(db);
}

TEST_F(DbTest, DurationsMatchTheWholeHistoryQueryWhenRunsRecordOutOfOrder) {
  Db db = open_ok();
  std::vector<int> order(24);
  for (int i = 0; i < 24; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937(11));
  record_mixed_history(db, 24, order);
  expect_durations_match_reference(db);
}

TEST_F(DbTest, DurationsAreBackfilledWhenMigratingFromSchemaVersion1) {
  // A database as an aqe of schema version 1 left it, written with its SQL. Results are
  // inserted out of run order, so insertion order (id) and run order differ.
  std::filesystem::create_directories(state_);
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open((state_ / "aqe.db").c_str(), &raw), SQLITE_OK);
  ASSERT_TRUE(migrate_to(raw, state_ / "aqe.db", 1));
  ASSERT_EQ(sqlite3_exec(raw, "BEGIN", nullptr, nullptr, nullptr), SQLITE_OK);
  constexpr int kRuns = 22;
  for (int r = 0; r < kRuns; ++r) {
    ASSERT_EQ(
        sqlite3_exec(raw, "INSERT INTO runs (command, started_at) VALUES ('execute', '2026-01-01T00:00:00Z')",
                     nullptr, nullptr, nullptr),
        SQLITE_OK);
  }
  std::vector<int> order(kRuns);
  for (int i = 0; i < kRuns; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937(5));
  std::mt19937 rng(7);
  sqlite3_stmt* insert = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(raw,
                               "INSERT INTO test_results (run_id, test_id, outcome, duration_s, attempt) "
                               "VALUES (?1, ?2, ?3, ?4, ?5)",
                               -1, &insert, nullptr),
            SQLITE_OK);
  for (int r : order) {
    for (const auto& row : mixed_history_rows(r, rng)) {
      sqlite3_reset(insert);
      sqlite3_bind_int(insert, 1, r + 1);
      sqlite3_bind_text(insert, 2, row.test_id.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(insert, 3, row.outcome.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_double(insert, 4, row.duration_s);
      sqlite3_bind_int(insert, 5, row.attempt);
      ASSERT_EQ(sqlite3_step(insert), SQLITE_DONE);
    }
  }
  sqlite3_finalize(insert);
  ASSERT_EQ(sqlite3_exec(raw, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);
  EXPECT_EQ(raw_text("PRAGMA user_version"), "1");
  EXPECT_EQ(raw_text("SELECT count(*) FROM sqlite_master WHERE name = 'test_durations'"), "0");
  // What the version-1 aqe answered, for every window.
  std::vector<std::map<std::string, double>> answers{{}};
  for (int w = 1; w <= 16; ++w) answers.push_back(reference_durations(w));
  ASSERT_EQ(answers[5].size(), 12u);

  Db db = open_ok();
  EXPECT_EQ(*db.schema_version(), Db::current_schema_version());
  for (int w = 1; w <= 16; ++w) EXPECT_EQ(*db.test_durations(w), answers[w]) << "window " << w;
  EXPECT_EQ(raw_text("SELECT count(*) FROM test_durations"), "12");
  EXPECT_EQ(raw_text("SELECT max(length(recent) - length(replace(recent, ',', '')) + 1) FROM test_durations"),
            "16");
  EXPECT_EQ(raw_text("SELECT count(*) FROM sqlite_master WHERE name = 'test_results_durations'"), "0");

  // The migrated summary keeps being maintained.
  record_mixed_history(db, 3);
  expect_durations_match_reference(db);
}

TEST_F(DbTest, MigratingAnEmptyVersion1DatabaseBackfillsNothing) {
  std::filesystem::create_directories(state_);
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open((state_ / "aqe.db").c_str(), &raw), SQLITE_OK);
  ASSERT_TRUE(migrate_to(raw, state_ / "aqe.db", 1));
  sqlite3_close(raw);
  EXPECT_EQ(raw_text("PRAGMA user_version"), "1");
  Db db = open_ok();
  EXPECT_EQ(*db.schema_version(), Db::current_schema_version());
  EXPECT_TRUE(db.test_durations()->empty());
}

TEST_F(DbTest, RetriesAndSkippedOrErrorOutcomesDoNotEnterTheWindow) {
  Db db = open_ok();
  int64_t first = finished_run(db, "execute", "main");
  ASSERT_TRUE(
      db.record_test_results(first, {test_row("a", "passed", 1.0), test_row("only_skipped", "skipped", 9)}));
  int64_t second = finished_run(db, "execute", "main");
  ASSERT_TRUE(db.record_test_results(
      second, {test_row("a", "failed", 2.0), test_row("a", "passed", 50.0, 2),
               test_row("a", "skipped", 100.0), test_row("a", "error", 200.0), test_row("a", "flaky", 300.0),
               test_row("only_skipped", "error", 9), test_row("only_retried", "passed", 9, 2)}));
  auto d = db.test_durations(5);
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, (std::map<std::string, double>{{"a", 1.5}}));
  EXPECT_EQ(raw_text("SELECT recent FROM test_durations WHERE test_id = 'a'"), "2,1");
  expect_durations_match_reference(db);
}

TEST_F(DbTest, WindowLargerThanTheStoredValues) {
  Db db = open_ok();
  for (int r = 1; r <= 20; ++r) {
    int64_t run = finished_run(db, "execute", "main");
    std::vector<TestResultRow> rows{test_row("many", "passed", r)};
    if (r <= 3) rows.push_back(test_row("few", "passed", r * 10.0));
    ASSERT_TRUE(db.record_test_results(run, rows));
  }
  auto w10 = db.test_durations(10);
  ASSERT_TRUE(w10);
  EXPECT_DOUBLE_EQ(w10->at("few"), 20.0);   // all 3 values
  EXPECT_DOUBLE_EQ(w10->at("many"), 15.5);  // 11..20
  // Only 16 values are kept: wider windows are the 16-value window (5..20).
  auto w16 = db.test_durations(16);
  ASSERT_TRUE(w16);
  EXPECT_DOUBLE_EQ(w16->at("many"), 12.5);
  auto w40 = db.test_durations(40);
  ASSERT_TRUE(w40);
  EXPECT_EQ(*w40, *w16);
  EXPECT_DOUBLE_EQ(w40->at("few"), 20.0);
  expect_durations_match_reference(db);
}

TEST_F(DbTest, ResultsOfAnOlderRunRecordedLateKeepRunOrder) {
  Db db = open_ok();
  auto ancient = db.begin_run(RunInfo{"execute", "main", "", "", {}});  // records last of all
  ASSERT_TRUE(ancient);
  for (int r = 0; r < 18; ++r) {
    int64_t run = finished_run(db, "execute", "main");
    std::vector<TestResultRow> rows{test_row("a", "passed", r), test_row("b", "passed", r)};
    if (r >= 10) rows.push_back(test_row("d", "passed", r));
    ASSERT_TRUE(db.record_test_results(run, rows));
  }
  // Two executes at once: the older run (lower id) records its results last.
  auto older = db.begin_run(RunInfo{"execute", "main", "", "", {}});
  auto newer = db.begin_run(RunInfo{"execute", "main", "", "", {}});
  ASSERT_TRUE(older && newer);
  ASSERT_TRUE(db.record_test_results(*newer, {test_row("a", "passed", 1000), test_row("c", "passed", 7)}));
  ASSERT_TRUE(db.record_test_results(*older, {test_row("a", "passed", 500), test_row("b", "passed", 600),
                                              test_row("c", "passed", 3), test_row("c", "passed", 4)}));
  auto w1 = db.test_durations(1);
  ASSERT_TRUE(w1);
  EXPECT_DOUBLE_EQ(w1->at("a"), 1000.0);
  EXPECT_DOUBLE_EQ(w1->at("b"), 600.0);
  EXPECT_DOUBLE_EQ(w1->at("c"), 7.0);
  EXPECT_EQ(raw_text("SELECT recent FROM test_durations WHERE test_id = 'c'"), "7,4,3");
  expect_durations_match_reference(db);
  // Older than 16 newer values of a and b: outside every window. Not of d (8 newer values).
  ASSERT_TRUE(db.record_test_results(
      *ancient, {test_row("a", "passed", -1), test_row("b", "passed", -1), test_row("d", "passed", -1)}));
  expect_durations_match_reference(db);
  EXPECT_EQ(raw_text("SELECT recent FROM test_durations WHERE test_id = 'd'"), "17,16,15,14,13,12,11,10,-1");
  // Later results go on top again.
  int64_t latest = finished_run(db, "execute", "main");
  ASSERT_TRUE(db.record_test_results(latest, {test_row("a", "passed", 2), test_row("c", "failed", 4)}));
  EXPECT_DOUBLE_EQ(db.test_durations(1)->at("a"), 2.0);
  expect_durations_match_reference(db);
}

TEST_F(DbTest, DurationsOfDeletedRunsStayAsTheLastKnownValues) {
  Db db = open_ok();
  int64_t run = finished_run(db, "execute", "main");
  ASSERT_TRUE(db.record_test_results(run, {test_row("a", "passed", 4)}));
  raw_exec("PRAGMA foreign_keys = ON; DELETE FROM runs WHERE id = " + std::to_string(run));
  EXPECT_EQ(raw_text("SELECT count(*) FROM test_results"), "0");
  EXPECT_EQ(*db.test_durations(), (std::map<std::string, double>{{"a", 4.0}}));
}

TEST_F(DbTest, RolledBackResultsLeaveTheDurationsUnchanged) {
  Db db = open_ok();
  int64_t run = finished_run(db, "execute", "main");
  ASSERT_TRUE(db.record_test_results(run, {test_row("a", "passed", 1)}));
  auto s = db.write_transaction([&]() -> Status {
    if (auto w = db.record_test_results(run, {test_row("a", "passed", 3)}); !w) return w;
    return make_error("TEST", "abandon");
  });
  ASSERT_FALSE(s);
  EXPECT_EQ(*db.test_durations(), (std::map<std::string, double>{{"a", 1.0}}));
}

TEST_F(DbTest, MalformedStoredDurationsAreAnError) {
  Db db = open_ok();
  int64_t run = finished_run(db, "execute", "main");
  ASSERT_TRUE(db.record_test_results(run, {test_row("a", "passed", 1)}));
  raw_exec("UPDATE test_durations SET recent = '1,x' WHERE test_id = 'a'");
  auto d = db.test_durations(5);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, "DB_ERROR");
  EXPECT_NE(d.error().message.find("durations of a are malformed"), std::string::npos) << d.error().message;
}

TEST(DbDurationList, InsertKeepsTheNewestSixteen) {
  std::string list;
  for (int i = 1; i <= 20; ++i) list = insert_duration(list, 0, i);
  EXPECT_EQ(list, "20,19,18,17,16,15,14,13,12,11,10,9,8,7,6,5");
  EXPECT_EQ(insert_duration("", 0, 0.5), "0.5");
  EXPECT_EQ(insert_duration("", 3, 0.5), "0.5");
  EXPECT_EQ(insert_duration("1,2", 0, 0.5), "0.5,1,2");
  EXPECT_EQ(insert_duration("1,2", 1, 0.5), "1,0.5,2");
  EXPECT_EQ(insert_duration("1,2", 2, 0.5), "1,2,0.5");
  EXPECT_EQ(insert_duration("1,2", 9, 0.5), "1,2,0.5");
  EXPECT_EQ(insert_duration(list, 15, 0.5), "20,19,18,17,16,15,14,13,12,11,10,9,8,7,6,0.5");
  EXPECT_EQ(insert_duration(list, 16, 0.5), list);
  std::vector<double> values;
  ASSERT_TRUE(parse_durations(list, 3, values));
  EXPECT_EQ(values, (std::vector<double>{20, 19, 18}));
  ASSERT_TRUE(parse_durations(list, 100, values));
  EXPECT_EQ(values.size(), 16u);
}

TEST(DbDurationList, ValuesReadBackExactly) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> any(0, 1e4);
  std::vector<double> in{0.1 + 0.2, 1e-300, 5e-324, 1.7976931348623157e308, 0, -0.0, 2.5};
  for (int i = 0; i < 1000; ++i) in.push_back(any(rng));
  std::vector<double> out;
  for (double v : in) {
    std::string list;
    append_duration(list, v);
    ASSERT_TRUE(parse_durations(list, 1, out)) << list;
    EXPECT_EQ(out.at(0), v) << list;
  }
}

TEST(DbDurationList, MalformedListsAreRejected) {
  std::vector<double> out;
  EXPECT_FALSE(parse_durations("", 5, out));
  EXPECT_FALSE(parse_durations("x", 5, out));
  EXPECT_FALSE(parse_durations("1;2", 5, out));
  EXPECT_FALSE(parse_durations("1,,2", 5, out));
  EXPECT_TRUE(parse_durations("1,x", 1, out));  // only the window is read
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

TEST_F(DbTest, LastAttemptsKeepsFirstSeenOrderAndTheHighestAttemptEvenWhenRowsComeOutOfOrder) {
  auto rows = last_attempts({test_row("b", "failed", 1), test_row("a", "failed", 1, 2),
                             test_row("b", "passed", 1, 3), test_row("a", "passed", 1, 1)});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].test_id, "b");
  EXPECT_EQ(rows[0].attempt, 3);
  EXPECT_EQ(rows[0].outcome, "passed");
  EXPECT_EQ(rows[1].test_id, "a");
  EXPECT_EQ(rows[1].attempt, 2);
  EXPECT_EQ(rows[1].outcome, "failed");
  EXPECT_TRUE(last_attempts({}).empty());
}

TEST_F(DbTest, LastSuiteRunIsThatOfTheRunWithTheKey) {
  Db db = open_ok();
  EXPECT_FALSE(db.last_suite_run("tests")->has_value());
  finished_run(db, "execute", "main", {{"paths_key", "tests"}}, execute_summary(1, 1.0));
  finished_run(db, "execute", "main", {{"paths_key", "tests"}}, execute_summary(1, 2.0));
  finished_run(db, "execute", "main", {{"paths_key", "tests/unit"}}, execute_summary(1, 3.0));
  ASSERT_TRUE(db.begin_run(RunInfo{"execute", "main", "", "", {{"paths_key", "tests"}}}));
  EXPECT_EQ((*db.last_suite_run("tests"))->as<ExecuteSummary>()->work_s, 2.0);
  EXPECT_EQ((*db.last_suite_run("tests/unit"))->as<ExecuteSummary>()->work_s, 3.0);
  EXPECT_FALSE(db.last_suite_run("nope")->has_value());
}

TEST_F(DbTest, FinishRunReplacesArgsWhenGiven) {
  Db db = open_ok();
  auto id = db.begin_run(RunInfo{"execute", "main", "", "", {{"asked", 1}}});
  ASSERT_TRUE(id);
  ASSERT_TRUE(db.finish_run(*id, RunStatus::kFailure, 1, execute_summary(2), {{"paths_key", "t"}}));
  auto run = db.run(*id);
  ASSERT_TRUE(run && run->has_value());
  EXPECT_EQ((*run)->args, (nlohmann::json{{"paths_key", "t"}}));
  EXPECT_EQ((*run)->status, RunStatus::kFailure);
  EXPECT_EQ((*run)->exit_code, 1);
  EXPECT_TRUE(db.last_suite_run("t")->has_value());
  auto kept = db.begin_run(RunInfo{"execute", "main", "", "", {{"asked", 2}}});
  ASSERT_TRUE(db.finish_run(*kept, RunStatus::kSuccess, 0, std::nullopt));
  EXPECT_EQ((*db.run(*kept))->args, (nlohmann::json{{"asked", 2}}));
  EXPECT_FALSE((*db.run(*kept))->summary.has_value());
}

TEST_F(DbTest, JudgeableRunsLeaveOutErrorsButNotPartialRuns) {
  Db db = open_ok();
  int64_t complete = finished_run(db, "execute", "main", {}, execute_summary(4));
  finished_run(db, "execute", "main", {}, std::nullopt, RunStatus::kError);
  auto judged = db.latest_run("execute", "", RunFilter::kJudgeable);
  ASSERT_TRUE(judged && judged->has_value());
  EXPECT_EQ((*judged)->id, complete);
  int64_t cut = finished_run(db, "execute", "main", {}, execute_summary(1), RunStatus::kInterrupted);
  judged = db.latest_run("execute", "", RunFilter::kJudgeable);
  EXPECT_EQ((*judged)->id, cut);
  EXPECT_FALSE(is_complete((*judged)->status));
}

TEST_F(DbTest, CoverageOfPartialRunsIsNotTheLatest) {
  Db db = open_ok();
  int64_t complete = finished_run(db, "execute", "main");
  CoverageSnapshot snap;
  snap.run_id = complete;
  snap.lines_covered = 1;
  snap.lines_total = 2;
  ASSERT_TRUE(db.record_coverage(snap));
  int64_t cut = finished_run(db, "execute", "main", {}, std::nullopt, RunStatus::kTimeout);
  snap.run_id = cut;
  snap.lines_covered = 2;
  ASSERT_TRUE(db.record_coverage(snap));
  auto latest = db.latest_coverage();
  ASSERT_TRUE(latest && latest->has_value());
  EXPECT_EQ((*latest)->run_id, complete);
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
    return db.finish_run(*run, RunStatus::kSuccess, 0, std::nullopt);
  });
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(raw_text("SELECT count(*) FROM test_results"), "1");
  EXPECT_TRUE(db.latest_run("execute")->has_value());
}

}  // namespace
}  // namespace aqe::state

namespace aqe::state {
namespace {

TEST(DbMessages, LongFailureMessagesAreCappedOnAWholeCharacter) {
  aqe::testing::TempDir tmp{"aqe-state-msg"};
  auto db = Db::open(tmp.path() / ".aqe");
  ASSERT_TRUE(db);
  auto run = db->begin_run(RunInfo{"execute", "main", "", "", {}});
  ASSERT_TRUE(run);
  // 'é' is two bytes: a cut in the middle of one must back up to keep the text UTF-8.
  std::string long_message = "x" + std::string(10 * 1024 * 1024, 'a');
  std::string accents;
  for (int i = 0; i < 40000; ++i) accents += "\xc3\xa9";
  ASSERT_TRUE(db->record_test_results(*run, {TestResultRow{"t::a", "t.py", "failed", 1, 1, long_message, 0},
                                             TestResultRow{"t::b", "t.py", "failed", 1, 1, accents, 0},
                                             TestResultRow{"t::c", "t.py", "failed", 1, 1, "short", 0}}));
  auto rows = db->test_results_of_run(*run);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_LT((*rows)[0].message.size(), 70u * 1024);
  EXPECT_NE((*rows)[0].message.find("more bytes; the whole message is in the JUnit file"), std::string::npos);
  const std::string& b = (*rows)[1].message;
  const size_t kept = b.find('\n');
  ASSERT_NE(kept, std::string::npos);
  EXPECT_EQ(kept % 2, 0u) << "cut inside a character";
  EXPECT_EQ((*rows)[2].message, "short");
}

TEST_F(DbTest, DurationsAsOfARunIgnoreLaterRuns) {
  Db db = open_ok();
  const int64_t r1 = finished_run(db, "execute", "main");
  ASSERT_TRUE(db.record_test_results(r1, {{"t::a", "t", "passed", 1.0, 1, "", 0},
                                          {"t::b", "t", "failed", 3.0, 1, "", 0},
                                          {"t::c", "t", "skipped", 9.0, 1, "", 0}}));
  const int64_t r2 = finished_run(db, "execute", "main");
  ASSERT_TRUE(db.record_test_results(r2, {{"t::a", "t", "passed", 2.0, 1, "", 0},
                                          {"t::b", "t", "passed", 5.0, 2, "", 0},
                                          {"t::d", "t", "passed", 4.0, 1, "", 0}}));
  EXPECT_EQ(*db.test_durations_as_of(r1), (std::map<std::string, double>{{"t::a", 1.0}, {"t::b", 3.0}}));
  EXPECT_EQ(*db.test_durations_as_of(r2),
            (std::map<std::string, double>{{"t::a", 1.5}, {"t::b", 3.0}, {"t::d", 4.0}}));
  EXPECT_EQ(*db.test_durations_as_of(r2, 1),
            (std::map<std::string, double>{{"t::a", 2.0}, {"t::b", 3.0}, {"t::d", 4.0}}));
  EXPECT_TRUE(db.test_durations_as_of(0)->empty());
}

TEST_F(DbTest, ShardBaseIsTheLatestCompleteRunOfAnotherCommitOrUnsharded) {
  Db db = open_ok();
  auto run = [&](const std::string& commit, nlohmann::json args, RunStatus status,
                 const std::string& command = "execute") {
    auto id = db.begin_run({command, "main", commit, "2026-01-01T00:00:00Z", args});
    EXPECT_TRUE(id);
    EXPECT_TRUE(db.finish_run(*id, status, 0, std::nullopt));
    return *id;
  };
  const nlohmann::json shard1 = {{"shard", {1, 2}}};
  const nlohmann::json shard2 = {{"shard", {2, 2}}};
  const int64_t a_whole = run("aaa", nlohmann::json::object(), RunStatus::kFailure);
  const int64_t a_shard = run("aaa", shard1, RunStatus::kSuccess);
  run("aaa", shard2, RunStatus::kTimeout);                                // partial: never a base
  run("zzz", nlohmann::json::object(), RunStatus::kSuccess, "generate");  // not execute
  const int64_t b_shard = run("bbb", shard2, RunStatus::kSuccess);
  const int64_t b_whole = run("bbb", nlohmann::json::object(), RunStatus::kSuccess);
  const int64_t none_shard = run("", shard1, RunStatus::kSuccess);
  struct Case {
    std::string commit;
    int64_t before;
    std::optional<int64_t> want;
  };
  for (const auto& c : std::vector<Case>{
           {"bbb", std::numeric_limits<int64_t>::max(),
            none_shard},               // a run of unknown commit is another commit's
           {"bbb", b_shard, a_shard},  // not the other shard of bbb, nor anything after it
           {"aaa", std::numeric_limits<int64_t>::max(), none_shard},
           {"aaa", a_shard, std::nullopt},
           {"ccc", a_shard, a_whole},
           {"", std::numeric_limits<int64_t>::max(), b_whole},  // commit unknown: unsharded runs only
           {"", b_whole, a_whole},
       }) {
    auto got = db.shard_base_run(c.commit, c.before);
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(*got ? std::optional<int64_t>((*got)->id) : std::nullopt, c.want)
        << c.commit << " before " << c.before;
  }
}

}  // namespace
}  // namespace aqe::state
