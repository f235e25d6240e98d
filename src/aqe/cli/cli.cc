#include "aqe/cli/cli.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "aqe/cli/artifacts_upload.h"
#include "aqe/cli/command.h"
#include "aqe/cli/output.h"
#include "aqe/cli/recorder.h"
#include "aqe/exec/process.h"
#include "aqe/util/json.h"
#include "aqe/util/strings.h"
#include "aqe/util/time.h"

extern char** environ;

namespace aqe::cli {

namespace {

std::map<std::string, std::string> read_environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    size_t eq = kv.find('=');
    if (eq != std::string_view::npos) env.emplace(kv.substr(0, eq), kv.substr(eq + 1));
  }
  return env;
}

void setup_logging(Context& ctx) {
  std::vector<spdlog::sink_ptr> sinks;
  sinks.push_back(std::make_shared<spdlog::sinks::stderr_sink_mt>());
  std::string file = ctx.env_or("QE_LOG_FILE");
  if (!file.empty()) {
    // The sink appends: what this command logs starts at the file's current end.
    std::error_code ec;
    const auto size = std::filesystem::file_size(file, ec);
    ctx.log_offset = ec ? 0 : size;
    try {
      sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(file));
    } catch (const spdlog::spdlog_ex& e) {
      std::cerr << "aqe: warning: QE_LOG_FILE: cannot open " << file << ": " << e.what() << "\n";
    }
  }
  auto logger = std::make_shared<spdlog::logger>("aqe", sinks.begin(), sinks.end());
  logger->set_pattern("aqe: %l: %v");
  std::string level = to_lower(ctx.env_or("QE_LOG_LEVEL", "warn"));
  auto lvl = spdlog::level::from_str(level);
  if (level == "warn") lvl = spdlog::level::warn;
  if (ctx.global.verbose) lvl = spdlog::level::debug;
  // The log file is for finding out what happened: it gets the decisions (debug) whatever the
  // terminal's level; stderr keeps the chosen one.
  sinks.front()->set_level(lvl);
  if (sinks.size() > 1) {
    sinks.back()->set_pattern("%Y-%m-%dT%H:%M:%S.%e aqe[%P] %l: %v");
    lvl = std::min(lvl, spdlog::level::debug);
  }
  logger->set_level(lvl);
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

// What a command decided from, at debug level (--verbose, QE_LOG_FILE): never a secret.
// Config values are shown as `config show` shows them (URL credentials as ***), and only
// those not at their default; project text is escaped.
void log_start(Context& ctx, const std::string& command) {
  if (!spdlog::default_logger()->should_log(spdlog::level::debug)) return;  // it reads config and git
  spdlog::debug("aqe {} {} in {}", AQE_VERSION, command, printable(ctx.project_dir.string()));
  spdlog::debug("state dir: {}", printable(ctx.state_dir().string()));
  const ci::CiFacts& facts = ctx.ci_facts();
  spdlog::debug(
      "branch {} (from {}), commit {}", printable(facts.branch.empty() ? "(unknown)" : facts.branch),
      facts.source.empty() ? "nothing" : facts.source, facts.commit.empty() ? "(unknown)" : facts.commit);
}

// The effective config after the command's flags, as `config show` shows it.
void log_config(Context& ctx) {
  if (!spdlog::default_logger()->should_log(spdlog::level::debug)) return;
  auto cfg = ctx.config();
  if (!cfg) {
    spdlog::debug("config: {}", printable(cfg.error().message));
    return;
  }
  for (const auto& [kind, path] : (*cfg)->files()) spdlog::debug("config file: {}", printable(path.string()));
  for (const auto& [key, v] : (*cfg)->entries()) {
    if (v.origin == "default") continue;
    const nlohmann::json value =
        v.value.is_string() ? nlohmann::json(config::redact_url_credentials(v.value.get<std::string>()))
                            : v.value;
    spdlog::debug("config: {} = {} ({})", key, printable(dump_json(value)), printable(v.origin));
  }
}

