// The project's state: .aqe/aqe.db (SQLite, WAL). Runs, per-test results and durations,
// coverage snapshots, findings, the usage ledger and the artifact index. Safe for several
// aqe processes at once (WAL + busy timeout + short transactions) and for a process killed
// mid-write (SQLite's journal; every multi-row write is one transaction).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aqe/coverage/coverage.h"
#include "aqe/state/runs.h"
#include "aqe/util/result.h"

namespace aqe::state {

struct TestResultRow {
  std::string test_id;  // pytest node id, e.g. "tests/test_a.py::TestX::test_y[1]"
  std::string file;     // "tests/test_a.py"
  std::string outcome;  // passed|failed|error|skipped|flaky
  double duration_s = 0;
  int attempt = 1;      // 1 = first run; >1 = retry
  std::string message;  // failure message, may be empty
  int worker = 0;
};

// One row per test id, in first-seen order, carrying its last attempt.
std::vector<TestResultRow> last_attempts(std::vector<TestResultRow> rows);

// Snapshots keep per-file counts of the shared model (no line lists).
using coverage::FileCoverage;

struct CoverageSnapshot {
  int64_t run_id = 0;  // 0 = not tied to a run
  // Empty on record: taken from the run (if any). Filter key of latest_coverage().
  std::string branch;
  std::string taken_at;  // ISO-8601 UTC; empty on record = now
  int64_t lines_covered = 0, lines_total = 0, branches_covered = 0, branches_total = 0;
  std::vector<FileCoverage> files;
};

struct FindingRow {
  std::string rule_id, category, severity, confidence, cwe, file, message, snippet, fingerprint;
  int64_t line = 0, column = 0;
};

// One model call (or response-cache hit) in the ledger. Token kinds are disjoint, each billed
// token in exactly one: input = uncached input (Anthropic's input_tokens; OpenAI's
// prompt_tokens minus cached_tokens), output = output other than reasoning.
struct UsageRow {
  std::string at;  // ISO-8601 UTC
  std::string command, provider, model;
  int64_t input_tokens = 0, output_tokens = 0;
  double cost_usd = 0;
  bool cache_hit = false;
  int64_t run_id = 0;
  int64_t cache_write_tokens = 0, cache_read_tokens = 0, reasoning_tokens = 0;
  std::string outcome = "ok";  // ok | error | ...: what the call ended in
  bool cost_known = true;      // false: the model has no price; cost_usd (0) means unknown
};

struct UsageTotals {
  int64_t calls = 0;
  double cost_usd = 0;
};

struct FlakeRow {
  std::string test_id;
  int64_t count = 0;
  std::string last_seen;  // ISO-8601 UTC
};

struct ArtifactRow {
  // created_at empty on record = now; metadata_json empty = "{}".
  std::string key, backend, location, branch, kind, created_at, metadata_json, checksum;
  int64_t size_bytes = 0;
};

class Db {
 public:
  // Opens (creating when needed) <state_dir>/aqe.db and migrates it to the current schema.
  // Errors: a DB from a newer aqe (exit 3), a corrupt file (exit 3, names the file).
  static Result<Db> open(const std::filesystem::path& state_dir);
  Db(Db&&) noexcept;
  Db& operator=(Db&&) noexcept;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();

  static int current_schema_version();
  Result<int> schema_version();
  const std::filesystem::path& path() const { return path_; }

