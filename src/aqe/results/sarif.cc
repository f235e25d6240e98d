// SARIF 2.1.0 logs (clang, CodeQL, semgrep, aqe security-scan...): the results that count.
#include "aqe/results/sarif.h"

#include <cstdlib>
#include <optional>

#include <nlohmann/json.hpp>

#include "aqe/util/strings.h"

namespace aqe::results {

using nlohmann::json;

namespace {

std::string severity_of_cvss(double s) {
  if (s >= 9.0) return "critical";
  if (s >= 7.0) return "high";
  if (s >= 4.0) return "medium";
  if (s > 0.0) return "low";
  return "";
}

// GitHub's convention: a numeric "security-severity" (CVSS) on the result or its rule;
// otherwise the SARIF level (error -> high, warning -> medium, note -> low).
std::string severity_of(const json& result, const json* rule) {
  auto cvss = [](const json& holder) -> std::optional<double> {
    if (!holder.is_object()) return std::nullopt;
    auto props = holder.find("properties");
    if (props == holder.end() || !props->is_object()) return std::nullopt;
    auto s = props->find("security-severity");
    if (s == props->end()) return std::nullopt;
    if (s->is_number()) return s->get<double>();
    if (s->is_string()) {
      char* end = nullptr;
      std::string t = s->get<std::string>();
      double v = std::strtod(t.c_str(), &end);
      if (!t.empty() && *end == '\0') return v;
    }
    return std::nullopt;
  };
  if (auto v = cvss(result)) return severity_of_cvss(*v);
  if (rule) {
    if (auto v = cvss(*rule)) return severity_of_cvss(*v);
  }
  std::string level = "warning";
  if (rule && rule->contains("defaultConfiguration"))
    level = (*rule)["defaultConfiguration"].value("level", level);
  level = result.value("level", level);
  if (level == "error") return "high";
  if (level == "warning") return "medium";
  if (level == "note") return "low";
  return "";  // "none": not a problem
}

const json* rule_of(const json& result, const json& rules) {
  if (!rules.is_array()) return nullptr;
  if (result.contains("ruleIndex") && result["ruleIndex"].is_number_unsigned()) {
    size_t i = result["ruleIndex"].get<size_t>();
    if (i < rules.size()) return &rules[i];
  }
  std::string id = result.value("ruleId", "");
  for (const auto& r : rules)
    if (r.is_object() && r.value("id", "") == id) return &r;
  return nullptr;
}

std::string uri_of(const json& result) {
  const json locs = result.value("locations", json::array());
  if (!locs.is_array() || locs.empty()) return "";
  const json art =
      locs[0].value("physicalLocation", json::object()).value("artifactLocation", json::object());
  return art.value("uri", "");
}

}  // namespace

Result<std::vector<SarifFinding>> parse_sarif(std::string_view text, const std::string& origin) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    auto [line, col] = line_col(text, e.byte > 0 ? e.byte - 1 : 0);
    return make_error("INPUT_INVALID",
                      origin + ":" + std::to_string(line) + ":" + std::to_string(col) + ": malformed JSON",
                      "pass the SARIF file the scanner wrote");
  }
  if (!doc.is_object() || doc.value("version", "") != "2.1.0" || !doc.contains("runs") ||
      !doc["runs"].is_array()) {
    return make_error("INPUT_INVALID",
                      origin + ": not a SARIF 2.1.0 log (needs \"version\": \"2.1.0\" and \"runs\")",
                      "pass a SARIF 2.1.0 file");
  }
  std::vector<SarifFinding> out;
  for (const json& run : doc["runs"]) {
    if (!run.is_object()) continue;
    const json rules =
        run.value("tool", json::object()).value("driver", json::object()).value("rules", json::array());
    for (const json& res : run.value("results", json::array())) {
      if (!res.is_object()) continue;
      if (res.contains("suppressions") && res["suppressions"].is_array() && !res["suppressions"].empty())
        continue;
      if (res.value("baselineState", "") == "absent") continue;
      std::string sev = severity_of(res, rule_of(res, rules));
      if (sev.empty()) continue;
      out.push_back({uri_of(res), sev});
    }
  }
  return out;
}

}  // namespace aqe::results
