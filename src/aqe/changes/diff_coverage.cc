// Diff coverage: the changed lines (git/ parses the diff) that coverage data knows.
#include <algorithm>
#include <string_view>

#include "aqe/changes/changes.h"

namespace aqe::changes {

DiffCoverage diff_coverage(const DiffInput& diff, const std::vector<MeasuredFile>& measured,
                           const std::function<bool(const std::string&)>& in_scope) {
  std::map<std::string_view, const MeasuredFile*> by_file;
  for (const auto& f : measured)
    if (f.covered != nullptr && f.missing != nullptr) by_file.emplace(f.file, &f);
  DiffCoverage d;
  for (const auto& [file, lines] : diff.changed) {
    if (in_scope && !in_scope(file)) continue;
    ++d.files_changed;
    auto it = by_file.find(file);
    if (it == by_file.end()) continue;
    ++d.files_measured;
    const MeasuredFile& fc = *it->second;
    for (int64_t n : lines) {
      if (std::binary_search(fc.covered->begin(), fc.covered->end(), n)) {
        ++d.lines;
        ++d.covered;
      } else if (std::binary_search(fc.missing->begin(), fc.missing->end(), n)) {
        ++d.lines;
        d.uncovered.push_back({file, n});
      }
    }
  }
  return d;
}

}  // namespace aqe::changes