void log_outcome(const CommandOutcome& o, int64_t duration_ms) {
  for (const auto& w : o.warnings) spdlog::debug("warning: {}", printable(w));
  for (const auto& e : o.errors) spdlog::debug("error {}: {}", e.code, printable(e.message));
  // The figures a run is judged by, as the JSON data holds them (small scalars only).
  std::string figures;
  for (const auto& [k, v] : o.data.items()) {
    if (!(v.is_number() || v.is_boolean()) && !(v.is_string() && v.get<std::string>().size() <= 80)) continue;
    figures += " " + k + "=" + printable(v.is_string() ? v.get<std::string>() : v.dump());
  }
  spdlog::debug("{} exit {} in {} ms;{}", o.command, to_int(o.exit_code), duration_ms, figures);
}

// All option names ("--json", "-q") of an app, for "did you mean".
std::vector<std::string> option_names(const CLI::App* app) {
  std::vector<std::string> out;
  for (const CLI::Option* o : app->get_options()) {
    for (const auto& l : o->get_lnames()) out.push_back("--" + l);
  }
  return out;
}

std::vector<std::string> subcommand_names(const CLI::App* app) {
  std::vector<std::string> out;
  for (const CLI::App* s : app->get_subcommands([](const CLI::App*) { return true; }))
    out.push_back(s->get_name());
  return out;
}

// The deepest subcommand that was parsed, or the app itself.
CLI::App* selected_app(CLI::App* app) {
  for (CLI::App* s : app->get_subcommands()) return selected_app(s);
  return app;
}

std::string command_path(CLI::App* app, CLI::App* root) {
  std::vector<std::string> parts;
  for (CLI::App* a = app; a && a != root; a = a->get_parent()) parts.insert(parts.begin(), a->get_name());
  return parts.empty() ? "aqe" : join(parts, " ");
}

// Arguments CLI11 did not recognise: an unknown command or an unknown option.
std::optional<Error> check_leftovers(CLI::App& root, CLI::App* selected) {
  std::vector<std::string> extras = root.remaining();
  for (CLI::App* a = selected; a && a != &root; a = a->get_parent()) {
    auto r = a->remaining();
    extras.insert(extras.end(), r.begin(), r.end());
  }
  if (extras.empty()) return std::nullopt;
  const std::string& bad = extras.front();
  if (starts_with(bad, "-")) {
    std::string name = bad.substr(0, bad.find('='));
    std::vector<std::string> cands = option_names(selected);
    auto globals = option_names(&root);
    cands.insert(cands.end(), globals.begin(), globals.end());
    std::string near = closest_match(name, cands);
    std::string where = selected == &root ? "aqe" : "aqe " + command_path(selected, &root);
    return make_error(
        "USAGE", "unknown option '" + name + "' for " + where,
        near.empty() ? "run `" + where + " --help` for the options" : "did you mean '" + near + "'?");
  }
  CLI::App* parent = selected;
  std::vector<std::string> cands = subcommand_names(parent);
  if (cands.empty()) {
    return make_error("USAGE", "unexpected argument '" + bad + "'",
                      "run `aqe " + command_path(selected, &root) + " --help`");
  }
  std::string near = closest_match(bad, cands);
  std::string what = parent == &root ? "unknown command '" + bad + "'"
                                     : "unknown command '" + command_path(parent, &root) + " " + bad + "'";
  return make_error("USAGE", what,
                    near.empty() ? "commands: " + join(cands, ", ") : "did you mean '" + near + "'?");
}

// A command's help lists the global options too (as git and cargo do): they are accepted after
// the command's name as well.
class HelpFormatter : public CLI::Formatter {
 public:
  std::string make_footer(const CLI::App* app) const override {
    const CLI::App* root = app;
    while (root->get_parent() != nullptr) root = root->get_parent();
    std::string globals;
    if (root != app) {
      globals = make_group("Global options", false, root->get_options([root](const CLI::Option* o) {
                  return o->nonpositional() && o != root->get_help_ptr() && o != root->get_help_all_ptr();
                })) +
                "\n";
    }
    return globals + CLI::Formatter::make_footer(app);
  }
};

}  // namespace

