#include "aqe/config/config.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "aqe/config/json_locator.h"
#include "aqe/util/fs.h"
#include "aqe/util/json.h"
#include "aqe/util/path.h"
#include "aqe/util/strings.h"

namespace aqe::config {

namespace fs = std::filesystem;
using nlohmann::json;

std::string ConfigIssue::location() const {
  if (line <= 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

ConfigFile kind_of(const fs::path& p) {
  std::string name = p.filename().string();
  if (name.find("quality-gates") != std::string::npos) return ConfigFile::kGates;
  if (name.find("storage") != std::string::npos) return ConfigFile::kStorage;
  return ConfigFile::kFleet;
}

namespace {

// Keys whose value would be a credential. Secrets belong in the environment, where CI systems
// mask them; a config file is committed and printed.
bool is_secret_key(std::string_view leaf) {
  static const std::vector<std::string> kSecret = {"api_key",
                                                   "apikey",
                                                   "secret",
                                                   "secret_key",
                                                   "secret_access_key",
                                                   "aws_secret_access_key",
                                                   "aws_access_key_id",
                                                   "access_key_id",
                                                   "access_key",
                                                   "token",
                                                   "auth_token",
                                                   "session_token",
                                                   "aws_session_token",
                                                   "password",
                                                   "github_token",
                                                   "anthropic_api_key",
                                                   "openai_api_key"};
  std::string l = to_lower(leaf);
  for (const auto& s : kSecret)
    if (l == s) return true;
  return false;
}

std::string secret_env_hint(std::string_view path) {
  std::string p = to_lower(path);
  if (p.find("aws") != std::string::npos || p.find("s3") != std::string::npos ||
      p.find("access_key") != std::string::npos) {
    if (p.find("session") != std::string::npos) return "AWS_SESSION_TOKEN";
    if (p.find("secret") != std::string::npos) return "AWS_SECRET_ACCESS_KEY";
    if (p.find("access_key") != std::string::npos) return "AWS_ACCESS_KEY_ID";
    return "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY";
  }
  if (p.find("openai") != std::string::npos) return "OPENAI_API_KEY";
  if (p.find("anthropic") != std::string::npos) return "ANTHROPIC_API_KEY";
  if (p.find("github") != std::string::npos) return "GITHUB_TOKEN";
  return "ANTHROPIC_API_KEY or OPENAI_API_KEY";
}

std::string join_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

std::string full_key(ConfigFile kind, std::string_view path) {
  return std::string(key_prefix(kind)) + std::string(path);
}

bool type_ok(const KeyDef& k, const json& v, std::string* why) {
  switch (k.type) {
    case ValueType::kBool:
      return v.is_boolean();
    case ValueType::kInt:
      return v.is_number_integer();
    case ValueType::kNumber:
      return v.is_number();
    case ValueType::kString:
      return v.is_string();
    case ValueType::kObject:
    case ValueType::kMap:
      return v.is_object();
    case ValueType::kArray:
      return v.is_array();
    case ValueType::kStringList:
      if (!v.is_array()) return false;
      for (const auto& e : v)
        if (!e.is_string()) return false;
      return true;
    case ValueType::kEnum: {
      if (!v.is_string()) return false;
      for (const auto& c : split(k.choices, '|'))
        if (c == v.get<std::string>()) return true;
      *why = "must be one of " + join(split(k.choices, '|'), ", ");
      return false;
    }
  }
  return false;
}

// A number outside the key's declared range; the same check for files, environment and flags.
bool in_range(const KeyDef& k, const json& v, std::string* why) {
  if (!v.is_number()) return true;
  // NaN fails every comparison and inf passes an open bound; a flag can give either.
  if (v.is_number_float() && !std::isfinite(v.get<double>())) {
    *why = "must be a finite number, got " + std::string(std::isnan(v.get<double>()) ? "nan" : "inf");
    return false;
  }
  if (!k.range.bounded()) return true;
  if (k.range.contains(v.get<double>())) return true;
  // %g: a flag's 150 arrives as a double and reads better as "150" than as "150.0".
  char got[32];
  std::snprintf(got, sizeof got, "%g", v.get<double>());
  *why = "must be " + k.range.describe() + ", got " + (v.is_number_float() ? std::string(got) : v.dump());
  return false;
}

std::string describe(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "an integer";
    case json::value_t::number_float:
      return "a number";
    case json::value_t::string:
      return "the string " + dump_json(v);
    case json::value_t::array:
      return "an array";
    case json::value_t::object:
      return "an object";
    default:
      return "a value";
  }
}

class Validator {
 public:
  Validator(ConfigFile kind, std::string name, std::string_view text)
      : kind_(kind), name_(std::move(name)), positions_(locate_members(text)) {}

  void walk_object(const json& obj, const std::string& path) {
    for (auto it = obj.begin(); it != obj.end(); ++it)
      check_member(join_path(path, it.key()), it.key(), path, *it);
  }

  // nlohmann keeps the last of two equal keys; the user meant one of them.
  void check_duplicates(std::string_view text) {
    for (const auto& [path, pos] : duplicate_members(text)) {
      ConfigIssue is = make(path, "CONFIG_DUPLICATE_KEY", "duplicate key '" + path + "'",
                            "remove one of them: only the last is read");
      is.line = pos.line;
      is.column = pos.column;
      issues_.push_back(std::move(is));
    }
  }

  FileCheck take() { return {std::move(issues_), std::move(warnings_)}; }

 private:
  ConfigIssue make(const std::string& path, std::string code, std::string message, std::string hint) {
    ConfigIssue is;
    is.file = name_;
    auto pos = positions_.find(path);
    if (pos != positions_.end()) {
      is.line = pos->second.line;
      is.column = pos->second.column;
    }
    is.key = path;
    is.code = std::move(code);
    is.message = std::move(message);
    is.hint = std::move(hint);
    return is;
  }
  void add(const std::string& path, std::string code, std::string message, std::string hint) {
    issues_.push_back(make(path, std::move(code), std::move(message), std::move(hint)));
  }

  void check_member(const std::string& path, const std::string& leaf, const std::string& parent,
                    const json& v) {
    if (is_secret_key(leaf)) {
      std::string env = secret_env_hint(path);
      add(path, "CONFIG_SECRET", "secret '" + path + "' must not be stored in a config file",
          "remove it and set the environment variable " + env + " instead (CI systems mask it)");
      return;
    }
    const KeyDef* k = find_key(kind_, path);
    if (!k) {
      // Edit distance is quadratic; no key is longer than this, so a long name has no near one.
      constexpr size_t kLongestKey = 64;
      std::string near = leaf.size() > kLongestKey ? "" : closest_match(leaf, child_names(kind_, parent));
      add(path, "CONFIG_UNKNOWN_KEY", "unknown key '" + path + "'",
          near.empty() ? "see docs/configuration.md for the keys of " + std::string(file_name(kind_))
                       : "did you mean '" + join_path(parent, near) + "'?");
      return;
    }
    std::string why;
    if (!type_ok(*k, v, &why)) {
      if (why.empty()) why = "expected " + std::string(type_name(k->type));
      add(path, "CONFIG_TYPE", "'" + path + "' " + why + ", got " + describe(v), "");
      return;
    }
    if (!in_range(*k, v, &why)) {
      add(path, "CONFIG_RANGE", "'" + path + "' " + why, "");
      return;
    }
    if (v.is_string() && has_url_credentials(v.get<std::string>())) {
      warnings_.push_back(make(
          path, "CONFIG_URL_CREDENTIAL", "'" + path + "' holds a credential in its URL (user:password@host)",
          "credentials belong in the environment; `aqe config show` prints it redacted"));
    }
    // One warning for the outermost planned key: a planned section is one thing not read.
    if (k->status == KeyStatus::kPlanned && planned_depth_ == 0) {
      warnings_.push_back(make(path, "CONFIG_PLANNED_KEY",
                               "'" + path + "' is planned: not read by this version of aqe",
                               "the value is checked but has no effect yet; see docs/configuration.md"));
    }
    const bool planned = k->status == KeyStatus::kPlanned;
    planned_depth_ += planned ? 1 : 0;
    walk_children(*k, path, v);
    planned_depth_ -= planned ? 1 : 0;
  }

  void walk_children(const KeyDef& k, const std::string& path, const json& v) {
    if (k.type == ValueType::kObject || k.type == ValueType::kMap) {
      walk_object(v, path);
    } else if (k.type == ValueType::kArray) {
      for (size_t i = 0; i < v.size(); ++i) {
        std::string ep = path + "[" + std::to_string(i) + "]";
        if (!v[i].is_object()) {
          add(ep, "CONFIG_TYPE", "'" + ep + "' expected an object, got " + describe(v[i]), "");
          continue;
        }
        walk_object(v[i], ep);
      }
    }
  }

  ConfigFile kind_;
  std::string name_;
  std::map<std::string, TextPos> positions_;
  std::vector<ConfigIssue> issues_;
  std::vector<ConfigIssue> warnings_;
  int planned_depth_ = 0;
};

}  // namespace

FileCheck check_text(ConfigFile kind, const std::string& display_name, const std::string& text) {
  ParsedJson parsed = parse_json(text);
  if (parsed.error) {
    ConfigIssue is;
    is.file = display_name;
    TextPos p = line_col(text, parsed.error->offset);
    is.line = p.line;
    is.column = p.column;
    is.code = "CONFIG_PARSE";
    is.message = "invalid JSON: " + parsed.error->reason;
    is.hint = starts_with(parsed.error->reason, "syntax error")
                  ? "check for a missing comma, quote or brace near this position"
                  : "";
    return {{is}, {}};
  }
  const json& doc = parsed.value;
  if (!doc.is_object()) {
    ConfigIssue is{display_name, 1, 1, "", "the top level must be a JSON object, got " + describe(doc), "",
                   "CONFIG_TYPE"};
    return {{is}, {}};
  }
  Validator v(kind, display_name, text);
  v.check_duplicates(text);
  v.walk_object(doc, "");
  return v.take();
}

std::vector<ConfigIssue> validate_text(ConfigFile kind, const std::string& display_name,
                                       const std::string& text) {
  return check_text(kind, display_name, text).errors;
}

Error to_error(const ConfigIssue& issue, size_t more_issues) {
  std::string msg = issue.location() + ": " + issue.message;
  if (more_issues > 0) msg += " (and " + std::to_string(more_issues) + " more; run `aqe config validate`)";
  return make_error(issue.code.empty() ? "CONFIG_INVALID" : issue.code, msg, issue.hint, ExitCode::kUsage);
}

std::string to_warning(const ConfigIssue& issue) { return issue.location() + ": " + issue.message; }

std::map<ConfigFile, fs::path> discover_files(const LoadOptions& opts) {
  std::map<ConfigFile, fs::path> out;
  std::optional<fs::path> explicit_file = opts.config_file;
  if (!explicit_file) {
    auto it = opts.env.find("QE_CONFIG");
    if (it != opts.env.end() && !it->second.empty()) explicit_file = fs::path(it->second);
  }
  if (explicit_file) {
    fs::path f = *explicit_file;
    if (f.is_relative()) f = opts.project_dir / f;
    out[kind_of(f)] = f;
  }
  for (ConfigFile kind : {ConfigFile::kFleet, ConfigFile::kGates, ConfigFile::kStorage}) {
    if (out.count(kind)) continue;
    std::vector<fs::path> candidates;
    if (explicit_file) candidates.push_back(out.begin()->second.parent_path() / file_name(kind));
    candidates.push_back(opts.project_dir / "config" / file_name(kind));
    candidates.push_back(opts.project_dir / ".aqe" / file_name(kind));
    for (const auto& c : candidates) {
      std::error_code ec;
      if (fs::is_regular_file(c, ec)) {
        out[kind] = c;
        break;
      }
    }
  }
  return out;
}

namespace {

bool is_fixed_leaf(const KeyDef& k) {
  if (k.type == ValueType::kObject || k.type == ValueType::kMap) return false;
  std::string_view p = k.path;
  return p.find("[]") == std::string_view::npos && p.find('*') == std::string_view::npos && p != "$schema";
}

const json* lookup(const json& doc, std::string_view dotted) {
  const json* cur = &doc;
  for (const auto& seg : split(dotted, '.')) {
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(seg);
    if (it == cur->end()) return nullptr;
    cur = &*it;
  }
  return cur;
}

Result<json> parse_env_value(const KeyDef& k, const std::string& name, const std::string& raw) {
  auto bad = [&](const std::string& expected) -> Error {
    return make_error("CONFIG_ENV", "environment variable " + name + "='" + raw + "': expected " + expected,
                      "unset it or give a valid value");
  };
  std::string v(trim(raw));
  switch (k.type) {
    case ValueType::kBool: {
      std::string l = to_lower(v);
      if (l == "1" || l == "true" || l == "yes" || l == "on") return json(true);
      if (l == "0" || l == "false" || l == "no" || l == "off") return json(false);
      return bad("true or false");
    }
    case ValueType::kInt: {
      int64_t n = 0;
      auto r = std::from_chars(v.data(), v.data() + v.size(), n);
      if (r.ec != std::errc() || r.ptr != v.data() + v.size() || v.empty()) return bad("an integer");
      if (!k.range.contains(static_cast<double>(n))) return bad("a number " + k.range.describe());
      return json(n);
    }
    case ValueType::kNumber: {
      char* end = nullptr;
      double d = std::strtod(v.c_str(), &end);
      if (v.empty() || end != v.c_str() + v.size() || !std::isfinite(d)) return bad("a number");
      if (!k.range.contains(d)) return bad("a number " + k.range.describe());
      return json(d);
    }
    case ValueType::kEnum: {
      std::string l = to_lower(v);
      for (const auto& c : split(k.choices, '|'))
        if (c == l) return json(c);
      return bad("one of " + join(split(k.choices, '|'), ", "));
    }
    case ValueType::kStringList: {
      json arr = json::array();
      for (const auto& part : split(v, ','))
        if (!trim(part).empty()) arr.push_back(std::string(trim(part)));
      return arr;
    }
    default:
      return json(raw);
  }
}

}  // namespace

Result<Config> load_config(const LoadOptions& opts) {
  // A flag names its key through a typed handle; one naming no key is a bug, not a user error.
  for (const auto& f : opts.flags) {
    bool known = false;
    for (const auto& k : key_table())
      known = known || (is_fixed_leaf(k) && full_key(k.file, k.path) == f.key);
    if (!known) return make_error("INTERNAL", f.flag + " sets '" + f.key + "', which is not a config key");
  }
  Config cfg;
  std::optional<fs::path> explicit_file = opts.config_file;
  std::string explicit_source = "--config";
  if (!explicit_file) {
    auto it = opts.env.find("QE_CONFIG");
    if (it != opts.env.end() && !it->second.empty()) {
      explicit_file = fs::path(it->second);
      explicit_source = "QE_CONFIG";
    }
  }
  if (explicit_file) {
    fs::path f = explicit_file->is_relative() ? opts.project_dir / *explicit_file : *explicit_file;
    std::error_code ec;
    if (!fs::is_regular_file(f, ec)) {
      return make_error("CONFIG_NOT_FOUND",
                        explicit_source + ": config file not found: " + explicit_file->string(),
                        "check the path, or run `aqe init` to create starter files in config/");
    }
  }

  cfg.files_ = discover_files(opts);
  // Each file is read once: the same text is validated, parsed and located.
  std::map<ConfigFile, std::map<std::string, TextPos>> positions;
  for (const auto& [kind, path] : cfg.files_) {
    auto text = read_file(path);
    if (!text) return text.error();
    std::string shown = display_path(path, opts.project_dir);
    FileCheck check = check_text(kind, shown, *text);
    if (!check.errors.empty()) return to_error(check.errors.front(), check.errors.size() - 1);
    for (const auto& w : check.warnings) cfg.warnings_.push_back(to_warning(w));
    cfg.docs_[kind] = parse_json(*text).value;
    positions[kind] = locate_members(*text);
  }

  for (const auto& k : key_table()) {
    if (!is_fixed_leaf(k)) continue;
    std::string key = full_key(k.file, k.path);
    ValueWithOrigin v;
    v.origin = "default";
    v.status = k.status;
    if (!k.default_json.empty()) v.value = json::parse(k.default_json);
    if (auto doc = cfg.docs_.find(k.file); doc != cfg.docs_.end()) {
      if (const json* fv = lookup(doc->second, k.path)) {
        v.value = *fv;
        TextPos p = positions[k.file][std::string(k.path)];
        v.origin = display_path(cfg.files_[k.file], opts.project_dir) + ":" + std::to_string(p.line) + ":" +
                   std::to_string(p.column);
      }
    }
    if (!k.env.empty()) {
      auto e = opts.env.find(std::string(k.env));
      if (e != opts.env.end() && !e->second.empty()) {
        auto parsed = parse_env_value(k, e->first, e->second);
        if (!parsed) return parsed.error();
        v.value = *parsed;
        v.origin = "env " + e->first;
        if (k.status == KeyStatus::kPlanned)
          cfg.warnings_.push_back("environment variable " + e->first + " sets '" + key +
                                  "', which is planned: not read by this version of aqe");
      }
    }
    for (const auto& f : opts.flags) {
      if (f.key != key) continue;
      std::string why;
      if (!f.value.is_null() && !type_ok(k, f.value, &why)) {
        return make_error(
            "USAGE", f.flag + ": invalid value " + dump_json(f.value) + (why.empty() ? "" : " (" + why + ")"),
            "see `aqe --help`");
      }
      if (!in_range(k, f.value, &why))
        return make_error("USAGE", f.flag + ": " + why + " (" + key + ")",
                          "see docs/configuration.md for " + key);
      v.value = f.value;
      v.origin = "flag " + f.flag;
    }
    cfg.entries_.emplace_back(key, std::move(v));
  }
  return cfg;
}

namespace {
const json& null_json() {
  static const json n;
  return n;
}
}  // namespace

const json& Config::value_of(std::string_view key) const {
  for (const auto& [k, v] : entries_)
    if (k == key) return v.value;
  return null_json();
}
std::string Config::origin_of(std::string_view key) const {
  for (const auto& [k, v] : entries_)
    if (k == key) return v.origin;
  return "";
}
bool Config::get(Key<bool> key) const {
  const json& v = value_of(key.name);
  return v.is_boolean() && v.get<bool>();
}
int64_t Config::get(Key<int64_t> key) const {
  const json& v = value_of(key.name);
  return v.is_number() ? v.get<int64_t>() : 0;
}
double Config::get(Key<double> key) const {
  const json& v = value_of(key.name);
  return v.is_number() ? v.get<double>() : 0.0;
}
std::string Config::get(Key<std::string> key) const {
  const json& v = value_of(key.name);
  return v.is_string() ? v.get<std::string>() : std::string();
}
std::vector<std::string> Config::get(Key<std::vector<std::string>> key) const {
  std::vector<std::string> out;
  const json& v = value_of(key.name);
  if (v.is_array())
    for (const auto& e : v)
      if (e.is_string()) out.push_back(e.get<std::string>());
  return out;
}

const json& Config::document(ConfigFile kind) const {
  static const json empty = json::object();
  auto it = docs_.find(kind);
  return it == docs_.end() ? empty : it->second;
}

std::optional<std::string> starter_file(ConfigFile kind) {
  // A starter holds what this version reads; planned keys would look like working settings.
  bool any_built = false;
  for (const auto& k : key_table())
    any_built = any_built || (k.file == kind && k.status == KeyStatus::kBuilt && k.path != "$schema");
  if (!any_built) return std::nullopt;
  nlohmann::ordered_json doc = nlohmann::ordered_json::object();
  for (const auto& k : key_table()) {
    if (k.file != kind || !is_fixed_leaf(k) || k.default_json.empty() || k.status != KeyStatus::kBuilt)
      continue;
    nlohmann::ordered_json* cur = &doc;
    auto segs = split(k.path, '.');
    for (size_t i = 0; i + 1 < segs.size(); ++i) cur = &(*cur)[segs[i]];
    (*cur)[segs.back()] = nlohmann::ordered_json::parse(k.default_json);
  }
  if (kind == ConfigFile::kGates) {
    // The documented defaults, nothing more: a profile here would be the user's own, and one that
    // skips or does not block would quietly undo an explicit --fail-on-error.
    doc["conditions"] = nlohmann::ordered_json::array();
    doc["profiles"] = nlohmann::ordered_json::object();
    doc["scopes"] = nlohmann::ordered_json::array();
  }
  return doc.dump(2) + "\n";
}

std::string render_reference_markdown() {
  std::string out =
      "# Configuration reference\n\n"
      "<!-- Generated from src/aqe/config/key_rows.h by `build/debug/aqe_gen_docs`; a unit test "
      "checks it is current. -->\n\n"
      "aqe reads three JSON files, discovered in `./config/`, then `./.aqe/`, or given with "
      "`--config FILE` / `QE_CONFIG` (the other two are then looked for beside it first). "
      "`aqe init` writes a starter of each with the defaults below, never over an existing file.\n"
      "Precedence: flag > environment > config file > default. Unknown keys, wrong types and "
      "invalid JSON are errors naming `file:line:column` and the key (exit 3). So is a key given "
      "twice in one object, at any depth (`CONFIG_DUPLICATE_KEY` at the second one's position; "
      "`\\u0061` and `a` are one key), rather than silently reading the last of them. Secrets "
      "(API keys, S3 credentials, tokens) are never read from config files: put them in the "
      "environment (`ANTHROPIC_API_KEY`, `OPENAI_API_KEY`, `AWS_ACCESS_KEY_ID`, "
      "`AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`).\n\n"
      "In `aqe config show` and in this page, keys of `quality-gates.json` carry the prefix "
      "`gates.` and keys of `storage.json` the prefix `storage.`; inside the files they do not. "
      "`[]` stands for every element of an array, `*` for any name.\n\n"
      "A number outside its key's range (the type column) is an error too, whether it comes from a "
      "file, an environment variable or a flag. Keys marked **planned** are documented and "
      "validated but not read by this version: a file that sets one is valid and gets a warning "
      "naming `file:line:column`; `aqe config show` marks them and `aqe init` leaves them out.\n";
  for (ConfigFile kind : {ConfigFile::kFleet, ConfigFile::kGates, ConfigFile::kStorage}) {
    out += "\n## `" + std::string(file_name(kind)) + "`\n\n";
    out += "| key | type | default | environment | flag | description |\n";
    out += "|---|---|---|---|---|---|\n";
    for (const auto& k : key_table()) {
      if (k.file != kind || k.path == "$schema") continue;
      std::string type(type_name(k.type));
      if (k.type == ValueType::kEnum) type = "`" + join(split(k.choices, '|'), "` \\| `") + "`";
      if (k.range.bounded()) type += ", " + k.range.describe();
      std::string doc = k.status == KeyStatus::kPlanned ? "**Planned** (not read yet). " : "";
      doc += std::string(k.doc);
      auto cell = [](std::string_view s) { return s.empty() ? std::string() : "`" + std::string(s) + "`"; };
      out += "| `" + full_key(kind, k.path) + "` | " + type + " | " + cell(k.default_json) + " | " +
             cell(k.env) + " | " + cell(k.flag) + " | " + doc + " |\n";
    }
  }
  return out;
}

bool has_url_credentials(std::string_view value) {
  // RFC 3986: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ); anything else before "://"
  // (a secret rule's regex "https?://[^:]+:[^@]+@") is not a URL.
  const size_t scheme = value.find("://");
  if (scheme == std::string_view::npos || scheme == 0 || !std::isalpha(static_cast<unsigned char>(value[0])))
    return false;
  for (char c : value.substr(0, scheme))
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return false;
  const size_t authority = scheme + 3;
  const size_t end = value.find_first_of("/?#", authority);
  const size_t at = value.rfind('@', end == std::string_view::npos ? value.size() : end);
  return at != std::string_view::npos && at > authority;
}

std::string redact_url_credentials(std::string_view value) {
  if (!has_url_credentials(value)) return std::string(value);
  const size_t authority = value.find("://") + 3;
  const size_t end = value.find_first_of("/?#", authority);
  const size_t at = value.rfind('@', end == std::string_view::npos ? value.size() : end);
  return std::string(value.substr(0, authority)) + "***" + std::string(value.substr(at));
}

}  // namespace aqe::config
