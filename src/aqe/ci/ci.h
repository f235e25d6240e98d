// What the build is about, as the CI (or else git) says: branch, commit, event and the target
// branch of a pull/merge request. Shared by every command that records or judges a run.
#pragma once

#include <filesystem>
#include <map>
#include <string>

namespace aqe::ci {

struct CiFacts {
  std::string branch;           // source branch of the build
  std::string commit;           // full SHA; may be empty
  std::string event;            // "push", "pull_request", "merge_request_event", ... as the CI names it
  bool change_request = false;  // a pull/merge request build
  std::string target_branch;    // of the pull/merge request
  std::string source;           // which variable decided the branch, for the output
  std::string pull_request;     // the PR/MR number ("42"); empty when not a change request build
  std::string pipeline_id;      // the CI's id of this pipeline or workflow run
};

// From CI variables only (GitHub Actions, GitLab CI, Jenkins); no process is started.
CiFacts ci_facts(const std::map<std::string, std::string>& env);

// ci_facts(), with the branch and commit git records for `repo_dir` where the CI named none
// (git/ reads them; a detached HEAD has no branch). Outside a git checkout they stay empty.
CiFacts detect_ci(const std::map<std::string, std::string>& env, const std::filesystem::path& repo_dir);

}  // namespace aqe::ci
