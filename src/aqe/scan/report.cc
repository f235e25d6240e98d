#include <cctype>
#include <map>
#include <sstream>

#include "aqe/results/sarif.h"
#include "aqe/scan/scan.h"
#include "aqe/util/json.h"
#include "aqe/util/strings.h"

namespace aqe::scan {
namespace {

using nlohmann::json;

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

std::string to_sarif(const ScanReport& r) {
  std::map<std::string, RuleInfo> catalogue;
  for (RuleInfo& info : builtin_rules()) catalogue.emplace(info.id, std::move(info));
  catalogue.emplace(
      "dep-vulnerable",
      RuleInfo{"dep-vulnerable", "dependency", "Dependency with a known vulnerability", "medium", "CWE-1395",
               "A declared or locked dependency version is affected by an advisory in the OSV "
               "database given with --advisories. Upgrade to the fixed version named in the message; "
               "accept a risk deliberately with --write-baseline."});
  std::vector<results::SarifOutput> out;
  out.reserve(r.findings.size());
  for (const Finding& f : r.findings) {
    auto it = catalogue.find(f.rule_id);
    out.push_back({f.rule_id, f.category, std::string(severity_name(f.severity)), f.confidence, f.cwe, f.file,
                   f.message, f.snippet, f.fingerprint, f.line, f.column,
                   it != catalogue.end() ? it->second.description : std::string(),
                   it != catalogue.end() ? it->second.help : std::string(), f.test_code});
  }
  return results::write_sarif(out, AQE_VERSION);
}

}  // namespace aqe::scan
