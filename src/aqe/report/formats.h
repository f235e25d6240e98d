// The machine-read report formats: JUnit XML (CI test views), SARIF 2.1.0 (code scanning),
// GitLab Code Quality JSON, and the Prometheus text exposition of the key figures, plus the
// push of those figures to a Prometheus Pushgateway. Like the other renderings they read the
// report model only; a section that was not measured is an error (JUnit, SARIF, Code Quality:
// an empty file would claim "nothing failed" or "nothing found") or left out (metrics).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "aqe/report/report.h"
#include "aqe/state/db.h"
#include "aqe/util/result.h"

namespace aqe::report {

// The run's test results as one JUnit document (testsuites > testsuite "aqe"), re-serialised
// with its counts recomputed from the testcases: from the run's own merged JUnit file, else
// (the file is gone) from the stored results, with a warning that tracebacks are missing.
// A partial run keeps its "aqe.run" error testcase. Errors: no tests section (NO_DATA, 3).
Result<std::string> render_junit(state::Db& db, const Report& report, std::vector<std::string>& warnings);
// From stored results alone: each test's last attempt; a partial `status` adds "aqe.run".
Result<std::string> junit_from_results(const std::vector<state::TestResultRow>& rows,
                                       const std::string& status, int64_t not_run);

// The reported security-scan's findings as SARIF 2.1.0 (results/sarif.h's writer, as
// security-scan --format sarif writes). Errors: no security section (NO_DATA, exit 3).
Result<std::string> render_sarif(const Report& report);

// GitLab Code Quality (a JSON array of issues: description, check_name, fingerprint, severity
// info|minor|major|critical, location.path, location.lines.begin) for the findings.
// Severity: critical -> critical, high -> major, medium -> minor, low -> info.
Result<std::string> render_codequality(const Report& report);
std::string_view codequality_severity(std::string_view severity);

// The key figures in the Prometheus text exposition format (version 0.0.4), every metric a
// gauge named aqe_*, labelled branch and command; a figure that was not measured is left out
// (never written as 0). Empty when nothing at all was measured.
std::string render_openmetrics(const Report& report);
// A label value escaped for the exposition format (\\, \", \n).
std::string escape_label(std::string_view value);

struct PushOptions {
  std::string url;  // the gateway's base URL, http:// or https://
  std::string job = "aqe";
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds total_timeout{30'000};
};
struct PushResult {
  std::string url;  // where the metrics went (.../metrics/job/JOB)
  long status = 0;
  int attempts = 0;
};
// PUTs `text` to URL/metrics/job/JOB (replacing the job's group). Errors: a URL that is not
// http(s) or a job with '/' or nothing in it (USAGE, exit 3); the gateway unreachable, timing
// out or answering 5xx (exit 4); any other answer (exit 3, its status and body excerpt).
Result<PushResult> push_metrics(const PushOptions& options, const std::string& text);
// The URL and job checks of push_metrics alone (no request).
Status check_push_options(const PushOptions& options);

}  // namespace aqe::report
