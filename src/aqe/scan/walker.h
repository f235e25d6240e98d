// Turns the paths a user gives into the list of files to scan: honours .gitignore files
// (from the repository top down), config excludes, the size limit, and survives symlink loops.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "aqe/scan/scan.h"

namespace aqe::scan {

struct FileToScan {
  std::string path;     // path to open
  std::string display;  // path shown in findings ('/'-separated, as given by the user)
  std::uint64_t size = 0;
};

struct WalkResult {
  std::vector<FileToScan> files;
  std::vector<SkippedFile> skipped;
  std::vector<std::string> missing;  // given paths that do not exist
};

WalkResult walk_paths(const std::vector<std::filesystem::path>& paths,
                      const std::vector<std::string>& excludes, std::uint64_t max_file_size);

}  // namespace aqe::scan
