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

// 1-based line and column of a byte offset, for parse errors ("file:3:17").
std::pair<int, int> line_col(std::string_view text, size_t offset);

}  // namespace aqe
