// Dependency manifests (requirements*.txt, pyproject.toml, poetry.lock, Pipfile.lock,
// package-lock.json) read into declared dependencies, and their check against an offline
// OSV advisory database.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "aqe/scan/osv.h"
#include "aqe/scan/scan.h"

namespace aqe::scan {

struct Dependency {
  Ecosystem ecosystem = Ecosystem::kPyPI;
  std::string name;      // as written
  VersionQuery query;    // exact version or specifier
  std::string declared;  // what the manifest says, e.g. "requests==2.19.0", shown as the snippet
  std::string file;      // display path of the manifest
  int line = 0;          // 1-based; 0 when the format gives no position
  std::string note;      // e.g. an environment marker that was not evaluated
};

struct ManifestRead {
  std::vector<Dependency> dependencies;
  std::vector<std::string> warnings;   // unreadable files, requirements aqe cannot read
  std::vector<std::string> manifests;  // display paths of the files read
};

// Whether a file (by its path) is a manifest aqe reads: requirements*.txt, requirements/*.txt,
// pyproject.toml, poetry.lock, Pipfile.lock, package-lock.json.
bool is_manifest(std::string_view path);

// Reads one manifest into `out`. `path` is opened; `display` is the path shown in findings.
void read_manifest(const std::string& path, const std::string& display, ManifestRead& out);

// Per format, from text (for tests and for read_manifest).
void read_requirements(std::string_view text, const std::string& path, const std::string& display,
                       ManifestRead& out);
void read_pipfile_lock(std::string_view text, const std::string& display, ManifestRead& out);
void read_package_lock(std::string_view text, const std::string& display, ManifestRead& out);
// pyproject.toml: PEP 621 [project] dependencies and optional-dependencies, and Poetry's
// [tool.poetry.dependencies] / group dependencies.
void read_pyproject(std::string_view text, const std::string& display, ManifestRead& out);
void read_poetry_lock(std::string_view text, const std::string& display, ManifestRead& out);

// One PEP 508 requirement ("name[extra]>=1,<2; marker"): the dependency without file/line.
// nullopt (with `why`) when it is not a name + specifier aqe can check.
std::optional<Dependency> parse_pep508(std::string_view text, std::string& why);

// One finding (rule dep-vulnerable) per dependency and advisory that affects it.
std::vector<Finding> check_dependencies(const std::vector<Dependency>& deps, const AdvisoryDb& db);

}  // namespace aqe::scan
