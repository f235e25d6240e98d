// Running the embedded explorer (aqe_explorer.py) on one module in an isolated child of the
// user's interpreter, and reading back the tests it proposes.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "aqe/exec/process.h"
#include "aqe/gen/discover.h"
#include "aqe/gen/test_file.h"
#include "aqe/util/result.h"

namespace aqe::gen {

struct ExploreJob {
  const SourceModule* module = nullptr;
  std::filesystem::path work_dir;  // temporary cwd, HOME and TMPDIR of the child
  exec::ProcessSpec spec;
};

struct ExploreResult {
  std::vector<GeneratedTest> tests;
  std::string failure;             // why nothing came back (child died, timed out, import failed)
  bool finished = true;            // false: the per-module budget cut exploration short
  bool stopped_at_target = false;  // the kept calls reached the coverage target before the budget
};

struct ExploreLimits {
  double budget_s = 10;          // exploration seconds
  double coverage_target = 100;  // percent of traced lines+branches; >= 100: never stop early
};

// Prepares the child: a fresh work dir holding the explorer script, limits, the request.
Result<ExploreJob> prepare_explore(const SourceModule& m, const std::string& python,
                                   const ExploreLimits& limits);

// Turns the child's result into tests or a reason; removes the work dir.
ExploreResult finish_explore(const ExploreJob& job, const exec::ProcessResult& r, double budget_s);

// Parses the explorer's JSON reply.
ExploreResult parse_explorer_reply(const std::string& stdout_data);

}  // namespace aqe::gen
