#include "aqe/gen/discover.h"

#include <fnmatch.h>

#include <algorithm>
#include <set>

#include "aqe/util/path.h"
#include "aqe/util/strings.h"

namespace aqe::gen {

namespace fs = std::filesystem;

namespace {

bool is_test_file(const fs::path& p) {
  const std::string name = p.filename().string();
  return starts_with(name, "test_") || ends_with(name, "_test.py") || name == "conftest.py";
}

bool skipped_dir(const fs::path& p) {
  static const std::set<std::string> kNames = {"__pycache__", "node_modules", "site-packages",
                                               "venv",        "build",        "dist"};
  const std::string name = p.filename().string();
  return (!name.empty() && name[0] == '.') || kNames.count(name) > 0 || ends_with(name, ".egg-info");
}

bool inside(const fs::path& p, const fs::path& dir) {
  const auto rel = path_inside(p.string(), dir.string());
  return rel && *rel != ".";
}

}  // namespace

std::string module_name_for(const fs::path& file, fs::path* source_root) {
  std::vector<std::string> parts;
  const std::string stem = file.stem().string();
  if (stem != "__init__") parts.push_back(stem);
  fs::path dir = file.parent_path();
  std::error_code ec;
  while (!dir.empty() && dir != dir.root_path() && fs::exists(dir / "__init__.py", ec)) {
    parts.push_back(dir.filename().string());
    dir = dir.parent_path();
  }
  if (source_root) *source_root = dir;
  std::reverse(parts.begin(), parts.end());
  return join(parts, ".");
}

fs::path test_file_for(const std::string& module, const fs::path& file, const fs::path& output_dir) {
  auto parts = split(module, '.');
  fs::path out = output_dir;
  const bool package_init = file.filename() == "__init__.py";
  const size_t dirs = package_init ? parts.size() : parts.size() - 1;
  for (size_t i = 0; i < dirs; ++i) out /= parts[i];
  return out / ("test_" + file.stem().string() + ".py");
}

bool excluded(const std::string& rel, const std::vector<std::string>& globs) {
  for (const auto& g : globs) {
    std::string prefix;
    for (const auto& part : split(rel, '/')) {
      prefix += (prefix.empty() ? "" : "/") + part;
      if (fnmatch(g.c_str(), prefix.c_str(), 0) == 0) return true;
    }
  }
  return false;
}

Discovery discover_modules(const std::vector<std::string>& paths, const fs::path& project_dir,
                           const fs::path& output_dir, const std::vector<std::string>& exclude) {
  Discovery d;
  std::set<std::string> seen;
  auto consider = [&](const fs::path& file, bool explicit_arg) {
    const std::string rel = display_path(file, project_dir);
    if (seen.count(rel)) return;
    // A file a directory walk passed over silently is still reported when named explicitly.
    if (explicit_arg) seen.insert(rel);
    auto skip = [&](std::string reason) {
      if (explicit_arg) d.skipped.push_back({rel, std::move(reason)});
    };
    if (file.extension() != ".py") return skip("not a Python file");
    if (inside(file, output_dir)) return skip("inside the output directory (generated tests)");
    if (is_test_file(file)) return skip("a test file");
    if (excluded(rel, exclude)) return skip("excluded by project.exclude");
    seen.insert(rel);
    SourceModule m;
    m.file = file;
    m.rel = rel;
    m.module = module_name_for(file, &m.source_root);
    m.test_file = test_file_for(m.module, file, output_dir);
    d.modules.push_back(std::move(m));
  };
  for (const auto& given : paths) {
    fs::path p = fs::path(given).is_absolute() ? fs::path(given) : project_dir / given;
    p = p.lexically_normal();
    std::error_code ec;
    if (!fs::exists(p, ec)) {
      d.missing.push_back(given);
      d.skipped.push_back({given, "no such file or directory"});
      continue;
    }
    if (!fs::is_directory(p, ec)) {
      consider(fs::weakly_canonical(p, ec), true);
      continue;
    }
    std::vector<fs::path> files;
    for (auto it = fs::recursive_directory_iterator(p, fs::directory_options::skip_permission_denied, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      if (it->is_directory() && skipped_dir(it->path())) {
        it.disable_recursion_pending();
        continue;
      }
      if (it->is_regular_file() && it->path().extension() == ".py") files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) consider(fs::weakly_canonical(f, ec), false);
  }
  std::sort(d.modules.begin(), d.modules.end(),
            [](const SourceModule& a, const SourceModule& b) { return a.rel < b.rel; });
  return d;
}

}  // namespace aqe::gen
