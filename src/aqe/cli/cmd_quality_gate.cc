// aqe quality-gate: gathers measured inputs (explicit files, else the state DB), evaluates
// the gate under the CI's profile, and reports it (text/JSON, GitHub summary and outputs).
#include <filesystem>
#include <memory>
#include <optional>

#include <spdlog/spdlog.h>

#include "aqe/ci/ci.h"
#include "aqe/cli/artifacts_upload.h"
#include "aqe/cli/ci_surfaces.h"
#include "aqe/cli/command.h"
#include "aqe/gate/gate.h"
#include "aqe/gate/recorded_input.h"
#include "aqe/state/db.h"
#include "aqe/util/file_content.h"
#include "aqe/util/fs.h"
#include "aqe/util/path.h"
#include "aqe/util/strings.h"

namespace aqe::cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kCommand = "quality-gate";

struct GateFlags {
  std::optional<double> threshold;
  bool fail_on_error = false;
  std::vector<std::string> scopes;
  std::string profile;
  std::string base;
  std::string coverage;
  std::vector<std::string> junit;
  std::vector<std::string> sarif;
};

fs::path resolve(const Context& ctx, const std::string& p) {
  return fs::path(p).is_absolute() ? fs::path(p) : ctx.project_dir / p;
}

// An input file's bytes, valid until the next read into `content`. Large reports are mapped,
// not copied: a 10,000-file coverage.py report is ~19 MB, and copying it into a string cost a
// fifth of the gate's time (issue 7).
struct InputFile {
  FileContent content;
  std::string buffer;
};

Result<std::string_view> read_input(const Context& ctx, const std::string& flag, const std::string& p,
                                    InputFile& file) {
  std::error_code ec;
  fs::path path = resolve(ctx, p);
  if (!fs::is_regular_file(path, ec)) {
    return make_error("INPUT_NOT_FOUND", flag + ": file not found: " + p,
                      "check the path (relative to the project dir)");
  }
  if (auto st = file.content.open(path.string(), file.buffer); !st)
    return make_error("IO_ERROR", flag + ": " + st.error().message);
  return file.content.data();
}

// Explicit files: --coverage, --junit (shards summed), --sarif.
Status read_explicit_inputs(const Context& ctx, const GateFlags& f, gate::GateInputs& in) {
  InputFile file;
  if (!f.coverage.empty()) {
    auto text = read_input(ctx, "--coverage", f.coverage, file);
    if (!text) return text.error();
    auto cov = gate::parse_coverage(*text, f.coverage, ctx.project_dir, in.diff ? &*in.diff : nullptr);
    if (!cov) return cov.error();
    in.coverage = std::move(*cov);
  }
  std::vector<gate::TestInput> tests;
  for (const auto& j : f.junit) {
    auto text = read_input(ctx, "--junit", j, file);
    if (!text) return text.error();
    auto t = gate::parse_junit_results(*text, j);
    if (!t) return t.error();
    tests.push_back(std::move(*t));
  }
  if (!tests.empty()) in.tests = gate::merge_tests(tests);
  std::vector<gate::FindingsInput> findings;
  for (const auto& s : f.sarif) {
    auto text = read_input(ctx, "--sarif", s, file);
    if (!text) return text.error();
    auto fi = gate::parse_sarif(*text, s, ctx.project_dir);
    if (!fi) return fi.error();
    findings.push_back(std::move(*fi));
  }
  if (!findings.empty()) in.findings = gate::merge_findings(std::move(findings));
  return ok_status();
}

std::string first_failure(const gate::GateResult& r) {
  for (const auto& c : r.primary.conditions)
    if (!c.passed) return c.message;
  for (const auto& u : r.scopes)
    for (const auto& c : u.conditions)
      if (!c.passed) return c.message + " (scope " + u.scope + ")";
  return "";
}

bool has_any(const gate::GateInputs& in) { return in.coverage || in.tests || in.findings; }

Result<gate::GatePolicy> policy_of(const config::Config& c, const GateFlags& f, const fs::path& project_dir) {
  gate::GatePolicy p;
  p.threshold = c.get(config::kGatesThreshold);
  p.threshold_from_flag = f.threshold.has_value();
  p.weights = {c.get(config::kGatesWeightsLineCoverage), c.get(config::kGatesWeightsBranchCoverage),
               c.get(config::kGatesWeightsTestPassRate), c.get(config::kGatesWeightsSecurity)};
  const json& doc = c.document(config::ConfigFile::kGates);
  auto conds = gate::parse_conditions(doc.value("conditions", json()), "quality-gates.json: conditions");
  if (!conds) return conds.error();
  p.conditions = *conds;
  auto scopes = gate::parse_scopes(doc.value("scopes", json()));
  if (!scopes) return scopes.error();
  p.config_scopes = *scopes;
  for (const auto& s : f.scopes) p.flag_scopes.push_back(project_path(s, project_dir));
  return p;
}

