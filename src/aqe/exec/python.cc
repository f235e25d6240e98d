#include "aqe/exec/python.h"

#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "aqe/exec/process.h"
#include "aqe/util/json.h"
#include "aqe/util/strings.h"

namespace aqe::exec {
namespace {

namespace fs = std::filesystem;

constexpr const char* kSystemPython = "/usr/bin/python3";
constexpr std::chrono::milliseconds kProbeTimeout{30000};

// find_spec rather than import: it answers "is it installed" without running the package.
constexpr const char* kProbeScript = R"(import importlib.util, json, platform, sys
missing = []
for name in sys.argv[1:]:
    try:
        found = importlib.util.find_spec(name) is not None
    except Exception:
        found = False
    if not found:
        missing.append(name)
print(json.dumps({"version": platform.python_version(), "executable": sys.executable,
                  "missing": missing}))
)";

struct ModulePackages {
  const char* module;
  const char* debian;
  const char* pip;
};
constexpr ModulePackages kModulePackages[] = {
    {"pytest", "python3-pytest", "pytest"},
    {"coverage", "python3-coverage", "coverage"},
    {"xdist", "python3-pytest-xdist", "pytest-xdist"},
    {"hypothesis", "python3-hypothesis", "hypothesis"},
    {"pytest_cov", "python3-pytest-cov", "pytest-cov"},
};

ModulePackages packages_for(const std::string& module) {
  for (const auto& m : kModulePackages) {
    if (module == m.module) return m;
  }
  return {nullptr, nullptr, nullptr};
}

std::string debian_package(const std::string& module) {
  auto m = packages_for(module);
  if (m.debian) return m.debian;
  std::string name = "python3-" + module;
  std::replace(name.begin(), name.end(), '_', '-');
  return name;
}

std::string pip_package(const std::string& module) {
  auto m = packages_for(module);
  return m.pip ? m.pip : module;
}

std::string package_list(const std::vector<std::string>& modules,
                         std::string (*to_package)(const std::string&)) {
  std::vector<std::string> names;
  for (const auto& m : modules) names.push_back(to_package(m));
  return join(names, " ");
}

bool is_executable(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec) && access(p.c_str(), X_OK) == 0;
}

// How to give the same setting a working value, in the form the user used.
std::string source_flag_example(const std::string& source) {
  if (source == "QE_PYTHON") return std::string("QE_PYTHON=") + kSystemPython;
  if (starts_with(source, "python.interpreter")) {
    return std::string("\"python\": {\"interpreter\": \"") + kSystemPython + "\"}";
  }
  return std::string("--python ") + kSystemPython;
}

// A value from --python / QE_PYTHON / config: a bare name is looked up on PATH, a path is
// taken relative to the project directory.
Result<PythonChoice> resolve_given(const std::string& value, const std::string& source,
                                   const fs::path& project_dir) {
  if (value.find('/') == std::string::npos) {
    std::string found = find_executable(value);
    if (!found.empty()) return PythonChoice{found, source};
    return make_error("PYTHON_NOT_FOUND",
                      "Python interpreter '" + value + "' from " + source + " not found on PATH",
                      "give an existing interpreter, e.g. " + source_flag_example(source));
  }
  fs::path p(value);
  if (p.is_relative()) p = (project_dir / p).lexically_normal();
  if (is_executable(p)) return PythonChoice{p.string(), source};
  return make_error(
      "PYTHON_NOT_FOUND",
      "Python interpreter '" + p.string() + "' from " + source + " does not exist or is not executable",
      "give an existing interpreter, e.g. " + source_flag_example(source));
}

}  // namespace

Result<PythonChoice> choose_python(const PythonDiscoveryInput& in) {
  if (!in.flag.empty()) return resolve_given(in.flag, "--python", in.project_dir);
  if (!in.env.empty()) return resolve_given(in.env, "QE_PYTHON", in.project_dir);
  if (!in.config.empty()) {
    std::string source = "python.interpreter";
    if (!in.config_origin.empty()) source += " (" + in.config_origin + ")";
    return resolve_given(in.config, source, in.project_dir);
  }
  for (const char* venv : {".venv", "venv"}) {
    fs::path p = (in.project_dir / venv / "bin" / "python").lexically_normal();
    std::error_code ec;
    if (!fs::exists(fs::symlink_status(p, ec))) continue;
    // A venv that is there but broken (its base Python removed) is reported, not skipped:
    // silently falling back to another interpreter would hide why the tests behave differently.
    if (is_executable(p)) return PythonChoice{p.string(), venv};
    return make_error("PYTHON_NOT_FOUND",
                      "the project's virtual environment interpreter '" + p.string() +
                          "' is not executable (is the venv broken?)",
                      std::string("recreate it: python3 -m venv --system-site-packages ") +
                          (in.project_dir / venv).lexically_normal().string());
  }
  std::string found = find_executable("python3");
  if (!found.empty()) return PythonChoice{found, "PATH"};
  return make_error("PYTHON_NOT_FOUND",
                    "no Python interpreter: no --python, QE_PYTHON, python.interpreter, "
                    ".venv or venv in the project, and no python3 on PATH",
                    "install python3 or pass --python /path/to/python");
}

