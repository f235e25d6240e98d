// Small string functions used across features.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aqe {

// Edit distance (insert/delete/substitute = 1), for "did you mean" suggestions.
size_t edit_distance(std::string_view a, std::string_view b);

// The closest candidate to `word`, or "" when none is close enough to be a useful hint.
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

std::vector<std::string> split(std::string_view s, char sep);
std::string_view trim(std::string_view s);
bool starts_with(std::string_view s, std::string_view prefix);
bool ends_with(std::string_view s, std::string_view suffix);
std::string to_lower(std::string_view s);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
// Text a project controls (test names, messages, file names) made safe for a terminal line:
// control bytes (ESC, CR, LF, ...), DEL, C1 controls (U+0080..U+009F) and bytes that are not
// well-formed UTF-8 become \xNN, so they cannot move the cursor, start an escape sequence or
// garble the line. Well-formed UTF-8 is kept.
std::string printable(std::string_view s);

// Where a byte offset is, for messages that name "file:3:17".
struct LineCol {
  int line = 1;    // 1-based
  int column = 1;  // 1-based, in bytes
};
// An offset past the end counts as the end.
LineCol line_col(std::string_view text, size_t offset);

}  // namespace aqe
