#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include "aqe/exec/process.h"
#include "aqe/gen/discover.h"
#include "aqe/gen/explore.h"
#include "aqe/gen/gen.h"
#include "aqe/gen/model_step.h"
#include "aqe/gen/schedule.h"
#include "aqe/gen/test_file.h"
#include "aqe/gen/verify.h"
#include "aqe/util/cpu.h"
#include "aqe/util/fs.h"
#include "aqe/util/hash.h"
#include "aqe/util/path.h"

namespace aqe::gen {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// A module that still needs work after the header check.
struct Pending {
  const SourceModule* module;
  TestFileHeader header;
  std::vector<GeneratedTest> tests;
  bool written = false;
};

enum class FileState { kAbsent, kHandWritten, kUpToDate, kStale };

FileState state_of(const fs::path& test_file, const TestFileHeader& want) {
  std::error_code ec;
  if (!fs::exists(test_file, ec)) return FileState::kAbsent;
  auto text = read_file(test_file);
  if (!text) return FileState::kHandWritten;  // unreadable: never touch it
  auto have = parse_header(*text);
  if (!have) return FileState::kHandWritten;
  return have->version == want.version && have->sha256 == want.sha256 && have->source == want.source
             ? FileState::kUpToDate
             : FileState::kStale;
}

// The order modules are started in: with several workers the longest expected first (its stored
// time, else its size), so that it does not run alone at the end; one worker keeps the order of
// discovery (the total is the same in any order).
std::vector<size_t> start_order(const std::vector<Pending>& pending, const GenerateOptions& o, int workers) {
  std::vector<ModuleCost> costs;
  costs.reserve(pending.size());
  for (const auto& p : pending) {
    ModuleCost c;
    if (auto it = o.stored_explore_s.find(p.module->rel); it != o.stored_explore_s.end())
      c.stored_s = it->second;
    std::error_code ec;
    const auto size = fs::file_size(p.module->file, ec);
    c.size_bytes = ec ? 0 : size;
    costs.push_back(c);
  }
  if (workers > 1) return longest_first(costs);
  std::vector<size_t> order(pending.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  return order;
}

// Explores the modules on up to `workers` children at once; stops starting new ones at the
// run deadline. Returns false when the deadline cut the run short.
bool explore_all(std::vector<Pending>& pending, const GenerateOptions& o, int workers,
                 Clock::time_point deadline, GenerateReport& report, ProgressSink& progress) {
  struct Running {
    size_t index;
    ExploreJob job;
    std::unique_ptr<exec::Process> proc;
  };
  std::vector<Running> running;
  const std::vector<size_t> order = start_order(pending, o, workers);
  size_t next = 0, done = 0;  // into `order`
  bool in_time = true;
  auto collect = [&](size_t slot) {
    Running& r = running[slot];
    exec::ProcessResult pr = r.proc->wait();
    ExploreResult er = finish_explore(r.job, pr, o.time_budget_s);
    Pending& p = pending[r.index];
    p.tests = std::move(er.tests);
    report.explore_s[p.module->rel] = std::chrono::duration<double>(pr.duration).count();
    for (auto& g : er.given_up)
      report.given_up.push_back({p.module->rel, std::move(g.target), g.line, g.calls, std::move(g.cut_off)});
    for (auto& u : er.untested)
      report.untested.push_back({p.module->rel, std::move(u.target), u.line, std::move(u.reason)});
    if (p.tests.empty()) report.skipped.push_back({p.module->rel, "no tests generated: " + er.failure});
    if (!er.finished) report.warnings.push_back(p.module->rel + ": exploration stopped at the time budget");
    if (er.stopped_at_target) report.stopped_at_target.push_back(p.module->rel);
    running.erase(running.begin() + static_cast<std::ptrdiff_t>(slot));
    progress.update(
        {static_cast<int64_t>(++done), static_cast<int64_t>(pending.size()), 0, -1, p.module->rel});
  };
  // Past the deadline nothing new starts and the explorers still running are stopped: their
  // modules get no test file, the finished ones are kept.
  auto cut_off = [&]() {
    in_time = false;
    for (auto& r : running) {
      r.proc->kill_group(std::chrono::milliseconds(200));
      r.proc->wait();
      std::error_code ec;
      fs::remove_all(r.job.work_dir, ec);
      const std::string& rel = pending[r.index].module->rel;
      report.skipped.push_back({rel, "not finished: the run's time budget was used up"});
      report.unfinished.push_back(rel);
    }
    running.clear();
    for (; next < pending.size(); ++next) {
      const std::string& rel = pending[order[next]].module->rel;
      report.skipped.push_back({rel, "not explored: the run's time budget was used up"});
      report.unfinished.push_back(rel);
    }
  };
  const ExploreLimits limits{o.time_budget_s, o.coverage_target};
  while (next < pending.size() || !running.empty()) {
    if (Clock::now() > deadline) {
      cut_off();
      break;
    }
    while (next < pending.size() && static_cast<int>(running.size()) < workers && !exec::interrupted()) {
      const size_t index = order[next++];
      auto job = prepare_explore(*pending[index].module, o.python, limits);
      if (!job) {
        report.skipped.push_back({pending[index].module->rel, job.error().message});
        continue;
      }
      auto proc = exec::Process::start(job->spec);
      if (!proc) {
        report.skipped.push_back({pending[index].module->rel, proc.error().message});
        continue;
      }
      running.push_back({index, std::move(*job), std::make_unique<exec::Process>(std::move(*proc))});
    }
    if (running.empty()) break;
    std::vector<exec::Process*> procs;
    procs.reserve(running.size());
    for (auto& r : running) procs.push_back(r.proc.get());
    auto idx = exec::wait_any(procs, std::chrono::milliseconds(500));
    if (idx) collect(*idx);
  }
  return in_time;
}

Status write_tests(const Pending& p) {
  fs::create_directories(p.module->test_file.parent_path());
  return write_file_atomic(p.module->test_file, render_test_file(p.header, p.tests));
}

// Runs the tests, drops failing generated ones and rewrites their files until everything
// left passes; the last run's coverage is the result.
Result<std::optional<coverage::Counts>> verify_and_prune(std::vector<Pending>& pending,
                                                         const std::vector<fs::path>& kept_files,
                                                         const std::vector<fs::path>& sources,
                                                         const GenerateOptions& o, GenerateReport& report,
                                                         std::vector<coverage::FileCoverage>& files) {
  VerifyInput in;
  in.python = o.python;
  in.project_dir = o.project_dir;
  in.source_files = sources;
  in.timeout_s = std::max(120.0, 20.0 * static_cast<double>(sources.size()));
  for (int round = 0; round < 4; ++round) {
    in.test_files = kept_files;
    for (const auto& p : pending)
      if (p.written && !p.tests.empty()) in.test_files.push_back(p.module->test_file);
    if (in.test_files.empty()) return std::optional<coverage::Counts>();
    auto v = verify_tests(in);
    if (!v) {
      if (v.error().exit_code == ExitCode::kInterrupted) return v.error();
      // The run died, hung or could not start: none of the new tests was verified, so none is
      // kept or counted.
      for (auto& p : pending) {
        if (!p.written || p.tests.empty()) continue;
        report.tests_discarded += static_cast<int64_t>(p.tests.size());
        report.discarded_by_reason["not verified"] += static_cast<int64_t>(p.tests.size());
        p.tests.clear();
        std::error_code ec;
        fs::remove(p.module->test_file, ec);
        report.skipped.push_back(
            {p.module->rel, "not kept: its tests were not verified: " + v.error().message});
      }
      report.warnings.push_back("the generated tests were not verified, none was kept: " + v.error().message);
      return v.error();
    }
    bool changed = false;
    for (auto& p : pending) {
      if (!p.written || p.tests.empty()) continue;
      const fs::path& f = p.module->test_file;
      size_t before = p.tests.size();
      if (v->broken_files.count(f)) {
        report.discarded_by_reason["failed"] += static_cast<int64_t>(p.tests.size());
        p.tests.clear();
      } else {
        // Kept: the tests the report says passed; a failing one or one missing from the report
        // (not run) is not verified; one the sandbox refused something is counted by that reason.
        std::set<std::string> drop;
        const auto ok = v->passed.find(f);
        const auto refused = v->violations.find(f);
        for (const auto& t : p.tests) {
          if (ok != v->passed.end() && ok->second.count(t.name)) continue;
          drop.insert(t.name);
          const bool by_sandbox = refused != v->violations.end() && refused->second.count(t.name);
          ++report.discarded_by_reason[by_sandbox ? refused->second.at(t.name) : "failed"];
        }
        p.tests = without(p.tests, drop);
      }
      if (p.tests.size() == before) continue;
      changed = true;
      report.tests_discarded += static_cast<int64_t>(before - p.tests.size());
      if (p.tests.empty()) {
        std::error_code ec;
        fs::remove(f, ec);
        report.skipped.push_back({p.module->rel, "no tests generated: every generated test failed"});
        continue;
      }
      auto st = write_tests(p);
      if (!st) return st.error();
    }
    for (const auto& f : kept_files)
      if (v->failed.count(f) || v->broken_files.count(f))
        report.warnings.push_back(display_path(f, o.project_dir, Outside::kRelative) +
                                  ": an up-to-date generated test fails now");
    if (!changed) {
      files = std::move(v->files);
      return v->coverage;
    }
  }
  return make_error("VERIFY_FAILED", "generated tests kept failing after removing the failing ones",
                    "run them with pytest to see why", ExitCode::kFailure);
}

// The generated files (aqe's header naming the source) of modules given but no longer there: a
// module deleted in the change list leaves no stale tests behind. Hand-written files (no header)
// and files generated from other sources are left alone.
void remove_tests_of_deleted(const std::vector<std::string>& missing, const GenerateOptions& o,
                             GenerateReport& report) {
  std::set<std::string> gone;
  for (const auto& m : missing) {
    const fs::path p = (fs::path(m).is_absolute() ? fs::path(m) : o.project_dir / m).lexically_normal();
    if (p.extension() == ".py") gone.insert(display_path(p, o.project_dir));
  }
  std::error_code ec;
  if (gone.empty() || !fs::is_directory(o.output_dir, ec)) return;
  std::vector<fs::path> stale;
  for (auto it =
           fs::recursive_directory_iterator(o.output_dir, fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (!it->is_regular_file(ec) || it->path().extension() != ".py") continue;
    auto text = read_file(it->path());
    auto h = text ? parse_header(*text) : std::nullopt;
    if (h && gone.count(h->source)) stale.push_back(it->path());
  }
  std::sort(stale.begin(), stale.end());
  for (const auto& f : stale) {
    if (!fs::remove(f, ec)) continue;
    report.warnings.push_back(display_path(f, o.project_dir, Outside::kRelative) +
                              ": removed, generated from a source that no longer exists");
  }
}

}  // namespace

Result<GenerateReport> run_generate(const GenerateOptions& o, ProgressSink& progress) {
  const auto start = Clock::now();
  GenerateReport report;
  Discovery d = discover_modules(o.paths, o.project_dir, o.output_dir, o.exclude);
  report.skipped = d.skipped;
  remove_tests_of_deleted(d.missing, o, report);
  // A path that does not exist (a file deleted in the change list that `xargs aqe generate`
  // got) is skipped and said; the others are generated. Exit 3 only when no given path exists.
  if (!d.missing.empty() && d.missing.size() == o.paths.size()) {
    report.exit_code = ExitCode::kUsage;
    return report;
  }
  for (const auto& m : d.missing) report.warnings.push_back(m + ": no such file or directory; skipped");
  std::vector<Pending> pending;
  std::vector<fs::path> kept_files, sources;
  for (const auto& m : d.modules) {
    auto text = read_file(m.file);
    if (!text) {
      report.skipped.push_back({m.rel, text.error().message});
      continue;
    }
    TestFileHeader h{o.version, m.rel, sha256_hex(*text)};
    ++report.files_processed;
    switch (state_of(m.test_file, h)) {
      case FileState::kHandWritten:
        report.skipped.push_back({m.rel, display_path(m.test_file, o.project_dir, Outside::kRelative) +
                                             " exists and was not written by aqe; left alone"});
        continue;
      case FileState::kUpToDate:
        ++report.up_to_date;
        kept_files.push_back(m.test_file);
        sources.push_back(m.file);
        report.skipped.push_back({m.rel, "up to date (same source hash and aqe version)"});
        continue;
      case FileState::kAbsent:
      case FileState::kStale:
        break;
    }
    sources.push_back(m.file);
    pending.push_back({&m, h, {}, false});
  }

  const int cores = o.cores > 0 ? o.cores : available_cores();
  const int workers = o.parallel ? cores : 1;
  const double run_budget_s =
      o.run_budget_s > 0
          ? o.run_budget_s
          : o.time_budget_s * 1.5 * std::ceil(static_cast<double>(pending.size()) / workers) + 60;
  const auto deadline = start + std::chrono::milliseconds(static_cast<int64_t>(run_budget_s * 1000));
  const bool model_only = o.engine == "llm";
  report.engine = o.engine;
  bool in_time = model_only || explore_all(pending, o, workers, deadline, report, progress);
  if (exec::interrupted()) {
    report.exit_code = ExitCode::kInterrupted;
    return report;
  }

  for (auto& p : pending) {
    std::error_code ec;
    if (model_only) continue;  // the built-in files are left as they are
    if (p.tests.empty()) {
      if (fs::exists(p.module->test_file, ec)) fs::remove(p.module->test_file, ec);  // stale, aqe's own
      continue;
    }
    auto st = write_tests(p);
    if (!st) return st.error();
    p.written = true;
  }
  std::vector<coverage::FileCoverage> files;
  auto cov = verify_and_prune(pending, kept_files, sources, o, report, files);
  if (cov && o.engine != "builtin" && o.llm) {
    report.llm.emplace();
    std::vector<ModelTarget> targets;
    std::vector<fs::path> kept = kept_files;
    bool remeasure = false;
    for (const auto& p : pending)
      if (p.written && !p.tests.empty()) kept.push_back(p.module->test_file);
    for (const auto& m : d.modules) {
      const fs::path mf = model_test_file(m);
      auto text = read_file(m.file);
      if (!text || state_of(m.test_file, {o.version, m.rel, ""}) == FileState::kHandWritten) continue;
      const std::string sha = sha256_hex(*text);
      std::error_code ec;
      if (fs::exists(mf, ec)) {
        auto have = read_file(mf);
        auto h = have ? parse_header(*have) : std::nullopt;
        if (!h) continue;  // not aqe's: left alone, and the module is not asked about
        if (h->sha256 == sha && h->version == o.version) {
          kept.push_back(mf);
          remeasure = true;
          report.llm->test_files.push_back(display_path(mf, o.project_dir, Outside::kRelative));
          continue;
        }
        fs::remove(mf, ec);  // stale, aqe's own
      }
      ModelTarget t{&m, *text, sha, {}, {}};
      const SegmentFiles segment_files = find_segment_files(m, sha, o.version);
      for (const auto& f : segment_files.up_to_date) {
        kept.push_back(f);
        remeasure = true;
        t.settled.insert(f);
        report.llm->test_files.push_back(display_path(f, o.project_dir, Outside::kRelative));
        if (auto kept_text = read_file(f))
          for (auto& name : test_names(*kept_text)) t.existing_tests.push_back(std::move(name));
      }
      t.settled.insert(segment_files.hand_written.begin(), segment_files.hand_written.end());
      for (const auto& p : pending)
        if (p.module == &m)
          for (const auto& g : p.tests) t.existing_tests.push_back(g.name);
      targets.push_back(std::move(t));
    }
    // The coverage of the kept files (up-to-date model files included) is the baseline.
    if (remeasure) {
      VerifyInput in{o.python, o.project_dir, kept, sources,
                     std::max(120.0, 20.0 * static_cast<double>(sources.size()))};
      if (auto v = verify_tests(in)) {
        if (v->coverage) *cov = v->coverage;
        files = std::move(v->files);
      }
    }
    run_model_step(targets, kept, sources, files, *cov, o, report);
    report.llm->routing_off_by = o.llm->routing_off_by;
    if (o.llm->routing && !o.llm->tiers.empty()) {
      report.llm->routing = true;
      report.llm->tiers = o.llm->tiers;
      report.llm->saving = compute_saving(report.llm->recorded, o.llm->tiers.back(), o.llm->price_overrides);
    }
    std::sort(report.llm->test_files.begin(), report.llm->test_files.end());
    if (exec::interrupted()) {
      report.exit_code = ExitCode::kInterrupted;
      return report;
    }
  }
  if (!cov) {
    if (cov.error().exit_code == ExitCode::kInterrupted) {
      report.exit_code = ExitCode::kInterrupted;
      return report;
    }
    report.warnings.push_back("coverage was not measured: " + cov.error().message);
  } else {
    report.coverage = *cov;
  }
  for (const auto& p : pending) {
    if (!p.written || p.tests.empty()) continue;
    report.tests_generated += static_cast<int64_t>(p.tests.size());
    report.test_files.push_back(display_path(p.module->test_file, o.project_dir, Outside::kRelative));
  }
  for (const auto& f : kept_files)
    report.test_files.push_back(display_path(f, o.project_dir, Outside::kRelative));
  std::sort(report.test_files.begin(), report.test_files.end());
  std::sort(report.stopped_at_target.begin(), report.stopped_at_target.end());
  std::sort(report.unfinished.begin(), report.unfinished.end());
  std::stable_sort(report.given_up.begin(), report.given_up.end(),
                   [](const GivenUpFunction& a, const GivenUpFunction& b) { return a.file < b.file; });
  std::stable_sort(report.untested.begin(), report.untested.end(),
                   [](const UntestedFunction& a, const UntestedFunction& b) { return a.file < b.file; });
  std::stable_sort(report.skipped.begin(), report.skipped.end(),
                   [](const SkippedFile& a, const SkippedFile& b) { return a.file < b.file; });
  if (report.llm) {
    for (const auto& f : report.llm->test_files) report.test_files.push_back(f);
    std::sort(report.test_files.begin(), report.test_files.end());
  }
  report.duration_s = std::chrono::duration<double>(Clock::now() - start).count();
  const bool model_tests = report.llm && !report.llm->test_files.empty();
  if (report.llm && report.llm->error) {
    report.exit_code = report.llm->error->exit_code;
  } else if (report.llm && report.llm->budget_stopped) {
    report.exit_code = ExitCode::kFailure;
  } else if (!in_time) {
    report.exit_code = ExitCode::kTimeout;
  } else if (report.tests_generated == 0 && report.up_to_date == 0 && !model_tests) {
    report.exit_code = ExitCode::kFailure;
  }
  return report;
}

}  // namespace aqe::gen
