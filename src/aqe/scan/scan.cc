#include "aqe/scan/scan.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <numeric>
#include <set>
#include <thread>
#include <tuple>

#include "aqe/scan/baseline.h"
#include "aqe/scan/deps.h"
#include "aqe/scan/git_history.h"
#include "aqe/scan/scan_engine.h"
#include "aqe/scan/walker.h"
#include "aqe/util/cpu.h"
#include "aqe/util/file_content.h"
#include "aqe/util/strings.h"

namespace aqe::scan {
namespace {

constexpr size_t kBinaryProbe = 8192;

struct FileOutcome {
  FileFindings found;
  std::string skipped_reason;
  std::uint64_t bytes = 0;
  bool scanned = false;
};

FileOutcome scan_one(const ScanEngine& engine, const FileToScan& file, ScanEngine::Worker& w) {
  FileOutcome out;
  FileContent content;
  auto opened = content.open(file.path, w.buffer);
  if (!opened.ok()) {
    out.skipped_reason = opened.error().message;
    return out;
  }
  std::string_view data = content.data();
  if (auto keystore = keystore_finding(file.display)) {
    out.found.findings.push_back(std::move(*keystore));
    out.bytes = data.size();
    out.scanned = true;
    return out;
  }
  // An empty file's view has no pointer, and memchr(nullptr, ...) is undefined even for 0 bytes.
  if (!data.empty() && std::memchr(data.data(), 0, std::min(data.size(), kBinaryProbe)) != nullptr) {
    out.skipped_reason = "binary";
    return out;
  }
  out.found = engine.scan_text(data, file.display, w);
  out.bytes = data.size();
  out.scanned = true;
  return out;
}

Error interrupted_error() {
  return make_error("INTERRUPTED", "security-scan interrupted; no result was judged", "",
                    ExitCode::kInterrupted);
}

Result<std::vector<FileOutcome>> scan_all(const ScanEngine& engine, const std::vector<FileToScan>& files,
                                          unsigned threads, const std::function<bool()>& cancelled) {
  std::vector<FileOutcome> outcomes(files.size());
  // Largest files first, so a big file taken last does not leave the other threads idle at the
  // end. Outcomes stay indexed by walk order, so the report's order does not depend on this.
  std::vector<size_t> order(files.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return files[a].size > files[b].size; });
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::atomic<bool> stopped{false};
  Error first_error;
  auto work = [&]() {
    ScanEngine::Worker w;
    auto init = engine.init_worker(w);
    if (!init.ok()) {
      if (!failed.exchange(true)) first_error = init.error();
      return;
    }
    for (size_t k = next++; k < files.size(); k = next++) {
      if (stopped || (cancelled && cancelled())) {
        stopped = true;
        return;
      }
      outcomes[order[k]] = scan_one(engine, files[order[k]], w);
    }
  };
  unsigned n = std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(files.size())));
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < n; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (failed) return first_error;
  if (stopped) return interrupted_error();
  return outcomes;
}

void finish_counts(ScanReport& r, const ScanOptions& o) {
  for (const char* s : {"critical", "high", "medium", "low"}) r.counts[s] = 0;
  for (const Finding& f : r.findings) ++r.counts[std::string(severity_name(f.severity))];
  if (!o.fail_on) return;
  for (const Finding& f : r.findings) {
    if (f.severity >= *o.fail_on) r.exit_code = 1;
  }
}

constexpr size_t kMaxDatabaseProblems = 5;

void add_database_problems(const std::vector<std::string>& problems, std::vector<std::string>& warnings) {
  for (size_t i = 0; i < std::min(problems.size(), kMaxDatabaseProblems); ++i)
    warnings.push_back(problems[i]);
  if (problems.size() > kMaxDatabaseProblems) {
    warnings.push_back("advisory database: " + std::to_string(problems.size() - kMaxDatabaseProblems) +
                       " more unreadable records skipped");
  }
}

