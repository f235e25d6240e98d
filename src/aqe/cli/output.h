// The one place that prints: the JSON envelope, human text, and terminal progress.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <string>

#include "aqe/cli/command.h"

namespace aqe::cli {

// CI, GITHUB_ACTIONS, GITLAB_CI, JENKINS_URL, CIRCLECI, BUILDKITE.
bool is_ci_environment(const std::map<std::string, std::string>& env);

OutputStyle decide_style(const GlobalOptions& g, const std::map<std::string, std::string>& env,
                         bool stdout_is_tty, bool stderr_is_tty);

// The contract's envelope: status, command, version, exit_code, data, warnings, errors,
// timestamp, duration_ms.
nlohmann::json make_envelope(const CommandOutcome& o, int64_t duration_ms);

// Prints the outcome: the envelope on stdout with --json; otherwise text on stdout and
// warnings/errors on stderr (errors even with --quiet).
void render(const CommandOutcome& o, const OutputStyle& style, int64_t duration_ms);

// Progress on stderr. On a TTY one line is redrawn in place, at most ten times a second (a
// redraw per test was 1.5 MB of output for 62k tests), the final count always; otherwise whole
// lines, at most one every few seconds, without escape codes (ninja's LinePrinter habit).
class TerminalProgress final : public ProgressSink {
 public:
  using Clock = std::function<int64_t()>;  // milliseconds, monotonic
  explicit TerminalProgress(bool redraw, std::FILE* out = stderr, Clock clock_ms = nullptr);
  ~TerminalProgress() override;
  void update(const ProgressUpdate& u) override;
  void event(std::string_view line) override;
  void tick() override;
  void finish();  // clears a redrawn line

  // "[12/40] 2 failed, 1 error, eta 3s": the project's text in it is escaped.
  static std::string format(const ProgressUpdate& u);
  static constexpr int64_t kRedrawIntervalMs = 100;
  static constexpr int64_t kPlainIntervalMs = 5000;

 private:
  void draw();
  bool redraw_;
  std::FILE* out_;
  Clock clock_ms_;
  bool line_dirty_ = false;
  std::string latest_;  // the last update's line
  std::string shown_;   // what the redrawn line shows now
  int64_t last_draw_ms_ = 0;
  bool drawn_ = false;
  int64_t last_plain_ms_;  // the last plain line, or the start
  bool printed_plain_ = false;
  int width_ = 80;
};

// A warning, error or hint for stderr, with the project's text in it (a file name, a test id,
// pytest's output) escaped by printable(): no ESC or CR reaches the terminal. A line break is
// kept, the next line starting "  | ": never "::", which GitHub's runner would read as a
// workflow command ("::error::..." in a file name), even after leading spaces.
std::string stderr_text(std::string_view message);

// Colour helpers that become no-ops without colour.
std::string paint(const OutputStyle& style, std::string_view ansi, std::string_view text);

}  // namespace aqe::cli
