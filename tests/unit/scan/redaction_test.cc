// Secrets in findings: one redaction for every output, fingerprints that cannot confirm a
// guess of the secret, and baselines written before version 2 still matching.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "aqe/scan/baseline.h"
#include "aqe/scan/scan_engine.h"

namespace aqe::scan {
namespace {

namespace fs = std::filesystem;
const fs::path kCacheDir = fs::temp_directory_path() / "aqe-unit-scan-cache";

class Redaction : public ::testing::Test {
 protected:
  void SetUp() override {
    auto e = ScanEngine::build({}, true, kCacheDir);
    ASSERT_TRUE(e.ok()) << e.error().message;
    engine_ = std::move(e.value());
    ASSERT_TRUE(engine_->init_worker(worker_).ok());
  }
  std::vector<Finding> scan(const std::string& text, const std::string& path) {
    return engine_->scan_text(text, path, worker_).findings;
  }
  std::unique_ptr<ScanEngine> engine_;
  ScanEngine::Worker worker_;
};

TEST(Redact, ShowsAtMostAQuarterAndAtMostFour) {
  EXPECT_EQ(redact("letmein"), "l****");
  EXPECT_EQ(redact("Summer"), "S****");
  EXPECT_EQ(redact("abc"), "****");
  EXPECT_EQ(redact("ghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5"), "ghp_****");
  EXPECT_EQ(redact_span("pw = \"letmein\"", 6, 7), "pw = \"l****\"");
}

TEST_F(Redaction, HardcodedPasswordSnippetIsRedacted) {
  auto found = scan("def connect(db):\n    admin_password = \"letmein\"\n", "app/db.py");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].rule_id, "py-hardcoded-password");
  EXPECT_EQ(found[0].snippet, "admin_password = \"l****\"");
  EXPECT_EQ(found[0].snippet.find("letmein"), std::string::npos);
  auto triple = scan("admin_password = '''letmein'''\n", "app/db.py");
  ASSERT_EQ(triple.size(), 1u);
  EXPECT_EQ(triple[0].snippet, "admin_password = '''l****'''");
}

// A fingerprint that hashed the secret let a guess be checked offline (Summer2024! in ~2,600
// guesses): two files that differ only in the secret must have the same fingerprint.
TEST_F(Redaction, FingerprintDoesNotDependOnTheSecret) {
  auto a = scan("admin_password = \"Summer2024!\"\n", "app/db.py");
  auto b = scan("admin_password = \"Winter2023?\"\n", "app/db.py");
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(a[0].fingerprint, b[0].fingerprint);
  EXPECT_NE(a[0].fingerprint, fingerprint(a[0].rule_id, "app/db.py", "Summer2024!"));
  auto c = scan("t = \"ghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5\"\n", "x.env");
  auto d = scan("t = \"ghp_zB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG6\"\n", "x.env");
  ASSERT_EQ(c.size(), 1u);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(c[0].fingerprint, d[0].fingerprint);
  EXPECT_NE(c[0].fingerprint, fingerprint("github-pat", "x.env", "ghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5"));
  // Two same-shaped lines of one file stay two baseline entries.
  auto e = scan(
      "t = \"ghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5\"\nt = \"ghp_zB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG6\"\n",
      "x.env");
  ASSERT_EQ(e.size(), 2u);
  EXPECT_NE(e[0].fingerprint, e[1].fingerprint);
}

TEST_F(Redaction, LegacyFingerprintIsTheVersionOneHash) {
  auto c = scan("t = \"ghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5\"\n", "x.env");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].legacy_fingerprint,
            fingerprint("github-pat", "x.env", "ghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5"));
}

TEST(BaselineVersion, ReadsVersionAndDefaultsToOne) {
  int v = 0;
  ASSERT_TRUE(parse_baseline(R"({"findings": []})", "b.json", &v).ok());
  EXPECT_EQ(v, 1);
  ASSERT_TRUE(parse_baseline(R"({"version": 2, "findings": []})", "b.json", &v).ok());
  EXPECT_EQ(v, 2);
}

}  // namespace
}  // namespace aqe::scan
