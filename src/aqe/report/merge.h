// `aqe report merge`: the shards of a run split with `aqe execute --shard i/n` become one
// execute run, recorded like any other, so that the gate and the report see the whole suite.
// A shard input is a state directory (a shard job's `.aqe/`, e.g. copied as a CI artifact):
// its latest finished execute run, that run's test results and its files (JUnit XML and
// coverage.py's combined data under runs/<run id>/); or an exported run folder (an
// `execute --store-artifacts` artifact fetched by `aqe artifacts get`): run.json, junit.xml
// and .coverage side by side.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "aqe/coverage/coverage.h"
#include "aqe/state/db.h"
#include "aqe/util/exit_code.h"
#include "aqe/util/result.h"

namespace aqe::report {

// One input as found: the run it holds and where its files are now.
struct Shard {
  std::string input;                // the argument as given: every refusal names it
  std::filesystem::path state_dir;  // empty for an exported run folder
  state::RunRecord run;
  state::ExecuteSummary summary;
  std::string paths_key;                   // the suite (execute's args.paths_key)
  std::filesystem::path junit;             // the shard's JUnit XML, found in the input; empty = none
  std::filesystem::path data;              // coverage.py's combined data file (.coverage); empty = none
  std::filesystem::path root;              // where the shard's project was (coverage paths start there)
  std::vector<state::TestResultRow> rows;  // every attempt, with its duration
};

// Finds the shard run in `input`: a state directory (holding aqe.db) or a project directory
// holding .aqe/aqe.db, whose latest finished execute run is the shard; else an exported run
// folder holding run.json, whose run is the shard and whose test results are its JUnit file's
// (each test's final result). Errors (exit 3) name `input`: no aqe.db or run.json, no finished
// execute run, a run that was not a shard, its files missing.
Result<Shard> read_shard(const std::filesystem::path& dir, const std::string& input);

// Whether these shards are one whole run; every refusal is exit 3 and names the inputs:
// a shard that did not complete (timeout, interrupted, error), shards of different suites,
// commits, frameworks or shard counts, one shard given twice, a shard of 1..n missing, coverage
// measured by some shards only. `commit` is the checkout's (empty = unknown, not compared).
Status check_shards(const std::vector<Shard>& shards, const std::string& commit);

struct MergeOptions {
  std::filesystem::path project_dir;  // coverage is combined here (its coverage config applies)
  std::string python;                 // the interpreter that runs coverage.py; needed with coverage
  std::filesystem::path out_dir;      // junit.xml, .coverage, coverage.json are written here
  std::string flaky_policy = "fail";  // as execute: whether flaky tests fail the run
};

struct MergedFailure {
  std::string test, file, message, outcome;
  int line = 0;
};

struct MergeReport {
  // What the run record keeps (counts summed, duration the longest shard's, no shard).
  state::ExecuteSummary summary;
  std::optional<coverage::CoverageReport> coverage;
  std::vector<MergedFailure> failures;
  std::vector<std::string> paths;  // the suite's test paths
  std::string paths_key;
  nlohmann::json shards = nlohmann::json::array();  // input, run_id, shard, tests_run, duration_s
  ExitCode exit_code = ExitCode::kSuccess;
  std::vector<std::string> warnings;
};

// Merges checked shards (check_shards) into one run: the JUnit documents into one, the test
// results (with their durations) and the flakes written through `record`, the coverage data
// combined by coverage.py, the snapshot recorded.
Result<MergeReport> merge_shards(const std::vector<Shard>& shards, const MergeOptions& options,
                                 state::RunWriter& record);

// The counts, wall time and measurements of the whole run from its shards' summaries.
state::ExecuteSummary sum_summaries(const std::vector<Shard>& shards);

nlohmann::json to_json(const MergeReport& r);
std::string to_text(const MergeReport& r);

}  // namespace aqe::report
