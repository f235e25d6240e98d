// Which module `generate --parallel` explores first: the longest expected, so that the longest
// exploration does not start last and leave the other workers idle while it runs alone.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace aqe::state {
class Db;
}

namespace aqe::gen {

struct ModuleCost {
  std::optional<double> stored_s;  // the module's exploration seconds in an earlier run
  uintmax_t size_bytes = 0;        // its source's size: the estimate when nothing is stored
};

// Indices into `modules`, longest expected first; equal estimates keep their order. A module
// with a stored time is expected to take that long; one without is estimated from its size at
// the seconds per byte of the modules with stored times (with none stored, size alone orders
// them).
std::vector<size_t> longest_first(const std::vector<ModuleCost>& modules);

// Exploration seconds per module (project-relative path) from the stored generate runs, the
// newest run's time of each module; empty without a DB or when the runs cannot be read (the
// order is then size-based, nothing else depends on it).
std::map<std::string, double> stored_explore_times(state::Db* db);

}  // namespace aqe::gen
