// Security findings from SARIF 2.1.0, whichever scanner wrote them, and the one SARIF writer
// (security-scan's --format sarif and report's --format sarif write through it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aqe/util/result.h"

namespace aqe::results {

struct SarifFinding {
  std::string uri;       // the first location's artifactLocation.uri as written; empty without one
  std::string severity;  // critical|high|medium|low
};

// The results of every run; suppressed, "absent" and level "none" results are left out.
// Severity: GitHub's numeric "security-severity" (CVSS) on the result or its rule, else the
// SARIF level (error high, warning medium, note low). Errors name origin:line:col (exit 3).
Result<std::vector<SarifFinding>> parse_sarif(std::string_view text, const std::string& origin);

// One finding to write. severity: critical|high|medium|low. rule_description / rule_help
// describe its rule (the first finding of a rule names it); empty = the finding's message.
struct SarifOutput {
  std::string rule_id, category, severity, confidence, cwe, file, message, snippet, fingerprint;
  int64_t line = 0, column = 0;
  std::string rule_description, rule_help;
  std::optional<bool> test_code;  // the file is test code; unknown for findings stored before
};

// A SARIF 2.1.0 log of one run of tool "aqe" (version `tool_version`): each rule once, results
// in order with level (error/warning/note), GitHub's "security-severity", the file relative
// to %SRCROOT% (percent-encoded; an absolute path as a file:// URI with no base), and the
// fingerprint as partialFingerprints "aqeFingerprint/v2". Text is
// JSON-escaped (bytes that are not UTF-8 replaced).
std::string write_sarif(const std::vector<SarifOutput>& findings, std::string_view tool_version);

}  // namespace aqe::results
