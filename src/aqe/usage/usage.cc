#include "aqe/usage/usage.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "aqe/util/strings.h"
#include "aqe/util/time.h"

namespace aqe::usage {

namespace {

using nlohmann::json;
namespace chr = std::chrono;

Error bad_since(std::string_view text) {
  return make_error("USAGE", "--since: '" + printable(text) + "' is neither a duration nor a date",
                    "a whole number and a unit (7d, 24h, 30m, 90s, 2w) or a UTC date (2026-01-01)");
}

bool parse_int(std::string_view s, int64_t& out) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

// "YYYY-MM-DD" as a valid calendar date, or nothing.
std::optional<chr::sys_days> parse_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  int64_t y = 0, m = 0, d = 0;
  if (!parse_int(s.substr(0, 4), y) || !parse_int(s.substr(5, 2), m) || !parse_int(s.substr(8, 2), d))
    return std::nullopt;
  const chr::year_month_day ymd{chr::year(static_cast<int>(y)), chr::month(static_cast<unsigned>(m)),
                                chr::day(static_cast<unsigned>(d))};
  if (!ymd.ok()) return std::nullopt;
  return chr::sys_days(ymd);
}

void add(Bucket& b, const state::UsageRow& r) {
  ++b.calls;
  b.cache_hits += r.cache_hit ? 1 : 0;
  b.unknown_cost_calls += r.cost_known ? 0 : 1;
  b.tokens.input += r.input_tokens;
  b.tokens.output += r.output_tokens;
  b.tokens.cache_write += r.cache_write_tokens;
  b.tokens.cache_read += r.cache_read_tokens;
  b.tokens.reasoning += r.reasoning_tokens;
  b.cost_usd += r.cost_usd;
}

json bucket_fields(const Bucket& b, const char* cost_name) {
  return json{{cost_name, round_usd(b.cost_usd)},
              {"calls", b.calls},
              {"input_tokens", b.tokens.input},
              {"output_tokens", b.tokens.output},
              {"cache_write_tokens", b.tokens.cache_write},
              {"cache_read_tokens", b.tokens.cache_read},
              {"reasoning_tokens", b.tokens.reasoning},
              {"cache_hits", b.cache_hits},
              {"unknown_cost_calls", b.unknown_cost_calls}};
}

json buckets(const std::map<std::string, Bucket>& m) {
  json out = json::object();
  for (const auto& [name, b] : m) out[name] = bucket_fields(b, "cost_usd");
  return out;
}

// RFC 4180 field; a leading =, +, - or @ is prefixed with ' so a spreadsheet does not run it.
std::string csv_field(const std::string& s) {
  std::string v = s;
  if (!v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@')) v.insert(0, "'");
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string q = "\"";
  for (char c : v) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

std::string usd(double v) { return "$" + format_usd(v); }

std::string table_rows(const std::map<std::string, Bucket>& m, const char* title) {
  std::string out = fmt::format("\n{:<32} {:>7} {:>10} {:>12} {:>12} {:>12} {:>14}\n", title, "calls",
                                "cache hits", "input", "output", "cache read", "cost");
  for (const auto& [name, b] : m) {
    out += fmt::format("{:<32} {:>7} {:>10} {:>12} {:>12} {:>12} {:>14}\n", printable(name), b.calls,
                       b.cache_hits, b.tokens.input, b.tokens.output + b.tokens.reasoning,
                       b.tokens.cache_read, usd(b.cost_usd));
  }
  return out;
}

}  // namespace

double round_usd(double usd) { return std::round(usd * 1e6) / 1e6; }

std::string format_usd(double usd) { return fmt::format("{:.6f}", round_usd(usd)); }

Result<std::string> parse_since(std::string_view text, Clock::time_point now) {
  if (auto day = parse_date(text)) return iso8601_utc(*day);
  const auto window = parse_duration_s(text);
  if (!window) return bad_since(text);
  // Beyond a century back is the whole ledger anyway; the cap keeps the time point in range.
  constexpr int64_t kCenturyS = 100LL * 366 * 86400;
  const int64_t seconds = std::min(*window, kCenturyS);
  return iso8601_utc(now - chr::seconds(seconds));
}

UsageReport summarize(const std::vector<state::UsageRow>& rows, std::string since) {
  UsageReport r;
  r.since = std::move(since);
  for (const auto& row : rows) {
    const std::string model = row.model.empty() ? "unknown" : row.model;
    const std::string command = row.command.empty() ? "unknown" : row.command;
    const std::string day = row.at.substr(0, 10);
    add(r.total, row);
    add(r.by_model[model], row);
    add(r.by_command[command], row);
    add(r.by_day[day], row);
    add(r.by_day_command_model[{day, command, model}], row);
  }
  return r;
}

json report_document(const UsageReport& report) {
  json doc = {{"since", report.since.empty() ? json(nullptr) : json(report.since)}};
  doc.update(bucket_fields(report.total, "total_cost_usd"));
  doc["by_model"] = buckets(report.by_model);
  doc["by_command"] = buckets(report.by_command);
  doc["by_day"] = buckets(report.by_day);
  return doc;
}

std::string render_csv(const UsageReport& report) {
  std::string out =
      "day,command,model,calls,cache_hits,input_tokens,cache_write_tokens,cache_read_tokens,output_tokens,"
      "reasoning_tokens,cost_usd\n";
  for (const auto& [key, b] : report.by_day_command_model) {
    const auto& [day, command, model] = key;
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{:.6f}\n", csv_field(day), csv_field(command),
                       csv_field(model), b.calls, b.cache_hits, b.tokens.input, b.tokens.cache_write,
                       b.tokens.cache_read, b.tokens.output, b.tokens.reasoning, round_usd(b.cost_usd));
  }
  return out;
}

std::string render_table(const UsageReport& report) {
  const Bucket& t = report.total;
  std::string out = fmt::format("Usage since {}: {} calls ({} from the response cache), {}\n",
                                report.since.empty() ? "the start of the ledger" : report.since, t.calls,
                                t.cache_hits, usd(t.cost_usd));
  out += fmt::format("Tokens: input {}, cache write {}, cache read {}, output {} (of which reasoning {})\n",
                     t.tokens.input, t.tokens.cache_write, t.tokens.cache_read,
                     t.tokens.output + t.tokens.reasoning, t.tokens.reasoning);
  if (t.calls == 0) return out + "No model calls recorded in this window.\n";
  out += table_rows(report.by_model, "model");
  out += table_rows(report.by_command, "command");
  out += table_rows(report.by_day, "day (UTC)");
  return out;
}

std::string month_start(Clock::time_point now) {
  const chr::year_month_day ymd{chr::floor<chr::days>(now)};
  return iso8601_utc(chr::sys_days(ymd.year() / ymd.month() / chr::day(1)));
}

std::vector<LimitCheck> check_limits(const std::vector<state::UsageRow>& month_rows, const Limits& limits,
                                     Clock::time_point now) {
  const std::string month = month_start(now);
  const std::string today = iso8601_utc(chr::floor<chr::days>(now));
  double spent_month = 0, spent_today = 0;
  for (const auto& r : month_rows) {
    if (r.at >= month) spent_month += r.cost_usd;
    if (r.at >= today) spent_today += r.cost_usd;
  }
  std::vector<LimitCheck> checks;
  auto check = [&](const char* period, const std::string& since, double limit, double spent) {
    if (limit <= 0) return;
    LimitCheck c{period, since, limit, round_usd(spent)};
    c.exceeded = c.spent_usd > limit;
    c.over_by_usd = c.exceeded ? round_usd(c.spent_usd - limit) : 0;
    checks.push_back(c);
  };
  check("daily", today, limits.daily_usd, spent_today);
  check("monthly", month, limits.monthly_usd, spent_month);
  return checks;
}

json limit_document(const std::vector<LimitCheck>& checks) {
  json out = json::array();
  for (const auto& c : checks) {
    out.push_back({{"period", c.period},
                   {"since", c.since},
                   {"limit_usd", c.limit_usd},
                   {"spent_usd", c.spent_usd},
                   {"exceeded", c.exceeded},
                   {"over_by_usd", c.over_by_usd}});
  }
  return out;
}

}  // namespace aqe::usage
