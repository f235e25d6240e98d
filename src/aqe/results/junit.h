// JUnit XML: reading per-test results from pytest's (or any tool's) report, counting a report
// the way CI tools do, and writing the one merged report of a run.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "aqe/util/result.h"

namespace aqe::results {

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
  // What the element says beyond the outcome, for counting as CI tools do (count_testcases).
  bool has_failure = false;  // a <failure> child (the outcome is "error" when an <error> is there too)
  bool rerun = false;    // rerunFailure/rerunError (pytest-rerunfailures), flakyFailure/flakyError (surefire)
  bool not_run = false;  // ctest's status="notrun" or "disabled", with no <skipped>
  // Marked xfail: pytest's "xfailed" when skipped, "xpassed" when passed (a strict xpass is
  // failed). JUnit shows only the first (<skipped type="pytest.xfail">); aqe's stream says both.
  bool xfail = false;
  // What the test printed: <system-out> then <system-err> (aqe's workers write pytest's
  // captured sections there for a failure or error, each under pytest's heading).
  std::string captured{};
  std::string teardown_details{};  // the teardown error's body
};

// Every test of a JUnit XML document, one case per test id: pytest writes a second testcase
// for a teardown error after a failed call, folded into the first. `origin` names the file in
// errors (JUNIT_INVALID, exit 1: aqe's own runs wrote the report).
Result<std::vector<JunitCase>> parse_junit(std::string_view xml, const std::string& origin);

// Every <testcase> element of a JUnit report given to aqe as input (pytest, ctest, surefire...),
// in document order. The root must be <testsuites> or <testsuite>; errors name
// origin:line:col (INPUT_INVALID, exit 3).
Result<std::vector<JunitCase>> read_junit_report(std::string_view xml, const std::string& origin);

struct TestCounts {
  int64_t passed = 0, failed = 0, errors = 0, skipped = 0;
  int64_t flaky = 0;  // failed at first, passed on a re-run; not counted in `passed`
};

// One count per element, as CI tools count JUnit: a <failure> makes it failed (beside an
// <error> too), any <error> an error, <skipped> or not_run skipped; one that passed after a
// rerun is flaky. A passed call with a failed teardown is also a pass, as pytest counts it.
TestCounts count_testcases(const std::vector<JunitCase>& testcases);

// The pytest node id of a testcase: path part from `file`, class path from `classname`
// minus the module's dotted path.
std::string pytest_node_id(std::string_view file, std::string_view classname, std::string_view name);

// One report from several (workers, retries): a later document's testcases of a test replace
// an earlier document's (so a retry's outcome is the final one); within one document a test
// may have two (call failure, then teardown error), which are kept. Suite counts are recomputed. Documents
// that fail to parse are skipped by the caller beforehand.
//
// `facts` says what aqe saw beyond the documents: a worker that crashed or was ended never
// wrote its document, so every streamed result that no document holds is added (a crash as
// the <error> aqe recorded); a partial run (interrupted, timeout) is marked by a suite
// property and an <error> testcase "aqe.run", so a CI's JUnit view cannot show it green.
struct JunitRunFacts {
  std::vector<JunitCase> streamed;
  std::string partial;  // "" = complete, else "interrupted" or "timeout"
  int64_t not_run = 0;  // tests planned that did not run
};
Result<std::string> merge_junit(const std::vector<std::string>& documents, const std::string& suite_name,
                                const JunitRunFacts& facts = {});

}  // namespace aqe::results
