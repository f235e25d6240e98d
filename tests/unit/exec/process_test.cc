#include "aqe/exec/process.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "aqe/util/fs.h"
#include "temp_dir.h"

namespace aqe::exec {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

ProcessSpec sh(const std::string& script) {
  ProcessSpec spec;
  spec.argv = {"sh", "-c", script};
  return spec;
}

ProcessResult run_ok(const ProcessSpec& spec) {
  auto r = run(spec);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : ProcessResult{};
}

// SIGKILL is asynchronous, and orphaned members stay zombies until init reaps them (here
// about every 1.5 s), so a group takes a moment to disappear after kill() returns.
bool group_gone(pid_t pgid) {
  for (int i = 0; i < 1000; ++i) {
    if (kill(-pgid, 0) == -1 && errno == ESRCH) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

using aqe::testing::TempDir;

void write_file(const fs::path& p, const std::string& content, fs::perms perms) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << content;
  fs::permissions(p, perms);
}

TEST(Run, ExitCodes) {
  struct Case {
    std::vector<std::string> argv;
    int code;
  };
  for (const auto& c : std::vector<Case>{{{"true"}, 0},
                                         {{"false"}, 1},
                                         {{"sh", "-c", "exit 7"}, 7},
                                         {{"/bin/sh", "-c", "exit 255"}, 255}}) {
    ProcessSpec spec;
    spec.argv = c.argv;
    auto r = run_ok(spec);
    EXPECT_EQ(r.termination, Termination::kExited) << c.argv.back();
    EXPECT_EQ(r.exit_code, c.code) << c.argv.back();
  }
}

TEST(Run, Signals) {
  for (int sig : {SIGTERM, SIGKILL, SIGSEGV}) {
    auto r = run_ok(sh("kill -" + std::to_string(sig) + " $$"));
    EXPECT_EQ(r.termination, Termination::kSignaled) << sig;
    EXPECT_EQ(r.signal, sig);
  }
}

TEST(Run, TheKernelEndsASandboxedChildWhenAqeDies) {
  // PR_GET_PDEATHSIG (2): the signal the child gets when aqe dies, by SIGKILL too. A sandboxed
  // child (generate's explorer) has it; others start by posix_spawn, which cannot set it
  // (execute's pytest workers set it themselves, from the plugin).
  for (const bool sandboxed : {false, true}) {
    ProcessSpec spec;
    spec.argv = {
        "python3", "-c",
        "import ctypes; v = ctypes.c_int(); ctypes.CDLL(None).prctl(2, ctypes.byref(v)); print(v.value)"};
    if (sandboxed) spec.rlimits = {{RLIMIT_CORE, 0}};
    EXPECT_EQ(run_ok(spec).stdout_data, std::to_string(sandboxed ? SIGKILL : 0) + "\n") << sandboxed;
  }
}

TEST(Run, LargeOutputOnBothStreamsAtOnce) {
  auto r =
      run_ok(sh("head -c 5000000 /dev/zero | tr '\\0' o & "
                "head -c 4000000 /dev/zero | tr '\\0' e >&2; wait"));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.stdout_data, std::string(5000000, 'o'));
  EXPECT_EQ(r.stderr_data, std::string(4000000, 'e'));
}

TEST(Run, StreamsChunksToCallbacksAsWellAsCapturing) {
  std::string streamed_out, streamed_err;
  auto spec = sh("seq 1 20000; echo oops >&2");
  spec.on_stdout = [&](std::string_view chunk) { streamed_out.append(chunk); };
  spec.on_stderr = [&](std::string_view chunk) { streamed_err.append(chunk); };
  auto r = run_ok(spec);
  EXPECT_EQ(streamed_out, r.stdout_data);
  EXPECT_EQ(streamed_err, "oops\n");
  EXPECT_EQ(r.stderr_data, "oops\n");
}

TEST(Run, StdinIsWrittenThenClosed) {
  std::string big(3000000, 'x');
  for (size_t i = 0; i < big.size(); i += 997) big[i] = '\n';
  ProcessSpec spec;
  spec.argv = {"cat"};
  spec.stdin_data = big;
  EXPECT_EQ(run_ok(spec).stdout_data, big);

  spec.stdin_data = "";
  EXPECT_EQ(run_ok(spec).stdout_data, "");
}

TEST(Run, StdinIsDevNullWhenNotGiven) {
  ProcessSpec spec;
  spec.argv = {"cat"};
  spec.timeout = 20s;
  auto r = run_ok(spec);
  EXPECT_EQ(r.termination, Termination::kExited);
  EXPECT_EQ(r.stdout_data, "");
}

TEST(Run, ChildThatIgnoresItsStdinDoesNotKillUs) {
  ProcessSpec spec;
  spec.argv = {"true"};
  spec.stdin_data = std::string(10000000, 'x');
  EXPECT_EQ(run_ok(spec).exit_code, 0);
}

TEST(Run, ChildGetsDefaultSigpipe) {
  // aqe ignores SIGPIPE; if the child inherited that, `yes` would report EPIPE instead of dying.
  auto r = run_ok(sh("yes | head -c 1 >/dev/null; echo done"));
  EXPECT_EQ(r.stdout_data, "done\n");
  EXPECT_EQ(r.stderr_data, "");
}

TEST(Run, Environment) {
  setenv("AQE_EXEC_TEST_INHERITED", "inherited", 1);
  setenv("AQE_EXEC_TEST_UNSET", "still here", 1);
  struct Case {
    std::map<std::string, std::string> set;
    std::vector<std::string> unset;
    bool clear;
    std::string expected;
  };
  for (const auto& c : std::vector<Case>{
           {{}, {}, false, "inherited|still here|-"},
           {{{"AQE_EXEC_TEST_NEW", "new"}}, {}, false, "inherited|still here|new"},
           {{{"AQE_EXEC_TEST_INHERITED", "over"}}, {"AQE_EXEC_TEST_UNSET"}, false, "over|-|-"},
           {{{"AQE_EXEC_TEST_NEW", "only"}}, {}, true, "-|-|only"},
       }) {
    auto spec = sh("echo \"${AQE_EXEC_TEST_INHERITED--}|${AQE_EXEC_TEST_UNSET--}|${AQE_EXEC_TEST_NEW--}\"");
    spec.env_set = c.set;
    spec.env_unset = c.unset;
    spec.clear_env = c.clear;
    EXPECT_EQ(run_ok(spec).stdout_data, c.expected + "\n");
  }
  unsetenv("AQE_EXEC_TEST_INHERITED");
  unsetenv("AQE_EXEC_TEST_UNSET");
}

TEST(Run, ClearedEnvironmentHoldsOnlyWhatWasSet) {
  ProcessSpec spec;
  spec.argv = {"env"};
  spec.clear_env = true;
  spec.env_set = {{"A", "1"}, {"B", "two words"}};
  EXPECT_EQ(run_ok(spec).stdout_data, "A=1\nB=two words\n");
}

TEST(Run, WorkingDirectoryAndRelativeExecutable) {
  TempDir dir;
  write_file(dir.path() / "tool.sh", "#!/bin/sh\npwd\n", fs::perms::owner_all);
  ProcessSpec spec;
  spec.argv = {"./tool.sh"};
  spec.cwd = dir.path();
  EXPECT_EQ(run_ok(spec).stdout_data, fs::canonical(dir.path()).string() + "\n");
}

TEST(Run, PathLookupUsesTheChildsPath) {
  TempDir dir;
  write_file(dir.path() / "aqe-exec-only-here", "#!/bin/sh\necho found\n", fs::perms::owner_all);
  ProcessSpec spec;
  spec.argv = {"aqe-exec-only-here"};
  spec.env_set = {{"PATH", dir.path().string() + ":/usr/bin:/bin"}};
  EXPECT_EQ(run_ok(spec).stdout_data, "found\n");
  EXPECT_EQ(find_executable("aqe-exec-only-here"), "");
  EXPECT_EQ(find_executable("sh").back(), 'h');
}

TEST(Run, CannotStartIsAnErrorValue) {
  TempDir dir;
  write_file(dir.path() / "not-executable", "#!/bin/sh\n", fs::perms::owner_read);
  write_file(dir.path() / "no-shebang",
             "\x7f"
             "ELF garbage",
             fs::perms::owner_all);
  struct Case {
    std::string exe;
    fs::path cwd;
    std::string code;
    std::string in_message;
  };
  for (const auto& c : std::vector<Case>{
           {"aqe-no-such-program-xyz", {}, "EXEC_NOT_FOUND", "not found on PATH"},
           {(dir.path() / "missing").string(), {}, "EXEC_NOT_FOUND", "missing"},
           {(dir.path() / "not-executable").string(), {}, "EXEC_NOT_FOUND", "not-executable"},
           {dir.path().string(), {}, "EXEC_NOT_FOUND", dir.path().string()},
           {(dir.path() / "no-shebang").string(), {}, "EXEC_NOT_FOUND", "no-shebang"},
           {"true", dir.path() / "no-such-dir", "EXEC_BAD_CWD", "no-such-dir"},
       }) {
    ProcessSpec spec;
    spec.argv = {c.exe};
    spec.cwd = c.cwd;
    auto r = run(spec);
    ASSERT_FALSE(r.ok()) << c.exe;
    EXPECT_EQ(r.error().code, c.code) << c.exe;
    EXPECT_EQ(r.error().exit_code, ExitCode::kUsage) << c.exe;
    EXPECT_NE(r.error().message.find(c.in_message), std::string::npos) << r.error().message;
  }
}

TEST(Run, TimeoutKillsTheWholeGroup) {
  auto spec = sh("sleep 30 & sleep 30");
  spec.timeout = 200ms;
  auto p = Process::start(spec);
  ASSERT_TRUE(p.ok());
  const pid_t pgid = p->pid();
  auto r = p->wait();
  EXPECT_EQ(r.termination, Termination::kTimedOut);
  EXPECT_TRUE(group_gone(pgid));
}

TEST(Run, TimeoutEscalatesToSigkillAfterTheGrace) {
  auto spec = sh("trap '' TERM; echo ready; sleep 30 & sleep 30");
  spec.timeout = 200ms;
  spec.kill_grace = 300ms;
  auto p = Process::start(spec);
  ASSERT_TRUE(p.ok());
  const pid_t pgid = p->pid();
  auto r = p->wait();
  EXPECT_EQ(r.termination, Termination::kTimedOut);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_EQ(r.stdout_data, "ready\n");
  EXPECT_TRUE(group_gone(pgid));
}

TEST(Run, LeftoversOfTheGroupDieWithTheLeader) {
  auto p = Process::start(sh("sleep 30 & echo $!"));
  ASSERT_TRUE(p.ok());
  const pid_t pgid = p->pid();
  auto r = p->wait();
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_FALSE(r.stdout_data.empty());
  EXPECT_TRUE(group_gone(pgid));
}

TEST(Process, WaitAnyReturnsTheFirstToFinish) {
  std::vector<Process> procs;
  for (const char* script : {"sleep 30", "echo quick; exit 4", "sleep 30"}) {
    auto p = Process::start(sh(script));
    ASSERT_TRUE(p.ok());
    procs.push_back(std::move(*p));
  }
  std::vector<Process*> ptrs{&procs[0], &procs[1], &procs[2]};
  auto first = wait_any(ptrs);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(*first, 1u);
  auto r = procs[1].wait();
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_EQ(r.stdout_data, "quick\n");

  EXPECT_FALSE(wait_any(std::vector<Process*>{&procs[0], &procs[2]}, 50ms).has_value());
  EXPECT_FALSE(procs[0].poll());
  for (Process* p : {&procs[0], &procs[2]}) {
    const pid_t pgid = p->pid();
    p->kill_group(1000ms);
    auto killed = p->wait();
    EXPECT_EQ(killed.termination, Termination::kSignaled);
    EXPECT_EQ(killed.signal, SIGTERM);
    EXPECT_TRUE(p->poll());
    EXPECT_TRUE(group_gone(pgid));
  }
}

TEST(Process, KillAllChildrenAndDestructorLeaveNoGroupBehind) {
  auto a = Process::start(sh("sleep 30 & sleep 30"));
  auto b = Process::start(sh("sleep 30 & sleep 30"));
  ASSERT_TRUE(a.ok() && b.ok());
  const pid_t pgid_a = a->pid(), pgid_b = b->pid();
  kill_all_children();
  for (auto* p : {&*a, &*b}) {
    auto r = p->wait();
    EXPECT_EQ(r.termination, Termination::kSignaled);
    EXPECT_EQ(r.signal, SIGKILL);
  }
  EXPECT_TRUE(group_gone(pgid_a));
  EXPECT_TRUE(group_gone(pgid_b));

  pid_t pgid_c = -1;
  {
    auto c = Process::start(sh("sleep 30 & sleep 30"));
    ASSERT_TRUE(c.ok());
    pgid_c = c->pid();
    Process moved = std::move(*c);
  }
  EXPECT_TRUE(group_gone(pgid_c));
}

// Reads exactly sizeof(T) from fd, waiting at most 20 s.
template <typename T>
bool read_within(int fd, T& out) {
  pollfd pfd{fd, POLLIN, 0};
  return ::poll(&pfd, 1, 20000) == 1 && read(fd, &out, sizeof out) == sizeof out;
}

// The handlers are process-wide, so this runs in a forked copy of the test process.
TEST(Interrupt, KillsTheRunningGroupAndReturnsInterrupted) {
  int report[2];
  ASSERT_EQ(pipe(report), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(report[0]);
    install_interrupt_handlers();
    auto spec = sh("sleep 30 & echo started; sleep 30");
    pid_t pgid = -1;
    spec.on_stdout = [&](std::string_view) {
      [[maybe_unused]] ssize_t n = write(report[1], &pgid, sizeof pgid);
    };
    auto p = Process::start(spec);
    if (!p.ok()) _exit(2);
    pgid = p->pid();
    const int termination = static_cast<int>(p->wait().termination);
    [[maybe_unused]] ssize_t n = write(report[1], &termination, sizeof termination);
    _exit(interrupted() ? 0 : 3);
  }
  close(report[1]);
  pid_t pgid = -1;
  int termination = -1;
  ASSERT_TRUE(read_within(report[0], pgid));
  kill(child, SIGINT);
  const bool reported = read_within(report[0], termination);
  if (!reported) kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  close(report[0]);
  ASSERT_TRUE(reported);
  EXPECT_EQ(termination, static_cast<int>(Termination::kInterrupted));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_TRUE(group_gone(pgid));
}

// ---- with rlimits and a network namespace: the same contract as without them

ProcessSpec limited(const std::string& script) {
  auto spec = sh(script);
  spec.rlimits = {{RLIMIT_FSIZE, 1024 * 1024}, {RLIMIT_CORE, 0}};
  return spec;
}

TEST(Sandboxed, LimitsAreSetSoftAndHardInTheChild) {
  // ulimit -f counts 512-byte blocks.
  auto r = run_ok(limited("ulimit -f; ulimit -H -f; ulimit -c"));
  EXPECT_EQ(r.stdout_data, "2048\n2048\n0\n");
  // Never above what aqe itself has.
  rlimit mine{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &mine), 0);
  auto spec = sh("ulimit -H -n");
  spec.rlimits = {{RLIMIT_NOFILE, static_cast<uint64_t>(mine.rlim_max) + 1000}};
  EXPECT_EQ(run_ok(spec).stdout_data, std::to_string(mine.rlim_max) + "\n");
  // The limit binds: writing past it fails (SIGXFSZ kills the writer).
  TempDir dir;
  auto big = limited("head -c 2000000 /dev/zero > big; echo $?");
  big.cwd = dir.path();
  r = run_ok(big);
  EXPECT_NE(r.stdout_data, "0\n");
  EXPECT_LE(fs::file_size(dir.path() / "big"), 1024u * 1024u);
}

