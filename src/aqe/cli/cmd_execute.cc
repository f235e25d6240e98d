// aqe execute: maps flags and config to execute::ExecuteOptions, picks the interpreter, opens
// the state DB and renders the report.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "aqe/ci/ci.h"
#include "aqe/cli/artifacts_upload.h"
#include "aqe/cli/ci_surfaces.h"
#include "aqe/cli/command.h"
#include "aqe/exec/python.h"
#include "aqe/execute/execute.h"
#include "aqe/store/artifact.h"
#include "aqe/util/fs.h"
#include "aqe/util/layout.h"
#include "aqe/util/path.h"
#include "aqe/util/strings.h"

namespace aqe::cli {

namespace fs = std::filesystem;

namespace {

struct ExecuteFlags {
  std::vector<std::string> paths;
  bool parallel = false;
  std::optional<int> workers;
  bool coverage = false;
  bool cov_branch = false;  // accepted for pytest-cov habits; branch coverage is always on
  bool fail_fast = false;
  std::optional<int> retries;
  std::optional<double> timeout_s;
  std::optional<double> test_timeout_s;
  std::string flaky_policy;
  std::string shard;
  std::string framework;
  std::string command;
  std::string junit;
  std::string python;
  std::string out_dir;
  std::vector<std::string> pytest_args;
};

Result<std::pair<int, int>> parse_shard(const std::string& text, const std::string& origin) {
  auto parts = split(text, '/');
  char* end = nullptr;
  if (parts.size() == 2) {
    long i = std::strtol(parts[0].c_str(), &end, 10);
    bool ok = end && *end == '\0' && !parts[0].empty();
    long n = std::strtol(parts[1].c_str(), &end, 10);
    ok = ok && end && *end == '\0' && !parts[1].empty();
    if (ok && n >= 1 && i >= 1 && i <= n && n < 100000) {
      return std::make_pair(static_cast<int>(i), static_cast<int>(n));
    }
  }
  return make_error("USAGE", origin + ": invalid shard '" + text + "'",
                    "use i/n with 1 <= i <= n, e.g. --shard 2/4");
}

// --shard wins; otherwise GitLab's parallel jobs (CI_NODE_INDEX is 1-based there).
Result<std::optional<std::pair<int, int>>> shard_of(const ExecuteFlags& f, const Context& ctx) {
  if (!f.shard.empty()) {
    auto s = parse_shard(f.shard, "--shard");
    if (!s) return s.error();
    return std::optional(*s);
  }
  const std::string idx = ctx.env_or("CI_NODE_INDEX"), total = ctx.env_or("CI_NODE_TOTAL");
  if (idx.empty() || total.empty()) return std::optional<std::pair<int, int>>{};
  auto s = parse_shard(idx + "/" + total, "CI_NODE_INDEX/CI_NODE_TOTAL");
  if (!s) return s.error();
  return std::optional(*s);
}

void record_flags(Context& ctx, const ExecuteFlags& f) {
  if (f.parallel) ctx.set_flag(config::kExecuteParallel, true, "--parallel");
  if (f.workers) ctx.set_flag(config::kExecuteWorkers, *f.workers, "--workers");
  if (f.coverage || f.cov_branch) ctx.set_flag(config::kExecuteCoverage, true, "--coverage");
  if (f.retries) ctx.set_flag(config::kExecuteRetries, *f.retries, "--retries");
  if (f.timeout_s) ctx.set_flag(config::kExecuteTimeoutS, *f.timeout_s, "--timeout");
  if (f.test_timeout_s) ctx.set_flag(config::kExecuteTestTimeoutS, *f.test_timeout_s, "--test-timeout");
  if (!f.flaky_policy.empty()) ctx.set_flag(config::kExecuteFlakyPolicy, f.flaky_policy, "--flaky-policy");
  if (!f.framework.empty()) ctx.set_flag(config::kExecuteFramework, f.framework, "--framework");
  if (!f.python.empty()) ctx.set_flag(config::kPythonInterpreter, f.python, "--python");
}

// pytest's cache provider options. aqe's workers run with `-p no:cacheprovider` (they would race
// on one .pytest_cache; aqe's history is its state DB), where pytest stops with "unrecognized
// arguments"; aqe says so before any worker starts, and what it has instead.
std::optional<Error> cache_option_error(const std::vector<std::string>& args, const std::string& given_by) {
  constexpr std::string_view kLastFailed =
      "aqe has no option that runs only the last run's failures: give their node ids as paths "
      "(data.failures[].test of `aqe execute --json`); with --fail-fast aqe runs them first";
  constexpr std::string_view kFailedFirst =
      "with --fail-fast aqe runs the last run's failures first (from its state DB); otherwise "
      "it runs the longest tests first";
  constexpr std::string_view kStepwise =
      "aqe has no stepwise mode: --fail-fast stops at the first failure, and the next "
      "--fail-fast run starts with the tests that failed";
  constexpr std::string_view kNewFirst =
      "aqe has no new-first order: it runs tests longest first (stored durations), new ones "
      "at the median";
  constexpr std::string_view kCache =
      "aqe keeps no pytest cache: its history is the state DB (.aqe/aqe.db, or QE_STATE_DIR)";
  static const std::pair<std::string_view, std::string_view> kOptions[] = {
      {"--lf", kLastFailed},    {"--last-failed", kLastFailed},
      {"--lfnf", kLastFailed},  {"--last-failed-no-failures", kLastFailed},
      {"--ff", kFailedFirst},   {"--failed-first", kFailedFirst},
      {"--sw", kStepwise},      {"--stepwise", kStepwise},
      {"--sw-skip", kStepwise}, {"--stepwise-skip", kStepwise},
      {"--nf", kNewFirst},      {"--new-first", kNewFirst},
      {"--cache-show", kCache}, {"--cache-clear", kCache}};
  for (const auto& arg : args) {
    const std::string name = arg.substr(0, arg.find('='));
    for (const auto& [option, hint] : kOptions) {
      if (name != option) continue;
      return make_error("USAGE",
                        "pytest option '" + name + "' (" + given_by +
                            ") needs pytest's cache provider, which aqe's workers run without",
                        std::string(hint));
    }
  }
  return std::nullopt;
}

std::optional<double> positive(double v) { return v > 0 ? std::optional(v) : std::nullopt; }

// What coverage measures when the project's coverage config names no source: the configured
// project.source_dirs that exist, else the project's layout (src/, its top-level packages), else
// the project directory without its tests (a flat module project). `coverage run` alone would
// measure the tests too. A configured directory that does not exist is said, not skipped silently.
std::vector<std::string> coverage_source_of(const config::Config& c, const fs::path& project,
                                            execute::ExecuteOptions& o) {
  const std::vector<std::string> test_dirs = c.get(config::kProjectTestDirs);
  const SourceLayout layout = find_source_layout(project, c.get(config::kProjectSourceDirs), test_dirs);
  for (const auto& d : layout.dirs) o.coverage_source.push_back(d.string());
  std::string measured;
  for (const auto& d : layout.dirs) measured += (measured.empty() ? "" : ", ") + display_path(d, project);
  if (layout.dirs.empty()) {
    measured = "the project directory without its tests";
    o.coverage_source.push_back(fs::absolute(project).lexically_normal().string());
    // coverage.py's omit patterns: fnmatch on absolute paths.
    const std::string root = fs::absolute(project).lexically_normal().string();
    for (const auto& t : test_dirs) o.coverage_omit.push_back(root + "/" + t + "/*");
    for (const auto& p : o.paths) {
      std::error_code ec;
      if (fs::is_directory(project / p, ec)) o.coverage_omit.push_back(root + "/" + p + "/*");
    }
    // Top level and below, in coverage.py 6's fnmatch and 7's globs alike.
    for (const char* name : {"test_*.py", "*_test.py", "conftest.py"}) {
      o.coverage_omit.push_back(root + "/" + name);
      o.coverage_omit.push_back(root + "/**/" + name);
    }
  }
  spdlog::debug("coverage source (unless the project's coverage config names one): {}{}", printable(measured),
                layout.detected ? " (from the project's layout)" : "");
  std::vector<std::string> warnings;
  const std::string origin = c.origin(config::kProjectSourceDirs);
  if (!layout.missing.empty() && origin != "default") {
    std::string missing;
    for (const auto& m : layout.missing) missing += (missing.empty() ? "" : ", ") + m;
    warnings.push_back("project.source_dirs (" + origin + "): no directory " + missing +
                       "; coverage measures " + measured +
                       " unless the project's coverage config names a source");
  }
  return warnings;
}

// durations.json of an execute artifact: what a fresh runner's shards plan with.
std::string durations_document(const Context& ctx) {
  nlohmann::json doc = {{"format", "aqe-durations"}, {"version", 1}, {"run_id", nullptr}, {"durations", {}}};
  state::Db* db = ctx.run->db();
  if (db == nullptr || ctx.run->run_id() <= 0) return doc.dump(2) + "\n";
  doc["run_id"] = ctx.run->run_id();
  if (auto d = db->test_durations_as_of(ctx.run->run_id())) doc["durations"] = *d;
  return doc.dump(2) + "\n";
}

Result<std::map<std::string, double>> parse_durations(const std::string& text, const std::string& where) {
  const nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || doc.value("format", "") != "aqe-durations" ||
      !doc.contains("durations") || !doc["durations"].is_object()) {
    return make_error("STORE_CORRUPT", where + ": not an aqe-durations document", "");
  }
  std::map<std::string, double> out;
  for (const auto& [id, v] : doc["durations"].items()) {
    if (v.is_number() && v.get<double>() >= 0) out[id] = v.get<double>();
  }
  return out;
}

// A fresh runner's shards: durations.json of the newest execute artifact (by created_at, then
// key) of the first branch that has one: the change request's target, the build's branch,
// main, master. Unreadable stores are a warning: the shards then weigh every test the same.
std::optional<execute::StoredDurations> base_branch_durations(Context& ctx,
                                                              std::vector<std::string>& warnings) {
  const std::string why = "durations from the base branch's stored artifacts unavailable: ";
  const ci::CiFacts& facts = ctx.ci_facts();
  std::vector<std::string> branches;
  for (const std::string& b : {facts.change_request ? facts.target_branch : std::string(), facts.branch,
                               std::string("main"), std::string("master")}) {
    if (!b.empty() && std::find(branches.begin(), branches.end(), b) == branches.end()) branches.push_back(b);
  }
  auto st = open_artifact_store(ctx);
  if (!st) {
    warnings.push_back(why + st.error().message);
    return std::nullopt;
  }
  auto refs = store::list_artifacts(*st->backend, st->prefix);
  if (!refs) {
    warnings.push_back(why + store::to_error(refs.failure()).message);
    return std::nullopt;
  }
  for (const auto& branch : branches) {
    std::optional<store::Manifest> best;
    for (const auto& ref : *refs) {
      if (ref.branch != branch) continue;
      auto m = store::read_manifest(*st->backend, ref);
      if (!m) continue;
      const bool has = std::any_of(m->files.begin(), m->files.end(),
                                   [](const auto& file) { return file.name == "durations.json"; });
      if (!has) continue;
      if (!best || m->created_at > best->created_at ||
          (m->created_at == best->created_at && m->key > best->key))
        best = std::move(*m);
    }
    if (!best) continue;
    auto tmp = make_temp_dir("aqe-durations");
    if (!tmp) {
      warnings.push_back(why + tmp.error().message);
      return std::nullopt;
    }
    auto fetched = store::fetch_artifact(*st->backend, st->prefix, best->key, *tmp / "artifact");
    Result<std::string> text = fetched ? read_file(*tmp / "artifact" / "durations.json")
                                       : Result<std::string>(store::to_error(fetched.failure()));
    std::error_code ec;
    fs::remove_all(*tmp, ec);
    if (!text) {
      warnings.push_back(why + text.error().message);
      return std::nullopt;
    }
    auto durations = parse_durations(*text, "durations.json of artifact " + best->key);
    if (!durations) {
      warnings.push_back(why + durations.error().message);
      return std::nullopt;
    }
    execute::StoredDurations out;
    out.durations = std::move(*durations);
    const auto run_id = best->metadata.find("run_id");
    if (run_id != best->metadata.end() && run_id->is_number_integer())
      out.from.run_id = run_id->get<int64_t>();
    out.from.commit = best->commit;
    out.from.artifact_key = best->key;
    out.from.branch = best->branch;
    return out;
  }
  return std::nullopt;
}

// The debug log (--verbose, QE_LOG_FILE): what the run planned and where its time went.
void log_execute_plan(const execute::ExecuteReport& r) {
  if (!spdlog::default_logger()->should_log(spdlog::level::debug) || r.framework != "pytest") return;
  const execute::ExecutePlan& p = r.plan;
  spdlog::debug("execute plan: {} workers ({}); {} tests known from the suite's last run, {} cores",
                r.workers, printable(p.workers_why), p.known_tests, p.cores);
  spdlog::debug("execute plan: {}", p.split_files > 0 ? std::to_string(p.split_files) +
                                                            " files assigned to workers before they start"
                                                      : std::string("every worker collects the given paths"));
  if (r.shard) {
    std::string from = "equal weights (no complete run before)";
    if (const auto& b = r.shard_durations_from) {
      from = b->artifact_key.empty() ? "durations of run " + std::to_string(b->run_id) + " (state_db)"
                                     : "durations of artifact " + printable(b->artifact_key) + " (artifact)";
    }
    spdlog::debug("execute shard {}/{}: split by {}", r.shard->first, r.shard->second, from);
  }
  std::string stages;
  for (const auto& [stage, seconds] : r.stage_s)
    stages += fmt::format("{}{} {:.3f} s", stages.empty() ? "" : ", ", stage, seconds);
  spdlog::debug("execute stages: {}", stages);
}

CommandOutcome run_execute_command(Context& ctx, const ExecuteFlags& f, bool storing) {
  record_flags(ctx, f);
  if (auto e = cache_option_error(f.pytest_args, "--pytest-arg")) return error_outcome("execute", *e);
  if (auto e = cache_option_error(ctx.passthrough, "after --")) return error_outcome("execute", *e);
  auto cfg = ctx.config();
  if (!cfg) return error_outcome("execute", cfg.error());
  const config::Config& c = **cfg;

  execute::ExecuteOptions o;
  o.project_dir = ctx.project_dir;
  o.paths = f.paths;
  o.parallel = c.get(config::kExecuteParallel);
  o.workers = static_cast<int>(c.get(config::kExecuteWorkers));
  o.coverage = c.get(config::kExecuteCoverage);
  o.fail_fast = f.fail_fast;
  o.retries = static_cast<int>(c.get(config::kExecuteRetries));
  o.timeout_s = positive(c.get(config::kExecuteTimeoutS));
  o.test_timeout_s = positive(c.get(config::kExecuteTestTimeoutS));
  o.flaky_policy = c.get(config::kExecuteFlakyPolicy);
  o.framework = c.get(config::kExecuteFramework);
  o.command = f.command;
  o.junit_path = f.junit;
  o.pytest_args = f.pytest_args;
  o.pytest_args.insert(o.pytest_args.end(), ctx.passthrough.begin(), ctx.passthrough.end());
  const ci::CiFacts& build = ctx.ci_facts();
  o.branch = build.branch;
  o.commit = build.commit;
  std::vector<std::string> layout_warnings;
  if (o.coverage) layout_warnings = coverage_source_of(c, ctx.project_dir, o);
  if (!f.out_dir.empty()) o.out_dir = fs::absolute(ctx.project_dir / f.out_dir);
  auto shard = shard_of(f, ctx);
  if (!shard) return error_outcome("execute", shard.error());
  o.shard = *shard;

  if (o.framework == "pytest") {
    auto py = exec::choose_python(python_discovery_input(c, ctx.project_dir));
    if (!py) return error_outcome("execute", py.error());
    o.python = py->path;
    o.python_source = py->source;
    spdlog::debug("python: {} ({})", printable(o.python), o.python_source);
  }

  o.state_dir = ctx.state_dir();
  o.stored_durations = [&ctx](std::vector<std::string>& warnings) {
    return base_branch_durations(ctx, warnings);
  };

  auto report = execute::run_execute(o, *ctx.run, *ctx.progress);
  if (!report) return error_outcome("execute", report.error());
  log_execute_plan(*report);
  CommandOutcome out;
  out.command = "execute";
  out.exit_code = report->exit_code;
  out.data = execute::to_json(*report);
  out.warnings = report->warnings;
  out.warnings.insert(out.warnings.begin(), layout_warnings.begin(), layout_warnings.end());
  out.text = execute::to_text(*report);
  out.summary = execute::summary_of(*report);
  if (!report->junit_xml.empty()) out.produced.push_back({"junit.xml", report->junit_xml, {}});
  if (!report->coverage_json.empty()) out.produced.push_back({"coverage.json", report->coverage_json, {}});
  // coverage.py's data, not only its report: `report merge` combines a fetched artifact's.
  if (!report->coverage_data.empty()) out.produced.push_back({".coverage", report->coverage_data, {}});
  if (storing) out.produced.push_back({"durations.json", {}, durations_document(ctx)});
  out.run_args = {{"paths", o.paths}, {"paths_key", execute::suite_key(o.paths)}};
  // Where its coverage paths start: `report merge` maps a shard's checkout onto the merging one.
  out.run_args["project_dir"] = ctx.project_dir.string();
  if (o.shard) out.run_args["shard"] = {o.shard->first, o.shard->second};
  if (report->exit_code == ExitCode::kTimeout) {
    out.errors.push_back(make_error("TIMEOUT", "the run exceeded execute.timeout_s; every worker was ended",
                                    "raise --timeout or execute.timeout_s", ExitCode::kTimeout));
  }
  add_ci_surfaces(ctx, out);
  return out;
}

}  // namespace

