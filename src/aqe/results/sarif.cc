// SARIF 2.1.0 logs (clang, CodeQL, semgrep, aqe security-scan...): the results that count.
#include "aqe/results/sarif.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>

#include <nlohmann/json.hpp>

#include "aqe/util/json.h"
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

enum class Want { kObject, kArray, kString, kInteger, kNumberOrString };

bool has_type(const json& v, Want want) {
  switch (want) {
    case Want::kObject:
      return v.is_object();
    case Want::kArray:
      return v.is_array();
    case Want::kString:
      return v.is_string();
    case Want::kInteger:
      return v.is_number_integer();
    case Want::kNumberOrString:
      return v.is_number() || v.is_string();
  }
  return false;
}

const char* want_name(Want want) {
  switch (want) {
    case Want::kObject:
      return "an object";
    case Want::kArray:
      return "an array";
    case Want::kString:
      return "a string";
    case Want::kInteger:
      return "an integer";
    case Want::kNumberOrString:
      return "a number or a string";
  }
  return "";
}

// Reads the members SARIF 2.1.0 types; a member present with another type is the log's error,
// named by its path ("runs[0].results[3].level"), and stops the read.
class SarifReader {
 public:
  // The member when present with the wanted type; nullptr when absent (or null) or mistyped.
  const json* get(const json& obj, const char* key, Want want, const std::string& path) {
    if (bad_ || !obj.is_object()) return nullptr;
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return nullptr;
    if (has_type(*it, want)) return &*it;
    bad_ = path + "." + key + ": expected " + want_name(want) + ", got " + it->type_name();
    return nullptr;
  }
  std::string string(const json& obj, const char* key, const std::string& path,
                     const std::string& fallback = "") {
    const json* v = get(obj, key, Want::kString, path);
    return v ? v->get<std::string>() : fallback;
  }
  // An element of an array that must be an object.
  bool object_at(const json& v, const std::string& path) {
    if (bad_) return false;
    if (v.is_object()) return true;
    bad_ = path + ": expected an object, got " + std::string(v.type_name());
    return false;
  }
  const std::optional<std::string>& bad() const { return bad_; }

  // GitHub's convention: a numeric "security-severity" (CVSS) on the result or its rule;
  // otherwise the SARIF level (error -> high, warning -> medium, note -> low).
  std::string severity(const json& result, const json* rule, const std::string& path,
                       const std::string& rule_path) {
    if (auto v = cvss(result, path)) return severity_of_cvss(*v);
    if (rule) {
      if (auto v = cvss(*rule, rule_path)) return severity_of_cvss(*v);
    }
    std::string level = "warning";
    if (rule) {
      if (const json* dc = get(*rule, "defaultConfiguration", Want::kObject, rule_path))
        level = string(*dc, "level", rule_path + ".defaultConfiguration", level);
    }
    level = string(result, "level", path, level);
    if (level == "error") return "high";
    if (level == "warning") return "medium";
    if (level == "note") return "low";
    return "";  // "none": not a problem
  }

  const json* rule_of(const json& result, const json* rules, const std::string& path) {
    const json* index = get(result, "ruleIndex", Want::kInteger, path);
    const std::string id = string(result, "ruleId", path);
    if (!rules) return nullptr;
    if (index && index->is_number_unsigned() && index->get<uint64_t>() < rules->size()) {
      const json& r = (*rules)[index->get<size_t>()];
      return r.is_object() ? &r : nullptr;
    }
    for (const auto& r : *rules)
      if (r.is_object() && r.contains("id") && r["id"].is_string() && r["id"].get<std::string>() == id)
        return &r;
    return nullptr;
  }

  std::string uri_of(const json& result, const std::string& path) {
    const json* locs = get(result, "locations", Want::kArray, path);
    if (!locs || locs->empty()) return "";
    const std::string lp = path + ".locations[0]";
    if (!object_at((*locs)[0], lp)) return "";
    const json* phys = get((*locs)[0], "physicalLocation", Want::kObject, lp);
    if (!phys) return "";
    const json* art = get(*phys, "artifactLocation", Want::kObject, lp + ".physicalLocation");
    return art ? string(*art, "uri", lp + ".physicalLocation.artifactLocation") : "";
  }

 private:
  std::optional<double> cvss(const json& holder, const std::string& path) {
    const json* props = get(holder, "properties", Want::kObject, path);
    if (!props) return std::nullopt;
    const json* s = get(*props, "security-severity", Want::kNumberOrString, path + ".properties");
    if (!s) return std::nullopt;
    if (s->is_number()) return s->get<double>();
    char* end = nullptr;
    std::string t = s->get<std::string>();
    double v = std::strtod(t.c_str(), &end);
    if (!t.empty() && *end == '\0') return v;
    return std::nullopt;
  }

  std::optional<std::string> bad_;
};

Error not_sarif(const std::string& origin, const std::string& why) {
  return make_error("INPUT_INVALID", origin + ": not a SARIF 2.1.0 log: " + why, "pass a SARIF 2.1.0 file");
}

}  // namespace

