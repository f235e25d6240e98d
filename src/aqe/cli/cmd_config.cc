// aqe config show | validate.
#include <memory>

#include "aqe/cli/command.h"
#include "aqe/util/fs.h"
#include "aqe/util/json.h"
#include "aqe/util/path.h"
#include "aqe/util/strings.h"

namespace aqe::cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

CommandOutcome run_show(Context& ctx) {
  CommandOutcome o;
  o.command = "config show";
  auto cfg = ctx.config();
  if (!cfg) return error_outcome(o.command, cfg.error());
  const config::Config& c = **cfg;

  json files = json::object();
  for (auto kind : {config::ConfigFile::kFleet, config::ConfigFile::kGates, config::ConfigFile::kStorage}) {
    auto it = c.files().find(kind);
    files[std::string(config::file_name(kind))] =
        it == c.files().end() ? json(nullptr) : json(display_path(it->second, ctx.project_dir));
  }
  json values = json::array();
  json effective = json::object();
  std::string text;
  for (const auto& [key, v] : c.entries()) {
    const bool planned = v.status == config::KeyStatus::kPlanned;
    // A URL's user:password is shown as ***: this output lands in CI logs.
    const json value =
        v.value.is_string() ? json(config::redact_url_credentials(v.value.get<std::string>())) : v.value;
    values.push_back(
        {{"key", key}, {"value", value}, {"origin", v.origin}, {"status", planned ? "planned" : "built"}});
    std::string pointer = "/" + key;
    for (auto& ch : pointer)
      if (ch == '.') ch = '/';
    effective[json::json_pointer(pointer)] = value;
    text += key + " = " + (value.is_null() ? "(unset)" : dump_json(value)) + "    # " + v.origin +
            (planned ? " (planned: not read yet)" : "") + "\n";
  }
  // Structured sections (conditions, profiles, scopes) are shown as written.
  for (const char* k : {"conditions", "profiles", "scopes"}) {
    const json& doc = c.document(config::ConfigFile::kGates);
    if (doc.contains(k)) effective["gates"][k] = doc[k];
  }
  if (c.document(config::ConfigFile::kFleet).contains("security") &&
      c.document(config::ConfigFile::kFleet)["security"].contains("rules")) {
    effective["security"]["rules"] = c.document(config::ConfigFile::kFleet)["security"]["rules"];
  }
  std::string header;
  for (const auto& [name, path] : files.items())
    header += "# " + name + ": " + (path.is_null() ? "not found (defaults)" : path.get<std::string>()) + "\n";
  // The interpreter generate and execute would run, found as they find it (python.interpreter
  // is often unset while .venv/bin/python is used): not run here, only located.
  json python;
  auto py = exec::choose_python(python_discovery_input(c, ctx.project_dir));
  if (py) {
    // project_path, not display_path: a venv's python is a symlink, and its own path is the one used.
    const std::string path = project_path(py->path, ctx.project_dir);
    python = {{"path", path}, {"source", py->source}, {"error", nullptr}};
    header += "# python: " + printable(path) + " (from " + printable(py->source) + ")\n";
  } else {
    python = {{"path", nullptr}, {"source", nullptr}, {"error", py.error().message}};
    header += "# python: none found: " + printable(py.error().message) + "\n";
  }
  o.text = header + text;
  o.data = {{"files", files}, {"python", python}, {"values", values}, {"effective", effective}};
  return o;
}

struct ValidateArgs {
  std::vector<std::string> files;
};

