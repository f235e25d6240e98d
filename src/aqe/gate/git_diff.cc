// The diff diff_coverage judges: git's merge base with the target branch, and the lines
// changed since then. Every git call goes through exec/ with an argv, never a shell.
#include <chrono>

#include "aqe/exec/process.h"
#include "aqe/gate/gate.h"
#include "aqe/util/path.h"
#include "aqe/util/strings.h"

namespace aqe::gate {

namespace fs = std::filesystem;

namespace {

struct GitOutput {
  bool ok = false;
  std::string out, err;
};

GitOutput git(const fs::path& dir, std::vector<std::string> args) {
  exec::ProcessSpec spec;
  // Fixed prefixes, no colour, no external diff tool and no relative paths, whatever the
  // user's git config says: the parser relies on them.
  spec.argv = {"git", "-c", "core.quotePath=false", "-c", "diff.noprefix=false", "-c", "diff.relative=false"};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.cwd = dir;
  spec.timeout = std::chrono::milliseconds(60000);
  auto r = exec::run(spec);
  if (!r) return {false, "", r.error().message};
  const bool ok = r->termination == exec::Termination::kExited && r->exit_code == 0;
  return {ok, std::move(r->stdout_data), std::string(trim(r->stderr_data))};
}

bool resolves(const fs::path& dir, const std::string& ref) {
  return git(dir, {"rev-parse", "--verify", "--quiet", ref + "^{commit}"}).ok;
}

struct BaseChoice {
  std::string ref, reason;
};

// The CI's target branch (as fetched from origin, else local), then origin/main, then main.
std::optional<BaseChoice> default_base(const fs::path& dir, const CiFacts& ci) {
  std::vector<BaseChoice> candidates;
  if (!ci.target_branch.empty()) {
    candidates.push_back({"origin/" + ci.target_branch, "the CI's target branch"});
    candidates.push_back({ci.target_branch, "the CI's target branch"});
  }
  candidates.push_back({"origin/main", "origin/main exists"});
  candidates.push_back({"main", "main exists"});
  for (auto& c : candidates)
    if (resolves(dir, c.ref)) return c;
  return std::nullopt;
}

// A repository-root-relative path from git as the project-relative path coverage uses.
std::string project_path(const std::string& repo_path, const std::string& prefix,
                         const fs::path& project_dir) {
  if (prefix.empty()) return repo_path;
  if (starts_with(repo_path, prefix)) return repo_path.substr(prefix.size());
  // Outside the project dir: absolute, as project_path leaves coverage paths outside it.
  fs::path rel = fs::path(repo_path).lexically_relative(fs::path(prefix));
  return aqe::project_path((project_dir / rel).lexically_normal().string(), project_dir);
}

}  // namespace

Result<DiffInput> diff_against_base(const fs::path& project_dir, const std::string& base,
                                    const std::string& base_origin, const CiFacts& ci) {
  DiffInput d;
  GitOutput prefix = git(project_dir, {"rev-parse", "--show-prefix"});
  if (!prefix.ok) {
    if (!base.empty())
      return make_error("USAGE",
                        base_origin + " " + base + ": " + project_dir.string() + " is not a git checkout",
                        "run aqe inside the repository, or leave out " + base_origin);
    d.unavailable = "not a git checkout (" + (prefix.err.empty() ? "git not found" : prefix.err) + ")";
    return d;
  }
  if (!base.empty()) {
    if (!resolves(project_dir, base))
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
                    ", no origin/main and no main; pass --base REF";
    return d;
  }
  GitOutput mb = git(project_dir, {"merge-base", d.base, "HEAD"});
  if (!mb.ok) {
    d.unavailable =
        "no merge base of " + d.base +
        " and HEAD (a shallow clone? fetch the history, e.g. actions/checkout with fetch-depth: 0)";
    return d;
  }
  d.merge_base = std::string(trim(mb.out));
  // Against the working tree, not HEAD: uncommitted changes count too (diff-cover adds staged
  // and unstaged changes as well), and the line numbers are those of the files coverage ran.
  GitOutput diff = git(project_dir, {"diff", "-U0", "--no-color", "--no-ext-diff", "--find-renames",
                                     "--src-prefix=a/", "--dst-prefix=b/", d.merge_base});
  if (!diff.ok) {
    d.unavailable = "git diff failed: " + diff.err;
    return d;
  }
  auto files = parse_unified_diff(diff.out);
  if (!files) return files.error();
  std::string pfx(trim(prefix.out));
  d.repo_prefix = pfx;
  for (auto& f : *files) {
    if (f.path.empty() || f.binary) continue;  // deleted: nothing left to cover
    d.changed[project_path(f.path, pfx, project_dir)] = std::move(f.added_lines);
  }
  return d;
}

}  // namespace aqe::gate
