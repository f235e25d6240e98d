// Which profile applies: from --profile, or from the CI's branch and event variables.
#include <fnmatch.h>

#include <algorithm>

#include "aqe/gate/gate.h"
#include "aqe/util/strings.h"

namespace aqe::gate {

namespace {

bool branch_matches(const std::string& glob, const std::string& branch) {
  return !branch.empty() && fnmatch(glob.c_str(), branch.c_str(), 0) == 0;
}

bool event_matches(const std::string& wanted, const CiFacts& ci) {
  if (!ci.event.empty() && wanted == ci.event) return true;
  // One profile serves GitHub pull requests and GitLab merge requests alike.
  return ci.change_request && (wanted == "pull_request" || wanted == "merge_request");
}

Result<std::vector<std::string>> strings_of(const nlohmann::json& v, const std::string& where) {
  std::vector<std::string> out;
  if (v.is_null()) return out;
  if (!v.is_array()) return make_error("CONFIG_INVALID", where + ": must be an array of strings");
  for (const auto& s : v) {
    if (!s.is_string()) return make_error("CONFIG_INVALID", where + ": must be an array of strings");
    out.push_back(s.get<std::string>());
  }
  return out;
}

}  // namespace

Result<std::vector<Profile>> parse_profiles(const nlohmann::json& profiles) {
  std::vector<Profile> out;
  if (profiles.is_null()) return out;
  if (!profiles.is_object())
    return make_error("CONFIG_INVALID", "quality-gates.json: profiles must be an object");
  for (const auto& [name, p] : profiles.items()) {
    std::string where = "quality-gates.json: profiles." + name;
    if (!p.is_object()) return make_error("CONFIG_INVALID", where + ": must be an object");
    Profile pr;
    pr.name = name;
    auto br = strings_of(p.value("branches", nlohmann::json()), where + ".branches");
    if (!br) return br.error();
    pr.branches = *br;
    auto ev = strings_of(p.value("events", nlohmann::json()), where + ".events");
    if (!ev) return ev.error();
    pr.events = *ev;
    if (p.contains("threshold") && p["threshold"].is_number()) pr.threshold = p["threshold"].get<double>();
    pr.blocking = p.value("blocking", true);
    pr.skip = p.value("skip", false);
    if (p.contains("conditions")) {
      auto c = parse_conditions(p["conditions"], where + ".conditions");
      if (!c) return c.error();
      pr.conditions = *c;
    }
    out.push_back(std::move(pr));
  }
  std::sort(out.begin(), out.end(), [](const Profile& a, const Profile& b) { return a.name < b.name; });
  return out;
}

Result<ProfileChoice> select_profile(const std::vector<Profile>& profiles, const CiFacts& ci,
                                     const std::string& explicit_name) {
  if (!explicit_name.empty()) {
    for (const auto& p : profiles)
      if (p.name == explicit_name) return ProfileChoice{p, "--profile " + explicit_name};
    std::vector<std::string> names;
    names.reserve(profiles.size());
    for (const auto& p : profiles) names.push_back(p.name);
    std::string near = closest_match(explicit_name, names);
    return make_error("USAGE", "--profile: no profile '" + explicit_name + "' in quality-gates.json",
                      !near.empty()   ? "did you mean '" + near + "'?"
                      : names.empty() ? "quality-gates.json declares no profiles"
                                      : "profiles: " + join(names, ", "));
  }
  for (const auto& p : profiles) {
    for (const auto& e : p.events)
      if (event_matches(e, ci)) return ProfileChoice{p, "event " + (ci.event.empty() ? e : ci.event)};
  }
  for (const auto& p : profiles) {
    for (const auto& g : p.branches)
      if (branch_matches(g, ci.branch)) return ProfileChoice{p, "branch " + ci.branch + " matches " + g};
  }
  return ProfileChoice{std::nullopt, ""};
}

}  // namespace aqe::gate
