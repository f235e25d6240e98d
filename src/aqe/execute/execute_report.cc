#include <cstdio>
#include <sstream>

#include "aqe/execute/execute.h"
#include "aqe/util/strings.h"

namespace aqe::execute {
namespace {

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

nlohmann::json coverage_json(const coverage::CoverageReport& report) {
  const coverage::Counts& c = report.totals;
  nlohmann::json files = nlohmann::json::array();
  for (const auto& f : report.files) {
    files.push_back({{"file", f.file},
                     {"lines_covered", f.lines_covered},
                     {"lines_total", f.lines_total},
                     {"branches_covered", f.branches_covered},
                     {"branches_total", f.branches_total}});
  }
  return {{"line_rate", c.line_rate()},
          {"branch_rate", c.branch_rate()},
          {"lines_covered", c.lines_covered},
          {"lines_total", c.lines_total},
          {"branches_covered", c.branches_covered},
          {"branches_total", c.branches_total},
          {"files", files}};
}

}  // namespace

nlohmann::json to_json(const ExecuteReport& r) {
  nlohmann::json failures = nlohmann::json::array();
  for (const auto& f : r.failures) {
    failures.push_back({{"test", f.test},
                        {"file", f.file},
                        {"line", f.line},
                        {"message", f.message},
                        {"outcome", f.outcome}});
  }
  nlohmann::json shard = nullptr;
  if (r.shard) {
    nlohmann::json from = nullptr;
    if (r.shard_durations_from) {
      const ShardBase& b = *r.shard_durations_from;
      from = {{"run_id", b.run_id},
              {"commit", b.commit.empty() ? nlohmann::json(nullptr) : nlohmann::json(b.commit)}};
    }
    shard = {{"index", r.shard->first}, {"total", r.shard->second}, {"durations_from", from}};
  }
  return {{"framework", r.framework},
          {"tests_run", r.tests_run},
          {"passed", r.passed},
          {"failed", r.failed},
          {"skipped", r.skipped},
          {"xfailed", r.xfailed},
          {"xpassed", r.xpassed},
          {"errors", r.errors},
          {"flaky", r.flaky},
          {"not_run", r.not_run},
          {"duration_s", r.duration_s},
          {"workers", r.workers},
          {"shard", shard},
          {"coverage", r.coverage ? coverage_json(*r.coverage) : nlohmann::json(nullptr)},
          {"failures", failures},
          {"flaky_tests", r.flaky_tests},
          {"junit_xml", r.junit_xml.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.junit_xml)}};
}

std::string to_text(const ExecuteReport& r) {
  std::ostringstream out;
  for (const auto& f : r.failures) {
    // Test names, files and messages are the project's text: no control bytes reach a terminal.
    out << (f.outcome == "error" ? "ERROR " : "FAILED ") << printable(f.test);
    if (!f.file.empty()) {
      out << " (" << printable(f.file);
      if (f.line > 0) out << ':' << f.line;
      out << ")";
    }
    if (!f.message.empty()) {
      std::string first = f.message.substr(0, f.message.find('\n'));
      out << "\n    " << printable(first);
    }
    out << "\n";
  }
  for (const auto& t : r.flaky_tests) out << "FLAKY " << printable(t) << " (passed on retry)\n";
  if (r.coverage) {
    const coverage::Counts& c = r.coverage->totals;
    out << "coverage: lines " << fixed(100.0 * c.line_rate(), 2) << "% (" << c.lines_covered << "/"
        << c.lines_total << "), branches " << fixed(100.0 * c.branch_rate(), 2) << "% (" << c.branches_covered
        << "/" << c.branches_total << ")\n";
  }
  if (!r.junit_xml.empty()) out << "junit: " << r.junit_xml << "\n";
  std::vector<std::string> parts;
  if (r.failed) parts.push_back(std::to_string(r.failed) + " failed");
  parts.push_back(std::to_string(r.passed) + " passed");
  if (r.skipped) parts.push_back(std::to_string(r.skipped) + " skipped");
  if (r.xfailed) parts.push_back(std::to_string(r.xfailed) + " xfailed");
  if (r.xpassed) parts.push_back(std::to_string(r.xpassed) + " xpassed");
  if (r.errors) parts.push_back(std::to_string(r.errors) + (r.errors == 1 ? " error" : " errors"));
  if (r.flaky) parts.push_back(std::to_string(r.flaky) + " flaky");
  if (r.not_run) parts.push_back(std::to_string(r.not_run) + " not run");
  std::string line;
  for (size_t i = 0; i < parts.size(); ++i) line += (i ? ", " : "") + parts[i];
  out << line << " in " << fixed(r.duration_s, 2) << "s";
  if (r.workers > 1) out << " on " << r.workers << " workers";
  if (r.shard) out << " (shard " << r.shard->first << "/" << r.shard->second << ")";
  out << "\n";
  return out.str();
}

}  // namespace aqe::execute
