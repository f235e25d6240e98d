// `aqe generate` with the built-in engine: discovers Python modules, explores each one in an
// isolated child of the user's interpreter, writes one pytest file per module under the output
// directory, then keeps only the tests that pass and measures the coverage they reach.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aqe/coverage/coverage.h"
#include "aqe/gen/llm_engine.h"
#include "aqe/state/runs.h"
#include "aqe/util/exit_code.h"
#include "aqe/util/progress.h"
#include "aqe/util/result.h"

namespace aqe::gen {

struct GenerateOptions {
  std::vector<std::string> paths;     // files/dirs as given (relative to project_dir)
  std::filesystem::path project_dir;  // absolute
  std::filesystem::path output_dir;   // absolute; nothing is written outside it
  std::vector<std::string> exclude;   // project.exclude globs (project-relative)
  std::string python;                 // the chosen interpreter
  double time_budget_s = 10;          // exploration per module
  double coverage_target = 100;       // percent of a module's traced lines+branches; 100 = no early stop
  double run_budget_s = 0;            // whole run, seconds; 0 = derived from time_budget_s and modules
  bool parallel = false;
  // Exploration seconds of modules (project-relative) in earlier runs: with `parallel`, the
  // longest expected module starts first (stored_explore_times()).
  std::map<std::string, double> stored_explore_s;
  int cores = 0;        // 0 = hardware_concurrency
  std::string version;  // aqe's version, written in every header
  // builtin | auto (built-in, then the model for what is still below coverage_target) | llm
  // (the model only). auto and llm need `llm`.
  std::string engine = "builtin";
  std::optional<LlmSettings> llm;
};

struct SkippedFile {
  std::string file;  // project-relative
  std::string reason;
};

// A function the explorer stopped calling after one of its calls ran to the per-call cut-off.
struct GivenUpFunction {
  std::string file;             // project-relative
  std::string target;           // "f", "Class", "Class.method"
  std::optional<int64_t> line;  // where it is defined, when known
  int64_t calls = 0;            // calls made to it, the cut-off one included
  std::string cut_off;          // "0.5 s wall time"
};

// A public function, method or class the explorer wrote no test for.
struct UntestedFunction {
  std::string file;             // project-relative
  std::string target;           // "f", "Class", "Class.method"
  std::optional<int64_t> line;  // where it is defined, when known
  std::string reason;
};

struct GenerateReport {
  int64_t files_processed = 0;
  int64_t tests_generated = 0;  // kept: each one passed when run
  int64_t tests_discarded = 0;
  // Why: "failed" (failed, errored or did not run), "not verified" (the run died), and the
  // sandbox's "writes outside its temp dir" and "uses the network".
  std::map<std::string, int64_t> discarded_by_reason;
  int64_t up_to_date = 0;
  std::optional<coverage::Counts> coverage;  // of the processed source; none when not measured
  std::vector<std::string> test_files;       // project-relative, written or up to date
  std::vector<SkippedFile> skipped;
  std::vector<std::string> stopped_at_target;  // modules whose exploration reached the coverage target
  std::vector<std::string> unfinished;         // modules the run's time budget cut off (exit 5)
  std::vector<GivenUpFunction> given_up;       // by file and line
  std::vector<UntestedFunction> untested;      // by file and line
  std::map<std::string, double> explore_s;     // wall seconds of each module's exploration
  std::vector<std::string> warnings;
  std::string engine = "builtin";  // the engine that ran
  std::optional<LlmReport> llm;    // when the model engine ran
  double duration_s = 0;
  ExitCode exit_code = ExitCode::kSuccess;
};

Result<GenerateReport> run_generate(const GenerateOptions& opts, ProgressSink& progress);

nlohmann::json to_json(const GenerateReport& r);
std::string to_text(const GenerateReport& r);
// The text output's routing line (empty when routing was not asked for).
std::string routing_text(const LlmReport& l);
// What the run record keeps of a report.
state::GenerateSummary summary_of(const GenerateReport& r);

}  // namespace aqe::gen