void build_parser(CLI::App& app, Context& ctx, CommandList& commands) {
  app.formatter(std::make_shared<HelpFormatter>());  // before the subcommands: they copy it
  app.set_version_flag("--version", AQE_VERSION, "Print the version and exit");
  app.add_option("--config", ctx.global.config_file,
                 "Config file (qe-fleet.json); default: config/ then .aqe/")
      ->type_name("FILE");
  app.add_flag("--json", ctx.global.json, "Machine output (the JSON envelope) on stdout; logs on stderr");
  app.add_flag("-q,--quiet", ctx.global.quiet, "Print only errors");
  app.add_flag("--ci-mode", ctx.global.ci_mode, "= --json --quiet: no colour, prompts or progress bars");
  app.add_flag("-v,--verbose", ctx.global.verbose, "Debug logging on stderr");
  app.add_flag("--no-color", ctx.global.no_color, "No colour (also: NO_COLOR)");
  app.add_option("--project-dir", ctx.global.project_dir, "Project root (default: current directory)")
      ->type_name("DIR");
  app.allow_extras();
  app.fallthrough();
  app.require_subcommand(0, 1);
  app.footer(
      "Exit codes: 0 success, 1 failures found, 2 quality gate failed (--fail-on-error), "
      "3 usage/config/input error, 4 transient external error (retry), 5 timeout, 130 interrupted.\n"
      "Docs: docs/cli.md, docs/configuration.md");

  add_init_command(app, commands);
  add_config_commands(app, commands);
  add_execute_command(app, commands);
  add_security_scan_command(app, commands);
  add_generate_command(app, commands);
  add_quality_gate_command(app, commands);
  add_artifacts_commands(app, commands);
  add_report_commands(app, commands);
  add_usage_commands(app, commands);
}

