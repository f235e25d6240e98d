// aqe report generate | badge: the stored runs as a document (JSON, Markdown) or a badge.
#include <charconv>
#include <memory>

#include "aqe/ci/ci.h"
#include "aqe/cli/artifacts_upload.h"
#include "aqe/cli/command.h"
#include "aqe/report/formats.h"
#include "aqe/report/html.h"
#include "aqe/report/report.h"
#include "aqe/util/fs.h"
#include "aqe/util/path.h"

namespace aqe::cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct GenerateFlags {
  std::string format, output, run, since, base_branch;
  std::optional<int64_t> max_bytes;
};

struct BadgeFlags {
  std::string metric, output, format = "svg";
};

Result<std::optional<int64_t>> parse_run_flag(const std::string& run) {
  if (run.empty() || run == "latest") return std::optional<int64_t>{};
  int64_t id = 0;
  auto [end, ec] = std::from_chars(run.data(), run.data() + run.size(), id);
  if (ec != std::errc() || end != run.data() + run.size() || id <= 0)
    return make_error("USAGE", "--run: '" + run + "' is not a run id",
                      "give a run id (a positive number) or latest");
  return std::optional(id);
}

// Reads the model from aqe.db without creating one: a report of nothing is an error, not an
// empty database left behind.
Result<report::Report> load_report(Context& ctx, const report::ReportOptions& options) {
  const fs::path state_dir = ctx.state_dir();
  std::error_code ec;
  if (!fs::exists(state_dir / "aqe.db", ec)) {
    return make_error("NO_DATA",
                      "no complete execute run recorded; run aqe execute first (no " +
                          display_path(state_dir / "aqe.db", ctx.project_dir) + ")",
                      "run `aqe execute tests/ --coverage` first");
  }
  auto db = state::Db::open(state_dir);
  if (!db) return db.error();
  return report::build_report(*db, options);
}

report::ReportOptions base_options(Context& ctx) {
  report::ReportOptions options;
  options.project_dir = ctx.project_dir;
  options.branch = ctx.ci_facts().branch;
  options.ci = ctx.ci_facts();
  return options;
}

fs::path output_path(const Context& ctx, const std::string& output) {
  fs::path p(output);
  return p.is_relative() ? ctx.project_dir / p : p;
}

// Writes --output atomically; returns the path as shown to the user.
Result<std::string> write_output(const Context& ctx, const std::string& output, std::string_view text) {
  const fs::path out = output_path(ctx, output);
  if (auto st = write_file_atomic(out, text); !st) {
    Error e = st.error();
    e.message = "--output: " + e.message;
    return e;
  }
  return display_path(out, ctx.project_dir);
}

// --format junit|sarif|codequality|openmetrics (report/formats.h): files CI tools read.
bool is_tool_format(const std::string& format) {
  return format == "junit" || format == "sarif" || format == "codequality" || format == "openmetrics";
}

Result<std::string> render_tool_format(Context& ctx, const std::string& format, report::Report& model) {
  if (format == "sarif") return report::render_sarif(model);
  if (format == "codequality") return report::render_codequality(model, model.warnings);
  if (format == "openmetrics") return report::render_openmetrics(model);
  auto db = state::Db::open(ctx.state_dir());
  if (!db) return db.error();
  return report::render_junit(*db, model, model.warnings);
}

// The name a document printed to stdout is stored under by --store-artifacts.
std::string stored_name(const std::string& format) {
  if (format == "json") return "report.json";
  if (format == "codequality") return "codequality.json";
  if (format == "markdown") return "report.md";
  if (format == "html") return "report.html";
  if (format == "sarif") return "report.sarif";
  if (format == "openmetrics") return "metrics.txt";
  return format + ".xml";  // junit, cobertura
}

// FILE, then FILE's stem with -2, -3, ... for the further parts (report.xml, report-2.xml).
fs::path part_path(const fs::path& first, size_t index) {
  if (index == 0) return first;
  return first.parent_path() /
         (first.stem().string() + "-" + std::to_string(index + 1) + first.extension().string());
}

