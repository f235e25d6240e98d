// JUnit XML: reading per-test results from pytest's (or any tool's) report, and writing the
// one merged report of a run.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "aqe/util/result.h"

namespace aqe::exec {

struct JunitCase {
  std::string test_id;  // pytest node id when the report has file attributes, else class::name
  std::string file;     // may be empty (reports without a file attribute)
  int line = 0;         // 1-based line of the failure (or the test) when known, 0 otherwise
  std::string outcome;  // passed|failed|error|skipped (xfail counts as skipped, as in JUnit)
  double time_s = 0;
  std::string message;  // the failure/error/skip message
  std::string details;  // the failure body (traceback)
  // The test's teardown failed after its call ended with `outcome`. pytest counts that as one
  // more error ("1 passed, 1 error" for one test), so aqe does too.
  bool teardown_error = false;
  std::string teardown_message;
};

// Parses every <testcase> of a JUnit XML document. `origin` names the file in errors.
Result<std::vector<JunitCase>> parse_junit(std::string_view xml, const std::string& origin);

// The pytest node id of a testcase: path part from `file`, class path from `classname`
// minus the module's dotted path.
std::string pytest_node_id(std::string_view file, std::string_view classname, std::string_view name);

// One report from several (workers, retries): a later document's testcases of a test replace
// an earlier document's (so a retry's outcome is the final one); within one document a test
// may have two (call failure, then teardown error), which are kept. Suite counts are recomputed. Documents
// that fail to parse are skipped by the caller beforehand.
Result<std::string> merge_junit(const std::vector<std::string>& documents, const std::string& suite_name);

}  // namespace aqe::exec