TEST(Sandboxed, StdioCwdEnvironmentAndSignalsAsWithPosixSpawn) {
  TempDir dir;
  auto spec = limited("cat; pwd; echo \"$AQE_EXEC_TEST_SET\"; yes | head -c 1 >/dev/null; echo done >&2");
  spec.stdin_data = "from stdin\n";
  spec.cwd = dir.path();
  spec.env_set = {{"AQE_EXEC_TEST_SET", "set"}};
  auto r = run_ok(spec);
  EXPECT_EQ(r.stdout_data, "from stdin\n" + fs::canonical(dir.path()).string() + "\nset\n");
  EXPECT_EQ(r.stderr_data, "done\n");  // default SIGPIPE: `yes` died quietly
  EXPECT_EQ(run_ok(limited("exit 7")).exit_code, 7);

  auto devnull = limited("cat");
  devnull.timeout = 20s;
  EXPECT_EQ(run_ok(devnull).stdout_data, "");
}

TEST(Sandboxed, CannotStartIsAnErrorValue) {
  TempDir dir;
  write_file(dir.path() / "not-executable", "#!/bin/sh\n", fs::perms::owner_read);
  for (const std::string& exe :
       std::vector<std::string>{"aqe-no-such-program-xyz", (dir.path() / "not-executable").string()}) {
    ProcessSpec spec;
    spec.argv = {exe};
    spec.rlimits = {{RLIMIT_CORE, 0}};
    auto r = run(spec);
    ASSERT_FALSE(r.ok()) << exe;
    EXPECT_EQ(r.error().code, "EXEC_NOT_FOUND") << exe;
  }
}