// --comprehensive: the manifests among the walked files, checked against the OSV directory.
Result<DependencySummary> check_manifests(const ScanOptions& o, const std::vector<FileToScan>& files,
                                          std::vector<Finding>& findings,
                                          std::vector<std::string>& warnings) {
  DependencySummary summary;
  if (o.advisories_dir.empty()) {
    warnings.push_back(
        "dependency check not run: no advisory database; pass --advisories DIR or set "
        "security.advisories_dir "
        "(an offline OSV directory, see docs/dependencies.md)");
    return summary;
  }
  ManifestRead read;
  for (const FileToScan& f : files) {
    if (is_manifest(f.display)) read_manifest(f.path, f.display, read);
  }
  // A requirements file is read directly and again through another's -r: count it once.
  std::sort(read.manifests.begin(), read.manifests.end());
  read.manifests.erase(std::unique(read.manifests.begin(), read.manifests.end()), read.manifests.end());
  std::set<std::tuple<std::string, int, std::string>> seen;
  std::erase_if(read.dependencies,
                [&](const Dependency& d) { return !seen.emplace(d.file, d.line, d.name).second; });
  std::set<std::string> names;
  for (const Dependency& d : read.dependencies) names.insert(d.name);
  std::vector<std::string> problems;
  auto db = AdvisoryDb::load(o.advisories_dir, problems, &names);
  if (!db.ok()) return db.error();
  if (read.manifests.empty())
    warnings.push_back(
        "dependency check: no manifest (requirements*.txt, pyproject.toml, poetry.lock, "
        "Pipfile.lock, package-lock.json) under the scanned paths");
  add_database_problems(problems, warnings);
  warnings.insert(warnings.end(), read.warnings.begin(), read.warnings.end());
  for (Finding& f : check_dependencies(read.dependencies, *db)) findings.push_back(std::move(f));
  summary.checked = true;
  summary.manifests = std::move(read.manifests);
  summary.dependencies = static_cast<int>(read.dependencies.size());
  summary.advisories = db->size();
  return summary;
}

// Marks findings in test files; code-rule findings there go one severity level down (or are
// dropped with exclude_tests). Secrets stay: a real key in a fixture is still a leak.
void judge_test_code(std::vector<Finding>& all, const ScanOptions& o) {
  std::vector<std::string> roots;
  for (const auto& p : o.paths) {
    std::string root = p.generic_string();
    while (root.size() > 1 && root.back() == '/') root.pop_back();
    roots.push_back(root);
  }
  for (Finding& f : all) {
    std::string_view rel = f.file;
    // An absolute scan path: only the part below it says whether a file is a test.
    for (const std::string& root : roots) {
      if (!root.empty() && root[0] == '/' && starts_with(rel, root + "/")) rel.remove_prefix(root.size() + 1);
    }
    f.test_code = is_test_file(rel, o.test_dirs);
    if (f.test_code && f.category == "code" && f.severity != Severity::kLow)
      f.severity = static_cast<Severity>(static_cast<int>(f.severity) - 1);
  }
  if (o.exclude_tests) {
    all.erase(std::remove_if(all.begin(), all.end(),
                             [](const Finding& f) { return f.test_code && f.category == "code"; }),
              all.end());
  }
}

// Baseline and severity floor, then counts and the exit code.
Status finish_report(ScanReport& r, std::vector<Finding> all, const ScanOptions& o) {
  judge_test_code(all, o);
  std::stable_sort(all.begin(), all.end(), [](const Finding& a, const Finding& b) {
    return std::tie(a.file, a.line, a.column, a.rule_id) < std::tie(b.file, b.line, b.column, b.rule_id);
  });
  if (!o.write_baseline.empty()) {
    auto written = write_baseline(o.write_baseline, all);
    if (!written.ok()) return written.error();
  }
  std::set<std::string> known;
  int version = kBaselineVersion;
  if (!o.baseline.empty()) {
    auto loaded = read_baseline(o.baseline, &version);
    if (!loaded.ok()) return loaded.error();
    known = std::move(loaded.value());
  }
  const bool legacy = !o.baseline.empty() && version < kBaselineVersion;
  if (legacy) {
    r.warnings.push_back("baseline " + o.baseline.string() +
                         " has version-1 fingerprints (hashes of the secrets themselves: anyone holding the "
                         "file can confirm a guessed secret); matched this time, rewrite it with "
                         "--write-baseline " +
                         o.baseline.string());
  }
  for (Finding& f : all) {
    const bool old = legacy && !f.legacy_fingerprint.empty();
    if (known.count(old ? f.legacy_fingerprint : f.fingerprint) != 0) {
      ++r.baselined;
      continue;
    }
    (f.severity < o.severity_floor ? r.below_floor : r.findings).push_back(std::move(f));
  }
  finish_counts(r, o);
  return ok_status();
}

