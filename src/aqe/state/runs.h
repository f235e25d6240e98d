// Runs as typed records: what each command measured, stored by state/ in runs.summary_json
// as a versioned document (never the CLI's --json envelope). This file and runs.cc are the
// only writer and reader of that column (ninja's build_log habit: one owner of the record,
// an oldest and a current version, typed entries for readers).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "aqe/coverage/coverage.h"
#include "aqe/util/result.h"

namespace aqe::state {

class Db;

// How a run ended. success/failure are complete runs (failure: the job found failures);
// timeout/interrupted are partial (what ran is stored, the rest never ran); error = the command
// could not do its job (bad input, a tool missing), nothing it measured is to be judged;
// running = begun and never finished (killed: SIGKILL, power loss).
enum class RunStatus { kRunning, kSuccess, kFailure, kError, kTimeout, kInterrupted };

std::string_view run_status_name(RunStatus s);
std::optional<RunStatus> parse_run_status(std::string_view name);
// success or failure: every planned piece of work ran.
bool is_complete(RunStatus s);
// The status of a run that ended with this exit code (the contract's table).
RunStatus status_of_exit(int exit_code);

// Coverage totals of a run: the shared coverage model's counts.
using CoverageTotals = coverage::Counts;

struct ExecuteSummary {
  std::string framework;  // pytest | junit
  int64_t tests_run = 0, passed = 0, failed = 0, skipped = 0, errors = 0, flaky = 0;
  // pytest's xfailed / xpassed, apart from skipped / passed (0 in runs stored before them). A
  // pass rate counts xfailed as skipped and xpassed as passed.
  int64_t xfailed = 0, xpassed = 0;
  int64_t not_run = 0;  // planned but never run (fail-fast, timeout, interruption)
  double duration_s = 0;
  int workers = 0;
  std::optional<std::pair<int, int>> shard;  // i/n
  std::optional<CoverageTotals> coverage;    // measured with --coverage
  std::vector<std::string> flaky_tests;
  // The run's files (absolute; empty = not written).
  std::string junit_xml, coverage_json;
  // The scheduler's measurements, read by the next run of the same suite.
  double worker_startup_s = 0, start_s = 0, work_s = 0;
  double work_cpu_s = 0;         // the CPU time of work_s; 0 = unknown (older runs)
  int idle_cores = 0;            // cores idle when the run started (--parallel); 0 = not measured
  std::string rootdir, inifile;  // pytest's, so that split workers name tests alike
};

struct ScanSummary {
  int64_t files_scanned = 0, bytes_scanned = 0;
  double duration_s = 0;
  // Every finding the scan stored with the run, whatever --severity displayed.
  int64_t critical = 0, high = 0, medium = 0, low = 0;
  int64_t suppressed = 0, baselined = 0;
  bool git_history = false;
  int64_t commits_scanned = 0;
  bool dependencies_checked = false;
};

struct GateCondition {
  std::string metric, op;
  double threshold = 0;
  std::optional<double> actual;  // nullopt = not measured
  bool passed = false;
};

struct GateSummary {
  bool skipped = false;  // the profile skips the gate
  bool passed = false;
  bool blocking = false;
  std::optional<double> score;  // nullopt = nothing to score
  double threshold = 0;
  std::string profile;
  std::vector<GateCondition> conditions;
  std::vector<std::pair<std::string, double>> metrics;  // measured metrics only, by name
};

struct GenerateSummary {
  std::string engine;
  int64_t files_processed = 0, tests_generated = 0, tests_discarded = 0, up_to_date = 0;
  std::optional<CoverageTotals> coverage;  // measured by running the kept tests
  double cost_usd = 0;
  std::vector<std::string> test_files;
  int64_t unfinished = 0;  // modules the run budget cut off
  double duration_s = 0;
  // Wall seconds of each explored module's exploration (project-relative path): the next
  // `generate --parallel` starts the longest first. Absent in runs stored before it.
  std::map<std::string, double> explore_s;
};

using RunSummary = std::variant<ExecuteSummary, ScanSummary, GateSummary, GenerateSummary>;

// The command a summary belongs to: "execute", "security-scan", "quality-gate", "generate".
std::string_view command_of(const RunSummary& s);

// The stored document: {"kind": ..., "version": N, ...fields}. Version 0 is the untyped
// summary earlier aqe versions stored (the execute/scan/gate --json data), read where its
// fields have the same names.
inline constexpr int kRunSummaryVersion = 1;
nlohmann::json summary_document(const RunSummary& s);
// nullopt for a document from a newer aqe, of another command, or not an object: a reader
// treats that run as one without a summary.
std::optional<RunSummary> read_summary_document(const nlohmann::json& doc, std::string_view command);

struct RunInfo {
  std::string command;     // "execute", "generate", "security-scan", "quality-gate", ...
  std::string branch;      // from CI variables or git; may be empty
  std::string commit;      // may be empty
  std::string started_at;  // ISO-8601 UTC; empty = now
  // What the run was asked (paths, flags). execute puts the key of its test selection in
  // args["paths_key"] (a string): last_test_list() finds the run by it.
  nlohmann::json args = nlohmann::json::object();
};

struct RunRecord {
  int64_t id = 0;
  std::string command, branch, commit, started_at, finished_at;
  RunStatus status = RunStatus::kRunning;
  int exit_code = 0;
  nlohmann::json args = nlohmann::json::object();
  std::optional<RunSummary> summary;

  template <typename T>
  const T* as() const {
    return summary ? std::get_if<T>(&*summary) : nullptr;
  }
};

// Which finished runs a lookup considers.
enum class RunFilter {
  kFinished,   // any finished run
  kJudgeable,  // complete or partial (not error): the runs a judge must look at
  kComplete    // success or failure only (is_complete): the runs a report presents as whole
};

// A list of finished runs, newest first (Db::runs).
struct RunQuery {
  std::string command;
  std::string branch;  // "" = any branch
  std::string commit;  // "" = any commit; else the exact full SHA
  std::string since;   // ISO-8601 UTC; "" = no limit; else runs started at or after it
  RunFilter filter = RunFilter::kFinished;
  int64_t limit = 1;
};

// Where a feature writes the rows of the run being recorded (test results, findings,
// coverage). It remembers the first failed write, so that the run is not finished as
// complete without its rows and the user is told. Inactive (no DB) writers do nothing.
class RunWriter {
 public:
  RunWriter() = default;
  RunWriter(Db* db, int64_t run_id) : db_(db), run_id_(run_id) {}
  bool active() const { return db_ != nullptr && run_id_ > 0; }
  Db* db() const { return db_; }  // for reads (stored durations); nullptr when there is no DB
  int64_t run_id() const { return run_id_; }
  // Runs `write` when active; a failure is kept (the first) and returned.
  Status write(const std::function<Status(Db&, int64_t run_id)>& write);
  const std::optional<Error>& failure() const { return failure_; }

 private:
  Db* db_ = nullptr;
  int64_t run_id_ = 0;
  std::optional<Error> failure_;
};

}  // namespace aqe::state
