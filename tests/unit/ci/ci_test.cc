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
