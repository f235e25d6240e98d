// What every command shares: the global options, the lazily loaded config, the outcome that
// the renderer prints, and how a command registers itself with the parser.
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aqe/ci/ci.h"
#include "aqe/config/config.h"
#include "aqe/exec/python.h"
#include "aqe/state/runs.h"
#include "aqe/util/progress.h"
#include "aqe/util/result.h"

namespace aqe::cli {

struct GlobalOptions {
  std::string config_file;
  bool json = false;
  bool quiet = false;
  bool ci_mode = false;
  bool verbose = false;
  bool no_color = false;
  std::string project_dir;
};

// How output may look, decided once from flags, environment and whether stdout is a TTY.
struct OutputStyle {
  bool json = false;
  bool quiet = false;
  bool color = false;
  bool progress = false;  // live progress on stderr (TTY, not CI, not quiet/json)
  bool redraw = false;    // progress redraws one line (TTY) vs plain lines
  bool ci = false;        // a CI environment was detected (or --ci-mode)
  bool github = false;    // GitHub Actions (GITHUB_ACTIONS=true): stdout lines may be workflow commands
};

// A file a command produced, stored by --store-artifacts (artifacts_upload.h) as `name`: the
// file at `path`, or `content` when `path` is empty (a document that went to stdout).
struct ProducedFile {
  std::string name;
  std::filesystem::path path;
  std::string content;
};

// What a command produced; the renderer turns it into text or the JSON envelope.
struct CommandOutcome {
  std::string command;
  ExitCode exit_code = ExitCode::kSuccess;
  nlohmann::json data = nlohmann::json::object();
  std::vector<std::string> warnings;
  std::vector<Error> errors;
  std::string text;  // human rendering of `data` (printed unless --json/--quiet)
  // GitHub workflow commands aqe means to give (annotations), already escaped; printed after
  // `text`, which on GitHub Actions is fenced by ::stop-commands:: so that the project's text
  // in it (test names, messages, file names) can never be taken for a command.
  std::vector<std::string> workflow_commands;
  // For a recorded command: what it measured (stored with the run; nullopt = nothing) and,
  // when not null, what it was asked (the run's args).
  std::optional<state::RunSummary> summary;
  nlohmann::json run_args;
  // Stored with the artifact when --store-artifacts is given (besides the run record).
  std::vector<ProducedFile> produced;
};

CommandOutcome error_outcome(const std::string& command, const Error& e);

class Context {
 public:
  GlobalOptions global;
  OutputStyle style;
  std::filesystem::path project_dir;  // absolute
  std::map<std::string, std::string> env;
  std::vector<config::FlagValue> config_flags;  // flags that override config keys
  std::vector<std::string> passthrough;         // the arguments after `--` (for the test command)
  std::vector<std::string> config_warnings;     // of the last config load; added to the outcome
  ProgressSink* progress = nullptr;
  // The run being recorded (see recorder.h): where a recorded command's feature writes its
  // rows. An inactive writer for commands that are not recorded.
  state::RunWriter* run = nullptr;
  int64_t start_ms = 0;
  // QE_LOG_FILE's size before this command wrote to it: --store-artifacts stores from there.
  uint64_t log_offset = 0;

  // Loads the config once (discovery + validation + precedence with config_flags).
  Result<const config::Config*> config();
  // A config value set by a command's flag: recorded so precedence and `config show` see it.
  // load_config checks it against the key's type and range, naming the flag.
  template <typename T>
  void set_flag(config::Key<T> key, nlohmann::json value, const std::string& flag) {
    set_flag_value(std::string(key.name), std::move(value), flag);
  }
  std::string env_or(const std::string& name, const std::string& fallback = {}) const;
  // The CI facts (branch, commit, event), read once per command from the environment and git.
  const ci::CiFacts& ci_facts();
  // Where aqe.db lives: the state_dir key (QE_STATE_DIR), relative to the project dir.
  // With a config that does not load, the environment or the default decides.
  std::filesystem::path state_dir();

 private:
  void set_flag_value(const std::string& key, nlohmann::json value, const std::string& flag);
  std::optional<config::Config> config_;
  std::optional<ci::CiFacts> ci_facts_;
};

struct StoreFlags;  // artifacts_upload.h

// A subcommand: `setup` adds it (with its options) to the parser; `run` executes it after a
// successful parse. Options are stored in objects owned by the closure.
struct CommandSpec {
  std::string name;  // "init", "config show", "execute"
  CLI::App* app = nullptr;
  std::function<CommandOutcome(Context&)> run;
  bool recorded = false;  // measures something: wrapped by the run recorder
  // --store-artifacts and its options (artifacts_upload.h), for recorded commands that take
  // them; the recorder stores what the command produced after finishing its run.
  std::shared_ptr<StoreFlags> store = nullptr;
  // The command its runs are recorded as, when not `name`: `report merge` records the merged
  // shards as one execute run, the run the gate and the report read.
  std::string records_as = {};
};

using CommandList = std::vector<CommandSpec>;

// The interpreter choice inputs from the effective config, keeping whether python.interpreter
// came from --python, QE_PYTHON or a file so that messages name the right source.
exec::PythonDiscoveryInput python_discovery_input(const config::Config& c,
                                                  const std::filesystem::path& project_dir);

// The whole parser without running anything: the global options (bound to ctx.global) and every
// subcommand, registered in `commands`. `app` is constructed by the caller.
void build_parser(CLI::App& app, Context& ctx, CommandList& commands);

// One function per command file; each adds its subcommand(s) to `app`.
void add_init_command(CLI::App& app, CommandList& commands);
void add_config_commands(CLI::App& app, CommandList& commands);
void add_execute_command(CLI::App& app, CommandList& commands);
void add_security_scan_command(CLI::App& app, CommandList& commands);
void add_generate_command(CLI::App& app, CommandList& commands);
void add_quality_gate_command(CLI::App& app, CommandList& commands);
void add_artifacts_commands(CLI::App& app, CommandList& commands);
void add_report_commands(CLI::App& app, CommandList& commands);
void add_usage_commands(CLI::App& app, CommandList& commands);
// `report merge` (cmd_report_merge.cc), added under `report` by add_report_commands.
void add_report_merge_command(CLI::App& report, CommandList& commands);

}  // namespace aqe::cli
