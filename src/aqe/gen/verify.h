// Running the generated tests under coverage.py: which tests failed, and what the passing
// ones cover of the processed source.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "aqe/coverage/coverage.h"
#include "aqe/gen/gen.h"
#include "aqe/gen/sandbox.h"
#include "aqe/results/junit.h"
#include "aqe/util/result.h"

namespace aqe::gen {

struct VerifyInput {
  std::string python;
  std::filesystem::path project_dir;
  std::vector<std::filesystem::path> test_files;    // absolute
  std::vector<std::filesystem::path> source_files;  // absolute: what coverage is measured on
  double timeout_s = 600;
};

struct VerifyResult {
  std::map<std::filesystem::path, std::set<std::string>> failed;  // test file -> failing tests
  std::map<std::filesystem::path, std::set<std::string>> passed;  // test file -> tests that passed
  std::set<std::filesystem::path> broken_files;                   // failed as a whole (collection error)
  std::optional<coverage::Counts> coverage;                       // of source_files; none when not measured
  std::vector<coverage::FileCoverage> files;  // per source file, with line lists (when measured)
  std::string
      output;  // pytest's stdout without run times (without_durations), the tail (re-prompts quote it)
  // Tests the sandbox refused something (a write outside their temp dir, the network), by test
  // file and name, with the reason: in `failed` too, whatever their outcome.
  std::map<std::filesystem::path, std::map<std::string, std::string>> violations;
};

// The tests run in the sandbox (sandbox.h): temporary cwd, HOME and TMPDIR, resource limits, no
// network, and writes outside the sandbox refused and reported per test (`violations`).
// An error (VERIFY_DIED, TIMEOUT, INTERRUPTED, ...) when pytest did not run to its end: killed
// by a signal, no JUnit report, or an exit status pytest gives only for an internal or usage
// error. Then no test was verified.
Result<VerifyResult> verify_tests(const VerifyInput& in);

// Failing and passing test names per test file, from JUnit cases (xunit1: file attributes present).
void collect_failures(const std::vector<results::JunitCase>& cases,
                      const std::vector<std::filesystem::path>& test_files, VerifyResult& out);

// Moves the tests the sandbox refused something from `passed` to `failed` and records why.
// A violation whose file is none of test_files is ignored.
void apply_violations(const std::vector<SandboxViolation>& violations,
                      const std::vector<std::filesystem::path>& test_files, VerifyResult& out);

// pytest's output with its run times (" in 0.12s", " in 65.12s (0:01:05)") as " in <time>":
// a re-prompt quoting the output of the same failure is then the same prompt, answered by
// the response cache on a rerun.
std::string without_durations(std::string_view output);
// Also the run's temporary directory (the JUnit report's path pytest prints) as "<sandbox>".
std::string stable_output(std::string_view output, std::string_view run_dir);

// coverage.py settings: branch coverage, unexecuted files of the source dirs reported,
// reports limited to the processed files.
std::string coverage_rc(const std::vector<std::filesystem::path>& source_files);

}  // namespace aqe::gen
