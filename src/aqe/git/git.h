// What aqe asks of a git checkout: the branch and commit of HEAD, the lines changed since a
// merge base, and the lines each commit of a history added. .git is read directly where its
// layout is plain; git itself runs through exec/, with an argv and a timeout, never a shell.
// Which base to compare with, and what a failure means to the user, is the caller's policy.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aqe/util/result.h"

namespace aqe::git {

// Failed git commands come back as an Error whose message is git's stderr (trimmed, possibly
// empty) or why git could not start (exec's error, e.g. "EXEC_NOT_FOUND"). The code says how
// it ended: kFailed (non-zero exit, killed, interrupted) or kTimedOut (exit code kTimeout).
inline constexpr std::string_view kFailed = "GIT_FAILED";
inline constexpr std::string_view kTimedOut = "TIMEOUT";
// Output git printed that the diff parser cannot follow: a bug to report, not a missing diff.
inline constexpr std::string_view kDiffInvalid = "DIFF_INVALID";

// ---- HEAD ----

// Branch and commit as .git says, read without starting git: HEAD, loose refs, packed-refs,
// worktrees (a .git file). `found` is false outside a git checkout; a detached HEAD has no branch.
struct Head {
  bool found = false;
  std::string branch;
  std::string commit;
};
Head read_head(const std::filesystem::path& dir);

// read_head(), with git itself asked for the commit when the reader found the branch but not
// its commit (a ref store it does not know, e.g. reftable).
Head head_of(const std::filesystem::path& dir);

// ---- diffs ----

// One file of a unified diff (`git diff -U0`). Paths are as git prints them (relative to the
// repository root, "a/" "b/" prefixes and C-style quoting removed).
struct ChangedFile {
  std::string path;      // new path; empty for a deleted file
  std::string old_path;  // empty for a new file
  bool added = false, deleted = false, renamed = false, binary = false;
  std::vector<int64_t> added_lines;  // new-side numbers of '+' lines, ascending
};

// Parses `git diff` output with --src-prefix=a/ --dst-prefix=b/. Errors (kDiffInvalid) name
// the diff line.
Result<std::vector<ChangedFile>> parse_unified_diff(std::string_view text);

// `dir` relative to the root of its repository, as git prints it ("" or "svc/api/"). An error
// outside a checkout or without git.
Result<std::string> repo_prefix(const std::filesystem::path& dir);

// True when git resolves `ref` (branch, tag, SHA, "origin/main") to a commit.
bool resolves_to_commit(const std::filesystem::path& dir, const std::string& ref);

// The branch `<remote>/HEAD` points to, as a ref name ("origin/master": the remote's default
// branch, which `git clone` and `git remote set-head` record); "" when the clone has none.
std::string remote_head(const std::filesystem::path& dir, const std::string& remote);

// The merge base of `ref` and HEAD (a full SHA).
Result<std::string> merge_base(const std::filesystem::path& dir, const std::string& ref);

// The changes from `commit` to the working tree, parsed: uncommitted changes count too, and
// the line numbers are those of the files as they are now. Renames are followed. A git
// failure, or kDiffInvalid.
Result<std::vector<ChangedFile>> diff_to_worktree(const std::filesystem::path& dir,
                                                  const std::string& commit);

// A repository-root-relative path from git (`repo_path`, under `prefix` = repo_prefix()) as a
// path relative to `project_dir`, the way coverage reports name files; a path outside the
// project dir comes back absolute.
std::string path_in_project(const std::string& repo_path, const std::string& prefix,
                            const std::filesystem::path& project_dir);

// ---- history ----

// The lines one commit added to one file, with their line numbers in the new version.
struct CommitAdditions {
  std::string commit;  // full SHA
  std::string file;    // repository-relative path
  std::vector<std::pair<int, std::string>> lines;
};

// Parses `git log -p --unified=0 --pretty=format:'commit %H'` output. Hunk line counts decide
// where a hunk ends, so an added line that itself starts with "++ " or "commit " is still content.
std::vector<CommitAdditions> parse_log_patch(std::string_view text);

struct LogRange {
  std::filesystem::path dir;                  // where git runs; empty = the current directory
  std::string since;                          // exclusive start (since..HEAD); "" = the whole history
  bool all_refs = false;                      // every branch, tag and other ref, not only HEAD
  std::vector<std::filesystem::path> paths;   // pathspecs; empty = everything
  std::chrono::milliseconds timeout{600000};  // a stuck git (a credential prompt) must not hang CI
};

// Runs `git log -p` over `range` and calls `each` with every
// (commit, file) that added lines, in log order, as git's output arrives: a long history is
// never held in memory whole. Errors as above; `range.since` is passed to git as given.
Status stream_log_additions(const LogRange& range, const std::function<void(const CommitAdditions&)>& each);

}  // namespace aqe::git
