// aqe init: writes the starter config files, never overwriting an existing one. A file whose
// keys were all planned would not be written: nothing would read it.
#include <filesystem>
#include <optional>

#include "aqe/cli/command.h"
#include "aqe/util/fs.h"

namespace aqe::cli {

namespace fs = std::filesystem;

namespace {

CommandOutcome run_init(Context& ctx) {
  CommandOutcome o;
  o.command = "init";
  nlohmann::json created = nlohmann::json::array();
  nlohmann::json kept = nlohmann::json::array();
  nlohmann::json not_written = nlohmann::json::array();
  std::string text;
  for (auto kind : {config::ConfigFile::kFleet, config::ConfigFile::kGates, config::ConfigFile::kStorage}) {
    fs::path rel = fs::path("config") / config::file_name(kind);
    fs::path path = ctx.project_dir / rel;
    const std::optional<std::string> starter = config::starter_file(kind);
    if (!starter) {
      const std::string reason = "every key of " + std::string(config::file_name(kind)) +
                                 " is planned: this version reads none of them";
      not_written.push_back({{"file", rel.string()}, {"reason", reason}});
      text += "skipped  " + rel.string() + " (" + reason + ")\n";
      continue;
    }
    std::error_code ec;
    if (fs::exists(path, ec)) {
      kept.push_back(rel.string());
      text += "kept     " + rel.string() + " (exists; not overwritten)\n";
      continue;
    }
    auto st = write_file_atomic(path, *starter);
    if (!st) return error_outcome("init", st.error());
    created.push_back(rel.string());
    text += "created  " + rel.string() + "\n";
  }
  o.data = {{"created", created},
            {"existing", kept},
            {"not_written", not_written},
            {"directory", (ctx.project_dir / "config").string()}};
  if (created.empty()) o.warnings.push_back("all config files already exist; nothing was written");
  // Each step as written runs in a fresh project, and the last is a gate that passes once the
  // score reaches gates.threshold (no condition needs a command not listed here).
  text +=
      "Next: `aqe config validate`, `aqe execute --parallel --coverage` (pytest's testpaths), then "
      "`aqe quality-gate --fail-on-error` (exit 2 when the score is below gates.threshold).\n";
  o.text = text;
  return o;
}

}  // namespace

void add_init_command(CLI::App& app, CommandList& commands) {
  CLI::App* sub =
      app.add_subcommand("init", "Write starter config files into config/ (existing files are kept)");
  sub->allow_extras();
  commands.push_back({"init", sub, run_init});
}

}  // namespace aqe::cli
