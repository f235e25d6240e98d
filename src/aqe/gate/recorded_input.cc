// Inputs aqe itself recorded in .aqe/aqe.db: the latest execute run and coverage snapshot,
// the latest security-scan's findings, the latest generate run.
#include "aqe/gate/recorded_input.h"

#include <algorithm>

#include "aqe/util/fs.h"
#include "aqe/util/path.h"

namespace aqe::gate {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

CoverageInput snapshot_input(const state::CoverageSnapshot& snap, const fs::path& project_dir,
                             const std::string& db_name) {
  CoverageInput c;
  c.origin = db_name + " (coverage of run " + std::to_string(snap.run_id) +
             (snap.branch.empty() ? "" : " on " + snap.branch) + ")";
  c.has_branches = true;  // aqe execute --coverage always measures branches
  c.totals = {snap.lines_covered, snap.lines_total, snap.branches_covered, snap.branches_total};
  for (const auto& f : snap.files) {
    c.files.push_back({project_path(f.file, project_dir),
                       f.lines_covered,
                       f.lines_total,
                       f.branches_covered,
                       f.branches_total,
                       false,
                       {},
                       {}});
  }
  // Paths made project-relative may sort differently from the stored ones.
  std::stable_sort(c.files.begin(), c.files.end(),
                   [](const FileCoverage& a, const FileCoverage& b) { return a.file < b.file; });
  return c;
}

// execute keeps coverage.py's JSON report with the run; it has the per-line data the
// snapshot lacks (diff_coverage needs it). Only when it belongs to the snapshot's run.
std::optional<CoverageInput> run_report(state::Db& db, const fs::path& project_dir, int64_t run_id,
                                        const DiffInput* lines_for) {
  auto run = db.run(run_id);
  if (!run || !*run) return std::nullopt;
  const auto* s = (*run)->as<state::ExecuteSummary>();
  if (s == nullptr) return std::nullopt;
  fs::path report = s->coverage_json;
  // Runs recorded before the report was a field of the record kept it beside junit.xml.
  if (report.empty() && !s->junit_xml.empty())
    report = fs::path(s->junit_xml).parent_path() / "coverage.json";
  if (report.empty()) return std::nullopt;
  auto text = read_file(report);
  if (!text) return std::nullopt;
  auto cov = parse_coverage(*text, report.lexically_relative(project_dir).string(), project_dir, lines_for);
  if (!cov) return std::nullopt;
  cov->origin += " (run " + std::to_string(run_id) + ")";
  return std::move(*cov);
}

// The latest run of `command` that can be judged. A partial one (timed out, interrupted) is
// refused rather than judged as if the tests that never ran did not exist.
Result<std::optional<state::RunRecord>> judgeable_run(state::Db& db, const std::string& command,
                                                      const std::string& db_name) {
  auto run = db.latest_run(command, {}, state::RunFilter::kJudgeable);
  if (!run) return run.error();
  if (*run && !state::is_complete((*run)->status)) {
    const auto& r = **run;
    return make_error("PARTIAL_RUN",
                      "the latest " + command + " run (" + db_name + " run " + std::to_string(r.id) + ", " +
                          r.started_at + ") was " + std::string(state::run_status_name(r.status)) +
                          ": its results are partial and are not judged",
                      "run `aqe " + command + "` to completion, or pass report files (--junit, --coverage)");
  }
  return run;
}

Result<std::optional<CoverageInput>> latest_coverage_input(state::Db& db, const fs::path& project_dir,
                                                           const std::string& db_name,
                                                           const DiffInput* lines_for) {
  auto snap = db.latest_coverage();
  if (!snap) return snap.error();
  if (!*snap) return std::optional<CoverageInput>();
  if (auto report = run_report(db, project_dir, (*snap)->run_id, lines_for)) return report;
  return std::optional(snapshot_input(**snap, project_dir, db_name));
}

}  // namespace

Result<std::optional<CoverageInput>> recorded_coverage(state::Db& db, const fs::path& project_dir,
                                                       const std::string& branch) {
  auto snap = db.latest_coverage(branch);
  if (!snap) return snap.error();
  if (!*snap) return std::optional<CoverageInput>();
  const std::string db_name = db.path().lexically_relative(project_dir).string();
  return std::optional(snapshot_input(**snap, project_dir, db_name));
}

Status read_recorded_inputs(state::Db& db, const fs::path& project_dir, GateInputs& in) {
  const std::string db_name = db.path().lexically_relative(project_dir).string();
  if (!in.tests) {
    auto run = judgeable_run(db, "execute", db_name);
    if (!run) return run.error();
    if (*run) {
      if (const auto* s = (*run)->as<state::ExecuteSummary>()) {
        // As the gate counts a JUnit report: an xfailed test is skipped, an xpassed one passed.
        in.tests = TestInput{db_name + " (execute run " + std::to_string((*run)->id) + ")",
                             s->passed + s->xpassed,
                             s->failed,
                             s->errors,
                             s->skipped + s->xfailed,
                             s->flaky};
      }
    }
  }
  if (!in.coverage) {
    auto cov = latest_coverage_input(db, project_dir, db_name, in.diff ? &*in.diff : nullptr);
    if (!cov) return cov.error();
    if (*cov) in.coverage = std::move(**cov);
  }
  if (!in.findings) {
    auto run = judgeable_run(db, "security-scan", db_name);
    if (!run) return run.error();
    if (*run) {
      auto rows = db.findings_of_run((*run)->id);
      if (!rows) return rows.error();
      FindingsInput fi;
      fi.origin = db_name + " (security-scan run " + std::to_string((*run)->id) + ")";
      for (const auto& r : *rows) fi.findings.push_back({project_path(r.file, project_dir), r.severity});
      in.findings = std::move(fi);
    }
  }
  auto gen = db.latest_run("generate", {}, state::RunFilter::kJudgeable);
  if (!gen) return gen.error();
  if (*gen) {
    if (const auto* s = (*gen)->as<state::GenerateSummary>()) {
      in.tests_generated = s->tests_generated;
      in.tests_generated_origin = db_name + " (generate run " + std::to_string((*gen)->id) + ")";
    }
  }
  return ok_status();
}

}  // namespace aqe::gate
