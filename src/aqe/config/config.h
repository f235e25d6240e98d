// Loading and validating aqe's three config files, and the effective configuration with
// precedence flag > environment > config file > default.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

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
  std::string code;  // CONFIG_INVALID, CONFIG_UNKNOWN_KEY, CONFIG_TYPE, CONFIG_SECRET, CONFIG_PARSE

  std::string location() const;  // "config/qe-fleet.json:3:5"
};

// Checks one file's text against the key table; every issue, in document order.
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
};

class Config {
 public:
  // Full key names: "execute.timeout_s", "gates.threshold", "storage.s3.bucket".
  const nlohmann::json& get(std::string_view key) const;
  bool get_bool(std::string_view key) const;
  int64_t get_int(std::string_view key) const;
  double get_number(std::string_view key) const;
  std::string get_string(std::string_view key) const;
  std::vector<std::string> get_strings(std::string_view key) const;
  std::string origin(std::string_view key) const;
  bool is_set(std::string_view key) const;

  // The parsed file (or an empty object) of each kind, for structured sections such as
  // the gate's conditions and profiles.
  const nlohmann::json& document(ConfigFile kind) const;
  // The files that were read, by kind; absent kinds were not found.
  const std::map<ConfigFile, std::filesystem::path>& files() const { return files_; }
  // All top-level-declared scalar/list keys with value and origin, in table order.
  const std::vector<std::pair<std::string, ValueWithOrigin>>& entries() const { return entries_; }

 private:
  friend Result<Config> load_config(const LoadOptions& opts);
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

// Starter file contents for `aqe init`, built from the key table's defaults.
std::string starter_file(ConfigFile kind);

// The configuration reference (docs/configuration.md) rendered from the key table.
std::string render_reference_markdown();

// Converts an issue into the contract's error value.
Error to_error(const ConfigIssue& issue, size_t more_issues = 0);

}  // namespace aqe::config
