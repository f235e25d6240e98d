// Coverage of a run: the workers' coverage.py data files combined by coverage.py itself and
// read back from its JSON report.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "aqe/coverage/coverage.h"
#include "aqe/exec/process.h"
#include "aqe/util/fs.h"
#include "aqe/util/json.h"
#include "aqe/util/resources.h"

namespace aqe::coverage {
namespace {

Status run_python(const CoverageCombine& in, std::vector<std::string> args, const std::string& what) {
  exec::ProcessSpec spec;
  spec.argv = {in.python};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.cwd = in.project_dir;
  spec.env_set["COVERAGE_FILE"] = in.combined_data.string();
  spec.timeout = in.timeout;
  auto r = exec::run(spec);
  if (!r) return r.error();
  if (r->termination == exec::Termination::kInterrupted) {
    return make_error("INTERRUPTED", "interrupted during " + what, "", ExitCode::kInterrupted);
  }
  if (r->termination != exec::Termination::kExited || r->exit_code != 0) {
    std::string msg = r->stderr_data.empty() ? r->stdout_data : r->stderr_data;
    return make_error("COVERAGE_FAILED", what + " failed: " + msg,
                      "check the project's coverage configuration", ExitCode::kFailure);
  }
  return ok_status();
}

// The workers' data files that exist, each followed by the suffixed files of the processes its
// coverage.py started (multiprocessing), which `coverage combine` would take too.
std::vector<std::string> existing_data_files(const CoverageCombine& in) {
  std::vector<std::string> out;
  for (const auto& f : in.data_files) {
    std::error_code ec;
    if (std::filesystem::exists(f, ec)) out.push_back(f.string());
    const std::string prefix = f.filename().string() + ".";
    std::vector<std::string> siblings;
    for (std::filesystem::directory_iterator it(f.parent_path(), ec), end; !ec && it != end;
         it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0) {
        siblings.push_back(it->path().string());
      }
    }
    std::sort(siblings.begin(), siblings.end());
    out.insert(out.end(), siblings.begin(), siblings.end());
  }
  return out;
}

nlohmann::json roots_of(const CoverageCombine& in) {
  // The first entry is where coverage.py maps the others to.
  nlohmann::json roots = nlohmann::json::array();
  if (!in.other_roots.empty()) {
    roots.push_back(in.project_dir.string());
    for (const auto& r : in.other_roots) roots.push_back(r.string());
  }
  return roots;
}

Result<CoverageReport> read_report(const CoverageCombine& in) {
  auto text = read_file(in.json_report);
  if (!text) return text.error();
  const std::string origin = in.json_report.string();
  auto report = read_coverage(*text, origin);
  // coverage.py wrote this report, not the user: a bad one fails the run's coverage (exit 1).
  if (!report) {
    return make_error("COVERAGE_INVALID", origin + ": not a coverage.py JSON report", "", ExitCode::kFailure);
  }
  return report;
}

Error no_data() {
  return make_error("COVERAGE_MISSING", "no worker wrote coverage data", "", ExitCode::kFailure);
}

}  // namespace

Result<CoverageReport> combine_coverage(const CoverageCombine& in) {
  // One interpreter for `coverage combine --keep` and `coverage json` (the project's coverage
  // config applies to both, as it would on the command line); each start costs ~0.2 s.
  static constexpr const char* kCombineAndReport =
      "import sys, json, coverage\n"
      "cov = coverage.Coverage(data_file=sys.argv[1])\n"
      "roots = json.loads(sys.argv[3])\n"
      "if roots:\n"
      "    paths = dict(cov.get_option('paths') or {})\n"
      "    paths['aqe-other-roots'] = roots\n"
      "    cov.set_option('paths', paths)\n"
      "cov.combine(sys.argv[4:], keep=True)\n"
      "cov.save()\n"
      "cov.json_report(outfile=sys.argv[2])\n";
  std::vector<std::string> args{"-c", kCombineAndReport, in.combined_data.string(), in.json_report.string(),
                                dump_json(roots_of(in))};
  const std::vector<std::string> files = existing_data_files(in);
  if (files.empty()) return no_data();
  args.insert(args.end(), files.begin(), files.end());
  std::error_code ec;
  std::filesystem::remove(in.combined_data, ec);
  if (auto st = run_python(in, args, "coverage combine and json report"); !st) return st.error();
  return read_report(in);
}

struct CoverageReporter::State {
  exec::Process proc;
  std::filesystem::path fifo;
  bool asked = false;
};

CoverageReporter::CoverageReporter(std::unique_ptr<State> s) : state_(std::move(s)) {}

std::unique_ptr<CoverageReporter> CoverageReporter::start(const std::string& python,
                                                          const std::filesystem::path& project_dir,
                                                          const std::vector<std::string>& source_dirs,
                                                          const std::filesystem::path& work_dir) {
  auto script = find_resource("aqe_coverage_reporter.py");
  if (!script) return nullptr;
  const std::filesystem::path path = work_dir / "aqe_coverage_reporter.py", fifo = work_dir / "coverage.fifo";
  if (!write_file_atomic(path, *script)) return nullptr;
  std::error_code ec;
  std::filesystem::remove(fifo, ec);
  if (::mkfifo(fifo.c_str(), 0600) != 0) return nullptr;
  exec::ProcessSpec spec;
  spec.argv = {python, path.string(), fifo.string(), "[]", dump_json(nlohmann::json(source_dirs))};
  spec.cwd = project_dir;
  // No timeout of its own: it waits for the tests, however long they take; finish() bounds
  // the rest, and the process group goes with aqe (interrupt, exit).
  auto p = exec::Process::start(spec);
  if (!p) return nullptr;
  auto s = std::make_unique<State>(State{std::move(*p), fifo});
  return std::unique_ptr<CoverageReporter>(new CoverageReporter(std::move(s)));
}

CoverageReporter::~CoverageReporter() {
  if (!state_->asked) state_->proc.kill_group(std::chrono::milliseconds(500));
  (void)state_->proc.wait();
  std::error_code ec;
  std::filesystem::remove(state_->fifo, ec);
}

namespace {

// One line on the FIFO the reporter holds open; false when it is no longer there to read it.
bool send_request(const std::filesystem::path& fifo, const std::string& line) {
  // O_NONBLOCK: fails at once (ENXIO) instead of waiting when no reader has it open.
  const int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return false;
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return done == line.size();
}

}  // namespace

Result<CoverageReport> CoverageReporter::finish(const CoverageCombine& in) {
  const std::vector<std::string> files = existing_data_files(in);
  if (files.empty()) return no_data();
  std::error_code ec;
  std::filesystem::remove(in.combined_data, ec);
  std::filesystem::remove(in.json_report, ec);
  nlohmann::json request{
      {"files", files}, {"data", in.combined_data.string()}, {"json", in.json_report.string()}};
  state_->asked = send_request(state_->fifo, dump_json(request) + "\n");
  if (state_->asked) {
    exec::Process* procs[] = {&state_->proc};
    if (!exec::wait_any(procs, in.timeout)) state_->proc.kill_group(std::chrono::milliseconds(500));
    const exec::ProcessResult r = state_->proc.wait();
    if (r.termination == exec::Termination::kInterrupted) {
      return make_error("INTERRUPTED", "interrupted during coverage combine and json report", "",
                        ExitCode::kInterrupted);
    }
    if (r.termination == exec::Termination::kExited && r.exit_code == 0) return read_report(in);
  }
  // The early interpreter is gone or failed: the one-shot way, whose error is the one to show.
  return combine_coverage(in);
}

}  // namespace aqe::coverage
