// run_scan end to end on temporary trees: walking rules, skips, baseline, fail-on, custom rules.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "aqe/scan/scan.h"
#include "aqe/util/fs.h"
#include "temp_dir.h"

namespace aqe::scan {
namespace {

namespace fs = std::filesystem;

const std::string kKey = "ghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5";

class RunScan : public ::testing::Test {
 protected:
  void write(const std::string& rel, const std::string& content) { tmp_.write(rel, content); }
  ScanReport scan(ScanOptions o = {}) {
    if (o.paths.empty()) o.paths = {root_};
    o.threads = 2;
    o.cache_dir = fs::temp_directory_path() / "aqe-unit-scan-cache";
    auto r = run_scan(o);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? r.value() : ScanReport{};
  }
  std::vector<std::string> files_with_findings(const ScanReport& r) {
    std::vector<std::string> out;
    for (const auto& f : r.findings)
      out.push_back(fs::path(f.file).lexically_relative(root_).generic_string());
    return out;
  }
  aqe::testing::TempDir tmp_{"aqe-scan-test"};
  fs::path root_ = tmp_.path();
};

// A tree of Python files only is scanned without the database of every rule (the config-file
// rules never run on Python); one other file brings it back, and its config rules run.
TEST_F(RunScan, PythonOnlyTreesFindTheSameAndMixedTreesKeepTheConfigRules) {
  write("pkg/a.py", "k = \"" + kKey + "\"\nDB_PASSWORD=hunter2isnotsafe\n");
  auto only_python = scan();
  ASSERT_EQ(only_python.findings.size(), 1u);
  EXPECT_EQ(only_python.findings[0].rule_id, "github-pat");
  write("deploy.env", "DB_PASSWORD=hunter2isnotsafe\n");
  auto mixed = scan();
  std::vector<std::string> rules;
  for (const auto& f : mixed.findings)
    rules.push_back(f.rule_id + " " + fs::path(f.file).filename().string());
  std::sort(rules.begin(), rules.end());
  EXPECT_EQ(rules, (std::vector<std::string>{"generic-unquoted-assignment deploy.env", "github-pat a.py"}));
}

TEST_F(RunScan, HonoursGitignoreAndExcludes) {
  fs::create_directories(root_ / ".git");
  write(".gitignore", "*.log\nbuild/\n!keep.log\n");
  write("a.py", "k = \"" + kKey + "\"\n");
  write("x.log", kKey + "\n");
  write("keep.log", kKey + "\n");
  write("build/out.txt", kKey + "\n");
  write("pkg/.gitignore", "/gen.txt\n");
  write("pkg/gen.txt", kKey + "\n");
  write("pkg/sub/gen.txt", kKey + "\n");
  write("vendor/lib.txt", kKey + "\n");
  ScanOptions o;
  o.excludes = {"vendor/"};
  auto r = scan(o);
  auto files = files_with_findings(r);
  std::sort(files.begin(), files.end());
  EXPECT_EQ(files, (std::vector<std::string>{"a.py", "keep.log", "pkg/sub/gen.txt"}));
}

TEST_F(RunScan, SkipsBinaryLargeAndLoopingFiles) {
  write("bin.dat", std::string("abc\0def", 7) + kKey);
  write("big.txt", std::string(3000, 'a') + kKey);
  write("ok.txt", kKey);
  fs::create_directories(root_ / "d");
  fs::create_directory_symlink(root_, root_ / "d" / "loop");
  ScanOptions o;
  o.max_file_size = 2048;
  auto r = scan(o);
  EXPECT_EQ(r.findings.size(), 1u);
  std::map<std::string, std::string> reasons;
  for (const auto& s : r.skipped) reasons[fs::path(s.file).filename().string()] = s.reason;
  EXPECT_EQ(reasons["bin.dat"], "binary");
  EXPECT_NE(reasons["big.txt"].find("too large"), std::string::npos);
  EXPECT_EQ(reasons["loop"], "symlink not followed (--follow-links)");
  o.follow_links = true;
  reasons.clear();
  for (const auto& s : scan(o).skipped) reasons[fs::path(s.file).filename().string()] = s.reason;
  EXPECT_EQ(reasons["loop"], "symlink loop");
}

TEST_F(RunScan, LinksOutOfTheTreeAreNotFollowedAndEachRealFileIsScannedOnce) {
  aqe::testing::TempDir outside{"aqe-scan-outside"};
  { std::ofstream(outside.path() / "secret.txt") << kKey; }
  write("ok.txt", kKey);
  fs::create_directory_symlink(outside.path(), root_ / "out");
  fs::create_symlink(root_ / "ok.txt", root_ / "again.txt");
  auto r = scan();
  EXPECT_EQ(files_with_findings(r), (std::vector<std::string>{"ok.txt"}));
  ScanOptions o;
  o.follow_links = true;
  auto followed = scan(o);
  auto files = files_with_findings(followed);
  std::sort(files.begin(), files.end());
  // again.txt is ok.txt: one finding for the real file, the link listed as the same file.
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(fs::path(files[1]).filename(), "secret.txt");
  bool same = false;
  for (const auto& s : followed.skipped) same = same || s.reason.rfind("same file as", 0) == 0;
  EXPECT_TRUE(same);
}

TEST_F(RunScan, LinksFanningOutAreWalkedOnce) {
  // d0/{a,b} -> d1, d1/{a,b} -> d2 ...: 2^20 paths if each link were walked.
  for (int i = 0; i <= 20; ++i) fs::create_directories(root_ / ("d" + std::to_string(i)));
  for (int i = 0; i < 20; ++i) {
    for (const char* n : {"a", "b"})
      fs::create_directory_symlink(root_ / ("d" + std::to_string(i + 1)),
                                   root_ / ("d" + std::to_string(i)) / n);
  }
  write("d20/k.txt", kKey);
  ScanOptions o;
  o.follow_links = true;
  auto r = scan(o);
  EXPECT_EQ(r.findings.size(), 1u);
}

TEST_F(RunScan, StopsWhenCancelled) {
  for (int i = 0; i < 50; ++i) write("f" + std::to_string(i) + ".txt", kKey);
  ScanOptions o;
  int asked = 0;
  o.cancelled = [&] { return ++asked > 10; };
  o.paths = {root_};
  auto r = run_scan(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "INTERRUPTED");
}

TEST_F(RunScan, UnreadableFileIsReportedAndScanGoesOn) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads everything";
  write("locked.txt", kKey);
  write("ok.txt", kKey);
  fs::permissions(root_ / "locked.txt", fs::perms::none);
  auto r = scan();
  EXPECT_EQ(r.findings.size(), 1u);
  ASSERT_EQ(r.skipped.size(), 1u);
  EXPECT_NE(r.skipped[0].reason.find("unreadable"), std::string::npos);
}

TEST_F(RunScan, BaselineHidesKnownFindingsEvenAfterLineMoves) {
  write("a.py", "k = \"" + kKey + "\"\n");
  ScanOptions o;
  o.write_baseline = root_ / ".aqe" / "baseline.json";
  auto first = scan(o);
  ASSERT_EQ(first.findings.size(), 1u);
  write("a.py", "\n\nimport os\nk = \"" + kKey + "\"\nos.system(cmd)\n");
  ScanOptions again;
  again.paths = {root_ / "a.py"};
  again.baseline = root_ / ".aqe" / "baseline.json";
  auto second = scan(again);
  EXPECT_EQ(second.baselined, 1);
  ASSERT_EQ(second.findings.size(), 1u);
  EXPECT_EQ(second.findings[0].rule_id, "py-os-system");
}

TEST_F(RunScan, SeverityFloorAndFailOn) {
  write("a.py", "import os\nos.system(cmd)\nk = \"" + kKey + "\"\n");
  ScanOptions o;
  o.severity_floor = Severity::kHigh;
  o.fail_on = Severity::kCritical;
  auto r = scan(o);
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].rule_id, "github-pat");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.counts["critical"], 1);
  EXPECT_EQ(r.counts["medium"], 0);
  ScanOptions lenient;
  lenient.fail_on = Severity::kCritical;
  write("a.py", "import os\nos.system(cmd)\n");
  EXPECT_EQ(scan(lenient).exit_code, 0);
}

