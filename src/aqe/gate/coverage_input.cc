// Coverage reports given to the gate, read with the gate's path normalisation.
#include "aqe/gate/gate.h"
#include "aqe/util/path.h"

namespace aqe::gate {

namespace fs = std::filesystem;

Result<CoverageInput> parse_coverage(std::string_view text, const std::string& origin,
                                     const fs::path& project_dir, const DiffInput* lines_for) {
  coverage::ReadOptions options;
  options.project_dir = project_dir;
  options.normalize = &project_path;
  if (lines_for) {
    auto& keep = options.keep_lines_for.emplace();
    for (const auto& [file, lines] : lines_for->changed) keep.insert(file);
  }
  return coverage::read_coverage(text, origin, options);
}

}  // namespace aqe::gate