// --git-history: secret rules over the lines each commit added, instead of the files on disk.
Result<ScanReport> run_history_scan(const ScanOptions& o) {
  auto engine = ScanEngine::build(o.custom_rules, false, o.cache_dir);
  if (!engine.ok()) return engine.error();
  auto history = scan_git_history(*engine.value(), o);
  if (!history.ok()) return history.error();
  ScanReport r;
  r.files_scanned = history->files;
  r.bytes_scanned = history->bytes;
  r.suppressed = history->suppressed;
  r.commits_scanned = history->commits;
  if (o.comprehensive)
    r.warnings.push_back("--comprehensive has no effect with --git-history (secrets only)");
  if (auto st = finish_report(r, std::move(history->findings), o); !st.ok()) return st.error();
  return r;
}

}  // namespace

Result<ScanReport> run_scan(const ScanOptions& o) {
  auto started = std::chrono::steady_clock::now();
  if (o.paths.empty())
    return make_error("USAGE", "security-scan: no path given",
                      "pass a file or directory, e.g. 'aqe security-scan src/'");
  if (o.git_history) {
    auto r = run_history_scan(o);
    if (r.ok())
      r->duration_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return r;
  }
  WalkOptions walk;
  walk.excludes = o.excludes;
  walk.max_file_size = o.max_file_size;
  walk.follow_links = o.follow_links;
  walk.cancelled = o.cancelled;
  WalkResult walked = walk_paths(o.paths, walk);
  if (walked.interrupted) return interrupted_error();
  if (!walked.missing.empty()) {
    return make_error("PATH_NOT_FOUND", "security-scan: path not found: " + walked.missing.front(),
                      "check the path; it is resolved relative to the current directory");
  }
  const bool python_only = std::all_of(walked.files.begin(), walked.files.end(),
                                       [](const FileToScan& f) { return is_python_file(f.display); });
  auto engine = ScanEngine::build(o.custom_rules, o.code_rules, o.cache_dir, python_only);
  if (!engine.ok()) return engine.error();
  unsigned threads = o.threads != 0 ? o.threads : static_cast<unsigned>(available_cores());
  auto outcomes = scan_all(*engine.value(), walked.files, threads, o.cancelled);
  if (!outcomes.ok()) return outcomes.error();

  ScanReport r;
  r.skipped = std::move(walked.skipped);
  std::vector<Finding> all;
  for (size_t i = 0; i < walked.files.size(); ++i) {
    FileOutcome& out = outcomes.value()[i];
    if (!out.scanned) {
      r.skipped.push_back({walked.files[i].display, out.skipped_reason});
      continue;
    }
    ++r.files_scanned;
    r.bytes_scanned += out.bytes;
    r.suppressed += out.found.suppressed;
    if (!out.found.warning.empty()) r.warnings.push_back(out.found.warning);
    for (Finding& f : out.found.findings) all.push_back(std::move(f));
  }
  if (o.comprehensive) {
    auto deps = check_manifests(o, walked.files, all, r.warnings);
    if (!deps.ok()) return deps.error();
    r.dependencies = std::move(deps.value());
  }
  if (auto st = finish_report(r, std::move(all), o); !st.ok()) return st.error();
  r.duration_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return r;
}

}  // namespace aqe::scan
