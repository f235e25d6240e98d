#include "aqe/store/retention.h"

#include <algorithm>
#include <ctime>
#include <iomanip>
#include <map>
#include <optional>
#include <sstream>

namespace aqe::store {

namespace {

constexpr std::string_view kClasses[] = {"default", "feature", "main", "release", "security"};

std::optional<std::chrono::system_clock::time_point> parse_iso8601(const std::string& s) {
  std::tm tm{};
  std::istringstream in(s);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  if (in.fail() || in.get() != 'Z') return std::nullopt;
  const time_t t = timegm(&tm);
  if (t == static_cast<time_t>(-1)) return std::nullopt;
  return std::chrono::system_clock::from_time_t(t);
}

}  // namespace

std::string retention_class(const ClassInputs& in) {
  if (in.release_tag) return "release";
  if (in.command == "security-scan") return "security";
  if (in.branch == "main" || in.branch == "master") return "main";
  if (in.branch.empty() || in.branch == "unknown") return "default";
  return "feature";
}

int64_t RetentionPolicy::days_of(std::string_view c) const {
  if (c == "feature") return feature_days;
  if (c == "main") return main_days;
  if (c == "release") return release_days;
  if (c == "security") return security_days;
  return default_days;
}

std::string_view RetentionPolicy::key_of(std::string_view c) {
  if (c == "feature") return "retention.feature_branches";
  if (c == "main") return "retention.main_branch";
  if (c == "release") return "retention.release_tags";
  if (c == "security") return "retention.security_findings";
  return "retention.default_days";
}

std::vector<PruneDecision> plan_prune(const std::vector<Manifest>& artifacts, const RetentionPolicy& policy,
                                      std::chrono::system_clock::time_point now) {
  std::map<std::string, std::vector<const Manifest*>> by_branch;
  for (const auto& m : artifacts) by_branch[m.branch].push_back(&m);
  std::vector<PruneDecision> out;
  for (auto& [branch, list] : by_branch) {
    // ISO 8601 UTC strings of one form sort by time; ties by key keep the order stable.
    std::sort(list.begin(), list.end(), [](const Manifest* a, const Manifest* b) {
      return a->created_at != b->created_at ? a->created_at > b->created_at : a->key < b->key;
    });
    for (size_t i = static_cast<size_t>(std::max<int64_t>(policy.keep_latest_n, 0)); i < list.size(); ++i) {
      const Manifest& m = *list[i];
      const int64_t days = policy.days_of(m.retention_class);
      if (days <= 0) continue;
      const auto created = parse_iso8601(m.created_at);
      if (!created) continue;
      const auto age = std::chrono::duration_cast<std::chrono::hours>(now - *created);
      if (age < std::chrono::hours(24 * days)) continue;
      out.push_back({m, "class " + m.retention_class + ": " + std::to_string(age.count() / 24) +
                            " days old, " + std::string(RetentionPolicy::key_of(m.retention_class)) + " is " +
                            std::to_string(days) + "; not among the newest " +
                            std::to_string(policy.keep_latest_n) + " of branch " + branch});
    }
  }
  return out;
}

nlohmann::json lifecycle_configuration(const RetentionPolicy& policy, std::string_view prefix) {
  std::string base(prefix);
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (!base.empty()) base += "/";
  nlohmann::json rules = nlohmann::json::array();
  for (std::string_view c : kClasses) {
    const int64_t days = policy.days_of(c);
    if (days <= 0) continue;
    rules.push_back({{"ID", "aqe-" + std::string(c)},
                     {"Filter", {{"Prefix", base + std::string(c) + "/"}}},
                     {"Status", "Enabled"},
                     {"Expiration", {{"Days", days}}}});
  }
  rules.push_back({{"ID", "aqe-abort-incomplete-multipart-uploads"},
                   {"Filter", {{"Prefix", base}}},
                   {"Status", "Enabled"},
                   {"AbortIncompleteMultipartUpload", {{"DaysAfterInitiation", 1}}}});
  return {{"Rules", rules}};
}

}  // namespace aqe::store
