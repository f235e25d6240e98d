// The folders of src/aqe/ depend downward only: shared data and mechanisms below, features
// above them (never one feature on another's internals), cli/ on top. A new folder must be
// placed in this table before it builds a passing test suite.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>

namespace {

namespace fs = std::filesystem;

const std::set<std::string> kShared = {"util", "exec",  "config", "results", "coverage", "git",
                                       "net",  "state", "ci",     "store",   "llm",      "changes"};
const std::set<std::string> kFeatures = {"execute", "gen", "scan", "gate", "report", "usage"};

// What each shared folder may include (besides itself).
const std::map<std::string, std::set<std::string>> kSharedDeps = {
    {"util", {}},
    {"exec", {"util"}},
    {"config", {"util"}},
    {"results", {"util"}},
    {"coverage", {"util", "exec"}},
    {"git", {"util", "exec"}},
    {"net", {"util", "exec"}},
    {"state", {"util", "coverage"}},
    {"ci", {"util", "git", "exec"}},
    {"changes", {"util", "git", "exec", "ci"}},
    {"store", {"util", "net", "config"}},
    {"llm", {"util", "net"}},
};

bool allowed(const std::string& from, const std::string& to) {
  if (from == to || from == "cli") return true;
  if (kFeatures.count(from)) return kShared.count(to) > 0;
  auto it = kSharedDeps.find(from);
  return it != kSharedDeps.end() && it->second.count(to) > 0;
}

TEST(Layering, FoldersIncludeDownwardOnly) {
  const fs::path src = fs::path(AQE_SOURCE_DIR) / "src" / "aqe";
  const std::regex include(R"(#include\s+"aqe/([a-z_]+)/[^"]+")");
  size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(src)) {
    const fs::path& p = entry.path();
    if (p.extension() != ".cc" && p.extension() != ".h") continue;
    const std::string from = p.lexically_relative(src).begin()->string();
    ASSERT_TRUE(from == "cli" || kFeatures.count(from) || kShared.count(from))
        << "src/aqe/" << from << " is in no layer: add it to tests/unit/layering_test.cc";
    ++files;
    std::ifstream in(p);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      ++n;
      std::smatch m;
      if (!std::regex_search(line, m, include)) continue;
      EXPECT_TRUE(allowed(from, m[1].str())) << p.lexically_relative(src).string() << ":" << n << " includes "
                                             << m[1].str() << "/ (" << from << "/ may not)";
    }
  }
  EXPECT_GT(files, 50u);
}

}  // namespace
