// Every configuration key, declared once: its file, path, type, default, environment variable,
// flag and documentation. Validation, precedence, `aqe init`, `aqe config show` and
// docs/configuration.md all come from this table.
#pragma once

#include <string_view>
#include <vector>

namespace aqe::config {

enum class ConfigFile { kFleet, kGates, kStorage };

enum class ValueType {
  kBool,
  kInt,
  kNumber,
  kString,
  kStringList,
  kEnum,    // a string from `choices`
  kObject,  // a container whose members are declared as their own keys
  kArray,   // an array of objects whose members are declared as "<path>[].<member>"
  kMap,     // an object with free names whose values are declared as "<path>.*..."
};

struct KeyDef {
  ConfigFile file;
  // Dotted path inside the file. "[]" stands for any array element, "*" for any map member.
  // Keys of quality-gates.json and storage.json are addressed with a "gates." / "storage."
  // prefix in `config show` and in flags, which is not part of the file's own paths.
  std::string_view path;
  ValueType type;
  std::string_view default_json;  // JSON text of the default; "" = no default (unset)
  std::string_view env;           // environment variable that overrides it, "" = none
  std::string_view flag;          // command-line flag that overrides it, "" = none
  std::string_view choices;       // for kEnum: "a|b|c"
  std::string_view doc;
};

const std::vector<KeyDef>& key_table();

std::string_view file_name(ConfigFile f);   // "qe-fleet.json", ...
std::string_view key_prefix(ConfigFile f);  // "", "gates.", "storage."
std::string_view type_name(ValueType t);    // "boolean", "integer", ...

// Finds the declaration for a concrete path such as "scopes[2].threshold" or
// "profiles.main.blocking" (array indices written as [N]); nullptr when undeclared.
const KeyDef* find_key(ConfigFile file, std::string_view concrete_path);

// The declared member names directly under `parent_pattern` (for "did you mean").
std::vector<std::string> child_names(ConfigFile file, std::string_view parent_pattern);

}  // namespace aqe::config
