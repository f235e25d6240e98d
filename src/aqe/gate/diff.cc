// The gate's diff coverage: changes/' figure over the gate's coverage input and scopes.
#include <algorithm>

#include "aqe/gate/gate.h"

namespace aqe::gate {

DiffCoverage diff_coverage(const DiffInput& diff, const CoverageInput& cov,
                           const std::vector<std::string>& scopes) {
  std::vector<changes::MeasuredFile> measured;
  for (const auto& f : cov.files)
    if (f.line_data) measured.push_back({f.file, &f.covered_lines, &f.missing_lines});
  auto in_scope = [&](const std::string& file) {
    return scopes.empty() || std::any_of(scopes.begin(), scopes.end(),
                                         [&](const std::string& s) { return path_in_scope(file, s); });
  };
  return changes::diff_coverage(diff, measured, in_scope);
}

}  // namespace aqe::gate
