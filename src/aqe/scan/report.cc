#include <cctype>
#include <map>
#include <sstream>

#include "aqe/scan/scan.h"
#include "aqe/util/json.h"
#include "aqe/util/strings.h"

namespace aqe::scan {
namespace {

using nlohmann::json;

std::string_view sarif_level(Severity s) {
  switch (s) {
    case Severity::kCritical:
    case Severity::kHigh:
      return "error";
    case Severity::kMedium:
      return "warning";
    case Severity::kLow:
      return "note";
  }
  return "note";
}

// GitHub code scanning ranks alerts by this CVSS-like number.
std::string_view security_severity(Severity s) {
  switch (s) {
    case Severity::kCritical:
      return "9.5";
    case Severity::kHigh:
      return "8.0";
    case Severity::kMedium:
      return "5.5";
    case Severity::kLow:
      return "3.0";
  }
  return "3.0";
}

json sarif_rule(const Finding& f, const std::map<std::string, RuleInfo>& catalogue) {
  auto it = catalogue.find(f.rule_id);
  std::string desc = it != catalogue.end() ? it->second.description : f.message;
  std::string help = it != catalogue.end() && !it->second.help.empty() ? it->second.help : desc;
  json tags = json::array({"security", f.category});
  if (!f.cwe.empty()) tags.push_back("external/cwe/" + f.cwe);
  return {{"id", f.rule_id},
          {"name", f.rule_id},
          {"shortDescription", {{"text", desc}}},
          {"fullDescription", {{"text", desc}}},
          {"help", {{"text", help}, {"markdown", help}}},
          {"defaultConfiguration", {{"level", sarif_level(f.severity)}}},
          {"properties", {{"tags", tags}, {"security-severity", security_severity(f.severity)}}}};
}

}  // namespace

json to_json(const ScanReport& r) {
  json findings = json::array();
  for (const Finding& f : r.findings) {
    findings.push_back({{"rule_id", f.rule_id},
                        {"category", f.category},
                        {"severity", severity_name(f.severity)},
                        {"confidence", f.confidence},
                        {"cwe", f.cwe},
                        {"file", f.file},
                        {"line", f.line},
                        {"column", f.column},
                        {"message", f.message},
                        {"snippet", f.snippet},
                        {"fingerprint", f.fingerprint},
                        {"test_code", f.test_code}});
  }
  json skipped = json::array();
  for (const SkippedFile& s : r.skipped) skipped.push_back({{"file", s.file}, {"reason", s.reason}});
  json counts = json::object();
  for (const char* s : {"critical", "high", "medium", "low"}) {
    auto it = r.counts.find(s);
    counts[s] = it == r.counts.end() ? 0 : it->second;
  }
  json out = {{"files_scanned", r.files_scanned},
              {"bytes_scanned", r.bytes_scanned},
              {"duration_s", r.duration_s},
              {"counts", counts},
              {"findings", findings},
              {"suppressed", r.suppressed},
              {"baselined", r.baselined},
              {"skipped", skipped}};
  if (r.commits_scanned > 0) out["commits_scanned"] = r.commits_scanned;
  if (r.dependencies) {
    out["dependencies"] = {{"checked", r.dependencies->checked},
                           {"manifests", r.dependencies->manifests},
                           {"packages", r.dependencies->dependencies},
                           {"advisories", r.dependencies->advisories}};
  }
  return out;
}

std::string to_text(const ScanReport& r) {
  std::ostringstream out;
  std::string current;
  for (const Finding& f : r.findings) {
    if (f.file != current) {
      if (!current.empty()) out << "\n";
      current = f.file;
      out << printable(f.file) << (f.test_code ? "  (test code)" : "") << "\n";  // the project's bytes
    }
    out << "  " << f.line << ":" << f.column << "  " << severity_name(f.severity) << "  " << f.rule_id << "  "
        << printable(f.message);
    if (!f.snippet.empty()) out << "\n      " << printable(f.snippet);
    out << "\n";
  }
  if (!r.findings.empty()) out << "\n";
  auto count = [&](const char* s) {
    auto it = r.counts.find(s);
    return it == r.counts.end() ? 0 : it->second;
  };
  out << r.findings.size() << " finding" << (r.findings.size() == 1 ? "" : "s") << " (critical "
      << count("critical") << ", high " << count("high") << ", medium " << count("medium") << ", low "
      << count("low") << ") in " << r.files_scanned << " files, " << r.bytes_scanned / 1024 << " KiB, ";
  out.precision(2);
  out << std::fixed << r.duration_s << " s";
  if (r.suppressed > 0) out << "; " << r.suppressed << " suppressed inline";
  if (r.baselined > 0) out << "; " << r.baselined << " in baseline";
  if (!r.skipped.empty()) out << "; " << r.skipped.size() << " skipped";
  out << "\n";
  if (r.commits_scanned > 0) out << "git history: lines added by " << r.commits_scanned << " commits\n";
  if (r.dependencies && r.dependencies->checked) {
    out << "dependencies: " << r.dependencies->dependencies << " declared in "
        << r.dependencies->manifests.size() << " manifests, checked against " << r.dependencies->advisories
        << " relevant advisories\n";
  }
  return out.str();
}

// SARIF wants URIs: a relative path becomes a percent-encoded reference resolved against
// %SRCROOT%; an absolute one (an absolute scan path) a file:// URI with no base, since
// "/abs/x.py" together with %SRCROOT% is no valid combination (the SARIF Multitool rejects it).
json sarif_artifact(std::string_view path) {
  std::string uri;
  const bool absolute = !path.empty() && path[0] == '/';
  if (absolute) uri = "file://";
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '.' || c == '_' || c == '~') {
      uri.push_back(static_cast<char>(c));
    } else {
      constexpr std::string_view kHex = "0123456789ABCDEF";
      uri += '%';
      uri += kHex[c >> 4];
      uri += kHex[c & 15];
    }
  }
  if (absolute) return {{"uri", uri}};
  return {{"uri", uri}, {"uriBaseId", "%SRCROOT%"}};
}

