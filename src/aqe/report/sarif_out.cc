// --format sarif and --format codequality: the reported security-scan's stored findings, for
// GitHub code scanning (SARIF, through the writer security-scan uses) and GitLab's Code Quality
// widget.
#include <set>

#include "aqe/report/formats.h"
#include "aqe/results/sarif.h"
#include "aqe/util/json.h"

namespace aqe::report {

namespace {

Error no_scan(std::string_view format) {
  return make_error("NO_DATA",
                    "--format " + std::string(format) +
                        ": no complete security-scan run recorded; run aqe security-scan first",
                    "run `aqe security-scan .` first (an empty file would claim nothing was found)");
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

Result<std::string> render_codequality(const Report& report) {
  if (!report.security) return no_scan("codequality");
  nlohmann::json issues = nlohmann::json::array();
  // GitLab keys issues by fingerprint: two findings sharing one (the same secret twice on a
  // line) would collapse, so a repeat gets its position appended.
  std::set<std::string> seen;
  for (const auto& f : report.security->findings) {
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
  return dump_json(issues, 2) + "\n";
}

}  // namespace aqe::report