// --format cobertura: one file, or several when GitLab's 10 MiB limit (--max-bytes) needs it.
CommandOutcome write_cobertura(Context& ctx, const GenerateFlags& f, report::Report& model) {
  const std::string command = "report generate";
  const size_t limit = f.max_bytes ? static_cast<size_t>(*f.max_bytes) : report::kCoberturaMaxBytes;
  auto parts = report::render_cobertura(model, fs::absolute(ctx.project_dir).lexically_normal().string(),
                                        limit, model.warnings);
  if (!parts) return error_outcome(command, parts.error());
  CommandOutcome o;
  o.command = command;
  json run_id = model.coverage ? json(model.coverage->run_id) : json(nullptr);
  size_t bytes = 0;
  for (const auto& p : *parts) bytes += p.size();
  o.data = {{"format", f.format}, {"output", nullptr}, {"run_id", run_id}, {"bytes", bytes}};
  if (f.output.empty()) {
    if (parts->size() > 1) {
      return error_outcome(command, make_error("USAGE",
                                               "--format cobertura: " + std::to_string(bytes) +
                                                   " bytes need " + std::to_string(parts->size()) +
                                                   " files of at most " + std::to_string(limit) + " bytes",
                                               "give --output FILE (the parts are FILE, FILE-2, ...)"));
    }
    o.text = parts->front();
    o.data["document"] = parts->front();
    o.produced.push_back({stored_name(f.format), {}, parts->front()});
    o.warnings = model.warnings;
    return o;
  }
  const fs::path first = output_path(ctx, f.output);
  json written = json::array();
  for (size_t i = 0; i < parts->size(); ++i) {
    auto shown = write_output(ctx, part_path(first, i).string(), (*parts)[i]);
    if (!shown) return error_outcome(command, shown.error());
    written.push_back(*shown);
    o.produced.push_back({part_path(first, i).filename().string(), part_path(first, i), {}});
    o.text += "wrote " + *shown + " (cobertura, " + std::to_string((*parts)[i].size()) + " bytes)\n";
  }
  o.data["output"] = written.front();
  o.data["parts"] = written;
  if (parts->size() > 1) {
    model.warnings.push_back("cobertura: split into " + std::to_string(parts->size()) +
                             " files to stay under " + std::to_string(limit) +
                             " bytes each; point GitLab's coverage_report path at all of them (a glob)");
  }
  o.warnings = model.warnings;
  return o;
}

CommandOutcome run_generate(Context& ctx, const GenerateFlags& f) {
  const std::string command = "report generate";
  if (f.format != "json" && f.format != "markdown" && f.format != "html" && f.format != "cobertura" &&
      !is_tool_format(f.format)) {
    return error_outcome(command, make_error("USAGE", "--format: '" + f.format + "' is not a report format",
                                             "formats: json, markdown, html, junit, sarif, codequality, "
                                             "cobertura, openmetrics"));
  }
  if (f.max_bytes && f.format != "markdown" && f.format != "cobertura") {
    return error_outcome(command,
                         make_error("USAGE", "--max-bytes: applies to --format markdown and cobertura only",
                                    "drop --max-bytes"));
  }
  if (f.max_bytes && *f.max_bytes < 1024) {
    return error_outcome(
        command,
        make_error("USAGE", "--max-bytes: " + std::to_string(*f.max_bytes) + " is too small for a summary",
                   "give at least 1024"));
  }
  report::ReportOptions options = base_options(ctx);
  auto run = parse_run_flag(f.run);
  if (!run) return error_outcome(command, run.error());
  options.run_id = *run;
  if (!f.since.empty()) {
    auto since = report::parse_since(f.since);
    if (!since) return error_outcome(command, since.error());
    options.since = *since;
  }
  options.base_branch = f.base_branch;

  auto model = load_report(ctx, options);
  if (!model) return error_outcome(command, model.error());
  if (f.format == "cobertura") return write_cobertura(ctx, f, *model);

  std::string text;
  json document;
  if (f.format == "json") {
    document = report::report_document(*model);
    text = document.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
  } else if (is_tool_format(f.format)) {
    auto rendered = render_tool_format(ctx, f.format, *model);
    if (!rendered) return error_outcome(command, rendered.error());
    text = std::move(*rendered);
    document = text;
  } else if (f.format == "html") {
    document = report::report_document(*model);
    text = report::render_html(document, report::read_sources(document, ctx.project_dir));
    document = text;
  } else {
    text = report::render_markdown(
        *model, f.max_bytes ? static_cast<size_t>(*f.max_bytes) : report::kDefaultMarkdownBytes);
    document = text;
  }

  CommandOutcome o;
  o.command = command;
  o.warnings = model->warnings;
  json run_id = model->tests ? json(model->tests->run_id) : json(nullptr);
  o.data = {{"format", f.format}, {"output", nullptr}, {"run_id", run_id}, {"bytes", text.size()}};
  if (f.output.empty()) {
    o.produced.push_back({stored_name(f.format), {}, text});
    o.text = std::move(text);
    o.data["document"] = document;
    return o;
  }
  auto shown = write_output(ctx, f.output, text);
  if (!shown) return error_outcome(command, shown.error());
  o.data["output"] = *shown;
  o.produced.push_back({output_path(ctx, f.output).filename().string(), output_path(ctx, f.output), {}});
  o.text = "wrote " + *shown + " (" + f.format + ", " + std::to_string(text.size()) + " bytes)\n";
  return o;
}

