#include "aqe/state/db.h"

#include <chrono>
#include <fstream>
#include <system_error>
#include <thread>
#include <utility>

#include "aqe/state/schema.h"
#include "aqe/state/sqlite_statement.h"
#include "aqe/util/time.h"

namespace aqe::state {
namespace {
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

// A state directory aqe creates keeps itself out of git, as pytest's .pytest_cache does: a
// .gitignore of "*" inside it, so no project needs a line for it; the config files aqe also
// looks for in .aqe/ stay visible. Written only into a directory aqe has just made (never over
// the user's own file); best effort, as the file is a convenience and the DB works without it.
void ignore_in_git(const std::filesystem::path& dir) {
  std::ofstream out(dir / ".gitignore", std::ios::out | std::ios::trunc);
  out << "# Created by aqe automatically: its database and run files stay out of git.\n"
         "*\n"
         "!qe-fleet.json\n"
         "!quality-gates.json\n"
         "!storage.json\n";
}

}  // namespace

Result<Db> Db::open(const std::filesystem::path& state_dir) {
  std::error_code ec;
  const bool created = std::filesystem::create_directories(state_dir, ec);
  if (ec) {
    return make_error("DB_ERROR", state_dir.string() + ": cannot create the state directory: " + ec.message(),
                      "set QE_STATE_DIR to a writable directory", ExitCode::kUsage);
  }
  if (created) ignore_in_git(state_dir);
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

}  // namespace aqe::state
