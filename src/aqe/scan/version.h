// Version ordering for dependency checks: PEP 440 for PyPI, semantic versioning for npm, and
// PEP 440 requirement specifiers (">=2.0,<3", "~=1.4", "==1.*") as found in manifests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aqe::scan {

struct Pep440Version {
  int64_t epoch = 0;
  std::vector<int64_t> release;
  std::optional<std::pair<int, int64_t>> pre;  // (0 = a, 1 = b, 2 = rc, number)
  std::optional<int64_t> post;
  std::optional<int64_t> dev;
  std::vector<std::string> local;  // lower-cased segments after '+'
};

// Accepts the forms PEP 440 normalises ("v1.0", "1.0-1", "1.0alpha2", "1.0.post", "1!2.0+ubuntu.1").
std::optional<Pep440Version> parse_pep440(std::string_view text);
// <0, 0, >0 per PEP 440 ordering (trailing zeros of the release do not count).
int compare_pep440(const Pep440Version& a, const Pep440Version& b);

struct SemVer {
  uint64_t major = 0, minor = 0, patch = 0;
  std::vector<std::string> pre;  // dot-separated identifiers after '-'; build metadata dropped
};

// "1.2.3", "v1.2.3-beta.1+build.5". Missing minor/patch are not accepted.
std::optional<SemVer> parse_semver(std::string_view text);
int compare_semver(const SemVer& a, const SemVer& b);

// One clause of a PEP 440 specifier set, e.g. {">=", "2.0"} or {"==", "1.*"}.
struct SpecClause {
  std::string op;  // == != <= >= < > ~= ===
  std::string version;
};

// Splits "a>=1,<2" style clause lists (the part after the name). Empty = no constraint.
// nullopt when a clause is not a valid operator + version.
std::optional<std::vector<SpecClause>> parse_specifier(std::string_view text);
// Whether `v` satisfies every clause (pre-release exclusion rules are not applied: a
// vulnerable pre-release that a specifier admits still counts).
bool spec_admits(const std::vector<SpecClause>& spec, const Pep440Version& v);
// The version of a single "==X" / "===X" clause (not a prefix match): the pinned version.
std::optional<std::string> pinned_version(const std::vector<SpecClause>& spec);

// Poetry constraints ("^1.2", "~1.2.3", "1.2.3", "*", ">=1,<2", "1.2.*") as PEP 440 clauses.
std::optional<std::vector<SpecClause>> poetry_constraint(std::string_view text);

}  // namespace aqe::scan
