#include "aqe/usage/usage.h"

#include <gtest/gtest.h>

#include "aqe/util/time.h"

namespace aqe::usage {
namespace {

namespace chr = std::chrono;

Clock::time_point at(int y, unsigned m, unsigned d, int h = 0, int min = 0) {
  return chr::sys_days(chr::year(y) / chr::month(m) / chr::day(d)) + chr::hours(h) + chr::minutes(min);
}

state::UsageRow row(std::string when, std::string command, std::string model, double cost, bool hit = false) {
  state::UsageRow r;
  r.at = std::move(when);
  r.command = std::move(command);
  r.provider = "anthropic";
  r.model = std::move(model);
  r.input_tokens = 100;
  r.output_tokens = 20;
  r.cache_write_tokens = 3;
  r.cache_read_tokens = 40;
  r.reasoning_tokens = 5;
  r.cost_usd = cost;
  r.cache_hit = hit;
  return r;
}

TEST(UsageSince, DurationsCountBackFromNow) {
  const auto now = at(2026, 3, 10, 12);
  EXPECT_EQ(*parse_since("7d", now), "2026-03-03T12:00:00Z");
  EXPECT_EQ(*parse_since("24h", now), "2026-03-09T12:00:00Z");
  EXPECT_EQ(*parse_since("30m", now), "2026-03-10T11:30:00Z");
  EXPECT_EQ(*parse_since("2w", now), "2026-02-24T12:00:00Z");
  EXPECT_EQ(*parse_since("90s", now), "2026-03-10T11:58:30Z");
}

TEST(UsageSince, ADateIsItsUtcMidnight) {
  EXPECT_EQ(*parse_since("2026-01-01", at(2026, 3, 10)), "2026-01-01T00:00:00Z");
  EXPECT_EQ(*parse_since("2024-02-29", at(2026, 3, 10)), "2024-02-29T00:00:00Z");
}

TEST(UsageSince, BadValuesAreUsageErrorsNamingTheFlag) {
  for (const char* bad : {"", "7", "d", "0d", "-3d", "7y", "7 d", "2026-02-30", "2026-13-01", "2026-1-01",
                          "yesterday", "99999999999999999999d"}) {
    auto r = parse_since(bad, at(2026, 3, 10));
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().exit_code, ExitCode::kUsage) << bad;
    EXPECT_NE(r.error().message.find("--since"), std::string::npos) << bad;
  }
  // A huge but representable count is the whole ledger, not an overflow.
  EXPECT_TRUE(parse_since("999999999999d", at(2026, 3, 10)));
}

TEST(UsageSummary, SumsTokensByKindAndGroups) {
  const std::vector<state::UsageRow> rows = {
      row("2026-03-01T10:00:00Z", "generate", "claude-x", 0.25),
      row("2026-03-01T11:00:00Z", "generate", "gpt-y", 0.5),
      row("2026-03-02T09:00:00Z", "generate", "claude-x", 0, true),
  };
  const UsageReport r = summarize(rows, "2026-03-01T00:00:00Z");
  EXPECT_EQ(r.total.calls, 3);
  EXPECT_EQ(r.total.cache_hits, 1);
  EXPECT_EQ(r.total.tokens.input, 300);
  EXPECT_EQ(r.total.tokens.cache_read, 120);
  EXPECT_DOUBLE_EQ(r.total.cost_usd, 0.75);
  ASSERT_EQ(r.by_model.size(), 2u);
  EXPECT_EQ(r.by_model.at("claude-x").calls, 2);
  EXPECT_DOUBLE_EQ(r.by_model.at("gpt-y").cost_usd, 0.5);
  ASSERT_EQ(r.by_day.size(), 2u);
  EXPECT_EQ(r.by_day.at("2026-03-02").cache_hits, 1);
  EXPECT_EQ(r.by_command.at("generate").calls, 3);

  const auto doc = report_document(r);
  for (const char* k :
       {"since", "total_cost_usd", "calls", "input_tokens", "output_tokens", "cache_write_tokens",
        "cache_read_tokens", "reasoning_tokens", "cache_hits", "by_model", "by_command", "by_day"})
    EXPECT_TRUE(doc.contains(k)) << k;
  EXPECT_DOUBLE_EQ(doc["total_cost_usd"].get<double>(), 0.75);
  EXPECT_EQ(doc["by_model"]["claude-x"]["calls"], 2);
  EXPECT_EQ(doc["output_tokens"], 60);
  EXPECT_EQ(doc["reasoning_tokens"], 15);
}

TEST(UsageSummary, EmptyLedgerIsZeros) {
  const auto doc = report_document(summarize({}, "2026-03-01T00:00:00Z"));
  EXPECT_EQ(doc["calls"], 0);
  EXPECT_EQ(doc["total_cost_usd"].get<double>(), 0.0);
  EXPECT_TRUE(doc["by_model"].empty());
  EXPECT_EQ(render_csv(summarize({}, "")).find('\n') + 1, render_csv(summarize({}, "")).size());
}

TEST(UsageSummary, CostsAreRoundedToMicroDollarsNotFloatNoise) {
  std::vector<state::UsageRow> rows;
  for (int i = 0; i < 3; ++i) rows.push_back(row("2026-03-01T10:00:00Z", "generate", "m", 0.1));
  const auto doc = report_document(summarize(rows, ""));
  EXPECT_EQ(doc["total_cost_usd"].dump(), "0.3");
}

TEST(UsageCsv, QuotesAndDefusesFieldsAUserControls) {
  const auto csv = render_csv(summarize({row("2026-03-01T10:00:00Z", "generate", "=cmd,\"x\"", 0.5)}, ""));
  EXPECT_NE(csv.find("2026-03-01,generate,\"'=cmd,\"\"x\"\"\",1,0,100,3,40,20,5,0.500000\n"),
            std::string::npos)
      << csv;
}

TEST(UsageLimits, DayAndMonthAreUtcAndOverByIsSaid) {
  const auto now = at(2026, 3, 10, 15);
  const std::vector<state::UsageRow> rows = {
      row("2026-03-01T00:00:00Z", "generate", "m", 150),  // this month, not today
      row("2026-03-10T00:00:00Z", "generate", "m", 8),    // today
      row("2026-03-10T14:59:59Z", "generate", "m", 4.5),  // today
  };
  const auto checks = check_limits(rows, Limits{10, 200}, now);
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_EQ(checks[0].period, "daily");
  EXPECT_EQ(checks[0].since, "2026-03-10T00:00:00Z");
  EXPECT_DOUBLE_EQ(checks[0].spent_usd, 12.5);
  EXPECT_TRUE(checks[0].exceeded);
  EXPECT_DOUBLE_EQ(checks[0].over_by_usd, 2.5);
  EXPECT_EQ(checks[1].since, "2026-03-01T00:00:00Z");
  EXPECT_DOUBLE_EQ(checks[1].spent_usd, 162.5);
  EXPECT_FALSE(checks[1].exceeded);
  EXPECT_EQ(checks[1].over_by_usd, 0);
}

TEST(UsageLimits, ExactlyAtTheLimitIsNotOverAndZeroMeansNoLimit) {
  const auto checks =
      check_limits({row("2026-03-10T01:00:00Z", "generate", "m", 10)}, Limits{10, 0}, at(2026, 3, 10, 5));
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_FALSE(checks[0].exceeded);
  EXPECT_EQ(month_start(at(2026, 12, 31, 23, 59)), "2026-12-01T00:00:00Z");
}

}  // namespace
}  // namespace aqe::usage
