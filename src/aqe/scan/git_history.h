// --git-history: the lines each commit added, scanned with the secret rules. A secret that a
// later commit deleted is still in the repository's history, so it is still a leak.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "aqe/scan/scan.h"
#include "aqe/scan/scan_engine.h"
#include "aqe/util/result.h"

namespace aqe::scan {

struct HistoryScan {
  std::vector<Finding> findings;  // file = "<sha>:<path>" (what `git show` takes)
  std::uint64_t commits = 0;
  std::uint64_t files = 0;  // (commit, file) pairs with added lines
  std::uint64_t bytes = 0;
  int suppressed = 0;
};

// Streams git's log (git/) in the current directory over `options.paths` as pathspecs, from
// `options.since` (exclusive) to HEAD, or the whole history, scanning each commit's added lines.
Result<HistoryScan> scan_git_history(const ScanEngine& engine, const ScanOptions& options);

}  // namespace aqe::scan
