#include "aqe/scan/git_history.h"

#include <chrono>
#include <optional>
#include <set>

#include "aqe/git/git.h"
#include "aqe/util/strings.h"

namespace aqe::scan {

Result<HistoryScan> scan_git_history(const ScanEngine& engine, const ScanOptions& o) {
  if (starts_with(o.since, "-"))
    return make_error("USAGE", "--since: '" + o.since + "' is not a git revision",
                      "pass a branch, tag or commit, e.g. --since origin/main");
  git::LogRange range;
  range.since = o.since;
  range.all_refs = o.all_refs;
  range.paths = o.paths;
  // A whole history can be large; a stuck git (e.g. a credential prompt) must not hang CI.
  range.timeout = std::chrono::minutes(10);
  ScanEngine::Worker w;
  std::optional<Status> worker_ready;  // set up on the first commit: git's failure is reported first
  HistoryScan out;
  std::set<std::string> commits;
  auto log = git::stream_log_additions(range, [&](const git::CommitAdditions& c) {
    if (!worker_ready) worker_ready = engine.init_worker(w);
    if (!*worker_ready) return;
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
  });
  if (!log && log.error().code == git::kTimedOut)
    return make_error("TIMEOUT", "git log timed out after 10 minutes", "narrow it with --since REF",
                      ExitCode::kTimeout);
  if (!log && log.error().code == git::kFailed) {
    const std::string& why = log.error().message;
    return make_error("GIT_FAILED", "--git-history: git log failed: " + (why.empty() ? "no output" : why),
                      "run inside a git checkout; with --since, name a revision that exists");
  }
  if (!log) return log.error();
  if (!worker_ready) worker_ready = engine.init_worker(w);
  if (!*worker_ready) return worker_ready->error();
  out.commits = commits.size();
  return out;
}

}  // namespace aqe::scan
