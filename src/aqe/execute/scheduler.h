// Planning which tests run where: pure functions over the collected test list and the
// per-test durations stored by earlier runs. No I/O, so every CI shard that has the same
// data computes the same split.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace aqe::execute {

struct TestItem {
  std::string id;    // pytest node id
  std::string file;  // the node id's path part
};

// Tests that run together on one worker, in collection order. Tests of one file stay
// together (the `--dist loadscope` choice: module/class fixtures are set up once) unless
// the file is too long to balance, then it is cut into consecutive chunks.
struct WorkUnit {
  std::vector<size_t> tests;  // indices into the planned test list
  double estimate_s = 0;
};

// Duration used for a test with no stored duration: the median of the known ones, or
// `fallback_s` when nothing is known.
double unknown_test_estimate(const std::map<std::string, double>& durations, double fallback_s);

// Per test: its stored duration, or `unknown_s`; at least 0.5 ms.
std::vector<double> estimate_durations(const std::vector<TestItem>& tests,
                                       const std::map<std::string, double>& durations, double unknown_s);

// Cuts the tests into work units (file groups, long files cut at `max_unit_s`), longest
// first; ties keep collection order so the plan is deterministic.
std::vector<WorkUnit> plan_units(const std::vector<TestItem>& tests, const std::vector<double>& estimates,
                                 double max_unit_s);

// When a run stops at a failure: aqe's --fail-fast, or pytest's own maxfail (-x, --maxfail N,
// from `--`, --pytest-arg, addopts or PYTEST_ADDOPTS; the workers report it at collection).
struct StopAtFailure {
  bool fail_fast = false;
  int pytest_maxfail = 0;  // 0 = pytest runs on
  bool stops() const { return fail_fast || pytest_maxfail > 0; }
};

// A worker's queue: plan_units, except that a run which stops at a failure takes the units
// holding one of `last_failed` first. What failed last time most likely fails again, and the
// stop is only worth something while other tests are still left to skip.
std::vector<WorkUnit> plan_queue(const std::vector<TestItem>& tests, const std::vector<double>& estimates,
                                 double max_unit_s, const std::set<std::string>& last_failed,
                                 StopAtFailure stop);

// The unit size that lets `workers` balance: a few units per worker.
double balanced_unit_limit(double total_s, int workers);

// Longest-processing-time-first assignment of units to `bins` bins; returns, per bin, the
// indices of its units. Ties go to the lowest bin index.
std::vector<std::vector<size_t>> assign_lpt(const std::vector<WorkUnit>& units, int bins);

// The tests (indices into `tests`) of shard `index` (1-based) of `total`, split by stored
// durations so that shards finish together. Every test is in exactly one shard.
std::vector<size_t> select_shard(const std::vector<TestItem>& tests,
                                 const std::map<std::string, double>& durations, int index, int total);

// How a suite known from the last run is spread over workers before they start, so that
// each worker collects only the files it will run (collection is a large part of a fast
// suite: with every worker collecting everything, as pytest-xdist does, it is paid N times).
// Units (file chunks) are assigned longest-processing-time first; a file cut into chunks on
// two workers is collected by both. Tests the stored list does not know are found by worker
// 0, which collects the paths given minus the files that only other workers run.
struct CollectionSplit {
  std::vector<std::set<std::string>> files;  // per worker: the files of its units
  std::map<std::string, int> owner;          // test id -> worker
};
CollectionSplit split_collection(const std::vector<TestItem>& tests,
                                 const std::map<std::string, double>& durations, int workers);

// What the worker-count model needs to know of an earlier run of the suite to trust its
// measurements: a fail-fast, timed-out or interrupted run did a part of the work, and its
// start-up and work times (and its test list) would make the next run plan for a smaller suite.
struct PastSuiteRun {
  bool complete = false;  // status success or failure (the run ended on its own)
  int64_t not_run = 0;    // planned tests that never ran (fail-fast)
};
// Index (into `newest_first`) of the newest run in which every planned test ran; nullopt when
// there is none, and the next run plans as a first run does.
std::optional<size_t> measurement_run(const std::vector<PastSuiteRun>& newest_first);

// A forced worker count (--workers N) is capped at this many per core and at the number of
// tests the last run collected: 100,000 interpreters would exhaust the machine, not speed it up.
inline constexpr int kMaxWorkersPerCore = 8;

struct WorkerCountInput {
  double total_estimate_s = 0;   // sum of per-test estimates (run phase only)
  bool durations_known = false;  // false on a first run
  size_t test_count = 0;         // 0 = unknown (no stored list)
  double worker_startup_s = 0;   // measured start-up + collection cost of one worker
  double start_s = 0;            // measured: a worker's start-up before collection and its ending
  double work_s = 0;             // measured: collection + run phase, as one process would do it
  double work_cpu_s = 0;         // measured: the CPU time of that work; 0 = unknown (taken as work_s)
  int cores = 1;
  int idle_cores = 0;  // of `cores`, idle now (other processes running); 0 = unknown (all)
  // The measured run's worker count and idle cores: more workers than idle cores stretched the
  // CPU part of its wall time by workers / idle, which is not work a worker would take over.
  int measured_workers = 0, measured_idle_cores = 0;
  int requested = 0;      // --workers N (0 = auto)
  bool parallel = false;  // --parallel: up to one per core
};

// Auto worker count. With the last run's measured start-up S and work W (collection and
// tests, which split runs divide among workers), k workers take about S + W/k, plus the
// contention of starting k interpreters at once, counted as S/2 per extra worker: a second
// worker pays off when W > S. The CPU part C of the work (the workers' CPU time) goes no
// faster than the cores the workers get next to the other running processes (cpu_rate), and
// the start-up, CPU work too, is stretched the same way (k / cpu_rate(k)):
// S(1 + (k-1)/2) k/cpu_rate(k) + max(W/k, C/cpu_rate(k)). S and W measured while other
// processes ran are first reduced by the stretch that sharing the cores caused, so that
// contention does not look like work a further worker would take over. The measured run's
// count is kept over a near tie (kWorkerCountHysteresis) while the idle cores are those it
// ran with. At most one per core. Without those measurements:
// one process when the stored test time is short compared with a worker's start-up, else the
// idle cores.
int choose_worker_count(const WorkerCountInput& in);

// The same choice with why it was made, in words (the debug log's execute plan line).
struct WorkerChoice {
  int workers = 1;
  std::string why;
};
WorkerChoice choose_workers(const WorkerCountInput& in);
// A prediction this much slower than the best still keeps the measured run's worker count.
inline constexpr double kWorkerCountHysteresis = 0.10;
// The cores' worth of CPU `workers` busy processes get on `cores` cores beside `others` busy
// processes, the kernel sharing them fairly: all they ask while they fit, else their share.
double cpu_rate(int workers, int cores, int others);
// The most workers a run may start (see kMaxWorkersPerCore).
int max_worker_count(const WorkerCountInput& in);

}  // namespace aqe::execute
