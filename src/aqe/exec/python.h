// Choosing the Python interpreter that runs the user's tests, and checking it can.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "aqe/util/result.h"

namespace aqe::exec {

struct PythonChoice {
  std::string path;    // as given or found, e.g. "/usr/bin/python3" or ".venv/bin/python"
  std::string source;  // "--python", "QE_PYTHON", "python.interpreter (config/qe-fleet.json)",
                       // ".venv", "venv", "PATH"
};

struct PythonDiscoveryInput {
  std::string flag;                   // --python, empty if not given
  std::string env;                    // QE_PYTHON, empty if unset
  std::string config;                 // python.interpreter, empty if unset
  std::string config_origin;          // where the config value came from, for messages
  std::filesystem::path project_dir;  // where .venv / venv are looked for
};

// Precedence: flag > env > config > <project>/.venv/bin/python > <project>/venv/bin/python
// > python3 on PATH. Pure apart from checking file existence; does not run Python.
Result<PythonChoice> choose_python(const PythonDiscoveryInput& in);

struct PythonModules {
  std::string version;               // "3.11.2"
  std::string executable;            // sys.executable
  std::vector<std::string> missing;  // of the modules asked for
};

// Runs the interpreter once to report its version and which of `modules` it cannot import.
Result<PythonModules> probe_python(const PythonChoice& py, const std::vector<std::string>& modules);

// Exit-3 error for an interpreter lacking modules: names the interpreter, how it was chosen,
// what is missing, and how to fix it (apt package for /usr/bin/python3, a venv with
// --system-site-packages, or --python/QE_PYTHON pointing elsewhere).
Error missing_modules_error(const PythonChoice& py, const std::vector<std::string>& missing);

// Convenience: choose + probe + error when something in `modules` is missing.
Result<PythonChoice> require_python(const PythonDiscoveryInput& in, const std::vector<std::string>& modules);

}  // namespace aqe::exec
