#include "aqe/state/schema.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <string>

#include "aqe/state/duration_list.h"
#include "aqe/state/sqlite_statement.h"

namespace aqe::state {
namespace {

// Append-only: a released migration is never edited; a change is a new entry. Index i holds
// the step from user_version i to i + 1.
constexpr const char* kMigrations[] = {
    // 1: the initial schema. Timestamps are ISO-8601 UTC text (sorts chronologically);
    // ordering "latest" uses the integer ids, which never go backwards.
    R"sql(
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  command TEXT NOT NULL,
  branch TEXT NOT NULL DEFAULT '',
  commit_sha TEXT NOT NULL DEFAULT '',
  started_at TEXT NOT NULL,
  finished_at TEXT,
  exit_code INTEGER,
  status TEXT NOT NULL DEFAULT 'running',
  args_json TEXT NOT NULL DEFAULT '{}',
  summary_json TEXT
);
CREATE INDEX runs_by_command ON runs(command, branch, id);
CREATE INDEX runs_by_paths_key ON runs(json_extract(args_json, '$.paths_key'))
  WHERE command = 'execute';

CREATE TABLE test_results (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  test_id TEXT NOT NULL,
  file TEXT NOT NULL DEFAULT '',
  outcome TEXT NOT NULL,
  duration_s REAL NOT NULL DEFAULT 0,
  attempt INTEGER NOT NULL DEFAULT 1,
  message TEXT NOT NULL DEFAULT '',
  worker INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX test_results_by_run ON test_results(run_id);
-- Covers test_durations(): only the rows it reads, already in (test, newest first) order.
CREATE INDEX test_results_durations ON test_results(test_id, run_id DESC, duration_s)
  WHERE attempt = 1 AND outcome IN ('passed', 'failed');

CREATE TABLE flakes (
  test_id TEXT PRIMARY KEY,
  count INTEGER NOT NULL DEFAULT 0,
  last_seen TEXT NOT NULL
);

CREATE TABLE coverage_snapshots (
  id INTEGER PRIMARY KEY,
  run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
  branch TEXT NOT NULL DEFAULT '',
  taken_at TEXT NOT NULL,
  lines_covered INTEGER NOT NULL DEFAULT 0,
  lines_total INTEGER NOT NULL DEFAULT 0,
  branches_covered INTEGER NOT NULL DEFAULT 0,
  branches_total INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX coverage_snapshots_by_branch ON coverage_snapshots(branch, id);

CREATE TABLE coverage_files (
  snapshot_id INTEGER NOT NULL REFERENCES coverage_snapshots(id) ON DELETE CASCADE,
  file TEXT NOT NULL,
  lines_covered INTEGER NOT NULL DEFAULT 0,
  lines_total INTEGER NOT NULL DEFAULT 0,
  branches_covered INTEGER NOT NULL DEFAULT 0,
  branches_total INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (snapshot_id, file)
);

CREATE TABLE findings (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  rule_id TEXT NOT NULL,
  category TEXT NOT NULL DEFAULT '',
  severity TEXT NOT NULL DEFAULT '',
  confidence TEXT NOT NULL DEFAULT '',
  cwe TEXT NOT NULL DEFAULT '',
  file TEXT NOT NULL DEFAULT '',
  line INTEGER NOT NULL DEFAULT 0,
  col INTEGER NOT NULL DEFAULT 0,
  message TEXT NOT NULL DEFAULT '',
  snippet TEXT NOT NULL DEFAULT '',
  fingerprint TEXT NOT NULL DEFAULT ''
);
CREATE INDEX findings_by_run ON findings(run_id);
CREATE INDEX findings_by_fingerprint ON findings(fingerprint);

CREATE TABLE usage (
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  command TEXT NOT NULL DEFAULT '',
  provider TEXT NOT NULL DEFAULT '',
  model TEXT NOT NULL DEFAULT '',
  input_tokens INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0,
  cost_usd REAL NOT NULL DEFAULT 0,
  cache_hit INTEGER NOT NULL DEFAULT 0 CHECK (cache_hit IN (0, 1)),
  run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL
);
CREATE INDEX usage_by_time ON usage(at);

CREATE TABLE artifacts (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  backend TEXT NOT NULL DEFAULT '',
  location TEXT NOT NULL DEFAULT '',
  branch TEXT NOT NULL DEFAULT '',
  kind TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  size_bytes INTEGER NOT NULL DEFAULT 0,
  metadata_json TEXT NOT NULL DEFAULT '{}',
  checksum TEXT NOT NULL DEFAULT ''
);
CREATE INDEX artifacts_by_kind ON artifacts(kind, branch, created_at);
)sql",

    // 2: per test, its newest durations (duration_list.h), so Db::test_durations() reads one
    // row per test instead of windowing all of test_results; run_id is the run of the newest
    // value (not a foreign key: values outlive a deleted run). Filled from test_results by
    // backfill_test_durations() below. The index that served the old query goes: updating it
    // touched pages all over it on every run, a cost that grew with the history.
    R"sql(
CREATE TABLE test_durations (
  test_id TEXT PRIMARY KEY,
  recent TEXT NOT NULL,
  run_id INTEGER NOT NULL
) WITHOUT ROWID;
DROP INDEX IF EXISTS test_results_durations;
)sql",

