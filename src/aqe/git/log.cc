// The lines each commit of a history added, read from `git log -p --unified=0` as it streams.
#include <charconv>
#include <optional>

#include "aqe/git/git.h"
#include "aqe/git/run.h"
#include "aqe/util/strings.h"

namespace aqe::git {
namespace {

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

// Line by line; hands on each (commit, file) once its last added line has been seen.
class PatchParser {
 public:
  explicit PatchParser(const std::function<void(const CommitAdditions&)>& each) : each_(each) {}

  void feed(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (old_left_ > 0 || new_left_ > 0) return hunk_line(line);
    header_line(line);
  }

  void finish() {
    if (!pending_.lines.empty()) each_(pending_);
    pending_ = {};
  }

 private:
  void add(std::string_view text) {
    if (!pending_.lines.empty() && (pending_.commit != commit_ || pending_.file != file_)) finish();
    if (pending_.lines.empty()) {
      pending_.commit = commit_;
      pending_.file = file_;
    }
    pending_.lines.emplace_back(next_line_, std::string(text));
  }

  void hunk_line(std::string_view line) {
    if (starts_with(line, "\\")) return;  // "\ No newline at end of file"
    if (starts_with(line, "-")) {
      --old_left_;
    } else if (starts_with(line, "+")) {
      --new_left_;
      if (!file_.empty()) add(line.substr(1));
      ++next_line_;
    } else {
      // Context lines do not occur with --unified=0; treat one as the hunk's end.
      old_left_ = new_left_ = 0;
    }
  }

  void header_line(std::string_view line) {
    if (starts_with(line, "commit ")) {
      commit_ = std::string(trim(line.substr(7)));
      file_.clear();
    } else if (starts_with(line, "diff --git ")) {
      file_.clear();
    } else if (starts_with(line, "+++ ")) {
      file_ = new_path(line);
    } else if (auto h = parse_hunk_header(line)) {
      old_left_ = h->old_count;
      new_left_ = h->new_count;
      next_line_ = h->new_start;
    }
  }

  const std::function<void(const CommitAdditions&)>& each_;
  CommitAdditions pending_;
  std::string commit_;
  std::string file_;
  int old_left_ = 0;
  int new_left_ = 0;
  int next_line_ = 0;
};

// Cuts a stream of chunks into lines; the last line may lack its '\n'.
class LineSplitter {
 public:
  explicit LineSplitter(PatchParser& parser) : parser_(parser) {}

  void feed(std::string_view chunk) {
    for (size_t nl = chunk.find('\n'); nl != std::string_view::npos; nl = chunk.find('\n')) {
      if (partial_.empty()) {
        parser_.feed(chunk.substr(0, nl));
      } else {
        partial_.append(chunk.substr(0, nl));
        parser_.feed(partial_);
        partial_.clear();
      }
      chunk.remove_prefix(nl + 1);
    }
    partial_.append(chunk);
  }

  void finish() {
    if (!partial_.empty()) parser_.feed(partial_);
    partial_.clear();
    parser_.finish();
  }

 private:
  PatchParser& parser_;
  std::string partial_;
};

}  // namespace

std::vector<CommitAdditions> parse_log_patch(std::string_view text) {
  std::vector<CommitAdditions> out;
  const std::function<void(const CommitAdditions&)> keep = [&](const CommitAdditions& c) {
    out.push_back(c);
  };
  PatchParser parser(keep);
  LineSplitter lines(parser);
  lines.feed(text);
  lines.finish();
  return out;
}

Status stream_log_additions(const LogRange& range, const std::function<void(const CommitAdditions&)>& each) {
  std::vector<std::string> argv = {
      "git",        "-c",          "core.quotepath=off", "log",           "-p",
      "--no-color", "--unified=0", "--no-ext-diff",      "--no-textconv", "--pretty=format:commit %H"};
  if (range.all_refs) {
    // Commits reachable from any ref (each once), minus those reachable from `since`.
    argv.emplace_back("--all");
    if (!range.since.empty()) argv.push_back("^" + range.since);
  } else if (!range.since.empty()) {
    argv.push_back(range.since + "..HEAD");
  }
  argv.push_back("--");
  for (const auto& p : range.paths) argv.push_back(p.string());
  PatchParser parser(each);
  LineSplitter lines(parser);
  auto run = detail::run_git(range.dir, std::move(argv), range.timeout,
                             [&](std::string_view chunk) { lines.feed(chunk); });
  if (!run) return run.error();
  lines.finish();
  return ok_status();
}

}  // namespace aqe::git
