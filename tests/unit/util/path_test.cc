#include "aqe/util/path.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "temp_dir.h"

namespace aqe {
namespace {

TEST(CanonicalizePath, Cases) {
  struct Case {
    const char* in;
    const char* out;
  };
  for (const auto& c : std::vector<Case>{{"", ""},
                                         {".", "."},
                                         {"./", "."},
                                         {"./.", "."},
                                         {"a", "a"},
                                         {"a/b.py", "a/b.py"},
                                         {"./a/b.py", "a/b.py"},
                                         {"././a", "a"},
                                         {"a/", "a"},
                                         {"a//b", "a/b"},
                                         {"a/./b", "a/b"},
                                         {"a/x/../b", "a/b"},
                                         {"a/..", "."},
                                         {"a/../..", ".."},
                                         {"../a", "../a"},
                                         {"../../a/../b", "../../b"},
                                         {"../a/..", ".."},
                                         {"/", "/"},
                                         {"//", "/"},
                                         {"/a/", "/a"},
                                         {"//a//b/", "/a/b"},
                                         {"/..", "/"},
                                         {"/../a", "/a"},
                                         {"/p/./src/../a.py", "/p/a.py"},
                                         {"a\\b", "a\\b"},  // a backslash is a file-name byte on POSIX
                                         {"..a/b", "..a/b"},
                                         {"a/.b/..c", "a/.b/..c"}}) {
    EXPECT_EQ(canonicalize_path(c.in), c.out) << "'" << c.in << "'";
  }
}

// The canonical form is what std::filesystem's lexical normalisation gives, without a
// trailing separator: the helpers it replaced were built on it.
TEST(CanonicalizePath, AgreesWithLexicallyNormal) {
  for (const char* in : {"a/b/../c", "./x/./y/", "../../q", "/r/s/../../..", "a/b/c/../../d/", "x/../../y"}) {
    std::string want = std::filesystem::path(in).lexically_normal().generic_string();
    if (want.size() > 1 && want.back() == '/') want.pop_back();
    EXPECT_EQ(canonicalize_path(in), want) << in;
  }
}

TEST(PathInside, Cases) {
  struct Case {
    const char* path;
    const char* dir;
    std::optional<std::string> out;
  };
  for (const auto& c : std::vector<Case>{{"/p/src/a.py", "/p", "src/a.py"},
                                         {"/p/src/a.py", "/p/", "src/a.py"},
                                         {"/p", "/p", "."},
                                         {"/p/", "/p", "."},
                                         {"/pp/a.py", "/p", std::nullopt},
                                         {"/p/../q/a.py", "/p", std::nullopt},
                                         {"/a.py", "/", "a.py"},
                                         {"src/a.py", "/p", std::nullopt},
                                         {"/p/a.py", "p", std::nullopt},
                                         {"src/a.py", "src", "a.py"},
                                         {"src/a.py", ".", "src/a.py"},
                                         {"../a.py", ".", std::nullopt},
                                         {"../x/a.py", "../x", "a.py"},
                                         {"../../a.py", "..", std::nullopt}}) {
    EXPECT_EQ(path_inside(c.path, c.dir), c.out) << c.path << " in " << c.dir;
  }
}

// The quality gate's form (formerly gate::normalize_path).
TEST(ProjectPath, Cases) {
  struct Case {
    const char* in;
    const char* project_dir;
    const char* out;
  };
  for (const auto& c : std::vector<Case>{{"./src/a.py", "/p", "src/a.py"},
                                         {"file:///p/src/a.py", "/p", "src/a.py"},
                                         {"/elsewhere/a.py", "/p", "/elsewhere/a.py"},
                                         {"src/auth/", "", "src/auth"},
                                         // Plain paths take a shortcut; the rest must still be normalised.
                                         {" src/a.py ", "/p", "src/a.py"},
                                         {"src//a.py", "/p", "src/a.py"},
                                         {"src/./a.py", "/p", "src/a.py"},
                                         {"src/x/../a.py", "/p", "src/a.py"},
                                         {"../a.py", "/p", "../a.py"},
                                         {"a.py", "/p", "a.py"},
                                         {"/p", "/p", "."},
                                         {"/p/src/", "/p/", "src"},
                                         {"/p/src/a.py", "", "/p/src/a.py"},
                                         {"", "/p", ""}}) {
    EXPECT_EQ(project_path(c.in, c.project_dir), c.out) << "'" << c.in << "' in " << c.project_dir;
  }
}

TEST(DisplayPath, RelativeInsideTheProjectElseAsGiven) {
  aqe::testing::TempDir tmp("aqe-path-test");
  const std::filesystem::path& root = tmp.path();
  tmp.write("proj/src/a.py", "");
  tmp.write("out/t.py", "");
  EXPECT_EQ(display_path(root / "proj/src/a.py", root / "proj"), "src/a.py");
  EXPECT_EQ(display_path(root / "proj", root / "proj"), ".");
  EXPECT_EQ(display_path(root / "out/t.py", root / "proj"), (root / "out/t.py").generic_string());
  EXPECT_EQ(display_path(root / "out/t.py", root / "proj", Outside::kRelative), "../out/t.py");
  // Symlinks are resolved: a path through a link into the project is shown inside it.
  std::error_code ec;
  std::filesystem::create_directory_symlink(root / "proj", root / "link", ec);
  if (!ec) {
    EXPECT_EQ(display_path(root / "link/src/a.py", root / "proj"), "src/a.py");
  }
}

}  // namespace
}  // namespace aqe