    // 3: the ledger keeps tokens by kind, each token in exactly one column, so that a cost is
    // Σ column × price: input_tokens = uncached input (neither written to nor read from the
    // provider's prompt cache), output_tokens = output other than reasoning. outcome: what the
    // call ended in (ok, error, ...). Existing rows keep their values; the new kinds read 0.
    R"sql(
ALTER TABLE usage ADD COLUMN cache_write_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE usage ADD COLUMN cache_read_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE usage ADD COLUMN reasoning_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE usage ADD COLUMN outcome TEXT NOT NULL DEFAULT 'ok';
)sql",

    // 4: a call of a model without a known price has cost_known = 0: its cost_usd (0) is not
    // a price but "unknown", and reports say so instead of summing it as free.
    R"sql(
ALTER TABLE usage ADD COLUMN cost_known INTEGER NOT NULL DEFAULT 1;
)sql",
};

constexpr int kLatestVersion = static_cast<int>(std::size(kMigrations));

// The newest kMaxDurationWindow durations of every test, in the order of the query
// test_durations() ran before migration 2 (one pass and a sort over test_results, once). In
// C++ rather than SQL: SQLite's real-to-text conversion keeps 15 digits (not exact), and
// before 3.44 group_concat has no defined order.
Status backfill_test_durations(sqlite3* db, const std::filesystem::path& file) {
  auto read = Statement::prepare(db, file,
                                 std::string("SELECT test_id, run_id, duration_s FROM ("
                                             " SELECT test_id, run_id, duration_s, ROW_NUMBER() OVER ("
                                             "  PARTITION BY test_id ORDER BY run_id DESC, id DESC) AS n"
                                             " FROM test_results WHERE ") +
                                     kDurationRowFilter + ") WHERE n <= ?1 ORDER BY test_id, n");
  if (!read) return read.error();
  read->bind(1, kMaxDurationWindow);
  auto write = Statement::prepare(db, file,
                                  "INSERT INTO test_durations (test_id, recent, run_id) VALUES (?1, ?2, ?3)");
  if (!write) return write.error();
  std::string test_id, recent;
  int64_t run_id = 0;
  for (;;) {
    auto row = read->step();
    if (!row) return row.error();
    if (!recent.empty() && (!*row || read->text(0) != test_id)) {
      write->reset();
      write->bind(1, test_id).bind(2, recent).bind(3, run_id);
      if (auto s = write->run(); !s) return s;
      recent.clear();
    }
    if (!*row) return ok_status();
    if (recent.empty()) {
      test_id = read->text(0);
      run_id = read->int64(1);
    }
    append_duration(recent, read->real(2));
  }
}

// Data steps run after the SQL of kMigrations[i], in its transaction; nullptr = none.
using DataStep = Status (*)(sqlite3*, const std::filesystem::path&);
constexpr DataStep kDataSteps[] = {nullptr, backfill_test_durations, nullptr, nullptr};
static_assert(std::size(kDataSteps) == std::size(kMigrations));

Error newer_database_error(const std::filesystem::path& file, int version) {
  return make_error("DB_ERROR",
                    file.string() + ": created by a newer aqe (schema version " + std::to_string(version) +
                        "; this aqe knows up to " + std::to_string(kLatestVersion) + ")",
                    "upgrade aqe, or point QE_STATE_DIR at another directory", ExitCode::kUsage);
}

Status apply_migration(sqlite3* db, const std::filesystem::path& file, int from) {
  if (auto s = exec_sql(db, file, kMigrations[from]); !s) return s;
  if (kDataSteps[from] != nullptr) {
    if (auto s = kDataSteps[from](db, file); !s) return s;
  }
  // PRAGMA takes no bound parameters; the value is our own integer.
  return exec_sql(db, file, "PRAGMA user_version = " + std::to_string(from + 1));
}

}  // namespace

int latest_schema_version() { return kLatestVersion; }

Result<int> read_user_version(sqlite3* db, const std::filesystem::path& file) {
  auto stmt = Statement::prepare(db, file, "PRAGMA user_version");
  if (!stmt) return stmt.error();
  auto row = stmt->step();
  if (!row) return row.error();
  return *row ? static_cast<int>(stmt->int64(0)) : 0;
}

Status migrate(sqlite3* db, const std::filesystem::path& file) {
  return migrate_to(db, file, kLatestVersion);
}

Status migrate_to(sqlite3* db, const std::filesystem::path& file, int target) {
  target = std::min(target, kLatestVersion);
  auto seen = read_user_version(db, file);
  if (!seen) return seen.error();
  if (*seen > kLatestVersion) return newer_database_error(file, *seen);
  if (*seen >= target) return ok_status();

  for (;;) {
    auto txn = WriteTransaction::begin(db, file);
    if (!txn) return txn.error();
    // Re-read under the write lock: another process may have migrated meanwhile.
    auto version = read_user_version(db, file);
    if (!version) return version.error();
    if (*version > kLatestVersion) return newer_database_error(file, *version);
    if (*version >= target) return txn->commit();
    if (auto s = apply_migration(db, file, *version); !s) return s;
    if (auto s = txn->commit(); !s) return s;
  }
}

}  // namespace aqe::state
