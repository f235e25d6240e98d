// How long-running features report progress without printing: they call a ProgressSink that
// cli/ implements (one redrawn line on a TTY, plain lines in CI, nothing with --quiet/--json).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace aqe {

struct ProgressUpdate {
  int64_t done = 0;
  int64_t total = 0;  // 0 = unknown
  int64_t failures = 0;
  double eta_s = -1;   // < 0 = unknown
  std::string what;    // short description of the current item
  int64_t errors = 0;  // apart from failures, as pytest counts them (last: callers list the others)
};

class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  // Frequent; a TTY redraws one line, a non-TTY may drop updates and print milestones.
  virtual void update(const ProgressUpdate& u) = 0;
  // A line that must be shown in human mode (e.g. a failure as it happens).
  virtual void event(std::string_view line) = 0;
  // Called now and then while nothing new happens (a slow test): a sink that held the last
  // update back (a terminal redraws at most ten times a second) shows it now.
  virtual void tick() {}
};

// Discards everything: for --json/--quiet and for tests.
class NullProgress final : public ProgressSink {
 public:
  void update(const ProgressUpdate&) override {}
  void event(std::string_view) override {}
};

}  // namespace aqe
