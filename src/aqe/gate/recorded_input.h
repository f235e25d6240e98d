// Gate inputs from the state DB (what `aqe execute`, `security-scan` and `generate` recorded).
#pragma once

#include <filesystem>

#include "aqe/gate/gate.h"
#include "aqe/state/db.h"

namespace aqe::gate {

// Fills each input `in` still lacks from the latest recorded run; inputs already present
// (explicit files) are kept.
Status read_recorded_inputs(state::Db& db, const std::filesystem::path& project_dir, GateInputs& in);

// The latest coverage snapshot recorded on `branch` (per-file totals), if any.
Result<std::optional<CoverageInput>> recorded_coverage(state::Db& db,
                                                       const std::filesystem::path& project_dir,
                                                       const std::string& branch);

}  // namespace aqe::gate
