#include "aqe/scan/baseline.h"

#include <nlohmann/json.hpp>

#include "aqe/util/fs.h"
#include "aqe/util/json.h"
#include "aqe/util/strings.h"

namespace aqe::scan {

Status write_baseline(const std::filesystem::path& path, const std::vector<Finding>& findings) {
  nlohmann::json entries = nlohmann::json::array();
  for (const Finding& f : findings) {
    // Rule and file are kept for people reviewing the baseline; only the fingerprint matches.
    entries.push_back({{"fingerprint", f.fingerprint}, {"rule_id", f.rule_id}, {"file", f.file}});
  }
  nlohmann::json doc = {{"version", kBaselineVersion}, {"tool", "aqe security-scan"}, {"findings", entries}};
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  return write_file_atomic(path, dump_json(doc, 2) + "\n");
}

Result<std::set<std::string>> read_baseline(const std::filesystem::path& path, int* version) {
  auto text = read_file(path);
  if (!text.ok()) {
    return make_error("BASELINE_INVALID", "baseline " + path.string() + " cannot be read",
                      "create it with 'aqe security-scan --write-baseline " + path.string() + " ...'");
  }
  return parse_baseline(text.value(), path.string(), version);
}

Result<std::set<std::string>> parse_baseline(std::string_view text, const std::string& origin, int* version) {
  ParsedJson parsed = parse_json(text);
  if (parsed.error) {
    auto [line, col] = line_col(text, parsed.error->offset);
    return make_error("BASELINE_INVALID", "baseline " + origin + ":" + std::to_string(line) + ":" +
                                              std::to_string(col) +
                                              ": not valid JSON: " + parsed.error->reason);
  }
  const nlohmann::json* findings = member(parsed.value, "findings");
  if (!findings || !findings->is_array()) {
    return make_error("BASELINE_INVALID",
                      "baseline " + origin + " is not an aqe baseline (no 'findings' array)");
  }
  if (version != nullptr) {
    const nlohmann::json* v = member(parsed.value, "version");
    *version = v != nullptr && v->is_number_integer() ? v->get<int>() : 1;
  }
  std::set<std::string> out;
  for (const auto& e : *findings) {
    if (const nlohmann::json* fp = member(e, "fingerprint"); fp && fp->is_string())
      out.insert(fp->get<std::string>());
  }
  return out;
}

}  // namespace aqe::scan
