// One pass of pytest workers over a set of tests: starts the workers, serves them work
// units over a Unix socket (protocol in resources/aqe_pytest_plugin.py), and collects their
// results. execute.cc runs one pass for the suite and one per retry round.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "aqe/execute/scheduler.h"
#include "aqe/results/junit.h"
#include "aqe/util/progress.h"
#include "aqe/util/result.h"

namespace aqe::execute {

struct PytestPass {
  std::string python;
  std::string python_source;
  std::filesystem::path project_dir;
  std::filesystem::path work_dir;  // per-run temp dir: socket, plugin, worker files
  std::vector<std::string> paths;  // what the workers collect
  std::vector<std::string> extra_args;
  int workers = 1;
  int attempt = 1;                            // 1 = the suite; >1 = a retry round
  std::optional<std::set<std::string>> only;  // run only these node ids
  std::optional<std::pair<int, int>> shard;
  std::map<std::string, double> durations;  // stored, for longest-first
  bool fail_fast = false;
  std::set<std::string> last_failed;  // the last run's: first when the run stops at a failure
  bool coverage = false;
  std::vector<std::string> coverage_source;
  std::vector<std::string> coverage_omit;
  std::optional<double> test_timeout_s;
  std::optional<std::chrono::steady_clock::time_point> deadline;  // whole run
  // Split collection (scheduler.h, CollectionSplit): per worker, the absolute paths of the
  // files it collects; worker 0 collects `paths` minus `ignore`. Empty: every worker
  // collects `paths` and the first to finish collecting plans for all.
  std::vector<std::vector<std::string>> worker_paths;
  std::vector<std::string> ignore;
  std::map<std::string, int> owner;       // test id -> worker, for split collection
  std::vector<std::string> session_args;  // e.g. --rootdir: the same node ids in every worker
};

struct PytestPassResult {
  std::vector<results::JunitCase> cases;  // one per test id (collection errors included)
  std::vector<std::string> junit_documents;
  std::vector<std::filesystem::path> coverage_files;
  int64_t planned = 0;      // selected tests (after shard / only)
  bool stopped = false;     // fail-fast fired (aqe's --fail-fast, or pytest's own stop)
  std::string pytest_stop;  // why pytest itself stopped a worker (-x, --maxfail): "stopping after 1 failures"
  bool timed_out = false;
  bool interrupted = false;
  bool no_tests = false;         // pytest collected nothing
  double worker_startup_s = 0;   // slowest start-to-collected of the workers
  double start_s = 0;            // per-worker fixed cost: slowest start-up before collection + slowest ending
  double work_s = 0;             // collection + tests as one process would do them; 0 = unknown
  double work_cpu_s = 0;         // the CPU time of that work (the workers' own); 0 = unknown
  std::string rootdir, inifile;  // as pytest determined them
  int workers_started = 0;
  std::vector<std::string> warnings;
};

// Fails (as a value) for pytest usage errors and an interpreter without pytest (exit 3),
// and when no worker can be started.
Result<PytestPassResult> run_pytest_pass(const PytestPass& pass, ProgressSink& progress);

}  // namespace aqe::execute
