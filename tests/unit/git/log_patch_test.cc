// Parsing `git log -p --unified=0` output into the lines each commit added.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "aqe/git/git.h"
#include "temp_dir.h"

namespace aqe::git {
namespace {

const char* kLog =
    "commit 2222222222222222222222222222222222222222\n"
    "diff --git a/config.py b/config.py\n"
    "index 1111111..2222222 100644\n"
    "--- a/config.py\n"
    "+++ b/config.py\n"
    "@@ -2 +1,0 @@\n"
    "-TOKEN = 'old'\n"
    "@@ -10,0 +10,2 @@ def f():\n"
    "+++ looks like a header but is content\n"
    "+commit not a commit line\n"
    "diff --git a/gone.txt b/gone.txt\n"
    "deleted file mode 100644\n"
    "--- a/gone.txt\n"
    "+++ /dev/null\n"
    "@@ -1 +0,0 @@\n"
    "-bye\n"
    "\n"
    "commit 1111111111111111111111111111111111111111\n"
    "diff --git a/config.py b/config.py\n"
    "new file mode 100644\n"
    "--- /dev/null\n"
    "+++ b/config.py\n"
    "@@ -0,0 +1,3 @@\n"
    "+import os\n"
    "+TOKEN = 'old'\n"
    "+x = 1\n"
    "\\ No newline at end of file\n"
    "diff --git a/img.png b/img.png\n"
    "new file mode 100644\n"
    "Binary files /dev/null and b/img.png differ\n"
    "diff --git \"a/sp ace.txt\" \"b/sp ace.txt\"\n"
    "--- /dev/null\n"
    "+++ \"b/sp ace.txt\"\n"
    "@@ -0,0 +1 @@\n"
    "+one line\n";

TEST(GitLogPatch, AddedLinesPerCommitAndFile) {
  auto got = parse_log_patch(kLog);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].commit, std::string(40, '2'));
  EXPECT_EQ(got[0].file, "config.py");
  EXPECT_EQ(got[0].lines,
            (std::vector<std::pair<int, std::string>>{{10, "++ looks like a header but is content"},
                                                      {11, "commit not a commit line"}}));
  EXPECT_EQ(got[1].commit, std::string(40, '1'));
  EXPECT_EQ(got[1].lines,
            (std::vector<std::pair<int, std::string>>{{1, "import os"}, {2, "TOKEN = 'old'"}, {3, "x = 1"}}));
  EXPECT_EQ(got[2].file, "sp ace.txt");
  EXPECT_EQ(got[2].lines, (std::vector<std::pair<int, std::string>>{{1, "one line"}}));
}

TEST(GitLogPatch, EmptyAndDeletionOnly) {
  EXPECT_TRUE(parse_log_patch("").empty());
  EXPECT_TRUE(
      parse_log_patch("commit abc\ndiff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +0,0 @@\n-gone\n").empty());
}

// The stream hands on what the parser finds in the whole text, in the same order, however git's
// output is cut into chunks; a range git cannot resolve is git's failure, with its message.
TEST(GitLogStream, SameAdditionsAsTheParserInLogOrder) {
  aqe::testing::TempDir tmp("aqe-git-test");
  const std::string q = "'" + tmp.path().string() + "'";
  const std::string commit = " && git -c user.email=a@b -c user.name=a commit -q -m ";
  const std::string setup = "cd " + q +
                            " && git init -q -b trunk . && printf 'a\\nb\\n' > a.py && git add a.py" +
                            commit + "one && printf 'a\\nTOKEN = 1\\nb\\n' > a.py && printf 'x\\n' > c.py" +
                            " && git add a.py c.py" + commit + "two";
  if (std::system(setup.c_str()) != 0) GTEST_SKIP() << "git is not available";
  LogRange range;
  range.dir = tmp.path();
  std::vector<CommitAdditions> got;
  auto st = stream_log_additions(range, [&](const CommitAdditions& c) { got.push_back(c); });
  ASSERT_TRUE(st.ok()) << st.error().message;
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].file, "a.py");
  EXPECT_EQ(got[0].lines, (std::vector<std::pair<int, std::string>>{{2, "TOKEN = 1"}}));
  EXPECT_EQ(got[1].file, "c.py");
  EXPECT_EQ(got[1].commit, got[0].commit);
  EXPECT_EQ(got[2].file, "a.py");
  EXPECT_NE(got[2].commit, got[0].commit);
  EXPECT_EQ(got[2].lines, (std::vector<std::pair<int, std::string>>{{1, "a"}, {2, "b"}}));

  range.since = "no-such-ref";
  auto bad = stream_log_additions(range, [](const CommitAdditions&) {});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, kFailed);
  EXPECT_NE(bad.error().message.find("no-such-ref"), std::string::npos) << bad.error().message;
}

}  // namespace
}  // namespace aqe::git
