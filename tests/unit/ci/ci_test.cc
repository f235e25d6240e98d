#include "aqe/ci/ci.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "aqe/util/fs.h"
#include "aqe/util/strings.h"
#include "temp_dir.h"

namespace aqe::ci {
namespace {

const std::string kSha1 = "1111111111111111111111111111111111111111";
const std::string kSha2 = "2222222222222222222222222222222222222222";

TEST(ReadGitHead, OutsideACheckoutFindsNothing) {
  aqe::testing::TempDir tmp("aqe-ci-test");
  const GitHead h = read_git_head(tmp.path());
  // The temp dir may sit inside some checkout on a developer machine; it must not here.
  if (h.found) GTEST_SKIP() << "the temp dir is inside a git checkout";
  EXPECT_TRUE(h.branch.empty());
  EXPECT_TRUE(h.commit.empty());
}

TEST(ReadGitHead, LooseRefFromASubdirectory) {
  aqe::testing::TempDir tmp("aqe-ci-test");
  tmp.write(".git/HEAD", "ref: refs/heads/feature/x\n");
  tmp.write(".git/refs/heads/feature/x", kSha1 + "\n");
  tmp.write("src/pkg/mod.py", "");
  const GitHead h = read_git_head(tmp.path() / "src" / "pkg");
  EXPECT_TRUE(h.found);
  EXPECT_EQ(h.branch, "feature/x");
  EXPECT_EQ(h.commit, kSha1);
}

TEST(ReadGitHead, PackedRefWhenNoLooseRef) {
  aqe::testing::TempDir tmp("aqe-ci-test");
  tmp.write(".git/HEAD", "ref: refs/heads/main\n");
  tmp.write(".git/packed-refs", "# pack-refs with: peeled fully-peeled sorted\n" + kSha2 +
                                    " refs/heads/maintenance\n" + kSha1 + " refs/heads/main\n^" + kSha2 +
                                    "\n");
  const GitHead h = read_git_head(tmp.path());
  EXPECT_EQ(h.branch, "main");
  EXPECT_EQ(h.commit, kSha1);
}

TEST(ReadGitHead, DetachedHeadHasNoBranch) {
  aqe::testing::TempDir tmp("aqe-ci-test");
  tmp.write(".git/HEAD", kSha2 + "\n");
  const GitHead h = read_git_head(tmp.path());
  EXPECT_TRUE(h.found);
  EXPECT_EQ(h.branch, "");
  EXPECT_EQ(h.commit, kSha2);
}

TEST(ReadGitHead, WorktreeSharesRefsWithItsRepository) {
  aqe::testing::TempDir tmp("aqe-ci-test");
  tmp.write("repo/.git/refs/heads/topic", kSha2 + "\n");
  tmp.write("repo/.git/worktrees/wt/HEAD", "ref: refs/heads/topic\n");
  tmp.write("repo/.git/worktrees/wt/commondir", "../..\n");
  tmp.write("wt/.git", "gitdir: ../repo/.git/worktrees/wt\n");
  const GitHead h = read_git_head(tmp.path() / "wt");
  EXPECT_EQ(h.branch, "topic");
  EXPECT_EQ(h.commit, kSha2);
}

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
