#include "aqe/scan/git_history.h"

#include <charconv>
#include <chrono>
#include <set>

#include "aqe/exec/process.h"
#include "aqe/util/strings.h"

namespace aqe::scan {
namespace {

// A whole history can be large; a stuck git (e.g. a credential prompt) must not hang CI.
constexpr std::chrono::minutes kGitTimeout{10};

struct HunkCounts {
  int new_start = 0;
  int old_count = 0;
  int new_count = 0;
};

// "@@ -a[,b] +c[,d] @@ ..." (a count left out is 1).
std::optional<HunkCounts> parse_hunk_header(std::string_view line) {
  auto number = [](std::string_view& s) -> std::optional<int> {
    int v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc()) return std::nullopt;
    s.remove_prefix(static_cast<size_t>(p - s.data()));
    return v;
  };
  auto range = [&](std::string_view& s, int& start, int& count) {
    auto first = number(s);
    if (!first) return false;
    start = *first;
    count = 1;
    if (starts_with(s, ",")) {
      s.remove_prefix(1);
      auto c = number(s);
      if (!c) return false;
      count = *c;
    }
    return true;
  };
  if (!starts_with(line, "@@ -")) return std::nullopt;
  std::string_view s = line.substr(4);
  HunkCounts h;
  int old_start = 0;
  if (!range(s, old_start, h.old_count) || !starts_with(s, " +")) return std::nullopt;
  s.remove_prefix(2);
  if (!range(s, h.new_start, h.new_count)) return std::nullopt;
  return h;
}

// "+++ b/path" (git quotes unusual names: "+++ \"b/a b\"").
std::string new_path(std::string_view line) {
  std::string_view p = line.substr(4);
  if (p == "/dev/null") return "";
  if (p.size() >= 2 && p.front() == '"' && p.back() == '"') p = p.substr(1, p.size() - 2);
  if (starts_with(p, "b/")) p.remove_prefix(2);
  return std::string(p);
}

struct PatchParser {
  std::vector<CommitAdditions> out;
  std::string commit;
  std::string file;
  int old_left = 0;
  int new_left = 0;
  int next_line = 0;

  CommitAdditions& current() {
    if (out.empty() || out.back().commit != commit || out.back().file != file)
      out.push_back({commit, file, {}});
    return out.back();
  }

  void hunk_line(std::string_view line) {
    if (starts_with(line, "\\")) return;  // "\ No newline at end of file"
    if (starts_with(line, "-")) {
      --old_left;
    } else if (starts_with(line, "+")) {
      --new_left;
      if (!file.empty()) current().lines.emplace_back(next_line, std::string(line.substr(1)));
      ++next_line;
    } else {
      // Context lines do not occur with --unified=0; treat one as the hunk's end.
      old_left = new_left = 0;
    }
  }

  void header_line(std::string_view line) {
    if (starts_with(line, "commit ")) {
      commit = std::string(trim(line.substr(7)));
      file.clear();
    } else if (starts_with(line, "diff --git ")) {
      file.clear();
    } else if (starts_with(line, "+++ ")) {
      file = new_path(line);
    } else if (auto h = parse_hunk_header(line)) {
      old_left = h->old_count;
      new_left = h->new_count;
      next_line = h->new_start;
    }
  }

  void feed(std::string_view line) {
    if (old_left > 0 || new_left > 0) return hunk_line(line);
    header_line(line);
  }
};

}  // namespace

std::vector<CommitAdditions> parse_git_log_patch(std::string_view text) {
  PatchParser p;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    p.feed(line);
    start = end + 1;
  }
  std::erase_if(p.out, [](const CommitAdditions& c) { return c.lines.empty(); });
  return std::move(p.out);
}

namespace {

Result<std::string> git_log(const ScanOptions& o) {
  std::vector<std::string> argv = {
      "git",        "-c",          "core.quotepath=off", "log",           "-p",
      "--no-color", "--unified=0", "--no-ext-diff",      "--no-textconv", "--pretty=format:commit %H"};
  if (!o.since.empty()) {
    if (starts_with(o.since, "-"))
      return make_error("USAGE", "--since: '" + o.since + "' is not a git revision",
                        "pass a branch, tag or commit, e.g. --since origin/main");
    argv.push_back(o.since + "..HEAD");
  }
  argv.push_back("--");
  for (const auto& p : o.paths) argv.push_back(p.string());
  exec::ProcessSpec spec;
  spec.argv = argv;
  spec.timeout = kGitTimeout;
  auto run = exec::run(spec);
  if (!run) return run.error();
  if (run->termination == exec::Termination::kTimedOut)
    return make_error("TIMEOUT", "git log timed out after 10 minutes", "narrow it with --since REF",
                      ExitCode::kTimeout);
  if (run->termination != exec::Termination::kExited || run->exit_code != 0) {
    std::string why(trim(run->stderr_data));
    return make_error("GIT_FAILED", "--git-history: git log failed: " + (why.empty() ? "no output" : why),
                      "run inside a git checkout; with --since, name a revision that exists");
  }
  return std::move(run->stdout_data);
}

}  // namespace

Result<HistoryScan> scan_git_history(const ScanEngine& engine, const ScanOptions& o) {
  auto log = git_log(o);
  if (!log) return log.error();
  ScanEngine::Worker w;
  if (auto init = engine.init_worker(w); !init) return init.error();
  HistoryScan out;
  std::set<std::string> commits;
  for (const CommitAdditions& c : parse_git_log_patch(*log)) {
    commits.insert(c.commit);
    // The added lines become one text; a line of it maps back to its line in the commit.
    std::string text;
    for (const auto& [number, line] : c.lines) {
      text += line;
      text += '\n';
    }
    const std::string where = c.commit + ":" + c.file;
    FileFindings found = engine.scan_text(text, where, w);
    ++out.files;
    out.bytes += text.size();
    out.suppressed += found.suppressed;
    for (Finding& f : found.findings) {
      if (f.line >= 1 && static_cast<size_t>(f.line) <= c.lines.size()) f.line = c.lines[f.line - 1].first;
      out.findings.push_back(std::move(f));
    }
  }
  out.commits = commits.size();
  return out;
}

}  // namespace aqe::scan
