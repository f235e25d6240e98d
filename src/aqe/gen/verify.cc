#include "aqe/gen/verify.h"

#include <cctype>
#include <chrono>
#include <cstdlib>

#include "aqe/exec/process.h"
#include "aqe/util/fs.h"
#include "aqe/util/strings.h"

namespace aqe::gen {

namespace fs = std::filesystem;

std::string coverage_rc(const std::vector<fs::path>& source_files) {
  std::set<std::string> dirs;
  for (const auto& f : source_files) dirs.insert(f.parent_path().string());
  std::string rc = "[run]\nbranch = True\nsource =\n";
  for (const auto& d : dirs) rc += "    " + d + "\n";
  rc += "\n[report]\ninclude =\n";
  for (const auto& f : source_files) rc += "    " + f.string() + "\n";
  return rc;
}

void collect_failures(const std::vector<results::JunitCase>& cases, const std::vector<fs::path>& test_files,
                      VerifyResult& out) {
  for (const auto& c : cases) {
    const bool passed = c.outcome == "passed";
    if (!passed && c.outcome != "failed" && c.outcome != "error") continue;
    const fs::path* owner = nullptr;
    for (const auto& f : test_files) {
      const std::string abs = f.generic_string();
      if (!c.file.empty() && (abs == c.file || ends_with(abs, "/" + c.file))) owner = &f;
    }
    if (owner == nullptr) continue;
    std::string name = c.test_id;
    size_t sep = name.rfind("::");
    if (sep != std::string::npos) name = name.substr(sep + 2);
    size_t bracket = name.find('[');
    if (bracket != std::string::npos) name.resize(bracket);
    if (passed) {
      if (starts_with(name, "test_")) out.passed[*owner].insert(name);
    } else if (starts_with(name, "test_")) {
      out.failed[*owner].insert(name);
    } else {
      out.broken_files.insert(*owner);
    }
  }
}

void apply_violations(const std::vector<SandboxViolation>& violations,
                      const std::vector<fs::path>& test_files, VerifyResult& out) {
  for (const auto& v : violations) {
    const fs::path reported = v.file.lexically_normal();
    std::error_code ec;
    const fs::path* owner = nullptr;
    for (const auto& f : test_files)
      if (f.lexically_normal() == reported || fs::equivalent(f, reported, ec)) owner = &f;
    if (owner == nullptr) continue;
    out.violations[*owner].emplace(v.test, v.reason);  // the first reason a test gave
    out.failed[*owner].insert(v.test);
    if (auto it = out.passed.find(*owner); it != out.passed.end()) it->second.erase(v.test);
  }
}

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::string without_durations(std::string_view output) {
  std::string out;
  out.reserve(output.size());
  size_t i = 0;
  while (i < output.size()) {
    // " in 0.12s" and " in 65.12s (0:01:05)", pytest's summary line.
    size_t at = output.find(" in ", i);
    if (at == std::string_view::npos) break;
    size_t j = at + 4;
    while (j < output.size() && (is_digit(output[j]) || output[j] == '.')) ++j;
    const bool unit = j < output.size() && output[j] == 's' &&
                      (j + 1 == output.size() || !std::isalnum(static_cast<unsigned char>(output[j + 1])));
    if (j == at + 4 || !unit) {
      out.append(output.substr(i, at + 4 - i));
      i = at + 4;
      continue;
    }
    ++j;
    if (output.substr(j, 2) == " (") {
      size_t close = output.find(')', j);
      size_t k = j + 2;
      while (k < output.size() && (is_digit(output[k]) || output[k] == ':')) ++k;
      if (close != std::string_view::npos && k == close) j = close + 1;
    }
    out.append(output.substr(i, at - i));
    out += " in <time>";
    i = j;
  }
  out.append(output.substr(std::min(i, output.size())));
  return out;
}

std::string stable_output(std::string_view output, std::string_view run_dir) {
  std::string out = without_durations(output);
  if (run_dir.empty()) return out;
  constexpr std::string_view kShown = "<sandbox>";
  for (size_t at = out.find(run_dir); at != std::string::npos; at = out.find(run_dir, at + kShown.size()))
    out.replace(at, run_dir.size(), kShown);
  return out;
}

Result<VerifyResult> verify_tests(const VerifyInput& in) {
  auto dir = make_temp_dir("aqe-gen-verify");
  if (!dir) return dir.error();
  const fs::path rc = *dir / "coveragerc", data = *dir / ".coverage", junit = *dir / "junit.xml",
                 report = *dir / "coverage.json";
  auto st = write_file_atomic(rc, coverage_rc(in.source_files));
  if (!st) return st.error();

  exec::ProcessSpec run;
  run.argv = {in.python,
              "-m",
              "coverage",
              "run",
              "--rcfile=" + rc.string(),
              "-m",
              "pytest",
              "-p",
              "no:cacheprovider",
              "-p",
              "aqe_sandbox",
              "-q",
              "-o",
              "addopts=",
              "--import-mode=importlib",
              "-o",
              "junit_family=xunit1",
              "--junitxml=" + junit.string()};
  for (const auto& f : in.test_files) run.argv.push_back(f.string());
  // The same sandbox as exploration: the project's code runs with a temporary cwd, HOME and
  // TMPDIR, so a module or a kept test writing ~/x or ./x does not write into the user's home
  // or project; the same limits, no network; and aqe_sandbox (loaded before the project's
  // conftest files) refuses writes outside the sandbox dir, reporting the test that tried.
  // `python -m` puts the cwd on sys.path: the project dir takes its place.
  std::error_code made;
  for (const char* sub : {"cwd", "home", "tmp"}) fs::create_directories(*dir / sub, made);
  const fs::path plugin = *dir / "plugin", violations = *dir / "sandbox.json";
  st = write_sandbox_module(plugin);
  if (!st) {
    fs::remove_all(*dir, made);
    return st.error();
  }
  run.cwd = *dir / "cwd";
  const char* pythonpath = std::getenv("PYTHONPATH");
  run.env_set = {
      {"COVERAGE_FILE", data.string()},
      {"PYTHONDONTWRITEBYTECODE", "1"},
      {"AQE_SANDBOX_ROOT", dir->string()},
      {"AQE_SANDBOX_REPORT", violations.string()},
      {"PYTHONPATH", plugin.string() + ":" + in.project_dir.string() +
                         (pythonpath != nullptr && *pythonpath ? ":" + std::string(pythonpath) : "")}};
  set_sandbox_env(run.env_set, *dir);
  confine(run, in.timeout_s + 30);
  run.argv.insert(run.argv.end() - static_cast<std::ptrdiff_t>(in.test_files.size()),
                  "--rootdir=" + in.project_dir.string());
  run.timeout = std::chrono::milliseconds(static_cast<int64_t>(in.timeout_s * 1000));
  auto ran = exec::run(run);
  std::error_code ec;
  auto cleanup = [&] { fs::remove_all(*dir, ec); };
  if (!ran) {
    cleanup();
    return ran.error();
  }
  if (ran->termination == exec::Termination::kTimedOut ||
      ran->termination == exec::Termination::kInterrupted) {
    cleanup();
    return make_error(
        ran->termination == exec::Termination::kTimedOut ? "TIMEOUT" : "INTERRUPTED",
        "running the generated tests did not finish", "",
        ran->termination == exec::Termination::kTimedOut ? ExitCode::kTimeout : ExitCode::kInterrupted);
  }
  // pytest exits 0-2 or 5 when it ran to its end (2: interrupted by collection errors, which the
  // JUnit report names); a signal, or 3/4/another status (internal error, usage error, a test
  // calling os._exit) means it died: nothing it ran counts as verified.
  const std::string why = std::string(trim(ran->stderr_data)).substr(0, 400);
  if (ran->termination == exec::Termination::kSignaled) {
    cleanup();
    return make_error("VERIFY_DIED",
                      "the verification pytest run was killed by signal " + std::to_string(ran->signal) +
                          (why.empty() ? "" : ": " + why),
                      "run the generated tests with pytest to see why", ExitCode::kFailure);
  }
  if (ran->exit_code != 0 && ran->exit_code != 1 && ran->exit_code != 2 && ran->exit_code != 5) {
    cleanup();
    return make_error("VERIFY_DIED",
                      "the verification pytest run exited with status " + std::to_string(ran->exit_code) +
                          (why.empty() ? "" : ": " + why),
                      "run the generated tests with pytest to see why", ExitCode::kFailure);
  }
  VerifyResult out;
  constexpr size_t kOutputTail = 6000;
  const std::string stable = stable_output(ran->stdout_data, dir->string());
  out.output = stable.size() > kOutputTail ? stable.substr(stable.size() - kOutputTail) : stable;
  auto xml = read_file(junit);
  if (!xml) {
    cleanup();
    return make_error("VERIFY_DIED", "the verification pytest run wrote no JUnit report: " + why,
                      "run the generated tests with pytest to see why", ExitCode::kFailure);
  }
  auto cases = results::parse_junit(*xml, junit.string());
  if (!cases) {
    cleanup();
    return cases.error();
  }
  collect_failures(*cases, in.test_files, out);
  apply_violations(read_violations(violations), in.test_files, out);

  exec::ProcessSpec js;
  js.argv = {in.python, "-m", "coverage", "json", "--rcfile=" + rc.string(), "-o", report.string()};
  js.cwd = in.project_dir;
  js.env_set = {{"COVERAGE_FILE", data.string()}};
  js.timeout = std::chrono::minutes(2);
  auto jr = exec::run(js);
  auto text = read_file(report);
  if (jr && jr->termination == exec::Termination::kExited && text) {
    auto measured = coverage::read_coverage(*text, report.string());
    if (measured) {
      out.coverage = measured->totals;
      out.files = std::move(measured->files);
    }
  }
  cleanup();
  return out;
}

}  // namespace aqe::gen
