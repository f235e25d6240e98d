#include "aqe/util/resources.h"

namespace aqe {

std::optional<std::string_view> find_resource(std::string_view name) {
  for (const Resource* r = resources_data::kResources; !r->name.empty(); ++r) {
    if (r->name == name) return r->data;
  }
  return std::nullopt;
}

}  // namespace aqe
