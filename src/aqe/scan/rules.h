// The rule data: built-in rules from resources/rules.json (compiled into the binary) plus the
// user's custom rules from config.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "aqe/scan/scan.h"
#include "aqe/util/result.h"

namespace aqe::scan {

// Reported by file name (the content is binary): see keystore_finding().
inline constexpr std::string_view kKeystoreRule = "keystore-file";

struct SecretRule {
  std::string id;
  std::string description;
  Severity severity = Severity::kHigh;
  std::string confidence = "high";
  std::string cwe = "CWE-798";
  std::string regex;  // Hyperscan and ECMAScript compatible; group `secret_group` is the secret
  // What Hyperscan matches instead of `regex` (a looser pattern, starting where `regex` starts):
  // bounded repeats and optional tails multiply a database's size; `regex` confirms. "" = regex.
  std::string prefilter;
  bool case_insensitive = false;
  int secret_group = 1;
  std::vector<std::string> keywords;   // lower case; one must be on the match's line
  double entropy = 0.0;                // minimum Shannon entropy (bits/char) of the secret
  std::vector<std::string> allowlist;  // regexes; a secret matching one is not reported
  bool require_mixed = false;          // secret must hold a letter and a digit
  bool generic = false;                // yields to a specific rule matching the same text
  bool config_files_only = false;      // not on Python files (unquoted `name = value` there is code)
  bool skip_global_allowlist = false;  // fixed low-entropy format the placeholder patterns would drop
  bool jwt_header = false;             // the secret's first dot-separated part must decode to JSON
  std::string origin;                  // where the rule was declared
  // Built-in rules are compiled by the unit tests, so a scan need not re-validate their regexes
  // up front; user rules are validated before scanning so a bad regex fails with exit 3.
  bool prevalidated = false;
};

struct CodeRuleMeta {
  std::string id;
  std::string description;
  Severity severity = Severity::kMedium;
  std::string confidence = "medium";
  std::string cwe;
  std::string help;
  std::string bandit;  // bandit's test id (B602...), so that `# nosec B602` names this rule
};

struct RuleSet {
  std::vector<SecretRule> secrets;
  std::vector<CodeRuleMeta> code;
  std::vector<std::string> global_allowlist;
  // A generic rule does not fire when the variable is named like metadata (secret_name, token_file).
  std::vector<std::string> generic_name_suffixes;
};

// Parses a rules document in the format of resources/rules.json; `origin` names it in errors.
Result<RuleSet> parse_rules(std::string_view json_text, std::string_view origin);
const RuleSet& builtin_rule_set();
Result<SecretRule> to_secret_rule(const CustomRule& rule);

}  // namespace aqe::scan
