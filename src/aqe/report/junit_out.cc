// --format junit: the run's merged JUnit file, re-serialised by results/junit's merge (so the
// suite counts are recomputed from its testcases and every attribute is escaped by pugixml),
// or, when the file is gone, the stored per-test results.
#include <unordered_map>

#include "aqe/report/formats.h"
#include "aqe/results/junit.h"
#include "aqe/util/fs.h"

namespace aqe::report {

namespace {

constexpr const char* kSuiteName = "aqe";

std::string partial_of(const std::string& status) {
  return status == "timeout" || status == "interrupted" ? status : std::string();
}

}  // namespace

Result<std::string> junit_from_results(const std::vector<state::TestResultRow>& rows,
                                       const std::string& status, int64_t not_run) {
  results::JunitRunFacts facts;
  facts.partial = partial_of(status);
  facts.not_run = not_run;
  // Each test's last attempt (retries are stored after the first), in first-seen order.
  std::unordered_map<std::string, size_t> index;
  for (const auto& r : rows) {
    results::JunitCase c;
    c.test_id = r.test_id;
    c.file = r.file;
    c.outcome = r.outcome == "flaky" ? "passed" : r.outcome;
    c.time_s = r.duration_s;
    c.message = r.message;
    auto [it, fresh] = index.emplace(r.test_id, facts.streamed.size());
    if (fresh) {
      facts.streamed.push_back(std::move(c));
    } else {
      facts.streamed[it->second] = std::move(c);
    }
  }
  return results::merge_junit({}, kSuiteName, facts);
}

Result<std::string> render_junit(state::Db& db, const Report& report, std::vector<std::string>& warnings) {
  if (!report.tests) {
    return make_error("NO_DATA", "--format junit: no complete execute run recorded; run aqe execute first",
                      "run `aqe execute tests/` first");
  }
  const TestsSection& t = *report.tests;
  if (!t.junit_xml.empty()) {
    if (auto xml = read_file(t.junit_xml)) {
      // Validated first: merge_junit skips a document it cannot parse, which would be an empty
      // (green) report.
      if (auto parsed = results::parse_junit(*xml, t.junit_xml))
        return results::merge_junit({*xml}, kSuiteName);
    }
  }
  auto rows = db.test_results_of_run(t.run_id);
  if (!rows) return rows.error();
  warnings.push_back("the JUnit file of run " + std::to_string(t.run_id) +
                     (t.junit_xml.empty() ? "" : " (" + t.junit_xml + ")") +
                     " cannot be read: the report is built from the stored results, without tracebacks");
  return junit_from_results(*rows, t.status, t.not_run);
}

}  // namespace aqe::report
