// Table findings (what security-scan measured, per run).
#include "aqe/state/db.h"
#include "aqe/state/sqlite_statement.h"

namespace aqe::state {

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

}  // namespace aqe::state
