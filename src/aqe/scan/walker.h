// Turns the paths a user gives into the list of files to scan: honours .gitignore files
// (from the repository top down), config excludes, the size limit; symbolic links are listed
// as skipped unless followed, and when followed every real file and directory is visited once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
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
  bool interrupted = false;          // `cancelled` said stop: the lists are incomplete
};

struct WalkOptions {
  std::vector<std::string> excludes;  // gitignore-style globs
  std::uint64_t max_file_size = 0;
  bool follow_links = false;
  std::function<bool()> cancelled;  // asked between entries; empty = never
};

// Whether `rel` (a '/'-separated path below the scan root) is test code by pytest's conventions
// (test_*.py, *_test.py, conftest.py, a tests/ or test/ directory) or lies under one of
// `test_dirs` (project.test_dirs).
bool is_test_file(std::string_view rel, const std::vector<std::string>& test_dirs);

WalkResult walk_paths(const std::vector<std::filesystem::path>& paths, const WalkOptions& options);

}  // namespace aqe::scan