  // The runs table (runs.cc): typed records, the only writer and reader of the summary.
  Result<int64_t> begin_run(const RunInfo& info);
  // Ends the run with its status, exit code and typed summary (nullopt: none); `args`, unless
  // null, replaces the arguments given at begin_run (a command learns some only as it runs).
  Status finish_run(int64_t run_id, RunStatus status, int exit_code, const std::optional<RunSummary>& summary,
                    const nlohmann::json& args = nullptr);
  // The latest finished run of `command` (optionally on `branch`) that `filter` admits.
  Result<std::optional<RunRecord>> latest_run(const std::string& command, const std::string& branch = {},
                                              RunFilter filter = RunFilter::kFinished);
  Result<std::optional<RunRecord>> run(int64_t run_id);
  // The runs `query` selects, newest first, at most query.limit of them (one query).
  Result<std::vector<RunRecord>> runs(const RunQuery& query);
  // The latest finished "execute" run whose args["paths_key"] equals `paths_key`: the run
  // the stored test list and the scheduler's measurements of that suite come from.
  Result<std::optional<RunRecord>> last_suite_run(const std::string& paths_key);
  // The finished "execute" runs of that suite, newest first, at most `limit`.
  Result<std::vector<RunRecord>> suite_runs(const std::string& paths_key, int64_t limit);
  // The run whose durations every shard of a sharded run plans with: the latest complete
  // (success/failure) "execute" run begun before run `before_id` on another commit than
  // `commit`; when `commit` is empty (unknown), the latest complete unsharded one. So the
  // shards of one commit, in any order or state dir holding the same history, agree on it.
  Result<std::optional<RunRecord>> shard_base_run(const std::string& commit, int64_t before_id);

  // All rows in one transaction, which also updates the per-test duration summary.
  Status record_test_results(int64_t run_id, const std::vector<TestResultRow>& rows);
  // Per test id: median duration of its last `window` passed/failed attempt-1 results, "last"
  // by run id, then insertion order. Reads the summary (one row per test), which keeps 16
  // values: a larger window is capped at 16. Values of deleted runs stay in the summary until
  // newer results replace them.
  Result<std::map<std::string, double>> test_durations(int window = 5);
  // The same medians as they stood when run `run_id` was the newest: from the results of runs
  // up to and including it only (test_results, not the summary; a deleted run's values are gone).
  Result<std::map<std::string, double>> test_durations_as_of(int64_t run_id, int window = 5);
  // The tests of the most recent finished "execute" run whose args["paths_key"] equals
  // `paths_key`: one row per test id, in first-seen order, carrying its last attempt's
  // outcome. Empty when there is no such run.
  Result<std::vector<TestResultRow>> last_test_list(const std::string& paths_key);
  // Every row of a run, in insertion order (last_attempts() folds the retries).
  Result<std::vector<TestResultRow>> test_results_of_run(int64_t run_id);
  Status record_flake(const std::string& test_id);
  Result<std::map<std::string, int64_t>> flake_counts();
  // Every flaky test with its count and when it was last seen flaky, by test id.
  Result<std::vector<FlakeRow>> flakes();

  Status record_coverage(const CoverageSnapshot& snap);
  // The latest snapshot not tied to a run, or of a complete (success/failure) run.
  Result<std::optional<CoverageSnapshot>> latest_coverage(const std::string& branch = {});
  // The (latest) snapshot recorded with run `run_id`, whatever the run's status.
  Result<std::optional<CoverageSnapshot>> coverage_of_run(int64_t run_id);

  Status record_findings(int64_t run_id, const std::vector<FindingRow>& rows);
  Result<std::vector<FindingRow>> findings_of_run(int64_t run_id);

  Status record_usage(const UsageRow& row);
  // The rows at or after `since_iso` (ISO-8601 UTC; "" = all), oldest first.
  Result<std::vector<UsageRow>> usage_since(const std::string& since_iso);
  // The ledger's sums over the rows of runs on `branch` ("" = every row); calls = rows.
  // Rows of runs on `branch` ("" = every row) and, when given, of runs at `commit` (full SHA).
  Result<UsageTotals> usage_totals(const std::string& branch = {}, const std::string& commit = {});

  Status put_artifact(const ArtifactRow& row);
  Result<std::vector<ArtifactRow>> list_artifacts();
  // Deleting a key that is not there succeeds (retention may race with another process).
  Status delete_artifact(const std::string& key);

  // Runs `body` in one BEGIN IMMEDIATE transaction: the Db writes it makes commit together or
  // not at all (rolled back when body returns an error). Do no slow work (processes, network)
  // inside: other aqe processes wait for the write lock.
  Status write_transaction(const std::function<Status()>& body);
  // SQLite's PRAGMA integrity_check: "ok", or its findings one per line.
  Result<std::string> integrity_check();

 private:
  Db() = default;
  sqlite3* db_ = nullptr;
  std::filesystem::path path_;
};

}  // namespace aqe::state
