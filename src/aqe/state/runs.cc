// The runs table and its typed summaries (see runs.h).
#include "aqe/state/runs.h"

#include <array>

#include "aqe/state/db.h"
#include "aqe/state/sqlite_statement.h"
#include "aqe/util/time.h"

namespace aqe::state {
namespace {

using nlohmann::json;

constexpr std::array<std::pair<RunStatus, std::string_view>, 6> kStatusNames{{
    {RunStatus::kRunning, "running"},
    {RunStatus::kSuccess, "success"},
    {RunStatus::kFailure, "failure"},
    {RunStatus::kError, "error"},
    {RunStatus::kTimeout, "timeout"},
    {RunStatus::kInterrupted, "interrupted"},
}};

std::string dump_json(const json& j) {
  // Paths and test names may hold bytes that are not UTF-8; replace rather than throw.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Readers take what is there with the right type and leave the default otherwise: a stored
// document is data aqe wrote, but possibly an older aqe, so absent fields are expected.
template <typename T>
void take(const json& j, const char* key, T& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  if constexpr (std::is_same_v<T, bool>) {
    if (it->is_boolean()) out = it->get<bool>();
  } else if constexpr (std::is_integral_v<T>) {
    if (it->is_number_integer()) out = it->get<T>();
  } else if constexpr (std::is_floating_point_v<T>) {
    if (it->is_number()) out = it->get<T>();
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (it->is_string()) out = it->get<std::string>();
  } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
    if (!it->is_array()) return;
    for (const auto& v : *it)
      if (v.is_string()) out.push_back(v.get<std::string>());
  }
}

json coverage_json(const std::optional<CoverageTotals>& c) {
  if (!c) return nullptr;
  return {{"lines_covered", c->lines_covered},
          {"lines_total", c->lines_total},
          {"branches_covered", c->branches_covered},
          {"branches_total", c->branches_total}};
}

std::optional<CoverageTotals> read_coverage(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_object()) return std::nullopt;
  if (auto m = it->find("measured"); m != it->end() && m->is_boolean() && !m->get<bool>())
    return std::nullopt;
  CoverageTotals c;
  take(*it, "lines_covered", c.lines_covered);
  take(*it, "lines_total", c.lines_total);
  take(*it, "branches_covered", c.branches_covered);
  take(*it, "branches_total", c.branches_total);
  return c;
}

json optional_number(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

json to_fields(const ExecuteSummary& s) {
  json shard = nullptr;
  if (s.shard) shard = {{"index", s.shard->first}, {"total", s.shard->second}};
  return {{"framework", s.framework},
          {"tests_run", s.tests_run},
          {"passed", s.passed},
          {"failed", s.failed},
          {"skipped", s.skipped},
          {"xfailed", s.xfailed},
          {"xpassed", s.xpassed},
          {"errors", s.errors},
          {"flaky", s.flaky},
          {"not_run", s.not_run},
          {"duration_s", s.duration_s},
          {"workers", s.workers},
          {"shard", shard},
          {"coverage", coverage_json(s.coverage)},
          {"flaky_tests", s.flaky_tests},
          {"junit_xml", s.junit_xml},
          {"coverage_json", s.coverage_json},
          {"worker_startup_s", s.worker_startup_s},
          {"start_s", s.start_s},
          {"work_s", s.work_s},
          {"work_cpu_s", s.work_cpu_s},
          {"idle_cores", s.idle_cores},
          {"rootdir", s.rootdir},
          {"inifile", s.inifile}};
}

ExecuteSummary read_execute(const json& j) {
  ExecuteSummary s;
  take(j, "framework", s.framework);
  take(j, "tests_run", s.tests_run);
  take(j, "passed", s.passed);
  take(j, "failed", s.failed);
  take(j, "skipped", s.skipped);
  take(j, "xfailed", s.xfailed);
  take(j, "xpassed", s.xpassed);
  take(j, "errors", s.errors);
  take(j, "flaky", s.flaky);
  take(j, "not_run", s.not_run);
  take(j, "duration_s", s.duration_s);
  take(j, "workers", s.workers);
  if (auto it = j.find("shard"); it != j.end() && it->is_object()) {
    int index = 0, total = 0;
    take(*it, "index", index);
    take(*it, "total", total);
    if (total >= 1 && index >= 1 && index <= total) s.shard = std::make_pair(index, total);
  }
  s.coverage = read_coverage(j, "coverage");
  take(j, "flaky_tests", s.flaky_tests);
  take(j, "junit_xml", s.junit_xml);
  take(j, "coverage_json", s.coverage_json);
  take(j, "worker_startup_s", s.worker_startup_s);
  take(j, "start_s", s.start_s);
  take(j, "work_s", s.work_s);
  take(j, "work_cpu_s", s.work_cpu_s);
  take(j, "idle_cores", s.idle_cores);
  take(j, "rootdir", s.rootdir);
  take(j, "inifile", s.inifile);
  return s;
}

json to_fields(const ScanSummary& s) {
  return {{"files_scanned", s.files_scanned},
          {"bytes_scanned", s.bytes_scanned},
          {"duration_s", s.duration_s},
          {"counts", {{"critical", s.critical}, {"high", s.high}, {"medium", s.medium}, {"low", s.low}}},
          {"suppressed", s.suppressed},
          {"baselined", s.baselined},
          {"git_history", s.git_history},
          {"commits_scanned", s.commits_scanned},
          {"dependencies_checked", s.dependencies_checked}};
}

ScanSummary read_scan(const json& j) {
  ScanSummary s;
  take(j, "files_scanned", s.files_scanned);
  take(j, "bytes_scanned", s.bytes_scanned);
  take(j, "duration_s", s.duration_s);
  if (auto it = j.find("counts"); it != j.end() && it->is_object()) {
    take(*it, "critical", s.critical);
    take(*it, "high", s.high);
    take(*it, "medium", s.medium);
    take(*it, "low", s.low);
  }
  take(j, "suppressed", s.suppressed);
  take(j, "baselined", s.baselined);
  take(j, "git_history", s.git_history);
  take(j, "commits_scanned", s.commits_scanned);
  take(j, "dependencies_checked", s.dependencies_checked);
  return s;
}

json to_fields(const GateSummary& s) {
  json conditions = json::array();
  for (const auto& c : s.conditions) {
    conditions.push_back({{"metric", c.metric},
                          {"op", c.op},
                          {"threshold", c.threshold},
                          {"actual", optional_number(c.actual)},
                          {"passed", c.passed}});
  }
  json metrics = json::object();
  for (const auto& [name, value] : s.metrics) metrics[name] = value;
  return {{"skipped", s.skipped},     {"passed", s.passed},
          {"blocking", s.blocking},   {"score", optional_number(s.score)},
          {"threshold", s.threshold}, {"profile", s.profile},
          {"conditions", conditions}, {"metrics", metrics}};
}

GateSummary read_gate(const json& j) {
  GateSummary s;
  take(j, "skipped", s.skipped);
  take(j, "passed", s.passed);
  take(j, "blocking", s.blocking);
  if (auto it = j.find("score"); it != j.end() && it->is_number()) s.score = it->get<double>();
  take(j, "threshold", s.threshold);
  if (auto it = j.find("profile"); it != j.end()) {
    if (it->is_string()) s.profile = it->get<std::string>();
    if (it->is_object()) take(*it, "name", s.profile);  // version 0: the --json profile object
  }
  if (auto it = j.find("conditions"); it != j.end() && it->is_array()) {
    for (const auto& c : *it) {
      if (!c.is_object()) continue;
      GateCondition g;
      take(c, "metric", g.metric);
      take(c, "op", g.op);
      take(c, "threshold", g.threshold);
      if (auto a = c.find("actual"); a != c.end() && a->is_number()) g.actual = a->get<double>();
      take(c, "passed", g.passed);
      s.conditions.push_back(std::move(g));
    }
  }
  if (auto it = j.find("metrics"); it != j.end() && it->is_object()) {
    for (const auto& [name, value] : it->items())
      if (value.is_number()) s.metrics.emplace_back(name, value.get<double>());
  }
  return s;
}

json to_fields(const GenerateSummary& s) {
  return {{"engine", s.engine},
          {"files_processed", s.files_processed},
          {"tests_generated", s.tests_generated},
          {"tests_discarded", s.tests_discarded},
          {"up_to_date", s.up_to_date},
          {"coverage", coverage_json(s.coverage)},
          {"cost_usd", s.cost_usd},
          {"test_files", s.test_files},
          {"unfinished", s.unfinished},
          {"duration_s", s.duration_s},
          {"explore_s", s.explore_s}};
}

GenerateSummary read_generate(const json& j) {
  GenerateSummary s;
  take(j, "engine", s.engine);
  take(j, "files_processed", s.files_processed);
  take(j, "tests_generated", s.tests_generated);
  take(j, "tests_discarded", s.tests_discarded);
  take(j, "up_to_date", s.up_to_date);
  s.coverage = read_coverage(j, "coverage");
  take(j, "cost_usd", s.cost_usd);
  take(j, "test_files", s.test_files);
  take(j, "unfinished", s.unfinished);
  take(j, "duration_s", s.duration_s);
  if (auto it = j.find("explore_s"); it != j.end() && it->is_object()) {
    for (const auto& [module, seconds] : it->items())
      if (seconds.is_number() && seconds.get<double>() >= 0) s.explore_s[module] = seconds.get<double>();
  }
  return s;
}

constexpr const char* kRunColumns =
    "id, command, branch, commit_sha, started_at, finished_at, status, exit_code, args_json, summary_json";

Result<RunRecord> read_run_row(const Statement& stmt, const std::filesystem::path& file) {
  RunRecord r;
  r.id = stmt.int64(0);
  r.command = stmt.text(1);
  r.branch = stmt.text(2);
  r.commit = stmt.text(3);
  r.started_at = stmt.text(4);
  r.finished_at = stmt.is_null(5) ? "" : stmt.text(5);
  // Statuses older versions wrote ("passed") read as what they meant.
  const std::string status = stmt.text(6);
  r.status = parse_run_status(status).value_or(status == "passed" ? RunStatus::kSuccess : RunStatus::kError);
  r.exit_code = stmt.is_null(7) ? 0 : static_cast<int>(stmt.int64(7));
  auto args = json::parse(stmt.text(8), nullptr, false);
  if (args.is_discarded()) {
    return make_error(
        "DB_ERROR",
        file.string() + ": the stored arguments of run " + std::to_string(r.id) + " are not valid JSON", {},
        ExitCode::kUsage);
  }
  r.args = std::move(args);
  if (!stmt.is_null(9)) {
    auto doc = json::parse(stmt.text(9), nullptr, false);
    if (doc.is_discarded()) {
      return make_error(
          "DB_ERROR",
          file.string() + ": the stored summary of run " + std::to_string(r.id) + " is not valid JSON", {},
          ExitCode::kUsage);
    }
    r.summary = read_summary_document(doc, r.command);
  }
  return r;
}

Result<std::optional<RunRecord>> first_run(Statement& stmt, const std::filesystem::path& file) {
  auto row = stmt.step();
  if (!row) return row.error();
  if (!*row) return std::optional<RunRecord>{};
  auto rec = read_run_row(stmt, file);
  if (!rec) return rec.error();
  return std::optional(std::move(*rec));
}

Result<std::vector<RunRecord>> all_runs(Statement& stmt, const std::filesystem::path& file) {
  std::vector<RunRecord> out;
  for (;;) {
    auto row = stmt.step();
    if (!row) return row.error();
    if (!*row) return out;
    auto rec = read_run_row(stmt, file);
    if (!rec) return rec.error();
    out.push_back(std::move(*rec));
  }
}

// The SQL condition of a filter, over the runs table.
const char* filter_sql(RunFilter f) {
  switch (f) {
    case RunFilter::kJudgeable:
      return "finished_at IS NOT NULL AND status IN ('success', 'failure', 'timeout', 'interrupted', "
             "'passed')";
    case RunFilter::kComplete:
      return "finished_at IS NOT NULL AND status IN ('success', 'failure', 'passed')";
    case RunFilter::kFinished:
      break;
  }
  return "finished_at IS NOT NULL";
}

}  // namespace

std::string_view run_status_name(RunStatus s) {
  for (const auto& [status, name] : kStatusNames)
    if (status == s) return name;
  return "error";
}

std::optional<RunStatus> parse_run_status(std::string_view name) {
  for (const auto& [status, n] : kStatusNames)
    if (n == name) return status;
  return std::nullopt;
}

bool is_complete(RunStatus s) { return s == RunStatus::kSuccess || s == RunStatus::kFailure; }

RunStatus status_of_exit(int exit_code) {
  switch (static_cast<ExitCode>(exit_code)) {
    case ExitCode::kSuccess:
      return RunStatus::kSuccess;
    case ExitCode::kFailure:
    case ExitCode::kGateFailed:
      return RunStatus::kFailure;
    case ExitCode::kTimeout:
      return RunStatus::kTimeout;
    case ExitCode::kInterrupted:
      return RunStatus::kInterrupted;
    default:
      return RunStatus::kError;
  }
}

std::string_view command_of(const RunSummary& s) {
  switch (s.index()) {
    case 0:
      return "execute";
    case 1:
      return "security-scan";
    case 2:
      return "quality-gate";
    default:
      return "generate";
  }
}

json summary_document(const RunSummary& s) {
  json doc = std::visit([](const auto& v) { return to_fields(v); }, s);
  doc["kind"] = command_of(s);
  doc["version"] = kRunSummaryVersion;
  return doc;
}

std::optional<RunSummary> read_summary_document(const json& doc, std::string_view command) {
  if (!doc.is_object()) return std::nullopt;
  int version = 0;
  take(doc, "version", version);
  if (version > kRunSummaryVersion) return std::nullopt;
  std::string kind(command);
  take(doc, "kind", kind);
  if (kind != command) return std::nullopt;
  if (kind == "execute") return read_execute(doc);
  if (kind == "security-scan") return read_scan(doc);
  if (kind == "quality-gate") return read_gate(doc);
  if (kind == "generate") return read_generate(doc);
  return std::nullopt;
}

Status RunWriter::write(const std::function<Status(Db&, int64_t)>& write) {
  if (!active()) return ok_status();
  Status st = write(*db_, run_id_);
  if (!st && !failure_) failure_ = st.error();
  return st;
}

// ---- the runs table ----

Result<int64_t> Db::begin_run(const RunInfo& info) {
  auto txn = WriteTransaction::begin(db_, path_);
  if (!txn) return txn.error();
  auto stmt = Statement::prepare(db_, path_,
                                 "INSERT INTO runs (command, branch, commit_sha, started_at, "
                                 "args_json) VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!stmt) return stmt.error();
  stmt->bind(1, info.command).bind(2, info.branch).bind(3, info.commit);
  stmt->bind(4, info.started_at.empty() ? iso8601_now() : info.started_at).bind(5, dump_json(info.args));
  if (auto s = stmt->run(); !s) return s.error();
  int64_t id = sqlite3_last_insert_rowid(db_);
  if (auto s = txn->commit(); !s) return s.error();
  return id;
}

Status Db::finish_run(int64_t run_id, RunStatus status, int exit_code,
                      const std::optional<RunSummary>& summary, const nlohmann::json& args) {
  auto txn = WriteTransaction::begin(db_, path_);
  if (!txn) return txn.error();
  auto stmt = Statement::prepare(db_, path_,
                                 "UPDATE runs SET finished_at = ?1, exit_code = ?2, status = ?3, "
                                 "summary_json = ?4, args_json = coalesce(?5, args_json) WHERE id = ?6");
  if (!stmt) return stmt.error();
  stmt->bind(1, iso8601_now()).bind(2, exit_code).bind(3, std::string(run_status_name(status)));
  if (summary) {
    stmt->bind(4, dump_json(summary_document(*summary)));
  } else {
    stmt->bind_null(4);
  }
  if (args.is_null()) {
    stmt->bind_null(5);
  } else {
    stmt->bind(5, dump_json(args));
  }
  stmt->bind(6, run_id);
  if (auto s = stmt->run(); !s) return s;
  if (sqlite3_changes(db_) == 0) {
    return make_error("DB_ERROR", path_.string() + ": no run with id " + std::to_string(run_id), {},
                      ExitCode::kUsage);
  }
  return txn->commit();
}

Result<std::optional<RunRecord>> Db::latest_run(const std::string& command, const std::string& branch,
                                                RunFilter filter) {
  auto stmt = Statement::prepare(db_, path_,
                                 std::string("SELECT ") + kRunColumns +
                                     " FROM runs WHERE command = ?1 AND (?2 = '' OR branch = ?2) AND " +
                                     filter_sql(filter) + " ORDER BY id DESC LIMIT 1");
  if (!stmt) return stmt.error();
  stmt->bind(1, command).bind(2, branch);
  return first_run(*stmt, path_);
}

Result<std::optional<RunRecord>> Db::run(int64_t run_id) {
  auto stmt =
      Statement::prepare(db_, path_, std::string("SELECT ") + kRunColumns + " FROM runs WHERE id = ?1");
  if (!stmt) return stmt.error();
  stmt->bind(1, run_id);
  return first_run(*stmt, path_);
}

Result<std::vector<RunRecord>> Db::runs(const RunQuery& q) {
  auto stmt =
      Statement::prepare(db_, path_,
                         std::string("SELECT ") + kRunColumns +
                             " FROM runs WHERE command = ?1 AND (?2 = '' OR branch = ?2) "
                             "AND (?3 = '' OR commit_sha = ?3) AND (?4 = '' OR started_at >= ?4) AND " +
                             filter_sql(q.filter) + " ORDER BY id DESC LIMIT ?5");
  if (!stmt) return stmt.error();
  stmt->bind(1, q.command).bind(2, q.branch).bind(3, q.commit).bind(4, q.since).bind(5, q.limit);
  return all_runs(*stmt, path_);
}

Result<std::optional<RunRecord>> Db::last_suite_run(const std::string& paths_key) {
  // The expression and the command filter match the partial index runs_by_paths_key.
  auto stmt = Statement::prepare(db_, path_,
                                 std::string("SELECT ") + kRunColumns +
                                     " FROM runs WHERE command = 'execute' "
                                     "AND json_extract(args_json, '$.paths_key') = ?1 "
                                     "AND finished_at IS NOT NULL ORDER BY id DESC LIMIT 1");
  if (!stmt) return stmt.error();
  stmt->bind(1, paths_key);
  return first_run(*stmt, path_);
}

Result<std::vector<RunRecord>> Db::suite_runs(const std::string& paths_key, int64_t limit) {
  auto stmt = Statement::prepare(db_, path_,
                                 std::string("SELECT ") + kRunColumns +
                                     " FROM runs WHERE command = 'execute' "
                                     "AND json_extract(args_json, '$.paths_key') = ?1 "
                                     "AND finished_at IS NOT NULL ORDER BY id DESC LIMIT ?2");
  if (!stmt) return stmt.error();
  stmt->bind(1, paths_key).bind(2, limit);
  return all_runs(*stmt, path_);
}

Result<std::optional<RunRecord>> Db::shard_base_run(const std::string& commit, int64_t before_id) {
  auto stmt = Statement::prepare(
      db_, path_,
      std::string("SELECT ") + kRunColumns + " FROM runs WHERE command = 'execute' AND id < ?1 AND " +
          filter_sql(RunFilter::kComplete) +
          " AND (CASE WHEN ?2 = '' THEN json_extract(args_json, '$.shard') IS NULL "
          "ELSE coalesce(commit_sha, '') != ?2 END) ORDER BY id DESC LIMIT 1");
  if (!stmt) return stmt.error();
  stmt->bind(1, before_id).bind(2, commit);
  return first_run(*stmt, path_);
}

}  // namespace aqe::state
