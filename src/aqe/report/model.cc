// build_report: the model from the run records (state/runs.h) and the state tables, one read of
// each table per section; per-file line data from the run's own coverage.py JSON report.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "aqe/coverage/coverage.h"
#include "aqe/git/git.h"
#include "aqe/report/report.h"
#include "aqe/results/junit.h"
#include "aqe/util/fs.h"
#include "aqe/util/path.h"
#include "aqe/util/time.h"

namespace aqe::report {

namespace {

constexpr size_t kTracebackBytes = 4096;
constexpr size_t kSlowest = 10;

double round2(double v) { return std::round(v * 100.0) / 100.0; }

std::optional<double> percent(int64_t covered, int64_t total) {
  if (total <= 0) return std::nullopt;
  return round2(100.0 * static_cast<double>(covered) / static_cast<double>(total));
}

// The last `max` bytes (where a traceback ends with the assertion), cut at a UTF-8 boundary.
std::string tail_excerpt(const std::string& text, size_t max) {
  if (text.size() <= max) return text;
  size_t start = text.size() - max;
  while (start < text.size() && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) ++start;
  return "…" + text.substr(start);
}

bool is_failing(const std::string& outcome) { return outcome == "failed" || outcome == "error"; }

// Per test, its last attempt (retries are stored after the first), in first-seen order.
std::vector<const state::TestResultRow*> final_results(const std::vector<state::TestResultRow>& rows) {
  std::vector<const state::TestResultRow*> out;
  std::unordered_map<std::string_view, size_t> index;
  index.reserve(rows.size());
  for (const auto& r : rows) {
    auto [it, fresh] = index.emplace(r.test_id, out.size());
    if (fresh) {
      out.push_back(&r);
    } else {
      out[it->second] = &r;
    }
  }
  return out;
}

// An xfailed test counts as skipped and an xpassed one as passed, as the gate counts them.
std::optional<double> pass_rate_of(const state::ExecuteSummary& s) {
  return percent(s.passed + s.xpassed, s.tests_run - s.skipped - s.xfailed);
}

std::optional<double> line_rate_of(const std::optional<state::CoverageTotals>& c) {
  return c ? percent(c->lines_covered, c->lines_total) : std::nullopt;
}

std::optional<double> branch_rate_of(const std::optional<state::CoverageTotals>& c) {
  return c ? percent(c->branches_covered, c->branches_total) : std::nullopt;
}

Result<std::optional<state::RunRecord>> latest_complete(state::Db& db, const std::string& command,
                                                        const std::string& branch) {
  return db.latest_run(command, branch, state::RunFilter::kComplete);
}

Result<state::RunRecord> pick_execute_run(state::Db& db, const ReportOptions& o,
                                          std::vector<std::string>& warnings) {
  if (o.run_id) {
    auto run = db.run(*o.run_id);
    if (!run) return run.error();
    if (!*run || (*run)->finished_at.empty()) {
      return make_error("USAGE", "--run: no finished run with id " + std::to_string(*o.run_id),
                        "omit --run for the latest complete execute run");
    }
    if ((*run)->status == state::RunStatus::kError) {
      return make_error(
          "USAGE",
          "--run: run " + std::to_string(*o.run_id) + " ended in an error; nothing it measured is reported",
          "omit --run for the latest complete execute run");
    }
    if ((*run)->command != "execute" || (*run)->as<state::ExecuteSummary>() == nullptr) {
      return make_error("USAGE",
                        "--run: run " + std::to_string(*o.run_id) + " is a " + (*run)->command +
                            " run with no test results; give an execute run",
                        "omit --run for the latest complete execute run");
    }
    return std::move(**run);
  }
  // The checkout's branch first: a state DB restored from a CI cache holds other branches too.
  if (!o.branch.empty()) {
    auto run = latest_complete(db, "execute", o.branch);
    if (!run) return run.error();
    if (*run) return std::move(**run);
  }
  auto run = latest_complete(db, "execute", "");
  if (!run) return run.error();
  if (!*run) return make_error("NO_DATA", "no complete execute run recorded; run aqe execute first");
  if (!o.branch.empty()) {
    warnings.push_back("no complete execute run on branch " + o.branch + "; reporting run " +
                       std::to_string((*run)->id) + " of branch " +
                       ((*run)->branch.empty() ? std::string("(unknown)") : (*run)->branch));
  }
  return std::move(**run);
}

Result<TestsSection> tests_section(state::Db& db, const state::RunRecord& run,
                                   const std::vector<state::TestResultRow>& rows) {
  const auto* summary = run.as<state::ExecuteSummary>();
  if (summary == nullptr)
    return make_error("INTERNAL", "run " + std::to_string(run.id) + " has no execute summary");
  const auto& s = *summary;
  TestsSection t;
  t.run_id = run.id;
  t.status = std::string(state::run_status_name(run.status));
  t.complete = state::is_complete(run.status);
  t.started_at = run.started_at;
  t.commit = run.commit;
  t.total = s.tests_run;
  t.passed = s.passed + s.xpassed;
  t.failed = s.failed;
  t.skipped = s.skipped + s.xfailed;
  t.errors = s.errors;
  t.flaky = s.flaky;
  t.pass_rate = pass_rate_of(s);
  t.duration_s = s.duration_s;
  t.workers = s.workers;
  t.junit_xml = s.junit_xml;
  t.not_run = s.not_run;

  const auto finals = final_results(rows);
  std::vector<const state::TestResultRow*> failing;
  for (const auto* r : finals)
    if (is_failing(r->outcome)) failing.push_back(r);

  // The JUnit report has the traceback and the line; read it only when something failed.
  std::unordered_map<std::string, results::JunitCase> cases;
  if (!failing.empty() && !s.junit_xml.empty()) {
    if (auto xml = read_file(s.junit_xml)) {
      if (auto parsed = results::parse_junit(*xml, s.junit_xml)) {
        for (auto& c : *parsed)
          if (is_failing(c.outcome)) cases.emplace(c.test_id, std::move(c));
      }
    }
  }
  for (const auto* r : failing) {
    Failure f{r->test_id, r->file, std::nullopt, r->message, {}};
    if (auto it = cases.find(r->test_id); it != cases.end()) {
      if (it->second.line > 0) f.line = it->second.line;
      if (f.message.empty()) f.message = it->second.message;
      f.traceback = tail_excerpt(it->second.details, kTracebackBytes);
    }
    t.failures.push_back(std::move(f));
  }

  std::vector<const state::TestResultRow*> by_time(finals.begin(), finals.end());
  const size_t n = std::min(kSlowest, by_time.size());
  std::partial_sort(by_time.begin(), by_time.begin() + static_cast<std::ptrdiff_t>(n), by_time.end(),
                    [](const auto* a, const auto* b) { return a->duration_s > b->duration_s; });
  for (size_t i = 0; i < n; ++i) t.slowest.push_back({by_time[i]->test_id, by_time[i]->duration_s});

  if (!s.flaky_tests.empty()) {
    auto flakes = db.flakes();
    if (!flakes) return flakes.error();
    std::unordered_map<std::string, const state::FlakeRow*> history;
    for (const auto& f : *flakes) history.emplace(f.test_id, &f);
    for (const auto& name : s.flaky_tests) {
      FlakyTest ft{name, std::nullopt, {}};
      if (auto it = history.find(name); it != history.end()) {
        ft.count = it->second->count;
        ft.last_seen = it->second->last_seen;
      }
      t.flaky_tests.push_back(std::move(ft));
    }
  }
  return t;
}

FileRow file_row(const coverage::FileCoverage& f, bool line_data) {
  FileRow row{f.file,
              f.lines_covered,
              f.lines_total,
              f.branches_covered,
              f.branches_total,
              percent(f.lines_covered, f.lines_total),
              percent(f.branches_covered, f.branches_total),
              std::nullopt,
              std::nullopt,
              std::nullopt};
  if (line_data) {
    row.missing_lines = f.missing_lines;
    row.partial_branches = f.missing_branches;
    row.covered_lines = f.covered_lines;
  }
  return row;
}

// Diff coverage of the run's per-line coverage; none when the run's coverage report is gone.
Result<std::optional<DiffSection>> diff_section(const CoverageSection& cov, const ReportOptions& o) {
  std::vector<changes::MeasuredFile> measured;
  for (const auto& f : cov.files)
    if (f.covered_lines && f.missing_lines)
      measured.push_back({f.path, &*f.covered_lines, &*f.missing_lines});
  if (measured.empty()) return std::optional<DiffSection>{};
  auto diff = changes::diff_against_base(o.project_dir, o.base_branch, "--base-branch", o.ci);
  if (!diff) return diff.error();
  DiffSection d;
  d.base = diff->base;
  d.base_reason = diff->base_reason;
  d.merge_base = diff->merge_base;
  d.unavailable = diff->unavailable;
  if (d.unavailable.empty()) {
    changes::DiffCoverage dc = changes::diff_coverage(*diff, measured);
    d.lines = dc.lines;
    d.covered = dc.covered;
    d.rate = percent(dc.covered, dc.lines);
    d.files_changed = dc.files_changed;
    d.files_measured = dc.files_measured;
    d.uncovered = std::move(dc.uncovered);
  }
  return std::optional<DiffSection>{std::move(d)};
}

Result<std::optional<CoverageSection>> coverage_section(state::Db& db, const state::RunRecord& run,
                                                        const ReportOptions& o,
                                                        std::vector<std::string>& warnings) {
  const auto* summary = run.as<state::ExecuteSummary>();
  if (summary == nullptr || !summary->coverage) return std::optional<CoverageSection>{};
  const auto& s = *summary;
  CoverageSection c;
  c.run_id = run.id;
  c.lines_covered = s.coverage->lines_covered;
  c.lines_total = s.coverage->lines_total;
  c.branches_covered = s.coverage->branches_covered;
  c.branches_total = s.coverage->branches_total;
  c.line_rate = line_rate_of(s.coverage);
  c.branch_rate = branch_rate_of(s.coverage);

  if (!s.coverage_json.empty()) {
    if (auto text = read_file(s.coverage_json)) {
      coverage::ReadOptions ro;
      ro.project_dir = o.project_dir;
      ro.normalize = &project_path;
      if (auto rep = coverage::read_coverage(*text, s.coverage_json, ro)) {
        for (const auto& f : rep->files) c.files.push_back(file_row(f, true));
        return std::optional(std::move(c));
      }
    }
  }
  // The report file is gone (another checkout, a cleaned build dir): the stored counts remain.
  auto snap = db.coverage_of_run(run.id);
  if (!snap) return snap.error();
  if (*snap) {
    for (const auto& f : (*snap)->files) c.files.push_back(file_row(f, false));
  }
  warnings.push_back("the coverage report of run " + std::to_string(run.id) +
                     (s.coverage_json.empty() ? "" : " (" + s.coverage_json + ")") +
                     " cannot be read: per-file missing lines and branches are unknown");
  return std::optional(std::move(c));
}

template <typename Section, typename Summary, typename Fill>
Result<std::optional<Section>> latest_section(state::Db& db, const std::string& command,
                                              const std::string& branch, Fill fill) {
  auto run = latest_complete(db, command, branch);
  if (!run) return run.error();
  if (!*run) return std::optional<Section>{};
  const Summary* s = (*run)->template as<Summary>();
  if (s == nullptr) return std::optional<Section>{};
  return fill(**run, *s);
}

Result<std::optional<SecuritySection>> security_section(state::Db& db, const std::string& branch) {
  return latest_section<SecuritySection, state::ScanSummary>(
      db, "security-scan", branch,
      [&](const state::RunRecord& run,
          const state::ScanSummary& s) -> Result<std::optional<SecuritySection>> {
        auto rows = db.findings_of_run(run.id);
        if (!rows) return rows.error();
        return std::optional(
            SecuritySection{run.id, s.files_scanned, s.critical, s.high, s.medium, s.low, std::move(*rows)});
      });
}

Result<std::vector<TrendPoint>> trends(state::Db& db, const std::string& branch, const ReportOptions& o) {
  state::RunQuery q;
  q.command = "execute";
  q.branch = branch;
  q.filter = state::RunFilter::kComplete;
  q.limit = o.trend_count;
  if (o.since) q.since = iso8601_utc(std::chrono::system_clock::now() - *o.since);
  auto runs = db.runs(q);
  if (!runs) return runs.error();
  std::vector<TrendPoint> out;
  for (auto it = runs->rbegin(); it != runs->rend(); ++it) {
    const auto* s = it->as<state::ExecuteSummary>();
    if (s == nullptr) continue;
    TrendPoint p{it->id,
                 it->started_at,
                 it->commit,
                 pass_rate_of(*s),
                 line_rate_of(s->coverage),
                 branch_rate_of(s->coverage),
                 s->duration_s,
                 s->tests_run,
                 std::nullopt,
                 std::nullopt};
    if (!it->commit.empty()) {
      state::RunQuery scan;
      scan.command = "security-scan";
      scan.branch = branch;
      scan.commit = it->commit;
      scan.filter = state::RunFilter::kComplete;
      auto scans = db.runs(scan);
      if (!scans) return scans.error();
      for (const auto& run : *scans) {
        if (const auto* f = run.as<state::ScanSummary>(); f != nullptr) {
          p.findings = f->critical + f->high + f->medium + f->low;
          break;
        }
      }
      auto usage = db.usage_totals(branch, it->commit);
      if (!usage) return usage.error();
      if (usage->calls > 0) p.cost_usd = usage->cost_usd;
    }
    out.push_back(std::move(p));
  }
  return out;
}

std::optional<double> delta(const std::optional<double>& now, const std::optional<double>& base) {
  if (!now || !base) return std::nullopt;
  return round2(*now - *base);
}

Result<Comparison> compare(state::Db& db, const Report& report, const std::vector<state::TestResultRow>& rows,
                           const state::RunRecord* current, const ReportOptions& o) {
  Comparison c;
  c.base_branch = o.base_branch;
  if (!git::resolves_to_commit(o.project_dir, o.base_branch)) {
    return make_error(
        "USAGE",
        "--base-branch: git cannot resolve '" + o.base_branch + "' to a commit in " + o.project_dir.string(),
        "fetch the base branch (e.g. git fetch origin main) or name it as git knows it");
  }
  auto base = git::merge_base(o.project_dir, o.base_branch);
  if (!base) {
    return make_error(
        "USAGE", "--base-branch: no merge base of HEAD and '" + o.base_branch + "': " + base.error().message);
  }
  c.base_commit = *base;
  const std::string short_sha = c.base_commit.substr(0, 12);
  const state::ExecuteSummary* current_summary =
      current == nullptr ? nullptr : current->as<state::ExecuteSummary>();
  if (current_summary == nullptr) {
    c.reason = "unknown: no execute run to compare with base commit " + short_sha;
    return c;
  }
  state::RunQuery q;
  q.command = "execute";
  q.commit = c.base_commit;
  q.filter = state::RunFilter::kComplete;
  auto base_runs = db.runs(q);
  if (!base_runs) return base_runs.error();
  const state::ExecuteSummary* base_summary =
      base_runs->empty() ? nullptr : base_runs->front().as<state::ExecuteSummary>();
  if (base_summary == nullptr) {
    c.reason = "unknown: base commit " + short_sha + " was never measured";
    return c;
  }
  const state::RunRecord& base_run = base_runs->front();
  c.base_run_id = base_run.id;
  c.measured = true;

  auto base_rows = db.test_results_of_run(base_run.id);
  if (!base_rows) return base_rows.error();
  std::unordered_map<std::string_view, std::string_view> base_outcome;
  for (const auto* r : final_results(*base_rows)) base_outcome[r->test_id] = r->outcome;
  for (const auto* r : final_results(rows)) {
    auto it = base_outcome.find(r->test_id);
    const bool failed_before = it != base_outcome.end() && is_failing(std::string(it->second));
    if (is_failing(r->outcome) && !failed_before) c.new_failures.push_back(r->test_id);
    if (!is_failing(r->outcome) && r->outcome != "skipped" && failed_before) c.fixed.push_back(r->test_id);
  }
  const std::set<std::string> flaky_before(base_summary->flaky_tests.begin(),
                                           base_summary->flaky_tests.end());
  for (const auto& t : current_summary->flaky_tests)
    if (!flaky_before.count(t)) c.newly_flaky.push_back(t);

  const auto& now_cov = current_summary->coverage;
  c.line_rate_delta = delta(line_rate_of(now_cov), line_rate_of(base_summary->coverage));
  c.branch_rate_delta = delta(branch_rate_of(now_cov), branch_rate_of(base_summary->coverage));

  if (report.security) {
    q.command = "security-scan";
    auto scans = db.runs(q);
    if (!scans) return scans.error();
    if (!scans->empty()) {
      auto base_findings = db.findings_of_run(scans->front().id);
      if (!base_findings) return base_findings.error();
      std::unordered_set<std::string> known;
      for (const auto& f : *base_findings) known.insert(f.fingerprint);
      std::vector<state::FindingRow> fresh;
      for (const auto& f : report.security->findings)
        if (!known.count(f.fingerprint)) fresh.push_back(f);
      c.new_findings = std::move(fresh);
    }
  }
  return c;
}

}  // namespace

Result<std::chrono::seconds> parse_since(std::string_view text) {
  auto bad = [&] {
    return make_error("USAGE", "--since: '" + std::string(text) + "' is not a duration",
                      "a whole number and a unit: 30d, 12h, 45m, 90s, 2w");
  };
  const auto seconds = parse_duration_s(text);
  // About 290 years of seconds fit; more is a typo, not a window.
  if (!seconds || *seconds > 100LL * 365 * 86400) return bad();
  return std::chrono::seconds(*seconds);
}

Result<Report> build_report(state::Db& db, const ReportOptions& o) {
  Report r;
  r.generated_at = iso8601_now();
  r.branch = o.branch;

  std::optional<state::RunRecord> run;
  auto picked = pick_execute_run(db, o, r.warnings);
  if (picked) {
    run = std::move(*picked);
  } else if (o.run_id || picked.error().code != "NO_DATA") {
    return picked.error();
  }
  if (run && !o.run_id) {
    // The contract: a report never presents a partial run as complete, and says so.
    auto latest = db.latest_run("execute", run->branch, state::RunFilter::kJudgeable);
    if (!latest) return latest.error();
    if (*latest && (*latest)->id > run->id && !state::is_complete((*latest)->status)) {
      r.warnings.push_back("the latest execute run (" + std::to_string((*latest)->id) + ") is partial (" +
                           std::string(state::run_status_name((*latest)->status)) + "); reporting run " +
                           std::to_string(run->id) + ", the latest complete one");
    }
  }
  std::vector<state::TestResultRow> rows;
  if (run) {
    r.branch = run->branch;
    r.commit = run->commit;
    auto stored = db.test_results_of_run(run->id);
    if (!stored) return stored.error();
    rows = std::move(*stored);
    auto tests = tests_section(db, *run, rows);
    if (!tests) return tests.error();
    r.tests = std::move(*tests);
    auto cov = coverage_section(db, *run, o, r.warnings);
    if (!cov) return cov.error();
    r.coverage = std::move(*cov);
  }

  auto gate = latest_section<GateSection, state::GateSummary>(
      db, "quality-gate", r.branch,
      [](const state::RunRecord& g, const state::GateSummary& s) -> Result<std::optional<GateSection>> {
        // Rounded as quality-gate's own output shows them.
        GateSection section{g.id, s};
        if (section.summary.score) section.summary.score = round2(*section.summary.score);
        for (auto& c : section.summary.conditions)
          if (c.actual) c.actual = round2(*c.actual);
        return std::optional(std::move(section));
      });
  if (!gate) return gate.error();
  r.gate = std::move(*gate);
  auto security = security_section(db, r.branch);
  if (!security) return security.error();
  r.security = std::move(*security);
  auto gen = latest_section<GenerateSection, state::GenerateSummary>(
      db, "generate", r.branch,
      [](const state::RunRecord& g,
         const state::GenerateSummary& s) -> Result<std::optional<GenerateSection>> {
        return std::optional(GenerateSection{g.id, s.tests_generated, s.engine, line_rate_of(s.coverage),
                                             branch_rate_of(s.coverage), s.cost_usd});
      });
  if (!gen) return gen.error();
  r.generate = std::move(*gen);

  if (!r.tests && !r.gate && !r.security && !r.generate) {
    return make_error("NO_DATA", "no complete execute run recorded; run aqe execute first",
                      "a report of a security-scan, quality-gate or generate run alone is written too");
  }

  auto usage = db.usage_totals(r.branch);
  if (!usage) return usage.error();
  if (usage->calls > 0) r.cost = CostSection{usage->cost_usd, usage->calls};

  auto points = trends(db, r.branch, o);
  if (!points) return points.error();
  r.trends = std::move(*points);

  if (!o.base_branch.empty()) {
    auto c = compare(db, r, rows, run ? &*run : nullptr, o);
    if (!c) return c.error();
    r.comparison = std::move(*c);
  }
  if (r.coverage) {
    auto d = diff_section(*r.coverage, o);
    if (!d) return d.error();
    r.diff_coverage = std::move(*d);
  }
  return r;
}

}  // namespace aqe::report
