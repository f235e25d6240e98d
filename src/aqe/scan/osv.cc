#include "aqe/scan/osv.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "aqe/util/fs.h"
#include "aqe/util/json.h"
#include "aqe/util/strings.h"

namespace aqe::scan {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::optional<Ecosystem> ecosystem_of(const std::string& name) {
  // OSV allows a ":suffix" (e.g. "Debian:12"); PyPI and npm have none, but tolerate one.
  std::string base = name.substr(0, name.find(':'));
  if (base == "PyPI") return Ecosystem::kPyPI;
  if (base == "npm") return Ecosystem::kNpm;
  return std::nullopt;
}

// GitHub's database_specific.severity uses MODERATE where aqe says medium.
std::optional<Severity> severity_word(const json& j) {
  if (!j.is_string()) return std::nullopt;
  std::string w = to_lower(j.get<std::string>());
  if (w == "critical") return Severity::kCritical;
  if (w == "high") return Severity::kHigh;
  if (w == "moderate" || w == "medium") return Severity::kMedium;
  if (w == "low") return Severity::kLow;
  return std::nullopt;
}

Severity severity_of_score(double score) {
  if (score >= 9.0) return Severity::kCritical;
  if (score >= 7.0) return Severity::kHigh;
  if (score >= 4.0) return Severity::kMedium;
  return Severity::kLow;
}

std::optional<Severity> severity_in(const json& obj) {
  if (!obj.is_object()) return std::nullopt;
  auto it = obj.find("severity");
  return it == obj.end() ? std::nullopt : severity_word(*it);
}

std::optional<Severity> cvss_severity(const json& list) {
  if (!list.is_array()) return std::nullopt;
  for (const json& s : list) {
    if (!s.is_object() || !s.contains("score") || !s["score"].is_string()) continue;
    if (auto score = cvss3_base_score(s["score"].get<std::string>())) return severity_of_score(*score);
  }
  return std::nullopt;
}

std::string string_at(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

OsvRange parse_range(const json& r) {
  OsvRange out;
  out.type = string_at(r, "type");
  if (!r.contains("events") || !r["events"].is_array()) return out;
  for (const json& e : r["events"]) {
    if (!e.is_object()) continue;
    for (const char* kind : {"introduced", "fixed", "last_affected", "limit"}) {
      if (e.contains(kind) && e[kind].is_string()) out.events.push_back({kind, e[kind].get<std::string>()});
    }
  }
  return out;
}

std::optional<OsvAffected> parse_affected(const json& a) {
  if (!a.is_object() || !a.contains("package") || !a["package"].is_object()) return std::nullopt;
  auto eco = ecosystem_of(string_at(a["package"], "ecosystem"));
  std::string name = string_at(a["package"], "name");
  if (!eco || name.empty()) return std::nullopt;
  OsvAffected out;
  out.ecosystem = *eco;
  out.name = normalize_package_name(*eco, name);
  if (a.contains("ranges") && a["ranges"].is_array()) {
    for (const json& r : a["ranges"]) {
      if (r.is_object() && string_at(r, "type") != "GIT") out.ranges.push_back(parse_range(r));
    }
  }
  if (a.contains("versions") && a["versions"].is_array()) {
    for (const json& v : a["versions"])
      if (v.is_string()) out.versions.push_back(v.get<std::string>());
  }
  if (a.contains("ecosystem_specific")) out.severity = severity_in(a["ecosystem_specific"]);
  if (!out.severity && a.contains("database_specific")) out.severity = severity_in(a["database_specific"]);
  if (!out.severity && a.contains("severity")) out.severity = cvss_severity(a["severity"]);
  return out;
}

// ---- version comparison per ecosystem ----

// Parsed once per comparison; advisories for one package hold a handful of events.
std::optional<int> compare_versions(Ecosystem eco, std::string_view a, std::string_view b) {
  if (eco == Ecosystem::kNpm) {
    auto x = parse_semver(a), y = parse_semver(b);
    if (!x || !y) return std::nullopt;
    return compare_semver(*x, *y);
  }
  auto x = parse_pep440(a), y = parse_pep440(b);
  if (!x || !y) return std::nullopt;
  return compare_pep440(*x, *y);
}

bool is_zero(const OsvEvent& e) { return e.kind == "introduced" && e.version == "0"; }

// OSV's evaluation: walk the events in version order, switching "affected" on and off.
struct RangeVerdict {
  bool affected = false;
  std::string fixed;  // the lowest fixed version above `version`
};

std::vector<OsvEvent> sorted_events(Ecosystem eco, const OsvRange& range) {
  std::vector<OsvEvent> events;
  for (const OsvEvent& e : range.events) {
    if (e.kind == "limit") continue;
    if (!is_zero(e) && !compare_versions(eco, e.version, e.version)) continue;  // unparseable
    events.push_back(e);
  }
  std::stable_sort(events.begin(), events.end(), [eco](const OsvEvent& a, const OsvEvent& b) {
    if (is_zero(a) || is_zero(b)) return is_zero(a) && !is_zero(b);
    return compare_versions(eco, a.version, b.version).value_or(0) < 0;
  });
  return events;
}

RangeVerdict evaluate_range(Ecosystem eco, const OsvRange& range, const std::string& version) {
  RangeVerdict v;
  for (const OsvEvent& e : sorted_events(eco, range)) {
    int cmp = is_zero(e) ? 1 : compare_versions(eco, version, e.version).value_or(-1);
    if (e.kind == "introduced" && cmp >= 0) {
      v.affected = true;
    } else if (e.kind == "fixed" && cmp >= 0) {
      v.affected = false;
    } else if (e.kind == "last_affected" && cmp > 0) {
      v.affected = false;
    } else if (e.kind == "fixed" && cmp < 0 && v.fixed.empty()) {
      v.fixed = e.version;
    }
  }
  if (!v.affected) v.fixed.clear();
  return v;
}

bool same_version(Ecosystem eco, const std::string& a, const std::string& b) {
  auto cmp = compare_versions(eco, a, b);
  return cmp ? *cmp == 0 : a == b;
}

// Whether one exact version is affected; `fixed` is filled from the range that says so.
std::optional<std::string> affected_at(const OsvAffected& a, const std::string& version) {
  for (const OsvRange& r : a.ranges) {
    if (r.type != "ECOSYSTEM" && r.type != "SEMVER") continue;
    RangeVerdict v = evaluate_range(a.ecosystem, r, version);
    if (v.affected) return v.fixed;
  }
  for (const std::string& listed : a.versions) {
    if (same_version(a.ecosystem, listed, version)) return std::string();
  }
  return std::nullopt;
}

// The lowest affected version a specifier admits: the range of affected versions and the
// specifier's range overlap iff one of their lower ends lies in both.
std::optional<std::pair<std::string, std::string>> lowest_admitted(const OsvAffected& a,
                                                                   const std::vector<SpecClause>& spec) {
  std::vector<std::string> candidates = a.versions;
  for (const OsvRange& r : a.ranges) {
    for (const OsvEvent& e : r.events)
      if (e.kind == "introduced") candidates.push_back(e.version);
  }
  for (const SpecClause& c : spec) {
    if (c.op == ">=" || c.op == "==" || c.op == "~=" || c.op == "===") {
      candidates.push_back(ends_with(c.version, ".*") ? c.version.substr(0, c.version.size() - 2)
                                                      : c.version);
    }
  }
  std::optional<std::pair<Pep440Version, std::pair<std::string, std::string>>> best;
  for (const std::string& cand : candidates) {
    auto v = parse_pep440(cand);
    if (!v || !spec_admits(spec, *v)) continue;
    auto fixed = affected_at(a, cand);
    if (!fixed) continue;
    if (!best || compare_pep440(*v, best->first) < 0) best = {{*v, {cand, *fixed}}};
  }
  if (!best) return std::nullopt;
  return best->second;
}

int rank(Severity s) { return static_cast<int>(s); }

// A loose key for the prefilter: PEP 503 folding, applied to npm names too (only widens it).
std::string loose_name(std::string_view name) { return normalize_package_name(Ecosystem::kPyPI, name); }

// Whether any "name": "..." member in the raw text is a wanted package. Cheaper than parsing;
// a false hit (e.g. a credits[].name) only costs one parse.
bool names_wanted(std::string_view text, const std::set<std::string>& wanted) {
  constexpr std::string_view kKey = "\"name\"";
  for (size_t at = text.find(kKey); at != std::string_view::npos; at = text.find(kKey, at + 1)) {
    size_t p = at + kKey.size();
    while (p < text.size() && (text[p] == ' ' || text[p] == ':' || text[p] == '\t' || text[p] == '\n')) ++p;
    if (p >= text.size() || text[p] != '"') continue;
    size_t close = text.find('"', p + 1);
    if (close == std::string_view::npos) return false;
    if (wanted.count(loose_name(text.substr(p + 1, close - p - 1))) != 0) return true;
  }
  return false;
}

}  // namespace

std::string normalize_package_name(Ecosystem eco, std::string_view name) {
  std::string t(trim(name));
  if (eco == Ecosystem::kNpm) return t;
  std::string out;
  for (char c : t) {
    bool sep = c == '-' || c == '_' || c == '.';
    if (sep) {
      if (out.empty() || out.back() != '-') out.push_back('-');
    } else {
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  return out;
}

std::optional<double> cvss3_base_score(std::string_view vector) {
  if (!starts_with(vector, "CVSS:3.")) return std::nullopt;
  std::map<std::string, std::string> m;
  for (const std::string& part : split(vector, '/')) {
    size_t colon = part.find(':');
    if (colon != std::string::npos) m[part.substr(0, colon)] = part.substr(colon + 1);
  }
  for (const char* k : {"AV", "AC", "PR", "UI", "S", "C", "I", "A"})
    if (!m.count(k)) return std::nullopt;
  const bool changed = m["S"] == "C";
  const std::map<std::string, double> av{{"N", 0.85}, {"A", 0.62}, {"L", 0.55}, {"P", 0.2}};
  const std::map<std::string, double> ac{{"L", 0.77}, {"H", 0.44}};
  const std::map<std::string, double> pr{
      {"N", 0.85}, {"L", changed ? 0.68 : 0.62}, {"H", changed ? 0.5 : 0.27}};
  const std::map<std::string, double> ui{{"N", 0.85}, {"R", 0.62}};
  const std::map<std::string, double> cia{{"H", 0.56}, {"L", 0.22}, {"N", 0.0}};
  auto get = [&](const std::map<std::string, double>& t, const char* k) -> std::optional<double> {
    auto it = t.find(m[k]);
    return it == t.end() ? std::nullopt : std::optional<double>(it->second);
  };
  auto vav = get(av, "AV"), vac = get(ac, "AC"), vpr = get(pr, "PR"), vui = get(ui, "UI");
  auto vc = get(cia, "C"), vi = get(cia, "I"), va = get(cia, "A");
  if (!vav || !vac || !vpr || !vui || !vc || !vi || !va) return std::nullopt;
  double iss = 1 - (1 - *vc) * (1 - *vi) * (1 - *va);
  double impact = changed ? 7.52 * (iss - 0.029) - 3.25 * std::pow(iss - 0.02, 15) : 6.42 * iss;
  if (impact <= 0) return 0.0;
  double exploitability = 8.22 * *vav * *vac * *vpr * *vui;
  double raw = std::min(changed ? 1.08 * (impact + exploitability) : impact + exploitability, 10.0);
  // CVSS 3.1's Roundup: the smallest one-decimal number >= raw, immune to float noise.
  auto scaled = static_cast<long long>(std::llround(raw * 100000));
  if (scaled % 10000 == 0) return static_cast<double>(scaled) / 100000.0;
  const long long tenths = scaled / 10000 + 1;  // floor, then one step up
  return static_cast<double>(tenths) / 10.0;
}

Result<Advisory> parse_osv(const json& doc, const std::string& source) {
  if (!doc.is_object() || !doc.contains("id") || !doc["id"].is_string())
    return make_error("ADVISORY_INVALID", source + ": not an OSV record (no \"id\")");
  Advisory adv;
  adv.id = doc["id"].get<std::string>();
  adv.source = source;
  adv.summary = string_at(doc, "summary");
  if (doc.contains("aliases") && doc["aliases"].is_array()) {
    for (const json& a : doc["aliases"])
      if (a.is_string()) adv.aliases.push_back(a.get<std::string>());
  }
  if (doc.contains("database_specific")) adv.severity = severity_in(doc["database_specific"]);
  if (!adv.severity && doc.contains("severity")) adv.severity = cvss_severity(doc["severity"]);
  if (doc.contains("withdrawn") || !doc.contains("affected") || !doc["affected"].is_array()) return adv;
  for (const json& a : doc["affected"]) {
    if (auto parsed = parse_affected(a)) adv.affected.push_back(std::move(*parsed));
  }
  return adv;
}

Result<AdvisoryDb> AdvisoryDb::load(const fs::path& dir, std::vector<std::string>& problems,
                                    const std::set<std::string>* wanted) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return make_error("PATH_NOT_FOUND", "advisory database not found: " + dir.string(),
                      "pass a directory of OSV JSON files with --advisories (see docs/dependencies.md)");
  }
  AdvisoryDb db;
  std::set<std::string> loose;
  if (wanted != nullptr)
    for (const std::string& w : *wanted) loose.insert(loose_name(w));
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec) || it->path().extension() != ".json") continue;
    auto text = read_file(it->path());
    if (!text) {
      problems.push_back(text.error().message);
      continue;
    }
    if (wanted != nullptr && !names_wanted(*text, loose)) continue;
    ParsedJson doc = parse_json(*text);
    auto adv = parse_osv(doc.value, it->path().string());
    if (doc.error || !adv) {
      problems.push_back(it->path().string() + ": not a valid OSV JSON record; skipped");
      continue;
    }
    db.add(std::move(*adv));
  }
  if (ec) problems.push_back(dir.string() + ": " + ec.message());
  return db;
}

