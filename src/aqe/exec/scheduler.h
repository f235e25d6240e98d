// Planning which tests run where: pure functions over the collected test list and the
// per-test durations stored by earlier runs. No I/O, so every CI shard that has the same
// data computes the same split.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace aqe::exec {

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

// Per test: its stored duration, or `unknown_s`.
std::vector<double> estimate_durations(const std::vector<TestItem>& tests,
                                       const std::map<std::string, double>& durations, double unknown_s);

// Cuts the tests into work units (file groups, long files cut at `max_unit_s`), longest
// first; ties keep collection order so the plan is deterministic.
std::vector<WorkUnit> plan_units(const std::vector<TestItem>& tests, const std::vector<double>& estimates,
                                 double max_unit_s);

// The unit size that lets `workers` balance: a few units per worker.
double balanced_unit_limit(double total_s, int workers);

// Longest-processing-time-first assignment of units to `bins` bins; returns, per bin, the
// indices of its units. Ties go to the lowest bin index.
std::vector<std::vector<size_t>> assign_lpt(const std::vector<WorkUnit>& units, int bins);

// The tests (indices into `tests`) of shard `index` (1-based) of `total`, split by stored
// durations so that shards finish together. Every test is in exactly one shard.
std::vector<size_t> select_shard(const std::vector<TestItem>& tests,
                                 const std::map<std::string, double>& durations, int index, int total);

struct WorkerCountInput {
  double total_estimate_s = 0;   // sum of per-test estimates (run phase only)
  bool durations_known = false;  // false on a first run
  size_t test_count = 0;         // 0 = unknown (no stored list)
  double worker_startup_s = 0;   // measured start-up + collection cost of one worker
  int cores = 1;
  int requested = 0;      // --workers N (0 = auto)
  bool parallel = false;  // --parallel: up to one per core
};

// Auto worker count: one process when the run phase is short compared with what another
// worker costs to start; otherwise as many as pay for themselves, at most one per core.
int choose_worker_count(const WorkerCountInput& in);

}  // namespace aqe::exec
