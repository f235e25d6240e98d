// Every external process aqe starts goes through here: argv (never a shell string), its own
// process group, a timeout, captured output, the whole group killed on timeout or interrupt,
// and the child killed by the kernel when aqe dies (PR_SET_PDEATHSIG), SIGKILL included.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "aqe/util/result.h"

namespace aqe::exec {

// A limit set in the child before exec, as both its soft and hard value so that the child
// cannot raise it back (never above the limit aqe itself has).
struct ResourceLimit {
  int resource = 0;  // RLIMIT_AS, RLIMIT_CPU, RLIMIT_FSIZE, ...
  uint64_t value = 0;
};

struct ProcessSpec {
  std::vector<std::string> argv;               // argv[0] is looked up on PATH when it has no '/'
  std::filesystem::path cwd;                   // empty = inherit
  std::map<std::string, std::string> env_set;  // added to / overriding the inherited env
  std::vector<std::string> env_unset;          // removed from the inherited env
  bool clear_env = false;                      // start from an empty env (then env_set only)
  std::optional<std::chrono::milliseconds> timeout;
  bool capture_stdout = true;             // false = inherit aqe's stdout
  bool capture_stderr = true;             // false = inherit aqe's stderr
  std::optional<std::string> stdin_data;  // written to the child's stdin, then closed;
                                          // without it the child's stdin is /dev/null
  // Called with each chunk of stdout/stderr as it arrives (in addition to capturing).
  std::function<void(std::string_view)> on_stdout;
  std::function<void(std::string_view)> on_stderr;
  // false (with on_stdout): stdout only streams to the callback and stdout_data stays empty,
  // for output too large to hold (a whole git history).
  bool keep_stdout = true;
  // On timeout or interrupt: SIGTERM to the group, SIGKILL once this has passed.
  std::chrono::milliseconds kill_grace{2000};
  // Set between fork and exec.
  std::vector<ResourceLimit> rlimits;
  // The child gets a network namespace of its own, holding only a loopback that is down: no
  // connection anywhere, 127.0.0.1 included. As root it is unshare(CLONE_NEWNET); otherwise
  // inside a new user namespace mapping the user to itself. Where the kernel allows neither,
  // the child runs with the network (network_isolation_available() says which, once).
  bool isolate_network = false;
};

enum class Termination {
  kExited,       // exit_code is valid
  kSignaled,     // signal is valid
  kTimedOut,     // the timeout ran out; the process group was killed
  kInterrupted,  // aqe was interrupted (SIGINT/SIGTERM); the process group was killed
};

struct ProcessResult {
  Termination termination = Termination::kExited;
  int exit_code = -1;
  int signal = 0;
  std::string stdout_data;
  std::string stderr_data;
  std::chrono::milliseconds duration{0};
};

// Runs the process to completion. Fails (as a value) only when it cannot be started
// (e.g. executable not found or not executable: code "EXEC_NOT_FOUND", exit 3).
// When the child itself exits, whatever is left of its process group is killed: a step's
// background processes do not outlive it.
Result<ProcessResult> run(const ProcessSpec& spec);

// A started child, for callers that run several at once (execute's workers).
class Process {
 public:
  static Result<Process> start(const ProcessSpec& spec);
  Process(Process&&) noexcept;
  Process& operator=(Process&&) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process();  // kills the group if still running

  pid_t pid() const { return pid_; }
  // Waits until exit, timeout or interrupt, capturing output as it goes.
  ProcessResult wait();
  // Sends SIGTERM to the group now; SIGKILL follows once `grace` has passed, enforced by
  // poll()/wait()/wait_any(). Does not block: call wait() to collect the result.
  void kill_group(std::chrono::milliseconds grace = std::chrono::milliseconds(2000));
  // Non-blocking: reads what output is ready, enforces timeout/interrupt, and returns true
  // when the child has exited (reaped); then wait() returns at once.
  bool poll();

 private:
  friend std::optional<size_t> wait_any(std::span<Process* const> procs,
                                        std::optional<std::chrono::milliseconds> timeout);
  Process() = default;
  struct State;
  State* state_ = nullptr;
  pid_t pid_ = -1;
};

// Blocks until one of `procs` has finished (or `timeout` passes), reading all their output
// meanwhile, and returns its index; nullopt on timeout. A finished process counts at once, so
// a caller removes (or replaces) the one it collected with wait() before calling again.
std::optional<size_t> wait_any(std::span<Process* const> procs,
                               std::optional<std::chrono::milliseconds> timeout = std::nullopt);

// SIGKILLs every process group started here whose leader has not been reaped yet, then every
// process reparented to aqe (see become_subreaper). For the CLI's exit path;
// install_interrupt_handlers() also registers it with atexit().
void kill_all_children();

// Makes aqe the child subreaper of everything it starts (PR_SET_CHILD_SUBREAPER): a descendant
// that leaves its process group (setsid, a double fork) is reparented to aqe, not to init, so
// kill_all_children() still finds it.
void become_subreaper();

// Interrupt handling: installs SIGINT/SIGTERM handlers that set a flag; running waits see it,
// kill their process groups and return kInterrupted. The CLI then exits 130.
void install_interrupt_handlers();
bool interrupted();
// For tests: reset the flag.
void clear_interrupted();
// Becomes readable when aqe is interrupted, so code polling its own descriptors (e.g. an HTTP
// client) wakes up too; -1 before install_interrupt_handlers().
int interrupt_fd();

// Whether isolate_network takes effect here (probed once, in a throwaway child).
bool network_isolation_available();

// Looks `name` up on PATH (or returns it when it contains '/'); empty when not found.
std::string find_executable(const std::string& name);

}  // namespace aqe::exec
