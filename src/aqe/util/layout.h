// Where a Python project keeps its code: the directories `execute --coverage` measures and
// `generate` writes tests for when no path is given. pytest and coverage.py have no such notion
// (`coverage run` measures every file under the working directory, tests included), so aqe asks
// the project: the configured `project.source_dirs` that exist, else its layout.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace aqe {

struct SourceLayout {
  std::vector<std::filesystem::path> dirs;  // absolute; empty: none found (see `flat`)
  std::vector<std::string> missing;         // configured entries that are not directories
  bool detected = false;                    // `dirs` came from the layout, not from the config
};

// The configured directories (relative to `project`) that exist. When none does: the src
// layout's `src/`, else the project's top-level packages (directories holding __init__.py),
// leaving out the test directories (`test_dirs`, tests, test, testing), docs, examples,
// benchmarks, build output and hidden or virtual-environment directories. Sorted by name.
SourceLayout find_source_layout(const std::filesystem::path& project,
                                const std::vector<std::string>& configured,
                                const std::vector<std::string>& test_dirs);

}  // namespace aqe
