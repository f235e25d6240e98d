#include "aqe/config/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "aqe/config/json_locator.h"
#include "aqe/util/fs.h"
#include "temp_dir.h"

namespace aqe::config {
namespace {

namespace fs = std::filesystem;

struct IssueCase {
  const char* name;
  ConfigFile kind;
  const char* text;
  const char* code;      // expected first issue code, "" = valid
  int line, column;      // expected location of the first issue
  const char* key;       // expected key path
  const char* hint_has;  // substring of the hint ("" = not checked)
};

class ValidateText : public ::testing::TestWithParam<IssueCase> {};

TEST_P(ValidateText, FirstIssue) {
  const IssueCase& c = GetParam();
  auto issues = validate_text(c.kind, "config/x.json", c.text);
  if (std::string(c.code).empty()) {
    EXPECT_TRUE(issues.empty()) << issues.front().location() << " " << issues.front().message;
    return;
  }
  ASSERT_FALSE(issues.empty());
  const ConfigIssue& is = issues.front();
  EXPECT_EQ(is.code, c.code) << is.message;
  EXPECT_EQ(is.line, c.line) << is.message;
  EXPECT_EQ(is.column, c.column) << is.message;
  EXPECT_EQ(is.key, c.key);
  EXPECT_NE(is.hint.find(c.hint_has), std::string::npos) << "hint: " << is.hint;
  EXPECT_EQ(is.location(), "config/x.json:" + std::to_string(c.line) + ":" + std::to_string(c.column));
}

const IssueCase kIssueCases[] = {
    {"valid_empty", ConfigFile::kFleet, "{}", "", 0, 0, "", ""},
    {"valid_full", ConfigFile::kFleet,
     R"({"execute": {"parallel": true, "timeout_s": 30, "retries": 2}, "python": {"interpreter": "/usr/bin/python3"}})",
     "", 0, 0, "", ""},
    {"unknown_top", ConfigFile::kFleet, "{\n  \"executee\": {}\n}", "CONFIG_UNKNOWN_KEY", 2, 3, "executee",
     "did you mean 'execute'"},
    {"unknown_nested", ConfigFile::kFleet, "{\n  \"execute\": {\n    \"paralel\": true\n  }\n}",
     "CONFIG_UNKNOWN_KEY", 3, 5, "execute.paralel", "did you mean 'execute.parallel'"},
    {"unknown_far", ConfigFile::kFleet, "{\"zzzzzz\": 1}", "CONFIG_UNKNOWN_KEY", 1, 2, "zzzzzz",
     "docs/configuration.md"},
    {"wrong_type_bool", ConfigFile::kFleet, "{\"execute\": {\"parallel\": \"yes\"}}", "CONFIG_TYPE", 1, 14,
     "execute.parallel", ""},
    {"wrong_type_int", ConfigFile::kFleet, "{\"execute\": {\"retries\": 1.5}}", "CONFIG_TYPE", 1, 14,
     "execute.retries", ""},
    {"wrong_enum", ConfigFile::kFleet, "{\"generate\": {\"engine\": \"gpt\"}}", "CONFIG_TYPE", 1, 15,
     "generate.engine", ""},
    {"string_list_bad", ConfigFile::kFleet, "{\"project\": {\"exclude\": [\"a\", 2]}}", "CONFIG_TYPE", 1, 14,
     "project.exclude", ""},
    {"bad_json", ConfigFile::kFleet, "{\n  \"execute\": {\"parallel\": true,}\n}", "CONFIG_PARSE", 2, 32, "",
     "comma"},
    {"not_object", ConfigFile::kFleet, "[1, 2]", "CONFIG_TYPE", 1, 1, "", ""},
    {"secret_llm", ConfigFile::kFleet, "{\"llm\": {\"api_key\": \"sk-abc\"}}", "CONFIG_SECRET", 1, 10,
     "llm.api_key", "ANTHROPIC_API_KEY"},
    {"secret_s3", ConfigFile::kStorage, "{\"s3\": {\"aws_secret_access_key\": \"x\"}}", "CONFIG_SECRET", 1, 9,
     "s3.aws_secret_access_key", "AWS_SECRET_ACCESS_KEY"},
    {"secret_token", ConfigFile::kFleet, "{\"token\": \"x\"}", "CONFIG_SECRET", 1, 2, "token", "environment"},
    {"gates_valid", ConfigFile::kGates,
     R"({"threshold": 80, "conditions": [{"metric": "line_coverage", "op": ">=", "value": 80}],
         "profiles": {"main": {"branches": ["main"], "blocking": true}},
         "scopes": [{"path": "src/auth/", "threshold": 95}]})",
     "", 0, 0, "", ""},
    {"gates_bad_op", ConfigFile::kGates,
     "{\"conditions\": [{\"metric\": \"x\", \"op\": \"=>\", \"value\": 1}]}", "CONFIG_TYPE", 1, 33,
     "conditions[0].op", ""},
    {"gates_unknown_in_array", ConfigFile::kGates, "{\"scopes\": [{\"path\": \"a\", \"treshold\": 9}]}",
     "CONFIG_UNKNOWN_KEY", 1, 27, "scopes[0].treshold", "did you mean 'scopes[0].threshold'"},
    {"gates_profile_unknown", ConfigFile::kGates, "{\"profiles\": {\"pr\": {\"blockin\": false}}}",
     "CONFIG_UNKNOWN_KEY", 1, 22, "profiles.pr.blockin", "did you mean 'profiles.pr.blocking'"},
    {"storage_valid", ConfigFile::kStorage,
     R"({"backend": "s3", "s3": {"bucket": "b", "force_path_style": true}, "retention": {"keep_latest_n": 3}})",
     "", 0, 0, "", ""},
    {"storage_bad_backend", ConfigFile::kStorage, "{\"backend\": \"ftp\"}", "CONFIG_TYPE", 1, 2, "backend",
     ""},
};