// coverage_delta's reference: the latest snapshot recorded on the branch the diff is against.
void read_base_coverage(state::Db& db, const fs::path& project_dir, gate::GateInputs& in) {
  std::string branch = in.diff ? in.diff->base : "";
  if (starts_with(branch, "origin/")) branch = branch.substr(7);
  if (branch.empty()) {
    in.base_coverage_missing = "no base branch (see diff_coverage)";
    return;
  }
  auto base = gate::recorded_coverage(db, project_dir, branch);
  if (!base) {
    in.base_coverage_missing = base.error().message;
    return;
  }
  if (!*base) {
    in.base_coverage_missing = "no coverage recorded on " + branch + ": run `aqe execute --coverage` there";
    return;
  }
  in.base_coverage = std::move(**base);
}

// Explicit files first; the state DB fills what they leave out. No data at all is an error.
Result<gate::GateInputs> gather_inputs(const Context& ctx, const GateFlags& f, const fs::path& state_dir,
                                       std::optional<gate::DiffInput> diff) {
  gate::GateInputs in;
  in.diff = std::move(diff);
  if (auto st = read_explicit_inputs(ctx, f, in); !st) return st.error();
  std::error_code ec;
  in.base_coverage_missing =
      "no coverage recorded in aqe.db: run `aqe execute --coverage` on the base branch";
  if (state::Db* recorded = ctx.run->db()) {
    // The recorder's connection: the gate's own run is begun in the same DB.
    if (auto st = gate::read_recorded_inputs(*recorded, ctx.project_dir, in); !st) return st.error();
    read_base_coverage(*recorded, ctx.project_dir, in);
  } else if (fs::exists(state_dir / "aqe.db", ec)) {
    auto db = state::Db::open(state_dir);
    if (!db) return db.error();
    if (auto st = gate::read_recorded_inputs(*db, ctx.project_dir, in); !st) return st.error();
    read_base_coverage(*db, ctx.project_dir, in);
  }
  if (has_any(in)) return in;
  return make_error("NO_DATA",
                    "nothing to judge: no run recorded in " + (state_dir / "aqe.db").string() +
                        " and no --coverage/--junit/--sarif file given",
                    "run `aqe execute tests/ --coverage` (and `aqe security-scan src/`) first, or pass the "
                    "reports of your own tools");
}

// The debug log (--verbose, QE_LOG_FILE): the profile and which report or run each input is.
void log_gate_inputs(const gate::ProfileChoice& choice, const gate::GateInputs& in) {
  if (!spdlog::default_logger()->should_log(spdlog::level::debug)) return;
  if (choice.profile) {
    spdlog::debug("gate profile: {} ({}){}{}", printable(choice.profile->name), printable(choice.reason),
                  choice.profile->blocking ? "" : ", non-blocking",
                  choice.profile->skip ? ", skips the gate" : "");
  } else {
    spdlog::debug("gate profile: none (no profile's events or branches match)");
  }
  const auto origin = [](const auto& input) {
    return input ? printable(input->origin) : std::string("none");
  };
  spdlog::debug("gate input coverage: {}", origin(in.coverage));
  spdlog::debug("gate input tests: {}", origin(in.tests));
  spdlog::debug("gate input findings: {}", origin(in.findings));
  spdlog::debug("gate input tests_generated: {}",
                in.tests_generated_origin ? printable(*in.tests_generated_origin) : std::string("none"));
  spdlog::debug("gate input base coverage: {}",
                in.base_coverage ? printable(in.base_coverage->origin) : printable(in.base_coverage_missing));
  if (in.diff) {
    spdlog::debug("gate diff: {}", in.diff->unavailable.empty()
                                       ? "against " + printable(in.diff->base) + " (" +
                                             printable(in.diff->base_reason) + "), " +
                                             std::to_string(in.diff->changed.size()) + " files changed"
                                       : "unavailable: " + printable(in.diff->unavailable));
  }
}

std::string failure_warning(const GateFlags& f, const gate::GateResult& r) {
  if (f.fail_on_error && r.blocking)
    return "quality gate failed (" + first_failure(r) + "); exit 2 (--fail-on-error)";
  return "quality gate failed (" + first_failure(r) + "); exit 0 because " +
         (r.blocking ? std::string("--fail-on-error was not given")
                     : "profile '" + r.profile.profile->name + "' is non-blocking");
}

