// Table usage (the model-call ledger) and the artifact index.
#include "aqe/state/db.h"
#include "aqe/state/sqlite_statement.h"
#include "aqe/util/time.h"

namespace aqe::state {

Status Db::record_usage(const UsageRow& row) {
  auto txn = WriteTransaction::begin(db_, path_);
  if (!txn) return txn.error();
  auto stmt = Statement::prepare(db_, path_,
                                 "INSERT INTO usage (at, command, provider, model, input_tokens, "
                                 "output_tokens, cost_usd, cache_hit, run_id, cache_write_tokens, "
                                 "cache_read_tokens, reasoning_tokens, outcome, cost_known) "
                                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
  if (!stmt) return stmt.error();
  stmt->bind(1, iso8601_or_now(row.at)).bind(2, row.command).bind(3, row.provider).bind(4, row.model);
  stmt->bind(5, row.input_tokens).bind(6, row.output_tokens).bind(7, row.cost_usd);
  stmt->bind(8, row.cache_hit ? 1 : 0).bind_id_or_null(9, row.run_id);
  stmt->bind(10, row.cache_write_tokens).bind(11, row.cache_read_tokens).bind(12, row.reasoning_tokens);
  stmt->bind(13, row.outcome).bind(14, row.cost_known ? 1 : 0);
  if (auto s = stmt->run(); !s) return s;
  return txn->commit();
}

Result<std::vector<UsageRow>> Db::usage_since(const std::string& since_iso) {
  auto stmt =
      Statement::prepare(db_, path_,
                         "SELECT at, command, provider, model, input_tokens, "
                         "output_tokens, cost_usd, cache_hit, coalesce(run_id, 0), "
                         "cache_write_tokens, cache_read_tokens, reasoning_tokens, outcome, cost_known "
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
    u.cache_write_tokens = stmt->int64(9);
    u.cache_read_tokens = stmt->int64(10);
    u.reasoning_tokens = stmt->int64(11);
    u.outcome = stmt->text(12);
    u.cost_known = stmt->int64(13) != 0;
    rows.push_back(std::move(u));
  }
}

Result<UsageTotals> Db::usage_totals(const std::string& branch, const std::string& commit) {
  auto stmt = Statement::prepare(
      db_, path_,
      "SELECT count(*), coalesce(sum(cost_usd), 0) FROM usage WHERE (?1 = '' AND ?2 = '') OR "
      "run_id IN (SELECT id FROM runs WHERE (?1 = '' OR branch = ?1) AND (?2 = '' OR commit_sha = ?2))");
  if (!stmt) return stmt.error();
  stmt->bind(1, branch).bind(2, commit);
  auto row = stmt->step();
  if (!row) return row.error();
  if (!*row) return UsageTotals{};
  return UsageTotals{stmt->int64(0), stmt->real(1)};
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
  stmt->bind(5, row.kind).bind(6, iso8601_or_now(row.created_at)).bind(7, row.size_bytes);
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