TEST(Sandboxed, TimeoutKillsTheWholeGroup) {
  auto spec = limited("sleep 30 & sleep 30");
  spec.timeout = 200ms;
  auto p = Process::start(spec);
  ASSERT_TRUE(p.ok());
  const pid_t pgid = p->pid();
  EXPECT_EQ(getpgid(pgid), pgid);  // its own group, before the parent goes on
  auto r = p->wait();
  EXPECT_EQ(r.termination, Termination::kTimedOut);
  EXPECT_TRUE(group_gone(pgid));
}

TEST(Sandboxed, PipesLandingOnAClosedStdinStillReachTheChild) {
  // Started with fd 0 closed, aqe's stdin pipe can be fd 0 itself: it must stay open in the child.
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(0);
    auto spec = limited("cat");
    spec.stdin_data = "through fd 0\n";
    auto r = run(spec);
    _exit(r.ok() && r->stdout_data == "through fd 0\n" ? 0 : 1);
  }
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

TEST(Sandboxed, IsolatedNetworkReachesNothingNotEvenLoopback) {
  if (!network_isolation_available()) GTEST_SKIP() << "the kernel refuses network namespaces here";
  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(listener, 4), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::string port = std::to_string(ntohs(addr.sin_port));
  const std::string python = find_executable("python3");
  if (python.empty()) GTEST_SKIP() << "no python3";
  ProcessSpec spec;
  spec.argv = {python, "-c",
               "import socket,sys\ntry:\n socket.create_connection(('127.0.0.1', " + port +
                   "), 2)\n print('connected')\nexcept OSError as e:\n print('refused')\n"};
  EXPECT_EQ(run_ok(spec).stdout_data, "connected\n");  // the port does listen
  spec.isolate_network = true;
  EXPECT_EQ(run_ok(spec).stdout_data, "refused\n");
  auto ns = sh("readlink /proc/self/ns/net");
  const std::string outside = run_ok(ns).stdout_data;
  ns.isolate_network = true;
  EXPECT_NE(run_ok(ns).stdout_data, outside);
  close(listener);
}

}  // namespace
}  // namespace aqe::exec