TEST_F(RunScan, CustomRuleFindsAndInvalidRegexNamesTheRule) {
  write("a.txt", "internal key: ACME-1234567890abcdef\n");
  ScanOptions o;
  o.paths = {root_};
  o.custom_rules.push_back(
      {"acme-key", "ACME key", "high", "ACME-[0-9a-f]{16}", {}, 0.0, {}, "cfg.json: security.rules[0]"});
  auto r = scan(o);
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].rule_id, "acme-key");
  o.custom_rules[0].regex = "ACME-[0-9a-f{16";
  o.cache_dir = fs::temp_directory_path() / "aqe-unit-scan-cache";
  auto bad = run_scan(o);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().exit_code, ExitCode::kUsage);
  EXPECT_NE(bad.error().message.find("acme-key"), std::string::npos);
  EXPECT_NE(bad.error().message.find("security.rules[0]"), std::string::npos);
}

TEST_F(RunScan, MissingPathIsAUsageError) {
  ScanOptions o;
  o.paths = {root_ / "nope"};
  auto r = run_scan(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().exit_code, ExitCode::kUsage);
}

TEST_F(RunScan, SarifHasRulesLocationsAndFingerprints) {
  write("a.py", "import os\nos.system(cmd)\nk = \"" + kKey + "\"\n");
  auto r = scan();
  auto sarif = nlohmann::json::parse(to_sarif(r));
  EXPECT_EQ(sarif["version"], "2.1.0");
  const auto& run = sarif["runs"][0];
  EXPECT_EQ(run["tool"]["driver"]["rules"].size(), 2u);
  for (const auto& rule : run["tool"]["driver"]["rules"])
    EXPECT_FALSE(rule["help"]["text"].get<std::string>().empty());
  ASSERT_EQ(run["results"].size(), 2u);
  for (const auto& res : run["results"]) {
    EXPECT_GE(res["locations"][0]["physicalLocation"]["region"]["startLine"].get<int>(), 1);
    EXPECT_EQ(res["partialFingerprints"]["aqeFingerprint/v2"].get<std::string>().size(), 16u);
  }
  auto j = to_json(r);
  EXPECT_EQ(j["findings"][1]["snippet"], "ghp_****");
  EXPECT_EQ(j["counts"]["critical"], 1);
}

}  // namespace
}  // namespace aqe::scan
