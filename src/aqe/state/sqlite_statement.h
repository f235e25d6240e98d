// Internal to state/: a prepared statement and a write transaction over the sqlite3 C API,
// plus the mapping of SQLite result codes to aqe::Error.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "aqe/util/result.h"

namespace aqe::state {

inline constexpr int kBusyTimeoutMs = 10'000;

// DB_ERROR naming the file and SQLite's message. Busy/locked after the timeout is transient
// (exit 4); a corrupt or foreign file is exit 3 with a hint to move it aside.
Error sqlite_error(sqlite3* db, int rc, const std::filesystem::path& file, std::string_view doing);

class Statement {
 public:
  static Result<Statement> prepare(sqlite3* db, const std::filesystem::path& file, std::string_view sql);
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Indexes are 1-based, as in SQL. A failed bind is reported by the next step().
  Statement& bind(int index, int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<int64_t>(value)); }
  Statement& bind(int index, double value);
  Statement& bind(int index, std::string_view value);
  Statement& bind_null(int index);
  // 0 is the "none" value of ids in the public structs; it is stored as NULL.
  Statement& bind_id_or_null(int index, int64_t id);

  // true: a row is available; false: done.
  Result<bool> step();
  // Steps to completion, for statements that return no rows.
  Status run();
  // Ready for new bindings and another execution.
  void reset();

  bool is_null(int col) const;
  int64_t int64(int col) const;
  double real(int col) const;
  std::string text(int col) const;

 private:
  Statement(sqlite3* db, sqlite3_stmt* stmt, const std::filesystem::path& file)
      : db_(db), stmt_(stmt), file_(&file) {}
  void note_bind(int rc);

  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  const std::filesystem::path* file_ = nullptr;
  int bind_rc_ = SQLITE_OK;
};

// BEGIN IMMEDIATE takes the write lock up front, so a writer waits (busy timeout) instead of
// failing when it would have upgraded a read transaction. Inside an enclosing transaction it
// does nothing, so Db's writes compose into Db::write_transaction. Rolls back unless committed.
class WriteTransaction {
 public:
  static Result<WriteTransaction> begin(sqlite3* db, const std::filesystem::path& file);
  WriteTransaction(WriteTransaction&& other) noexcept;
  WriteTransaction& operator=(WriteTransaction&&) = delete;
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;
  ~WriteTransaction();

  Status commit();

 private:
  WriteTransaction(sqlite3* db, const std::filesystem::path& file, bool owned)
      : db_(db), file_(&file), owned_(owned) {}

  sqlite3* db_ = nullptr;
  const std::filesystem::path* file_ = nullptr;
  bool owned_ = false;
};

// Runs SQL that returns no rows (one or several statements).
Status exec_sql(sqlite3* db, const std::filesystem::path& file, const std::string& sql);

}  // namespace aqe::state
