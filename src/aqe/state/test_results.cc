// Tables test_results, test_durations (the per-test duration summary) and flakes.
#include <algorithm>
#include <optional>
#include <unordered_map>
#include <utility>

#include "aqe/state/db.h"
#include "aqe/state/duration_list.h"
#include "aqe/state/sqlite_statement.h"
#include "aqe/util/time.h"

namespace aqe::state {
namespace {

// A failure message is kept for display and flakiness, not as the record of the failure (the
// JUnit file has the whole text): a 10 MB message must not make a 20 MB database.
constexpr size_t kMaxStoredMessageBytes = 64 * 1024;

std::string_view capped_message(std::string_view m, std::string& buffer) {
  if (m.size() <= kMaxStoredMessageBytes) return m;
  size_t cut = kMaxStoredMessageBytes;
  while (cut > 0 && (static_cast<unsigned char>(m[cut]) & 0xC0) == 0x80) --cut;  // a whole UTF-8 character
  buffer.assign(m.substr(0, cut));
  buffer +=
      "\n[... " + std::to_string(m.size() - cut) + " more bytes; the whole message is in the JUnit file]";
  return buffer;
}

double median_of(std::vector<double>& values) {
  std::sort(values.begin(), values.end());
  size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
}

// Keeps table test_durations current as one call of record_test_results() inserts rows of
// one run into test_results, in the same transaction. Deleting runs (retention; test_results
// cascades) leaves their values in the summary: they stay the last known durations of those
// tests until newer results push them out of the window.
class DurationSummaryWriter {
 public:
  static Result<DurationSummaryWriter> prepare(sqlite3* db, const std::filesystem::path& file,
                                               int64_t run_id) {
    auto lookup =
        Statement::prepare(db, file, "SELECT recent, run_id FROM test_durations WHERE test_id = ?1");
    if (!lookup) return lookup.error();
    auto store =
        Statement::prepare(db, file,
                           "INSERT INTO test_durations (test_id, recent, run_id) VALUES (?1, ?2, ?3) "
                           "ON CONFLICT (test_id) DO UPDATE SET recent = excluded.recent, "
                           "run_id = excluded.run_id");
    if (!store) return store.error();
    return DurationSummaryWriter(db, file, run_id, std::move(*lookup), std::move(*store));
  }

  // A duration of the run, just inserted into test_results: the newest of its run so far.
  Status add(const std::string& test_id, double duration) {
    lookup_.reset();
    lookup_.bind(1, test_id);
    auto row = lookup_.step();
    if (!row) return row.error();
    std::string recent = *row ? lookup_.text(0) : std::string();
    int64_t newest_run = *row ? lookup_.int64(1) : run_id_;
    lookup_.reset();  // done with the row before writing the table
    int position = 0;
    if (newest_run <= run_id_) {
      // The usual case: the newest value in the (run_id, id) order test_durations() windows by.
      newest_run = run_id_;
    } else {
      // The results of a run recorded after those of a newer run (executes running at once):
      // the value goes behind the newer runs' values.
      auto newer = newer_values(test_id);
      if (!newer) return newer.error();
      if (*newer >= kMaxDurationWindow) return ok_status();
      position = *newer;
    }
    store_.reset();
    store_.bind(1, test_id).bind(2, insert_duration(recent, position, duration)).bind(3, newest_run);
    return store_.run();
  }

 private:
  DurationSummaryWriter(sqlite3* db, const std::filesystem::path& file, int64_t run_id, Statement lookup,
                        Statement store)
      : db_(db), file_(&file), run_id_(run_id), lookup_(std::move(lookup)), store_(std::move(store)) {}

  // How many values of `test_id` come from runs newer than this one. Counted once per call,
  // for all tests, over the rows of the newer runs only (index test_results_by_run).
  Result<int> newer_values(const std::string& test_id) {
    if (!newer_counts_) {
      auto count = Statement::prepare(db_, *file_,
                                      std::string("SELECT test_id, count(*) FROM test_results "
                                                  "WHERE run_id > ?1 AND ") +
                                          kDurationRowFilter + " GROUP BY test_id");
      if (!count) return count.error();
      count->bind(1, run_id_);
      std::unordered_map<std::string, int> counts;
      for (;;) {
        auto row = count->step();
        if (!row) return row.error();
        if (!*row) break;
        counts.emplace(count->text(0),
                       static_cast<int>(std::min<int64_t>(count->int64(1), kMaxDurationWindow)));
      }
      newer_counts_ = std::move(counts);
    }
    auto it = newer_counts_->find(test_id);
    return it == newer_counts_->end() ? 0 : it->second;
  }

