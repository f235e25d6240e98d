// Inputs aqe itself recorded in .aqe/aqe.db: the latest execute run and coverage snapshot,
// the latest security-scan's findings, the latest generate run.
#include "aqe/gate/recorded_input.h"

#include <algorithm>

#include "aqe/util/fs.h"

namespace aqe::gate {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

int64_t field(const json& j, const char* k) {
  auto it = j.find(k);
  return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

CoverageInput snapshot_input(const state::CoverageSnapshot& snap, const fs::path& project_dir,
                             const std::string& db_name) {
  CoverageInput c;
  c.origin = db_name + " (coverage of run " + std::to_string(snap.run_id) +
             (snap.branch.empty() ? "" : " on " + snap.branch) + ")";
  c.has_branches = true;  // aqe execute --coverage always measures branches
  c.totals = {snap.lines_covered, snap.lines_total, snap.branches_covered, snap.branches_total};
  for (const auto& f : snap.files) {
    c.files.push_back({normalize_path(f.file, project_dir),
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

// execute writes coverage.json beside its junit.xml; that report has the per-line data the
// snapshot lacks (diff_coverage needs it). Only when it belongs to the snapshot's run.
std::optional<CoverageInput> run_report(state::Db& db, const fs::path& project_dir, int64_t run_id,
                                        const DiffInput* lines_for) {
  auto run = db.latest_run("execute");
  if (!run || !*run || (*run)->first != run_id || !(*run)->second.is_object()) return std::nullopt;
  const json& s = (*run)->second;
  const auto field = s.find("junit_xml");
  if (field == s.end() || !field->is_string()) return std::nullopt;
  const std::string junit = field->get<std::string>();
  if (junit.empty()) return std::nullopt;
  const fs::path report = fs::path(junit).parent_path() / "coverage.json";
  auto text = read_file(report);
  if (!text) return std::nullopt;
  auto cov = parse_coverage(*text, report.lexically_relative(project_dir).string(), project_dir, lines_for);
  if (!cov) return std::nullopt;
  cov->origin += " (run " + std::to_string(run_id) + ")";
  return std::move(*cov);
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
    auto run = db.latest_run("execute");
    if (!run) return run.error();
    if (*run && (*run)->second.is_object() && (*run)->second.contains("tests_run")) {
      const json& s = (*run)->second;
      in.tests = TestInput{db_name + " (execute run " + std::to_string((*run)->first) + ")",
                           field(s, "passed"),
                           field(s, "failed"),
                           field(s, "errors"),
                           field(s, "skipped"),
                           field(s, "flaky")};
    }
  }
  if (!in.coverage) {
    auto cov = latest_coverage_input(db, project_dir, db_name, in.diff ? &*in.diff : nullptr);
    if (!cov) return cov.error();
    if (*cov) in.coverage = std::move(**cov);
  }
  if (!in.findings) {
    auto run = db.latest_run("security-scan");
    if (!run) return run.error();
    if (*run) {
      auto rows = db.findings_of_run((*run)->first);
      if (!rows) return rows.error();
      FindingsInput fi;
      fi.origin = db_name + " (security-scan run " + std::to_string((*run)->first) + ")";
      for (const auto& r : *rows) fi.findings.push_back({normalize_path(r.file, project_dir), r.severity});
      in.findings = std::move(fi);
    }
  }
  auto gen = db.latest_run("generate");
  if (!gen) return gen.error();
  if (*gen && (*gen)->second.is_object() && (*gen)->second.contains("tests_generated")) {
    in.tests_generated = field((*gen)->second, "tests_generated");
    in.tests_generated_origin = db_name + " (generate run " + std::to_string((*gen)->first) + ")";
  }
  return ok_status();
}

}  // namespace aqe::gate
