// Where each member of a JSON document is, so that errors can name file:line:column.
// nlohmann-json 3.11 (Debian 12) does not record positions; this is a small scanner over text
// that nlohmann has already accepted.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

namespace aqe::config {

struct TextPos {
  int line = 1;    // 1-based
  int column = 1;  // 1-based, in bytes
};

// Position of byte `offset` in `text`.
TextPos position_of(std::string_view text, size_t offset);

// Maps "a.b[2].c" to the position of that member's key (or of the element, for array
// elements). The root is "".
std::map<std::string, TextPos> locate_members(std::string_view json_text);

}  // namespace aqe::config
