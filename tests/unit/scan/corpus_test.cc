// The labelled corpus (tests/data/scan/): every rule has true positives that must fire and
// near-misses that must not. Recall must be 100% and false positives zero.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "aqe/scan/rules.h"
#include "aqe/scan/scan_engine.h"
#include "aqe/util/strings.h"

namespace aqe::scan {
namespace {

namespace fs = std::filesystem;
const fs::path kData = fs::path(AQE_TEST_DATA_DIR) / "scan";
// Compiling the Hyperscan database takes seconds; the tests share one cached copy.
const fs::path kCacheDir = fs::temp_directory_path() / "aqe-unit-scan-cache";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class Corpus : public ::testing::Test {
 protected:
  void SetUp() override {
    auto e = ScanEngine::build({}, true, kCacheDir);
    ASSERT_TRUE(e.ok()) << e.error().message;
    engine_ = std::move(e.value());
    ASSERT_TRUE(engine_->init_worker(worker_).ok());
  }
  std::vector<std::string> rules_found(std::string_view text, std::string_view path) {
    std::vector<std::string> ids;
    for (const Finding& f : engine_->scan_text(text, path, worker_).findings) ids.push_back(f.rule_id);
    return ids;
  }
  std::unique_ptr<ScanEngine> engine_;
  ScanEngine::Worker worker_;
};

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + " ";
  return s;
}

TEST_F(Corpus, SecretRulesHaveFullRecallAndNoFalsePositives) {
  auto samples = nlohmann::json::parse(slurp(kData / "secrets.json"));
  const RuleSet& rules = builtin_rule_set();
  ASSERT_GE(rules.secrets.size(), 60u);
  int positives = 0, negatives = 0;
  for (const SecretRule& r : rules.secrets) {
    SCOPED_TRACE(r.id);
    ASSERT_TRUE(samples.contains(r.id)) << "no labelled samples for rule " << r.id;
    const auto& s = samples[r.id];
    ASSERT_FALSE(s["match"].empty());
    ASSERT_FALSE(s["no_match"].empty());
    for (const auto& text : s["match"]) {
      auto ids = rules_found(text.get<std::string>(), "sample.env");
      EXPECT_EQ(ids, std::vector<std::string>{r.id}) << "text: " << text << " found: " << joined(ids);
      ++positives;
    }
    for (const auto& text : s["no_match"]) {
      auto ids = rules_found(text.get<std::string>(), "sample.env");
      EXPECT_TRUE(ids.empty()) << "near-miss fired: " << text << " found: " << joined(ids);
      ++negatives;
    }
  }
  EXPECT_GE(positives, 60);
  EXPECT_GE(negatives, 60);
}

// Per-family samples as files of their own type (.env, YAML, Dockerfile, key files...), the
// same data bench/secrets_recall.py counts: every positive is found, no negative fires.
TEST_F(Corpus, SecretFamiliesAreFoundInTheirFileTypes) {
  auto families = nlohmann::json::parse(slurp(kData / "families.json"));
  int positives = 0;
  for (const auto& [family, samples] : families.items()) {
    SCOPED_TRACE(family);
    for (const auto& s : samples["match"]) {
      auto ids = rules_found(s["text"].get<std::string>(), s["path"].get<std::string>());
      EXPECT_FALSE(ids.empty()) << s["path"] << ": " << s["text"];
      ++positives;
    }
    for (const auto& s : samples["no_match"]) {
      auto ids = rules_found(s["text"].get<std::string>(), s["path"].get<std::string>());
      std::erase_if(ids, [](const std::string& id) { return id.starts_with("py-"); });
      EXPECT_TRUE(ids.empty()) << s["path"] << ": " << s["text"] << " found: " << joined(ids);
    }
  }
  EXPECT_GE(positives, 50);
}

// The unquoted rule takes the character before a bare `pass` name (there is no lookbehind):
// the finding still starts at the name, on its line; a Python file never runs the rule.
TEST_F(Corpus, BarePassNameIsFoundOnItsOwnLineInConfigFilesOnly) {
  const std::string text = "HOST=db.internal\nPASS=hzjlin157#x\n";
  auto out = engine_->scan_text(text, "deploy/.env", worker_);
  ASSERT_EQ(out.findings.size(), 1u);
  EXPECT_EQ(out.findings[0].rule_id, "generic-unquoted-assignment");
  EXPECT_EQ(out.findings[0].line, 2);
  EXPECT_EQ(out.findings[0].column, 1);
  EXPECT_TRUE(rules_found("def f():\n    pass\nPASS=hzjlin157#x\n", "app/settings.py").empty());
  EXPECT_TRUE(rules_found("bypass=hzjlin157#x\ncompass: n0rth33ast\n", "config/app.yaml").empty());
  // `_PASSWORD`: Hyperscan's leftmost match starts at the `_` the bare-`pass` alternative takes.
  EXPECT_EQ(rules_found("ARG DB_PASSWORD=heemnq362#\n", "Dockerfile"),
            std::vector<std::string>{"generic-unquoted-assignment"});
}

TEST_F(Corpus, CodeRulesHaveFullRecallAndNoFalsePositives) {
  const RuleSet& rules = builtin_rule_set();
  ASSERT_GE(rules.code.size(), 15u);
  for (const CodeRuleMeta& r : rules.code) {
    SCOPED_TRACE(r.id);
    fs::path tp = kData / "python" / (r.id + ".tp.py");
    fs::path nm = kData / "python" / (r.id + ".nm.py");
    ASSERT_TRUE(fs::exists(tp)) << tp;
    ASSERT_TRUE(fs::exists(nm)) << nm;
    auto found = rules_found(slurp(tp), "app/" + r.id + ".py");
    ASSERT_FALSE(found.empty()) << "true positive missed";
    EXPECT_EQ(std::set<std::string>(found.begin(), found.end()), std::set<std::string>{r.id})
        << joined(found);
    auto quiet = rules_found(slurp(nm), "app/" + r.id + ".py");
    EXPECT_TRUE(quiet.empty()) << "near-miss fired: " << joined(quiet);
  }
}

// Samples with `# expect: RULE` on each line that must fire (tests/data/scan/python/ and
// python_labelled/): exactly those lines and rules are found; python_labelled/*.nm.py is quiet.
TEST_F(Corpus, LabelledLinesFireExactly) {
  int expected_total = 0, found_total = 0;
  for (const char* dir : {"python", "python_labelled"}) {
    for (const auto& entry : fs::directory_iterator(kData / dir)) {
      const std::string name = entry.path().filename().string();
      SCOPED_TRACE(name);
      const std::string text = slurp(entry.path());
      std::set<std::pair<int, std::string>> expected, found;
      std::istringstream lines(text);
      std::string line;
      for (int n = 1; std::getline(lines, line); ++n) {
        size_t at = line.find("# expect: ");
        if (at != std::string::npos) expected.insert({n, line.substr(at + 10)});
      }
      const bool labelled_nm = std::string(dir) == "python_labelled" && ends_with(name, ".nm.py");
      if (expected.empty() && !labelled_nm) continue;
      // A secret rule that reports the same literal takes the place of py-hardcoded-password.
      for (const Finding& f : engine_->scan_text(text, "app/" + name, worker_).findings)
        found.insert({f.line, f.category == "secret" ? "py-hardcoded-password" : f.rule_id});
      for (const auto& e : expected) {
        if (found.count(e) != 0) ++found_total;
        EXPECT_EQ(found.count(e), 1u) << "line " << e.first << " missed " << e.second;
      }
      for (const auto& f : found)
        EXPECT_EQ(expected.count(f), 1u) << "line " << f.first << " unexpected " << f.second;
      expected_total += static_cast<int>(expected.size());
    }
  }
  std::printf("labelled code-rule lines found: %d/%d\n", found_total, expected_total);
  EXPECT_GE(expected_total, 60);
}

TEST_F(Corpus, SecretSnippetsAreRedacted) {
  std::string key = "ghp_" + std::string("aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5");
  auto out = engine_->scan_text("token = \"" + key + "\"\n", "x.env", worker_);
  ASSERT_EQ(out.findings.size(), 1u);
  EXPECT_EQ(out.findings[0].snippet, "ghp_****");
  EXPECT_EQ(out.findings[0].line, 1);
  EXPECT_EQ(out.findings[0].column, 10);
}

TEST_F(Corpus, InlineMarkersSuppress) {
  std::string key = "ghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5";
  auto a = engine_->scan_text("t = \"" + key + "\"  # aqe:allow\n", "x.py", worker_);
  auto b = engine_->scan_text("t = \"" + key + "\"  # gitleaks:allow\n", "x.py", worker_);
  auto c = engine_->scan_text("import os\nos.system(cmd)  # nosec\n", "x.py", worker_);
  auto d = engine_->scan_text("t = \"" + key + "\"  # nosec\n", "x.py", worker_);
  EXPECT_TRUE(a.findings.empty());
  EXPECT_EQ(a.suppressed, 1);
  EXPECT_TRUE(b.findings.empty());
  EXPECT_TRUE(c.findings.empty());
  EXPECT_EQ(c.suppressed, 1);
  EXPECT_EQ(d.findings.size(), 1u) << "nosec is for code rules only";
}

TEST_F(Corpus, CodeRulesIgnoreCommentsAndStringsAndSpanLines) {
  EXPECT_TRUE(rules_found("# os.system(x)\ns = 'subprocess.run(c, shell=True)'\n", "a.py").empty());
  auto ids = rules_found("import subprocess\nsubprocess.call(\n    cmd,\n    shell=True)\n", "a.py");
  EXPECT_EQ(ids, std::vector<std::string>{"py-subprocess-shell"});
}

TEST_F(Corpus, UnparseablePythonWarnsAndStillFindsSecrets) {
  auto out = engine_->scan_text("def f(:\n  os.system(x)\nk = \"ghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5\"\n",
                                "bad.py", worker_);
  EXPECT_FALSE(out.warning.empty());
  ASSERT_EQ(out.findings.size(), 1u);
  EXPECT_EQ(out.findings[0].rule_id, "github-pat");
}

TEST_F(Corpus, FingerprintIgnoresLineMoves) {
  std::string key = "ghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5";
  auto a = engine_->scan_text("t = \"" + key + "\"\n", "x.py", worker_);
  auto b = engine_->scan_text("\n\n# moved\nt = \"" + key + "\"\n", "x.py", worker_);
  auto c = engine_->scan_text("import os\nos.system(cmd)\n", "y.py", worker_);
  auto d = engine_->scan_text("import os\n\n\nos.system( cmd )\n", "y.py", worker_);
  ASSERT_EQ(a.findings.size(), 1u);
  ASSERT_EQ(b.findings.size(), 1u);
  EXPECT_EQ(a.findings[0].fingerprint, b.findings[0].fingerprint);
  EXPECT_NE(a.findings[0].line, b.findings[0].line);
  ASSERT_EQ(c.findings.size(), 1u);
  ASSERT_EQ(d.findings.size(), 1u);
  EXPECT_EQ(c.findings[0].fingerprint, d.findings[0].fingerprint);
}

TEST(ShannonEntropy, KnownValues) {
  EXPECT_DOUBLE_EQ(shannon_entropy(""), 0.0);
  EXPECT_DOUBLE_EQ(shannon_entropy("aaaa"), 0.0);
  EXPECT_DOUBLE_EQ(shannon_entropy("abab"), 1.0);
  EXPECT_DOUBLE_EQ(shannon_entropy("abcd"), 2.0);
}

}  // namespace
}  // namespace aqe::scan

namespace aqe::scan {
namespace {

TEST(RuleDocs, EveryRuleIsDocumented) {
  std::string doc = slurp(fs::path(AQE_TEST_DATA_DIR).parent_path().parent_path() / "docs" / "rules.md");
  for (const RuleInfo& r : builtin_rules()) {
    EXPECT_NE(doc.find("`" + r.id + "`"), std::string::npos) << r.id << " missing from docs/rules.md";
  }
}

}  // namespace
}  // namespace aqe::scan
