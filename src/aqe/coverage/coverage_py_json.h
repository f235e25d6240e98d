// The fast path for coverage.py JSON reports (see coverage_py_json.cc).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "aqe/coverage/coverage.h"

namespace aqe::coverage {

// The report's coverage, or nullopt when the text is not JSON of the shape `coverage json`
// writes (then the caller parses it with nlohmann for a precise error).
std::optional<CoverageReport> read_coverage_py_json(std::string_view text, const std::string& origin,
                                                    const ReadOptions& options);

}  // namespace aqe::coverage
