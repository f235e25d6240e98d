// aqe generate: maps flags and config to gen::GenerateOptions, picks the interpreter and
// renders the report.
#include <filesystem>
#include <memory>
#include <optional>

#include <spdlog/spdlog.h>

#include "aqe/cli/artifacts_upload.h"
#include "aqe/cli/ci_surfaces.h"
#include "aqe/cli/command.h"
#include "aqe/exec/process.h"
#include "aqe/exec/python.h"
#include "aqe/gen/gen.h"
#include "aqe/gen/routing.h"
#include "aqe/gen/schedule.h"
#include "aqe/llm/pricing.h"
#include "aqe/state/db.h"
#include "aqe/usage/usage.h"
#include "aqe/util/layout.h"
#include "aqe/util/path.h"
#include "aqe/util/time.h"

namespace aqe::cli {

namespace fs = std::filesystem;

namespace {

struct GenerateFlags {
  std::vector<std::string> paths;
  std::string output;
  std::string framework;
  std::string engine;
  std::string model;
  std::optional<double> time_budget_s;
  std::optional<double> coverage_target;
  std::optional<double> run_budget_s;
  bool parallel = false;
  std::string python;
};

void record_flags(Context& ctx, const GenerateFlags& f) {
  if (!f.output.empty()) ctx.set_flag(config::kGenerateOutput, f.output, "--output");
  if (!f.framework.empty()) ctx.set_flag(config::kGenerateFramework, f.framework, "--framework");
  if (!f.engine.empty()) ctx.set_flag(config::kGenerateEngine, f.engine, "--engine");
  if (!f.model.empty()) ctx.set_flag(config::kLlmModel, f.model, "--model");
  if (f.time_budget_s) ctx.set_flag(config::kGenerateTimeBudgetS, *f.time_budget_s, "--time-budget");
  if (f.coverage_target)
    ctx.set_flag(config::kGenerateCoverageTarget, *f.coverage_target, "--coverage-target");
  if (f.run_budget_s) ctx.set_flag(config::kGenerateRunBudgetS, *f.run_budget_s, "--run-budget");
  if (f.parallel) ctx.set_flag(config::kGenerateParallel, true, "--parallel");
  if (!f.python.empty()) ctx.set_flag(config::kPythonInterpreter, f.python, "--python");
}

fs::path absolute_in(const fs::path& base, const std::string& p) {
  fs::path r = fs::path(p).is_absolute() ? fs::path(p) : base / p;
  std::error_code ec;
  fs::path c = fs::weakly_canonical(r, ec);
  return ec ? r.lexically_normal() : c;
}

// QE_CACHE_DIR, else $XDG_CACHE_HOME/qe-fleet, else ~/.cache/qe-fleet (the product contract).
fs::path llm_cache_dir(const Context& ctx) {
  std::string dir = ctx.env_or("QE_CACHE_DIR");
  if (!dir.empty()) return dir;
  std::string xdg = ctx.env_or("XDG_CACHE_HOME");
  if (!xdg.empty()) return fs::path(xdg) / "qe-fleet";
  std::string home = ctx.env_or("HOME");
  return home.empty() ? fs::temp_directory_path() / "qe-fleet" : fs::path(home) / ".cache" / "qe-fleet";
}

// The model engine's settings when it can run: the provider's key from the environment (the
// only place a key is read from), or an llm.base_url (a local server may need no key).
// Routing (llm.routing) picks among llm.tiers, or the provider's default tiers; an explicit
// --model is the user's choice for this run and turns routing off.
std::optional<gen::LlmSettings> llm_settings(Context& ctx, const config::Config& c, bool explicit_model) {
  gen::LlmSettings s;
  const std::string provider = c.get(config::kLlmProvider);
  s.provider.provider = provider == "openai" ? llm::Provider::kOpenAi : llm::Provider::kAnthropic;
  s.provider.api_key = ctx.env_or(provider == "openai" ? "OPENAI_API_KEY" : "ANTHROPIC_API_KEY");
  s.provider.base_url = c.get(config::kLlmBaseUrl);
  if (s.provider.api_key.empty() && s.provider.base_url.empty()) return std::nullopt;
  s.provider.model = c.get(config::kLlmModel);
  if (s.provider.model.empty()) s.provider.model = provider == "openai" ? "gpt-4o-mini" : "claude-haiku-4-5";
  if (c.get(config::kLlmRouting)) {
    if (explicit_model) {
      s.routing_off_by = "--model";
    } else {
      s.routing = true;
      s.tiers = c.get(config::kLlmTiers);
      if (s.tiers.empty()) s.tiers = gen::default_tiers(provider);
    }
  }
  s.provider.timeout = std::chrono::milliseconds(static_cast<int64_t>(c.get(config::kLlmTimeoutS) * 1000));
  s.provider.max_retries = static_cast<int>(c.get(config::kLlmMaxRetries));
  s.max_attempts = static_cast<int>(c.get(config::kLlmMaxAttempts));
  s.max_cost_usd = c.get(config::kLlmMaxCostUsdPerRun);
  if (c.get(config::kLlmCache)) s.cache_dir = llm_cache_dir(ctx);
  state::RunWriter* run = ctx.run;
  s.record = [run](const gen::LlmCall& call) {
    if (run == nullptr) return;
    run->write([&](state::Db& db, int64_t run_id) {
      state::UsageRow row;
      row.at = iso8601_now();
      row.command = "generate";
      row.provider = call.provider;
      row.model = call.model;
      row.input_tokens = call.tokens.input;
      row.output_tokens = call.tokens.output;
      row.cache_write_tokens = call.tokens.cache_write;
      row.cache_read_tokens = call.tokens.cache_read;
      row.reasoning_tokens = call.tokens.reasoning;
      row.cost_usd = call.cost_usd.value_or(0);
      row.cost_known = call.cost_usd.has_value();
      row.cache_hit = call.cache_hit;
      row.outcome = call.outcome;
      row.run_id = run_id;
      return db.record_usage(row);
    });
  };
  return s;
}

// usage.daily_limit_usd / usage.monthly_limit_usd with what the ledger recorded this UTC day and
// month, checked before each model call as `aqe usage alert` checks them afterwards.
Result<std::vector<gen::SpendLimit>> spend_limits(Context& ctx, const config::Config& c) {
  const usage::Limits limits{c.get(config::kUsageDailyLimitUsd), c.get(config::kUsageMonthlyLimitUsd)};
  if (limits.daily_usd <= 0 && limits.monthly_usd <= 0) return std::vector<gen::SpendLimit>{};
  const auto now = usage::Clock::now();
  std::vector<state::UsageRow> rows;
  std::error_code ec;
  if (fs::exists(ctx.state_dir() / "aqe.db", ec)) {
    auto db = state::Db::open(ctx.state_dir());
    if (!db) return db.error();
    auto r = db->usage_since(usage::month_start(now));
    if (!r) return r.error();
    rows = std::move(*r);
  }
  std::vector<gen::SpendLimit> out;
  for (const auto& check : usage::check_limits(rows, limits, now))
    out.push_back({"usage." + check.period + "_limit_usd", check.limit_usd, check.spent_usd});
  return out;
}

CommandOutcome run_generate_command(Context& ctx, const GenerateFlags& f) {
  const std::string cmd = "generate";
  record_flags(ctx, f);
  auto cfg = ctx.config();
  if (!cfg) return error_outcome(cmd, cfg.error());
  const config::Config& c = **cfg;

  std::vector<std::string> warnings;
  std::string engine = c.get(config::kGenerateEngine);
  std::string engine_note;
  gen::GenerateOptions o;
  if (engine != "builtin") {
    // The config table checked each price's type and range; which fields a model needs is
    // pricing's rule, so the message names the file position of llm.prices.
    const nlohmann::json& fleet = c.document(config::ConfigFile::kFleet);
    const auto file = c.files().find(config::ConfigFile::kFleet);
    const std::string where =
        (file == c.files().end() ? std::string("qe-fleet.json") : file->second.filename().string()) +
        ": llm.prices";
    auto prices = llm::parse_price_overrides(fleet.contains("llm") && fleet["llm"].is_object()
                                                 ? fleet["llm"].value("prices", nlohmann::json())
                                                 : nlohmann::json(),
                                             where);
    if (!prices) return error_outcome(cmd, prices.error());
    o.llm = llm_settings(ctx, c, !f.model.empty());
    if (o.llm) {
      o.llm->price_overrides = std::move(*prices);
      auto limits = spend_limits(ctx, c);
      if (!limits) return error_outcome(cmd, limits.error());
      o.llm->spend_limits = std::move(*limits);
    }
    if (!o.llm) {
      const std::string var =
          c.get(config::kLlmProvider) == "openai" ? "OPENAI_API_KEY" : "ANTHROPIC_API_KEY";
      if (engine == "llm")
        return error_outcome(
            cmd, make_error("ENGINE_UNAVAILABLE",
                            "generate.engine llm: " + var + " is not set and llm.base_url is empty",
                            "export " + var + " (or set llm.base_url), or use --engine builtin"));
      // Said in the output, not as a warning: the default run without a key is no problem to
      // annotate in every CI job.
      engine_note =
          "engine auto: " + var + " is not set and llm.base_url is empty, so only the built-in engine ran";
      engine = "builtin";
    }
  }
  o.engine = engine;
  std::error_code ec;
  o.project_dir = fs::weakly_canonical(ctx.project_dir, ec);
  if (ec) o.project_dir = ctx.project_dir;
  o.output_dir = absolute_in(o.project_dir, c.get(config::kGenerateOutput));
  o.exclude = c.get(config::kProjectExclude);
  o.time_budget_s = c.get(config::kGenerateTimeBudgetS);
  o.coverage_target = c.get(config::kGenerateCoverageTarget);
  o.run_budget_s = c.get(config::kGenerateRunBudgetS);
  o.parallel = c.get(config::kGenerateParallel);
  if (o.parallel) o.stored_explore_s = gen::stored_explore_times(ctx.run->db());
  o.version = AQE_VERSION;
  o.paths = f.paths;
  if (o.paths.empty()) {
    // The configured source dirs that exist, else the project's layout (src/, its packages).
    const SourceLayout layout =
        find_source_layout(o.project_dir, c.get(config::kProjectSourceDirs), c.get(config::kProjectTestDirs));
    for (const auto& d : layout.dirs) o.paths.push_back(display_path(d, o.project_dir));
    if (o.paths.empty()) {
      return error_outcome(cmd,
                           make_error("USAGE", "no paths given and no project.source_dirs directory exists",
                                      "pass files or directories: aqe generate src/"));
    }
  }

  auto py = exec::require_python(python_discovery_input(c, ctx.project_dir), {"pytest", "coverage"});
  if (!py) return error_outcome(cmd, py.error());
  o.python = py->path;
  if (spdlog::default_logger()->should_log(spdlog::level::debug)) {
    spdlog::debug("generate sandbox: {}",
                  exec::network_isolation_available()
                      ? "own network namespace (no network), resource limits, audit hooks"
                      : "no network namespace here (the kernel refused one); the audit "
                        "hooks alone refuse Python's network calls; resource limits");
  }

  auto report = gen::run_generate(o, *ctx.progress);
  if (!report) return error_outcome(cmd, report.error());
  CommandOutcome out;
  out.command = cmd;
  out.exit_code = report->exit_code;
  out.data = gen::to_json(*report);
  out.warnings = std::move(warnings);
  out.warnings.insert(out.warnings.end(), report->warnings.begin(), report->warnings.end());
  out.text = gen::to_text(*report);
  out.data["engine_note"] = engine_note.empty() ? nlohmann::json(nullptr) : nlohmann::json(engine_note);
  if (!engine_note.empty()) out.text += engine_note + "\n";
  out.summary = gen::summary_of(*report);
  out.run_args = {{"paths", o.paths}};
  switch (report->exit_code) {
    case ExitCode::kUsage:
      if (report->llm && report->llm->error) out.errors.push_back(*report->llm->error);
      for (const auto& s : report->skipped)
        if (s.reason == "no such file or directory")
          out.errors.push_back(make_error("INPUT_NOT_FOUND", s.file + ": no such file or directory",
                                          "check the path; nothing was generated"));
      break;
    case ExitCode::kTimeout:
      out.errors.push_back(make_error("TIMEOUT",
                                      "the run's time budget was used up; finished modules were kept",
                                      "raise --run-budget or run with --parallel; data.unfinished lists the "
                                      "modules left out",
                                      ExitCode::kTimeout));
      break;
    case ExitCode::kTransient:
      if (report->llm && report->llm->error) out.errors.push_back(*report->llm->error);
      break;
    case ExitCode::kFailure:
      if (report->llm && report->llm->budget_stopped) {
        const std::string& key = report->llm->budget_key;
        out.errors.push_back(make_error("BUDGET_EXCEEDED",
                                        "a model call was not made: it could take the spend past " + key +
                                            "; the tests kept so far are kept",
                                        "raise " + key + ", or 0 for no limit", ExitCode::kFailure));
        break;
      }
      out.errors.push_back(make_error("NOTHING_GENERATED", "no test could be generated for the given modules",
                                      "see data.skipped for the reason per file", ExitCode::kFailure));
      break;
    default:
      break;
  }
  add_ci_surfaces(ctx, out);
  return out;
}

}  // namespace

void add_generate_command(CLI::App& app, CommandList& commands) {
  auto f = std::make_shared<GenerateFlags>();
  CLI::App* sub = app.add_subcommand(
      "generate", "Generate pytest tests for Python modules (built-in engine, no API key)");
  sub->add_option("paths", f->paths, "Source files or directories (default: project.source_dirs)");
  sub->add_option("-o,--output", f->output, "Directory for generated tests (default: tests/generated)");
  sub->add_option("--framework", f->framework, "Test framework of the generated tests (pytest)");
  sub->add_option(
      "--engine", f->engine,
      "auto|builtin|llm (auto: the model for what the built-in engine left uncovered, when an API key "
      "or llm.base_url is set)");
  sub->add_option("--model", f->model, "Model name (llm.model); turns llm.routing off for the run");
  sub->add_option("--time-budget", f->time_budget_s,
                  "Exploration per module, seconds: 1,000 calls per second of it (default 10)");
  sub->add_option("--coverage-target", f->coverage_target,
                  "Stop exploring a module once its kept calls cover this percent of its lines+branches "
                  "(default 100: explore until the budget)");
  sub->add_option("--run-budget", f->run_budget_s,
                  "Seconds for the whole run, exit 5 when used up (default 0: 1.5 x time budget per module "
                  "per worker + 60)");
  sub->add_flag("--parallel", f->parallel, "Explore modules on one worker per core");
  sub->add_option("--python", f->python, "Python interpreter (default: QE_PYTHON, config, .venv, python3)");
  sub->allow_extras();
  sub->fallthrough();
  auto store = std::make_shared<StoreFlags>();
  add_store_flags(sub, *store);
  commands.push_back(
      {"generate", sub, [f](Context& ctx) { return run_generate_command(ctx, *f); }, true, store});
}

}  // namespace aqe::cli
