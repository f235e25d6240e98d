// GitHub Actions' summary, outputs and annotations for the four commands that measure, built
// from each command's documented `data` so that they say what --json says.
#include "aqe/cli/ci_surfaces.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>

#include "aqe/gate/gate.h"
#include "aqe/git/git.h"
#include "aqe/util/strings.h"

namespace aqe::cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Rows of a summary table; the rest is counted ("… and N more").
constexpr size_t kRows = 50;

std::string integer(const json& data, const char* key) {
  auto it = data.find(key);
  if (it == data.end() || !it->is_number()) return "";
  return std::to_string(it->get<int64_t>());
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

// A 0-1 rate of `obj[key]` as a percentage with two decimals; "" when it is not a number.
std::string percent(const json& obj, const char* key) {
  if (!obj.is_object()) return "";
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_number()) return "";
  return fixed(100.0 * it->get<double>(), 2);
}

std::string str(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : "";
}

int64_t int_of(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

std::string where(const json& item) {
  std::string f = str(item, "file");
  if (f.empty()) return "";
  const int64_t line = int_of(item, "line");
  return ci::markdown_text(line > 0 ? f + ":" + std::to_string(line) : f);
}

void more_rows(std::ostringstream& out, size_t total) {
  if (total > kRows) out << "\n… and " << total - kRows << " more\n";
}

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

// The repository's changed files (relative to its root) of a pull request: the diff from the
// merge base with the CI's target branch to the working tree. Empty (with `why`) when there is
// no target branch or git cannot tell.
std::set<std::string> changed_files(Context& ctx, std::string& why) {
  const std::string target = ctx.ci_facts().target_branch;
  if (target.empty()) return {};
  std::string base;
  for (const std::string& ref : {"origin/" + target, target}) {
    if (git::resolves_to_commit(ctx.project_dir, ref)) {
      base = ref;
      break;
    }
  }
  if (base.empty()) {
    why = "the target branch '" + target + "' is not in the checkout (fetch it, e.g. fetch-depth: 0)";
    return {};
  }
  auto mb = git::merge_base(ctx.project_dir, base);
  if (!mb) {
    why = "no merge base with " + base + ": " + mb.error().message;
    return {};
  }
  auto diff = git::diff_to_worktree(ctx.project_dir, *mb);
  if (!diff) {
    why = "git diff against " + base + " failed: " + diff.error().message;
    return {};
  }
  std::set<std::string> files;
  for (const auto& f : *diff)
    if (!f.path.empty()) files.insert(f.path);
  return files;
}

// GitHub's files are appended to by every step, so these are appends, not atomic replaces.
void append_to(const std::string& path, const std::string& text, const char* var,
               std::vector<std::string>& warnings) {
  std::ofstream out(path, std::ios::app | std::ios::binary);
  if (out) out << text;
  if (out) out.flush();
  if (!out) {
    std::error_code ec(errno, std::generic_category());
    warnings.push_back(std::string(var) + ": cannot append to " + printable(path) + " (" + ec.message() +
                       "); nothing written there");
  }
}

// What is left of GitHub's 1 MiB for this step, after what earlier commands appended.
size_t summary_room(const std::string& path) {
  std::error_code ec;
  const auto used = fs::file_size(path, ec);
  if (ec || used >= ci::kSummaryLimit) return ci::kSummaryLimit / 2;  // GitHub decides; ours stays small
  return ci::kSummaryLimit - static_cast<size_t>(used);
}

}  // namespace

