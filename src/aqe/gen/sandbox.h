// The sandbox the project's code runs in during `aqe generate`, exploration and verification
// alike: a temporary cwd, HOME and TMPDIR (set by each caller), resource limits, a network
// namespace of its own where the kernel allows one, and aqe_sandbox.py's audit hooks, which
// refuse writes outside the sandbox and network use, and name the test that tried.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "aqe/exec/process.h"
#include "aqe/util/result.h"

namespace aqe::gen {

// The explorer's limits, which verification shares: 2 GiB of address space, 64 MiB per file.
inline constexpr uint64_t kSandboxMemoryBytes = uint64_t{2048} << 20;
inline constexpr uint64_t kSandboxFileBytes = uint64_t{64} << 20;

// Sets spec's resource limits (cpu_s seconds of CPU time; no core files) and network
// isolation. RLIMIT_NPROC is left alone: it counts every process of the user, not the
// child's, so any fixed number either fails on a busy machine or bounds nothing; the process
// group kill and the subreaper end what a test starts.
void confine(exec::ProcessSpec& spec, double cpu_s);

// The environment of the project's code inside the sandbox directory `dir`: HOME, TMPDIR and
// the XDG base directories (config, cache, data, state, runtime) all under it, so that code
// which keeps its files where the user's desktop says (platformdirs, appdirs, XDG) writes into
// the sandbox instead of being refused, or, without the audit hooks, into the user's home.
// Creates the directories.
void set_sandbox_env(std::map<std::string, std::string>& env, const std::filesystem::path& dir);

// Writes aqe_sandbox.py into `dir` (for an import or `pytest -p aqe_sandbox`).
Status write_sandbox_module(const std::filesystem::path& dir);

// What a test tried that the sandbox refused.
struct SandboxViolation {
  std::filesystem::path file;  // the test file, absolute
  std::string test;            // the test function's name (without parameters)
  std::string reason;          // "writes outside its temp dir" | "uses the network"
  std::string detail;          // the refused call (the project's text)
};

// The violations aqe_sandbox.py reported at the end of a pytest session: a missing or
// unreadable report holds none.
std::vector<SandboxViolation> read_violations(const std::filesystem::path& report);

}  // namespace aqe::gen
