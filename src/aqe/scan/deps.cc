#include "aqe/scan/deps.h"

#include <filesystem>
#include <regex>
#include <set>

#include "aqe/config/json_locator.h"
#include "aqe/scan/scan_engine.h"
#include "aqe/util/fs.h"
#include "aqe/util/json.h"
#include "aqe/util/path.h"
#include "aqe/util/strings.h"

namespace aqe::scan {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kRuleId = "dep-vulnerable";
// CWE-1395: Dependency on Vulnerable Third-Party Component.
constexpr const char* kCwe = "CWE-1395";
constexpr int kMaxIncludeDepth = 16;

std::string base_name(std::string_view path) {
  size_t slash = path.find_last_of('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

// pip treats '#' as a comment at the start of a line or after whitespace (URLs keep theirs).
std::string strip_comment(std::string_view line) {
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t'))
      return std::string(line.substr(0, i));
  }
  return std::string(line);
}

struct LogicalLine {
  int number = 0;  // of its first physical line
  std::string text;
};

// Joins backslash continuations, drops comments.
std::vector<LogicalLine> logical_lines(std::string_view text) {
  std::vector<LogicalLine> out;
  LogicalLine current;
  int number = 0;
  for (const std::string& raw : split(text, '\n')) {
    ++number;
    std::string line = raw;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (current.text.empty()) current.number = number;
    std::string stripped = strip_comment(line);
    std::string_view t = trim(stripped);
    if (ends_with(t, "\\")) {
      current.text += std::string(t.substr(0, t.size() - 1)) + " ";
      continue;
    }
    current.text += std::string(t);
    if (!trim(current.text).empty()) out.push_back(current);
    current = LogicalLine{};
  }
  if (!trim(current.text).empty()) out.push_back(current);
  return out;
}

// "-r file", "-rfile", "--requirement file", "--requirement=file".
std::optional<std::string> include_target(std::string_view line) {
  for (std::string_view flag : {"--requirement", "-r"}) {
    if (!starts_with(line, flag)) continue;
    std::string_view rest = line.substr(flag.size());
    if (flag == "--requirement" && !rest.empty() && rest[0] != ' ' && rest[0] != '=') return std::nullopt;
    if (!rest.empty() && rest[0] == '=') rest.remove_prefix(1);
    std::string_view target = trim(rest);
    if (!target.empty()) return std::string(target);
  }
  return std::nullopt;
}

// Per-requirement options pip accepts after the requirement ("--hash=...").
std::string_view without_options(std::string_view line) {
  size_t at = line.find(" --");
  return trim(at == std::string_view::npos ? line : line.substr(0, at));
}

struct RequirementsReader {
  ManifestRead& out;
  std::set<std::string> visiting;

  void read(std::string_view text, const fs::path& path, const std::string& display, int depth) {
    for (const LogicalLine& l : logical_lines(text)) {
      std::string_view t = trim(l.text);
      if (auto target = include_target(t)) {
        include(*target, path, display, l.number, depth);
        continue;
      }
      if (starts_with(t, "-")) continue;  // other pip options: -e, -i, -c, --index-url, ...
      std::string why;
      auto dep = parse_pep508(without_options(t), why);
      if (!dep) {
        if (!why.empty()) out.warnings.push_back(display + ":" + std::to_string(l.number) + ": " + why);
        continue;
      }
      dep->file = display;
      dep->line = l.number;
      out.dependencies.push_back(std::move(*dep));
    }
  }

  void include(const std::string& target, const fs::path& from, const std::string& display, int line,
               int depth) {
    const std::string where = display + ":" + std::to_string(line) + ": ";
    fs::path file = from.parent_path() / target;
    std::string shown = canonicalize_path((fs::path(display).parent_path() / target).string());
    std::error_code ec;
    std::string key = fs::weakly_canonical(file, ec).string();
    if (depth >= kMaxIncludeDepth || visiting.count(key) != 0) {
      out.warnings.push_back(where + "include cycle through " + shown + "; not read again");
      return;
    }
    auto text = read_file(file);
    if (!text) {
      out.warnings.push_back(where + "cannot read included file " + shown + ": " + text.error().message);
      return;
    }
    visiting.insert(key);
    out.manifests.push_back(shown);
    read(*text, file, shown, depth + 1);
    visiting.erase(key);
  }
};

int line_of(const std::map<std::string, config::TextPos>& positions, const std::string& member) {
  auto it = positions.find(member);
  return it == positions.end() ? 0 : it->second.line;
}

Dependency exact_dependency(Ecosystem eco, const std::string& name, const std::string& version,
                            const std::string& display, int line) {
  Dependency d;
  d.ecosystem = eco;
  d.name = name;
  d.query.exact = version;
  d.declared = name + (eco == Ecosystem::kNpm ? "@" : "==") + version;
  d.file = display;
  d.line = line;
  return d;
}

// package-lock v1: nested "dependencies" objects.
void read_lock_v1(const json& deps, const std::string& prefix,
                  const std::map<std::string, config::TextPos>& pos, const std::string& display,
                  ManifestRead& out) {
  for (const auto& [name, entry] : deps.items()) {
    if (!entry.is_object()) continue;
    const std::string member = prefix + "." + name;
    if (entry.contains("version") && entry["version"].is_string() && !entry.contains("bundled")) {
      std::string version = entry["version"].get<std::string>();
      // Aliases and git/file dependencies carry no registry version.
      if (parse_semver(version))
        out.dependencies.push_back(
            exact_dependency(Ecosystem::kNpm, name, version, display, line_of(pos, member)));
    }
    if (entry.contains("dependencies") && entry["dependencies"].is_object())
      read_lock_v1(entry["dependencies"], member + ".dependencies", pos, display, out);
  }
}

Finding dependency_finding(const Dependency& d, const AdvisoryMatch& m) {
  const Advisory& adv = *m.advisory;
  const bool exact = d.query.exact.has_value();
  Finding f;
  f.rule_id = kRuleId;
  f.category = "dependency";
  f.severity = m.severity;
  f.confidence = exact ? "high" : "medium";
  f.cwe = kCwe;
  f.file = d.file;
  f.line = std::max(d.line, 1);
  f.column = 1;
  std::string msg = d.name + " " +
                    (exact ? *d.query.exact : "'" + d.declared + "' admits " + m.affected_version) +
                    " is affected by " + adv.id;
  if (!adv.summary.empty()) msg += " (" + adv.summary + ")";
  msg += m.fixed.empty() ? "; no fixed version is known" : "; fixed in " + m.fixed;
  if (!d.note.empty()) msg += "; " + d.note;
  f.message = msg;
  f.snippet = d.declared;
  // Keyed by package and advisory, not line or version text, so moving the line or
  // reformatting the manifest keeps the fingerprint; a different package version that is
  // still affected is still the same accepted risk.
  f.fingerprint = fingerprint(kRuleId, d.file, d.name + "\n" + adv.id);
  return f;
}

}  // namespace

bool is_manifest(std::string_view path) {
  std::string name = base_name(path);
  if (name == "pyproject.toml" || name == "poetry.lock" || name == "Pipfile.lock" ||
      name == "package-lock.json")
    return true;
  if (!ends_with(name, ".txt")) return false;
  if (starts_with(name, "requirements")) return true;
  size_t slash = path.find_last_of('/');
  return slash != std::string_view::npos && base_name(path.substr(0, slash)) == "requirements";
}

// libstdc++'s std::regex recurses once per character matched: a line of some 100 KB overflows
// the stack. No requirement aqe can check is this long.
constexpr size_t kMaxRequirementBytes = 2048;

std::optional<Dependency> parse_pep508(std::string_view text, std::string& why) {
  if (text.size() > kMaxRequirementBytes) {
    why = "requirement longer than " + std::to_string(kMaxRequirementBytes) + " bytes; not checked";
    return std::nullopt;
  }
  static const std::regex head(R"(^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?\s*(.*)$)");
  std::string s(text);
  std::smatch m;
  why.clear();
  if (s.find("://") != std::string::npos && s.find('@') == std::string::npos) {
    return std::nullopt;  // a bare URL or archive: no name and version to check
  }
  if (!std::regex_match(s, m, head)) {
    why = "cannot read requirement '" + s + "'; not checked";
    return std::nullopt;
  }
  std::string rest = m[3].str();
  std::string marker;
  if (size_t semi = rest.find(';'); semi != std::string::npos) {
    marker = std::string(trim(std::string_view(rest).substr(semi + 1)));
    rest = rest.substr(0, semi);
  }
  std::string spec(trim(rest));
  if (starts_with(spec, "@")) return std::nullopt;  // direct reference: a URL, no version
  if (starts_with(spec, "(") && ends_with(spec, ")"))
    spec = std::string(trim(spec.substr(1, spec.size() - 2)));
  auto clauses = parse_specifier(spec);
  if (!clauses) {
    why = "cannot read the version specifier '" + spec + "' of " + m[1].str() + "; not checked";
    return std::nullopt;
  }
  if (clauses->empty()) return std::nullopt;  // unconstrained: nothing to compare
  Dependency d;
  d.name = m[1].str();
  d.declared = d.name + m[2].str() + spec;
  if (auto pin = pinned_version(*clauses)) {
    d.query.exact = *pin;
  } else {
    d.query.spec = std::move(*clauses);
  }
  if (!marker.empty()) d.note = "environment marker '" + marker + "' not evaluated";
  return d;
}

void read_requirements(std::string_view text, const std::string& path, const std::string& display,
                       ManifestRead& out) {
  RequirementsReader reader{out, {}};
  std::error_code ec;
  reader.visiting.insert(fs::weakly_canonical(path, ec).string());
  reader.read(text, path, display, 0);
}

// The lock file's document, or a warning naming where it is not JSON aqe reads.
std::optional<json> read_lock_json(std::string_view text, const std::string& display, ManifestRead& out) {
  ParsedJson parsed = parse_json(text);
  if (parsed.error) {
    auto [line, col] = line_col(text, parsed.error->offset);
    out.warnings.push_back(display + ":" + std::to_string(line) + ":" + std::to_string(col) +
                           ": not valid JSON (" + parsed.error->reason + "); dependencies not checked");
    return std::nullopt;
  }
  if (!parsed.value.is_object()) {
    out.warnings.push_back(display + ": not a JSON object; dependencies not checked");
    return std::nullopt;
  }
  return std::move(parsed.value);
}

void read_pipfile_lock(std::string_view text, const std::string& display, ManifestRead& out) {
  auto parsed = read_lock_json(text, display, out);
  if (!parsed) return;
  const json& doc = *parsed;
  auto pos = config::locate_members(text);
  for (const char* section : {"default", "develop"}) {
    if (!doc.contains(section) || !doc[section].is_object()) continue;
    for (const auto& [name, entry] : doc[section].items()) {
      if (!entry.is_object() || !entry.contains("version") || !entry["version"].is_string()) continue;
      std::string version = entry["version"].get<std::string>();
      if (starts_with(version, "==")) version = version.substr(2);
      out.dependencies.push_back(exact_dependency(Ecosystem::kPyPI, name, version, display,
                                                  line_of(pos, std::string(section) + "." + name)));
    }
  }
}

void read_package_lock(std::string_view text, const std::string& display, ManifestRead& out) {
  auto parsed = read_lock_json(text, display, out);
  if (!parsed) return;
  const json& doc = *parsed;
  auto pos = config::locate_members(text);
  if (!doc.contains("packages") || !doc["packages"].is_object()) {
    if (doc.contains("dependencies") && doc["dependencies"].is_object())
      read_lock_v1(doc["dependencies"], "dependencies", pos, display, out);
    return;
  }
  for (const auto& [key, entry] : doc["packages"].items()) {
    if (key.empty() || !entry.is_object() ||
        (entry.contains("link") && entry["link"].is_boolean() && entry["link"].get<bool>()))
      continue;
    size_t at = key.rfind("node_modules/");
    if (at == std::string::npos || !entry.contains("version") || !entry["version"].is_string()) continue;
    // An aliased install ("node_modules/alias" with "name": "real") is the real package.
    std::string name = entry.contains("name") && entry["name"].is_string() ? entry["name"].get<std::string>()
                                                                           : key.substr(at + 13);
    std::string version = entry["version"].get<std::string>();
    if (!parse_semver(version)) continue;  // git/file/tarball installs carry no registry version
    out.dependencies.push_back(
        exact_dependency(Ecosystem::kNpm, name, version, display, line_of(pos, "packages." + key)));
  }
}

void read_manifest(const std::string& path, const std::string& display, ManifestRead& out) {
  auto text = read_file(path);
  if (!text) {
    out.warnings.push_back(display + ": cannot read: " + text.error().message);
    return;
  }
  out.manifests.push_back(display);
  std::string name = base_name(path);
  if (name == "pyproject.toml") return read_pyproject(*text, display, out);
  if (name == "poetry.lock") return read_poetry_lock(*text, display, out);
  if (name == "Pipfile.lock") return read_pipfile_lock(*text, display, out);
  if (name == "package-lock.json") return read_package_lock(*text, display, out);
  read_requirements(*text, path, display, out);
}

std::vector<Finding> check_dependencies(const std::vector<Dependency>& deps, const AdvisoryDb& db) {
  std::vector<Finding> out;
  std::set<std::tuple<std::string, int, std::string, std::string>> seen;
  for (const Dependency& d : deps) {
    for (const AdvisoryMatch& m : db.match(d.ecosystem, d.name, d.query)) {
      // A requirements file read directly and through another's -r yields the same line twice.
      if (!seen.emplace(d.file, d.line, d.name, m.advisory->id).second) continue;
      out.push_back(dependency_finding(d, m));
    }
  }
  return out;
}

}  // namespace aqe::scan
