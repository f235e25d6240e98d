// Config input that crashed or slipped through before issue 12: numbers that overflow a double,
// deep nesting, duplicate keys, non-finite and absurd flag values, credentials in URLs.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "aqe/config/config.h"

namespace aqe::config {
namespace {

struct FileCase {
  ConfigFile kind;
  std::string text;
  int line, column;
  std::string in_message;
};

TEST(ConfigHardening, OverflowAndDepthAreParseErrorsWithPositionInEveryFile) {
  const std::string deep = "{\"a\": " + std::string(100000, '[') + std::string(100000, ']') + "}";
  const FileCase cases[] = {
      {ConfigFile::kFleet, "{\"execute\": {\"timeout_s\": 1e999}}", 1, 27, "number overflow parsing '1e999'"},
      {ConfigFile::kGates, "{\n  \"threshold\": -1e999\n}", 2, 16, "number overflow"},
      {ConfigFile::kStorage, "{\"retention\": {\"default_days\": 1e400}}", 1, 32, "number overflow"},
      {ConfigFile::kFleet, deep, 1, 7 + 127, "nesting deeper than 128 levels"},
  };
  for (const auto& c : cases) {
    auto issues = validate_text(c.kind, "config/x.json", c.text);
    ASSERT_EQ(issues.size(), 1u) << c.in_message;
    EXPECT_EQ(issues[0].code, "CONFIG_PARSE");
    EXPECT_EQ(issues[0].line, c.line) << issues[0].message;
    EXPECT_EQ(issues[0].column, c.column) << issues[0].message;
    EXPECT_NE(issues[0].message.find(c.in_message), std::string::npos) << issues[0].message;
  }
}

TEST(ConfigHardening, DuplicateKeysAreErrorsAtTheRepeatedKey) {
  auto issues = validate_text(ConfigFile::kFleet, "config/qe-fleet.json",
                              "{\"execute\": {\"workers\": 2,\n  \"retries\": 1,\n  \"workers\": 3}}");
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].code, "CONFIG_DUPLICATE_KEY");
  EXPECT_EQ(issues[0].key, "execute.workers");
  EXPECT_EQ(issues[0].location(), "config/qe-fleet.json:3:3");
  // The same key spelt with an escape is the same key to nlohmann.
  issues = validate_text(ConfigFile::kGates, "g.json", R"({"threshold": 70, "thresh\u006fld": 90})");
  ASSERT_FALSE(issues.empty());
  EXPECT_EQ(issues[0].code, "CONFIG_DUPLICATE_KEY");
  // Equal names in different objects, and "\n" beside "n", are not duplicates.
  EXPECT_TRUE(validate_text(ConfigFile::kGates, "g.json",
                            R"({"profiles": {"main": {"threshold": 90}, "pr": {"threshold": 70}}})")
                  .empty());
  issues = validate_text(ConfigFile::kFleet, "f.json", R"({"llm": {"n": 1, "\n": 2}})");
  for (const auto& is : issues) EXPECT_NE(is.code, "CONFIG_DUPLICATE_KEY") << is.message;
}

Result<Config> load_with_flag(const std::string& key, const std::string& flag, double value) {
  LoadOptions o;
  o.project_dir = "/nonexistent-aqe-project";
  o.flags.push_back({key, nlohmann::json(value), flag});
  return load_config(o);
}

TEST(ConfigHardening, NonFiniteAndAbsurdFlagValuesNameTheFlag) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  struct Case {
    std::string key, flag;
    double value;
    std::string in_message;
  };
  const Case cases[] = {
      {"gates.threshold", "--threshold", nan, "finite"},
      {"execute.timeout_s", "--timeout", -1, "between 0 and 604800"},
      {"execute.timeout_s", "--timeout", inf, "finite"},
      {"execute.timeout_s", "--timeout", 1e300, "between 0 and 604800"},
      {"execute.test_timeout_s", "--test-timeout", inf, "finite"},
      {"execute.test_timeout_s", "--test-timeout", -inf, "finite"},
      {"generate.time_budget_s", "--time-budget", inf, "finite"},
      {"generate.run_budget_s", "--run-budget", 1e300, "604800"},
  };
  for (const auto& c : cases) {
    auto cfg = load_with_flag(c.key, c.flag, c.value);
    ASSERT_FALSE(cfg.ok()) << c.flag << " " << c.value;
    EXPECT_EQ(cfg.error().exit_code, ExitCode::kUsage);
    EXPECT_NE(cfg.error().message.find(c.flag + ":"), std::string::npos) << cfg.error().message;
    EXPECT_NE(cfg.error().message.find(c.in_message), std::string::npos) << cfg.error().message;
  }
  EXPECT_TRUE(load_with_flag("execute.timeout_s", "--timeout", 3600).ok());
}

TEST(ConfigHardening, EnvironmentValuesOutOfRangeNameTheVariable) {
  for (const char* v : {"inf", "nan", "1e300", "-1"}) {
    LoadOptions o;
    o.project_dir = "/nonexistent-aqe-project";
    o.env["QE_EXECUTE_TIMEOUT"] = v;
    auto cfg = load_config(o);
    ASSERT_FALSE(cfg.ok()) << v;
    EXPECT_NE(cfg.error().message.find("QE_EXECUTE_TIMEOUT"), std::string::npos) << cfg.error().message;
  }
}

TEST(ConfigHardening, UrlCredentials) {
  struct Case {
    const char* value;
    bool has;
    const char* redacted;
  };
  const Case cases[] = {
      {"https://user:token@api.example.com/v1", true, "https://***@api.example.com/v1"},
      {"https://token@api.example.com", true, "https://***@api.example.com"},
      {"http://127.0.0.1:8080/v1", false, "http://127.0.0.1:8080/v1"},
      {"https://api.example.com/v1?user=a@b", false, "https://api.example.com/v1?user=a@b"},
      {"https://a:b@c@host/x", true, "https://***@host/x"},
      {"mailto:someone@example.com", false, "mailto:someone@example.com"},
      {"https?://[^:]+:[^@]+@", false, "https?://[^:]+:[^@]+@"},
      {"s3+https://AKIA:secret@bucket/x", true, "s3+https://***@bucket/x"},
      {"", false, ""},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(has_url_credentials(c.value), c.has) << c.value;
    EXPECT_EQ(redact_url_credentials(c.value), c.redacted) << c.value;
  }
  FileCheck check = check_text(ConfigFile::kFleet, "config/qe-fleet.json",
                               R"({"llm": {"base_url": "https://user:s3cr3t@llm.example.com/v1"}})");
  EXPECT_TRUE(check.errors.empty());
  bool warned = false;
  for (const auto& w : check.warnings) {
    if (w.code != "CONFIG_URL_CREDENTIAL") continue;
    warned = true;
    EXPECT_EQ(w.key, "llm.base_url");
    EXPECT_EQ(w.message.find("s3cr3t"), std::string::npos) << w.message;
    EXPECT_NE(w.hint.find("environment"), std::string::npos);
  }
  EXPECT_TRUE(warned);
}

}  // namespace
}  // namespace aqe::config
