// Typed readers for the structured (array) sections of the config files, so that callers do not
// look members up by string. A member the file leaves out gets the key table's default.
#pragma once

#include <string>
#include <vector>

#include "aqe/config/config.h"

namespace aqe::config {

// One element of security.rules in qe-fleet.json.
struct SecretRuleEntry {
  std::string id;
  std::string description;
  std::string severity;
  std::string regex;
  std::vector<std::string> keywords;
  double entropy = 0;
  std::vector<std::string> allowlist;
  std::string origin;  // "config/qe-fleet.json: security.rules[2]"
};

// The custom secret rules, in file order; empty when no qe-fleet.json sets any.
std::vector<SecretRuleEntry> security_rules(const Config& c);

}  // namespace aqe::config
