// Test results (JUnit XML) and security findings (SARIF 2.1.0) given to the gate.
#include "aqe/gate/gate.h"
#include "aqe/results/junit.h"
#include "aqe/results/sarif.h"
#include "aqe/util/path.h"
#include "aqe/util/strings.h"

namespace aqe::gate {

namespace fs = std::filesystem;

Result<TestInput> parse_junit_results(std::string_view text, const std::string& origin) {
  auto cases = results::read_junit_report(text, origin);
  if (!cases) return cases.error();
  const results::TestCounts c = results::count_testcases(*cases);
  return TestInput{origin, c.passed, c.failed, c.errors, c.skipped, c.flaky};
}

Result<FindingsInput> parse_sarif(std::string_view text, const std::string& origin,
                                  const fs::path& project_dir) {
  auto found = results::parse_sarif(text, origin);
  if (!found) return found.error();
  FindingsInput out;
  out.origin = origin;
  out.findings.reserve(found->size());
  for (const auto& f : *found) out.findings.push_back({project_path(f.uri, project_dir), f.severity});
  return out;
}

TestInput merge_tests(const std::vector<TestInput>& parts) {
  TestInput t;
  std::vector<std::string> origins;
  for (const auto& p : parts) {
    t.passed += p.passed;
    t.failed += p.failed;
    t.errors += p.errors;
    t.skipped += p.skipped;
    t.flaky += p.flaky;
    origins.push_back(p.origin);
  }
  t.origin = join(origins, ", ");
  return t;
}

FindingsInput merge_findings(std::vector<FindingsInput> parts) {
  FindingsInput f;
  std::vector<std::string> origins;
  for (auto& p : parts) {
    origins.push_back(p.origin);
    f.findings.insert(f.findings.end(), std::make_move_iterator(p.findings.begin()),
                      std::make_move_iterator(p.findings.end()));
  }
  f.origin = join(origins, ", ");
  return f;
}

}  // namespace aqe::gate
