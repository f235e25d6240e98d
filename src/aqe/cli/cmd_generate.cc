// aqe generate: maps flags and config to gen::GenerateOptions, picks the interpreter and
// renders the report.
#include <filesystem>
#include <memory>
#include <optional>

#include "aqe/cli/artifacts_upload.h"
#include "aqe/cli/ci_surfaces.h"
#include "aqe/cli/command.h"
#include "aqe/exec/python.h"
#include "aqe/gen/gen.h"

namespace aqe::cli {

namespace fs = std::filesystem;

namespace {

struct GenerateFlags {
  std::vector<std::string> paths;
  std::string output;
  std::string framework;
  std::string engine;
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

CommandOutcome run_generate_command(Context& ctx, const GenerateFlags& f) {
  const std::string cmd = "generate";
  record_flags(ctx, f);
  auto cfg = ctx.config();
  if (!cfg) return error_outcome(cmd, cfg.error());
  const config::Config& c = **cfg;

  std::vector<std::string> warnings;
  const std::string engine = c.get(config::kGenerateEngine);
  if (engine == "llm") {
    return error_outcome(cmd, make_error("ENGINE_UNAVAILABLE",
                                         "generate.engine: the llm engine is not available in this build",
                                         "use --engine builtin (or auto)"));
  }
  gen::GenerateOptions o;
  std::error_code ec;
  o.project_dir = fs::weakly_canonical(ctx.project_dir, ec);
  if (ec) o.project_dir = ctx.project_dir;
  o.output_dir = absolute_in(o.project_dir, c.get(config::kGenerateOutput));
  o.exclude = c.get(config::kProjectExclude);
  o.time_budget_s = c.get(config::kGenerateTimeBudgetS);
  o.coverage_target = c.get(config::kGenerateCoverageTarget);
  o.run_budget_s = c.get(config::kGenerateRunBudgetS);
  o.parallel = c.get(config::kGenerateParallel);
  o.version = AQE_VERSION;
  o.paths = f.paths;
  if (o.paths.empty()) {
    for (const auto& d : c.get(config::kProjectSourceDirs))
      if (fs::is_directory(o.project_dir / d, ec)) o.paths.push_back(d);
    if (o.paths.empty()) {
      return error_outcome(cmd,
                           make_error("USAGE", "no paths given and no project.source_dirs directory exists",
                                      "pass files or directories: aqe generate src/"));
    }
  }

  auto py = exec::require_python(python_discovery_input(c, ctx.project_dir), {"pytest", "coverage"});
  if (!py) return error_outcome(cmd, py.error());
  o.python = py->path;

  auto report = gen::run_generate(o, *ctx.progress);
  if (!report) return error_outcome(cmd, report.error());
  CommandOutcome out;
  out.command = cmd;
  out.exit_code = report->exit_code;
  out.data = gen::to_json(*report);
  out.warnings = std::move(warnings);
  out.warnings.insert(out.warnings.end(), report->warnings.begin(), report->warnings.end());
  out.text = gen::to_text(*report);
  out.summary = gen::summary_of(*report);
  out.run_args = {{"paths", o.paths}};
  switch (report->exit_code) {
    case ExitCode::kUsage:
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
    case ExitCode::kFailure:
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
  sub->add_option("--engine", f->engine, "auto|builtin|llm");
  sub->add_option("--time-budget", f->time_budget_s, "Exploration seconds per module (default 10)");
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
