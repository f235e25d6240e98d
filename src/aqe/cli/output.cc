#include "aqe/cli/output.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cmath>
#include <iostream>
#include <random>

#include "aqe/util/json.h"
#include "aqe/util/strings.h"
#include "aqe/util/time.h"

namespace aqe::cli {

using nlohmann::json;

bool is_ci_environment(const std::map<std::string, std::string>& env) {
  for (const char* name : {"CI", "GITHUB_ACTIONS", "GITLAB_CI", "JENKINS_URL", "CIRCLECI", "BUILDKITE"}) {
    auto it = env.find(name);
    if (it == env.end() || it->second.empty()) continue;
    if (it->second == "false" || it->second == "0") continue;
    return true;
  }
  return false;
}

OutputStyle decide_style(const GlobalOptions& g, const std::map<std::string, std::string>& env,
                         bool stdout_is_tty, bool stderr_is_tty) {
  OutputStyle s;
  s.ci = g.ci_mode || is_ci_environment(env);
  s.json = g.json || g.ci_mode;
  s.quiet = g.quiet || g.ci_mode;
  bool no_color_env = env.count("NO_COLOR") && !env.at("NO_COLOR").empty();
  s.color = stdout_is_tty && !g.no_color && !no_color_env && !s.ci && !s.json;
  // Progress whenever a human reads the output; one redrawn line only on a smart terminal
  // (ninja's LinePrinter), whole plain lines in CI and when stderr is a file or pipe.
  const auto term = env.find("TERM");
  const bool dumb = term != env.end() && term->second == "dumb";
  s.progress = !s.quiet && !s.json;
  const auto gha = env.find("GITHUB_ACTIONS");
  s.github = gha != env.end() && gha->second == "true";
  s.redraw = s.progress && stderr_is_tty && !s.ci && !dumb;
  return s;
}

CommandOutcome error_outcome(const std::string& command, const Error& e) {
  CommandOutcome o;
  o.command = command;
  o.exit_code = e.exit_code;
  o.errors.push_back(e);
  return o;
}

json make_envelope(const CommandOutcome& o, int64_t duration_ms) {
  json errors = json::array();
  for (const auto& e : o.errors) {
    errors.push_back({{"code", e.code}, {"message", e.message}, {"hint", e.hint}});
  }
  std::string status = "success";
  if (!o.errors.empty() || o.exit_code == ExitCode::kUsage || o.exit_code == ExitCode::kTransient ||
      o.exit_code == ExitCode::kTimeout || o.exit_code == ExitCode::kInterrupted) {
    status = "error";
  } else if (o.exit_code == ExitCode::kFailure || o.exit_code == ExitCode::kGateFailed) {
    status = "failure";
  }
  return json{{"status", status},
              {"command", o.command},
              {"version", AQE_VERSION},
              {"exit_code", to_int(o.exit_code)},
              {"data", o.data},
              {"warnings", o.warnings},
              {"errors", errors},
              {"timestamp", iso8601_now()},
              {"duration_ms", duration_ms}};
}

namespace {

// The runner resumes commands only at "::<token>::", so the token must be one the project's
// text cannot know: 128 random bits.
std::string stop_commands_token() {
  std::random_device rd;
  std::string token = "aqe-";
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 4; ++i) {
    const uint32_t v = rd();
    for (int b = 0; b < 8; ++b) token += kHex[(v >> (4 * b)) & 0xf];
  }
  return token;
}

}  // namespace

std::string stderr_text(std::string_view message) {
  std::string out;
  for (const auto& line : split(message, '\n')) {
    if (!out.empty()) out += "\n  | ";
    out += printable(line);
  }
  return out;
}

std::string paint(const OutputStyle& style, std::string_view ansi, std::string_view text) {
  if (!style.color) return std::string(text);
  return "\x1b[" + std::string(ansi) + "m" + std::string(text) + "\x1b[0m";
}

