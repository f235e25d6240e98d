// Running the embedded explorer (aqe_explorer.py) on one module in an isolated child of the
// user's interpreter, and reading back the tests it proposes.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
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

// A function, method or class of the module the explorer stopped calling: one of its calls ran
// to the per-call cut-off.
struct GivenUpTarget {
  std::string target;           // "f", "Class", "Class.method"
  std::optional<int64_t> line;  // where it is defined, when known
  int64_t calls = 0;            // calls made to it, the cut-off one included
  std::string cut_off;          // the limit that cut it off: "0.5 s wall time"
};

// A public function, method or class of the module no test was written for, and why.
struct UntestedTarget {
  std::string target;           // "f", "Class", "Class.method"
  std::optional<int64_t> line;  // where it is defined, when known
  std::string reason;           // "every call raised a TypeError or AttributeError of a wrong-typed input"
};

struct ExploreResult {
  std::vector<GeneratedTest> tests;
  std::vector<GivenUpTarget> given_up;
  std::vector<UntestedTarget> untested;
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
