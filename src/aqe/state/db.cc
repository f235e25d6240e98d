#include "aqe/state/db.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <utility>

#include "aqe/state/duration_list.h"
#include "aqe/state/schema.h"
#include "aqe/state/sqlite_statement.h"
#include "aqe/util/time.h"

namespace aqe::state {
namespace {

std::string or_now(const std::string& iso) { return iso.empty() ? iso8601_now() : iso; }

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

Status apply_connection_settings(sqlite3* db, const std::filesystem::path& file) {
  // journal_mode is the first statement that reads the file: a foreign or corrupt file
  // fails here with SQLITE_NOTADB and never gets written to.
  for (const char* sql :
       {"PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL", "PRAGMA foreign_keys = ON"}) {
    auto stmt = Statement::prepare(db, file, sql);
    if (!stmt) return stmt.error();
    if (auto s = stmt->run(); !s) return s;
  }
  return ok_status();
}

// While another process turns a fresh file into WAL mode, SQLite can report SQLITE_BUSY at
// once instead of calling the busy handler; both steps are idempotent, so retry them.
Status prepare_connection(sqlite3* db, const std::filesystem::path& file) {
  const int64_t deadline = monotonic_ms() + kBusyTimeoutMs;
  for (;;) {
    Status s = apply_connection_settings(db, file);
    if (s) s = migrate(db, file);
    if (s || s.error().exit_code != ExitCode::kTransient || monotonic_ms() > deadline) return s;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
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

Result<Db> Db::open(const std::filesystem::path& state_dir) {
  std::error_code ec;
  std::filesystem::create_directories(state_dir, ec);
  if (ec) {
    return make_error("DB_ERROR", state_dir.string() + ": cannot create the state directory: " + ec.message(),
                      "set QE_STATE_DIR to a writable directory", ExitCode::kUsage);
  }
  Db db;
  db.path_ = state_dir / "aqe.db";
  int rc = sqlite3_open_v2(db.path_.c_str(), &db.db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(db.db_, rc, db.path_, "opening");
  sqlite3_extended_result_codes(db.db_, 1);
  sqlite3_busy_timeout(db.db_, kBusyTimeoutMs);
  if (auto s = prepare_connection(db.db_, db.path_); !s) return s.error();
  return db;
}

Db::Db(Db&& other) noexcept : db_(std::exchange(other.db_, nullptr)), path_(std::move(other.path_)) {}

Db& Db::operator=(Db&& other) noexcept {
  if (this != &other) {
    sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
    path_ = std::move(other.path_);
  }
  return *this;
}

Db::~Db() { sqlite3_close_v2(db_); }

int Db::current_schema_version() { return latest_schema_version(); }

Result<int> Db::schema_version() { return read_user_version(db_, path_); }

Status Db::write_transaction(const std::function<Status()>& body) {
  auto txn = WriteTransaction::begin(db_, path_);
  if (!txn) return txn.error();
  if (auto s = body(); !s) return s;
  return txn->commit();
}

Result<std::string> Db::integrity_check() {
  auto stmt = Statement::prepare(db_, path_, "PRAGMA integrity_check");
  if (!stmt) return stmt.error();
  std::string out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) return out;
    if (!out.empty()) out += '\n';
    out += stmt->text(0);
  }
}

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

Result<std::vector<TestResultRow>> Db::last_test_list(const std::string& paths_key) {
  auto run = last_suite_run(paths_key);
  if (!run) return run.error();
  if (!*run) return std::vector<TestResultRow>{};
  auto all = test_results_of_run((*run)->id);
  if (!all) return all.error();

  std::vector<TestResultRow> tests;
  std::unordered_map<std::string, size_t> index_of;
  for (auto& r : *all) {
    auto [it, inserted] = index_of.try_emplace(r.test_id, tests.size());
    if (inserted) {
      tests.push_back(std::move(r));
    } else if (r.attempt >= tests[it->second].attempt) {
      tests[it->second] = std::move(r);
    }
  }
  return tests;
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

Status Db::record_coverage(const CoverageSnapshot& snap) {
  auto txn = WriteTransaction::begin(db_, path_);
  if (!txn) return txn.error();
  auto head = Statement::prepare(
      db_, path_,
      "INSERT INTO coverage_snapshots (run_id, branch, taken_at, lines_covered, lines_total, "
      "branches_covered, branches_total) VALUES (?1, CASE WHEN ?2 = '' THEN "
      "coalesce((SELECT branch FROM runs WHERE id = ?1), '') ELSE ?2 END, ?3, ?4, ?5, ?6, ?7)");
  if (!head) return head.error();
  head->bind_id_or_null(1, snap.run_id).bind(2, snap.branch).bind(3, or_now(snap.taken_at));
  head->bind(4, snap.lines_covered).bind(5, snap.lines_total);
  head->bind(6, snap.branches_covered).bind(7, snap.branches_total);
  if (auto s = head->run(); !s) return s;
  int64_t snapshot_id = sqlite3_last_insert_rowid(db_);

  auto file = Statement::prepare(db_, path_,
                                 "INSERT INTO coverage_files (snapshot_id, file, lines_covered, "
                                 "lines_total, branches_covered, branches_total) "
                                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!file) return file.error();
  for (const auto& f : snap.files) {
    file->reset();
    file->bind(1, snapshot_id).bind(2, f.file).bind(3, f.lines_covered).bind(4, f.lines_total);
    file->bind(5, f.branches_covered).bind(6, f.branches_total);
    if (auto s = file->run(); !s) return s;
  }
  return txn->commit();
}

Result<std::optional<CoverageSnapshot>> Db::latest_coverage(const std::string& branch) {
  // A read transaction so the snapshot and its files come from the same database state.
  const bool own_txn = sqlite3_get_autocommit(db_) != 0;
  if (own_txn) {
    if (auto s = exec_sql(db_, path_, "BEGIN"); !s) return s.error();
  }
  auto result = [&]() -> Result<std::optional<CoverageSnapshot>> {
    auto head = Statement::prepare(db_, path_,
                                   "SELECT id, coalesce(run_id, 0), branch, taken_at, "
                                   "lines_covered, lines_total, branches_covered, branches_total "
                                   "FROM coverage_snapshots WHERE (?1 = '' OR branch = ?1) "
                                   // Of a run still going or cut short, the coverage is partial.
                                   "AND (run_id IS NULL OR run_id IN (SELECT id FROM runs WHERE "
                                   "status IN ('success', 'failure', 'passed'))) "
                                   "ORDER BY id DESC LIMIT 1");
    if (!head) return head.error();
    head->bind(1, branch);
    auto row = head->step();
    if (!row) return row.error();
    if (!*row) return std::optional<CoverageSnapshot>{};
    CoverageSnapshot snap;
    int64_t snapshot_id = head->int64(0);
    snap.run_id = head->int64(1);
    snap.branch = head->text(2);
    snap.taken_at = head->text(3);
    snap.lines_covered = head->int64(4);
    snap.lines_total = head->int64(5);
    snap.branches_covered = head->int64(6);
    snap.branches_total = head->int64(7);

    auto files = Statement::prepare(db_, path_,
                                    "SELECT file, lines_covered, lines_total, branches_covered, "
                                    "branches_total FROM coverage_files WHERE snapshot_id = ?1 "
                                    "ORDER BY file");
    if (!files) return files.error();
    files->bind(1, snapshot_id);
    for (;;) {
      auto frow = files->step();
      if (!frow) return frow.error();
      if (!*frow) return std::optional(std::move(snap));
      snap.files.push_back(
          FileCoverage{files->text(0), files->int64(1), files->int64(2), files->int64(3), files->int64(4)});
    }
  }();
  if (!own_txn) return result;
  auto end = exec_sql(db_, path_, "COMMIT");
  if (result && !end) return end.error();
  return result;
}

Status Db::record_findings(int64_t run_id, const std::vector<FindingRow>& rows) {
  auto txn = WriteTransaction::begin(db_, path_);
  if (!txn) return txn.error();
  auto stmt = Statement::prepare(
      db_, path_,
      "INSERT INTO findings (run_id, rule_id, category, severity, confidence, cwe, file, line, "
      "col, message, snippet, fingerprint) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
      "?12)");
  if (!stmt) return stmt.error();
  for (const auto& f : rows) {
    stmt->reset();
    stmt->bind(1, run_id).bind(2, f.rule_id).bind(3, f.category).bind(4, f.severity);
    stmt->bind(5, f.confidence).bind(6, f.cwe).bind(7, f.file).bind(8, f.line);
    stmt->bind(9, f.column).bind(10, f.message).bind(11, f.snippet).bind(12, f.fingerprint);
    if (auto s = stmt->run(); !s) return s;
  }
  return txn->commit();
}

Result<std::vector<FindingRow>> Db::findings_of_run(int64_t run_id) {
  auto stmt = Statement::prepare(db_, path_,
                                 "SELECT rule_id, category, severity, confidence, cwe, file, "
                                 "message, snippet, fingerprint, line, col FROM findings "
                                 "WHERE run_id = ?1 ORDER BY id");
  if (!stmt) return stmt.error();
  stmt->bind(1, run_id);
  std::vector<FindingRow> rows;
  for (;;) {
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) return rows;
    FindingRow f{stmt->text(0), stmt->text(1), stmt->text(2), stmt->text(3),  stmt->text(4),  stmt->text(5),
                 stmt->text(6), stmt->text(7), stmt->text(8), stmt->int64(9), stmt->int64(10)};
    rows.push_back(std::move(f));
  }
}

Status Db::record_usage(const UsageRow& row) {
  auto txn = WriteTransaction::begin(db_, path_);
  if (!txn) return txn.error();
  auto stmt = Statement::prepare(db_, path_,
                                 "INSERT INTO usage (at, command, provider, model, input_tokens, "
                                 "output_tokens, cost_usd, cache_hit, run_id) "
                                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  if (!stmt) return stmt.error();
  stmt->bind(1, or_now(row.at)).bind(2, row.command).bind(3, row.provider).bind(4, row.model);
  stmt->bind(5, row.input_tokens).bind(6, row.output_tokens).bind(7, row.cost_usd);
  stmt->bind(8, row.cache_hit ? 1 : 0).bind_id_or_null(9, row.run_id);
  if (auto s = stmt->run(); !s) return s;
  return txn->commit();
}

Result<std::vector<UsageRow>> Db::usage_since(const std::string& since_iso) {
  auto stmt = Statement::prepare(db_, path_,
                                 "SELECT at, command, provider, model, input_tokens, "
                                 "output_tokens, cost_usd, cache_hit, coalesce(run_id, 0) "
                                 "FROM usage WHERE at >= ?1 ORDER BY at, id");
  if (!stmt) return stmt.error();
  stmt->bind(1, since_iso);
  std::vector<UsageRow> rows;
  for (;;) {
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) return rows;
    UsageRow u;
    u.at = stmt->text(0);
    u.command = stmt->text(1);
    u.provider = stmt->text(2);
    u.model = stmt->text(3);
    u.input_tokens = stmt->int64(4);
    u.output_tokens = stmt->int64(5);
    u.cost_usd = stmt->real(6);
    u.cache_hit = stmt->int64(7) != 0;
    u.run_id = stmt->int64(8);
    rows.push_back(std::move(u));
  }
}

Status Db::put_artifact(const ArtifactRow& row) {
  auto txn = WriteTransaction::begin(db_, path_);
  if (!txn) return txn.error();
  auto stmt = Statement::prepare(
      db_, path_,
      "INSERT INTO artifacts (key, backend, location, branch, kind, created_at, size_bytes, "
      "metadata_json, checksum) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
      "ON CONFLICT (key) DO UPDATE SET backend = excluded.backend, location = excluded.location, "
      "branch = excluded.branch, kind = excluded.kind, created_at = excluded.created_at, "
      "size_bytes = excluded.size_bytes, metadata_json = excluded.metadata_json, "
      "checksum = excluded.checksum");
  if (!stmt) return stmt.error();
  stmt->bind(1, row.key).bind(2, row.backend).bind(3, row.location).bind(4, row.branch);
  stmt->bind(5, row.kind).bind(6, or_now(row.created_at)).bind(7, row.size_bytes);
  stmt->bind(8, row.metadata_json.empty() ? std::string("{}") : row.metadata_json);
  stmt->bind(9, row.checksum);
  if (auto s = stmt->run(); !s) return s;
  return txn->commit();
}

Result<std::vector<ArtifactRow>> Db::list_artifacts() {
  auto stmt = Statement::prepare(db_, path_,
                                 "SELECT key, backend, location, branch, kind, created_at, "
                                 "metadata_json, checksum, size_bytes FROM artifacts "
                                 "ORDER BY created_at, key");
  if (!stmt) return stmt.error();
  std::vector<ArtifactRow> rows;
  for (;;) {
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) return rows;
    ArtifactRow a{stmt->text(0), stmt->text(1), stmt->text(2), stmt->text(3), stmt->text(4),
                  stmt->text(5), stmt->text(6), stmt->text(7), stmt->int64(8)};
    rows.push_back(std::move(a));
  }
}

Status Db::delete_artifact(const std::string& key) {
  auto txn = WriteTransaction::begin(db_, path_);
  if (!txn) return txn.error();
  auto stmt = Statement::prepare(db_, path_, "DELETE FROM artifacts WHERE key = ?1");
  if (!stmt) return stmt.error();
  stmt->bind(1, key);
  if (auto s = stmt->run(); !s) return s;
  return txn->commit();
}

}  // namespace aqe::state