INSTANTIATE_TEST_SUITE_P(Cases, ValidateText, ::testing::ValuesIn(kIssueCases),
                         [](const auto& p) { return std::string(p.param.name); });

TEST(ValidateText, ReportsEveryIssue) {
  auto issues = validate_text(ConfigFile::kFleet, "f.json",
                              R"({"a": 1, "execute": {"retries": "x"}, "llm": {"api_key": "k"}})");
  ASSERT_EQ(issues.size(), 3u);
  EXPECT_EQ(issues[0].code, "CONFIG_UNKNOWN_KEY");
  EXPECT_EQ(issues[1].code, "CONFIG_TYPE");
  EXPECT_EQ(issues[2].code, "CONFIG_SECRET");
}

TEST(StarterFiles, AreValidAndHoldBuiltKeysOnly) {
  for (auto kind : {ConfigFile::kFleet, ConfigFile::kGates, ConfigFile::kStorage}) {
    auto starter = starter_file(kind);
    ASSERT_TRUE(starter.has_value()) << file_name(kind);
    FileCheck check = check_text(kind, "starter", *starter);
    EXPECT_TRUE(check.errors.empty()) << file_name(kind) << ": " << check.errors.front().message;
    EXPECT_TRUE(check.warnings.empty()) << file_name(kind) << ": " << check.warnings.front().message;
  }
  // Every storage.json key is built: the storage starter holds retention too.
  EXPECT_NE(starter_file(ConfigFile::kStorage)->find("keep_latest_n"), std::string::npos);
}

TEST(KindOf, FromFileName) {
  EXPECT_EQ(kind_of("config/qe-fleet.json"), ConfigFile::kFleet);
  EXPECT_EQ(kind_of("x/quality-gates.json"), ConfigFile::kGates);
  EXPECT_EQ(kind_of("storage.json"), ConfigFile::kStorage);
  EXPECT_EQ(kind_of("ci.json"), ConfigFile::kFleet);
}

class LoadConfig : public ::testing::Test {
 protected:
  void write(const std::string& rel, const std::string& text) {
    ASSERT_TRUE(write_file_atomic(dir_ / rel, text).ok());
  }
  LoadOptions opts() {
    LoadOptions o;
    o.project_dir = dir_;
    return o;
  }
  aqe::testing::TempDir tmp_{"aqe-config-test"};
  fs::path dir_ = tmp_.path();
};

TEST_F(LoadConfig, DefaultsWithoutFiles) {
  auto c = load_config(opts());
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->get(kGenerateOutput), "tests/generated");
  EXPECT_EQ(c->origin(kGenerateOutput), "default");
  EXPECT_EQ(c->get(kGatesThreshold), 80);
  EXPECT_EQ(c->get(kStorageBackend), "local");
  EXPECT_TRUE(c->files().empty());
}

