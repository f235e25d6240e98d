// Inputs aqe itself recorded in .aqe/aqe.db: the latest execute run and coverage snapshot,
// the latest security-scan's findings, the latest generate run.
#include "aqe/gate/recorded_input.h"

namespace aqe::gate {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

int64_t field(const json& j, const char* k) {
  auto it = j.find(k);
  return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

}  // namespace

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
    auto snap = db.latest_coverage();
    if (!snap) return snap.error();
    if (*snap) {
      CoverageInput c;
      c.origin = db_name + " (coverage of run " + std::to_string((*snap)->run_id) + ")";
      c.has_branches = true;  // aqe execute --coverage always measures branches
      for (const auto& f : (*snap)->files) {
        c.files.push_back({normalize_path(f.file, project_dir), f.lines_covered, f.lines_total,
                           f.branches_covered, f.branches_total});
      }
      in.coverage = std::move(c);
    }
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
