// Files embedded in the binary at build time (cmake/embed.cmake): Python that runs
// inside the user's interpreter, starter config files.
#pragma once

#include <optional>
#include <string_view>

namespace aqe {

struct Resource {
  std::string_view name;
  std::string_view data;
};

namespace resources_data {
extern const Resource kResources[];  // terminated by an entry with an empty name
}

std::optional<std::string_view> find_resource(std::string_view name);

}  // namespace aqe
