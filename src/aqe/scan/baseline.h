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

// Version 2: fingerprints that do not depend on a secret's value. A version-1 file (hashes of
// rule, file and the secret itself) still matches, through Finding::legacy_fingerprint.
constexpr int kBaselineVersion = 2;

Status write_baseline(const std::filesystem::path& path, const std::vector<Finding>& findings);
// `version` (if given) receives the file's "version" (1 when absent).
Result<std::set<std::string>> read_baseline(const std::filesystem::path& path, int* version = nullptr);
// The fingerprints of a baseline's text; errors name `origin` (and line:column for bad JSON).
Result<std::set<std::string>> parse_baseline(std::string_view text, const std::string& origin,
                                             int* version = nullptr);

}  // namespace aqe::scan