Result<PythonModules> probe_python(const PythonChoice& py, const std::vector<std::string>& modules) {
  ProcessSpec spec;
  spec.argv = {py.path, "-c", kProbeScript};
  spec.argv.insert(spec.argv.end(), modules.begin(), modules.end());
  spec.timeout = kProbeTimeout;
  const std::string who = "Python interpreter '" + py.path + "' (from " + py.source + ")";
  auto run_result = run(spec);
  if (!run_result) {
    Error e = run_result.error();
    e.message = who + ": " + e.message;
    return e;
  }
  const ProcessResult& r = *run_result;
  if (r.termination == Termination::kInterrupted) {
    return make_error("INTERRUPTED", who + ": interrupted", "", ExitCode::kInterrupted);
  }
  if (r.termination == Termination::kTimedOut) {
    return make_error("PYTHON_PROBE_TIMEOUT",
                      who + " did not answer within " + std::to_string(kProbeTimeout.count() / 1000) + "s",
                      "", ExitCode::kTimeout);
  }
  if (r.termination != Termination::kExited || r.exit_code != 0) {
    std::string how = r.termination == Termination::kExited
                          ? "exited with " + std::to_string(r.exit_code)
                          : "was killed by signal " + std::to_string(r.signal);
    const std::string said(trim(r.stderr_data));
    return make_error("PYTHON_PROBE_FAILED", who + " " + how + (said.empty() ? "" : ": " + said),
                      "check that it is a working Python 3 interpreter");
  }
  // Startup hooks (sitecustomize, .pth files) may print first; the answer is the last line.
  std::string_view out = trim(r.stdout_data);
  std::string_view last = out.substr(out.rfind('\n') == std::string_view::npos ? 0 : out.rfind('\n') + 1);
  ParsedJson parsed = parse_json(last);
  const nlohmann::json& json = parsed.value;
  const nlohmann::json* version = member(json, "version");
  const nlohmann::json* executable = member(json, "executable");
  const nlohmann::json* missing = member(json, "missing");
  const bool names_only =
      missing && missing->is_array() &&
      std::all_of(missing->begin(), missing->end(), [](const auto& m) { return m.is_string(); });
  if (!version || !version->is_string() || !names_only || (executable && !executable->is_string())) {
    return make_error("PYTHON_PROBE_FAILED",
                      who + " gave an unexpected answer: " + std::string(last.substr(0, 200)),
                      "check that it is a working Python 3 interpreter");
  }
  PythonModules m;
  m.version = version->get<std::string>();
  m.executable = executable ? executable->get<std::string>() : "";
  m.missing = missing->get<std::vector<std::string>>();
  return m;
}

namespace {

// The venv directory when `python` is <venv>/bin/python*, found by its pyvenv.cfg.
std::optional<fs::path> venv_of(const fs::path& python) {
  fs::path dir = python.parent_path().parent_path();
  std::error_code ec;
  if (fs::exists(dir / "pyvenv.cfg", ec)) return dir;
  return std::nullopt;
}

bool is_system_python(const fs::path& python) {
  std::error_code ec1, ec2;
  auto a = fs::canonical(python, ec1);
  auto b = fs::canonical(kSystemPython, ec2);
  return !ec1 && !ec2 && a == b;
}

bool system_python_has(const std::vector<std::string>& modules) {
  auto probe = probe_python({kSystemPython, "system"}, modules);
  return probe && probe->missing.empty();
}

std::string missing_modules_hint(const PythonChoice& py, const std::vector<std::string>& missing) {
  const std::string pip = package_list(missing, pip_package);
  const std::string apt = "apt-get install " + package_list(missing, debian_package);
  if (auto venv = venv_of(py.path)) {
    std::string hint = "install them into the venv: " + py.path + " -m pip install " + pip;
    if (system_python_has(missing)) {
      hint += ", or recreate it on top of " + std::string(kSystemPython) +
              ", which has them: " + kSystemPython + " -m venv --system-site-packages " + venv->string();
    }
    return hint;
  }
  if (is_system_python(py.path)) return "install them: " + apt;
  if (system_python_has(missing)) {
    return std::string("use ") + kSystemPython + ", which has them: --python " + kSystemPython +
           " or QE_PYTHON=" + kSystemPython;
  }
  return "install them for this interpreter (" + py.path + " -m pip install " + pip +
         "), or point --python/QE_PYTHON at an interpreter that has them (on Debian: " + apt +
         ", then --python " + kSystemPython + ")";
}

}  // namespace

Error missing_modules_error(const PythonChoice& py, const std::vector<std::string>& missing) {
  return make_error(
      "PYTHON_MISSING_MODULES",
      "Python interpreter '" + py.path + "' (from " + py.source + ") cannot import: " + join(missing, ", "),
      missing_modules_hint(py, missing));
}

Result<PythonChoice> require_python(const PythonDiscoveryInput& in, const std::vector<std::string>& modules) {
  auto choice = choose_python(in);
  if (!choice) return choice;
  auto probe = probe_python(*choice, modules);
  if (!probe) return probe.error();
  if (!probe->missing.empty()) return missing_modules_error(*choice, probe->missing);
  return choice;
}

}  // namespace aqe::exec