Result<gate::DiffInput> diff_of(const Context& ctx, const config::Config& c, const ci::CiFacts& ci) {
  const std::string base = c.get(config::kGatesDiffBase);
  std::string origin = c.origin(config::kGatesDiffBase);
  origin = starts_with(origin, "flag ") ? "--base" : origin + ": diff_base";
  return gate::diff_against_base(ctx.project_dir, base, origin, ci);
}

CommandOutcome run_quality_gate(Context& ctx, const GateFlags& f) {
  // The range (0-100) is the table's: load_config checks the flag against it.
  if (f.threshold) ctx.set_flag(config::kGatesThreshold, *f.threshold, "--threshold");
  if (!f.base.empty()) ctx.set_flag(config::kGatesDiffBase, f.base, "--base");
  auto cfg = ctx.config();
  if (!cfg) return error_outcome(kCommand, cfg.error());
  auto policy = policy_of(**cfg, f, ctx.project_dir);
  if (!policy) return error_outcome(kCommand, policy.error());
  auto profiles =
      gate::parse_profiles((*cfg)->document(config::ConfigFile::kGates).value("profiles", json()));
  if (!profiles) return error_outcome(kCommand, profiles.error());
  const ci::CiFacts& ci = ctx.ci_facts();
  auto choice = gate::select_profile(*profiles, ci, f.profile);
  if (!choice) return error_outcome(kCommand, choice.error());

  const fs::path state_dir = ctx.state_dir();
  gate::GateInputs in;
  std::vector<std::string> warnings;
  // A skipping profile needs no data: feature branches may have none.
  if (!(choice->profile && choice->profile->skip)) {
    auto diff = diff_of(ctx, **cfg, ci);
    if (!diff) return error_outcome(kCommand, diff.error());
    if (!diff->unavailable.empty()) warnings.push_back("diff_coverage not measured: " + diff->unavailable);
    auto gathered = gather_inputs(ctx, f, state_dir, std::move(*diff));
    if (!gathered) return error_outcome(kCommand, gathered.error());
    in = std::move(*gathered);
  }
  log_gate_inputs(*choice, in);
  auto result = gate::evaluate_gate(in, *policy, *choice);
  if (!result) return error_outcome(kCommand, result.error());
  const gate::GateResult& r = *result;

  CommandOutcome o;
  o.command = kCommand;
  o.data = gate::to_json(r);
  o.text = gate::to_text(r);
  o.warnings = std::move(warnings);
  if (!r.passed) {
    // A failed gate is the job's finding ("failure"), not an error of aqe's: it is reported in
    // data and as a warning, so the envelope's status stays "failure".
    if (f.fail_on_error && r.blocking) o.exit_code = ExitCode::kGateFailed;
    o.warnings.push_back(failure_warning(f, r));
  }
  add_gate_ci_surfaces(ctx, r, o);
  o.summary = gate::summary_of(r);
  o.run_args = {{"threshold", o.data.value("threshold", json())},
                {"scopes", o.data.value("scopes", json::array()).size()},
                {"profile", r.profile.profile ? json(r.profile.profile->name) : json(nullptr)}};
  return o;
}

}  // namespace

void add_quality_gate_command(CLI::App& app, CommandList& commands) {
  auto f = std::make_shared<GateFlags>();
  CLI::App* sub = app.add_subcommand(
      "quality-gate",
      "Judge measured coverage, test results and findings against a threshold and conditions");
  sub->add_option("--threshold", f->threshold, "Minimum quality score 0-100 (config: threshold)")
      ->type_name("N");
  sub->add_flag("--fail-on-error", f->fail_on_error,
                "Exit 2 when the gate fails (default: exit 0 with a warning)");
  sub->add_option("--scope", f->scopes, "Judge only files under PATH (repeatable)")->type_name("PATH");
  sub->add_option("--profile", f->profile,
                  "Use this profile of quality-gates.json (default: chosen from CI variables)")
      ->type_name("NAME");
  sub->add_option("--base", f->base,
                  "Git ref diff_coverage compares with (default: the CI's target branch, else origin/HEAD's "
                  "branch, else origin/main, origin/master, main or master)")
      ->type_name("REF");
  sub->add_option("--coverage", f->coverage, "Coverage report: coverage.py JSON, Cobertura XML or LCOV")
      ->type_name("FILE");
  sub->add_option("--junit", f->junit, "JUnit XML test report (repeatable: shards are summed)")
      ->type_name("FILE");
  sub->add_option("--sarif", f->sarif, "SARIF 2.1.0 findings (repeatable)")->type_name("FILE");
  sub->allow_extras();
  sub->fallthrough();
  auto store = std::make_shared<StoreFlags>();
  add_store_flags(sub, *store);
  commands.push_back({kCommand, sub, [f](Context& ctx) { return run_quality_gate(ctx, *f); }, true, store});
}

}  // namespace aqe::cli
