// Where each member of a JSON document is, so that errors can name file:line:column.
// nlohmann-json 3.11 (Debian 12) does not record positions; this is a small scanner over text
// that nlohmann has already accepted.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aqe/util/strings.h"

namespace aqe::config {

using TextPos = LineCol;  // line_col() gives the position of a byte offset

// Maps "a.b[2].c" to the position of that member's key (or of the element, for array
// elements). The root is "".
std::map<std::string, TextPos> locate_members(std::string_view json_text);

// Members whose key an earlier member of the same object already has (nlohmann keeps the last
// silently), with the position of the repeated key, in document order.
std::vector<std::pair<std::string, TextPos>> duplicate_members(std::string_view json_text);

}  // namespace aqe::config
