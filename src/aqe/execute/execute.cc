#include "aqe/execute/execute.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include "aqe/exec/process.h"
#include "aqe/execute/pytest_run.h"
#include "aqe/results/junit.h"
#include "aqe/util/cpu.h"
#include "aqe/util/fs.h"
#include "aqe/util/strings.h"
#include "aqe/util/time.h"

namespace aqe::execute {

// The process runner every external process goes through.
using exec::ProcessSpec;
using exec::run;
using exec::Termination;
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Removes the per-run temp dir (socket, plugin copy, worker reports) on every path out.
struct TempDir {
  fs::path path;
  ~TempDir() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
};

Status check_input(const ExecuteOptions& o) {
  std::error_code ec;
  if (!fs::is_directory(o.project_dir, ec)) {
    return make_error("PATH_NOT_FOUND", "project directory " + o.project_dir.string() + " does not exist");
  }
  for (const auto& p : o.paths) {
    // pytest accepts node ids (file::test); only the path part must exist.
    const std::string path = p.substr(0, p.find("::"));
    fs::path full = fs::path(path).is_absolute() ? fs::path(path) : o.project_dir / path;
    if (!fs::exists(full, ec)) {
      return make_error("PATH_NOT_FOUND", "test path '" + p + "' does not exist",
                        "paths are relative to the project directory " + o.project_dir.string());
    }
  }
  if (o.framework != "pytest" && o.framework != "junit") {
    return make_error("BAD_FRAMEWORK", "unknown framework '" + o.framework + "'", "use pytest or junit");
  }
  if (o.framework == "junit" && (o.command.empty() || o.junit_path.empty())) {
    return make_error("BAD_FRAMEWORK", "--framework junit needs --command and --junit FILE");
  }
  if (!o.out_dir.empty()) {
    // Checked before any test runs: files that were asked for are written, or nothing starts.
    if (auto st = ensure_writable_dir(o.out_dir); !st) {
      return make_error("OUTPUT_DIR", "--output-dir: " + st.error().message,
                        "give a directory aqe can create and write");
    }
  }
  if (o.shard && (o.shard->second < 1 || o.shard->first < 1 || o.shard->first > o.shard->second)) {
    return make_error("BAD_SHARD",
                      "shard " + std::to_string(o.shard->first) + "/" + std::to_string(o.shard->second) +
                          " is out of range",
                      "use i/n with 1 <= i <= n");
  }
  return ok_status();
}

struct History {
  std::map<std::string, double> durations;
  // The tests of the newest complete run of the suite (see measurement_run): the planned suite.
  std::vector<state::TestResultRow> last_list;
  // The latest run's failures, whatever its status: what fail-fast runs first.
  std::set<std::string> last_failed;
  double worker_startup_s = 0;
  double start_s = 0, work_s = 0, work_cpu_s = 0;
  int workers = 0, idle_cores = 0;  // of the measured run: how contended its work was
  int shards = 1;  // the stored run was one shard of this many: its list and work are that share
  std::string rootdir, inifile;
};

// How many earlier runs of the suite are looked at for one in which every test ran.
constexpr int64_t kMeasurementRunsLooked = 20;

History load_history(state::Db* db, const std::string& key, std::vector<std::string>& warnings) {
  History h;
  if (db == nullptr) return h;
  if (auto d = db->test_durations()) {
    h.durations = std::move(*d);
  } else {
    warnings.push_back("stored durations unavailable: " + d.error().message);
  }
  if (auto l = db->last_test_list(key)) {
    for (const auto& row : *l) {
      if (row.outcome == "failed" || row.outcome == "error") h.last_failed.insert(row.test_id);
    }
  }
  // Measurements and test list of the same suite, from a run that did all of its work: a
  // fail-fast or timed-out run measured a part of it.
  auto runs = db->suite_runs(key, kMeasurementRunsLooked);
  if (!runs) {
    warnings.push_back("stored runs unavailable: " + runs.error().message);
    return h;
  }
  std::vector<PastSuiteRun> past;
  for (const auto& run : *runs) {
    const auto* summary = run.as<state::ExecuteSummary>();
    past.push_back({state::is_complete(run.status) && summary != nullptr, summary ? summary->not_run : 0});
  }
  const auto pick = measurement_run(past);
  if (!pick) return h;
  const state::RunRecord& run = (*runs)[*pick];
  const auto* summary = run.as<state::ExecuteSummary>();
  if (auto l = db->test_results_of_run(run.id)) h.last_list = state::last_attempts(std::move(*l));
  h.worker_startup_s = summary->worker_startup_s;
  h.start_s = summary->start_s;
  h.work_s = summary->work_s;
  h.work_cpu_s = summary->work_cpu_s;
  h.workers = summary->workers;
  h.idle_cores = summary->idle_cores;
  h.rootdir = summary->rootdir;
  h.inifile = summary->inifile;
  if (summary->shard) h.shards = std::max(1, summary->shard->second);
  return h;
}

// The durations every shard of this run plans with: as they stood at the base run
// (Db::shard_base_run), not as earlier shards of the same run have just updated them.
void load_shard_durations(state::Db* db, const ExecuteOptions& o, int64_t own_run_id, ExecuteReport& r,
                          std::map<std::string, double>& durations) {
  durations.clear();
  r.shard_durations_from.reset();
  // A fresh runner: the base branch's stored artifact, else every test weighs the same.
  auto from_store = [&] {
    if (!o.stored_durations) return;
    auto stored = o.stored_durations(r.warnings);
    if (!stored || stored->durations.empty()) return;
    durations = std::move(stored->durations);
    r.shard_durations_from = std::move(stored->from);
  };
  if (db == nullptr) return from_store();
  auto base = db->shard_base_run(o.commit, own_run_id > 0 ? own_run_id : std::numeric_limits<int64_t>::max());
  if (!base) {
    r.warnings.push_back("stored runs unavailable: " + base.error().message);
    return;
  }
  if (!*base) return from_store();
  auto d = db->test_durations_as_of((*base)->id);
  if (!d) {
    r.warnings.push_back("stored durations unavailable: " + d.error().message);
    return;
  }
  durations = std::move(*d);
  r.shard_durations_from = ShardBase{(*base)->id, (*base)->commit, "", ""};
}

int auto_workers(const ExecuteOptions& o, const History& h, ExecuteReport& r) {
  std::vector<std::string>& warnings = r.warnings;
  int& idle = r.idle_cores;
  WorkerCountInput in;
  in.cores = o.cores > 0 ? o.cores : available_cores();  // affinity and the cgroup CPU quota
  in.requested = o.workers;
  in.parallel = o.parallel;
  in.test_count = h.last_list.size();
  in.worker_startup_s = h.worker_startup_s;
  in.start_s = h.start_s;
  in.work_s = h.work_s;
  in.work_cpu_s = h.work_cpu_s;
  in.measured_workers = h.workers;
  in.measured_idle_cores = h.idle_cores;
  // Only an automatic count looks at the load (sampling it takes a few ms).
  if (o.parallel && o.workers <= 0) in.idle_cores = idle = idle_cores(in.cores);
  size_t known = 0;
  for (const auto& row : h.last_list) {
    auto it = h.durations.find(row.test_id);
    if (it == h.durations.end()) continue;
    ++known;
    in.total_estimate_s += it->second;
  }
  in.durations_known = !h.last_list.empty() && known * 2 >= h.last_list.size();
  // Scaled from the stored run's share of the suite to this run's.
  const double share = static_cast<double>(h.shards) / (o.shard && o.shard->second > 0 ? o.shard->second : 1);
  in.total_estimate_s *= share;
  in.work_s *= share;
  in.work_cpu_s *= share;
  WorkerChoice choice = choose_workers(in);
  const int chosen = choice.workers;
  r.plan.known_tests = h.last_list.size();
  r.plan.cores = in.cores;
  r.plan.workers_why = std::move(choice.why);
  if (o.workers > chosen) {
    warnings.push_back("--workers " + std::to_string(o.workers) + " capped at " + std::to_string(chosen) +
                       " (at most " + std::to_string(kMaxWorkersPerCore) +
                       " per core and one per test of the last run)");
  }
  return chosen;
}

// As pytest's FAILURES section shows a test: its traceback, then its captured sections.
std::string long_report(std::string_view details, const std::string& captured) {
  std::string text(details);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  if (!captured.empty()) text += (text.empty() ? "" : "\n") + captured;
  return text;
}

void tally(ExecuteReport& r, const std::vector<results::JunitCase>& finals,
           const std::set<std::string>& flaky) {
  for (const auto& c : finals) {
    ++r.tests_run;
    if (flaky.count(c.test_id)) {
      ++r.flaky;
      continue;
    }
    if (c.outcome == "passed") ++(c.xfail ? r.xpassed : r.passed);
    if (c.outcome == "skipped") ++(c.xfail ? r.xfailed : r.skipped);
    if (c.outcome == "failed") ++r.failed;
    if (c.outcome == "error") ++r.errors;
    if (c.outcome == "failed" || c.outcome == "error") {
      std::string msg = c.message.empty() ? std::string(trim(c.details)) : c.message;
      r.failures.push_back({c.test_id, c.file, c.line, msg, c.outcome, long_report(c.details, c.captured)});
    }
    if (c.teardown_error) {
      ++r.errors;
      r.failures.push_back({c.test_id, c.file, c.line, c.teardown_message, "error",
                            long_report(c.teardown_details, c.captured)});
    }
  }
}

// Spreads the suite the last run collected over the workers so that each collects only
// its files (see CollectionSplit). Not for shards (every shard must see the whole list to
// agree on the split) or when the stored list or pytest's rootdir is unknown.
void plan_split_collection(PytestPass& pass, const History& h) {
  std::error_code ec;
  if (pass.workers < 2 || pass.shard || pass.only || h.last_list.empty() || h.rootdir.empty() ||
      !fs::is_directory(h.rootdir, ec)) {
    return;
  }
  for (const auto& a : pass.extra_args) {
    if (starts_with(a, "--rootdir") || a == "-c" || starts_with(a, "--config-file")) return;
  }
  const fs::path root(h.rootdir);
  std::vector<TestItem> tests;
  std::map<std::string, bool> exists;
  for (const auto& row : h.last_list) {
    const std::string file = row.test_id.substr(0, row.test_id.find("::"));
    auto [it, fresh] = exists.try_emplace(file, false);
    if (fresh) it->second = fs::is_regular_file(root / file, ec);
    if (it->second) tests.push_back({row.test_id, file});
  }
  CollectionSplit split = split_collection(tests, h.durations, pass.workers);
  for (size_t k = 1; k < split.files.size(); ++k) {
    if (split.files[k].empty()) return;  // fewer units than workers: everyone collects all
  }
  pass.worker_paths.assign(split.files.size(), {});
  for (size_t k = 1; k < split.files.size(); ++k) {
    for (const auto& f : split.files[k]) {
      pass.worker_paths[k].push_back((root / f).string());
      if (!split.files[0].count(f)) pass.ignore.push_back((root / f).string());
    }
  }
  pass.owner = std::move(split.owner);
  pass.session_args = {"--rootdir=" + h.rootdir};
  if (!h.inifile.empty() && fs::is_regular_file(h.inifile, ec)) {
    pass.session_args.insert(pass.session_args.end(), {"-c", h.inifile});
  }
}

std::vector<state::TestResultRow> rows_of(const std::vector<results::JunitCase>& cases, int attempt) {
  std::vector<state::TestResultRow> rows;
  for (const auto& c : cases) {
    // Collection errors have no test to schedule.
    if (c.test_id.find("::") == std::string::npos && c.outcome == "error") continue;
    const bool clean = !c.teardown_error || c.outcome != "passed";
    rows.push_back({c.test_id, c.file.empty() ? c.test_id.substr(0, c.test_id.find("::")) : c.file,
                    clean ? c.outcome : "error", c.time_s, attempt, clean ? c.message : c.teardown_message,
                    0});
  }
  return rows;
}

bool retryable(const results::JunitCase& c) {
  return (c.outcome == "failed" || c.outcome == "error" || c.teardown_error) &&
         c.test_id.find("::") != std::string::npos;
}

ExitCode decide_exit(const ExecuteReport& r, const ExecuteOptions& o, const PytestPassResult& p) {
  if (p.interrupted) return ExitCode::kInterrupted;
  if (p.timed_out) return ExitCode::kTimeout;
  if (r.failed > 0 || r.errors > 0) return ExitCode::kFailure;
  if (r.flaky > 0 && o.flaky_policy != "pass") return ExitCode::kFailure;
  return ExitCode::kSuccess;
}

// <project>/<state dir>/runs/<run id>: where a run's files go unless --output-dir says.
fs::path run_dir(const ExecuteOptions& o, int64_t run_id) {
  if (!o.out_dir.empty()) return o.out_dir;
  return o.state_dir / "runs" / (run_id > 0 ? std::to_string(run_id) : std::to_string(monotonic_ms()));
}

Result<ExecuteReport> run_pytest_suite(const ExecuteOptions& o, state::RunWriter& record,
                                       ProgressSink& progress, const fs::path& work_dir) {
  const auto t0 = Clock::now();
  ExecuteReport r;
  r.framework = "pytest";
  r.shard = o.shard;
  History h = load_history(record.db(), suite_key(o.paths), r.warnings);

  PytestPass pass;
  pass.python = o.python;
  pass.python_source = o.python_source;
  pass.project_dir = o.project_dir;
  pass.work_dir = work_dir;
  pass.paths = o.paths;
  pass.extra_args = o.pytest_args;
  pass.workers = auto_workers(o, h, r);
  pass.shard = o.shard;
  pass.durations = h.durations;
  if (o.shard) load_shard_durations(record.db(), o, record.run_id(), r, pass.durations);
  pass.fail_fast = o.fail_fast;
  pass.last_failed = h.last_failed;
  pass.coverage = o.coverage;
  pass.coverage_source = o.coverage_source;
  pass.coverage_omit = o.coverage_omit;
  if (pass.coverage_source.empty()) pass.coverage_source = {fs::absolute(o.project_dir).string()};
  pass.test_timeout_s = o.test_timeout_s;
  if (o.timeout_s) {
    pass.deadline = t0 + std::chrono::milliseconds(static_cast<int64_t>(*o.timeout_s * 1000));
  }
  r.workers = pass.workers;
  plan_split_collection(pass, h);
  for (const auto& files : pass.worker_paths) r.plan.split_files += files.size();
  auto lap_start = t0;
  const auto lap = [&](std::string stage) {
    const auto now = Clock::now();
    r.stage_s.emplace_back(std::move(stage), std::chrono::duration<double>(now - lap_start).count());
    lap_start = now;
  };
  lap("plan");
  // Parses the source files for the coverage report while the tests run.
  std::unique_ptr<coverage::CoverageReporter> reporter;
  if (o.coverage)
    reporter = coverage::CoverageReporter::start(o.python, o.project_dir, pass.coverage_source, work_dir);

  auto first = run_pytest_pass(pass, progress);
  if (!first) return first.error();
  PytestPassResult& res = *first;
  lap("pytest");
  r.worker_startup_s = res.worker_startup_s;
  r.start_s = res.start_s;
  r.work_s = res.work_s;
  r.work_cpu_s = res.work_cpu_s;
  r.rootdir = res.rootdir;
  r.inifile = res.inifile;
  r.warnings.insert(r.warnings.end(), res.warnings.begin(), res.warnings.end());
  if (res.no_tests && !o.shard) {
    return make_error(
        "NO_TESTS",
        "no tests collected in " + (o.paths.empty() ? std::string("the project") : join(o.paths, ", ")),
        "check the paths and pytest's python_files/testpaths settings");
  }
  if (res.no_tests) r.warnings.push_back("this shard has no tests");

  std::vector<std::string> documents = res.junit_documents;
  std::vector<fs::path> cov_files = res.coverage_files;
  std::vector<state::TestResultRow> rows = rows_of(res.cases, 1);
  std::map<std::string, results::JunitCase> finals;
  std::vector<std::string> order;
  for (const auto& c : res.cases) {
    order.push_back(c.test_id);
    finals[c.test_id] = c;
  }
  r.not_run = std::max<int64_t>(0, res.planned - static_cast<int64_t>(rows.size()));
  if (res.stopped || res.timed_out || res.interrupted) {
    // With split collection a worker that never got to collect left its tests out of
    // `planned`: at least the tests of the stored list (pass.owner) that did not run did not.
    int64_t missing = 0;
    for (const auto& [id, worker] : pass.owner) missing += finals.count(id) == 0 ? 1 : 0;
    r.not_run = std::max(r.not_run, missing);
  }

  // Retries: failed tests again, alone in a fresh worker that collects only their files.
  std::set<std::string> flaky;
  for (int attempt = 2; attempt <= o.retries + 1 && !res.interrupted && !res.timed_out; ++attempt) {
    std::set<std::string> again;
    std::set<std::string> files;
    for (const auto& [id, c] : finals) {
      if (retryable(c) && !flaky.count(id)) {
        again.insert(id);
        files.insert(id.substr(0, id.find("::")));
      }
    }
    if (again.empty()) break;
    PytestPass retry = pass;
    retry.attempt = attempt;
    retry.workers = 1;
    retry.shard.reset();
    retry.only = again;
    retry.fail_fast = false;
    retry.paths.assign(files.begin(), files.end());
    auto rr = run_pytest_pass(retry, progress);
    if (!rr) return rr.error();
    documents.insert(documents.end(), rr->junit_documents.begin(), rr->junit_documents.end());
    cov_files.insert(cov_files.end(), rr->coverage_files.begin(), rr->coverage_files.end());
    auto more = rows_of(rr->cases, attempt);
    rows.insert(rows.end(), more.begin(), more.end());
    for (const auto& c : rr->cases) {
      if (!again.count(c.test_id)) continue;
      if (c.outcome == "passed" && !c.teardown_error) {
        flaky.insert(c.test_id);
        (void)record.write([&](state::Db& db, int64_t) { return db.record_flake(c.test_id); });
      }
    }
    res.interrupted = res.interrupted || rr->interrupted;
    res.timed_out = res.timed_out || rr->timed_out;
  }
  for (const auto& id : flaky) r.flaky_tests.push_back(id);
  if (o.retries > 0) lap("retries");

  std::vector<results::JunitCase> final_cases;
  for (const auto& id : order) final_cases.push_back(finals[id]);
  tally(r, final_cases, flaky);

  const fs::path out_dir = run_dir(o, record.run_id());
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  results::JunitRunFacts facts;
  facts.streamed = final_cases;
  facts.partial = res.interrupted ? "interrupted" : res.timed_out ? "timeout" : "";
  facts.not_run = r.not_run;
  auto merged = results::merge_junit(documents, "aqe", facts);
  if (merged) {
    const fs::path junit = out_dir / "junit.xml";
    if (auto st = write_file_atomic(junit, *merged); st) {
      r.junit_xml = junit.string();
    } else {
      r.warnings.push_back(st.error().message);
    }
  }
  lap("junit merge");

  if (o.coverage && !res.interrupted) {
    coverage::CoverageCombine cc{o.python, o.project_dir, cov_files, out_dir / ".coverage",
                                 out_dir / "coverage.json"};
    auto cov = reporter ? reporter->finish(cc) : coverage::combine_coverage(cc);
    if (cov) {
      r.coverage = std::move(*cov);
      r.coverage_json = cc.json_report.string();
      r.coverage_data = cc.combined_data.string();
    } else {
      r.warnings.push_back("coverage: " + cov.error().message);
    }
    lap("coverage combine");
  }

  (void)record.write([&](state::Db& db, int64_t id) { return db.record_test_results(id, rows); });
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
  lap("store results");
  if (res.stopped && o.fail_fast) {
    r.warnings.push_back("fail-fast: stopped after the first failure; " + std::to_string(r.not_run) +
                         " tests did not run");
  } else if (res.stopped && !res.pytest_stop.empty()) {
    r.warnings.push_back("pytest stopped the run (" + res.pytest_stop + ", from -x or --maxfail); " +
                         std::to_string(r.not_run) + " tests did not run");
  }
  if (res.timed_out) {
    r.warnings.push_back("the run exceeded its timeout of " + std::to_string(*o.timeout_s) +
                         " s; every worker was ended");
  }
  r.exit_code = decide_exit(r, o, res);
  r.duration_s = std::chrono::duration<double>(Clock::now() - t0).count();
  return r;
}

Result<ExecuteReport> run_junit_command(const ExecuteOptions& o, state::RunWriter& record,
                                        ProgressSink& progress) {
  const auto t0 = Clock::now();
  ExecuteReport r;
  r.framework = "junit";
  r.workers = 1;
  const fs::path report =
      fs::path(o.junit_path).is_absolute() ? fs::path(o.junit_path) : o.project_dir / o.junit_path;
  std::error_code ec;
  fs::remove(report, ec);  // a stale report must not pass for this run's
  ProcessSpec spec;
  // The user wrote a shell command line (e.g. "ctest --output-junit out.xml"); sh parses it.
  spec.argv = {"/bin/sh", "-c", o.command};
  spec.cwd = o.project_dir;
  if (o.timeout_s) spec.timeout = std::chrono::milliseconds(static_cast<int64_t>(*o.timeout_s * 1000));
  progress.event("running: " + o.command);
  auto pr = run(spec);
  if (!pr) return pr.error();
  if (pr->termination == Termination::kInterrupted) {
    r.exit_code = ExitCode::kInterrupted;
    return r;
  }
  if (pr->termination == Termination::kTimedOut) {
    r.exit_code = ExitCode::kTimeout;
    r.warnings.push_back("the test command exceeded its timeout and was ended");
    return r;
  }
  auto text = read_file(report);
  if (!text) {
    return make_error("JUNIT_MISSING",
                      "the test command (exit " + std::to_string(pr->exit_code) +
                          ") wrote no JUnit report at " + report.string(),
                      "check --junit FILE; output was: " +
                          std::string(trim(pr->stderr_data + pr->stdout_data)).substr(0, 2000),
                      ExitCode::kFailure);
  }
  auto cases = results::parse_junit(*text, report.string());
  if (!cases) return cases.error();
  tally(r, *cases, {});
  r.junit_xml = report.string();
  const auto rows = rows_of(*cases, 1);
  (void)record.write([&](state::Db& db, int64_t id) { return db.record_test_results(id, rows); });
  r.exit_code = r.failed + r.errors > 0 || pr->exit_code != 0 ? ExitCode::kFailure : ExitCode::kSuccess;
  if (r.exit_code == ExitCode::kFailure && r.failed + r.errors == 0) {
    r.warnings.push_back("the test command exited " + std::to_string(pr->exit_code) +
                         " although its report has no failures");
  }
  r.duration_s = std::chrono::duration<double>(Clock::now() - t0).count();
  return r;
}

}  // namespace

