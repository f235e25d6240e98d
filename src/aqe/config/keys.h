// Every configuration key, declared once (the rows are in key_rows.h): its file, path, type,
// default, environment variable, flag, range, status (built or planned) and documentation. Validation,
// precedence, `aqe init`, `aqe config show` and docs/configuration.md all come from this table.
#pragma once

#include <limits>
#include <string>
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

// The allowed interval of a number (kInt/kNumber). Config files, environment variables and flags
// are all checked against it, so a bound is declared here once and nowhere else.
struct Range {
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool min_exclusive = false;
  bool max_exclusive = false;

  constexpr bool bounded() const {
    return min != -std::numeric_limits<double>::infinity() || max != std::numeric_limits<double>::infinity();
  }
  constexpr bool contains(double v) const {
    if (min_exclusive ? !(v > min) : !(v >= min)) return false;
    return max_exclusive ? v < max : v <= max;
  }
  std::string describe() const;  // ">= 0", "between 0 and 100", "> 0 and <= 100"
};

constexpr Range kUnbounded{};
constexpr Range at_least(double lo) { return {lo, std::numeric_limits<double>::infinity(), false, false}; }
constexpr Range above(double lo) { return {lo, std::numeric_limits<double>::infinity(), true, false}; }
constexpr Range between(double lo, double hi) { return {lo, hi, false, false}; }
constexpr Range above_up_to(double lo, double hi) { return {lo, hi, true, false}; }

// built: a feature reads the key. planned: declared (the product documents it, files may set it)
// but nothing reads it yet; setting it gets a warning, never a silent no-op.
enum class KeyStatus { kBuilt, kPlanned };

struct KeyDef {
  ConfigFile file;
  KeyStatus status;
  // Dotted path inside the file. "[]" stands for any array element, "*" for any map member.
  // Keys of quality-gates.json and storage.json are addressed with a "gates." / "storage."
  // prefix in `config show` and in flags, which is not part of the file's own paths.
  std::string_view path;
  ValueType type;
  std::string_view default_json;  // JSON text of the default; "" = no default (unset)
  std::string_view env;           // environment variable that overrides it, "" = none
  std::string_view flag;          // command-line flag that overrides it, "" = none
  std::string_view choices;       // for kEnum: "a|b|c"
  Range range;                    // for kInt/kNumber
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
