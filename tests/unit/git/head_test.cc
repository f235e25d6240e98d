// HEAD read from .git without starting git, over the layouts git writes.
#include <gtest/gtest.h>

#include <string>

#include "aqe/git/git.h"
#include "temp_dir.h"

namespace aqe::git {
namespace {

const std::string kSha1 = "1111111111111111111111111111111111111111";
const std::string kSha2 = "2222222222222222222222222222222222222222";

TEST(ReadGitHead, OutsideACheckoutFindsNothing) {
  aqe::testing::TempDir tmp("aqe-git-test");
  const Head h = read_head(tmp.path());
  // The temp dir may sit inside some checkout on a developer machine; it must not here.
  if (h.found) GTEST_SKIP() << "the temp dir is inside a git checkout";
  EXPECT_TRUE(h.branch.empty());
  EXPECT_TRUE(h.commit.empty());
}

TEST(ReadGitHead, LooseRefFromASubdirectory) {
  aqe::testing::TempDir tmp("aqe-git-test");
  tmp.write(".git/HEAD", "ref: refs/heads/feature/x\n");
  tmp.write(".git/refs/heads/feature/x", kSha1 + "\n");
  tmp.write("src/pkg/mod.py", "");
  const Head h = read_head(tmp.path() / "src" / "pkg");
  EXPECT_TRUE(h.found);
  EXPECT_EQ(h.branch, "feature/x");
  EXPECT_EQ(h.commit, kSha1);
}

TEST(ReadGitHead, PackedRefWhenNoLooseRef) {
  aqe::testing::TempDir tmp("aqe-git-test");
  tmp.write(".git/HEAD", "ref: refs/heads/main\n");
  tmp.write(".git/packed-refs", "# pack-refs with: peeled fully-peeled sorted\n" + kSha2 +
                                    " refs/heads/maintenance\n" + kSha1 + " refs/heads/main\n^" + kSha2 +
                                    "\n");
  const Head h = read_head(tmp.path());
  EXPECT_EQ(h.branch, "main");
  EXPECT_EQ(h.commit, kSha1);
}

TEST(ReadGitHead, DetachedHeadHasNoBranch) {
  aqe::testing::TempDir tmp("aqe-git-test");
  tmp.write(".git/HEAD", kSha2 + "\n");
  const Head h = read_head(tmp.path());
  EXPECT_TRUE(h.found);
  EXPECT_EQ(h.branch, "");
  EXPECT_EQ(h.commit, kSha2);
}

TEST(ReadGitHead, WorktreeSharesRefsWithItsRepository) {
  aqe::testing::TempDir tmp("aqe-git-test");
  tmp.write("repo/.git/refs/heads/topic", kSha2 + "\n");
  tmp.write("repo/.git/worktrees/wt/HEAD", "ref: refs/heads/topic\n");
  tmp.write("repo/.git/worktrees/wt/commondir", "../..\n");
  tmp.write("wt/.git", "gitdir: ../repo/.git/worktrees/wt\n");
  const Head h = read_head(tmp.path() / "wt");
  EXPECT_EQ(h.branch, "topic");
  EXPECT_EQ(h.commit, kSha2);
}

}  // namespace
}  // namespace aqe::git
