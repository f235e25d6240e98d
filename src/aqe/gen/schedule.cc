#include "aqe/gen/schedule.h"

#include <algorithm>
#include <numeric>

#include "aqe/state/db.h"
#include "aqe/state/runs.h"

namespace aqe::gen {

namespace {

// Runs looked at for module times: enough to find the modules a run on a subset left out.
constexpr int64_t kTimingRunsLooked = 10;

}  // namespace

std::vector<size_t> longest_first(const std::vector<ModuleCost>& modules) {
  double stored_s = 0, stored_bytes = 0;
  for (const auto& m : modules) {
    if (!m.stored_s) continue;
    stored_s += *m.stored_s;
    stored_bytes += static_cast<double>(m.size_bytes);
  }
  // Seconds per byte of the timed modules; 1 when none is timed (only the order matters then).
  const bool timed = stored_bytes > 0;
  const double rate = timed ? stored_s / stored_bytes : 1.0;
  std::vector<double> expected(modules.size());
  for (size_t i = 0; i < modules.size(); ++i)
    expected[i] = modules[i].stored_s.value_or(static_cast<double>(modules[i].size_bytes) * rate);
  std::vector<size_t> order(modules.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return expected[a] > expected[b]; });
  return order;
}

std::map<std::string, double> stored_explore_times(state::Db* db) {
  std::map<std::string, double> out;
  if (db == nullptr) return out;
  state::RunQuery q;
  q.command = "generate";
  q.filter = state::RunFilter::kJudgeable;
  q.limit = kTimingRunsLooked;
  auto runs = db->runs(q);
  if (!runs) return out;
  for (const auto& run : *runs) {  // newest first: the first time seen of a module is its latest
    const auto* s = run.as<state::GenerateSummary>();
    if (s == nullptr) continue;
    for (const auto& [module, seconds] : s->explore_s) out.emplace(module, seconds);
  }
  return out;
}

}  // namespace aqe::gen
