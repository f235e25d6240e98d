// JSON from and to text for documents the user's project controls: parsing never throws and is
// bounded in depth, dumping never throws on bytes that are not UTF-8.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace aqe {

// Deeper nesting is an error. Config files, coverage reports and SARIF logs nest a dozen levels;
// the bound keeps recursive readers (nlohmann's dump, the config locator) far from the stack's
// end. serde_json's default is the same.
inline constexpr int kMaxJsonDepth = 128;

struct JsonSyntaxError {
  size_t offset = 0;   // 0-based byte where the offending token starts
  std::string reason;  // "number overflow parsing '1e999'", "nesting deeper than 128 levels", ...
};

struct ParsedJson {
  nlohmann::json value;  // discarded when `error` is set
  std::optional<JsonSyntaxError> error;
  explicit operator bool() const { return !error; }
};

// nlohmann's errors (syntax, invalid UTF-8), a number that overflows a double and nesting deeper
// than kMaxJsonDepth, as a value with the position; never throws.
ParsedJson parse_json(std::string_view text);

// dump() that replaces bytes that are not UTF-8 (file names are bytes) with U+FFFD instead of
// throwing: every document aqe writes goes through it.
std::string dump_json(const nlohmann::json& doc, int indent = -1);

// Like at() without the throw: the member `key` of `obj` when `obj` is an object that has it.
const nlohmann::json* member(const nlohmann::json& obj, std::string_view key);

// The member `key` of `obj` when it has the asked type, else `fallback`; never throws. For
// messages from processes that run the user's code (the pytest plugin, the explorer): their
// shape is checked, not trusted.
std::string string_or(const nlohmann::json& obj, std::string_view key, std::string_view fallback = {});
double number_or(const nlohmann::json& obj, std::string_view key, double fallback);
bool bool_or(const nlohmann::json& obj, std::string_view key, bool fallback);
// The string elements of the array member `key` (other elements are skipped).
std::vector<std::string> strings_of(const nlohmann::json& obj, std::string_view key);

}  // namespace aqe
