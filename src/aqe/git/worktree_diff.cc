// The changes since a merge base, as the quality gate's diff coverage needs them.
#include <chrono>

#include "aqe/git/git.h"
#include "aqe/git/run.h"
#include "aqe/util/path.h"
#include "aqe/util/strings.h"

namespace aqe::git {

namespace fs = std::filesystem;

namespace {

Result<std::string> git(const fs::path& dir, std::vector<std::string> args) {
  // Fixed prefixes, no colour, no external diff tool and no relative paths, whatever the
  // user's git config says: the parser relies on them.
  std::vector<std::string> argv = {
      "git", "-c", "core.quotePath=false", "-c", "diff.noprefix=false", "-c", "diff.relative=false"};
  argv.insert(argv.end(), args.begin(), args.end());
  return detail::run_git(dir, std::move(argv), std::chrono::seconds(60));
}

}  // namespace

Result<std::string> repo_prefix(const fs::path& dir) {
  auto out = git(dir, {"rev-parse", "--show-prefix"});
  if (!out) return out.error();
  return std::string(trim(*out));
}

bool resolves_to_commit(const fs::path& dir, const std::string& ref) {
  return git(dir, {"rev-parse", "--verify", "--quiet", ref + "^{commit}"}).ok();
}

std::string remote_head(const fs::path& dir, const std::string& remote) {
  auto out = git(dir, {"symbolic-ref", "--quiet", "refs/remotes/" + remote + "/HEAD"});
  if (!out) return "";
  const std::string ref(trim(*out));
  static constexpr std::string_view kPrefix = "refs/remotes/";
  return starts_with(ref, kPrefix) ? ref.substr(kPrefix.size()) : "";
}

Result<std::string> merge_base(const fs::path& dir, const std::string& ref) {
  auto out = git(dir, {"merge-base", ref, "HEAD"});
  if (!out) return out.error();
  return std::string(trim(*out));
}

Result<std::vector<ChangedFile>> diff_to_worktree(const fs::path& dir, const std::string& commit) {
  auto out = git(dir, {"diff", "-U0", "--no-color", "--no-ext-diff", "--find-renames", "--src-prefix=a/",
                       "--dst-prefix=b/", commit});
  if (!out) return out.error();
  return parse_unified_diff(*out);
}

std::string path_in_project(const std::string& repo_path, const std::string& prefix,
                            const fs::path& project_dir) {
  if (prefix.empty()) return repo_path;
  if (starts_with(repo_path, prefix)) return repo_path.substr(prefix.size());
  // Outside the project dir: absolute, as project_path leaves coverage paths outside it.
  fs::path rel = fs::path(repo_path).lexically_relative(fs::path(prefix));
  return project_path((project_dir / rel).lexically_normal().string(), project_dir);
}

}  // namespace aqe::git
