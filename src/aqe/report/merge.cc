// The shards of one run merged into one execute run: found in their state directories or
// exported run folders, checked to be the whole of one suite at one commit, then their JUnit
// documents, test results, flakes and coverage data (coverage.py's own combine) made one.
#include "aqe/report/merge.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "aqe/results/junit.h"
#include "aqe/util/fs.h"
#include "aqe/util/json.h"
#include "aqe/util/strings.h"

namespace aqe::report {
namespace {

namespace fs = std::filesystem;

std::string shard_name(const Shard& s) {
  if (!s.summary.shard) return "run " + std::to_string(s.run.id);
  return "shard " + std::to_string(s.summary.shard->first) + "/" + std::to_string(s.summary.shard->second);
}

// "<input> (shard 2/3, run 7)": how every message names an input.
std::string named(const Shard& s) {
  return printable(s.input) + " (" + shard_name(s) + ", run " + std::to_string(s.run.id) + ")";
}

Error refusal(const std::string& code, const std::string& message, const std::string& hint) {
  return make_error(code, message, hint, ExitCode::kUsage);
}

// A file the shard's run names, found in the input: under runs/<run id>/ of the state
// directory (where execute writes it), whatever absolute path the shard's machine had.
Result<fs::path> shard_file(const fs::path& state_dir, const Shard& s, const std::string& stored,
                            const std::string& name, const std::string& what) {
  const fs::path here = state_dir / "runs" / std::to_string(s.run.id) / name;
  std::error_code ec;
  if (fs::is_regular_file(here, ec)) return here;
  return refusal("MERGE_INPUT",
                 printable(s.input) + ": run " + std::to_string(s.run.id) + "'s " + what +
                     " is not in it (looked for " + printable(here.string()) + "; the run wrote " +
                     printable(stored) + ")",
                 "give the shard job's whole state directory (.aqe/); a run with execute --output-dir "
                 "keeps its files outside it");
}

// The run record of an exported run folder (run.json, what --store-artifacts stores and
// `aqe artifacts get` writes): the fields of state::RunRecord.
Result<state::RunRecord> read_run_json(const fs::path& file, const std::string& input) {
  auto text = read_file(file);
  if (!text) return text.error();
  const ParsedJson doc = parse_json(*text);
  const auto bad = [&](const std::string& why) {
    return refusal("MERGE_INPUT", printable(input) + ": its run.json " + why,
                   "give the folder `aqe artifacts get KEY --output DIR` wrote for an execute artifact");
  };
  if (!doc || !doc.value.is_object()) return bad("is not a JSON object");
  const nlohmann::json& j = doc.value;
  state::RunRecord r;
  r.id = static_cast<int64_t>(number_or(j, "id", 0));
  r.command = string_or(j, "command");
  r.branch = string_or(j, "branch");
  r.commit = string_or(j, "commit");
  r.started_at = string_or(j, "started_at");
  r.finished_at = string_or(j, "finished_at");
  r.exit_code = static_cast<int>(number_or(j, "exit_code", 0));
  if (r.command != "execute") return bad("is the record of a " + printable(r.command) + " run, not execute");
  const auto status = state::parse_run_status(string_or(j, "status"));
  if (!status || *status == state::RunStatus::kRunning) return bad("names no finished status");
  r.status = *status;
  if (const auto* args = member(j, "args"); args && args->is_object()) r.args = *args;
  if (const auto* summary = member(j, "summary"))
    r.summary = state::read_summary_document(*summary, "execute");
  return r;
}

// The test results of an exported run: its JUnit file holds each test's final result with its
// duration (the artifact keeps no per-attempt rows; flaky tests are in the summary).
std::vector<state::TestResultRow> rows_of_junit(const std::vector<results::JunitCase>& cases) {
  std::vector<state::TestResultRow> rows;
  for (const auto& c : cases) {
    if (c.test_id.find("::") == std::string::npos && c.outcome == "error") continue;  // collection error
    const bool clean = !c.teardown_error || c.outcome != "passed";
    rows.push_back({c.test_id, c.file.empty() ? c.test_id.substr(0, c.test_id.find("::")) : c.file,
                    clean ? c.outcome : "error", c.time_s, 1, clean ? c.message : c.teardown_message, 0});
  }
  return rows;
}

std::string rate(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", 100.0 * v);
  return buf;
}

// The parts of a shard every input layout has: its run (a finished execute run of a shard),
// its summary, suite and the checkout its coverage paths start at.
Status take_run(Shard& s, state::RunRecord run) {
  s.run = std::move(run);
  const auto* summary = s.run.as<state::ExecuteSummary>();
  if (summary == nullptr) {
    return refusal("MERGE_INPUT",
                   printable(s.input) + ": its execute run " + std::to_string(s.run.id) + " has no summary",
                   "the run ended before it measured anything; re-run that shard");
  }
  s.summary = *summary;
  if (!s.summary.shard) {
    return refusal(
        "MERGE_INPUT",
        printable(s.input) + ": its latest execute run " + std::to_string(s.run.id) + " is not a shard",
        "merge runs of `aqe execute --shard i/n`");
  }
  if (const auto* key = member(s.run.args, "paths_key"); key && key->is_string()) {
    s.paths_key = key->get<std::string>();
  }
  if (const auto* root = member(s.run.args, "project_dir"); root && root->is_string()) {
    s.root = root->get<std::string>();
  } else if (!s.summary.rootdir.empty()) {
    s.root = s.summary.rootdir;  // runs of older aqe versions: pytest's rootdir
  }
  if (state::is_complete(s.run.status) && s.summary.junit_xml.empty()) {
    return refusal("MERGE_INPUT", named(s) + ": the run wrote no JUnit file",
                   "its warnings said why; re-run that shard");
  }
  return ok_status();
}

// An exported run folder (an execute artifact fetched by `aqe artifacts get`): run.json,
// junit.xml and, when the run measured coverage, .coverage side by side.
Result<Shard> read_exported_run(const fs::path& dir, const std::string& input) {
  auto run = read_run_json(dir / "run.json", input);
  if (!run) return run.error();
  Shard s;
  s.input = input;
  if (auto st = take_run(s, std::move(*run)); !st) return st.error();
  if (!state::is_complete(s.run.status)) return s;
  const auto in_folder = [&](const std::string& name, const std::string& what) -> Result<fs::path> {
    const fs::path here = dir / name;
    std::error_code ec;
    if (fs::is_regular_file(here, ec)) return here;
    return refusal("MERGE_INPUT", named(s) + ": its " + what + " is not in the folder (no " + name + ")",
                   "store the shard with `execute --store-artifacts` of this aqe version and fetch the "
                   "whole artifact");
  };
  auto junit = in_folder("junit.xml", "JUnit file");
  if (!junit) return junit.error();
  s.junit = *junit;
  if (s.summary.coverage) {
    auto data = in_folder(".coverage", "coverage data");
    if (!data) return data.error();
    s.data = *data;
  }
  auto text = read_file(s.junit);
  if (!text) return text.error();
  auto cases = results::parse_junit(*text, s.junit.string());
  if (!cases) {
    Error e = cases.error();
    e.message = printable(input) + ": " + e.message;
    e.exit_code = ExitCode::kUsage;
    return e;
  }
  s.rows = rows_of_junit(*cases);
  return s;
}

}  // namespace

Result<Shard> read_shard(const fs::path& dir, const std::string& input) {
  std::error_code ec;
  fs::path state_dir = dir;
  if (!fs::is_regular_file(state_dir / "aqe.db", ec)) state_dir = dir / ".aqe";
  if (!fs::is_regular_file(state_dir / "aqe.db", ec)) {
    if (fs::is_regular_file(dir / "run.json", ec)) return read_exported_run(dir, input);
    return refusal("MERGE_INPUT",
                   printable(input) +
                       ": not a shard's state directory or exported run (no aqe.db in it or in its .aqe/, "
                       "no run.json)",
                   "give each shard job's .aqe/ directory or the folder `aqe artifacts get` wrote for its "
                   "execute artifact");
  }
  auto db = state::Db::open(state_dir);
  if (!db) {
    Error e = db.error();
    e.message = printable(input) + ": " + e.message;
    e.exit_code = ExitCode::kUsage;
    return e;
  }
  auto run = db->latest_run("execute", "", state::RunFilter::kFinished);
  if (!run) return run.error();
  if (!*run) {
    return refusal("MERGE_INPUT", printable(input) + ": no finished execute run in it",
                   "run `aqe execute --shard i/n` in that job first");
  }
  Shard s;
  s.input = input;
  s.state_dir = state_dir;
  if (auto st = take_run(s, std::move(**run)); !st) return st.error();
  // Only complete runs need their files: check_shards refuses the others by status.
  if (state::is_complete(s.run.status)) {
    auto junit = shard_file(state_dir, s, s.summary.junit_xml,
                            fs::path(s.summary.junit_xml).filename().string(), "JUnit file");
    if (!junit) return junit.error();
    s.junit = *junit;
    if (s.summary.coverage) {
      // execute keeps coverage.py's combined data next to its JSON report.
      auto data = shard_file(state_dir, s, s.summary.coverage_json, ".coverage", "coverage data (.coverage)");
      if (!data) return data.error();
      s.data = *data;
    }
    auto rows = db->test_results_of_run(s.run.id);
    if (!rows) return rows.error();
    s.rows = std::move(*rows);
  }
  return s;
}

Status check_shards(const std::vector<Shard>& shards, const std::string& commit) {
  if (shards.empty()) return refusal("USAGE", "no shard given", "aqe report merge DIR...");
  for (const auto& s : shards) {
    if (!state::is_complete(s.run.status)) {
      return refusal("MERGE_PARTIAL",
                     named(s) + " did not complete (" + std::string(state::run_status_name(s.run.status)) +
                         "): a partial shard cannot make a whole run",
                     "re-run that shard, then merge");
    }
  }
  const Shard& first = shards.front();
  const int total = first.summary.shard->second;
  std::map<int, const Shard*> by_index;
  for (const auto& s : shards) {
    if (s.paths_key != first.paths_key) {
      return refusal("MERGE_MISMATCH", named(s) + " ran another suite than " + named(first),
                     "merge shards of the same test paths");
    }
    if (s.summary.framework != first.summary.framework) {
      return refusal(
          "MERGE_MISMATCH",
          named(s) + " ran " + s.summary.framework + ", " + named(first) + " " + first.summary.framework,
          "merge shards of one run");
    }
    if (s.run.commit != first.run.commit) {
      return refusal("MERGE_MISMATCH",
                     named(s) + " measured commit " + (s.run.commit.empty() ? "unknown" : s.run.commit) +
                         ", " + named(first) + " commit " +
                         (first.run.commit.empty() ? "unknown" : first.run.commit),
                     "merge shards of the same commit");
    }
    if (s.summary.shard->second != total) {
      return refusal("MERGE_MISMATCH", named(s) + " and " + named(first) + " split the suite differently",
                     "merge shards of one split (--shard i/n with the same n)");
    }
    if (s.summary.coverage.has_value() != first.summary.coverage.has_value()) {
      const Shard& with = s.summary.coverage ? s : first;
      const Shard& without = s.summary.coverage ? first : s;
      return refusal("MERGE_MISMATCH",
                     named(with) + " measured coverage, " + named(without) +
                         " did not: the combined coverage "
                         "would be of part of the suite",
                     "run every shard with --coverage, or none");
    }
    auto [it, fresh] = by_index.emplace(s.summary.shard->first, &s);
    if (!fresh) {
      return refusal("MERGE_DUPLICATE", named(s) + " is the same shard as " + named(*it->second),
                     "give each shard once");
    }
  }
  std::vector<std::string> missing;
  for (int i = 1; i <= total; ++i) {
    if (!by_index.count(i)) missing.push_back(std::to_string(i) + "/" + std::to_string(total));
  }
  if (!missing.empty()) {
    return refusal("MERGE_MISSING",
                   "shard" + std::string(missing.size() > 1 ? "s " : " ") + join(missing, ", ") +
                       " missing: the inputs hold " + std::to_string(by_index.size()) + " of " +
                       std::to_string(total) + " (merging part of a suite would be judged as the whole)",
                   "give every shard's state directory");
  }
  if (!commit.empty() && !first.run.commit.empty() && commit != first.run.commit) {
    return refusal("MERGE_MISMATCH",
                   "the shards measured commit " + first.run.commit + ", this checkout is at " + commit,
                   "merge in a job on the commit the shards ran");
  }
  return ok_status();
}

state::ExecuteSummary sum_summaries(const std::vector<Shard>& shards) {
  state::ExecuteSummary m;
  std::set<std::string> flaky;
  for (const auto& s : shards) {
    const state::ExecuteSummary& x = s.summary;
    m.framework = x.framework;
    m.tests_run += x.tests_run;
    m.passed += x.passed;
    m.failed += x.failed;
    m.skipped += x.skipped;
    m.xfailed += x.xfailed;
    m.xpassed += x.xpassed;
    m.errors += x.errors;
    m.flaky += x.flaky;
    m.not_run += x.not_run;
    // The shards ran side by side: the run took as long as its longest shard.
    m.duration_s = std::max(m.duration_s, x.duration_s);
    m.workers += x.workers;
    // The scheduler's measurements: start-up is per worker (the slowest), work adds up.
    m.worker_startup_s = std::max(m.worker_startup_s, x.worker_startup_s);
    m.start_s = std::max(m.start_s, x.start_s);
    m.work_s += x.work_s;
    flaky.insert(x.flaky_tests.begin(), x.flaky_tests.end());
  }
  m.flaky_tests.assign(flaky.begin(), flaky.end());
  // rootdir/inifile stay empty: each shard's are paths of its own checkout.
  return m;
}

Result<MergeReport> merge_shards(const std::vector<Shard>& input, const MergeOptions& o,
                                 state::RunWriter& record) {
  std::vector<Shard> shards = input;
  std::sort(shards.begin(), shards.end(),
            [](const Shard& a, const Shard& b) { return a.summary.shard->first < b.summary.shard->first; });
  MergeReport r;
  r.summary = sum_summaries(shards);
  r.paths_key = shards.front().paths_key;
  if (const auto* paths = member(shards.front().run.args, "paths"); paths && paths->is_array()) {
    for (const auto& p : *paths) {
      if (p.is_string()) r.paths.push_back(p.get<std::string>());
    }
  }

  std::vector<std::string> documents;
  std::map<std::string, const Shard*> ran_in;
  for (const auto& s : shards) {
    auto text = read_file(s.junit);
    if (!text) return text.error();
    auto cases = results::parse_junit(*text, s.junit.string());
    if (!cases) {
      Error e = cases.error();
      e.message = printable(s.input) + ": " + e.message;
      e.exit_code = ExitCode::kUsage;
      return e;
    }
    for (const auto& c : *cases) {
      auto [it, fresh] = ran_in.emplace(c.test_id, &s);
      if (!fresh && c.test_id.find("::") != std::string::npos) {
        r.warnings.push_back("test " + printable(c.test_id) + " ran in " + shard_name(*it->second) + " and " +
                             shard_name(s) + "; the merged JUnit keeps the later");
      }
      if (c.outcome == "failed" || c.outcome == "error") {
        const std::string msg = c.message.empty() ? std::string(trim(c.details)) : c.message;
        r.failures.push_back({c.test_id, c.file, msg, c.outcome, c.line});
      }
    }
    documents.push_back(std::move(*text));
    nlohmann::json shard_json = {
        {"input", s.input},
        {"run_id", s.run.id},
        {"shard", {{"index", s.summary.shard->first}, {"total", s.summary.shard->second}}},
        {"tests_run", s.summary.tests_run},
        {"duration_s", s.summary.duration_s}};
    r.shards.push_back(std::move(shard_json));
  }

  if (auto st = ensure_writable_dir(o.out_dir); !st) {
    return make_error("OUTPUT_DIR", "--output: " + st.error().message,
                      "give a directory aqe can create and write");
  }
  auto merged = results::merge_junit(documents, "aqe");
  if (!merged) return merged.error();
  const fs::path junit = o.out_dir / "junit.xml";
  if (auto st = write_file_atomic(junit, *merged); !st) return st.error();
  r.summary.junit_xml = junit.string();

  if (shards.front().summary.coverage) {
    coverage::CoverageCombine cc{
        o.python, o.project_dir, {}, o.out_dir / ".coverage", o.out_dir / "coverage.json"};
    std::error_code ec;
    const fs::path here = fs::weakly_canonical(o.project_dir, ec);
    std::set<std::string> roots;
    for (const auto& s : shards) {
      cc.data_files.push_back(s.data);
      if (!s.root.empty() && fs::path(s.root).lexically_normal() != here.lexically_normal()) {
        roots.insert(s.root.string());
      }
    }
    for (const auto& root : roots) cc.other_roots.emplace_back(root);
    auto cov = coverage::combine_coverage(cc);
    if (!cov) return cov.error();
    r.summary.coverage = cov->totals;
    r.summary.coverage_json = cc.json_report.string();
    r.coverage = std::move(*cov);
  }

  std::vector<state::TestResultRow> rows;
  for (const auto& s : shards) rows.insert(rows.end(), s.rows.begin(), s.rows.end());
  (void)record.write([&](state::Db& db, int64_t id) { return db.record_test_results(id, rows); });
  for (const auto& t : r.summary.flaky_tests) {
    (void)record.write([&](state::Db& db, int64_t) { return db.record_flake(t); });
  }
  if (r.coverage) {
    (void)record.write([&](state::Db& db, int64_t id) {
      state::CoverageSnapshot snap;
      snap.run_id = id;
      const coverage::Counts& t = r.coverage->totals;
      snap.lines_covered = t.lines_covered;
      snap.lines_total = t.lines_total;
      snap.branches_covered = t.branches_covered;
      snap.branches_total = t.branches_total;
      snap.files = r.coverage->files;
      return db.record_coverage(snap);
    });
  }

  const state::ExecuteSummary& m = r.summary;
  if (m.failed > 0 || m.errors > 0 || (m.flaky > 0 && o.flaky_policy != "pass")) {
    r.exit_code = ExitCode::kFailure;
  }
  return r;
}

nlohmann::json to_json(const MergeReport& r) {
  const state::ExecuteSummary& m = r.summary;
  nlohmann::json failures = nlohmann::json::array();
  for (const auto& f : r.failures) {
    failures.push_back({{"test", f.test},
                        {"file", f.file},
                        {"line", f.line},
                        {"message", f.message},
                        {"outcome", f.outcome}});
  }
  nlohmann::json cov = nullptr;
  if (m.coverage) {
    cov = {{"line_rate", m.coverage->line_rate()},
           {"branch_rate", m.coverage->branch_rate()},
           {"lines_covered", m.coverage->lines_covered},
           {"lines_total", m.coverage->lines_total},
           {"branches_covered", m.coverage->branches_covered},
           {"branches_total", m.coverage->branches_total},
           {"files", r.coverage ? r.coverage->files.size() : 0}};
  }
  auto path_or_null = [](const std::string& p) {
    return p.empty() ? nlohmann::json(nullptr) : nlohmann::json(p);
  };
  return {{"framework", m.framework},
          {"tests_run", m.tests_run},
          {"passed", m.passed},
          {"failed", m.failed},
          {"skipped", m.skipped},
          {"xfailed", m.xfailed},
          {"xpassed", m.xpassed},
          {"errors", m.errors},
          {"flaky", m.flaky},
          {"not_run", m.not_run},
          {"duration_s", m.duration_s},
          {"workers", m.workers},
          {"shards", r.shards},
          {"coverage", cov},
          {"failures", failures},
          {"flaky_tests", m.flaky_tests},
          {"junit_xml", path_or_null(m.junit_xml)},
          {"coverage_json", path_or_null(m.coverage_json)}};
}

std::string to_text(const MergeReport& r) {
  const state::ExecuteSummary& m = r.summary;
  std::ostringstream out;
  for (const auto& f : r.failures) {
    out << (f.outcome == "error" ? "ERROR " : "FAILED ") << printable(f.test);
    if (!f.file.empty()) {
      out << " (" << printable(f.file);
      if (f.line > 0) out << ':' << f.line;
      out << ")";
    }
    out << "\n";
  }
  if (m.coverage) {
    out << "coverage: lines " << rate(m.coverage->line_rate()) << "% (" << m.coverage->lines_covered << "/"
        << m.coverage->lines_total << "), branches " << rate(m.coverage->branch_rate()) << "% ("
        << m.coverage->branches_covered << "/" << m.coverage->branches_total << ")\n";
  }
  if (!m.junit_xml.empty()) out << "junit: " << printable(m.junit_xml) << "\n";
  std::vector<std::string> parts;
  if (m.failed) parts.push_back(std::to_string(m.failed) + " failed");
  parts.push_back(std::to_string(m.passed) + " passed");
  if (m.skipped) parts.push_back(std::to_string(m.skipped) + " skipped");
  if (m.xfailed) parts.push_back(std::to_string(m.xfailed) + " xfailed");
  if (m.xpassed) parts.push_back(std::to_string(m.xpassed) + " xpassed");
  if (m.errors) parts.push_back(std::to_string(m.errors) + (m.errors == 1 ? " error" : " errors"));
  if (m.flaky) parts.push_back(std::to_string(m.flaky) + " flaky");
  if (m.not_run) parts.push_back(std::to_string(m.not_run) + " not run");
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.2f", m.duration_s);
  out << "merged " << r.shards.size() << " shards: " << join(parts, ", ") << " in " << secs
      << "s (the longest shard)\n";
  return out.str();
}

}  // namespace aqe::report
