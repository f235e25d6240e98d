// aqe init: writes the three starter config files, never overwriting an existing one.
#include <filesystem>

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
  std::string text;
  for (auto kind : {config::ConfigFile::kFleet, config::ConfigFile::kGates, config::ConfigFile::kStorage}) {
    fs::path rel = fs::path("config") / config::file_name(kind);
    fs::path path = ctx.project_dir / rel;
    std::error_code ec;
    if (fs::exists(path, ec)) {
      kept.push_back(rel.string());
      text += "kept     " + rel.string() + " (exists; not overwritten)\n";
      continue;
    }
    auto st = write_file_atomic(path, config::starter_file(kind));
    if (!st) return error_outcome("init", st.error());
    created.push_back(rel.string());
    text += "created  " + rel.string() + "\n";
  }
  o.data = {{"created", created}, {"existing", kept}, {"directory", (ctx.project_dir / "config").string()}};
  if (created.empty()) o.warnings.push_back("all config files already exist; nothing was written");
  text += "Next: `aqe config validate`, then `aqe execute tests/ --parallel --coverage`.\n";
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
