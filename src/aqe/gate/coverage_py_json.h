// The fast path for coverage.py JSON reports (see coverage_py_json.cc).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "aqe/gate/gate.h"

namespace aqe::gate {

// The report's coverage, or nullopt when the text is not JSON of the shape `coverage json`
// writes (then the caller parses it with nlohmann for a precise error). `lines_for`: as for
// parse_coverage (nullptr keeps every file's line lists).
std::optional<CoverageInput> read_coverage_py_json(std::string_view text, const std::string& origin,
                                                   const std::filesystem::path& project_dir,
                                                   const DiffInput* lines_for);

}  // namespace aqe::gate
