#include "aqe/execute/scheduler.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <queue>
#include <string>

#include <fmt/format.h>

namespace aqe::execute {

double unknown_test_estimate(const std::map<std::string, double>& durations, double fallback_s) {
  if (durations.empty()) return fallback_s;
  std::vector<double> v;
  v.reserve(durations.size());
  for (const auto& [id, d] : durations) v.push_back(d);
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

std::vector<double> estimate_durations(const std::vector<TestItem>& tests,
                                       const std::map<std::string, double>& durations, double unknown_s) {
  std::vector<double> out;
  out.reserve(tests.size());
  // No test costs nothing: pytest's own protocol takes about half a millisecond per test,
  // and JUnit's rounded "0.000" must not make a file weightless when work is balanced.
  constexpr double kFloorS = 0.0005;
  for (const auto& t : tests) {
    auto it = durations.find(t.id);
    out.push_back(std::max(kFloorS, it == durations.end() ? unknown_s : it->second));
  }
  return out;
}

double balanced_unit_limit(double total_s, int workers) {
  // Four units per worker keeps the tail short without scattering module fixtures.
  return total_s / (4.0 * std::max(1, workers));
}

std::vector<WorkUnit> plan_units(const std::vector<TestItem>& tests, const std::vector<double>& estimates,
                                 double max_unit_s) {
  // Group by file in order of first appearance, keeping collection order inside a file.
  std::map<std::string, size_t> file_index;
  std::vector<std::vector<size_t>> files;
  for (size_t i = 0; i < tests.size(); ++i) {
    auto [it, inserted] = file_index.emplace(tests[i].file, files.size());
    if (inserted) files.emplace_back();
    files[it->second].push_back(i);
  }
  std::vector<WorkUnit> units;
  for (const auto& members : files) {
    WorkUnit cur;
    for (size_t i : members) {
      const double d = estimates[i];
      if (!cur.tests.empty() && cur.estimate_s + d > max_unit_s) {
        units.push_back(std::move(cur));
        cur = WorkUnit{};
      }
      cur.tests.push_back(i);
      cur.estimate_s += d;
    }
    if (!cur.tests.empty()) units.push_back(std::move(cur));
  }
  std::stable_sort(units.begin(), units.end(),
                   [](const WorkUnit& a, const WorkUnit& b) { return a.estimate_s > b.estimate_s; });
  return units;
}

std::vector<WorkUnit> plan_queue(const std::vector<TestItem>& tests, const std::vector<double>& estimates,
                                 double max_unit_s, const std::set<std::string>& last_failed,
                                 StopAtFailure stop) {
  auto units = plan_units(tests, estimates, max_unit_s);
  if (!stop.stops() || last_failed.empty()) return units;
  std::stable_partition(units.begin(), units.end(), [&](const WorkUnit& u) {
    return std::any_of(u.tests.begin(), u.tests.end(),
                       [&](size_t i) { return last_failed.count(tests[i].id) > 0; });
  });
  return units;
}

std::vector<std::vector<size_t>> assign_lpt(const std::vector<WorkUnit>& units, int bins) {
  bins = std::max(1, bins);
  std::vector<size_t> order(units.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return units[a].estimate_s > units[b].estimate_s; });
  // Min-heap on (load, bin index): the least loaded bin, lowest index on ties.
  using Slot = std::pair<double, int>;
  std::priority_queue<Slot, std::vector<Slot>, std::greater<>> heap;
  for (int b = 0; b < bins; ++b) heap.emplace(0.0, b);
  std::vector<std::vector<size_t>> out(static_cast<size_t>(bins));
  for (size_t u : order) {
    auto [load, b] = heap.top();
    heap.pop();
    out[static_cast<size_t>(b)].push_back(u);
    heap.emplace(load + units[u].estimate_s, b);
  }
  return out;
}

std::vector<size_t> select_shard(const std::vector<TestItem>& tests,
                                 const std::map<std::string, double>& durations, int index, int total) {
  if (total < 1 || index < 1 || index > total) return {};
  // Sorted by id so that shards agree even if their collection order differed.
  std::vector<size_t> by_id(tests.size());
  std::iota(by_id.begin(), by_id.end(), 0);
  std::sort(by_id.begin(), by_id.end(), [&](size_t a, size_t b) { return tests[a].id < tests[b].id; });
  std::vector<TestItem> sorted;
  sorted.reserve(tests.size());
  for (size_t i : by_id) sorted.push_back(tests[i]);
  const double unknown = unknown_test_estimate(durations, 0.01);
  const auto est = estimate_durations(sorted, durations, unknown);
  const double total_s = std::accumulate(est.begin(), est.end(), 0.0);
  const auto units = plan_units(sorted, est, balanced_unit_limit(total_s, total));
  const auto bins = assign_lpt(units, total);
  std::vector<size_t> out;
  for (size_t u : bins[static_cast<size_t>(index - 1)]) {
    for (size_t i : units[u].tests) out.push_back(by_id[i]);
  }
  std::sort(out.begin(), out.end());
  return out;
}

CollectionSplit split_collection(const std::vector<TestItem>& tests,
                                 const std::map<std::string, double>& durations, int workers) {
  workers = std::max(1, workers);
  CollectionSplit out;
  out.files.resize(static_cast<size_t>(workers));
  const auto est = estimate_durations(tests, durations, unknown_test_estimate(durations, 0.01));
  const double total_s = std::accumulate(est.begin(), est.end(), 0.0);
  // A file cut in two is imported and collected by two workers: not worth it for files
  // shorter than a quarter second.
  constexpr double kMinCutS = 0.25;
  const auto units = plan_units(tests, est, std::max(kMinCutS, balanced_unit_limit(total_s, workers)));
  const auto bins = assign_lpt(units, workers);
  for (size_t b = 0; b < bins.size(); ++b) {
    for (size_t u : bins[b]) {
      for (size_t i : units[u].tests) {
        out.files[b].insert(tests[i].file);
        out.owner[tests[i].id] = static_cast<int>(b);
      }
    }
  }
  return out;
}

std::optional<size_t> measurement_run(const std::vector<PastSuiteRun>& newest_first) {
  for (size_t i = 0; i < newest_first.size(); ++i) {
    if (newest_first[i].complete && newest_first[i].not_run == 0) return i;
  }
  return std::nullopt;
}

int max_worker_count(const WorkerCountInput& in) {
  int cap = kMaxWorkersPerCore * std::max(1, in.cores);
  if (in.test_count > 0) cap = std::min<int>(cap, static_cast<int>(std::min<size_t>(in.test_count, 1 << 20)));
  return std::max(1, cap);
}

double cpu_rate(int workers, int cores, int others) {
  workers = std::max(1, workers);
  cores = std::max(1, cores);
  others = std::max(0, others);
  if (workers + others <= cores) return workers;
  return static_cast<double>(cores) * workers / (workers + others);
}

int choose_worker_count(const WorkerCountInput& in) { return choose_workers(in).workers; }

WorkerChoice choose_workers(const WorkerCountInput& in) {
  const int cores = std::max(1, in.cores);
  if (in.requested > 0) {
    const int n = std::min(in.requested, max_worker_count(in));
    return {n, n < in.requested ? fmt::format("--workers {} capped at {}", in.requested, n)
                                : fmt::format("--workers {}", in.requested)};
  }
  if (!in.parallel) return {1, "one process: neither --parallel nor --workers"};
  const int idle = in.idle_cores > 0 ? std::min(in.idle_cores, cores) : cores;
  const std::string idle_text = in.idle_cores > 0
                                    ? fmt::format("{} of {} cores idle", in.idle_cores, in.cores)
                                    : fmt::format("{} cores", in.cores);
  if (!in.durations_known) {
    if (in.test_count > 0 && in.test_count < 50)
      return {1, fmt::format("--parallel, no stored durations, {} tests: one process", in.test_count)};
    return {idle, "--parallel, no stored durations: one per idle core, " + idle_text};
  }
  if (in.start_s > 0 && in.work_s > 0) {
    const std::string why = fmt::format(
                                "--parallel, the last measured run: start-up {:.2f} s, work {:.2f} s (CPU "
                                "{:.2f} s), {} workers; ",
                                in.start_s, in.work_s, in.work_cpu_s, in.measured_workers) +
                            idle_text;
    const double cpu = in.work_cpu_s > 0 ? std::min(in.work_cpu_s, in.work_s) : in.work_s;
    double work = in.work_s;
    double start = in.start_s;
    if (in.measured_idle_cores > 0 && in.measured_workers > 1) {
      // Each of the measured run's workers got cpu_rate/k of a core: its CPU part took that
      // much longer than it would alone, and so did its start-up (an interpreter importing
      // pytest and the plugin is CPU work).
      const int k = in.measured_workers;
      const double stretch = k / cpu_rate(k, cores, cores - std::min(in.measured_idle_cores, cores));
      if (in.work_cpu_s > 0) work = std::max(cpu, work - cpu * (stretch - 1.0));
      start /= stretch;
    }
    // k workers beside the processes running now: each gets cpu_rate(k)/k of a core, which
    // stretches its start-up as it stretches the CPU part of the work.
    auto stretch_now = [&](int k) { return k / cpu_rate(k, cores, cores - idle); };
    auto wall_of = [&](int k) {
      return start * (1.0 + 0.5 * (k - 1)) * stretch_now(k) +
             std::max(work / k, cpu / cpu_rate(k, cores, cores - idle));
    };
    int best = 1;
    double best_wall = wall_of(1);
    for (int k = 2; k <= cores; ++k) {
      const double wall = wall_of(k);
      if (wall < best_wall) {
        best = k;
        best_wall = wall;
      }
    }
    // The measured run's count stays unless another is predicted clearly faster: each run
    // measures the next one's input, and a near tie flipped 2,1,2,1 from run to run. That
    // holds while the load is what it was then; once the idle cores changed, the best count
    // for now is taken.
    const int last = std::min(in.measured_workers, cores);
    const bool same_load =
        in.measured_idle_cores <= 0 || in.idle_cores <= 0 || std::min(in.measured_idle_cores, cores) == idle;
    if (same_load && last >= 1 && last != best && wall_of(last) <= best_wall * (1.0 + kWorkerCountHysteresis))
      return {last, why};
    return {best, why};
  }
  // Another worker pays off only when the share of the run it takes over is larger than
  // what it costs to start and collect; below ~1 s of test time one process wins.
  const double startup = std::max(0.2, in.worker_startup_s);
  const std::string why =
      fmt::format("--parallel, stored durations: {:.2f} s of tests, worker start-up {:.2f} s; ",
                  in.total_estimate_s, in.worker_startup_s) +
      idle_text;
  if (in.total_estimate_s < std::max(1.0, 2.0 * startup)) return {1, why};
  const int by_cost = static_cast<int>(std::floor(in.total_estimate_s / startup));
  return {std::clamp(by_cost, 1, idle), why};
}

}  // namespace aqe::execute
