#include "aqe/config/sections.h"

#include <gtest/gtest.h>

#include "aqe/util/fs.h"
#include "temp_dir.h"

namespace aqe::config {
namespace {

class SecurityRules : public ::testing::Test {
 protected:
  Result<Config> load(const std::string& fleet) {
    EXPECT_TRUE(write_file_atomic(tmp_.path() / "config" / "qe-fleet.json", fleet).ok());
    LoadOptions o;
    o.project_dir = tmp_.path();
    return load_config(o);
  }
  aqe::testing::TempDir tmp_{"aqe-sections-test"};
};

TEST_F(SecurityRules, EveryMemberIsRead) {
  auto c = load(R"({"security": {"rules": [
    {"id": "acme", "description": "ACME key", "severity": "critical", "regex": "ACME-[0-9]+",
     "keywords": ["acme"], "entropy": 2.5, "allowlist": ["^ACME-0+$"]}]}})");
  ASSERT_TRUE(c.ok()) << c.error().message;
  auto rules = security_rules(*c);
  ASSERT_EQ(rules.size(), 1u);
  const SecretRuleEntry& r = rules[0];
  EXPECT_EQ(r.id, "acme");
  EXPECT_EQ(r.description, "ACME key");
  EXPECT_EQ(r.severity, "critical");
  EXPECT_EQ(r.regex, "ACME-[0-9]+");
  EXPECT_EQ(r.keywords, std::vector<std::string>{"acme"});
  EXPECT_DOUBLE_EQ(r.entropy, 2.5);
  EXPECT_EQ(r.allowlist, std::vector<std::string>{"^ACME-0+$"});
  EXPECT_EQ(r.origin, (tmp_.path() / "config" / "qe-fleet.json").string() + ": security.rules[0]");
}

TEST_F(SecurityRules, MissingMembersGetTheTableDefaults) {
  auto c = load(R"({"security": {"rules": [{"id": "a", "regex": "x"}, {"id": "b", "regex": "y"}]}})");
  ASSERT_TRUE(c.ok()) << c.error().message;
  auto rules = security_rules(*c);
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[1].id, "b");
  EXPECT_EQ(rules[1].severity, "high");
  EXPECT_EQ(rules[1].entropy, 0.0);
  EXPECT_TRUE(rules[1].allowlist.empty());
  EXPECT_TRUE(rules[1].description.empty());
  EXPECT_NE(rules[1].origin.find("security.rules[1]"), std::string::npos);
}

TEST_F(SecurityRules, NoneWithoutTheSection) {
  auto c = load(R"({"security": {"exclude": ["vendor/*"]}})");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(security_rules(*c).empty());
}

}  // namespace
}  // namespace aqe::config
