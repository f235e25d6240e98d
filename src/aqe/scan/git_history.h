// --git-history: the lines each commit added, scanned with the secret rules. A secret that a
// later commit deleted is still in the repository's history, so it is still a leak.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "aqe/scan/scan.h"
#include "aqe/scan/scan_engine.h"
#include "aqe/util/result.h"

namespace aqe::scan {

// The lines one commit added to one file, with their line numbers in the new version.
struct CommitAdditions {
  std::string commit;  // full SHA
  std::string file;    // repository-relative path
  std::vector<std::pair<int, std::string>> lines;
};

// Parses `git log -p --unified=0 --pretty=format:'commit %H'` output. Hunk line counts decide
// where a hunk ends, so an added line that itself starts with "++ " or "commit " is still content.
std::vector<CommitAdditions> parse_git_log_patch(std::string_view text);

struct HistoryScan {
  std::vector<Finding> findings;  // file = "<sha>:<path>" (what `git show` takes)
  std::uint64_t commits = 0;
  std::uint64_t files = 0;  // (commit, file) pairs with added lines
  std::uint64_t bytes = 0;
  int suppressed = 0;
};

// Runs git (through exec/) in the current directory over `options.paths` as pathspecs, from
// `options.since` (exclusive) to HEAD, or the whole history.
Result<HistoryScan> scan_git_history(const ScanEngine& engine, const ScanOptions& options);

}  // namespace aqe::scan
