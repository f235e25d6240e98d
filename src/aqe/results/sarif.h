// Security findings from SARIF 2.1.0, whichever scanner wrote them.
#pragma once

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

}  // namespace aqe::results
