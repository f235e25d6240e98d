// The model step of a generate run (engine auto or llm): after the built-in tests were verified,
// each module still below the coverage target is cut into segments (segments.h) and the model is
// asked about each segment that still holds uncovered lines or branches, one prompt (and its
// re-prompts) per segment. Each kept segment gets its own test file, kept only when
// verify_tests() says it passes twice and adds coverage (see llm_engine.h).
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "aqe/coverage/coverage.h"
#include "aqe/gen/discover.h"
#include "aqe/gen/gen.h"
#include "aqe/gen/llm_engine.h"
#include "aqe/gen/segments.h"

namespace aqe::gen {

struct ModelTarget {
  const SourceModule* module;
  std::string source;                       // the module's text
  std::string sha256;                       // of the source
  std::vector<std::string> existing_tests;  // test names already generated for it
  // Segment test files not to write: up to date (kept already) or without aqe's header.
  std::set<std::filesystem::path> settled;
};

// The model-written test file of a module as aqe before per-segment prompts wrote it:
// test_<name>_llm.py next to the built-in one (still read: kept when up to date, else removed).
std::filesystem::path model_test_file(const SourceModule& m);
// A segment's model-written test file: test_<name>_llm_<Segment::file_id>.py.
std::filesystem::path segment_test_file(const SourceModule& m, const Segment& s);

// The module's segment test files in its test directory: those aqe wrote for this source and
// version are `up_to_date`; those without aqe's header are left alone (`hand_written`); aqe's
// own for another source hash or version are removed. A file whose header names another source
// is another module's and not looked at.
struct SegmentFiles {
  std::vector<std::filesystem::path> up_to_date, hand_written;
};
SegmentFiles find_segment_files(const SourceModule& m, const std::string& sha256, const std::string& version);

// `kept` holds the test files that pass (built-in and up-to-date ones); kept model files are
// appended. `files`/`totals` are the last measured coverage, updated as candidates are kept.
void run_model_step(const std::vector<ModelTarget>& targets, std::vector<std::filesystem::path>& kept,
                    const std::vector<std::filesystem::path>& sources,
                    std::vector<coverage::FileCoverage>& files, std::optional<coverage::Counts>& totals,
                    const GenerateOptions& o, GenerateReport& report);

}  // namespace aqe::gen
