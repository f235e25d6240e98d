// The usage ledger read back: what model calls cost over a window (`aqe usage report`) and
// whether today's or this month's spend is over a limit (`aqe usage alert`). Sums of the
// ledger's recorded rows only; windows and days are UTC.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "aqe/state/db.h"
#include "aqe/util/result.h"

namespace aqe::usage {

using Clock = std::chrono::system_clock;

// Tokens by kind, disjoint as in the ledger (state::UsageRow): their sum is every billed token.
struct TokenCounts {
  int64_t input = 0, output = 0, cache_write = 0, cache_read = 0, reasoning = 0;
};

struct Bucket {
  int64_t calls = 0;       // ledger rows (a cache hit is a row that cost $0)
  int64_t cache_hits = 0;  // rows answered from the response cache
  TokenCounts tokens;
  double cost_usd = 0;
  // Calls of a model without a known price: not in cost_usd, which is then a lower bound.
  int64_t unknown_cost_calls = 0;
};

struct UsageReport {
  std::string since;  // ISO-8601 UTC start of the window; "" = the whole ledger
  Bucket total;
  std::map<std::string, Bucket> by_model;    // model name ("unknown" when the row has none)
  std::map<std::string, Bucket> by_command;  // the aqe command that made the calls
  std::map<std::string, Bucket> by_day;      // "YYYY-MM-DD" (UTC)
  // (day, command, model): the rows of the CSV.
  std::map<std::tuple<std::string, std::string, std::string>, Bucket> by_day_command_model;
};

// --since: a duration back from `now` ("7d", "24h", "30m", "90s", "2w") or a UTC date
// ("2026-01-01", from its midnight). The window's start as ISO-8601 UTC; errors name --since.
Result<std::string> parse_since(std::string_view text, Clock::time_point now);

UsageReport summarize(const std::vector<state::UsageRow>& rows, std::string since);

// The contract's document: since, total_cost_usd, calls, input_tokens, output_tokens,
// cache_write_tokens, cache_read_tokens, reasoning_tokens, cache_hits, by_model, by_command,
// by_day (each bucket the same fields). Costs rounded to micro-dollars.
nlohmann::json report_document(const UsageReport& report);
// One row per day × command × model, with a header; fields quoted where needed.
std::string render_csv(const UsageReport& report);
// The human table: totals, then by model and by command. Names are escaped for a terminal.
std::string render_table(const UsageReport& report);

// Limits in USD; 0 = no limit.
struct Limits {
  double daily_usd = 0, monthly_usd = 0;
};

struct LimitCheck {
  std::string period;  // "daily" | "monthly"
  std::string since;   // start of today / of this month, ISO-8601 UTC
  double limit_usd = 0, spent_usd = 0;
  bool exceeded = false;  // spent > limit
  double over_by_usd = 0;
};

// One check per limit set (daily first), from the ledger rows since the start of this month.
std::vector<LimitCheck> check_limits(const std::vector<state::UsageRow>& month_rows, const Limits& limits,
                                     Clock::time_point now);
// Start of `now`'s UTC month, ISO-8601: the oldest row check_limits needs.
std::string month_start(Clock::time_point now);

nlohmann::json limit_document(const std::vector<LimitCheck>& checks);

double round_usd(double usd);
// "0.123456": micro-dollar precision, no currency sign.
std::string format_usd(double usd);

}  // namespace aqe::usage