std::string suite_key(const std::vector<std::string>& paths) {
  std::vector<std::string> p = paths;
  std::sort(p.begin(), p.end());
  return join(p, "\n");
}

state::ExecuteSummary summary_of(const ExecuteReport& r) {
  state::ExecuteSummary s;
  s.framework = r.framework;
  s.tests_run = r.tests_run;
  s.passed = r.passed;
  s.failed = r.failed;
  s.skipped = r.skipped;
  s.xfailed = r.xfailed;
  s.xpassed = r.xpassed;
  s.errors = r.errors;
  s.flaky = r.flaky;
  s.not_run = r.not_run;
  s.duration_s = r.duration_s;
  s.workers = r.workers;
  s.shard = r.shard;
  if (r.coverage) s.coverage = r.coverage->totals;
  s.flaky_tests = r.flaky_tests;
  s.junit_xml = r.junit_xml;
  s.coverage_json = r.coverage_json;
  s.worker_startup_s = r.worker_startup_s;
  s.start_s = r.start_s;
  s.work_s = r.work_s;
  s.work_cpu_s = r.work_cpu_s;
  s.idle_cores = r.idle_cores;
  s.rootdir = r.rootdir;
  s.inifile = r.inifile;
  return s;
}

Result<ExecuteReport> run_execute(const ExecuteOptions& opts, state::RunWriter& record,
                                  ProgressSink& progress) {
  if (auto st = check_input(opts); !st) return st.error();
  if (opts.framework == "junit") return run_junit_command(opts, record, progress);
  auto tmp = make_temp_dir("aqe-exec");
  if (!tmp) return tmp.error();
  TempDir guard{*tmp};
  return run_pytest_suite(opts, record, progress, guard.path);
}

}  // namespace aqe::execute
