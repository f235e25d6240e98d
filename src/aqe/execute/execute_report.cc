#include <algorithm>
#include <cstdio>
#include <sstream>
#include <string_view>

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

// The longest prefix of `s` of at most `n` bytes that ends on a UTF-8 character boundary.
size_t utf8_prefix(std::string_view s, size_t n) {
  if (n >= s.size()) return s.size();
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return n;
}

// The terminal shows the long reports of the first failures only, up to this many lines in
// all; the rest are one line each (pytest prints every report, which buries the summary).
constexpr size_t kTotalReportLines = 400;

void print_failure(std::ostringstream& out, const TestFailure& f, const std::string& junit_xml,
                   bool long_form, size_t& report_lines) {
  // Test names, files and messages are the project's text: no control bytes reach a terminal.
  out << (f.outcome == "error" ? "ERROR " : "FAILED ") << printable(f.test);
  if (!f.file.empty()) {
    out << " (" << printable(f.file);
    if (f.line > 0) out << ':' << f.line;
    out << ")";
  }
  out << "\n";
  const std::string first = f.message.substr(0, f.message.find('\n'));
  const bool report = long_form && !f.details.empty();
  // pytest's report repeats the message ("E   AssertionError: ..."); a crash's stderr does not.
  const std::string_view probe = std::string_view(first).substr(0, utf8_prefix(first, 200));
  if (!first.empty() && (!report || f.details.find(probe) == std::string::npos)) {
    out << "    " << printable(first.substr(0, utf8_prefix(first, kExcerptBytes))) << "\n";
  }
  if (!report) return;
  for (const auto& line : split(report_excerpt(f.details, junit_xml), '\n')) {
    out << "    " << printable(line) << "\n";
    ++report_lines;
  }
  out << "\n";
}

}  // namespace

std::string report_excerpt(const std::string& details, const std::string& junit_xml) {
  std::string_view text = details;
  while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  size_t end = 0, lines = 0;
  while (end < text.size() && lines < kExcerptLines) {
    size_t nl = text.find('\n', end);
    if (nl == std::string_view::npos) nl = text.size();
    if (nl > kExcerptBytes) {
      // One line longer than what is left (a 10 MB assertion message): its start.
      if (lines == 0) end = utf8_prefix(text, kExcerptBytes);
      break;
    }
    end = nl == text.size() ? nl : nl + 1;
    ++lines;
  }
  if (end >= text.size()) return std::string(text);
  std::string_view rest = text.substr(end);
  const size_t more_lines = static_cast<size_t>(std::count(rest.begin(), rest.end(), '\n')) + 1;
  std::string shown(text.substr(0, end));
  if (!shown.empty() && shown.back() != '\n') shown += "\n";
  const std::string lines_text = std::to_string(more_lines) + (more_lines == 1 ? " line" : " lines");
  return shown + "[... " + std::to_string(rest.size()) + " more bytes (" + lines_text + ")" +
         (junit_xml.empty() ? std::string(" not shown]") : " in " + junit_xml + "]");
}

nlohmann::json to_json(const ExecuteReport& r) {
  nlohmann::json failures = nlohmann::json::array();
  for (const auto& f : r.failures) {
    failures.push_back({{"test", f.test},
                        {"file", f.file},
                        {"line", f.line},
                        {"message", f.message},
                        {"outcome", f.outcome},
                        {"details", report_excerpt(f.details, r.junit_xml)}});
  }
  nlohmann::json shard = nullptr;
  if (r.shard) {
    nlohmann::json from = nullptr;
    if (r.shard_durations_from) {
      const ShardBase& b = *r.shard_durations_from;
      from = {{"source", b.artifact_key.empty() ? "state_db" : "artifact"},
              {"run_id", b.run_id > 0 ? nlohmann::json(b.run_id) : nlohmann::json(nullptr)},
              {"commit", b.commit.empty() ? nlohmann::json(nullptr) : nlohmann::json(b.commit)}};
      if (!b.artifact_key.empty()) {
        from["artifact_key"] = b.artifact_key;
        from["branch"] = b.branch;
      }
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
  size_t report_lines = 0, short_form = 0;
  for (const auto& f : r.failures) {
    const bool long_form = report_lines < kTotalReportLines;
    if (!long_form && !f.details.empty()) ++short_form;
    print_failure(out, f, r.junit_xml, long_form, report_lines);
  }
  if (short_form > 0) {
    out << "(the long reports of " << short_form << " more failures are in "
        << (r.junit_xml.empty() ? std::string("the JUnit file") : r.junit_xml) << ")\n";
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