void add_execute_command(CLI::App& app, CommandList& commands) {
  auto f = std::make_shared<ExecuteFlags>();
  CLI::App* sub = app.add_subcommand("execute", "Run the test suite on parallel workers, with coverage");
  sub->add_option("paths", f->paths, "Test files or directories (default: pytest's testpaths)");
  sub->add_flag("--parallel", f->parallel,
                "Up to one worker per core; aqe picks the count from stored durations");
  sub->add_option("--workers", f->workers, "Force this many workers")->type_name("N");
  sub->add_flag("--coverage", f->coverage, "Measure line and branch coverage (coverage.py)");
  sub->add_flag("--cov-branch", f->cov_branch, "Same as --coverage (branch coverage is always measured)");
  sub->add_flag("--fail-fast,-x", f->fail_fast, "Stop all workers at the first failure");
  sub->add_option("--retries", f->retries, "Re-run a failed test up to N times; pass on retry = flaky")
      ->type_name("N");
  sub->add_option("--timeout", f->timeout_s, "Limit of the whole run in seconds (exit 5)")
      ->type_name("SECONDS");
  sub->add_option("--test-timeout", f->test_timeout_s, "Limit per test in seconds")->type_name("SECONDS");
  sub->add_option("--flaky-policy", f->flaky_policy,
                  "fail (default) or pass: whether flaky tests fail the run");
  sub->add_option("--shard", f->shard, "Run shard i of n (also CI_NODE_INDEX/CI_NODE_TOTAL)")
      ->type_name("I/N");
  sub->add_option("--framework", f->framework, "pytest (default) or junit");
  sub->add_option("--command", f->command, "framework junit: the test command to run");
  sub->add_option("--junit", f->junit, "framework junit: the JUnit XML file the command writes")
      ->type_name("FILE");
  sub->add_option("--python", f->python, "Interpreter that runs the tests")->type_name("PATH");
  sub->add_option("--output-dir", f->out_dir, "Where junit.xml and coverage go (default .aqe/runs/<run>)")
      ->type_name("DIR");
  // One value per occurrence: a vector option would otherwise take the paths after it too.
  sub->add_option(
         "--pytest-arg", f->pytest_args,
         "One extra argument for every pytest worker (repeatable: --pytest-arg=-k --pytest-arg=EXPR)")
      ->type_name("ARG")
      ->allow_extra_args(false);
  auto store = std::make_shared<StoreFlags>();
  add_store_flags(sub, *store);
  commands.push_back({"execute", sub,
                      [f, store](Context& ctx) { return run_execute_command(ctx, *f, store->store); }, true,
                      store});
}

}  // namespace aqe::cli
