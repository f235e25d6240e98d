#include "aqe/gen/explore.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "aqe/gen/sandbox.h"
#include "aqe/util/fs.h"
#include "aqe/util/json.h"
#include "aqe/util/resources.h"
#include "aqe/util/strings.h"

namespace aqe::gen {

namespace fs = std::filesystem;
using nlohmann::json;

Result<ExploreJob> prepare_explore(const SourceModule& m, const std::string& python,
                                   const ExploreLimits& limits) {
  const double budget_s = limits.budget_s;
  auto script = find_resource("aqe_explorer.py");
  if (!script) return make_error("INTERNAL", "aqe_explorer.py is not embedded in this build");
  auto dir = make_temp_dir("aqe-gen");
  if (!dir) return dir.error();
  auto st = write_file_atomic(*dir / "aqe_explorer.py", *script);
  if (st) st = write_sandbox_module(*dir);  // beside the explorer, which imports it
  if (!st) {
    std::error_code ec;
    fs::remove_all(*dir, ec);
    return st.error();
  }
  fs::create_directories(*dir / "home");
  fs::create_directories(*dir / "tmp");
  fs::create_directories(*dir / "cwd");

  const int cpu_s = static_cast<int>(std::ceil(budget_s * 2 + 30));
  json req = {{"module", m.module},    {"file", m.file.string()},
              {"display_file", m.rel}, {"sys_path", json::array({m.source_root.string()})},
              {"budget_s", budget_s},  {"coverage_target", limits.coverage_target},
              {"cpu_s", cpu_s},        {"memory_mb", kSandboxMemoryBytes >> 20}};
  ExploreJob job;
  job.module = &m;
  job.work_dir = *dir;
  job.spec.argv = {python, (*dir / "aqe_explorer.py").string()};
  job.spec.cwd = *dir / "cwd";
  job.spec.env_set = {{"PYTHONHASHSEED", "0"},  // set iteration order, hence output, is reproducible
                      {"PYTHONDONTWRITEBYTECODE", "1"},
                      {"AQE_SANDBOX_ROOT", dir->string()}};
  set_sandbox_env(job.spec.env_set, *dir);
  // The explorer lowers its own soft limits too; these are hard, the code under test cannot
  // raise them.
  confine(job.spec, cpu_s);
  job.spec.stdin_data = req.dump();
  // Import, the second run of kept calls and rendering come on top of the exploration budget.
  job.spec.timeout = std::chrono::milliseconds(static_cast<int64_t>((budget_s * 1.5 + 20) * 1000));
  job.spec.kill_grace = std::chrono::milliseconds(500);
  return job;
}

ExploreResult parse_explorer_reply(const std::string& stdout_data) {
  ExploreResult out;
  // The explorer runs in the user's interpreter beside the code under test: its reply's shape is
  // checked, not trusted (parse_json and the typed accessors never throw).
  const ParsedJson parsed = parse_json(stdout_data);
  const json& doc = parsed.value;
  if (!parsed || !doc.is_object()) {
    out.failure = "the explorer gave no readable reply";
    return out;
  }
  if (!bool_or(doc, "ok", false)) {
    out.failure = string_or(doc, "reason", "exploration failed");
    return out;
  }
  out.finished = bool_or(doc, "finished", true);
  out.stopped_at_target = bool_or(doc, "stopped_at_target", false);
  if (const json* tests = member(doc, "tests"); tests && tests->is_array()) {
    for (const auto& t : *tests) {
      GeneratedTest g;
      g.name = string_or(t, "name");
      g.code = string_or(t, "code");
      g.imports = strings_of(t, "imports");
      if (!g.name.empty() && !g.code.empty()) out.tests.push_back(std::move(g));
    }
  }
  if (const json* given_up = member(doc, "given_up"); given_up && given_up->is_array()) {
    for (const auto& g : *given_up) {
      GivenUpTarget t;
      t.target = string_or(g, "target");
      if (const json* line = member(g, "line"); line && line->is_number_integer())
        t.line = line->get<int64_t>();
      if (const json* calls = member(g, "calls"); calls && calls->is_number_integer())
        t.calls = calls->get<int64_t>();
      t.cut_off = string_or(g, "cut_off");
      if (!t.target.empty()) out.given_up.push_back(std::move(t));
    }
  }
  if (const json* untested = member(doc, "untested"); untested && untested->is_array()) {
    for (const auto& u : *untested) {
      UntestedTarget t;
      t.target = string_or(u, "target");
      if (const json* line = member(u, "line"); line && line->is_number_integer())
        t.line = line->get<int64_t>();
      t.reason = string_or(u, "reason");
      if (!t.target.empty()) out.untested.push_back(std::move(t));
    }
  }
  if (out.tests.empty()) out.failure = "no public function, class or method produced a test";
  return out;
}

namespace {

std::string last_line(const std::string& text) {
  std::string_view t = trim(text);
  size_t nl = t.rfind('\n');
  return std::string(nl == std::string_view::npos ? t : t.substr(nl + 1));
}

}  // namespace

ExploreResult finish_explore(const ExploreJob& job, const exec::ProcessResult& r, double budget_s) {
  std::error_code ec;
  fs::remove_all(job.work_dir, ec);
  ExploreResult out;
  switch (r.termination) {
    case exec::Termination::kTimedOut:
      out.failure = "exploration exceeded its time limit (" +
                    std::to_string(static_cast<int>(budget_s * 1.5 + 20)) + " s)";
      return out;
    case exec::Termination::kInterrupted:
      out.failure = "interrupted";
      return out;
    case exec::Termination::kSignaled:
      out.failure = "the explorer was killed by signal " + std::to_string(r.signal) +
                    " (resource limit or crash in the code under test)";
      return out;
    case exec::Termination::kExited:
      break;
  }
  if (r.exit_code != 0) {
    std::string why = last_line(r.stderr_data);
    out.failure =
        "the explorer exited with status " + std::to_string(r.exit_code) + (why.empty() ? "" : ": " + why);
    return out;
  }
  return parse_explorer_reply(r.stdout_data);
}

}  // namespace aqe::gen
