// aqe report merge DIR... [--output DIR]: the shards' state directories in, one execute run
// recorded (as `execute`, see CommandSpec::records_as) so that quality-gate and report
// generate read the whole suite.
#include <memory>

#include "aqe/cli/command.h"
#include "aqe/exec/python.h"
#include "aqe/report/merge.h"
#include "aqe/util/time.h"

namespace aqe::cli {

namespace fs = std::filesystem;

namespace {

struct MergeFlags {
  std::vector<std::string> inputs;
  std::string output;
  std::string python;
};

CommandOutcome run_merge(Context& ctx, const MergeFlags& f) {
  const std::string command = "report merge";
  if (!f.python.empty()) ctx.set_flag(config::kPythonInterpreter, f.python, "--python");
  auto cfg = ctx.config();
  if (!cfg) return error_outcome(command, cfg.error());
  const config::Config& c = **cfg;

  std::vector<report::Shard> shards;
  for (const auto& input : f.inputs) {
    const fs::path dir = fs::path(input).is_absolute() ? fs::path(input) : ctx.project_dir / input;
    auto shard = report::read_shard(dir, input);
    if (!shard) return error_outcome(command, shard.error());
    shards.push_back(std::move(*shard));
  }
  if (auto st = report::check_shards(shards, ctx.ci_facts().commit); !st) {
    return error_outcome(command, st.error());
  }

  report::MergeOptions o;
  o.project_dir = ctx.project_dir;
  o.flaky_policy = c.get(config::kExecuteFlakyPolicy);
  const int64_t run_id = ctx.run->run_id();
  o.out_dir = !f.output.empty()
                  ? fs::absolute(ctx.project_dir / f.output)
                  : ctx.state_dir() / "runs" / std::to_string(run_id > 0 ? run_id : monotonic_ms());
  if (shards.front().summary.coverage) {
    auto py = exec::choose_python(python_discovery_input(c, ctx.project_dir));
    if (!py) return error_outcome(command, py.error());
    o.python = py->path;
  }
  auto merged = report::merge_shards(shards, o, *ctx.run);
  if (!merged) return error_outcome(command, merged.error());

  CommandOutcome out;
  out.command = command;
  out.exit_code = merged->exit_code;
  out.data = report::to_json(*merged);
  out.warnings = merged->warnings;
  out.text = report::to_text(*merged);
  out.summary = merged->summary;
  out.run_args = {{"paths", merged->paths},
                  {"paths_key", merged->paths_key},
                  {"project_dir", ctx.project_dir.string()},
                  {"merged_from", merged->shards}};
  return out;
}

}  // namespace

void add_report_merge_command(CLI::App& report, CommandList& commands) {
  auto f = std::make_shared<MergeFlags>();
  CLI::App* sub = report.add_subcommand(
      "merge", "Merge the shards of a run (their .aqe/ directories) into one recorded execute run");
  sub->add_option("dirs", f->inputs,
                  "Each shard's state directory (.aqe/), or the project directory holding it")
      ->type_name("DIR")
      ->required();
  sub->add_option("--output,-o", f->output,
                  "Write the merged junit.xml, .coverage and coverage.json here (default .aqe/runs/<run>)")
      ->type_name("DIR");
  sub->add_option("--python", f->python, "Interpreter whose coverage.py combines the coverage data")
      ->type_name("PATH");
  sub->allow_extras();
  sub->fallthrough();
  CommandSpec spec{"report merge", sub, [f](Context& ctx) { return run_merge(ctx, *f); }, true};
  spec.records_as = "execute";
  commands.push_back(std::move(spec));
}

}  // namespace aqe::cli
