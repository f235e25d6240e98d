// CI facts from the variables GitHub Actions, GitLab CI and Jenkins set, with git as the
// fallback for local runs and CIs that set none of them.
#include "aqe/ci/ci.h"

#include <chrono>
#include <fstream>

#include "aqe/exec/process.h"
#include "aqe/util/strings.h"

namespace aqe::ci {

namespace {

std::string env_value(const std::map<std::string, std::string>& env, const char* name) {
  auto it = env.find(name);
  return it == env.end() ? std::string() : it->second;
}

std::string strip_heads(const std::string& ref) {
  return starts_with(ref, "refs/heads/") ? ref.substr(11) : std::string();
}

CiFacts github_facts(const std::map<std::string, std::string>& env) {
  CiFacts ci;
  ci.event = env_value(env, "GITHUB_EVENT_NAME");
  ci.change_request = starts_with(ci.event, "pull_request");
  ci.target_branch = env_value(env, "GITHUB_BASE_REF");
  // On pull requests GITHUB_REF is refs/pull/N/merge; the source branch is GITHUB_HEAD_REF.
  ci.branch = env_value(env, "GITHUB_HEAD_REF");
  ci.source = "GITHUB_HEAD_REF";
  if (ci.branch.empty()) {
    ci.branch = strip_heads(env_value(env, "GITHUB_REF"));
    ci.source = "GITHUB_REF";
  }
  if (ci.branch.empty() && env_value(env, "GITHUB_REF_TYPE") != "tag" && !ci.change_request) {
    ci.branch = env_value(env, "GITHUB_REF_NAME");
    ci.source = "GITHUB_REF_NAME";
  }
  ci.commit = env_value(env, "GITHUB_SHA");
  return ci;
}

CiFacts gitlab_facts(const std::map<std::string, std::string>& env) {
  CiFacts ci;
  ci.change_request = !env_value(env, "CI_MERGE_REQUEST_IID").empty();
  ci.event = env_value(env, "CI_PIPELINE_SOURCE");
  ci.target_branch = env_value(env, "CI_MERGE_REQUEST_TARGET_BRANCH_NAME");
  ci.branch = env_value(env, ci.change_request ? "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME" : "CI_COMMIT_BRANCH");
  ci.source = ci.change_request ? "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME" : "CI_COMMIT_BRANCH";
  if (ci.branch.empty()) {
    ci.branch = env_value(env, "CI_COMMIT_BRANCH");
    ci.source = "CI_COMMIT_BRANCH";
  }
  ci.commit = env_value(env, "CI_COMMIT_SHA");
  return ci;
}

// Jenkins multibranch: BRANCH_NAME; CHANGE_ID marks a pull request build.
CiFacts jenkins_facts(const std::map<std::string, std::string>& env) {
  CiFacts ci;
  ci.branch = env_value(env, "BRANCH_NAME");
  ci.source = ci.branch.empty() ? "" : "BRANCH_NAME";
  ci.change_request = !env_value(env, "CHANGE_ID").empty();
  ci.target_branch = env_value(env, "CHANGE_TARGET");
  if (ci.change_request) {
    ci.event = "pull_request";
    if (!env_value(env, "CHANGE_BRANCH").empty()) {
      ci.branch = env_value(env, "CHANGE_BRANCH");
      ci.source = "CHANGE_BRANCH";
    }
  }
  ci.commit = env_value(env, "GIT_COMMIT");
  return ci;
}

// One line of git's stdout, or "" when git is missing, fails or the dir is no checkout.
std::string git_line(const std::filesystem::path& dir, std::vector<std::string> args) {
  exec::ProcessSpec spec;
  spec.argv = {"git"};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.cwd = dir;
  spec.timeout = std::chrono::milliseconds(10000);
  auto r = exec::run(spec);
  if (!r || r->termination != exec::Termination::kExited || r->exit_code != 0) return "";
  return std::string(trim(r->stdout_data));
}

std::string first_line_of(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return std::string(trim(line));
}

// The .git directory of the repository holding `dir` (a worktree's .git file points to it).
std::filesystem::path git_dir_of(std::filesystem::path dir) {
  namespace fs = std::filesystem;
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

CiFacts ci_facts(const std::map<std::string, std::string>& env) {
  if (!env_value(env, "GITHUB_EVENT_NAME").empty() || !env_value(env, "GITHUB_REF").empty())
    return github_facts(env);
  if (!env_value(env, "GITLAB_CI").empty() || !env_value(env, "CI_COMMIT_BRANCH").empty() ||
      !env_value(env, "CI_MERGE_REQUEST_IID").empty())
    return gitlab_facts(env);
  return jenkins_facts(env);
}

GitHead read_git_head(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  GitHead out;
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

CiFacts detect_ci(const std::map<std::string, std::string>& env, const std::filesystem::path& repo_dir) {
  CiFacts ci = ci_facts(env);
  if (!ci.branch.empty() && !ci.commit.empty()) return ci;
  // .git read directly: no process for the common layouts; git itself only for what the
  // reader cannot follow (e.g. a ref store it does not know).
  GitHead head = read_git_head(repo_dir);
  if (head.found && head.commit.empty() && !head.branch.empty()) {
    head.commit = git_line(repo_dir, {"rev-parse", "--verify", "--quiet", "HEAD"});
  }
  if (ci.branch.empty() && !head.branch.empty()) {
    ci.branch = head.branch;
    ci.source = "git";
  }
  if (ci.commit.empty()) ci.commit = head.commit;
  return ci;
}

}  // namespace aqe::ci
