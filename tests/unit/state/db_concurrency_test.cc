// Several aqe processes on one database, and a process killed mid-write. Real processes
// (fork), because SQLite's locking is per process and per file.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "aqe/state/db.h"
#include "aqe/util/fs.h"
#include "temp_dir.h"

namespace aqe::state {
namespace {

constexpr int kRowsPerRun = 50;

std::vector<TestResultRow> rows_for(int child, int run) {
  std::vector<TestResultRow> rows;
  for (int t = 0; t < kRowsPerRun; ++t) {
    rows.push_back(TestResultRow{"tests/test_" + std::to_string(child) + ".py::test_" + std::to_string(t),
                                 "tests/test_" + std::to_string(child) + ".py", "passed", 0.01 * (run + t), 1,
                                 "", child});
  }
  return rows;
}

// One run the way `execute` writes it: begin, results, finish, each its own transaction.
int write_runs_separately(const std::filesystem::path& state, int child, int runs) {
  auto db = Db::open(state);
  if (!db) {
    std::fprintf(stderr, "child %d: %s\n", child, db.error().message.c_str());
    return 10;
  }
  for (int r = 0; r < runs; ++r) {
    auto id = db->begin_run(RunInfo{"execute", "main", "", "", {{"child", child}}});
    if (!id) return 11;
    if (!db->record_test_results(*id, rows_for(child, r))) return 12;
    if (!db->finish_run(*id, RunStatus::kSuccess, 0, std::nullopt, {{"run", r}})) return 13;
    if (r % 50 == 0 && !db->test_durations(5)) return 14;
  }
  return 0;
}

// Many runs per transaction, forever, until killed.
[[noreturn]] void write_batches_until_killed(const std::filesystem::path& state, int ready_fd) {
  auto db = Db::open(state);
  if (!db) _exit(10);
  for (int batch = 0;; ++batch) {
    auto s = db->write_transaction([&]() -> Status {
      for (int r = 0; r < 20; ++r) {
        auto id = db->begin_run(RunInfo{"execute", "main", "", "", {{"batch", batch}}});
        if (!id) return id.error();
        if (auto w = db->record_test_results(*id, rows_for(0, r)); !w) return w;
        if (auto f = db->finish_run(*id, RunStatus::kSuccess, 0, std::nullopt); !f) return f;
      }
      return ok_status();
    });
    if (!s) _exit(11);
    if (batch == 0) {
      char c = 1;
      if (write(ready_fd, &c, 1) != 1) _exit(12);
    }
  }
}

int exit_status_of(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1000 + WTERMSIG(status);
}

class DbConcurrencyTest : public ::testing::Test {
 protected:
  void SetUp() override { state_ = root_ / ".aqe"; }

  // Runs a scalar query on a raw connection (the Db API has no generic query on purpose).
  int64_t scalar(const std::string& sql) {
    sqlite3* raw = nullptr;
    sqlite3_open((state_ / "aqe.db").c_str(), &raw);
    sqlite3_stmt* stmt = nullptr;
    int64_t out = -1;
    if (sqlite3_prepare_v2(raw, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      out = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
    sqlite3_close(raw);
    return out;
  }

  aqe::testing::TempDir tmp_{"aqe-state-conc"};
  std::filesystem::path root_ = tmp_.path(), state_;
};

TEST_F(DbConcurrencyTest, ProcessesCreatingAndWritingAtOnceAllSucceed) {
  constexpr int kChildren = 4;
  constexpr int kRuns = 200;
  int gate[2];
  ASSERT_EQ(pipe(gate), 0);
  std::vector<pid_t> children;
  for (int c = 0; c < kChildren; ++c) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(gate[1]);
      char ch;
      // Blocks until the parent closes the write end: all children start together, on a
      // database that does not exist yet, so creation and migration race too.
      (void)!read(gate[0], &ch, 1);
      _exit(write_runs_separately(state_, c, kRuns));
    }
    children.push_back(pid);
  }
  close(gate[0]);
  close(gate[1]);
  for (pid_t pid : children) EXPECT_EQ(exit_status_of(pid), 0);

  EXPECT_EQ(scalar("SELECT count(*) FROM runs WHERE finished_at IS NOT NULL"), kChildren * kRuns);
  EXPECT_EQ(scalar("SELECT count(*) FROM test_results"), kChildren * kRuns * kRowsPerRun);
  auto db = Db::open(state_);
  ASSERT_TRUE(db);
  EXPECT_EQ(*db->schema_version(), Db::current_schema_version());
  EXPECT_EQ(db->test_durations(5)->size(), static_cast<size_t>(kChildren * kRowsPerRun));
}

// The creation race alone, many times: SQLite can answer SQLITE_BUSY without waiting while
// another process converts a fresh file to WAL, which Db::open must absorb.
TEST_F(DbConcurrencyTest, ProcessesOpeningAFreshDatabaseAtOnceAllSucceed) {
  constexpr int kRounds = 15;
  constexpr int kChildren = 6;
  for (int round = 0; round < kRounds; ++round) {
    const auto state = root_ / ("round" + std::to_string(round));
    int gate[2];
    ASSERT_EQ(pipe(gate), 0);
    std::vector<pid_t> children;
    for (int c = 0; c < kChildren; ++c) {
      pid_t pid = fork();
      ASSERT_GE(pid, 0);
      if (pid == 0) {
        close(gate[1]);
        char ch;
        (void)!read(gate[0], &ch, 1);
        _exit(write_runs_separately(state, c, 1));
      }
      children.push_back(pid);
    }
    close(gate[0]);
    close(gate[1]);
    for (pid_t pid : children) EXPECT_EQ(exit_status_of(pid), 0) << "round " << round;
  }
}

TEST_F(DbConcurrencyTest, KilledWriterLeavesOnlyWholeTransactions) {
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(ready[0]);
    write_batches_until_killed(state_, ready[1]);
  }
  close(ready[1]);
  char ch = 0;
  ASSERT_EQ(read(ready[0], &ch, 1), 1) << "writer failed before its first commit";
  close(ready[0]);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  EXPECT_EQ(exit_status_of(pid), 1000 + SIGKILL);

  auto db = Db::open(state_);
  ASSERT_TRUE(db) << db.error().message;
  EXPECT_EQ(*db->integrity_check(), "ok");
  int64_t runs = scalar("SELECT count(*) FROM runs");
  EXPECT_GE(runs, 20);
  EXPECT_EQ(runs % 20, 0) << "a batch was partly committed";
  EXPECT_EQ(scalar("SELECT count(*) FROM runs WHERE finished_at IS NULL"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM runs r WHERE (SELECT count(*) FROM test_results t "
                   "WHERE t.run_id = r.id) <> 50"),
            0);

  auto more = db->begin_run(RunInfo{"execute", "main", "", "", {}});
  ASSERT_TRUE(more) << more.error().message;
  ASSERT_TRUE(db->record_test_results(*more, rows_for(1, 0)));
  ASSERT_TRUE(db->finish_run(*more, RunStatus::kSuccess, 0, std::nullopt));
  EXPECT_EQ(scalar("SELECT count(*) FROM runs"), runs + 1);
}

}  // namespace
}  // namespace aqe::state