std::string to_sarif(const ScanReport& r) {
  std::map<std::string, RuleInfo> catalogue;
  for (RuleInfo& info : builtin_rules()) catalogue.emplace(info.id, std::move(info));
  catalogue.emplace(
      "dep-vulnerable",
      RuleInfo{"dep-vulnerable", "dependency", "Dependency with a known vulnerability", "medium", "CWE-1395",
               "A declared or locked dependency version is affected by an advisory in the OSV "
               "database given with --advisories. Upgrade to the fixed version named in the message; "
               "accept a risk deliberately with --write-baseline."});
  json rules = json::array();
  std::map<std::string, size_t> rule_index;
  json results = json::array();
  for (const Finding& f : r.findings) {
    auto [it, inserted] = rule_index.emplace(f.rule_id, rule_index.size());
    if (inserted) rules.push_back(sarif_rule(f, catalogue));
    json region = {{"startLine", std::max(f.line, 1)}, {"startColumn", std::max(f.column, 1)}};
    if (f.category == "code" && !f.snippet.empty()) region["snippet"] = {{"text", f.snippet}};
    results.push_back(
        {{"ruleId", f.rule_id},
         {"ruleIndex", it->second},
         {"level", sarif_level(f.severity)},
         {"message", {{"text", f.message}}},
         {"locations", json::array({{{"physicalLocation",
                                      {{"artifactLocation", sarif_artifact(f.file)}, {"region", region}}}}})},
         {"partialFingerprints", {{"aqeFingerprint/v2", f.fingerprint}}},
         {"properties",
          {{"category", f.category}, {"confidence", f.confidence}, {"testCode", f.test_code}}}});
  }
  json doc = {
      {"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
      {"version", "2.1.0"},
      {"runs",
       json::array({{{"tool", {{"driver", {{"name", "aqe"}, {"version", AQE_VERSION}, {"rules", rules}}}}},
                     {"results", results}}})}};
  return dump_json(doc, 2) + "\n";
}

}  // namespace aqe::scan