CiSurfaces execute_surfaces(const json& data) {
  CiSurfaces s;
  s.title = "aqe execute";
  s.what = "failed tests";
  const json& cov = data.contains("coverage") ? data["coverage"] : json();
  s.outputs = {{"tests_run", integer(data, "tests_run")},
               {"passed", integer(data, "passed")},
               {"failed", integer(data, "failed")},
               {"skipped", integer(data, "skipped")},
               {"xfailed", integer(data, "xfailed")},
               {"xpassed", integer(data, "xpassed")},
               {"errors", integer(data, "errors")},
               {"flaky", integer(data, "flaky")},
               {"not_run", integer(data, "not_run")},
               {"coverage", percent(cov, "line_rate")},
               {"branch_coverage", percent(cov, "branch_rate")}};
  const json failures = data.value("failures", json::array());
  for (const auto& f : failures) {
    ci::Annotation a;
    a.level = ci::Annotation::Level::kError;
    a.file = str(f, "file");
    a.line = int_of(f, "line");
    a.title = (str(f, "outcome") == "error" ? "Test error: " : "Test failed: ") + str(f, "test");
    a.message = str(f, "message").empty() ? str(f, "test") : str(f, "message");
    s.annotations.push_back(std::move(a));
  }
  std::ostringstream out;
  const int64_t failed = int_of(data, "failed") + int_of(data, "errors");
  out << "### aqe execute: " << (failed > 0 || int_of(data, "not_run") > 0 ? "❌ " : "✅ ") << failed
      << " failed, " << int_of(data, "passed") << " passed\n\n"
      << "| tests | passed | failed | errors | skipped | xfailed | xpassed | flaky | not run | duration |\n"
      << "|---|---|---|---|---|---|---|---|---|---|\n"
      << "| " << int_of(data, "tests_run") << " | " << int_of(data, "passed") << " | "
      << int_of(data, "failed") << " | " << int_of(data, "errors") << " | " << int_of(data, "skipped")
      << " | " << int_of(data, "xfailed") << " | " << int_of(data, "xpassed") << " | "
      << int_of(data, "flaky") << " | " << int_of(data, "not_run") << " | "
      << fixed(data.value("duration_s", 0.0), 2) << " s |\n\n";
  if (cov.is_object()) {
    out << "Coverage: lines " << percent(cov, "line_rate") << "% (" << int_of(cov, "lines_covered") << "/"
        << int_of(cov, "lines_total") << "), branches " << percent(cov, "branch_rate") << "% ("
        << int_of(cov, "branches_covered") << "/" << int_of(cov, "branches_total") << ")\n\n";
  } else {
    out << "Coverage: not measured\n\n";
  }
  if (!failures.empty()) {
    out << "| failed test | where | message |\n|---|---|---|\n";
    for (size_t i = 0; i < failures.size() && i < kRows; ++i) {
      const json& f = failures[i];
      out << "| " << ci::markdown_text(str(f, "test")) << " | " << where(f) << " | "
          << ci::markdown_text(first_line(str(f, "message"))) << " |\n";
    }
    more_rows(out, failures.size());
  }
  s.summary_markdown = out.str();
  return s;
}

CiSurfaces generate_surfaces(const json& data) {
  CiSurfaces s;
  s.title = "aqe generate";
  s.what = "modules not generated";
  const json files = data.value("test_files", json::array());
  const json skipped = data.value("skipped", json::array());
  const json estimate = data.value("coverage_estimate", json());
  const std::string coverage = estimate.is_number() ? fixed(estimate.get<double>(), 1) : "";
  s.outputs = {{"tests_generated", integer(data, "tests_generated")},
               {"tests_discarded", integer(data, "tests_discarded")},
               {"files_processed", integer(data, "files_processed")},
               {"up_to_date", integer(data, "up_to_date")},
               {"test_files", std::to_string(files.size())},
               {"coverage", coverage}};
  for (const auto& k : skipped) {
    if (starts_with(str(k, "reason"), "up to date")) continue;  // nothing to fix there
    ci::Annotation a;
    a.level = ci::Annotation::Level::kWarning;
    a.file = str(k, "file");
    a.title = "No tests generated";
    a.message = str(k, "reason");
    s.annotations.push_back(std::move(a));
  }
  std::ostringstream out;
  out << "### aqe generate: " << int_of(data, "tests_generated") << " tests kept\n\n"
      << "| tests kept | discarded | modules | up to date | test files | coverage of the modules |\n"
      << "|---|---|---|---|---|---|\n"
      << "| " << int_of(data, "tests_generated") << " | " << int_of(data, "tests_discarded") << " | "
      << int_of(data, "files_processed") << " | " << int_of(data, "up_to_date") << " | " << files.size()
      << " | " << (coverage.empty() ? std::string("not measured") : coverage + "%") << " |\n\n";
  if (!files.empty()) {
    out << "| test file |\n|---|\n";
    for (size_t i = 0; i < files.size() && i < kRows; ++i)
      out << "| " << ci::markdown_text(files[i].is_string() ? files[i].get<std::string>() : "") << " |\n";
    more_rows(out, files.size());
    out << "\n";
  }
  if (!skipped.empty()) {
    out << "| skipped module | reason |\n|---|---|\n";
    for (size_t i = 0; i < skipped.size() && i < kRows; ++i)
      out << "| " << ci::markdown_text(str(skipped[i], "file")) << " | "
          << ci::markdown_text(str(skipped[i], "reason")) << " |\n";
    more_rows(out, skipped.size());
  }
  s.summary_markdown = out.str();
  return s;
}

