// SIGINT/SIGTERM (and SIGHUP, SIGQUIT: a closed terminal or a CI runner's quit must clean up
// the same way) set a flag and write a byte to a self-pipe, the only async-signal-safe way to
// wake a poll() in any thread. The byte stays in the pipe, so every later poll() wakes too
// until clear_interrupted().
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>

#include "aqe/exec/process.h"

namespace aqe::exec {
namespace {

std::atomic<bool> g_interrupted{false};
std::atomic<int> g_wake_write_fd{-1};
std::atomic<int> g_wake_read_fd{-1};
static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free,
              "read from a signal handler");

extern "C" void on_interrupt_signal(int /*signo*/) {
  const int saved_errno = errno;
  g_interrupted.store(true);
  const int fd = g_wake_write_fd.load();
  if (fd >= 0) {
    const char byte = 1;
    [[maybe_unused]] ssize_t n = write(fd, &byte, 1);  // a full pipe already wakes pollers
  }
  errno = saved_errno;
}

void create_wake_pipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) return;  // the flag alone still works
  g_wake_read_fd.store(fds[0]);
  g_wake_write_fd.store(fds[1]);
}

}  // namespace

void install_interrupt_handlers() {
  if (g_wake_read_fd.load() < 0) {
    create_wake_pipe();
    become_subreaper();
    std::atexit(kill_all_children);
  }
  struct sigaction sa {};
  sa.sa_handler = on_interrupt_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaction(sig, &sa, nullptr);
}

bool interrupted() { return g_interrupted.load(); }

void clear_interrupted() {
  g_interrupted.store(false);
  const int fd = g_wake_read_fd.load();
  if (fd < 0) return;
  char buf[64];
  while (read(fd, buf, sizeof buf) > 0) {
  }
}

int interrupt_fd() { return g_wake_read_fd.load(); }

}  // namespace aqe::exec
