#include <gtest/gtest.h>

#include "aqe/git/git.h"

namespace aqe::git {
namespace {

// ---- the unified-diff parser (git diff -U0 --find-renames) ----

struct ExpectedFile {
  std::string path, old_path;
  bool added, deleted, renamed;
  std::vector<int64_t> lines;
};

struct DiffCase {
  const char* name;
  const char* diff;
  std::vector<ExpectedFile> files;
};

class DiffTable : public ::testing::TestWithParam<DiffCase> {};

TEST_P(DiffTable, ParsesFilesAndAddedLines) {
  const auto& c = GetParam();
  auto files = parse_unified_diff(c.diff);
  ASSERT_TRUE(files.ok()) << files.error().message;
  ASSERT_EQ(files->size(), c.files.size());
  for (size_t i = 0; i < c.files.size(); ++i) {
    const auto& got = (*files)[i];
    const auto& want = c.files[i];
    EXPECT_EQ(got.path, want.path) << i;
    EXPECT_EQ(got.old_path, want.old_path) << i;
    EXPECT_EQ(got.added, want.added) << i;
    EXPECT_EQ(got.deleted, want.deleted) << i;
    EXPECT_EQ(got.renamed, want.renamed) << i;
    EXPECT_EQ(got.added_lines, want.lines) << i;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Gate, DiffTable,
    ::testing::Values(DiffCase{"modified_multiple_hunks",
                               "diff --git a/src/a.py b/src/a.py\n"
                               "index 1111111..2222222 100644\n"
                               "--- a/src/a.py\n"
                               "+++ b/src/a.py\n"
                               "@@ -2 +2 @@ def f():\n"
                               "-    return 1\n"
                               "+    return 2\n"
                               "@@ -10,0 +11,2 @@ def g():\n"
                               "+    x = 1\n"
                               "+    y = 2\n"
                               "@@ -20,3 +22,0 @@\n"
                               "-a\n"
                               "-b\n"
                               "-c\n",
                               {{"src/a.py", "src/a.py", false, false, false, {2, 11, 12}}}},
                      DiffCase{"new_file",
                               "diff --git a/new.py b/new.py\n"
                               "new file mode 100644\n"
                               "index 0000000..3333333\n"
                               "--- /dev/null\n"
                               "+++ b/new.py\n"
                               "@@ -0,0 +1,3 @@\n"
                               "+import os\n"
                               "+\n"
                               "+x = 1\n",
                               {{"new.py", "", true, false, false, {1, 2, 3}}}},
                      DiffCase{"deleted_file",
                               "diff --git a/old.py b/old.py\n"
                               "deleted file mode 100644\n"
                               "index 3333333..0000000\n"
                               "--- a/old.py\n"
                               "+++ /dev/null\n"
                               "@@ -1,2 +0,0 @@\n"
                               "-a = 1\n"
                               "-b = 2\n",
                               {{"", "old.py", false, true, false, {}}}},
                      DiffCase{"pure_rename_has_no_hunks",
                               "diff --git a/src/old name.py b/src/new name.py\n"
                               "similarity index 100%\n"
                               "rename from src/old name.py\n"
                               "rename to src/new name.py\n",
                               {{"src/new name.py", "src/old name.py", false, false, true, {}}}},
                      DiffCase{"rename_with_edit",
                               "diff --git a/pkg/x.py b/pkg/y.py\n"
                               "similarity index 80%\n"
                               "rename from pkg/x.py\n"
                               "rename to pkg/y.py\n"
                               "index 1..2 100644\n"
                               "--- a/pkg/x.py\n"
                               "+++ b/pkg/y.py\n"
                               "@@ -5 +5,2 @@\n"
                               "-old\n"
                               "+new\n"
                               "+newer\n",
                               {{"pkg/y.py", "pkg/x.py", false, false, true, {5, 6}}}},
                      DiffCase{"no_newline_at_end_of_file",
                               "diff --git a/m.py b/m.py\n"
                               "--- a/m.py\n"
                               "+++ b/m.py\n"
                               "@@ -3 +3 @@\n"
                               "-last\n"
                               "\\ No newline at end of file\n"
                               "+last line\n"
                               "\\ No newline at end of file\n",
                               {{"m.py", "m.py", false, false, false, {3}}}},
                      DiffCase{"count_omitted_headers",
                               "diff --git a/c.py b/c.py\n"
                               "--- a/c.py\n"
                               "+++ b/c.py\n"
                               "@@ -3 +4 @@\n"
                               "-x\n"
                               "+y\n"
                               "@@ -9,0 +11 @@\n"
                               "+z\n",
                               {{"c.py", "c.py", false, false, false, {4, 11}}}},
                      // A removed line "-- sql" reads "--- sql"; the hunk counts say it is content.
                      DiffCase{"removed_line_looking_like_a_header",
                               "diff --git a/q.sql b/q.sql\n"
                               "--- a/q.sql\n"
                               "+++ b/q.sql\n"
                               "@@ -1,2 +1 @@\n"
                               "--- comment\n"
                               "++++ plus\n"
                               "-gone\n",
                               {{"q.sql", "q.sql", false, false, false, {1}}}},
                      DiffCase{"quoted_path_and_two_files",
                               "diff --git \"a/t\\303\\251st.py\" \"b/t\\303\\251st.py\"\n"
                               "--- \"a/t\\303\\251st.py\"\n"
                               "+++ \"b/t\\303\\251st.py\"\n"
                               "@@ -1 +1 @@\n"
                               "-a\n"
                               "+b\n"
                               "diff --git a/bin.png b/bin.png\n"
                               "index 1..2 100644\n"
                               "Binary files a/bin.png and b/bin.png differ\n",
                               {{"t\xc3\xa9st.py", "t\xc3\xa9st.py", false, false, false, {1}},
                                {"bin.png", "bin.png", false, false, false, {}}}},
                      DiffCase{"context_lines_advance_the_new_side",
                               "diff --git a/k.py b/k.py\n"
                               "--- a/k.py\n"
                               "+++ b/k.py\n"
                               "@@ -1,3 +1,4 @@\n"
                               " a\n"
                               "+b\n"
                               " c\n"
                               " d\n",
                               {{"k.py", "k.py", false, false, false, {2}}}},
                      DiffCase{"empty_diff", "", {}}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(Diff, MalformedInputIsAnErrorNamingTheLine) {
  auto too_many = parse_unified_diff("diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n+c\n");
  ASSERT_FALSE(too_many.ok());
  EXPECT_NE(too_many.error().message.find("line 7"), std::string::npos) << too_many.error().message;
  EXPECT_FALSE(parse_unified_diff("diff --git a/x b/x\n@@ -1 +x @@\n").ok());
  EXPECT_FALSE(parse_unified_diff("diff --git a/x b/x\n@@ -1,2 +1,2 @@\n-a\n").ok());
  EXPECT_FALSE(parse_unified_diff("hello\n").ok());
}

}  // namespace
}  // namespace aqe::git
