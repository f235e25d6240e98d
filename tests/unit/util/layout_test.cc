// util/layout.h: which directories hold a project's code when no configured one exists.
#include "aqe/util/layout.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "../temp_dir.h"

namespace aqe {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> names(const SourceLayout& l, const fs::path& root) {
  std::vector<std::string> out;
  for (const auto& d : l.dirs) out.push_back(d.lexically_relative(fs::absolute(root)).string());
  return out;
}

TEST(SourceLayout, ConfiguredDirectoriesThatExistComeFirst) {
  testing::TempDir t;
  t.write("lib/a.py", "");
  t.write("pkg/__init__.py", "");
  const SourceLayout l = find_source_layout(t.path(), {"lib", "nope"}, {"tests"});
  EXPECT_EQ(names(l, t.path()), std::vector<std::string>{"lib"});
  EXPECT_EQ(l.missing, std::vector<std::string>{"nope"});
  EXPECT_FALSE(l.detected);
}

TEST(SourceLayout, SrcLayoutWhenNoConfiguredDirectoryExists) {
  testing::TempDir t;
  t.write("src/pkg/__init__.py", "");
  t.write("other/__init__.py", "");
  const SourceLayout l = find_source_layout(t.path(), {"lib"}, {"tests"});
  EXPECT_EQ(names(l, t.path()), std::vector<std::string>{"src"});
  EXPECT_EQ(l.missing, std::vector<std::string>{"lib"});
  EXPECT_TRUE(l.detected);
}

TEST(SourceLayout, FlatLayoutIsItsTopLevelPackagesWithoutTestsDocsOrBuildOutput) {
  testing::TempDir t;
  for (const char* pkg :
       {"zeta", "alpha", "tests", "test", "testing", "docs", "build", ".venv", "unit", "alpha.egg-info"}) {
    t.write(std::string(pkg) + "/__init__.py", "");
  }
  t.write("scripts/run.py", "");  // not a package
  t.write("setup.py", "");
  const SourceLayout l = find_source_layout(t.path(), {"src"}, {"unit"});
  EXPECT_EQ(names(l, t.path()), (std::vector<std::string>{"alpha", "zeta"}));
  EXPECT_TRUE(l.detected);
}

TEST(SourceLayout, AModuleProjectHasNoSourceDirectory) {
  testing::TempDir t;
  t.write("six.py", "");
  t.write("tests/__init__.py", "");
  const SourceLayout l = find_source_layout(t.path(), {"src"}, {"tests"});
  EXPECT_TRUE(l.dirs.empty());
  EXPECT_TRUE(l.detected);
}

}  // namespace
}  // namespace aqe
