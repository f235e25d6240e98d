#include <gtest/gtest.h>

#include "aqe/cli/artifacts_upload.h"

namespace aqe::cli {
namespace {

const std::map<std::string, std::string> kEnv = {{"CI_BRANCH", "feature/x"}, {"N", "7"}, {"EMPTY", ""}};

TEST(Metadata, ExpandsVariablesInStringValuesAtAnyDepth) {
  auto m = parse_metadata(R"({"b": "$CI_BRANCH", "nested": {"list": ["${N}x", "a$N-b", "${EMPTY}z"]},
                              "$CI_BRANCH": 1, "n": 3})",
                          kEnv);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ((*m)["b"], "feature/x");
  EXPECT_EQ((*m)["nested"]["list"], nlohmann::json({"7x", "a7-b", "z"}));
  EXPECT_TRUE(m->contains("$CI_BRANCH"));  // keys are not expanded
  EXPECT_EQ((*m)["n"], 3);
}

TEST(Metadata, KeepsADollarThatStartsNoVariable) {
  auto m = parse_metadata(R"({"a": "$5", "b": "cost $", "c": "${unterminated", "d": "${}", "e": "$UNSET."})",
                          kEnv);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ((*m)["a"], "$5");
  EXPECT_EQ((*m)["b"], "cost $");
  EXPECT_EQ((*m)["c"], "${unterminated");
  EXPECT_EQ((*m)["d"], "${}");
  EXPECT_EQ((*m)["e"], ".");  // unset = empty, as in the shell
}

TEST(Metadata, InvalidJsonNamesLineAndColumn) {
  auto m = parse_metadata("{\n  \"branch\": main\n}", kEnv);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().exit_code, ExitCode::kUsage);
  EXPECT_NE(m.error().message.find("line 2, column 13"), std::string::npos) << m.error().message;
  auto arr = parse_metadata("[1]", kEnv);
  ASSERT_FALSE(arr);
  EXPECT_NE(arr.error().message.find("expected a JSON object, got array"), std::string::npos);
  auto empty = parse_metadata("  ", kEnv);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

TEST(StoreFlagsCheck, OptionsWithoutStoreArtifactsAndBadKeysAreUsageErrors) {
  StoreFlags f;
  f.metadata = "{}";
  EXPECT_TRUE(check_store_flags(f, kEnv).has_value());
  f.store = true;
  EXPECT_FALSE(check_store_flags(f, kEnv).has_value());
  f.key = "a/b";
  ASSERT_TRUE(check_store_flags(f, kEnv).has_value());
  EXPECT_NE(check_store_flags(f, kEnv)->message.find("--artifact-key"), std::string::npos);
}

}  // namespace
}  // namespace aqe::cli