void render(const CommandOutcome& o, const OutputStyle& style, int64_t duration_ms) {
  if (style.json) {
    std::cout << dump_json(make_envelope(o, duration_ms), 2) << std::endl;
    // stdout is the envelope alone; the runner reads workflow commands on stderr too.
    for (const auto& c : o.workflow_commands) std::cerr << c << "\n";
    // Errors also go to stderr so a human reading CI logs sees them without jq.
    for (const auto& e : o.errors) std::cerr << "aqe: error: " << stderr_text(e.message) << "\n";
    return;
  }
  if (!style.quiet && !o.text.empty()) {
    const std::string token = style.github ? stop_commands_token() : "";
    if (!token.empty()) std::cout << "::stop-commands::" << token << "\n";
    std::cout << o.text;
    if (o.text.back() != '\n') std::cout << '\n';
    if (!token.empty()) std::cout << "::" << token << "::\n";
    std::cout.flush();
  }
  // Annotations are warnings and errors, which --quiet keeps.
  for (const auto& c : o.workflow_commands) std::cout << c << "\n";
  std::cout.flush();
  OutputStyle err_style = style;
  err_style.color = style.color && isatty(STDERR_FILENO);
  for (const auto& w : o.warnings) std::cerr << paint(err_style, "33", "warning: ") << stderr_text(w) << "\n";
  for (const auto& e : o.errors) {
    std::cerr << paint(err_style, "31", "aqe: error: ") << stderr_text(e.message) << "\n";
    if (!e.hint.empty()) std::cerr << "  hint: " << stderr_text(e.hint) << "\n";
  }
}

TerminalProgress::TerminalProgress(bool redraw, std::FILE* out, Clock clock_ms)
    : redraw_(redraw), out_(out), clock_ms_(clock_ms ? std::move(clock_ms) : Clock(monotonic_ms)) {
  last_plain_ms_ = clock_ms_();
  winsize ws{};
  if (redraw_ && ioctl(fileno(out_), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20) width_ = ws.ws_col;
}

TerminalProgress::~TerminalProgress() { finish(); }

std::string TerminalProgress::format(const ProgressUpdate& u) {
  std::string s = "[" + std::to_string(u.done);
  if (u.total > 0) s += "/" + std::to_string(u.total);
  s += "]";
  std::vector<std::string> parts;
  if (u.failures > 0) parts.push_back(std::to_string(u.failures) + " failed");
  if (u.errors > 0) parts.push_back(std::to_string(u.errors) + (u.errors == 1 ? " error" : " errors"));
  const bool last = u.total > 0 && u.done >= u.total;
  if (u.eta_s >= 0 && !last)
    parts.push_back("eta " + std::to_string(static_cast<int>(std::ceil(u.eta_s))) + "s");
  if (!u.what.empty()) parts.push_back(printable(u.what));
  if (!parts.empty()) s += " " + join(parts, ", ");
  return s;
}

void TerminalProgress::draw() {
  std::string s = latest_;
  if (static_cast<int>(s.size()) > width_ - 1) s = s.substr(0, static_cast<size_t>(width_ - 1));
  std::fprintf(out_, "\r%s\x1b[K", s.c_str());
  std::fflush(out_);
  shown_ = latest_;
  line_dirty_ = true;
}

void TerminalProgress::update(const ProgressUpdate& u) {
  latest_ = format(u);
  const int64_t now = clock_ms_();
  const bool last = u.total > 0 && u.done >= u.total;
  if (redraw_) {
    if (line_dirty_ && latest_ == shown_) return;
    if (!last && drawn_ && now - last_draw_ms_ < kRedrawIntervalMs) return;
    draw();
    drawn_ = true;
    last_draw_ms_ = now;
    return;
  }
  // Plain output (CI, a log file): a whole line at most every 5 s, the first after 5 s, so a
  // short run adds nothing to the log and a long one shows it is alive; the last line is
  // printed when earlier ones were.
  if (last ? !printed_plain_ : now - last_plain_ms_ < kPlainIntervalMs) return;
  last_plain_ms_ = now;
  printed_plain_ = !last;
  std::fprintf(out_, "%s\n", latest_.c_str());
  std::fflush(out_);
}

void TerminalProgress::tick() {
  if (!redraw_ || latest_.empty() || latest_ == shown_) return;
  const int64_t now = clock_ms_();
  if (now - last_draw_ms_ < kRedrawIntervalMs) return;
  draw();
  last_draw_ms_ = now;
}

void TerminalProgress::event(std::string_view line) {
  if (redraw_ && line_dirty_) std::fputs("\r\x1b[K", out_);
  line_dirty_ = false;
  const std::string safe = printable(line);
  std::fprintf(out_, "%s\n", safe.c_str());
  // The status line comes back under the event at once: it is no redraw of the count.
  if (redraw_ && !latest_.empty()) draw();
  std::fflush(out_);
}

void TerminalProgress::finish() {
  if (redraw_ && line_dirty_) {
    std::fputs("\r\x1b[K", out_);
    std::fflush(out_);
  }
  line_dirty_ = false;
  shown_.clear();
}

}  // namespace aqe::cli
