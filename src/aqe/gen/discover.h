// Which Python modules `aqe generate` works on, and under which import names.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "aqe/gen/gen.h"

namespace aqe::gen {

struct SourceModule {
  std::filesystem::path file;         // absolute
  std::string rel;                    // project-relative, '/'-separated
  std::string module;                 // import name, e.g. "inventory.stock"
  std::filesystem::path source_root;  // the directory that must be on sys.path
  std::filesystem::path test_file;    // absolute, under the output directory
};

struct Discovery {
  std::vector<SourceModule> modules;  // sorted by rel, each once
  std::vector<SkippedFile> skipped;
  std::vector<std::string> missing;  // explicit paths that do not exist
};

// Import name and source root of `file`: parent directories holding __init__.py form the
// package path (flat and src/ layouts alike).
std::string module_name_for(const std::filesystem::path& file, std::filesystem::path* source_root);

// Where the tests for `module` go: the package path mirrored under `output_dir`.
std::filesystem::path test_file_for(const std::string& module, const std::filesystem::path& file,
                                    const std::filesystem::path& output_dir);

// True when `rel` (project-relative) or one of its parent directories matches a glob.
bool excluded(const std::string& rel, const std::vector<std::string>& globs);

Discovery discover_modules(const std::vector<std::string>& paths, const std::filesystem::path& project_dir,
                           const std::filesystem::path& output_dir, const std::vector<std::string>& exclude);

}  // namespace aqe::gen