void AdvisoryDb::add(Advisory advisory) {
  if (advisory.affected.empty()) return;
  size_t index = advisories_.size();
  for (size_t i = 0; i < advisory.affected.size(); ++i) {
    const OsvAffected& a = advisory.affected[i];
    index_[{a.ecosystem, a.name}].emplace_back(index, i);
  }
  advisories_.push_back(std::move(advisory));
}

std::vector<AdvisoryMatch> AdvisoryDb::match(Ecosystem eco, std::string_view name,
                                             const VersionQuery& query) const {
  auto it = index_.find({eco, normalize_package_name(eco, name)});
  if (it == index_.end()) return {};
  std::vector<AdvisoryMatch> found;
  for (auto [adv_index, aff_index] : it->second) {
    const Advisory& adv = advisories_[adv_index];
    const OsvAffected& a = adv.affected[aff_index];
    AdvisoryMatch m;
    m.advisory = &adv;
    m.severity = a.severity.value_or(adv.severity.value_or(Severity::kMedium));
    if (query.exact) {
      auto fixed = affected_at(a, *query.exact);
      if (!fixed) continue;
      m.affected_version = *query.exact;
      m.fixed = *fixed;
    } else {
      if (eco != Ecosystem::kPyPI) continue;
      auto low = lowest_admitted(a, query.spec);
      if (!low) continue;
      m.affected_version = low->first;
      m.fixed = low->second;
    }
    found.push_back(std::move(m));
  }
  // Records with a stated severity first, then by id, so the GHSA record of a vulnerability
  // (which carries severity) wins over its PYSEC alias.
  std::stable_sort(found.begin(), found.end(), [](const AdvisoryMatch& a, const AdvisoryMatch& b) {
    bool as = a.advisory->severity.has_value(), bs = b.advisory->severity.has_value();
    if (as != bs) return as;
    if (rank(a.severity) != rank(b.severity)) return rank(a.severity) > rank(b.severity);
    return a.advisory->id < b.advisory->id;
  });
  std::set<std::string> seen;
  std::vector<AdvisoryMatch> out;
  for (AdvisoryMatch& m : found) {
    bool dup = seen.count(m.advisory->id) != 0;
    for (const std::string& alias : m.advisory->aliases) dup = dup || seen.count(alias) != 0;
    if (dup) continue;
    seen.insert(m.advisory->id);
    seen.insert(m.advisory->aliases.begin(), m.advisory->aliases.end());
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace aqe::scan
