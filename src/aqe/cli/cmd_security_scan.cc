// aqe security-scan: secrets, risky Python code and (with --comprehensive) dependencies.
#include <filesystem>
#include <fstream>

#include "aqe/cli/artifacts_upload.h"
#include "aqe/cli/ci_surfaces.h"
#include "aqe/cli/command.h"
#include "aqe/config/sections.h"
#include "aqe/exec/process.h"
#include "aqe/scan/scan.h"
#include "aqe/state/db.h"
#include "aqe/util/fs.h"
#include "aqe/util/json.h"
#include "aqe/util/path.h"
#include "aqe/util/strings.h"

namespace aqe::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct ScanFlags {
  std::vector<std::string> paths;
  std::string severity = "low";
  std::string fail_on;
  bool comprehensive = false;
  std::string advisories;
  std::string baseline;
  std::string write_baseline;
  std::string format = "text";
  std::string output;
  unsigned threads = 0;
  bool secrets_only = false;
  bool git_history = false;
  bool follow_links = false;
  bool exclude_tests = false;
  std::string since;
  bool all_refs = false;   // the default for --git-history; accepted for clarity
  bool head_only = false;  // --git-history over HEAD's history only
};

std::vector<scan::CustomRule> custom_rules(const config::Config& cfg) {
  std::vector<scan::CustomRule> out;
  for (auto& r : config::security_rules(cfg)) {
    out.push_back({.id = std::move(r.id),
                   .description = std::move(r.description),
                   .severity = std::move(r.severity),
                   .regex = std::move(r.regex),
                   .keywords = std::move(r.keywords),
                   .entropy = r.entropy,
                   .allowlist = std::move(r.allowlist),
                   .origin = std::move(r.origin)});
  }
  return out;
}

// QE_CACHE_DIR, else $XDG_CACHE_HOME/qe-fleet, else ~/.cache/qe-fleet (the product contract).
fs::path cache_dir(const Context& ctx) {
  std::string dir = ctx.env_or("QE_CACHE_DIR");
  if (!dir.empty()) return dir;
  std::string xdg = ctx.env_or("XDG_CACHE_HOME");
  if (!xdg.empty()) return fs::path(xdg) / "qe-fleet";
  std::string home = ctx.env_or("HOME");
  return home.empty() ? fs::temp_directory_path() / "qe-fleet" : fs::path(home) / ".cache" / "qe-fleet";
}

// A relative security.advisories_dir from a config file means the project's directory; from
// the flag or QE_ADVISORIES_DIR it means the current directory, as any path a user types.
fs::path advisories_dir(const Context& ctx, const config::Config& c) {
  fs::path dir = c.get(config::kSecurityAdvisoriesDir);
  if (dir.empty() || dir.is_absolute()) return dir;
  std::string origin = c.origin(config::kSecurityAdvisoriesDir);
  if (starts_with(origin, "flag") || starts_with(origin, "env")) return dir;
  return ctx.project_dir / dir;
}