CiSurfaces scan_surfaces(const json& data) {
  CiSurfaces s;
  s.title = "aqe security-scan";
  s.what = "findings";
  const json findings = data.value("findings", json::array());
  const json counts = data.value("counts", json::object());
  s.outputs = {{"findings", std::to_string(findings.size())},
               {"critical", integer(counts, "critical")},
               {"high", integer(counts, "high")},
               {"medium", integer(counts, "medium")},
               {"low", integer(counts, "low")},
               {"files_scanned", integer(data, "files_scanned")}};
  for (const auto& f : findings) {
    const std::string severity = str(f, "severity");
    ci::Annotation a;
    a.level = severity == "critical" || severity == "high" ? ci::Annotation::Level::kError
                                                           : ci::Annotation::Level::kWarning;
    a.file = str(f, "file");
    a.line = int_of(f, "line");
    a.title = str(f, "rule_id") + " (" + severity + ")";
    a.message = str(f, "message");
    s.annotations.push_back(std::move(a));
  }
  std::ostringstream out;
  out << "### aqe security-scan: "
      << (findings.empty() ? "✅ no findings" : "⚠️ " + std::to_string(findings.size()) + " findings")
      << "\n\n| critical | high | medium | low | files scanned |\n|---|---|---|---|---|\n"
      << "| " << int_of(counts, "critical") << " | " << int_of(counts, "high") << " | "
      << int_of(counts, "medium") << " | " << int_of(counts, "low") << " | " << int_of(data, "files_scanned")
      << " |\n\n";
  if (!findings.empty()) {
    out << "| severity | rule | where | message |\n|---|---|---|---|\n";
    for (size_t i = 0; i < findings.size() && i < kRows; ++i) {
      const json& f = findings[i];
      out << "| " << ci::markdown_text(str(f, "severity")) << " | " << ci::markdown_text(str(f, "rule_id"))
          << " | " << where(f) << " | " << ci::markdown_text(first_line(str(f, "message"))) << " |\n";
    }
    more_rows(out, findings.size());
  }
  s.summary_markdown = out.str();
  return s;
}

CiSurfaces gate_surfaces(const gate::GateResult& r, bool as_error) {
  CiSurfaces s;
  s.title = "aqe quality-gate";
  s.what = "gate annotations";
  s.summary_markdown = gate::to_markdown(r);
  s.outputs = gate::github_outputs(r);
  s.annotations = gate::annotations(r, as_error);
  s.annotations_repo_relative = true;  // and the uncovered lines are the change's own
  s.order_by_change = false;
  return s;
}

void publish_ci_surfaces(Context& ctx, const CiSurfaces& s, CommandOutcome& o) {
  if (ctx.env_or("GITHUB_ACTIONS") != "true") return;
  if (auto p = ctx.env_or("GITHUB_STEP_SUMMARY"); !p.empty())
    append_to(p, ci::fit_summary(s.summary_markdown, summary_room(p)) + "\n", "GITHUB_STEP_SUMMARY",
              o.warnings);
  if (auto p = ctx.env_or("GITHUB_OUTPUT"); !p.empty())
    append_to(p, ci::output_entries(s.outputs, ci::random_delimiter()), "GITHUB_OUTPUT", o.warnings);
  if (s.annotations.empty()) return;
  std::vector<ci::Annotation> annotations = s.annotations;
  std::string prefix;
  if (!s.annotations_repo_relative) {
    // GitHub resolves file= against the repository root; the commands name files from the project dir.
    auto p = git::repo_prefix(ctx.project_dir);
    if (p) prefix = *p;
    for (auto& a : annotations)
      if (!a.file.empty() && !starts_with(a.file, "/")) a.file = prefix + a.file;
  }
  std::string why;
  const std::set<std::string> changed = s.order_by_change ? changed_files(ctx, why) : std::set<std::string>{};
  if (!why.empty()) o.warnings.push_back("annotations not ordered by the change: " + why);
  o.workflow_commands = ci::spend_budget(annotations, changed, s.title, s.what);
}

void add_ci_surfaces(Context& ctx, CommandOutcome& o) {
  if (ctx.env_or("GITHUB_ACTIONS") != "true") return;
  if (o.command == "execute")
    publish_ci_surfaces(ctx, execute_surfaces(o.data), o);
  else if (o.command == "generate")
    publish_ci_surfaces(ctx, generate_surfaces(o.data), o);
  else if (o.command == "security-scan")
    publish_ci_surfaces(ctx, scan_surfaces(o.data), o);
}

void add_gate_ci_surfaces(Context& ctx, const gate::GateResult& r, CommandOutcome& o) {
  if (ctx.env_or("GITHUB_ACTIONS") != "true") return;
  publish_ci_surfaces(ctx, gate_surfaces(r, o.exit_code == ExitCode::kGateFailed), o);
}

}  // namespace aqe::cli
