#include "aqe/scan/baseline.h"

#include <nlohmann/json.hpp>

#include "aqe/util/fs.h"

namespace aqe::scan {

Status write_baseline(const std::filesystem::path& path, const std::vector<Finding>& findings) {
  nlohmann::json entries = nlohmann::json::array();
  for (const Finding& f : findings) {
    // Rule and file are kept for people reviewing the baseline; only the fingerprint matches.
    entries.push_back({{"fingerprint", f.fingerprint}, {"rule_id", f.rule_id}, {"file", f.file}});
  }
  nlohmann::json doc = {{"version", 1}, {"tool", "aqe security-scan"}, {"findings", entries}};
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  return write_file_atomic(path, doc.dump(2) + "\n");
}

Result<std::set<std::string>> read_baseline(const std::filesystem::path& path) {
  auto text = read_file(path);
  if (!text.ok()) {
    return make_error("BASELINE_INVALID", "baseline " + path.string() + " cannot be read",
                      "create it with 'aqe security-scan --write-baseline " + path.string() + " ...'");
  }
  auto doc = nlohmann::json::parse(text.value(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("findings") || !doc["findings"].is_array()) {
    return make_error("BASELINE_INVALID",
                      "baseline " + path.string() + " is not an aqe baseline (no 'findings' array)");
  }
  std::set<std::string> out;
  for (const auto& e : doc["findings"]) {
    if (e.is_object() && e.contains("fingerprint") && e["fingerprint"].is_string())
      out.insert(e["fingerprint"].get<std::string>());
  }
  return out;
}

}  // namespace aqe::scan
