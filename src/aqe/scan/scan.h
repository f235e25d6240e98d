// security-scan: secrets (Hyperscan), risky Python code (tree-sitter) and, with
// `comprehensive`, vulnerable dependencies. Returns a report; the CLI renders it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "aqe/util/result.h"

namespace aqe::scan {

enum class Severity { kLow = 0, kMedium = 1, kHigh = 2, kCritical = 3 };

std::string_view severity_name(Severity s);
// Parses "low|medium|high|critical" (case-insensitive).
Result<Severity> parse_severity(std::string_view s);

// A rule the user adds in config (security.rules); same fields as the built-in data file.
struct CustomRule {
  std::string id;
  std::string description;
  std::string severity = "high";
  std::string regex;
  std::vector<std::string> keywords;
  double entropy = 0.0;
  std::vector<std::string> allowlist;
  std::string origin;  // where it was declared, e.g. "config/qe-fleet.json: security.rules[2]"
};

struct ScanOptions {
  std::vector<std::filesystem::path> paths;
  std::vector<std::string> excludes;  // gitignore-style globs
  Severity severity_floor = Severity::kLow;
  std::optional<Severity> fail_on;
  bool comprehensive = false;            // also check dependencies
  std::filesystem::path advisories_dir;  // OSV JSON database (offline)
  std::filesystem::path baseline;        // report only findings not in this file
  std::filesystem::path write_baseline;  // write all current findings here
  unsigned threads = 0;                  // 0 = one per core
  std::uint64_t max_file_size = 5 * 1024 * 1024;
  bool code_rules = true;  // false: secrets only
  // Where the compiled Hyperscan database is kept between runs (compiling takes seconds);
  // empty = compile every run.
  std::filesystem::path cache_dir;
  std::vector<CustomRule> custom_rules;
  // Scan the lines added by each commit (secret rules only) instead of the files on disk.
  bool git_history = false;
  std::string since;          // with git_history: only commits after this ref (REF..HEAD)
  bool all_refs = true;       // with git_history: every branch and tag (as gitleaks), not only HEAD
  bool follow_links = false;  // symbolic links under the paths (each real file scanned once)
  // Test code: project.test_dirs beside pytest's conventions. Code-rule findings in test files
  // are one severity level lower, or dropped with exclude_tests; secrets stay as they are.
  std::vector<std::string> test_dirs;
  bool exclude_tests = false;
  // Asked between files: true = stop now (a signal); the scan then fails as interrupted.
  std::function<bool()> cancelled;
};

struct Finding {
  std::string rule_id;
  std::string category;  // secret | code | dependency
  Severity severity = Severity::kMedium;
  std::string confidence;  // high | medium | low
  std::string cwe;         // e.g. "CWE-798"
  std::string file;
  int line = 0;    // 1-based
  int column = 0;  // 1-based, in bytes
  std::string message;
  std::string snippet;  // secrets redacted (redact(): at most a quarter, at most 4 characters, then ****)
  // Stable under line moves: hash of rule, file and matched content; for a finding that
  // carries a secret, of the line with the secret left out (and which such line of the file it
  // is), so the fingerprint cannot confirm a guess of the secret.
  std::string fingerprint;
  // Not shown anywhere: the version-1 fingerprint (rule, file, secret), only to match a
  // baseline written before version 2.
  std::string legacy_fingerprint;
  // For a code finding that carries a secret (py-hardcoded-password): where the secret is in
  // the finding's line (byte offset, length); {0, 0} for none.
  std::pair<size_t, size_t> secret_span{0, 0};
  bool test_code = false;  // the file is test code (pytest's conventions or project.test_dirs)
};

struct SkippedFile {
  std::string file;
  std::string reason;  // binary | too large | unreadable: ... | symlink loop
};

// What --comprehensive read and matched.
struct DependencySummary {
  bool checked = false;  // false: no advisory database, nothing matched
  std::vector<std::string> manifests;
  int dependencies = 0;
  size_t advisories = 0;  // records loaded (only those naming a dependency of the project)
};

struct ScanReport {
  std::uint64_t files_scanned = 0;
  std::uint64_t bytes_scanned = 0;
  double duration_s = 0.0;
  std::map<std::string, int> counts;  // critical/high/medium/low
  std::vector<Finding> findings;      // at or above the severity floor: shown, and set the exit code
  // Measured, not shown: below the floor. The run record keeps these too, so what is stored
  // does not depend on how the scan was displayed.
  std::vector<Finding> below_floor;
  int suppressed = 0;  // inline aqe:allow / gitleaks:allow / nosec
  int baselined = 0;   // present in the baseline file
  std::vector<SkippedFile> skipped;
  std::vector<std::string> warnings;
  std::optional<DependencySummary> dependencies;  // set with --comprehensive
  std::uint64_t commits_scanned = 0;              // --git-history
  int exit_code = 0;                              // 1 when a finding at or above fail_on remains
};

Result<ScanReport> run_scan(const ScanOptions& options);

nlohmann::json to_json(const ScanReport& report);
std::string to_text(const ScanReport& report);
std::string to_sarif(const ScanReport& report);

// Rule catalogue (built-in data file), for docs and `--list-rules`.
struct RuleInfo {
  std::string id;
  std::string category;
  std::string description;
  std::string severity;
  std::string cwe;
  std::string help;
};
std::vector<RuleInfo> builtin_rules();

}  // namespace aqe::scan
