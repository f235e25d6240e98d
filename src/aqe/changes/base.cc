// The diff that diff coverage judges: which base to compare with, and what it means when there
// is none. The git mechanics (merge base, diff, parser) are git/'s.
#include <optional>

#include "aqe/changes/changes.h"
#include "aqe/git/git.h"

namespace aqe::changes {

using ci::CiFacts;

namespace fs = std::filesystem;

namespace {

struct BaseChoice {
  std::string ref, reason;
};

// The CI's target branch (as fetched from origin, else local); then the branch origin/HEAD
// points to (the remote's default branch, whatever its name); then origin/main, origin/master,
// main, master: the remote's before the local copies, which may be stale.
std::optional<BaseChoice> default_base(const fs::path& dir, const CiFacts& ci) {
  std::vector<BaseChoice> candidates;
  if (!ci.target_branch.empty()) {
    candidates.push_back({"origin/" + ci.target_branch, "the CI's target branch"});
    candidates.push_back({ci.target_branch, "the CI's target branch"});
  }
  if (std::string head = git::remote_head(dir, "origin"); !head.empty())
    candidates.push_back({head, "origin/HEAD points to it"});
  for (const char* ref : {"origin/main", "origin/master", "main", "master"})
    candidates.push_back({ref, std::string(ref) + " exists"});
  for (auto& c : candidates)
    if (git::resolves_to_commit(dir, c.ref)) return c;
  return std::nullopt;
}

}  // namespace

Result<DiffInput> diff_against_base(const fs::path& project_dir, const std::string& base,
                                    const std::string& base_origin, const CiFacts& ci) {
  DiffInput d;
  auto prefix = git::repo_prefix(project_dir);
  if (!prefix) {
    if (!base.empty())
      return make_error("USAGE",
                        base_origin + " " + base + ": " + project_dir.string() + " is not a git checkout",
                        "run aqe inside the repository, or leave out " + base_origin);
    const std::string& why = prefix.error().message;
    d.unavailable = "not a git checkout (" + (why.empty() ? "git not found" : why) + ")";
    return d;
  }
  if (!base.empty()) {
    if (!git::resolves_to_commit(project_dir, base))
      return make_error("USAGE", base_origin + ": git cannot resolve '" + base + "' to a commit",
                        "fetch it first (e.g. git fetch origin main) or name an existing branch, tag or SHA");
    d.base = base;
    d.base_reason = base_origin;
  } else if (auto c = default_base(project_dir, ci)) {
    d.base = c->ref;
    d.base_reason = c->reason;
  } else {
    d.unavailable = "no base to compare with: no CI target branch" +
                    (ci.target_branch.empty() ? std::string() : " '" + ci.target_branch + "' in this clone") +
                    ", no origin/HEAD, origin/main, origin/master, main or master; pass --base REF";
    return d;
  }
  auto mb = git::merge_base(project_dir, d.base);
  if (!mb) {
    d.unavailable =
        "no merge base of " + d.base +
        " and HEAD (a shallow clone? fetch the history, e.g. actions/checkout with fetch-depth: 0)";
    return d;
  }
  d.merge_base = *mb;
  // Against the working tree, not HEAD: uncommitted changes count too (diff-cover adds staged
  // and unstaged changes as well), and the line numbers are those of the files coverage ran.
  auto files = git::diff_to_worktree(project_dir, d.merge_base);
  if (!files) {
    if (files.error().code == git::kDiffInvalid) return files.error();
    d.unavailable = "git diff failed: " + files.error().message;
    return d;
  }
  d.repo_prefix = *prefix;
  for (auto& f : *files) {
    if (f.path.empty() || f.binary) continue;  // deleted: nothing left to cover
    d.changed[git::path_in_project(f.path, *prefix, project_dir)] = std::move(f.added_lines);
  }
  return d;
}

}  // namespace aqe::changes