int run_cli(int argc, char** argv) {
  int64_t start = monotonic_ms();
  exec::install_interrupt_handlers();

  Context ctx;
  ctx.env = read_environment();
  ctx.start_ms = start;

  CLI::App app{"aqe: quality engineering for CI pipelines. Every number it prints is measured.", "aqe"};
  CommandList commands;
  build_parser(app, ctx, commands);

  bool stdout_tty = isatty(STDOUT_FILENO) != 0;
  bool stderr_tty = isatty(STDERR_FILENO) != 0;
  auto finish = [&](const CommandOutcome& o) {
    ctx.style = decide_style(ctx.global, ctx.env, stdout_tty, stderr_tty);
    render(o, ctx.style, monotonic_ms() - start);
    return to_int(o.exit_code);
  };

  // Everything after the first `--` belongs to the test command (aqe execute [paths] -- <pytest
  // args>); CLI11 never sees it, so pytest's -k, -x, -o are not taken for aqe's options.
  int parsed_argc = argc;
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--") {
      parsed_argc = i;
      ctx.passthrough.assign(argv + i + 1, argv + argc);
      break;
    }
  }
  try {
    app.parse(parsed_argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    CLI::App* sel = selected_app(&app);
    std::string cmd = command_path(sel, &app);
    std::string hint = "run `aqe" + std::string(sel == &app ? "" : " " + cmd) + " --help`";
    return finish(error_outcome(cmd, make_error("USAGE", e.what(), hint)));
  }

  CLI::App* selected = selected_app(&app);
  std::string cmd_name = command_path(selected, &app);
  if (auto err = check_leftovers(app, selected)) return finish(error_outcome(cmd_name, *err));
  if (parsed_argc != argc && cmd_name != "execute") {
    return finish(error_outcome(cmd_name, make_error("USAGE", "arguments after '--' are only for aqe execute",
                                                     "aqe execute [paths] -- <pytest arguments>")));
  }

  ctx.style = decide_style(ctx.global, ctx.env, stdout_tty, stderr_tty);
  setup_logging(ctx);

  const CommandSpec* spec = nullptr;
  for (const auto& c : commands)
    if (c.app == selected) spec = &c;
  if (!spec) {
    if (selected == &app) {
      std::cerr << app.help();
      return finish(error_outcome("aqe", make_error("USAGE", "a command is required",
                                                    "commands: " + join(subcommand_names(&app), ", "))));
    }
    return finish(
        error_outcome(cmd_name, make_error("USAGE", "'aqe " + cmd_name + "' needs a subcommand",
                                           "subcommands: " + join(subcommand_names(selected), ", "))));
  }

  std::error_code ec;
  std::filesystem::path pd = ctx.global.project_dir.empty() ? std::filesystem::current_path(ec)
                                                            : std::filesystem::path(ctx.global.project_dir);
  if (!std::filesystem::is_directory(pd, ec)) {
    return finish(error_outcome(
        cmd_name,
        make_error("USAGE", "--project-dir: not a directory: " + pd.string(), "give an existing directory")));
  }
  ctx.project_dir = std::filesystem::absolute(pd, ec).lexically_normal();

  TerminalProgress progress(ctx.style.redraw);
  NullProgress null_progress;
  ctx.progress = ctx.style.progress ? static_cast<ProgressSink*>(&progress) : &null_progress;

  if (spec->store) {
    if (auto err = check_store_flags(*spec->store, ctx.env)) return finish(error_outcome(cmd_name, *err));
  }

  state::RunWriter no_run;
  ctx.run = &no_run;
  std::optional<RunRecorder> recorder;
  if (spec->recorded) {
    recorder.emplace(spec->records_as.empty() ? spec->name : spec->records_as, ctx.state_dir(),
                     ctx.ci_facts());
    ctx.run = &recorder->writer();
  }
  log_start(ctx, spec->name);
  CommandOutcome outcome = spec->run(ctx);
  progress.finish();
  // A command that saw the signal itself (execute ends its workers and returns 130) carries the
  // error as much as one that returned without noticing.
  if (exec::interrupted()) outcome.exit_code = ExitCode::kInterrupted;
  if (outcome.exit_code == ExitCode::kInterrupted &&
      std::none_of(outcome.errors.begin(), outcome.errors.end(),
                   [](const Error& e) { return e.code == "INTERRUPTED"; })) {
    outcome.errors.push_back(
        make_error("INTERRUPTED", "interrupted; child processes were ended", "", ExitCode::kInterrupted));
  }
  if (outcome.command.empty()) outcome.command = cmd_name;
  for (const auto& w : ctx.config_warnings)
    if (std::find(outcome.warnings.begin(), outcome.warnings.end(), w) == outcome.warnings.end())
      outcome.warnings.push_back(w);
  if (recorder) {
    auto cfg = ctx.config();
    recorder->finish(outcome, !cfg || (*cfg)->get(config::kStateRequired));
    // After the run is finished, so that the stored run record is the final one.
    if (spec->store)
      store_command_artifacts(ctx, outcome, *spec->store, recorder->writer().db(),
                              recorder->writer().run_id(), ctx.ci_facts());
  } else if (spec->store) {
    // A command that records no run (report generate): the artifact is indexed in the state DB
    // it read, when there is one; none is created for it.
    std::optional<state::Db> db;
    if (std::filesystem::exists(ctx.state_dir() / "aqe.db", ec)) {
      if (auto opened = state::Db::open(ctx.state_dir())) db = std::move(*opened);
    }
    store_command_artifacts(ctx, outcome, *spec->store, db ? &*db : nullptr, 0, ctx.ci_facts());
  }
  log_config(ctx);
  log_outcome(outcome, monotonic_ms() - start);
  return finish(outcome);
}

}  // namespace aqe::cli