  sqlite3* db_;
  const std::filesystem::path* file_;
  int64_t run_id_;
  Statement lookup_, store_;
  std::optional<std::unordered_map<std::string, int>> newer_counts_;
};

constexpr const char* kTestRowColumns = "test_id, file, outcome, duration_s, attempt, message, worker";

TestResultRow read_test_row(const Statement& stmt) {
  TestResultRow r;
  r.test_id = stmt.text(0);
  r.file = stmt.text(1);
  r.outcome = stmt.text(2);
  r.duration_s = stmt.real(3);
  r.attempt = static_cast<int>(stmt.int64(4));
  r.message = stmt.text(5);
  r.worker = static_cast<int>(stmt.int64(6));
  return r;
}

}  // namespace

Status Db::record_test_results(int64_t run_id, const std::vector<TestResultRow>& rows) {
  auto txn = WriteTransaction::begin(db_, path_);
  if (!txn) return txn.error();
  auto stmt = Statement::prepare(db_, path_,
                                 "INSERT INTO test_results (run_id, test_id, file, outcome, "
                                 "duration_s, attempt, message, worker) "
                                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  if (!stmt) return stmt.error();
  auto durations = DurationSummaryWriter::prepare(db_, path_, run_id);
  if (!durations) return durations.error();
  std::string buffer;
  for (const auto& r : rows) {
    stmt->reset();
    stmt->bind(1, run_id).bind(2, r.test_id).bind(3, r.file).bind(4, r.outcome);
    stmt->bind(5, r.duration_s)
        .bind(6, r.attempt)
        .bind(7, capped_message(r.message, buffer))
        .bind(8, r.worker);
    if (auto s = stmt->run(); !s) return s;
    if (counts_as_duration(r.attempt, r.outcome)) {
      if (auto s = durations->add(r.test_id, r.duration_s); !s) return s;
    }
  }
  return txn->commit();
}

Result<std::map<std::string, double>> Db::test_durations(int window) {
  std::map<std::string, double> out;
  if (window <= 0) return out;
  window = std::min(window, kMaxDurationWindow);
  // One row per test (the summary of migration 2), already in test id order.
  auto stmt = Statement::prepare(db_, path_, "SELECT test_id, recent FROM test_durations ORDER BY test_id");
  if (!stmt) return stmt.error();
  std::vector<double> values;
  for (;;) {
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) return out;
    if (!parse_durations(stmt->text(1), window, values)) {
      return make_error("DB_ERROR",
                        path_.string() + ": the stored durations of " + stmt->text(0) + " are malformed", {},
                        ExitCode::kUsage);
    }
    out.emplace_hint(out.end(), stmt->text(0), median_of(values));
  }
}

Result<std::map<std::string, double>> Db::test_durations_as_of(int64_t run_id, int window) {
  std::map<std::string, double> out;
  if (window <= 0) return out;
  window = std::min(window, kMaxDurationWindow);
  // The window test_durations() keeps, newest first by (run id, insertion order).
  auto stmt = Statement::prepare(db_, path_,
                                 std::string("SELECT test_id, duration_s FROM (SELECT test_id, duration_s, "
                                             "row_number() OVER (PARTITION BY test_id ORDER BY run_id DESC, "
                                             "id DESC) AS n FROM test_results WHERE run_id <= ?1 AND ") +
                                     kDurationRowFilter + ") WHERE n <= ?2 ORDER BY test_id");
  if (!stmt) return stmt.error();
  stmt->bind(1, run_id).bind(2, static_cast<int64_t>(window));
  std::string current;
  std::vector<double> values;
  auto flush = [&] {
    if (!values.empty()) out.emplace_hint(out.end(), current, median_of(values));
    values.clear();
  };
  for (;;) {
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) break;
    std::string id = stmt->text(0);
    if (id != current) {
      flush();
      current = std::move(id);
    }
    values.push_back(stmt->real(1));
  }
  flush();
  return out;
}

std::vector<TestResultRow> last_attempts(std::vector<TestResultRow> rows) {
  std::vector<TestResultRow> tests;
  std::unordered_map<std::string, size_t> index_of;
  for (auto& r : rows) {
    auto [it, inserted] = index_of.try_emplace(r.test_id, tests.size());
    if (inserted) {
      tests.push_back(std::move(r));
    } else if (r.attempt >= tests[it->second].attempt) {
      tests[it->second] = std::move(r);
    }
  }
  return tests;
}

Result<std::vector<TestResultRow>> Db::last_test_list(const std::string& paths_key) {
  auto run = last_suite_run(paths_key);
  if (!run) return run.error();
  if (!*run) return std::vector<TestResultRow>{};
  auto all = test_results_of_run((*run)->id);
  if (!all) return all.error();
  return last_attempts(std::move(*all));
}

Result<std::vector<TestResultRow>> Db::test_results_of_run(int64_t run_id) {
  auto stmt = Statement::prepare(
      db_, path_,
      std::string("SELECT ") + kTestRowColumns + " FROM test_results WHERE run_id = ?1 ORDER BY id");
  if (!stmt) return stmt.error();
  stmt->bind(1, run_id);
  std::vector<TestResultRow> rows;
  for (;;) {
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) return rows;
    rows.push_back(read_test_row(*stmt));
  }
}

Status Db::record_flake(const std::string& test_id) {
  auto txn = WriteTransaction::begin(db_, path_);
  if (!txn) return txn.error();
  auto stmt = Statement::prepare(db_, path_,
                                 "INSERT INTO flakes (test_id, count, last_seen) VALUES (?1, 1, ?2) "
                                 "ON CONFLICT (test_id) DO UPDATE SET count = count + 1, "
                                 "last_seen = excluded.last_seen");
  if (!stmt) return stmt.error();
  stmt->bind(1, test_id).bind(2, iso8601_now());
  if (auto s = stmt->run(); !s) return s;
  return txn->commit();
}

Result<std::map<std::string, int64_t>> Db::flake_counts() {
  auto stmt = Statement::prepare(db_, path_, "SELECT test_id, count FROM flakes");
  if (!stmt) return stmt.error();
  std::map<std::string, int64_t> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) return out;
    out.emplace(stmt->text(0), stmt->int64(1));
  }
}

Result<std::vector<FlakeRow>> Db::flakes() {
  auto stmt = Statement::prepare(db_, path_, "SELECT test_id, count, last_seen FROM flakes ORDER BY test_id");
  if (!stmt) return stmt.error();
  std::vector<FlakeRow> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back(FlakeRow{stmt->text(0), stmt->int64(1), stmt->text(2)});
  }
}

}  // namespace aqe::state
