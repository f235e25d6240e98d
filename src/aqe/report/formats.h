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
// info|minor|major|critical, location.path, location.lines.begin) for the findings, plus one
// `aqe-uncovered-changed-lines` issue per run of uncovered changed lines (diff coverage).
// Severity: critical -> critical, high -> major, medium -> minor, low -> info. Errors: neither
// a scan run nor diff coverage (NO_DATA, exit 3); a diff without a scan is a warning.
Result<std::string> render_codequality(const Report& report, std::vector<std::string>& warnings);
std::string_view codequality_severity(std::string_view severity);

// GitLab's limits on a Cobertura artifact: past 10 MiB (or 100 <source> elements) it is not
// shown. aqe writes one <source>, and splits the classes over as many parts as the size needs.
inline constexpr size_t kCoberturaMaxBytes = 10 * 1024 * 1024;

// The reported run's coverage as Cobertura XML (as `coverage xml` writes it: one <source>, the
// project directory; a package per directory; per line hits 1/0, which is what GitLab reads).
// Branch counts are written per file, package and document, not per line: coverage.py's JSON
// has no per-line branch totals (its executed arcs include ones its static analysis does not
// count), and a guessed "2/3" would not be measured. Each returned part is a whole
// document of at most `max_bytes` (a single file larger than that is a part of its own, with a
// warning); one part when everything fits. Errors: no coverage measured, or the run's coverage
// report is gone so per-line coverage is unknown (NO_DATA, exit 3).
Result<std::vector<std::string>> render_cobertura(const Report& report, const std::string& source_root,
                                                  size_t max_bytes, std::vector<std::string>& warnings);

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
