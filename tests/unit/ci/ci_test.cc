#include "aqe/ci/ci.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <string>

#include "aqe/util/fs.h"
#include "aqe/util/strings.h"
#include "temp_dir.h"

namespace aqe::ci {
namespace {

const std::string kSha1 = "1111111111111111111111111111111111111111";
const std::string kSha2 = "2222222222222222222222222222222222222222";

TEST(DetectCi, CiVariablesWinOverGit) {
  aqe::testing::TempDir tmp("aqe-ci-test");
  tmp.write(".git/HEAD", "ref: refs/heads/local\n");
  tmp.write(".git/refs/heads/local", kSha1 + "\n");
  const CiFacts f = detect_ci(
      {{"GITHUB_REF", "refs/heads/main"}, {"GITHUB_EVENT_NAME", "push"}, {"GITHUB_SHA", kSha2}}, tmp.path());
  EXPECT_EQ(f.branch, "main");
  EXPECT_EQ(f.commit, kSha2);
  const CiFacts local = detect_ci({}, tmp.path());
  EXPECT_EQ(local.branch, "local");
  EXPECT_EQ(local.source, "git");
  EXPECT_EQ(local.commit, kSha1);
}

// The PR/MR number and the pipeline id, as each CI names them (table-driven).
TEST(CiFacts, PullRequestAndPipelineIds) {
  struct Case {
    std::map<std::string, std::string> env;
    std::string pull_request, pipeline_id;
  };
  const Case cases[] = {
      {{{"GITHUB_EVENT_NAME", "pull_request"},
        {"GITHUB_REF", "refs/pull/42/merge"},
        {"GITHUB_RUN_ID", "987"}},
       "42",
       "987"},
      {{{"GITHUB_EVENT_NAME", "pull_request_target"}, {"GITHUB_REF", "refs/pull/7/head"}}, "7", ""},
      {{{"GITHUB_EVENT_NAME", "push"}, {"GITHUB_REF", "refs/heads/main"}, {"GITHUB_RUN_ID", "5"}}, "", "5"},
      {{{"GITHUB_EVENT_NAME", "push"}, {"GITHUB_REF", "refs/pull/x1/merge"}}, "", ""},
      {{{"GITHUB_EVENT_NAME", "push"}, {"GITHUB_REF", "refs/pull/"}}, "", ""},
      {{{"GITLAB_CI", "true"}, {"CI_MERGE_REQUEST_IID", "13"}, {"CI_PIPELINE_ID", "4401"}}, "13", "4401"},
      {{{"GITLAB_CI", "true"}, {"CI_COMMIT_BRANCH", "main"}, {"CI_PIPELINE_ID", "4402"}}, "", "4402"},
      {{{"BRANCH_NAME", "PR-3"}, {"CHANGE_ID", "3"}, {"BUILD_NUMBER", "11"}}, "3", "11"},
      {{}, "", ""},
  };
  for (const auto& c : cases) {
    const CiFacts f = ci_facts(c.env);
    EXPECT_EQ(f.pull_request, c.pull_request) << (c.env.empty() ? "{}" : c.env.begin()->second);
    EXPECT_EQ(f.pipeline_id, c.pipeline_id) << (c.env.empty() ? "{}" : c.env.begin()->second);
  }
}

// The reader agrees with git itself on a real repository (packed after a commit).
TEST(DetectCi, AgreesWithGitOnARealRepository) {
  aqe::testing::TempDir tmp("aqe-ci-test");
  const std::string q = "'" + tmp.path().string() + "'";
  const std::string setup = "cd " + q +
                            " && git init -q -b trunk . && git -c user.email=a@b -c user.name=a commit -q "
                            "--allow-empty -m one && git pack-refs --all && git rev-parse HEAD > sha.txt";
  if (std::system(setup.c_str()) != 0) GTEST_SKIP() << "git is not available";
  auto sha = read_file(tmp.path() / "sha.txt");
  ASSERT_TRUE(sha.ok());
  const CiFacts f = detect_ci({}, tmp.path());
  EXPECT_EQ(f.branch, "trunk");
  EXPECT_EQ(f.commit, std::string(trim(*sha)));
}

}  // namespace
}  // namespace aqe::ci
