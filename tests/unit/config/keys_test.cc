// The key table's promises, checked against the table itself: every declared range is enforced
// in files, environment variables and flags; planned keys validate with a warning and carry no
// flag; every typed handle matches its row.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "aqe/config/config.h"
#include "aqe/config/key_handles.h"
#include "aqe/config/keys.h"
#include "aqe/util/strings.h"

namespace aqe::config {
namespace {

using nlohmann::json;

bool is_fixed_leaf(const KeyDef& k) {
  if (k.type == ValueType::kObject || k.type == ValueType::kMap || k.type == ValueType::kArray) return false;
  std::string_view p = k.path;
  return p.find("[]") == std::string_view::npos && p.find('*') == std::string_view::npos && p != "$schema";
}

std::string full_name(const KeyDef& k) { return std::string(key_prefix(k.file)) + std::string(k.path); }

// A value just outside the range, on the side that has a bound.
json outside(const KeyDef& k) {
  double v = std::isfinite(k.range.min) ? (k.range.min_exclusive ? k.range.min : k.range.min - 1)
                                        : (k.range.max_exclusive ? k.range.max : k.range.max + 1);
  if (k.type == ValueType::kInt) return json(static_cast<int64_t>(std::floor(v)));
  return json(v);
}

// {"a": {"b": value}} for the path "a.b".
json document_with(std::string_view path, const json& value) {
  json doc = json::object();
  json* cur = &doc;
  for (const auto& seg : split(path, '.')) cur = &(*cur)[seg];
  *cur = value;
  return doc;
}

TEST(KeyRange, Describe) {
  EXPECT_EQ(at_least(0).describe(), ">= 0");
  EXPECT_EQ(above(0).describe(), "> 0");
  EXPECT_EQ(between(0, 100).describe(), "between 0 and 100");
  EXPECT_EQ(above_up_to(0, 100).describe(), "> 0 and <= 100");
  EXPECT_EQ(between(0, 8).describe(), "between 0 and 8");
  EXPECT_FALSE(kUnbounded.bounded());
  EXPECT_TRUE(above_up_to(0, 100).contains(100));
  EXPECT_FALSE(above_up_to(0, 100).contains(0));
  EXPECT_TRUE(at_least(0).contains(0));
  EXPECT_FALSE(at_least(0).contains(-0.5));
}

struct RangeCase {
  const char* name;
  ConfigFile kind;
  const char* text;
  const char* code;  // "" = valid
  int line, column;
  const char* key;
};

class RangeInFile : public ::testing::TestWithParam<RangeCase> {};

TEST_P(RangeInFile, IsChecked) {
  const RangeCase& c = GetParam();
  auto issues = validate_text(c.kind, "config/x.json", c.text);
  if (std::string(c.code).empty()) {
    EXPECT_TRUE(issues.empty()) << issues.front().location() << " " << issues.front().message;
    return;
  }
  ASSERT_FALSE(issues.empty());
  EXPECT_EQ(issues.front().code, c.code) << issues.front().message;
  EXPECT_EQ(issues.front().line, c.line);
  EXPECT_EQ(issues.front().column, c.column);
  EXPECT_EQ(issues.front().key, c.key);
  EXPECT_NE(issues.front().message.find(c.key), std::string::npos) << issues.front().message;
}

const RangeCase kRangeCases[] = {
    {"threshold_over", ConfigFile::kGates, "{\n  \"threshold\": 150\n}", "CONFIG_RANGE", 2, 3, "threshold"},
    {"threshold_top", ConfigFile::kGates, R"({"threshold": 100})", "", 0, 0, ""},
    {"threshold_zero", ConfigFile::kGates, R"({"threshold": 0})", "", 0, 0, ""},
    {"threshold_negative", ConfigFile::kGates, R"({"threshold": -0.5})", "CONFIG_RANGE", 1, 2, "threshold"},
    {"scope_threshold", ConfigFile::kGates, R"({"scopes": [{"path": "a", "threshold": 101}]})",
     "CONFIG_RANGE", 1, 27, "scopes[0].threshold"},
    {"profile_threshold", ConfigFile::kGates, R"({"profiles": {"main": {"threshold": -1}}})", "CONFIG_RANGE",
     1, 24, "profiles.main.threshold"},
    {"weight_negative", ConfigFile::kGates, R"({"weights": {"security": -0.1}})", "CONFIG_RANGE", 1, 14,
     "weights.security"},
    {"retries_negative", ConfigFile::kFleet, R"({"execute": {"retries": -1}})", "CONFIG_RANGE", 1, 14,
     "execute.retries"},
    {"coverage_target_zero", ConfigFile::kFleet, R"({"generate": {"coverage_target": 0}})", "CONFIG_RANGE", 1,
     15, "generate.coverage_target"},
    {"coverage_target_full", ConfigFile::kFleet, R"({"generate": {"coverage_target": 100}})", "", 0, 0, ""},
    {"time_budget_zero", ConfigFile::kFleet, R"({"generate": {"time_budget_s": 0}})", "CONFIG_RANGE", 1, 15,
     "generate.time_budget_s"},
    {"max_file_size_zero", ConfigFile::kFleet, R"({"security": {"max_file_size_kb": 0}})", "CONFIG_RANGE", 1,
     15, "security.max_file_size_kb"},
    {"rule_entropy", ConfigFile::kFleet,
     R"({"security": {"rules": [{"id": "a", "regex": "b", "entropy": 9}]}})", "CONFIG_RANGE", 1, 51,
     "security.rules[0].entropy"},
    {"retention_negative", ConfigFile::kStorage, R"({"retention": {"keep_latest_n": -2}})", "CONFIG_RANGE", 1,
     16, "retention.keep_latest_n"},
};

INSTANTIATE_TEST_SUITE_P(Cases, RangeInFile, ::testing::ValuesIn(kRangeCases),
                         [](const auto& p) { return std::string(p.param.name); });

// Every bounded key, whichever way it is set, rejects a value just outside its range.
TEST(KeyRange, EveryBoundedKeyIsCheckedInFilesEnvAndFlags) {
  int bounded = 0;
  for (const auto& k : key_table()) {
    if (!k.range.bounded()) continue;
    ++bounded;
    EXPECT_TRUE(k.type == ValueType::kInt || k.type == ValueType::kNumber) << k.path;
    if (!k.default_json.empty()) {
      EXPECT_TRUE(k.range.contains(json::parse(k.default_json).get<double>())) << k.path;
    }
    const json bad = outside(k);
    if (is_fixed_leaf(k)) {
      auto issues = validate_text(k.file, "f.json", document_with(k.path, bad).dump());
      ASSERT_FALSE(issues.empty()) << k.path << " = " << bad;
      EXPECT_EQ(issues.front().code, "CONFIG_RANGE") << k.path;
      EXPECT_EQ(issues.front().key, k.path);
    }
    if (!k.env.empty()) {
      LoadOptions o;
      o.project_dir = "/nonexistent-aqe-project";
      o.env[std::string(k.env)] = bad.dump();
      auto c = load_config(o);
      ASSERT_FALSE(c.ok()) << k.env << "=" << bad;
      EXPECT_EQ(c.error().code, "CONFIG_ENV");
      EXPECT_EQ(c.error().exit_code, ExitCode::kUsage);
      EXPECT_NE(c.error().message.find(std::string(k.env)), std::string::npos) << c.error().message;
    }
    if (!k.flag.empty() && is_fixed_leaf(k)) {
      LoadOptions o;
      o.project_dir = "/nonexistent-aqe-project";
      o.flags.push_back({full_name(k), bad, std::string(k.flag)});
      auto c = load_config(o);
      ASSERT_FALSE(c.ok()) << k.flag << " " << bad;
      EXPECT_EQ(c.error().code, "USAGE");
      EXPECT_EQ(c.error().exit_code, ExitCode::kUsage);
      EXPECT_TRUE(starts_with(c.error().message, std::string(k.flag) + ": must be " + k.range.describe()))
          << c.error().message;
    }
  }
  EXPECT_GE(bounded, 20);
}

TEST(KeyRange, EnvironmentValueNamesVariableAndRange) {
  LoadOptions o;
  o.project_dir = "/nonexistent-aqe-project";
  o.env["QE_EXECUTE_TIMEOUT"] = "-5";
  auto c = load_config(o);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("QE_EXECUTE_TIMEOUT='-5'"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find("between 0 and 604800"), std::string::npos) << c.error().message;
  o.env["QE_EXECUTE_TIMEOUT"] = "0";
  EXPECT_TRUE(load_config(o).ok());
}

TEST(PlannedKeys, FileValidatesWithOneWarningPerPlannedSection) {
  FileCheck check = check_text(ConfigFile::kFleet, "config/qe-fleet.json",
                               "{\n  \"llm\": {\"model\": \"m\", \"routing\": false},\n"
                               "  \"pipeline\": {\"stages\": [\"a\"]},\n"
                               "  \"project\": {\"test_dirs\": [\"t\"], \"source_dirs\": [\"s\"]}\n}");
  EXPECT_TRUE(check.errors.empty()) << check.errors.front().message;
  // llm.routing and project.test_dirs are built: only the planned pipeline section warns.
  ASSERT_EQ(check.warnings.size(), 1u);
  EXPECT_EQ(check.warnings[0].code, "CONFIG_PLANNED_KEY");
  EXPECT_EQ(check.warnings[0].key, "pipeline");
  EXPECT_EQ(check.warnings[0].line, 3);
}

TEST(PlannedKeys, PlannedValuesAreStillTypeChecked) {
  auto issues = validate_text(ConfigFile::kStorage, "s.json", R"({"compression": {"level": "max"}})");
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues.front().code, "CONFIG_TYPE");
}

TEST(PlannedKeys, BuiltOnlyFileHasNoWarning) {
  FileCheck check =
      check_text(ConfigFile::kFleet, "f", R"({"execute": {"retries": 2}, "log": {"level": "info"}})");
  EXPECT_TRUE(check.errors.empty());
  EXPECT_TRUE(check.warnings.empty());
}

// No planned key has an environment variable any more (QE_ROUTING_ENABLED is read since
// routing was built): the environment of a built key gives no warning.
TEST(PlannedKeys, LoadAndEnvironmentWarn) {
  LoadOptions o;
  o.project_dir = "/nonexistent-aqe-project";
  o.env["QE_ROUTING_ENABLED"] = "true";
  auto c = load_config(o);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_TRUE(c->warnings().empty());
  bool saw_planned = false;
  for (const auto& [key, v] : c->entries()) {
    if (key == "llm.routing") {
      EXPECT_EQ(v.status, KeyStatus::kBuilt);
    }
    if (key == "pipeline.stages") {
      saw_planned = true;
      EXPECT_EQ(v.status, KeyStatus::kPlanned);
    }
    if (key == "execute.parallel") {
      EXPECT_EQ(v.status, KeyStatus::kBuilt);
    }
  }
  EXPECT_TRUE(saw_planned);
}

// A planned key has no reader, so it may not advertise a flag; and a section is planned only
// when nothing under it is built (else `config show` would mark a read key as not read).
TEST(KeyTable, PlannedRowsAreConsistent) {
  for (const auto& k : key_table()) {
    if (k.status != KeyStatus::kPlanned) continue;
    EXPECT_TRUE(k.flag.empty()) << k.path << " is planned but names the flag " << k.flag;
    if (k.type != ValueType::kObject) continue;
    for (const auto& child : key_table()) {
      if (child.file == k.file && starts_with(child.path, std::string(k.path) + ".")) {
        EXPECT_EQ(child.status, KeyStatus::kPlanned) << child.path << " is built under planned " << k.path;
      }
    }
  }
}

TEST(KeyTable, DefaultsAreValidValues) {
  for (const auto& k : key_table()) {
    if (k.default_json.empty() || !is_fixed_leaf(k)) continue;
    auto issues = validate_text(k.file, "f", document_with(k.path, json::parse(k.default_json)).dump());
    EXPECT_TRUE(issues.empty()) << k.path << ": " << issues.front().message;
  }
}

TEST(KeyHandles, EveryHandleMatchesItsRowAndEveryRowHasOne) {
  std::set<std::string> handle_names;
  for (const auto& h : kAllHandles) {
    EXPECT_TRUE(handle_names.insert(std::string(h.name)).second) << "two handles for " << h.name;
    const KeyDef* row = nullptr;
    for (const auto& k : key_table())
      if (is_fixed_leaf(k) && full_name(k) == h.name) row = &k;
    ASSERT_NE(row, nullptr) << "handle for '" << h.name << "', which the table does not declare";
    EXPECT_TRUE(reads_as(h.type, row->type)) << h.name << " is read as the wrong type";
  }
  for (const auto& k : key_table()) {
    if (is_fixed_leaf(k)) {
      EXPECT_TRUE(handle_names.count(full_name(k))) << "no handle for " << full_name(k);
    }
  }
}

// The static_assert in key_handles.h is what makes a misspelt name fail the build; it must
// reject what the unit test above would.
static_assert(declared_key("execute.parallel", HandleType::kBool));
static_assert(declared_key("gates.threshold", HandleType::kNumber));
static_assert(declared_key("storage.backend", HandleType::kString));
static_assert(!declared_key("execute.paralel", HandleType::kBool));
static_assert(!declared_key("execute.parallel", HandleType::kInt));
static_assert(!declared_key("threshold", HandleType::kNumber));  // a gates key without its prefix
static_assert(!declared_key("gates.execute.parallel", HandleType::kBool));

TEST(KeyHandles, ReadTheEffectiveValue) {
  LoadOptions o;
  o.project_dir = "/nonexistent-aqe-project";
  o.flags.push_back({"execute.workers", 3, "--workers"});
  o.env["QE_EXECUTE_TIMEOUT"] = "2.5";
  auto c = load_config(o);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->get(kExecuteWorkers), 3);
  EXPECT_EQ(c->origin(kExecuteWorkers), "flag --workers");
  EXPECT_DOUBLE_EQ(c->get(kExecuteTimeoutS), 2.5);
  EXPECT_EQ(c->get(kProjectSourceDirs), std::vector<std::string>{"src"});
  EXPECT_FALSE(c->get(kExecuteParallel));
  EXPECT_FALSE(c->is_set(kLogFile));
}

TEST(LoadConfigFlags, FlagForUndeclaredKeyIsAnInternalError) {
  LoadOptions o;
  o.project_dir = "/nonexistent-aqe-project";
  o.flags.push_back({"execute.paralel", true, "--parallel"});
  auto c = load_config(o);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, "INTERNAL");
}

}  // namespace
}  // namespace aqe::config
