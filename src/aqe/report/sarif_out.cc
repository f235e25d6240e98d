// --format sarif and --format codequality: the reported security-scan's stored findings, for
// GitHub code scanning (SARIF, through the writer security-scan uses) and GitLab's Code Quality
// widget.
#include <set>

#include "aqe/report/formats.h"
#include "aqe/results/sarif.h"
#include "aqe/util/hash.h"
#include "aqe/util/json.h"

namespace aqe::report {

namespace {

Error no_scan(std::string_view format) {
  return make_error("NO_DATA",
                    "--format " + std::string(format) +
                        ": no complete security-scan run recorded; run aqe security-scan first",
                    "run `aqe security-scan .` first (an empty file would claim nothing was found)");
}

// One issue per run of consecutive uncovered changed lines (diff coverage), so that GitLab marks
// them in the merge request's diff. The fingerprint is a digest of the file and the range: a
// range that changes is a new issue, as it is a new gap.
void uncovered_changed_lines(const DiffSection& d, nlohmann::json& issues) {
  for (size_t i = 0; i < d.uncovered.size();) {
    size_t j = i;
    while (j + 1 < d.uncovered.size() && d.uncovered[j + 1].file == d.uncovered[i].file &&
           d.uncovered[j + 1].line == d.uncovered[j].line + 1)
      ++j;
    const auto& first = d.uncovered[i];
    const int64_t last = d.uncovered[j].line;
    const std::string range =
        std::to_string(first.line) + (last == first.line ? "" : "-" + std::to_string(last));
    const std::string n = std::to_string(last - first.line + 1);
    issues.push_back(
        {{"type", "issue"},
         {"description",
          (last == first.line ? "Changed line " + range + " is" : n + " changed lines (" + range + ") are") +
              std::string(" not covered by the tests (diff coverage against ") + d.base + ")"},
         {"check_name", "aqe-uncovered-changed-lines"},
         {"fingerprint", sha256_hex("aqe-uncovered-changed-lines\n" + first.file + "\n" + range)},
         {"severity", "minor"},
         {"categories", nlohmann::json::array({"Bug Risk"})},
         {"location", {{"path", first.file}, {"lines", {{"begin", first.line}, {"end", last}}}}}});
    i = j + 1;
  }
}

}  // namespace

Result<std::string> render_sarif(const Report& report) {
  if (!report.security) return no_scan("sarif");
  std::vector<results::SarifOutput> out;
  out.reserve(report.security->findings.size());
  for (const auto& f : report.security->findings) {
    out.push_back({f.rule_id,
                   f.category,
                   f.severity,
                   f.confidence,
                   f.cwe,
                   f.file,
                   f.message,
                   f.snippet,
                   f.fingerprint,
                   f.line,
                   f.column,
                   {},
                   {},
                   std::nullopt});  // the findings table does not keep whether the file is test code
  }
  return results::write_sarif(out, AQE_VERSION);
}

std::string_view codequality_severity(std::string_view severity) {
  if (severity == "critical") return "critical";
  if (severity == "high") return "major";
  if (severity == "medium") return "minor";
  return "info";
}

Result<std::string> render_codequality(const Report& report, std::vector<std::string>& warnings) {
  const bool diff = report.diff_coverage && report.diff_coverage->unavailable.empty();
  if (!report.security && !diff) return no_scan("codequality");
  if (!report.security)
    warnings.push_back(
        "--format codequality: no complete security-scan run recorded: the report holds the "
        "uncovered changed lines only, no findings");
  nlohmann::json issues = nlohmann::json::array();
  // GitLab keys issues by fingerprint: two findings sharing one (the same secret twice on a
  // line) would collapse, so a repeat gets its position appended.
  std::set<std::string> seen;
  for (const auto& f : report.security ? report.security->findings : std::vector<state::FindingRow>{}) {
    std::string fingerprint = f.fingerprint;
    if (!seen.insert(fingerprint).second) {
      fingerprint += ":" + std::to_string(f.line) + ":" + std::to_string(f.column);
      seen.insert(fingerprint);
    }
    issues.push_back(
        {{"type", "issue"},
         {"description", f.message},
         {"check_name", f.rule_id},
         {"fingerprint", fingerprint},
         {"severity", codequality_severity(f.severity)},
         {"categories", nlohmann::json::array({"Security"})},
         {"location", {{"path", f.file}, {"lines", {{"begin", std::max<int64_t>(f.line, 1)}}}}}});
  }
  if (diff) uncovered_changed_lines(*report.diff_coverage, issues);
  return dump_json(issues, 2) + "\n";
}

}  // namespace aqe::report
