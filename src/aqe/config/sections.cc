#include "aqe/config/sections.h"

namespace aqe::config {

namespace {

using nlohmann::json;

// The member's value, else its declared default. The document was validated against the table,
// so a present member has the declared type.
template <typename T>
T member(const json& element, std::string_view pattern, std::string_view name) {
  if (auto it = element.find(name); it != element.end()) return it->get<T>();
  const KeyDef* k = find_key(ConfigFile::kFleet, std::string(pattern) + "." + std::string(name));
  if (k == nullptr || k->default_json.empty()) return T{};
  return json::parse(k->default_json).get<T>();
}

}  // namespace

std::vector<SecretRuleEntry> security_rules(const Config& c) {
  std::vector<SecretRuleEntry> out;
  const json& doc = c.document(ConfigFile::kFleet);
  auto security = doc.find("security");
  if (security == doc.end() || !security->is_object()) return out;
  auto rules = security->find("rules");
  if (rules == security->end() || !rules->is_array()) return out;
  auto file = c.files().find(ConfigFile::kFleet);
  const std::string where = file == c.files().end() ? "config" : file->second.string();
  constexpr std::string_view kRule = "security.rules[]";
  for (size_t i = 0; i < rules->size(); ++i) {
    const json& r = (*rules)[i];
    SecretRuleEntry e;
    e.id = member<std::string>(r, kRule, "id");
    e.description = member<std::string>(r, kRule, "description");
    e.severity = member<std::string>(r, kRule, "severity");
    e.regex = member<std::string>(r, kRule, "regex");
    e.keywords = member<std::vector<std::string>>(r, kRule, "keywords");
    e.entropy = member<double>(r, kRule, "entropy");
    e.allowlist = member<std::vector<std::string>>(r, kRule, "allowlist");
    e.origin = where + ": security.rules[" + std::to_string(i) + "]";
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace aqe::config