Result<std::vector<SarifFinding>> parse_sarif(std::string_view text, const std::string& origin) {
  ParsedJson parsed = parse_json(text);
  if (parsed.error) {
    auto [line, col] = line_col(text, parsed.error->offset);
    return make_error("INPUT_INVALID",
                      origin + ":" + std::to_string(line) + ":" + std::to_string(col) +
                          ": malformed JSON: " + parsed.error->reason,
                      "pass the SARIF file the scanner wrote");
  }
  const json& doc = parsed.value;
  SarifReader r;
  if (!doc.is_object()) return not_sarif(origin, std::string("the top level is ") + doc.type_name());
  const json* version = member(doc, "version");
  if (!version || !version->is_string() || version->get<std::string>() != "2.1.0")
    return not_sarif(origin, "needs \"version\": \"2.1.0\", got " + (version ? dump_json(*version) : "none"));
  const json* runs = r.get(doc, "runs", Want::kArray, "");
  if (!runs) return not_sarif(origin, r.bad() ? r.bad()->substr(1) : "no \"runs\" array");
  std::vector<SarifFinding> out;
  for (size_t i = 0; i < runs->size(); ++i) {
    const std::string rp = "runs[" + std::to_string(i) + "]";
    const json& run = (*runs)[i];
    if (!r.object_at(run, rp)) break;
    const json* rules = nullptr;
    if (const json* tool = r.get(run, "tool", Want::kObject, rp))
      if (const json* driver = r.get(*tool, "driver", Want::kObject, rp + ".tool"))
        rules = r.get(*driver, "rules", Want::kArray, rp + ".tool.driver");
    const json* results = r.get(run, "results", Want::kArray, rp);
    for (size_t j = 0; results && j < results->size() && !r.bad(); ++j) {
      const std::string path = rp + ".results[" + std::to_string(j) + "]";
      const json& res = (*results)[j];
      if (!r.object_at(res, path)) break;
      const json* suppressions = r.get(res, "suppressions", Want::kArray, path);
      if (suppressions && !suppressions->empty()) continue;
      if (r.string(res, "baselineState", path) == "absent") continue;
      const json* rule = r.rule_of(res, rules, path);
      std::string sev = r.severity(res, rule, path, rp + ".tool.driver.rules[]");
      std::string uri = r.uri_of(res, path);
      if (r.bad()) break;
      if (sev.empty()) continue;
      out.push_back({std::move(uri), std::move(sev)});
    }
    if (r.bad()) break;
  }
  if (r.bad())
    return make_error("INPUT_INVALID", origin + ": " + *r.bad(),
                      "pass the SARIF file the scanner wrote, unchanged");
  return out;
}

namespace {

std::string_view sarif_level(std::string_view severity) {
  if (severity == "critical" || severity == "high") return "error";
  if (severity == "medium") return "warning";
  return "note";
}

// GitHub code scanning ranks alerts by this CVSS-like number.
std::string_view security_severity(std::string_view severity) {
  if (severity == "critical") return "9.5";
  if (severity == "high") return "8.0";
  if (severity == "medium") return "5.5";
  return "3.0";
}

json sarif_rule(const SarifOutput& f) {
  const std::string desc = f.rule_description.empty() ? f.message : f.rule_description;
  const std::string help = f.rule_help.empty() ? desc : f.rule_help;
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

namespace {

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

}  // namespace

std::string write_sarif(const std::vector<SarifOutput>& findings, std::string_view tool_version) {
  json rules = json::array();
  std::map<std::string, size_t> rule_index;
  json results = json::array();
  for (const SarifOutput& f : findings) {
    auto [it, inserted] = rule_index.emplace(f.rule_id, rule_index.size());
    if (inserted) rules.push_back(sarif_rule(f));
    json region = {{"startLine", std::max<int64_t>(f.line, 1)},
                   {"startColumn", std::max<int64_t>(f.column, 1)}};
    if (f.category == "code" && !f.snippet.empty()) region["snippet"] = {{"text", f.snippet}};
    results.push_back(
        {{"ruleId", f.rule_id},
         {"ruleIndex", it->second},
         {"level", sarif_level(f.severity)},
         {"message", {{"text", f.message}}},
         {"locations", json::array({{{"physicalLocation",
                                      {{"artifactLocation", sarif_artifact(f.file)}, {"region", region}}}}})},
         {"partialFingerprints", {{"aqeFingerprint/v2", f.fingerprint}}},
         {"properties", {{"category", f.category}, {"confidence", f.confidence}}}});
    if (f.test_code) results.back()["properties"]["testCode"] = *f.test_code;
  }
  json doc = {
      {"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
      {"version", "2.1.0"},
      {"runs",
       json::array(
           {{{"tool",
              {{"driver", {{"name", "aqe"}, {"version", std::string(tool_version)}, {"rules", rules}}}}},
             {"results", results}}})}};
  return dump_json(doc, 2) + "\n";
}

}  // namespace aqe::results
