// The model step of a generate run (engine auto or llm): after the built-in tests were verified,
// the modules still below the coverage target get model-written test files, each one kept only
// when verify_tests() says it passes twice and adds coverage (see llm_engine.h).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "aqe/coverage/coverage.h"
#include "aqe/gen/discover.h"
#include "aqe/gen/gen.h"
#include "aqe/gen/llm_engine.h"

namespace aqe::gen {

struct ModelTarget {
  const SourceModule* module;
  std::string source;                       // the module's text
  std::string sha256;                       // of the source
  std::vector<std::string> existing_tests;  // test names already generated for it
};

// The model-written test file of a module: test_<name>_llm.py next to the built-in one.
std::filesystem::path model_test_file(const SourceModule& m);

// `kept` holds the test files that pass (built-in and up-to-date ones); kept model files are
// appended. `files`/`totals` are the last measured coverage, updated as candidates are kept.
void run_model_step(const std::vector<ModelTarget>& targets, std::vector<std::filesystem::path>& kept,
                    const std::vector<std::filesystem::path>& sources,
                    std::vector<coverage::FileCoverage>& files, std::optional<coverage::Counts>& totals,
                    const GenerateOptions& o, GenerateReport& report);

}  // namespace aqe::gen