CommandOutcome run_badge(Context& ctx, const BadgeFlags& f) {
  const std::string command = "report badge";
  auto metric = report::parse_badge_metric(f.metric);
  if (!metric) {
    return error_outcome(command, make_error("USAGE", "--metric: '" + f.metric + "' is not a badge metric",
                                             "metrics: coverage, tests, quality, security, generated, cost"));
  }
  auto format = report::parse_badge_format(f.format);
  if (!format) {
    return error_outcome(command, make_error("USAGE", "--format: '" + f.format + "' is not a badge format",
                                             "formats: svg, endpoint"));
  }
  // A badge exists before anything was measured: it says "unknown".
  report::Report empty;
  auto model = load_report(ctx, base_options(ctx));
  if (!model && model.error().code != "NO_DATA") return error_outcome(command, model.error());
  const report::Report& r = model ? *model : empty;
  const std::string text = report::render_badge(*metric, r, *format);
  const report::Badge badge = report::badge_of(*metric, r);

  CommandOutcome o;
  o.command = command;
  if (model) o.warnings = model->warnings;
  o.data = {{"metric", f.metric},   {"format", f.format}, {"label", badge.label}, {"message", badge.message},
            {"color", badge.color}, {"output", nullptr},  {"bytes", text.size()}};
  if (f.output.empty()) {
    o.text = text;
    return o;
  }
  auto shown = write_output(ctx, f.output, text);
  if (!shown) return error_outcome(command, shown.error());
  o.data["output"] = *shown;
  o.text = "wrote " + *shown + " (" + badge.label + ": " + badge.message + ")\n";
  return o;
}

// aqe report push: the openmetrics text of the report to a Prometheus Pushgateway.
struct PushFlags {
  std::string pushgateway, job = "aqe", run;
};

CommandOutcome run_push(Context& ctx, const PushFlags& f) {
  const std::string command = "report push";
  report::PushOptions push;
  push.url = f.pushgateway;
  push.job = f.job;
  report::ReportOptions options = base_options(ctx);
  auto run = parse_run_flag(f.run);
  if (!run) return error_outcome(command, run.error());
  options.run_id = *run;
  // The URL is checked before anything is read, so a typo is not hidden behind NO_DATA.
  if (auto checked = report::check_push_options(push); !checked)
    return error_outcome(command, checked.error());
  auto model = load_report(ctx, options);
  if (!model) return error_outcome(command, model.error());
  const std::string text = report::render_openmetrics(*model);
  auto pushed = report::push_metrics(push, text);
  if (!pushed) return error_outcome(command, pushed.error());
  CommandOutcome o;
  o.command = command;
  o.warnings = model->warnings;
  json run_id = model->tests ? json(model->tests->run_id) : json(nullptr);
  o.data = {{"url", pushed->url},       {"job", f.job},
            {"run_id", run_id},         {"bytes", text.size()},
            {"status", pushed->status}, {"attempts", pushed->attempts}};
  o.text = "pushed " + std::to_string(text.size()) + " bytes of metrics to " + pushed->url + "\n";
  return o;
}

