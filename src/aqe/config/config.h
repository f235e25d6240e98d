// Loading and validating aqe's three config files, and the effective configuration with
// precedence flag > environment > config file > default.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aqe/config/key_handles.h"
#include "aqe/config/keys.h"
#include "aqe/util/result.h"

namespace aqe::config {

// One problem in a config file, with its location.
struct ConfigIssue {
  std::string file;  // as given/discovered, e.g. "config/qe-fleet.json"
  int line = 0;      // 0 = whole file
  int column = 0;
  std::string key;  // dotted key path inside the file, "" = whole file
  std::string message;
  std::string hint;  // "did you mean 'execute'?", "set ANTHROPIC_API_KEY instead", ...
  // CONFIG_INVALID, CONFIG_UNKNOWN_KEY, CONFIG_TYPE, CONFIG_RANGE, CONFIG_SECRET, CONFIG_PARSE;
  // for warnings CONFIG_PLANNED_KEY.
  std::string code;

  std::string location() const;  // "config/qe-fleet.json:3:5"
};

struct FileCheck {
  std::vector<ConfigIssue> errors;    // any error makes the file invalid (exit 3)
  std::vector<ConfigIssue> warnings;  // planned keys that are set: valid, but not read yet
};

// Checks one file's text against the key table; every issue, in document order.
FileCheck check_text(ConfigFile kind, const std::string& display_name, const std::string& text);
// The errors of check_text.
std::vector<ConfigIssue> validate_text(ConfigFile kind, const std::string& display_name,
                                       const std::string& text);

// Which kind of file a path is, from its name (quality-gates*.json, storage*.json, else fleet).
ConfigFile kind_of(const std::filesystem::path& p);

// A value set on the command line, keyed by the full key name ("execute.timeout_s",
// "gates.threshold").
struct FlagValue {
  std::string key;
  nlohmann::json value;
  std::string flag;  // "--timeout", for `config show`
};

struct LoadOptions {
  std::filesystem::path project_dir = ".";
  std::optional<std::filesystem::path> config_file;  // --config
  std::map<std::string, std::string> env;            // the process environment
  std::vector<FlagValue> flags;
};

struct ValueWithOrigin {
  nlohmann::json value;  // null = unset
  std::string origin;    // "default", "env QE_PYTHON", "flag --timeout", "config/qe-fleet.json:4:5"
  KeyStatus status = KeyStatus::kBuilt;
};

class Config {
 public:
  // Values are read through the typed handles of key_handles.h, never by a string.
  bool get(Key<bool> key) const;
  int64_t get(Key<int64_t> key) const;
  double get(Key<double> key) const;
  std::string get(Key<std::string> key) const;
  std::vector<std::string> get(Key<std::vector<std::string>> key) const;
  template <typename T>
  std::string origin(Key<T> key) const {
    return origin_of(key.name);
  }
  template <typename T>
  bool is_set(Key<T> key) const {
    return !value_of(key.name).is_null();
  }

  // The parsed file (or an empty object) of each kind, for structured sections such as
  // the gate's conditions and profiles.
  const nlohmann::json& document(ConfigFile kind) const;
  // The files that were read, by kind; absent kinds were not found.
  const std::map<ConfigFile, std::filesystem::path>& files() const { return files_; }
  // All top-level-declared scalar/list keys with value and origin, in table order.
  const std::vector<std::pair<std::string, ValueWithOrigin>>& entries() const { return entries_; }
  // Planned keys set in a file ("file:line:col: ... not read") or by an environment variable.
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  friend Result<Config> load_config(const LoadOptions& opts);
  const nlohmann::json& value_of(std::string_view key) const;
  std::string origin_of(std::string_view key) const;
  std::vector<std::string> warnings_;
  std::vector<std::pair<std::string, ValueWithOrigin>> entries_;
  std::map<ConfigFile, nlohmann::json> docs_;
  std::map<ConfigFile, std::filesystem::path> files_;
};

// Discovers the files (<project>/config/, then <project>/.aqe/; or --config / QE_CONFIG for
// qe-fleet.json with its siblings), validates them and applies precedence. The first issue
// fails the load with exit 3 (CONFIG_INVALID etc.), naming file:line:column and key.
Result<Config> load_config(const LoadOptions& opts);

// Where each file kind would be read from (for `config validate` and `init`).
std::map<ConfigFile, std::filesystem::path> discover_files(const LoadOptions& opts);

// Starter file contents for `aqe init`, built from the defaults of the table's built keys;
// nullopt when the kind has no built key (nothing would read the file).
std::optional<std::string> starter_file(ConfigFile kind);

// The configuration reference (docs/configuration.md) rendered from the key table.
std::string render_reference_markdown();

// Whether a URL-like value carries userinfo ("https://user:token@host/"): a credential in a
// committed file. redact_url_credentials shows it as "https://***@host/".
bool has_url_credentials(std::string_view value);
std::string redact_url_credentials(std::string_view value);

// Converts an issue into the contract's error value.
Error to_error(const ConfigIssue& issue, size_t more_issues = 0);
// "config/qe-fleet.json:4:5: 'llm.model' is planned: not read by this version of aqe".
std::string to_warning(const ConfigIssue& issue);

}  // namespace aqe::config
