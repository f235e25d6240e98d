// Test results (JUnit XML) and security findings (SARIF 2.1.0) from other tools.
#include <cstring>

#include <pugixml.hpp>

#include "aqe/gate/gate.h"
#include "aqe/util/path.h"
#include "aqe/util/strings.h"

namespace aqe::gate {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

Error positioned(const std::string& origin, std::string_view text, size_t offset, const std::string& what,
                 const std::string& hint) {
  auto [line, col] = line_col(text, offset);
  return make_error("INPUT_INVALID",
                    origin + ":" + std::to_string(line) + ":" + std::to_string(col) + ": " + what, hint);
}

// ctest marks tests it did not run with status="notrun" or "disabled" and no <skipped>.
bool not_run(const char* status) {
  return std::strcmp(status, "notrun") == 0 || std::strcmp(status, "disabled") == 0;
}

bool has_child(pugi::xml_node n, const char* name) { return static_cast<bool>(n.child(name)); }

// pytest-rerunfailures writes rerunFailure/rerunError, Maven surefire flakyFailure/flakyError.
bool was_rerun(pugi::xml_node tc) {
  for (const char* k : {"rerunFailure", "rerunError", "flakyFailure", "flakyError"})
    if (has_child(tc, k)) return true;
  return false;
}

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

std::string file_of(const json& result, const fs::path& project_dir) {
  const json locs = result.value("locations", json::array());
  if (!locs.is_array() || locs.empty()) return "";
  const json art =
      locs[0].value("physicalLocation", json::object()).value("artifactLocation", json::object());
  return project_path(art.value("uri", ""), project_dir);
}

}  // namespace

Result<TestInput> parse_junit_results(std::string_view text, const std::string& origin) {
  pugi::xml_document doc;
  std::string buf(text);
  pugi::xml_parse_result r = doc.load_buffer(buf.data(), buf.size());
  if (!r) {
    return positioned(origin, text, static_cast<size_t>(r.offset), r.description(),
                      "pass the JUnit XML the test runner wrote");
  }
  std::string root = doc.document_element().name();
  if (root != "testsuites" && root != "testsuite") {
    return make_error("INPUT_INVALID",
                      origin + ": XML root is <" + root + ">, not JUnit's <testsuites>/<testsuite>",
                      "pass a JUnit XML report (pytest --junitxml, ctest --output-junit, ...)");
  }
  TestInput t;
  t.origin = origin;
  for (auto x : doc.select_nodes("//testcase")) {
    pugi::xml_node tc = x.node();
    if (has_child(tc, "failure")) {
      ++t.failed;
    } else if (has_child(tc, "error")) {
      ++t.errors;
    } else if (has_child(tc, "skipped") || not_run(tc.attribute("status").as_string())) {
      ++t.skipped;
    } else if (was_rerun(tc)) {
      ++t.flaky;
    } else {
      ++t.passed;
    }
  }
  return t;
}

Result<FindingsInput> parse_sarif(std::string_view text, const std::string& origin,
                                  const fs::path& project_dir) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    return positioned(origin, text, e.byte > 0 ? e.byte - 1 : 0, "malformed JSON",
                      "pass the SARIF file the scanner wrote");
  }
  if (!doc.is_object() || doc.value("version", "") != "2.1.0" || !doc.contains("runs") ||
      !doc["runs"].is_array()) {
    return make_error("INPUT_INVALID",
                      origin + ": not a SARIF 2.1.0 log (needs \"version\": \"2.1.0\" and \"runs\")",
                      "pass a SARIF 2.1.0 file");
  }
  FindingsInput out;
  out.origin = origin;
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
      out.findings.push_back({file_of(res, project_dir), sev});
    }
  }
  return out;
}

TestInput merge_tests(const std::vector<TestInput>& parts) {
  TestInput t;
  std::vector<std::string> origins;
  for (const auto& p : parts) {
    t.passed += p.passed;
    t.failed += p.failed;
    t.errors += p.errors;
    t.skipped += p.skipped;
    t.flaky += p.flaky;
    origins.push_back(p.origin);
  }
  t.origin = join(origins, ", ");
  return t;
}

FindingsInput merge_findings(std::vector<FindingsInput> parts) {
  FindingsInput f;
  std::vector<std::string> origins;
  for (auto& p : parts) {
    origins.push_back(p.origin);
    f.findings.insert(f.findings.end(), std::make_move_iterator(p.findings.begin()),
                      std::make_move_iterator(p.findings.end()));
  }
  f.origin = join(origins, ", ");
  return f;
}

}  // namespace aqe::gate