void add_push_command(CLI::App* rep, CommandList& commands) {
  auto p = std::make_shared<PushFlags>();
  CLI::App* push =
      rep->add_subcommand("push", "Push the report's key figures (openmetrics) to a Prometheus Pushgateway");
  push->add_option("--pushgateway", p->pushgateway, "The gateway's base URL, e.g. http://pushgateway:9091")
      ->type_name("URL")
      ->required();
  push->add_option("--job", p->job, "The job label of the pushed group (default: aqe)")->type_name("NAME");
  push->add_option("--run", p->run, "Report this execute run (default: latest, the latest complete one)")
      ->type_name("ID|latest");
  push->allow_extras();
  push->fallthrough();
  commands.push_back({"report push", push, [p](Context& ctx) { return run_push(ctx, *p); }});
}

}  // namespace

void add_report_commands(CLI::App& app, CommandList& commands) {
  CLI::App* rep = app.add_subcommand("report", "Reports and badges from the recorded runs");
  rep->allow_extras();
  rep->fallthrough();
  rep->require_subcommand(0, 1);

  auto g = std::make_shared<GenerateFlags>();
  CLI::App* gen = rep->add_subcommand(
      "generate", "The latest complete execute run, its coverage, gate, findings and trends as one document");
  gen->add_option(
         "--format", g->format,
         "json (schema aqe-report v1), markdown (PR comment, step summary), html (one self-contained page), "
         "junit, sarif, codequality (GitLab), cobertura (GitLab coverage) or openmetrics (Prometheus text)")
      ->type_name("FORMAT")
      ->required();
  gen->add_option("--output,-o", g->output, "Write the document here (atomically; default: stdout)")
      ->type_name("FILE");
  gen->add_option("--run", g->run, "Report this execute run (default: latest, the latest complete one)")
      ->type_name("ID|latest");
  gen->add_option("--since", g->since, "Trends over runs started within this window: 30d, 12h, 45m")
      ->type_name("DURATION");
  gen->add_option("--base-branch", g->base_branch,
                  "Compare with the run on the merge base of HEAD and this branch")
      ->type_name("BRANCH");
  gen->add_option("--max-bytes", g->max_bytes,
                  "Size limit: markdown (default 65536: a PR comment), cobertura per file (default 10 MiB)")
      ->type_name("N");
  gen->allow_extras();
  gen->fallthrough();
  auto store = std::make_shared<StoreFlags>();
  add_store_flags(gen, *store);
  commands.push_back(
      {"report generate", gen, [g](Context& ctx) { return run_generate(ctx, *g); }, false, store});

  auto b = std::make_shared<BadgeFlags>();
  CLI::App* badge =
      rep->add_subcommand("badge", "A README badge of one measured figure (\"unknown\" when not measured)");
  badge->add_option("--metric", b->metric, "coverage, tests, quality, security, generated or cost")
      ->type_name("METRIC")
      ->required();
  badge->add_option("--output,-o", b->output, "Write the badge here (atomically; default: stdout)")
      ->type_name("FILE");
  badge->add_option("--format", b->format, "svg (default) or endpoint (shields.io endpoint JSON)")
      ->type_name("FORMAT");
  badge->allow_extras();
  badge->fallthrough();
  commands.push_back({"report badge", badge, [b](Context& ctx) { return run_badge(ctx, *b); }});
  add_push_command(rep, commands);
  add_report_merge_command(*rep, commands);
}

}  // namespace aqe::cli
