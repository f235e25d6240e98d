// An offline OSV advisory database (a directory of OSV JSON records, e.g. the unzipped
// https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip) and the question it
// answers: which advisories affect this package at this version (or version specifier).
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "aqe/scan/scan.h"
#include "aqe/scan/version.h"
#include "aqe/util/result.h"

namespace aqe::scan {

enum class Ecosystem { kPyPI, kNpm };

// PEP 503 for PyPI (lower case, runs of -_. become one '-'); npm names are kept as they are.
std::string normalize_package_name(Ecosystem eco, std::string_view name);

struct OsvEvent {
  std::string kind;  // introduced | fixed | last_affected | limit
  std::string version;
};

struct OsvRange {
  std::string type;  // ECOSYSTEM | SEMVER (GIT ranges are not kept)
  std::vector<OsvEvent> events;
};

struct OsvAffected {
  Ecosystem ecosystem = Ecosystem::kPyPI;
  std::string name;  // normalised
  std::vector<OsvRange> ranges;
  std::vector<std::string> versions;
  std::optional<Severity> severity;  // affected[].ecosystem_specific / database_specific
};

struct Advisory {
  std::string id;
  std::vector<std::string> aliases;
  std::string summary;
  std::optional<Severity> severity;  // database_specific.severity, else CVSS v3 base score
  std::vector<OsvAffected> affected;
  std::string source;  // the file it came from
};

// Parses one OSV record. Withdrawn records and ecosystems other than PyPI/npm yield an
// advisory with no `affected` entries.
Result<Advisory> parse_osv(const nlohmann::json& doc, const std::string& source);

// CVSS v3.x base score of a vector such as "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".
std::optional<double> cvss3_base_score(std::string_view vector);

// What a dependency declares: an exact version (lock files, "==" pins) or a specifier.
struct VersionQuery {
  std::optional<std::string> exact;
  std::vector<SpecClause> spec;  // used when `exact` is empty (PyPI only)
};

struct AdvisoryMatch {
  const Advisory* advisory = nullptr;
  Severity severity = Severity::kMedium;
  std::string affected_version;  // the exact version, or the lowest affected one a spec admits
  std::string fixed;             // first fixed version above it; empty when none is known
};

class AdvisoryDb {
 public:
  // Reads every *.json under `dir` (recursively). Unreadable or malformed records are listed
  // in `problems` and skipped; a missing directory is an error (exit 3). With `wanted`
  // (package names, any spelling), records naming none of them are not parsed: a full
  // ecosystem dump holds tens of thousands of records and a project uses a few hundred packages.
  static Result<AdvisoryDb> load(const std::filesystem::path& dir, std::vector<std::string>& problems,
                                 const std::set<std::string>* wanted = nullptr);
  void add(Advisory advisory);

  size_t size() const { return advisories_.size(); }
  // One match per distinct vulnerability (aliases of an already matched advisory are dropped),
  // most severe first.
  std::vector<AdvisoryMatch> match(Ecosystem eco, std::string_view name, const VersionQuery& query) const;

 private:
  std::vector<Advisory> advisories_;
  // (ecosystem, normalised name) -> (advisory index, affected index)
  std::map<std::pair<Ecosystem, std::string>, std::vector<std::pair<size_t, size_t>>> index_;
};

}  // namespace aqe::scan
