// Diff coverage: the changed lines (git/ parses the diff) that coverage data knows.
#include <algorithm>

#include "aqe/gate/gate.h"

namespace aqe::gate {

DiffCoverage diff_coverage(const DiffInput& diff, const CoverageInput& cov,
                           const std::vector<std::string>& scopes) {
  auto in_scope = [&](const std::string& file) {
    return scopes.empty() || std::any_of(scopes.begin(), scopes.end(),
                                         [&](const std::string& s) { return path_in_scope(file, s); });
  };
  std::map<std::string_view, const FileCoverage*> measured;
  for (const auto& f : cov.files)
    if (f.line_data) measured.emplace(f.file, &f);
  DiffCoverage d;
  for (const auto& [file, lines] : diff.changed) {
    if (!in_scope(file)) continue;
    ++d.files_changed;
    auto it = measured.find(file);
    if (it == measured.end()) continue;
    ++d.files_measured;
    const FileCoverage& fc = *it->second;
    for (int64_t n : lines) {
      if (std::binary_search(fc.covered_lines.begin(), fc.covered_lines.end(), n)) {
        ++d.lines;
        ++d.covered;
      } else if (std::binary_search(fc.missing_lines.begin(), fc.missing_lines.end(), n)) {
        ++d.lines;
        d.uncovered.push_back({file, n});
      }
    }
  }
  return d;
}

}  // namespace aqe::gate
