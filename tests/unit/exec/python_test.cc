#include "aqe/exec/python.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "aqe/exec/process.h"
#include "aqe/util/fs.h"

namespace aqe::exec {
namespace {

namespace fs = std::filesystem;

constexpr const char* kSystemPython = "/usr/bin/python3";
// A real interpreter without dist-packages on sys.path: it lacks pytest & co.
constexpr const char* kPythonWithoutSite = "#!/bin/sh\nexec /usr/bin/python3 -S \"$@\"\n";

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class PythonTest : public ::testing::Test {
 protected:
  void SetUp() override { root_ = *make_temp_dir("aqe-python-test"); }
  void TearDown() override { fs::remove_all(root_); }

  fs::path script(const fs::path& rel, const std::string& content = "#!/bin/sh\nexit 0\n") {
    fs::path p = root_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << content;
    fs::permissions(p, fs::perms::owner_all);
    return p;
  }

  fs::path root_;
};

TEST_F(PythonTest, ChoosePrecedence) {
  struct Case {
    const char* name;
    std::string flag, env, config;
    bool dot_venv, venv;
    std::string expected_path;  // relative to the project unless absolute
    std::string expected_source;
  };
  const std::string path_python3 = find_executable("python3");
  ASSERT_FALSE(path_python3.empty());
  const std::vector<Case> cases{
      {"flag wins", kSystemPython, "tools/env-py", "tools/cfg-py", true, true, kSystemPython, "--python"},
      {"flag bare name on PATH", "python3", "", "", true, false, path_python3, "--python"},
      {"env over config", "", "tools/env-py", "tools/cfg-py", true, true, "tools/env-py", "QE_PYTHON"},
      {"config over venvs", "", "", "tools/cfg-py", true, true, "tools/cfg-py",
       "python.interpreter (config/qe-fleet.json)"},
      {".venv over venv", "", "", "", true, true, ".venv/bin/python", ".venv"},
      {"venv", "", "", "", false, true, "venv/bin/python", "venv"},
      {"PATH last", "", "", "", false, false, path_python3, "PATH"},
  };
  for (const auto& c : cases) {
    fs::path project = root_ / c.name;
    script(project / "tools/env-py");
    script(project / "tools/cfg-py");
    if (c.dot_venv) script(project / ".venv/bin/python");
    if (c.venv) script(project / "venv/bin/python");
    auto choice = choose_python({c.flag, c.env, c.config, "config/qe-fleet.json", project});
    ASSERT_TRUE(choice.ok()) << c.name << ": " << choice.error().message;
    fs::path expected = fs::path(c.expected_path).is_absolute()
                            ? fs::path(c.expected_path)
                            : (project / c.expected_path).lexically_normal();
    EXPECT_EQ(choice->path, expected.string()) << c.name;
    EXPECT_EQ(choice->source, c.expected_source) << c.name;
  }
}

TEST_F(PythonTest, ChosenVenvPathIsRelativeWhenTheProjectIs) {
  const fs::path before = fs::current_path();
  fs::current_path(root_);
  script(".venv/bin/python");
  auto choice = choose_python({"", "", "", "", "."});
  fs::current_path(before);
  ASSERT_TRUE(choice.ok());
  EXPECT_EQ(choice->path, ".venv/bin/python");
}

TEST_F(PythonTest, GivenInterpreterThatDoesNotExistIsAnError) {
  script("venv-ok/.venv/bin/python");
  struct Case {
    PythonDiscoveryInput in;
    std::vector<std::string> in_message;
  };
  const std::vector<Case> cases{
      {{"/nonexistent/python3", "", "", "", root_}, {"'/nonexistent/python3'", "--python"}},
      {{"", "aqe-no-such-python", "", "", root_}, {"'aqe-no-such-python'", "QE_PYTHON", "PATH"}},
      {{"", "", "tools/py", "config/qe-fleet.json", root_},
       {(root_ / "tools/py").string(), "python.interpreter (config/qe-fleet.json)"}},
      // Given values win even when a working venv exists.
      {{"", "./missing-py", "", "", root_ / "venv-ok"}, {"missing-py", "QE_PYTHON"}},
  };
  for (const auto& c : cases) {
    auto choice = choose_python(c.in);
    ASSERT_FALSE(choice.ok());
    EXPECT_EQ(choice.error().code, "PYTHON_NOT_FOUND");
    EXPECT_EQ(choice.error().exit_code, ExitCode::kUsage);
    for (const auto& part : c.in_message) {
      EXPECT_TRUE(contains(choice.error().message, part)) << choice.error().message;
    }
    EXPECT_FALSE(choice.error().hint.empty());
  }
}

TEST_F(PythonTest, BrokenVenvIsReportedNotSkipped) {
  fs::create_directories(root_ / ".venv/bin");
  fs::create_symlink("/nonexistent/python3.99", root_ / ".venv/bin/python");
  auto choice = choose_python({"", "", "", "", root_});
  ASSERT_FALSE(choice.ok());
  EXPECT_TRUE(contains(choice.error().message, ".venv/bin/python"));
  EXPECT_TRUE(contains(choice.error().hint, "python3 -m venv --system-site-packages"));
}

TEST_F(PythonTest, ProbeSystemPython) {
  auto probe =
      probe_python({kSystemPython, "--python"}, {"pytest", "coverage", "xdist", "aqe_no_such_module"});
  ASSERT_TRUE(probe.ok()) << probe.error().message;
  EXPECT_EQ(probe->version.substr(0, 2), "3.");
  EXPECT_FALSE(probe->executable.empty());
  EXPECT_EQ(probe->missing, std::vector<std::string>{"aqe_no_such_module"});
}

TEST_F(PythonTest, ProbeInterpreterLackingModules) {
  fs::path py = script("bare/bin/python", kPythonWithoutSite);
  auto probe = probe_python({py.string(), "--python"}, {"json", "pytest", "coverage"});
  ASSERT_TRUE(probe.ok()) << probe.error().message;
  EXPECT_EQ(probe->missing, (std::vector<std::string>{"pytest", "coverage"}));
}

TEST_F(PythonTest, ProbeFailures) {
  struct Case {
    std::string script;
    std::string code;
    std::string in_message;
  };
  const std::vector<Case> cases{
      {"#!/bin/sh\necho 'boom: broken install' >&2; exit 2\n", "PYTHON_PROBE_FAILED",
       "exited with 2: boom: broken install"},
      {"#!/bin/sh\necho 'Python 2.7'\n", "PYTHON_PROBE_FAILED", "unexpected answer: Python 2.7"},
      {"#!/bin/sh\nkill -9 $$\n", "PYTHON_PROBE_FAILED", "signal 9"},
      // Answers of the wrong shape are an error, not nlohmann's type_error.
      {"#!/bin/sh\necho '{\"version\": 3, \"missing\": 5}'\n", "PYTHON_PROBE_FAILED", "unexpected answer"},
      {"#!/bin/sh\necho '{\"version\": \"3\", \"missing\": [1]}'\n", "PYTHON_PROBE_FAILED",
       "unexpected answer"},
      {"#!/bin/sh\necho '{\"version\": \"3\", \"missing\": [], \"executable\": []}'\n", "PYTHON_PROBE_FAILED",
       "unexpected answer"},
      {"#!/bin/sh\necho '[[[[[[[[1e999'\n", "PYTHON_PROBE_FAILED", "unexpected answer"},
      // Not Python at all (QE_PYTHON=/bin/false): said, with no dangling ": ".
      {"#!/bin/sh\nexit 1\n", "PYTHON_PROBE_FAILED", "exited with 1"},
  };
  for (const auto& c : cases) {
    fs::path py = script("fake/python", c.script);
    auto probe = probe_python({py.string(), "QE_PYTHON"}, {"pytest"});
    ASSERT_FALSE(probe.ok()) << c.script;
    EXPECT_EQ(probe.error().code, c.code);
    EXPECT_TRUE(contains(probe.error().message, py.string()));
    EXPECT_TRUE(contains(probe.error().message, "QE_PYTHON"));
    EXPECT_TRUE(contains(probe.error().message, c.in_message)) << probe.error().message;
    EXPECT_FALSE(probe.error().message.ends_with(": ")) << probe.error().message;
    EXPECT_EQ(probe.error().exit_code, ExitCode::kUsage);
  }
  auto missing = probe_python({(root_ / "gone/python").string(), "--python"}, {"pytest"});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "EXEC_NOT_FOUND");
  EXPECT_TRUE(contains(missing.error().message, "--python"));
}

TEST_F(PythonTest, MissingModulesErrorNamesInterpreterSourceAndFix) {
  fs::path venv_python = script("proj/.venv/bin/python", kPythonWithoutSite);
  std::ofstream(root_ / "proj/.venv/pyvenv.cfg") << "home = /usr/bin\n";
  fs::path other_python = script("opt/bin/python3", kPythonWithoutSite);

  struct Case {
    const char* name;
    PythonChoice py;
    std::vector<std::string> missing;
    std::vector<std::string> in_hint;
  };
  const std::vector<Case> cases{
      {"system python: apt packages",
       {kSystemPython, "--python"},
       {"pytest", "xdist", "coverage", "hypothesis"},
       {"apt-get install python3-pytest python3-pytest-xdist python3-coverage python3-hypothesis"}},
      {"venv: pip in it, or recreate on the system packages",
       {venv_python.string(), ".venv"},
       {"pytest", "xdist"},
       {venv_python.string() + " -m pip install pytest pytest-xdist",
        "/usr/bin/python3 -m venv --system-site-packages " + (root_ / "proj/.venv").string()}},
      {"other interpreter: point at the system python, which has them",
       {other_python.string(), "QE_PYTHON"},
       {"pytest"},
       {"--python /usr/bin/python3", "QE_PYTHON=/usr/bin/python3"}},
      {"nobody has it: pip, or apt then the system python",
       {other_python.string(), "PATH"},
       {"aqe_no_such_module"},
       {other_python.string() + " -m pip install aqe_no_such_module",
        "apt-get install python3-aqe-no-such-module"}},
  };
  for (const auto& c : cases) {
    Error e = missing_modules_error(c.py, c.missing);
    EXPECT_EQ(e.code, "PYTHON_MISSING_MODULES") << c.name;
    EXPECT_EQ(e.exit_code, ExitCode::kUsage) << c.name;
    EXPECT_TRUE(contains(e.message, "'" + c.py.path + "'")) << c.name << ": " << e.message;
    EXPECT_TRUE(contains(e.message, "(from " + c.py.source + ")")) << c.name << ": " << e.message;
    EXPECT_TRUE(contains(e.message, c.missing.front())) << c.name << ": " << e.message;
    for (const auto& part : c.in_hint) {
      EXPECT_TRUE(contains(e.hint, part)) << c.name << ": " << e.hint;
    }
  }
  // The venv hint offers recreating only when the system python would actually help.
  Error no_help = missing_modules_error({venv_python.string(), ".venv"}, {"aqe_no_such_module"});
  EXPECT_FALSE(contains(no_help.hint, "--system-site-packages")) << no_help.hint;
}

TEST_F(PythonTest, RequirePython) {
  auto ok = require_python({kSystemPython, "", "", "", root_}, {"pytest", "coverage"});
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->path, kSystemPython);

  script(".venv/bin/python", kPythonWithoutSite);
  std::ofstream(root_ / ".venv/pyvenv.cfg") << "home = /usr/bin\n";
  auto lacking = require_python({"", "", "", "", root_}, {"pytest", "coverage"});
  ASSERT_FALSE(lacking.ok());
  EXPECT_EQ(lacking.error().code, "PYTHON_MISSING_MODULES");
  EXPECT_TRUE(contains(lacking.error().message, "cannot import: pytest, coverage"));
  EXPECT_TRUE(contains(lacking.error().message, "(from .venv)"));
}

}  // namespace
}  // namespace aqe::exec
