#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "aqe/gen/explore.h"
#include "aqe/gen/gen.h"
#include "aqe/gen/schedule.h"
#include "aqe/state/runs.h"

namespace aqe::gen {
namespace {

TEST(LongestFirst, StoredTimesOrderTheModules) {
  // The longest stored module first, whatever its size or place in the discovery order.
  const std::vector<ModuleCost> m = {{1.0, 9000}, {0.5, 100}, {7.0, 200}};
  EXPECT_EQ(longest_first(m), (std::vector<size_t>{2, 0, 1}));
}

TEST(LongestFirst, WithoutStoredTimesTheBiggestSourceFirst) {
  const std::vector<ModuleCost> m = {{std::nullopt, 100}, {std::nullopt, 3000}, {std::nullopt, 700}};
  EXPECT_EQ(longest_first(m), (std::vector<size_t>{1, 2, 0}));
}

TEST(LongestFirst, UntimedModulesAreEstimatedAtTheTimedOnesRate) {
  // Timed: 2 s for 1000 bytes and 6 s for 2000 bytes, 8 s / 3000 bytes. An untimed module of
  // 1500 bytes is expected at 4 s: after the 6 s one, before the 2 s one; one of 3000 bytes at
  // 8 s, first.
  const std::vector<ModuleCost> m = {{2.0, 1000}, {6.0, 2000}, {std::nullopt, 1500}, {std::nullopt, 3000}};
  EXPECT_EQ(longest_first(m), (std::vector<size_t>{3, 1, 2, 0}));
}

TEST(LongestFirst, EqualEstimatesKeepTheirOrder) {
  const std::vector<ModuleCost> m = {{1.0, 10}, {1.0, 20}, {std::nullopt, 0}, {1.0, 30}};
  EXPECT_EQ(longest_first(m), (std::vector<size_t>{0, 1, 3, 2}));
  EXPECT_TRUE(longest_first({}).empty());
}

TEST(ExploreTimes, RoundTripInTheStoredSummary) {
  GenerateReport r;
  r.explore_s = {{"pkg/a.py", 1.25}, {"pkg/b.py", 7.5}};
  const nlohmann::json doc = state::summary_document(summary_of(r));
  auto back = state::read_summary_document(doc, "generate");
  ASSERT_TRUE(back.has_value());
  const auto* s = std::get_if<state::GenerateSummary>(&*back);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->explore_s, r.explore_s);
  // A run stored before the field, or a value of the wrong type, reads as no time.
  nlohmann::json old = doc;
  old.erase("explore_s");
  old["files_processed"] = 2;
  auto before = state::read_summary_document(old, "generate");
  ASSERT_TRUE(before.has_value());
  EXPECT_TRUE(std::get<state::GenerateSummary>(*before).explore_s.empty());
  old["explore_s"] = {{"a.py", "slow"}, {"b.py", -1}, {"c.py", 2}};
  auto odd = state::read_summary_document(old, "generate");
  ASSERT_TRUE(odd.has_value());
  EXPECT_EQ(std::get<state::GenerateSummary>(*odd).explore_s, (std::map<std::string, double>{{"c.py", 2.0}}));
}

TEST(ExplorerReply, ReadsTheFunctionsGivenUp) {
  auto r = parse_explorer_reply(
      R"({"ok": true, "tests": [], "given_up": [{"target": "hang", "line": 3, "calls": 1, "cut_off": "0.5 s wall time"}, {"target": "C.m", "line": null, "calls": "x"}, {"line": 4}, 5]})");
  ASSERT_EQ(r.given_up.size(), 2u);
  EXPECT_EQ(r.given_up[0].target, "hang");
  EXPECT_EQ(r.given_up[0].line, 3);
  EXPECT_EQ(r.given_up[0].calls, 1);
  EXPECT_EQ(r.given_up[0].cut_off, "0.5 s wall time");
  EXPECT_EQ(r.given_up[1].target, "C.m");
  EXPECT_FALSE(r.given_up[1].line.has_value());
  EXPECT_EQ(r.given_up[1].calls, 0);
}

TEST(GenerateReport, GivenUpFunctionsAreListedEscaped) {
  GenerateReport r;
  r.given_up.push_back({"m.py", "hang\x1b[2J", 3, 1, "0.5 s wall time"});
  const nlohmann::json j = to_json(r);
  ASSERT_EQ(j["given_up"].size(), 1u);
  EXPECT_EQ(j["given_up"][0]["function"], "hang\x1b[2J");
  EXPECT_EQ(j["given_up"][0]["calls"], 1);
  const std::string text = to_text(r);
  EXPECT_NE(text.find("m.py:3: gave up on hang"), std::string::npos) << text;
  EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
}

TEST(ExplorerReply, ReadsTheFunctionsLeftWithoutATest) {
  auto r = parse_explorer_reply(
      R"({"ok": true, "tests": [], "untested": [{"target": "gen", "line": 7, "reason": "async generator function: not run"}, {"target": "f", "line": "x", "reason": 3}, {"line": 2}, "s"]})");
  ASSERT_EQ(r.untested.size(), 2u);
  EXPECT_EQ(r.untested[0].target, "gen");
  EXPECT_EQ(r.untested[0].line, 7);
  EXPECT_EQ(r.untested[0].reason, "async generator function: not run");
  EXPECT_EQ(r.untested[1].target, "f");
  EXPECT_FALSE(r.untested[1].line.has_value());
  EXPECT_EQ(r.untested[1].reason, "");
}

TEST(GenerateReport, UntestedFunctionsAreListedEscapedAndCappedInText) {
  GenerateReport r;
  r.untested.push_back(
      {"m.py", "f\x1b[2J", 3, "every call raised a TypeError or AttributeError of a wrong-typed input"});
  for (int i = 0; i < 11; ++i) r.untested.push_back({"n.py", "g" + std::to_string(i), std::nullopt, "why"});
  const nlohmann::json j = to_json(r);
  ASSERT_EQ(j["untested"].size(), 12u);
  EXPECT_EQ(j["untested"][0]["function"], "f\x1b[2J");
  EXPECT_EQ(j["untested"][0]["line"], 3);
  EXPECT_TRUE(j["untested"][1]["line"].is_null());
  const std::string text = to_text(r);
  EXPECT_NE(text.find("m.py:3: no test for f"), std::string::npos) << text;
  EXPECT_NE(text.find("n.py: no test for g8: why"), std::string::npos) << text;
  EXPECT_EQ(text.find("g9"), std::string::npos) << text;
  EXPECT_NE(text.find("and 2 more public functions without a test"), std::string::npos) << text;
  EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
}

}  // namespace
}  // namespace aqe::gen
