// CI facts from the variables GitHub Actions, GitLab CI and Jenkins set, with git as the
// fallback for local runs and CIs that set none of them.
#include "aqe/ci/ci.h"

#include "aqe/git/git.h"
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

// refs/pull/N/merge (or /head) -> "N".
std::string pull_number(const std::string& ref) {
  if (!starts_with(ref, "refs/pull/")) return {};
  const std::string rest = ref.substr(10);
  const size_t slash = rest.find('/');
  std::string n = rest.substr(0, slash);
  if (n.empty() || n.find_first_not_of("0123456789") != std::string::npos) return {};
  return n;
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
  ci.pull_request = pull_number(env_value(env, "GITHUB_REF"));
  ci.pipeline_id = env_value(env, "GITHUB_RUN_ID");
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
  ci.pull_request = env_value(env, "CI_MERGE_REQUEST_IID");
  ci.pipeline_id = env_value(env, "CI_PIPELINE_ID");
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
  ci.pull_request = env_value(env, "CHANGE_ID");
  ci.pipeline_id = env_value(env, "BUILD_NUMBER");
  return ci;
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

CiFacts detect_ci(const std::map<std::string, std::string>& env, const std::filesystem::path& repo_dir) {
  CiFacts ci = ci_facts(env);
  if (!ci.branch.empty() && !ci.commit.empty()) return ci;
  const git::Head head = git::head_of(repo_dir);
  if (ci.branch.empty() && !head.branch.empty()) {
    ci.branch = head.branch;
    ci.source = "git";
  }
  if (ci.commit.empty()) ci.commit = head.commit;
  return ci;
}

}  // namespace aqe::ci
