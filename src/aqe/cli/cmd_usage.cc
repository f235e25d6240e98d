// aqe usage report | alert: the model-call ledger in aqe.db read back (what it cost, whether
// a spending limit is exceeded). Both read without creating a DB: no ledger = zero calls.
#include <memory>
#include <optional>

#include "aqe/cli/command.h"
#include "aqe/usage/usage.h"
#include "aqe/util/fs.h"
#include "aqe/util/path.h"
#include "aqe/util/strings.h"

namespace aqe::cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct ReportFlags {
  std::string since = "30d", output, format;
};

struct AlertFlags {
  std::optional<double> daily, monthly;
};

// The ledger rows at or after `since_iso`; none when aqe.db does not exist (nothing is created).
Result<std::vector<state::UsageRow>> read_ledger(Context& ctx, const std::string& since_iso) {
  const fs::path state_dir = ctx.state_dir();
  std::error_code ec;
  if (!fs::exists(state_dir / "aqe.db", ec)) return std::vector<state::UsageRow>{};
  auto db = state::Db::open(state_dir);
  if (!db) return db.error();
  return db->usage_since(since_iso);
}

// --format, or from --output's extension (.json, .csv), else table.
Result<std::string> report_format(const ReportFlags& f) {
  std::string format = f.format;
  if (format.empty()) {
    const std::string ext = to_lower(fs::path(f.output).extension().string());
    format = ext == ".json" ? "json" : ext == ".csv" ? "csv" : "table";
  }
  if (format != "table" && format != "json" && format != "csv")
    return make_error("USAGE", "--format: '" + printable(format) + "' is not a usage format",
                      "formats: table, json, csv");
  return format;
}

CommandOutcome run_report(Context& ctx, const ReportFlags& f) {
  const std::string command = "usage report";
  auto format = report_format(f);
  if (!format) return error_outcome(command, format.error());
  auto since = usage::parse_since(f.since, usage::Clock::now());
  if (!since) return error_outcome(command, since.error());
  auto rows = read_ledger(ctx, *since);
  if (!rows) return error_outcome(command, rows.error());

  const usage::UsageReport report = usage::summarize(*rows, *since);
  CommandOutcome o;
  o.command = command;
  o.data = usage::report_document(report);
  const std::string text = *format == "json"
                               ? o.data.dump(2, ' ', false, json::error_handler_t::replace) + "\n"
                           : *format == "csv" ? usage::render_csv(report)
                                              : usage::render_table(report);
  o.data["output"] = nullptr;
  if (f.output.empty()) {
    o.text = text;
    return o;
  }
  fs::path out(f.output);
  if (out.is_relative()) out = ctx.project_dir / out;
  if (auto st = write_file_atomic(out, text); !st) {
    Error e = st.error();
    e.message = "--output: " + e.message;
    return error_outcome(command, e);
  }
  const std::string shown = display_path(out, ctx.project_dir);
  o.data["output"] = shown;
  o.text = "wrote " + shown + " (" + *format + ", " + std::to_string(report.total.calls) + " calls, $" +
           usage::format_usd(report.total.cost_usd) + ")\n";
  return o;
}

CommandOutcome run_alert(Context& ctx, const AlertFlags& f) {
  const std::string command = "usage alert";
  if (f.daily) ctx.set_flag(config::kUsageDailyLimitUsd, *f.daily, "--daily-limit");
  if (f.monthly) ctx.set_flag(config::kUsageMonthlyLimitUsd, *f.monthly, "--monthly-limit");
  auto cfg = ctx.config();
  if (!cfg) return error_outcome(command, cfg.error());
  const usage::Limits limits{(*cfg)->get(config::kUsageDailyLimitUsd),
                             (*cfg)->get(config::kUsageMonthlyLimitUsd)};
  if (limits.daily_usd <= 0 && limits.monthly_usd <= 0) {
    return error_outcome(command,
                         make_error("USAGE", "no spending limit to check",
                                    "give --daily-limit and/or --monthly-limit (USD), or set "
                                    "usage.daily_limit_usd / usage.monthly_limit_usd in qe-fleet.json"));
  }
  const auto now = usage::Clock::now();
  auto rows = read_ledger(ctx, usage::month_start(now));
  if (!rows) return error_outcome(command, rows.error());
  const auto checks = usage::check_limits(*rows, limits, now);

  CommandOutcome o;
  o.command = command;
  o.data = {{"exceeded", false}, {"limits", usage::limit_document(checks)}};
  for (const auto& c : checks) {
    o.text += c.period + " spend $" + usage::format_usd(c.spent_usd) + " of limit $" +
              usage::format_usd(c.limit_usd) + " (since " + c.since + ")";
    if (c.exceeded) {
      o.text += ": EXCEEDED by $" + usage::format_usd(c.over_by_usd);
      o.warnings.push_back(c.period + " usage limit $" + usage::format_usd(c.limit_usd) + " exceeded by $" +
                           usage::format_usd(c.over_by_usd));
      o.data["exceeded"] = true;
      o.exit_code = ExitCode::kFailure;
    }
    o.text += "\n";
  }
  return o;
}

}  // namespace

void add_usage_commands(CLI::App& app, CommandList& commands) {
  CLI::App* top = app.add_subcommand("usage", "What model calls cost (the usage ledger in aqe.db)");
  top->allow_extras();
  top->fallthrough();
  top->require_subcommand(0, 1);

  auto r = std::make_shared<ReportFlags>();
  CLI::App* rep = top->add_subcommand("report", "Calls, tokens by kind and cost by model, command and day");
  rep->add_option("--since", r->since, "Window: 7d, 24h, 30m, 2w, or a UTC date 2026-01-01 (default 30d)")
      ->type_name("WHEN");
  rep->add_option("--output,-o", r->output, "Write the report here (atomically; default: stdout)")
      ->type_name("FILE");
  rep->add_option("--format", r->format,
                  "table, json or csv (default: from --output's extension, else table)")
      ->type_name("FORMAT");
  rep->allow_extras();
  rep->fallthrough();
  commands.push_back({"usage report", rep, [r](Context& ctx) { return run_report(ctx, *r); }});

  auto a = std::make_shared<AlertFlags>();
  CLI::App* al = top->add_subcommand(
      "alert", "Exit 1 when today's or this month's spend (UTC) exceeds a limit, saying by how much");
  al->add_option("--daily-limit", a->daily, "USD per UTC day (default: usage.daily_limit_usd)")
      ->type_name("USD");
  al->add_option("--monthly-limit", a->monthly, "USD per UTC month (default: usage.monthly_limit_usd)")
      ->type_name("USD");
  al->allow_extras();
  al->fallthrough();
  commands.push_back({"usage alert", al, [a](Context& ctx) { return run_alert(ctx, *a); }});
}

}  // namespace aqe::cli
