// One measured result for every surface a team looks at: the report model is read from the
// stored run records and state tables (never recomputed), and the JSON document (schema
// "aqe-report" version 1, docs/report.md), Markdown and badges are renderings of it.
// Whatever was not measured is nullopt here, null in the document and "unknown" when shown.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "aqe/changes/changes.h"
#include "aqe/ci/ci.h"
#include "aqe/state/db.h"
#include "aqe/util/result.h"

namespace aqe::report {

inline constexpr int kDocumentVersion = 1;
inline constexpr size_t kDefaultMarkdownBytes = 64 * 1024;  // a GitHub PR comment's limit

struct ReportOptions {
  std::optional<int64_t> run_id;              // nullopt = the latest complete execute run
  std::optional<std::chrono::seconds> since;  // trends only over runs started within it
  std::string base_branch;                    // "" = no comparison
  int64_t trend_count = 20;
  std::filesystem::path project_dir;  // git runs here; coverage file names are made relative to it
  // The checkout's branch: the default run is the latest complete one of this branch (else of
  // any branch, with a warning); "" = any branch.
  std::string branch;
  // For diff coverage: the CI's target branch is the default base when base_branch is "".
  ci::CiFacts ci;
};

// "30d", "12h", "45m", "90s", "2w": a positive whole number and a unit.
Result<std::chrono::seconds> parse_since(std::string_view text);

struct Failure {
  std::string test, file;
  std::optional<int64_t> line;
  std::string message, traceback;
};

struct SlowTest {
  std::string test;
  double duration_s = 0;
};

struct FlakyTest {
  std::string test;
  std::optional<int64_t> count;
  std::string last_seen;  // "" = not in the flakes table
};

struct TestsSection {
  int64_t run_id = 0;
  std::string status, started_at, commit;
  bool complete = false;
  int64_t total = 0, passed = 0, failed = 0, skipped = 0, errors = 0, flaky = 0;
  std::optional<double> pass_rate;  // percent; nullopt when nothing ran
  double duration_s = 0;
  int workers = 0;
  std::vector<Failure> failures;
  std::vector<SlowTest> slowest;  // top 10, slowest first
  std::vector<FlakyTest> flaky_tests;
  // Not in the document: what the JUnit format reads (report/formats.h).
  std::string junit_xml;  // the run's merged JUnit file (absolute; "" = not written)
  int64_t not_run = 0;    // planned tests that did not run
};

struct FileRow {
  std::string path;
  int64_t lines_covered = 0, lines_total = 0, branches_covered = 0, branches_total = 0;
  std::optional<double> line_rate, branch_rate;  // percent; nullopt when there is nothing of it
  // nullopt when the run's coverage report is gone and only the stored counts are left.
  std::optional<std::vector<int64_t>> missing_lines;
  std::optional<std::vector<std::pair<int64_t, int64_t>>> partial_branches;
  // Not in the document: what the Cobertura format reads (with missing_lines, same nullopt).
  std::optional<std::vector<int64_t>> covered_lines;
};

struct CoverageSection {
  int64_t run_id = 0;
  std::optional<double> line_rate, branch_rate;
  int64_t lines_covered = 0, lines_total = 0, branches_covered = 0, branches_total = 0;
  std::vector<FileRow> files;  // by path
};

// diff-cover's figure for the reported run's coverage against the base (changes/): --base-branch,
// else the CI's target branch, else origin/HEAD, origin/main, ... as the gate chooses. Present
// when the run has per-line coverage; `unavailable` says why there is no figure (no git, no base).
struct DiffSection {
  std::string base, base_reason, merge_base;
  std::string unavailable;  // "" when measured
  int64_t lines = 0, covered = 0;
  std::optional<double> rate;  // percent; nullopt when no changed line is executable
  size_t files_changed = 0, files_measured = 0;
  std::vector<changes::UncoveredLine> uncovered;  // by file, then line
};

struct GateSection {
  int64_t run_id = 0;
  state::GateSummary summary;
};

struct SecuritySection {
  int64_t run_id = 0;
  int64_t files_scanned = 0;
  int64_t critical = 0, high = 0, medium = 0, low = 0;
  std::vector<state::FindingRow> findings;
};

struct GenerateSection {
  int64_t run_id = 0;
  int64_t tests_generated = 0;
  std::string engine;
  std::optional<double> line_rate, branch_rate;
  double cost_usd = 0;
};

struct CostSection {
  double total_usd = 0;
  int64_t calls = 0;
};

struct TrendPoint {
  int64_t run_id = 0;
  std::string started_at, commit;
  std::optional<double> pass_rate, line_rate, branch_rate;
  double duration_s = 0;
  int64_t tests = 0;
  // Of the same commit on the branch: the findings of its latest complete security-scan run,
  // and the AI cost its runs recorded in the usage ledger; nullopt when there is none.
  std::optional<int64_t> findings;
  std::optional<double> cost_usd;
};

struct Comparison {
  std::string base_branch, base_commit;
  std::optional<int64_t> base_run_id;
  bool measured = false;
  std::string reason;
  std::vector<std::string> new_failures, fixed, newly_flaky;
  std::optional<double> line_rate_delta, branch_rate_delta;
  std::optional<std::vector<state::FindingRow>> new_findings;  // nullopt: no scan on one side
};

struct Report {
  std::string generated_at, branch, commit;
  std::optional<TestsSection> tests;
  std::optional<CoverageSection> coverage;
  std::optional<DiffSection> diff_coverage;
  std::optional<GateSection> gate;
  std::optional<SecuritySection> security;
  std::optional<GenerateSection> generate;
  std::optional<CostSection> cost;
  std::vector<TrendPoint> trends;  // oldest first
  std::optional<Comparison> comparison;
  // What the reader should know and the document has no field for (a coverage report that
  // is gone); the CLI shows them as warnings.
  std::vector<std::string> warnings;
};

// Errors: an unknown run id or a run that is not an execute run (exit 3, naming --run); no
// run of any kind recorded (exit 3); a base branch git cannot resolve (exit 3, --base-branch).
Result<Report> build_report(state::Db& db, const ReportOptions& options);

// The document of report-schema version 1 (docs/report.md).
nlohmann::json report_document(const Report& report);

// The summary for a PR comment or GITHUB_STEP_SUMMARY, at most `max_bytes` long: long
// tables are cut with "… and N more not shown". Project text is escaped for Markdown.
std::string render_markdown(const Report& report, size_t max_bytes = kDefaultMarkdownBytes);

// Text made inert in Markdown (and the HTML GitHub renders from it): no tags, links,
// emphasis or table cells can start from it; newlines become spaces.
std::string escape_markdown(std::string_view text);

enum class BadgeMetric { kCoverage, kTests, kQuality, kSecurity, kGenerated, kCost };
enum class BadgeFormat { kSvg, kEndpoint };
std::optional<BadgeMetric> parse_badge_metric(std::string_view name);
std::optional<BadgeFormat> parse_badge_format(std::string_view name);

struct Badge {
  std::string label, message, color;  // color: a shields.io name ("brightgreen", "lightgrey")
};
// The figure of `metric` in `report`; message "unknown" in lightgrey when it was not measured.
Badge badge_of(BadgeMetric metric, const Report& report);
// A flat SVG badge (shields.io style) or the shields.io endpoint JSON.
std::string render_badge(BadgeMetric metric, const Report& report, BadgeFormat format);
std::string badge_svg(const Badge& badge);

}  // namespace aqe::report
