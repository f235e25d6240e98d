// Every flag the key table names is an option of the real parser, on the command the key's
// section belongs to: docs/configuration.md cannot advertise a flag that aqe rejects.
#include <gtest/gtest.h>

#include <CLI/CLI.hpp>
#include <map>
#include <set>

#include "aqe/cli/command.h"
#include "aqe/config/keys.h"
#include "aqe/util/strings.h"

namespace aqe::cli {
namespace {

// Long and short option names ("--threshold", "-o") per subcommand path ("quality-gate").
void collect(const CLI::App* app, const std::string& path,
             std::map<std::string, std::set<std::string>>& out) {
  for (const CLI::Option* o : app->get_options()) {
    for (const auto& l : o->get_lnames()) out[path].insert("--" + l);
    for (const auto& s : o->get_snames()) out[path].insert("-" + s);
  }
  for (const CLI::App* sub : app->get_subcommands([](const CLI::App*) { return true; }))
    collect(sub, path.empty() ? sub->get_name() : path + " " + sub->get_name(), out);
}

// The command a section's flags live on; keys of other sections may sit on any command.
std::string command_of(const config::KeyDef& k) {
  if (k.file == config::ConfigFile::kGates) return "quality-gate";
  std::string_view p = k.path;
  if (starts_with(p, "generate.")) return "generate";
  if (starts_with(p, "execute.")) return "execute";
  if (starts_with(p, "security.")) return "security-scan";
  return "";
}

TEST(KeyTableFlags, EveryBuiltFlagIsAnOptionOfItsCommand) {
  Context ctx;
  CLI::App app{"aqe", "aqe"};
  CommandList commands;
  build_parser(app, ctx, commands);
  std::map<std::string, std::set<std::string>> options;
  collect(&app, "", options);
  ASSERT_TRUE(options.count("execute")) << "the parser has no execute command";

  int flags = 0;
  for (const auto& k : config::key_table()) {
    if (k.flag.empty()) continue;
    ++flags;
    const std::string flag(k.flag);
    EXPECT_EQ(k.status, config::KeyStatus::kBuilt) << k.path << ": a planned key names " << flag;
    std::vector<std::string> on;
    for (const auto& [cmd, names] : options)
      if (!cmd.empty() && names.count(flag)) on.push_back(cmd);
    EXPECT_FALSE(on.empty()) << k.path << " names " << flag << ", which no command accepts";
    const std::string want = command_of(k);
    if (!want.empty()) {
      EXPECT_TRUE(options[want].count(flag)) << k.path << ": " << flag << " is not an option of aqe " << want
                                             << " (it is on: " << join(on, ", ") << ")";
    }
  }
  EXPECT_GE(flags, 15);
}

// The test above is only as good as its view of the parser: a flag no command has must fail it.
TEST(KeyTableFlags, CollectSeesOptionsOfNestedCommands) {
  Context ctx;
  CLI::App app{"aqe", "aqe"};
  CommandList commands;
  build_parser(app, ctx, commands);
  std::map<std::string, std::set<std::string>> options;
  collect(&app, "", options);
  EXPECT_TRUE(options["quality-gate"].count("--threshold"));
  EXPECT_TRUE(options["generate"].count("-o"));
  EXPECT_TRUE(options.count("config validate"));
  for (const auto& [cmd, names] : options) {
    EXPECT_FALSE(names.count("--no-such-option")) << cmd;
  }
}

}  // namespace
}  // namespace aqe::cli
