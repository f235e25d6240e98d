// The readers behind read_coverage, one per format (internal to coverage/).
#pragma once

#include <string>
#include <string_view>

#include "aqe/coverage/coverage.h"

namespace aqe::coverage {

// "origin:line:col: what" at byte `offset` of `text` (exit 3).
Error input_error(const std::string& origin, std::string_view text, size_t offset, const std::string& what);

Result<CoverageReport> parse_cobertura(std::string_view text, const std::string& origin,
                                       const ReadOptions& options);
Result<CoverageReport> parse_lcov(std::string_view text, const std::string& origin,
                                  const ReadOptions& options);

}  // namespace aqe::coverage
