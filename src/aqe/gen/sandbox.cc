#include "aqe/gen/sandbox.h"

#include <sys/resource.h>

#include <cmath>

#include <nlohmann/json.hpp>

#include "aqe/util/fs.h"
#include "aqe/util/json.h"
#include "aqe/util/resources.h"

namespace aqe::gen {

namespace fs = std::filesystem;

void confine(exec::ProcessSpec& spec, double cpu_s) {
  spec.rlimits = {{RLIMIT_AS, kSandboxMemoryBytes},
                  {RLIMIT_CPU, static_cast<uint64_t>(std::ceil(std::max(cpu_s, 1.0)))},
                  {RLIMIT_FSIZE, kSandboxFileBytes},
                  {RLIMIT_CORE, 0}};
  // The audit hooks stop Python-level socket calls wherever this runs; the namespace also
  // stops a C extension's or a subprocess's, where the kernel lets aqe make one.
  spec.isolate_network = true;
}

void set_sandbox_env(std::map<std::string, std::string>& env, const fs::path& dir) {
  const fs::path home = dir / "home";
  std::error_code ec;
  const std::pair<const char*, fs::path> dirs[] = {
      {"HOME", home},
      {"TMPDIR", dir / "tmp"},
      {"XDG_CONFIG_HOME", home / ".config"},
      {"XDG_CACHE_HOME", home / ".cache"},
      {"XDG_DATA_HOME", home / ".local" / "share"},
      {"XDG_STATE_HOME", home / ".local" / "state"},
      {"XDG_RUNTIME_DIR", dir / "run"},
  };
  for (const auto& [name, path] : dirs) {
    fs::create_directories(path, ec);
    env[name] = path.string();
  }
  // The XDG spec wants the runtime directory private to the user.
  fs::permissions(dir / "run", fs::perms::owner_all, fs::perm_options::replace, ec);
}

Status write_sandbox_module(const fs::path& dir) {
  auto text = find_resource("aqe_sandbox.py");
  if (!text) return make_error("INTERNAL", "aqe_sandbox.py is not embedded in this build");
  std::error_code ec;
  fs::create_directories(dir, ec);
  return write_file_atomic(dir / "aqe_sandbox.py", *text);
}

std::vector<SandboxViolation> read_violations(const fs::path& report) {
  std::vector<SandboxViolation> out;
  auto text = read_file(report);
  if (!text) return out;
  // Written by code running beside the project's: its shape is checked, not trusted.
  const ParsedJson parsed = parse_json(*text);
  if (!parsed || !parsed.value.is_array()) return out;
  for (const auto& v : parsed.value) {
    SandboxViolation s{string_or(v, "file"), string_or(v, "test"), string_or(v, "reason"),
                       string_or(v, "detail")};
    if (!s.file.empty() && !s.test.empty() && !s.reason.empty()) out.push_back(std::move(s));
  }
  return out;
}

}  // namespace aqe::gen
