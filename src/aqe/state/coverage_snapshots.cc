// Tables coverage_snapshots and coverage_files.
#include <functional>

#include "aqe/state/db.h"
#include "aqe/state/schema.h"
#include "aqe/state/sqlite_statement.h"
#include "aqe/util/time.h"

namespace aqe::state {

Status Db::record_coverage(const CoverageSnapshot& snap) {
  auto txn = WriteTransaction::begin(db_, path_);
  if (!txn) return txn.error();
  auto head = Statement::prepare(
      db_, path_,
      "INSERT INTO coverage_snapshots (run_id, branch, taken_at, lines_covered, lines_total, "
      "branches_covered, branches_total) VALUES (?1, CASE WHEN ?2 = '' THEN "
      "coalesce((SELECT branch FROM runs WHERE id = ?1), '') ELSE ?2 END, ?3, ?4, ?5, ?6, ?7)");
  if (!head) return head.error();
  head->bind_id_or_null(1, snap.run_id).bind(2, snap.branch).bind(3, iso8601_or_now(snap.taken_at));
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

namespace {

// The first snapshot `head` selects (columns as below) with its files, in one read
// transaction so that the snapshot and its files come from the same database state.
Result<std::optional<CoverageSnapshot>> read_snapshot(sqlite3* db, const std::filesystem::path& path,
                                                      const std::string& where,
                                                      const std::function<void(Statement&)>& bind) {
  const bool own_txn = sqlite3_get_autocommit(db) != 0;
  if (own_txn) {
    if (auto s = exec_sql(db, path, "BEGIN"); !s) return s.error();
  }
  auto result = [&]() -> Result<std::optional<CoverageSnapshot>> {
    auto head = Statement::prepare(db, path,
                                   "SELECT id, coalesce(run_id, 0), branch, taken_at, "
                                   "lines_covered, lines_total, branches_covered, branches_total "
                                   "FROM coverage_snapshots WHERE " +
                                       where + " ORDER BY id DESC LIMIT 1");
    if (!head) return head.error();
    bind(*head);
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

    auto files = Statement::prepare(db, path,
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
  auto end = exec_sql(db, path, "COMMIT");
  if (result && !end) return end.error();
  return result;
}

}  // namespace

Result<std::optional<CoverageSnapshot>> Db::latest_coverage(const std::string& branch) {
  return read_snapshot(db_, path_,
                       "(?1 = '' OR branch = ?1) "
                       // Of a run still going or cut short, the coverage is partial.
                       "AND (run_id IS NULL OR run_id IN (SELECT id FROM runs WHERE "
                       "status IN ('success', 'failure', 'passed')))",
                       [&](Statement& s) { s.bind(1, branch); });
}

Result<std::optional<CoverageSnapshot>> Db::coverage_of_run(int64_t run_id) {
  return read_snapshot(db_, path_, "run_id = ?1", [&](Statement& s) { s.bind(1, run_id); });
}

}  // namespace aqe::state
