// The baseline file: fingerprints of accepted findings, so later runs report only new ones.
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "aqe/scan/scan.h"
#include "aqe/util/result.h"

namespace aqe::scan {

Status write_baseline(const std::filesystem::path& path, const std::vector<Finding>& findings);
Result<std::set<std::string>> read_baseline(const std::filesystem::path& path);
// The fingerprints of a baseline's text; errors name `origin` (and line:column for bad JSON).
Result<std::set<std::string>> parse_baseline(std::string_view text, const std::string& origin);

}  // namespace aqe::scan
