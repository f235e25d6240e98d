#include "aqe/state/sqlite_statement.h"

#include <utility>

namespace aqe::state {

Error sqlite_error(sqlite3* db, int rc, const std::filesystem::path& file, std::string_view doing) {
  const char* detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  std::string message = file.string() + ": " + std::string(doing) + ": " + detail;
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return make_error("DB_ERROR", message,
                        "another aqe process held the database lock (waited up to " +
                            std::to_string(kBusyTimeoutMs / 1000) + " s); retrying is safe",
                        ExitCode::kTransient);
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return make_error("DB_ERROR", message + " (not a SQLite database, or corrupt)",
                        "move " + file.string() + " (with any -wal/-shm file beside it) aside, e.g. to " +
                            file.filename().string() + ".corrupt, and rerun: aqe then starts a fresh history",
                        ExitCode::kUsage);
    default:
      return make_error("DB_ERROR", message, {}, ExitCode::kUsage);
  }
}

Result<Statement> Statement::prepare(sqlite3* db, const std::filesystem::path& file, std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return sqlite_error(db, rc, file, "preparing a query");
  }
  return Statement(db, stmt, file);
}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      file_(other.file_),
      bind_rc_(other.bind_rc_) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = other.db_;
    stmt_ = std::exchange(other.stmt_, nullptr);
    file_ = other.file_;
    bind_rc_ = other.bind_rc_;
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::note_bind(int rc) {
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

Statement& Statement::bind(int index, int64_t value) {
  note_bind(sqlite3_bind_int64(stmt_, index, value));
  return *this;
}

Statement& Statement::bind(int index, double value) {
  note_bind(sqlite3_bind_double(stmt_, index, value));
  return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
  // SQLITE_TRANSIENT: SQLite copies, so temporaries are safe to pass.
  note_bind(sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  return *this;
}

Statement& Statement::bind_null(int index) {
  note_bind(sqlite3_bind_null(stmt_, index));
  return *this;
}

Statement& Statement::bind_id_or_null(int index, int64_t id) {
  return id == 0 ? bind_null(index) : bind(index, id);
}

Result<bool> Statement::step() {
  if (bind_rc_ != SQLITE_OK) return sqlite_error(db_, bind_rc_, *file_, "binding a value");
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqlite_error(db_, rc, *file_, "running a query");
}

Status Statement::run() {
  for (;;) {
    auto row = step();
    if (!row) return row.error();
    if (!*row) return ok_status();
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_rc_ = SQLITE_OK;
}

bool Statement::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

int64_t Statement::int64(int col) const { return sqlite3_column_int64(stmt_, col); }

double Statement::real(int col) const { return sqlite3_column_double(stmt_, col); }

std::string Statement::text(int col) const {
  const auto* p = sqlite3_column_text(stmt_, col);
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

Status exec_sql(sqlite3* db, const std::filesystem::path& file, const std::string& sql) {
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(db, rc, file, "executing SQL");
  return ok_status();
}

Result<WriteTransaction> WriteTransaction::begin(sqlite3* db, const std::filesystem::path& file) {
  if (sqlite3_get_autocommit(db) == 0) return WriteTransaction(db, file, false);
  int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(db, rc, file, "starting a write transaction");
  return WriteTransaction(db, file, true);
}

WriteTransaction::WriteTransaction(WriteTransaction&& other) noexcept
    : db_(other.db_), file_(other.file_), owned_(std::exchange(other.owned_, false)) {}

WriteTransaction::~WriteTransaction() {
  // After some errors (e.g. SQLITE_FULL) SQLite has already rolled back on its own.
  if (owned_ && sqlite3_get_autocommit(db_) == 0) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

Status WriteTransaction::commit() {
  if (!owned_) return ok_status();
  int rc = sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(db_, rc, *file_, "committing");
  owned_ = false;
  return ok_status();
}

}  // namespace aqe::state
