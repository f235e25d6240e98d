#include "aqe/util/layout.h"

#include <algorithm>
#include <set>

namespace fs = std::filesystem;

namespace aqe {

namespace {

bool is_package(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "__init__.py", ec);
}

// Top-level directories that hold something other than the code under test, even when they
// hold an __init__.py (tests as a package is common).
bool is_other_dir(const std::string& name, const std::set<std::string>& test_dirs) {
  static const std::set<std::string> kOther{
      "tests", "test",  "testing", "docs", "doc", "examples",      "example",      "benchmarks",
      "bench", "build", "dist",    "venv", "env", "site-packages", "node_modules", "__pycache__"};
  return name.empty() || name[0] == '.' || kOther.count(name) > 0 || test_dirs.count(name) > 0 ||
         name.ends_with(".egg-info");
}

}  // namespace

SourceLayout find_source_layout(const fs::path& project, const std::vector<std::string>& configured,
                                const std::vector<std::string>& test_dirs) {
  SourceLayout out;
  std::error_code ec;
  for (const auto& d : configured) {
    if (fs::is_directory(project / d, ec)) {
      out.dirs.push_back(fs::absolute(project / d, ec).lexically_normal());
    } else {
      out.missing.push_back(d);
    }
  }
  if (!out.dirs.empty()) return out;
  out.detected = true;
  if (fs::is_directory(project / "src", ec)) {
    out.dirs.push_back(fs::absolute(project / "src", ec).lexically_normal());
    return out;
  }
  std::set<std::string> tests;
  for (const auto& t : test_dirs) tests.insert(fs::path(t).lexically_normal().string());
  for (fs::directory_iterator it(project, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code kind;
    if (!it->is_directory(kind)) continue;
    const std::string name = it->path().filename().string();
    if (is_other_dir(name, tests) || !is_package(it->path())) continue;
    out.dirs.push_back(fs::absolute(it->path(), kind).lexically_normal());
  }
  std::sort(out.dirs.begin(), out.dirs.end());
  return out;
}

}  // namespace aqe
