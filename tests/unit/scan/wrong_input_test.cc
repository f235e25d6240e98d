// Manifests, lock files, baselines and scanned files that crashed the scanner before issue 12
// (std::regex stack overflow, toml++ assertions, nlohmann type errors, bytes that are not UTF-8).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "aqe/scan/baseline.h"
#include "aqe/scan/deps.h"
#include "aqe/scan/scan.h"
#include "temp_dir.h"

namespace aqe::scan {
namespace {

namespace fs = std::filesystem;

bool warned(const ManifestRead& r, const std::string& needle) {
  for (const auto& w : r.warnings)
    if (w.find(needle) != std::string::npos) return true;
  return false;
}

TEST(ScanWrongInput, AVeryLongRequirementIsAWarning) {
  ManifestRead r;
  read_requirements("requests==2.19.0\n" + std::string(300000, 'a') + "==1.0\n",
                    "/nonexistent-aqe/requirements.txt", "requirements.txt", r);
  ASSERT_EQ(r.dependencies.size(), 1u);
  EXPECT_TRUE(warned(r, "requirements.txt:2: requirement longer than")) << r.warnings.size();
  ManifestRead v;
  read_requirements("requests==" + std::string(300000, '1') + "\n", "/nonexistent-aqe/r.txt", "r.txt", v);
}

TEST(ScanWrongInput, LockFilesWithWrongTypesOrBadNumbersAreWarnings) {
  ManifestRead r;
  read_package_lock(R"({"packages": {"node_modules/a": {"version": "1.0.0", "link": "yes"}}})",
                    "package-lock.json", r);
  EXPECT_EQ(r.dependencies.size(), 1u);
  ManifestRead overflow;
  read_pipfile_lock("{\n  \"default\": {\"a\": {\"version\": 1e999}}}", "Pipfile.lock", overflow);
  EXPECT_TRUE(warned(overflow, "Pipfile.lock:2:")) << (overflow.warnings.empty() ? "" : overflow.warnings[0]);
  ManifestRead deep;
  read_package_lock("{\"dependencies\": " + std::string(100000, '[') + std::string(100000, ']') + "}",
                    "package-lock.json", deep);
  EXPECT_TRUE(warned(deep, "nesting deeper than"));
}

// toml++ 3.3 aborted on these in debug builds (an assertion before its own parse error).
TEST(ScanWrongInput, MalformedTomlIsAWarningNotAnAbort) {
  for (const char* text : {"[project]\ndependencies = [}\n", "[[[1]]]\n", "a = {}}\n"}) {
    ManifestRead r;
    read_pyproject(text, "pyproject.toml", r);
    EXPECT_FALSE(r.warnings.empty()) << text;
  }
}

TEST(ScanWrongInput, BaselineErrorsNameThePosition) {
  auto bad = parse_baseline("{\"findings\": [1e999]}", "b.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("b.json:1:15"), std::string::npos) << bad.error().message;
  auto typed = parse_baseline(R"({"findings": [5, {"fingerprint": 7}, {"fingerprint": "ab"}]})", "b.json");
  ASSERT_TRUE(typed.ok());
  EXPECT_EQ(typed->size(), 1u);
  EXPECT_FALSE(parse_baseline(R"({"findings": {}})", "b.json").ok());
}

TEST(ScanWrongInput, ReportsOfAFileNamedWithBytesThatAreNotUtf8) {
  ScanReport r;
  Finding f;
  f.rule_id = "aws-access-key-id";
  f.category = "secret";
  f.severity = Severity::kCritical;
  f.file =
      "src/k\xff"
      "ey.py";
  f.line = 1;
  f.column = 12;
  f.fingerprint = "cbec28bf906877eb";
  r.findings.push_back(f);
  const auto sarif = nlohmann::json::parse(to_sarif(r));
  EXPECT_EQ(sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "src/k%FFey.py");  // the byte percent-encoded: a valid URI
  aqe::testing::TempDir tmp{"aqe-baseline-test"};
  ASSERT_TRUE(write_baseline(tmp.path() / "b.json", r.findings).ok());
  auto read = read_baseline(tmp.path() / "b.json");
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->count("cbec28bf906877eb"), 1u);
}

// The SQL rule's std::regex recursed per character of the string and overflowed the stack.
TEST(ScanWrongInput, AHugeSqlStringIsScannedNotACrash) {
  aqe::testing::TempDir tmp{"aqe-scan-sql"};
  tmp.write("q.py", "def f(x, c):\n    c.execute(f\"select {x} " + std::string(600000, 'a') + " from t\")\n");
  ScanOptions o;
  o.paths = {tmp.path()};
  o.threads = 1;
  o.cache_dir = fs::temp_directory_path() / "aqe-unit-scan-cache";
  auto r = run_scan(o);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->files_scanned, 1u);
}

}  // namespace
}  // namespace aqe::scan
