// HEAD read from .git itself: no process for the common layouts, so recording a run costs
// nothing; git only for what the reader cannot follow.
#include <fstream>

#include "aqe/git/git.h"
#include "aqe/git/run.h"
#include "aqe/util/strings.h"

namespace aqe::git {

namespace fs = std::filesystem;

namespace {

std::string first_line_of(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return std::string(trim(line));
}

// The .git directory of the repository holding `dir` (a worktree's .git file points to it).
fs::path git_dir_of(fs::path dir) {
  std::error_code ec;
  dir = fs::absolute(dir, ec).lexically_normal();
  for (; !dir.empty(); dir = dir.parent_path()) {
    fs::path dot_git = dir / ".git";
    if (fs::is_directory(dot_git, ec)) return dot_git;
    if (fs::is_regular_file(dot_git, ec)) {
      const std::string line = first_line_of(dot_git);
      if (starts_with(line, "gitdir:")) return (dir / std::string(trim(line.substr(7)))).lexically_normal();
    }
    if (dir == dir.root_path()) break;
  }
  return {};
}

}  // namespace

Head read_head(const fs::path& dir) {
  Head out;
  const fs::path git = git_dir_of(dir);
  if (git.empty()) return out;
  out.found = true;
  const std::string head = first_line_of(git / "HEAD");
  if (!starts_with(head, "ref: ")) {
    out.commit = head;  // detached HEAD: the commit itself, no branch
    return out;
  }
  const std::string ref(trim(head.substr(5)));
  out.branch = starts_with(ref, "refs/heads/") ? ref.substr(11) : ref;
  // A worktree keeps HEAD to itself but shares refs with the main repository.
  fs::path common = git;
  if (std::string c = first_line_of(git / "commondir"); !c.empty()) common = (git / c).lexically_normal();
  out.commit = first_line_of(common / ref);
  if (out.commit.empty()) {
    std::ifstream packed(common / "packed-refs");
    const std::string suffix = " " + ref;
    for (std::string line; std::getline(packed, line);) {
      if (ends_with(line, suffix)) out.commit = line.substr(0, line.find(' '));
    }
  }
  return out;
}

Head head_of(const fs::path& dir) {
  Head head = read_head(dir);
  if (head.found && head.commit.empty() && !head.branch.empty()) {
    auto sha =
        detail::run_git(dir, {"git", "rev-parse", "--verify", "--quiet", "HEAD"}, std::chrono::seconds(10));
    if (sha) head.commit = std::string(trim(*sha));
  }
  return head;
}

}  // namespace aqe::git