CommandOutcome run_validate(Context& ctx, const ValidateArgs& args) {
  CommandOutcome o;
  o.command = "config validate";
  std::vector<std::pair<config::ConfigFile, fs::path>> targets;
  if (!args.files.empty()) {
    for (const auto& f : args.files) {
      fs::path p = fs::path(f).is_relative() ? ctx.project_dir / f : fs::path(f);
      std::error_code ec;
      if (!fs::is_regular_file(p, ec))
        return error_outcome(o.command,
                             make_error("CONFIG_NOT_FOUND", "config file not found: " + f, "check the path"));
      targets.emplace_back(config::kind_of(p), p);
    }
  } else {
    config::LoadOptions lo;
    lo.project_dir = ctx.project_dir;
    if (!ctx.global.config_file.empty()) {
      lo.config_file = ctx.global.config_file;
      fs::path p = fs::path(ctx.global.config_file).is_relative() ? ctx.project_dir / ctx.global.config_file
                                                                  : fs::path(ctx.global.config_file);
      std::error_code ec;
      if (!fs::is_regular_file(p, ec))
        return error_outcome(
            o.command,
            make_error("CONFIG_NOT_FOUND", "--config: config file not found: " + ctx.global.config_file,
                       "check the path"));
    }
    lo.env = ctx.env;
    for (const auto& [kind, p] : config::discover_files(lo)) targets.emplace_back(kind, p);
  }

  json files = json::array();
  std::string text;
  size_t total_issues = 0;
  for (const auto& [kind, p] : targets) {
    std::string shown = display_path(p, ctx.project_dir);
    auto content = read_file(p);
    if (!content) return error_outcome(o.command, content.error());
    config::FileCheck check = config::check_text(kind, shown, *content);
    const auto& issues = check.errors;
    total_issues += issues.size();
    json jwarnings = json::array();
    for (const auto& w : check.warnings) {
      jwarnings.push_back({{"line", w.line},
                           {"column", w.column},
                           {"key", w.key},
                           {"code", w.code},
                           {"message", w.message},
                           {"hint", w.hint}});
      o.warnings.push_back(config::to_warning(w));
    }
    json jissues = json::array();
    for (const auto& is : issues) {
      jissues.push_back({{"line", is.line},
                         {"column", is.column},
                         {"key", is.key},
                         {"code", is.code},
                         {"message", is.message},
                         {"hint", is.hint}});
      text += is.location() + ": " + is.message + (is.hint.empty() ? "" : " (" + is.hint + ")") + "\n";
      o.errors.push_back(config::to_error(is));
    }
    files.push_back({{"file", shown},
                     {"kind", std::string(config::file_name(kind))},
                     {"valid", issues.empty()},
                     {"issues", jissues},
                     {"warnings", jwarnings}});
    if (issues.empty()) text += shown + ": ok\n";
  }
  if (targets.empty())
    o.warnings.push_back(
        "no config files found in config/ or .aqe/; defaults apply (`aqe init` writes starters)");
  o.data = {{"files", files}, {"valid", total_issues == 0}, {"issues", total_issues}};
  o.exit_code = total_issues == 0 ? ExitCode::kSuccess : ExitCode::kUsage;
  // Issues are listed in text and errors; avoid printing them twice in human mode.
  if (total_issues > 0) {
    o.text.clear();
    for (const auto& f : files)
      if (f["valid"].get<bool>()) o.text += f["file"].get<std::string>() + ": ok\n";
  } else {
    o.text = text;
  }
  return o;
}

}  // namespace

void add_config_commands(CLI::App& app, CommandList& commands) {
  CLI::App* cfg = app.add_subcommand("config", "Show or validate the configuration");
  cfg->allow_extras();
  cfg->fallthrough();
  cfg->require_subcommand(0, 1);

  CLI::App* show =
      cfg->add_subcommand("show", "Print the effective configuration and where each value came from");
  show->allow_extras();
  show->fallthrough();
  commands.push_back({"config show", show, run_show});

  auto args = std::make_shared<ValidateArgs>();
  CLI::App* validate = cfg->add_subcommand(
      "validate", "Check config files: unknown keys, types, ranges, secrets, planned keys");
  validate->add_option("files", args->files, "Files to check (default: the discovered ones)");
  validate->allow_extras();
  validate->fallthrough();
  commands.push_back(
      {"config validate", validate, [args](Context& ctx) { return run_validate(ctx, *args); }});
}

}  // namespace aqe::cli