Result<scan::ScanOptions> build_options(Context& ctx, const ScanFlags& f) {
  if (!f.advisories.empty()) ctx.set_flag(config::kSecurityAdvisoriesDir, f.advisories, "--advisories");
  auto cfg = ctx.config();
  if (!cfg.ok()) return cfg.error();
  const config::Config& c = *cfg.value();
  scan::ScanOptions o;
  for (const auto& p : f.paths.empty() ? std::vector<std::string>{"."} : f.paths) o.paths.emplace_back(p);
  o.excludes = c.get(config::kProjectExclude);
  for (auto& g : c.get(config::kSecurityExclude)) o.excludes.push_back(std::move(g));
  auto floor = scan::parse_severity(f.severity);
  if (!floor.ok()) return make_error("USAGE", "--severity: " + floor.error().message, floor.error().hint);
  o.severity_floor = floor.value();
  if (!f.fail_on.empty()) {
    auto level = scan::parse_severity(f.fail_on);
    if (!level.ok()) return make_error("USAGE", "--fail-on: " + level.error().message, level.error().hint);
    o.fail_on = level.value();
  }
  o.comprehensive = f.comprehensive;
  o.advisories_dir = advisories_dir(ctx, c);
  o.baseline = f.baseline;
  o.write_baseline = f.write_baseline;
  o.threads = f.threads;
  o.code_rules = !f.secrets_only;
  o.follow_links = f.follow_links;
  o.test_dirs = c.get(config::kProjectTestDirs);
  o.exclude_tests = f.exclude_tests;
  o.cancelled = [] { return exec::interrupted(); };
  if ((f.all_refs || f.head_only) && !f.git_history)
    return make_error("USAGE",
                      std::string(f.head_only ? "--head-only" : "--all-refs") + " needs --git-history",
                      "e.g. 'aqe security-scan --git-history --head-only'");
  if (!f.since.empty() && !f.git_history)
    return make_error("USAGE", "--since needs --git-history",
                      "e.g. 'aqe security-scan --git-history --since origin/main'");
  o.git_history = f.git_history;
  o.since = f.since;
  o.all_refs = !f.head_only;
  o.max_file_size = static_cast<std::uint64_t>(c.get(config::kSecurityMaxFileSizeKb)) * 1024;
  o.custom_rules = custom_rules(c);
  o.cache_dir = cache_dir(ctx) / "hyperscan";
  return o;
}

// ---- the run recorded in .aqe/aqe.db, for the quality gate ----

// Project-relative when inside the project, so that the gate's --scope matches.
std::string project_path(const Context& ctx, const std::string& file) {
  std::error_code ec;
  const fs::path abs = fs::absolute(file, ec);
  if (ec) return file;
  return path_inside(abs.string(), ctx.project_dir.string()).value_or(file);
}

state::FindingRow finding_row(const Context& ctx, const scan::Finding& f) {
  state::FindingRow row;
  row.rule_id = f.rule_id;
  row.category = f.category;
  row.severity = std::string(scan::severity_name(f.severity));
  row.confidence = f.confidence;
  row.cwe = f.cwe;
  row.file = project_path(ctx, f.file);
  row.message = f.message;
  row.snippet = f.snippet;  // already redacted for secrets
  row.fingerprint = f.fingerprint;
  row.line = f.line;
  row.column = f.column;
  return row;
}

// The whole measurement, whatever --severity displayed: the findings rows and the summary's
// counts cover the findings below the floor too.
void record_scan(Context& ctx, const ScanFlags& f, const scan::ScanReport& r, CommandOutcome& out) {
  std::vector<state::FindingRow> rows;
  rows.reserve(r.findings.size() + r.below_floor.size());
  state::ScanSummary s;
  for (const auto* list : {&r.findings, &r.below_floor}) {
    for (const scan::Finding& finding : *list) {
      rows.push_back(finding_row(ctx, finding));
      switch (finding.severity) {
        case scan::Severity::kCritical:
          ++s.critical;
          break;
        case scan::Severity::kHigh:
          ++s.high;
          break;
        case scan::Severity::kMedium:
          ++s.medium;
          break;
        case scan::Severity::kLow:
          ++s.low;
          break;
      }
    }
  }
  (void)ctx.run->write([&](state::Db& db, int64_t id) { return db.record_findings(id, rows); });
  s.files_scanned = static_cast<int64_t>(r.files_scanned);
  s.bytes_scanned = static_cast<int64_t>(r.bytes_scanned);
  s.duration_s = r.duration_s;
  s.suppressed = r.suppressed;
  s.baselined = r.baselined;
  s.git_history = f.git_history;
  s.commits_scanned = static_cast<int64_t>(r.commits_scanned);
  s.dependencies_checked = r.dependencies && r.dependencies->checked;
  out.summary = s;
  out.run_args = {{"paths", f.paths},
                  {"severity", f.severity},
                  {"comprehensive", f.comprehensive},
                  {"baseline", f.baseline},
                  {"git_history", f.git_history}};
}

