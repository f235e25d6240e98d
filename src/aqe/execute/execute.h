// `aqe execute`: runs a test suite on N pytest workers that pull work from aqe, with
// coverage measured per worker and combined, results merged into one JUnit XML file and
// stored for the next run's scheduling.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "aqe/coverage/coverage.h"
#include "aqe/state/db.h"
#include "aqe/util/exit_code.h"
#include "aqe/util/progress.h"
#include "aqe/util/result.h"

namespace aqe::execute {

// The run whose stored durations a sharded run split the suite by (Db::shard_base_run).
// Or, on a fresh runner whose state DB has none, the stored artifact it read them from.
struct ShardBase {
  int64_t run_id = 0;
  std::string commit;        // may be empty (unknown)
  std::string artifact_key;  // "" = from the state DB
  std::string branch;        // the artifact's branch
};

// Durations read from outside the state DB (the base branch's latest stored artifact).
struct StoredDurations {
  std::map<std::string, double> durations;
  ShardBase from;
};

struct ExecuteOptions {
  std::vector<std::string> paths;  // test paths as given (relative to project_dir)
  std::filesystem::path project_dir;
  std::string python;         // the already-chosen interpreter
  std::string python_source;  // how it was chosen, for error messages
  int workers = 0;            // 0 = auto
  bool parallel = false;      // auto may use up to one worker per core
  bool coverage = false;
  std::vector<std::string> coverage_source;  // used when the project's coverage config has none
  std::vector<std::string> coverage_omit;    // with coverage_source: patterns left out (tests)
  bool fail_fast = false;
  int retries = 0;
  std::optional<double> timeout_s;           // whole run
  std::optional<double> test_timeout_s;      // per test
  std::string flaky_policy = "fail";         // "fail" | "pass"
  std::optional<std::pair<int, int>> shard;  // i/n, 1-based i
  std::string framework = "pytest";          // "pytest" | "junit"
  std::string command;                       // framework junit: the command line to run
  std::string junit_path;                    // framework junit: the report it writes
  std::vector<std::string> pytest_args;      // extra arguments passed to every worker
  std::filesystem::path out_dir;             // junit.xml / coverage; default <state_dir>/runs/<run id>
  std::filesystem::path state_dir;           // absolute: the state DB's directory
  int cores = 0;                             // 0 = std::thread::hardware_concurrency()
  std::string branch, commit;                // recorded on the run and its coverage snapshot
  // Asked only by a shard whose state DB holds no base run (a fresh CI runner); warnings it
  // adds are the run's. Unset or nullopt: every test weighs the same.
  std::function<std::optional<StoredDurations>(std::vector<std::string>& warnings)> stored_durations;
};

struct TestFailure {
  std::string test;
  std::string file;
  int line = 0;
  std::string message;
  std::string outcome;  // failed | error
  // pytest's long report: the traceback with the assertion diff, then what the test printed
  // (captured sections). Whole here; the text and JSON output cap it (report_excerpt).
  std::string details{};
};

// A failure's long report as the terminal and --json show it: at most kExcerptLines lines and
// kExcerptBytes bytes, then a line naming how much more the JUnit file holds. Not escaped.
inline constexpr size_t kExcerptLines = 40;
inline constexpr size_t kExcerptBytes = 4096;
std::string report_excerpt(const std::string& details, const std::string& junit_xml);

// What a run decided before its workers started, for the debug log (--verbose, QE_LOG_FILE),
// which cli/ writes.
struct ExecutePlan {
  size_t known_tests = 0;   // in the stored test list of the suite's last run; 0 = none
  int cores = 0;            // the cores aqe may use (affinity, the cgroup's CPU quota)
  std::string workers_why;  // how the worker count was chosen
  size_t split_files = 0;   // files assigned to workers before they start; 0 = each collects all
};

struct ExecuteReport {
  std::string framework;
  int64_t tests_run = 0, passed = 0, failed = 0, skipped = 0, errors = 0, flaky = 0;
  int64_t xfailed = 0, xpassed = 0;  // as pytest counts them: not in skipped / passed
  int64_t not_run = 0;               // fail-fast / timeout: planned tests that never ran
  double duration_s = 0;
  int workers = 0;
  std::optional<std::pair<int, int>> shard;
  std::optional<ShardBase> shard_durations_from;  // nullopt: no complete run before, equal weights
  std::optional<coverage::CoverageReport> coverage;
  std::vector<TestFailure> failures;
  std::vector<std::string> flaky_tests;
  std::string junit_xml;
  std::string coverage_json;       // coverage.py's JSON report of the combined data, when measured
  std::string coverage_data;       // coverage.py's combined data file (.coverage) of that report
  double worker_startup_s = 0;     // measured; stored for the next run's worker count
  double start_s = 0, work_s = 0;  // measured (PytestPassResult); stored for the same purpose
  double work_cpu_s = 0;
  int idle_cores = 0;            // measured when --parallel chose the count
  std::string rootdir, inifile;  // pytest's; stored so that split workers name tests alike
  aqe::ExitCode exit_code = aqe::ExitCode::kSuccess;
  std::vector<std::string> warnings;
  ExecutePlan plan;
  std::vector<std::pair<std::string, double>> stage_s;  // each stage of the run and its seconds, in order
};

// Runs the suite. Test results, flakes and the coverage snapshot are written through `record`
// (the run the CLI's recorder began); stored durations are read from its DB.
Result<ExecuteReport> run_execute(const ExecuteOptions& opts, state::RunWriter& record,
                                  ProgressSink& progress);

// The key of a test selection (the paths, order-free): runs of the same suite share it.
std::string suite_key(const std::vector<std::string>& paths);
// What the run record keeps of a report.
state::ExecuteSummary summary_of(const ExecuteReport& r);

nlohmann::json to_json(const ExecuteReport& r);
std::string to_text(const ExecuteReport& r);

}  // namespace aqe::execute