TEST_F(LoadConfig, PrecedenceFlagOverEnvOverFileOverDefault) {
  write("config/qe-fleet.json",
        "{\n  \"python\": {\"interpreter\": \"from-file\"},\n  \"log\": {\"level\": \"info\"}\n}");
  struct Case {
    bool env, flag;
    const char* value;
    const char* origin;
  };
  for (const Case& k :
       {Case{false, false, "from-file", "config/qe-fleet.json:2:14"},
        Case{true, false, "from-env", "env QE_PYTHON"}, Case{true, true, "from-flag", "flag --python"},
        Case{false, true, "from-flag", "flag --python"}}) {
    LoadOptions o = opts();
    if (k.env) o.env["QE_PYTHON"] = "from-env";
    if (k.flag) o.flags.push_back({"python.interpreter", "from-flag", "--python"});
    auto c = load_config(o);
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->get(kPythonInterpreter), k.value);
    EXPECT_EQ(c->origin(kPythonInterpreter), k.origin);
  }
}

TEST_F(LoadConfig, ConfigDirBeforeDotAqe) {
  write(".aqe/qe-fleet.json", R"({"execute": {"retries": 1}})");
  auto c1 = load_config(opts());
  ASSERT_TRUE(c1.ok());
  EXPECT_EQ(c1->get(kExecuteRetries), 1);
  write("config/qe-fleet.json", R"({"execute": {"retries": 2}})");
  auto c2 = load_config(opts());
  ASSERT_TRUE(c2.ok());
  EXPECT_EQ(c2->get(kExecuteRetries), 2);
}

TEST_F(LoadConfig, ExplicitFileAndSiblings) {
  write("ci/fleet.json", R"({"execute": {"retries": 4}})");
  write("ci/quality-gates.json", R"({"threshold": 95})");
  write("config/quality-gates.json", R"({"threshold": 50})");
  LoadOptions o = opts();
  o.config_file = "ci/fleet.json";
  auto c = load_config(o);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->get(kExecuteRetries), 4);
  EXPECT_EQ(c->get(kGatesThreshold), 95);
  o.config_file.reset();
  o.env["QE_CONFIG"] = "ci/fleet.json";
  auto c2 = load_config(o);
  ASSERT_TRUE(c2.ok());
  EXPECT_EQ(c2->get(kExecuteRetries), 4);
}

TEST_F(LoadConfig, MissingExplicitFileIsUsageError) {
  LoadOptions o = opts();
  o.config_file = "nope.json";
  auto c = load_config(o);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().exit_code, ExitCode::kUsage);
  EXPECT_NE(c.error().message.find("nope.json"), std::string::npos);
}

TEST_F(LoadConfig, InvalidFileNamesLocation) {
  write("config/storage.json", "{\n  \"backend\": \"local\",\n  \"retention\": {\"default_day\": 3}\n}");
  auto c = load_config(opts());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().exit_code, ExitCode::kUsage);
  EXPECT_NE(c.error().message.find("config/storage.json:3:17"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().hint.find("retention.default_days"), std::string::npos) << c.error().hint;
}

TEST_F(LoadConfig, BadEnvValueNamesVariable) {
  LoadOptions o = opts();
  o.env["QE_ROUTING_ENABLED"] = "maybe";
  auto c = load_config(o);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("QE_ROUTING_ENABLED"), std::string::npos);
  o.env["QE_ROUTING_ENABLED"] = "true";
  auto c2 = load_config(o);
  ASSERT_TRUE(c2.ok());
  EXPECT_TRUE(c2->get(kLlmRouting));
  EXPECT_EQ(c2->origin(kLlmRouting), "env QE_ROUTING_ENABLED");
}

TEST_F(LoadConfig, FlagOfWrongTypeIsRejected) {
  LoadOptions o = opts();
  o.flags.push_back({"execute.flaky_policy", "sometimes", "--flaky-policy"});
  auto c = load_config(o);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("--flaky-policy"), std::string::npos);
}

TEST(JsonLocator, Positions) {
  auto pos = locate_members("{\n \"a\": {\"b\": [1, {\"c\": 2}]},\n \"d\": \"x\\\"y\"}");
  EXPECT_EQ(pos["a"].line, 2);
  EXPECT_EQ(pos["a"].column, 2);
  EXPECT_EQ(pos["a.b"].column, 8);
  EXPECT_EQ(pos["a.b[1].c"].column, 18);
  EXPECT_EQ(pos["d"].line, 3);
}

TEST(Reference, DocsAreCurrent) {
  auto doc = read_file(fs::path(AQE_SOURCE_DIR) / "docs" / "configuration.md");
  ASSERT_TRUE(doc.ok()) << "docs/configuration.md missing";
  EXPECT_EQ(*doc, render_reference_markdown())
      << "docs/configuration.md is stale: regenerate with build/debug/aqe_gen_docs > docs/configuration.md";
}

}  // namespace
}  // namespace aqe::config