CommandOutcome run_security_scan(Context& ctx, const ScanFlags& f, bool storing) {
  const std::string name = "security-scan";
  if (f.format != "text" && f.format != "json" && f.format != "sarif") {
    return error_outcome(
        name, make_error("USAGE", "--format: unknown format '" + f.format + "'", "use text, json or sarif"));
  }
  auto options = build_options(ctx, f);
  if (!options.ok()) return error_outcome(name, options.error());
  auto report = scan::run_scan(options.value());
  if (!report.ok()) return error_outcome(name, report.error());
  CommandOutcome out;
  out.command = name;
  out.data = scan::to_json(*report);
  out.warnings = report->warnings;
  record_scan(ctx, f, *report, out);
  out.exit_code = report->exit_code == 0 ? ExitCode::kSuccess : ExitCode::kFailure;
  std::string rendered = f.format == "sarif"  ? scan::to_sarif(*report)
                         : f.format == "json" ? dump_json(out.data, 2) + "\n"
                                              : scan::to_text(*report);
  if (!f.output.empty()) {
    auto written = write_file_atomic(f.output, rendered);
    if (!written.ok()) return error_outcome(name, written.error());
    out.data["output"] = f.output;
    out.text = scan::to_text(*report) + "wrote " + f.output + "\n";
  } else {
    out.text = rendered;
  }
  // --store-artifacts keeps the findings as SARIF, whatever --format printed.
  if (storing)
    out.produced.push_back({"scan.sarif", {}, f.format == "sarif" ? rendered : scan::to_sarif(*report)});
  if (report->exit_code != 0) {
    out.errors.push_back(
        make_error("FINDINGS", "findings at or above --fail-on " + f.fail_on + " remain",
                   "fix them, mark deliberate ones with '# aqe:allow', or accept them with --write-baseline",
                   ExitCode::kFailure));
  }
  add_ci_surfaces(ctx, out);
  return out;
}

}  // namespace

void add_security_scan_command(CLI::App& app, CommandList& commands) {
  auto f = std::make_shared<ScanFlags>();
  CLI::App* sub =
      app.add_subcommand("security-scan", "Find secrets, risky Python code and vulnerable dependencies");
  sub->add_option("paths", f->paths, "Files or directories (default: .)");
  sub->add_option("--severity", f->severity,
                  "Report findings at or above this level: low|medium|high|critical");
  sub->add_option("--fail-on", f->fail_on, "Exit 1 when a finding at or above this level remains")
      ->type_name("LEVEL");
  sub->add_flag("--comprehensive", f->comprehensive,
                "Also check dependency manifests against the offline advisory database");
  sub->add_option("--advisories", f->advisories,
                  "Offline OSV advisory database directory (security.advisories_dir, QE_ADVISORIES_DIR)")
      ->type_name("DIR");
  sub->add_option("--baseline", f->baseline, "Report only findings not in this baseline file")
      ->type_name("FILE");
  sub->add_option("--write-baseline", f->write_baseline, "Write all current findings to this baseline file")
      ->type_name("FILE");
  sub->add_option("--format", f->format, "text (default), json or sarif");
  sub->add_option("--output,-o", f->output, "Write the report (in --format) to this file")->type_name("FILE");
  sub->add_flag("--secrets-only", f->secrets_only, "Run the secret rules only (no Python code rules)");
  sub->add_flag("--follow-links", f->follow_links,
                "Follow symbolic links under the paths (each real file is scanned once)");
  sub->add_flag("--exclude-tests", f->exclude_tests,
                "Drop code-rule findings in test files (default: one severity level lower); secrets stay");
  sub->add_flag("--git-history", f->git_history,
                "Scan the lines every commit added (secret rules), not the files on disk");
  sub->add_option("--since", f->since, "With --git-history: only commits after REF (not reachable from REF)")
      ->type_name("REF");
  auto* all_refs =
      sub->add_flag("--all-refs", f->all_refs, "With --git-history: every branch, tag and ref (the default)");
  sub->add_flag("--head-only", f->head_only, "With --git-history: only the history of HEAD, not all refs")
      ->excludes(all_refs);
  sub->add_option("--threads", f->threads, "Scanning threads (default: one per core)")->type_name("N");
  auto store = std::make_shared<StoreFlags>();
  add_store_flags(sub, *store);
  commands.push_back({"security-scan", sub,
                      [f, store](Context& ctx) { return run_security_scan(ctx, *f, store->store); }, true,
                      store});
}

}  // namespace aqe::cli
