#include "aqe/execute/pytest_run.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <numeric>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "aqe/exec/process.h"
#include "aqe/exec/python.h"
#include "aqe/util/fs.h"
#include "aqe/util/json.h"
#include "aqe/util/resources.h"
#include "aqe/util/strings.h"

namespace aqe::execute {

// The process runner every external process goes through.
using exec::interrupted;
using exec::missing_modules_error;
using exec::Process;
using exec::ProcessResult;
using exec::ProcessSpec;
using exec::PythonChoice;
using exec::Termination;
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr std::chrono::milliseconds kTick{10};
// After fail-fast or the run's timeout, workers get this long to end on their own.
constexpr std::chrono::milliseconds kStopGrace{1500};
constexpr std::chrono::milliseconds kKillGrace{300};

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

Result<Fd> listen_unix(const fs::path& path) {
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string p = path.string();
  if (fd.get() < 0 || p.size() >= sizeof addr.sun_path) {
    return make_error("EXEC_SOCKET", "cannot create the worker socket " + p, "", ExitCode::kFailure);
  }
  std::memcpy(addr.sun_path, p.c_str(), p.size() + 1);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd.get(), 64) != 0) {
    return make_error("EXEC_SOCKET", "cannot listen on " + p + ": " + std::strerror(errno), "",
                      ExitCode::kFailure);
  }
  return fd;
}

bool send_line(int fd, const json& msg) {
  const std::string line = msg.dump() + "\n";
  size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::send(fd, line.data() + off, line.size() - off, MSG_NOSIGNAL);
    if (n > 0) {
      off += static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      pollfd p{fd, POLLOUT, 0};
      ::poll(&p, 1, 100);
    } else {
      return false;
    }
  }
  return true;
}

std::string file_of(const std::string& node_id) { return node_id.substr(0, node_id.find("::")); }

int outcome_rank(const std::string& o) {
  if (o == "error") return 3;
  if (o == "failed") return 2;
  if (o == "skipped") return 1;
  return 0;
}

struct Worker {
  int index = 0;
  std::optional<Process> proc;
  Fd conn;
  std::string inbuf;
  Clock::time_point started;
  std::optional<double> startup_s;
  std::optional<Clock::time_point> hello_at, collected_at, drained_at, exited_at;
  // The worker's CPU seconds (its own process) at hello, at collected and at its latest result.
  std::optional<double> cpu_hello, cpu_collected, cpu_last;
  std::unordered_set<std::string> ids;         // what it collected: the tests it can run
  std::deque<std::vector<std::string>> queue;  // its own units (split collection)
  bool exited = false;
  bool got_work = false;
  std::vector<std::string> outstanding;  // assigned, no result yet, in run order
  // Since when outstanding.front() has been the test running (its predecessor's first result).
  std::optional<Clock::time_point> front_since;
  bool over_test_timeout = false;  // ended by aqe: the running test ignored --test-timeout
  bool asked_empty = false;        // asked for work and got none: drains after its last report
  std::map<std::string, results::JunitCase> streamed;
  std::vector<std::string> streamed_order;
  fs::path junit_file, coverage_file;
  ProcessResult result;
};

class PassRunner {
 public:
  PassRunner(const PytestPass& pass, ProgressSink& progress) : pass_(pass), progress_(progress) {
    stop_.fail_fast = pass.fail_fast;
  }
  Result<PytestPassResult> run();

 private:
  Status start_worker();
  void accept_connections();
  // Returns false at end of stream.
  bool read_from(int fd, std::string& buf, const std::function<void(const json&)>& on_msg);
  void on_message(Worker& w, const json& msg);
  void build_plan(const std::vector<std::string>& collected);
  void plan_owned(Worker& w, const std::vector<std::string>& collected);
  void plan_orphans();
  std::vector<std::string> take_unit(Worker& w);
  void measure_work();
  void serve_next(Worker& w);
  void on_result(Worker& w, const json& msg);
  void on_pytest_stop(Worker& w, const std::string& why);
  void stop_all(const std::string& why);
  double hard_test_limit_s() const;
  void end_tests_over_limit(Clock::time_point now);
  void on_exit(Worker& w);
  std::optional<Error> fatal_worker_error(const Worker& w) const;
  void collect_results();
  bool total_known() const;
  void report_progress();
  void add_notes(const std::vector<std::string>& notes);

  const PytestPass& pass_;
  ProgressSink& progress_;
  Fd listener_;
  fs::path socket_path_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::pair<Fd, std::string>> unidentified_;
  bool plan_ready_ = false;
  std::vector<std::string> planned_;
  std::unordered_set<std::string> planned_set_;
  std::vector<std::string> orphans_;  // split: collected by a worker that does not own them
  double unit_limit_ = 0;
  StopAtFailure stop_;  // pytest_maxfail as the workers report it at collection
  std::deque<std::vector<std::string>> queue_;
  std::map<std::string, double> estimate_;
  std::set<std::string> rescheduled_;
  double remaining_s_ = 0;
  int64_t done_ = 0, failures_ = 0, errors_ = 0;
  int collect_errors_ = 0;
  int replacements_left_ = 0;
  std::optional<Clock::time_point> kill_at_;
  std::optional<Error> fatal_;
  // What the plugin turned off of the project's pytest set-up (pytest-cov, xdist): told once
  // per pass, whatever the number of workers. Not a worker's trouble, so not in out_.warnings
  // until the work is measured (a warning there marks a pass whose work is not the suite's).
  std::vector<std::string> notes_;
  PytestPassResult out_;
};

Status PassRunner::start_worker() {
  auto w = std::make_unique<Worker>();
  w->index = static_cast<int>(workers_.size());
  const std::string tag = "a" + std::to_string(pass_.attempt) + "w" + std::to_string(w->index);
  w->junit_file = pass_.work_dir / (tag + ".xml");
  w->coverage_file = pass_.work_dir / (tag + ".coverage");
  ProcessSpec spec;
  // `python -m pytest ARGS`, with coverage started before pytest is imported (as `coverage run
  // -m pytest` does): see aqe_coverage_boot.py. sys.path[0] is the working directory, as -m sets it.
  static constexpr const char* kBoot =
      "import os, sys\n"
      "sys.path[0] = os.getcwd()\n"
      "import aqe_coverage_boot\n"
      "import runpy\n"
      "runpy.run_module('pytest', run_name='__main__', alter_sys=True)\n";
  spec.argv = {pass_.python,
               "-c",
               kBoot,
               "-p",
               "aqe_pytest_plugin",
               "-p",
               "no:cacheprovider",
               "-q",
               "--continue-on-collection-errors"};
  if (pass_.fail_fast) spec.argv.push_back("-x");
  spec.argv.insert(spec.argv.end(), pass_.session_args.begin(), pass_.session_args.end());
  spec.argv.insert(spec.argv.end(), pass_.extra_args.begin(), pass_.extra_args.end());
  const auto slot = static_cast<size_t>(w->index);
  if (slot > 0 && slot < pass_.worker_paths.size()) {
    spec.argv.insert(spec.argv.end(), pass_.worker_paths[slot].begin(), pass_.worker_paths[slot].end());
  } else {
    // Worker 0 of a split finds what the stored list does not know; a replacement worker
    // (after a crash) collects everything so that it can take anyone's tests.
    if (slot == 0) {
      for (const auto& f : pass_.ignore) spec.argv.push_back("--ignore=" + f);
    }
    spec.argv.insert(spec.argv.end(), pass_.paths.begin(), pass_.paths.end());
  }
  spec.cwd = pass_.project_dir;
  const char* pp = std::getenv("PYTHONPATH");
  std::string pythonpath = (pass_.work_dir / "plugin").string();
  if (pp && *pp) pythonpath += ":" + std::string(pp);
  spec.env_set = {{"PYTHONPATH", pythonpath},
                  {"AQE_SOCKET", socket_path_.string()},
                  {"AQE_JUNIT", w->junit_file.string()},
                  {"AQE_WORKER", std::to_string(w->index)},
                  {"AQE_PID", std::to_string(::getpid())}};
  if (pass_.coverage) {
    spec.env_set["AQE_COVERAGE_FILE"] = w->coverage_file.string();
    // Processes coverage.py itself starts (`concurrency = multiprocessing`) write
    // <this file>.<host>.<pid>.<n> beside it, combined with it, not .coverage.* in the project.
    spec.env_set["COVERAGE_FILE"] = w->coverage_file.string();
    spec.env_set["AQE_COVERAGE_SOURCE"] = join(pass_.coverage_source, ":");
    if (!pass_.coverage_omit.empty()) spec.env_set["AQE_COVERAGE_OMIT"] = join(pass_.coverage_omit, ":");
    out_.coverage_files.push_back(w->coverage_file);
  }
  if (pass_.test_timeout_s) {
    spec.env_set["AQE_TEST_TIMEOUT_S"] = std::to_string(*pass_.test_timeout_s);
  }
  spec.kill_grace = kKillGrace;
  w->started = Clock::now();
  auto p = Process::start(spec);
  if (!p) return p.error();
  w->proc.emplace(std::move(*p));
  workers_.push_back(std::move(w));
  ++out_.workers_started;
  return ok_status();
}

void PassRunner::accept_connections() {
  for (;;) {
    int fd = ::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) return;
    unidentified_.emplace_back(Fd(fd), std::string());
  }
}

// Reads what is there and hands each complete line to `on_msg`.
bool PassRunner::read_from(int fd, std::string& buf, const std::function<void(const json&)>& on_msg) {
  char chunk[65536];
  bool open = true;
  for (;;) {
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n == 0) open = false;
    if (n <= 0) break;
    buf.append(chunk, static_cast<size_t>(n));
  }
  size_t start = 0;
  for (size_t nl; (nl = buf.find('\n', start)) != std::string::npos; start = nl + 1) {
    // parse_json: bounded depth, never throws; a line that is not an object is not a message.
    auto msg = parse_json(std::string_view(buf).substr(start, nl - start));
    if (msg && msg.value.is_object()) on_msg(msg.value);
  }
  buf.erase(0, start);
  return open;
}

void PassRunner::build_plan(const std::vector<std::string>& collected) {
  std::vector<TestItem> tests;
  for (const auto& id : collected) {
    if (pass_.only && !pass_.only->count(id)) continue;
    tests.push_back({id, file_of(id)});
  }
  if (pass_.shard) {
    std::vector<TestItem> mine;
    for (size_t i : select_shard(tests, pass_.durations, pass_.shard->first, pass_.shard->second)) {
      mine.push_back(tests[i]);
    }
    tests = std::move(mine);
  }
  const double unknown = unknown_test_estimate(pass_.durations, 0.01);
  const auto est = estimate_durations(tests, pass_.durations, unknown);
  remaining_s_ = std::accumulate(est.begin(), est.end(), 0.0);
  for (size_t i = 0; i < tests.size(); ++i) estimate_[tests[i].id] = est[i];
  const int live = std::max(1, pass_.workers);
  for (const auto& u :
       plan_queue(tests, est, balanced_unit_limit(remaining_s_, live), pass_.last_failed, stop_)) {
    auto& ids = queue_.emplace_back();
    for (size_t i : u.tests) ids.push_back(tests[i].id);
  }
  for (const auto& t : tests) {
    planned_.push_back(t.id);
    planned_set_.insert(t.id);
  }
  out_.planned = static_cast<int64_t>(planned_.size());
  plan_ready_ = true;
}

// Split collection: a worker plans the tests it owns and those no stored plan knows, as
// units of its own queue (plan_queue: longest first, or last run's failures first).
void PassRunner::plan_owned(Worker& w, const std::vector<std::string>& collected) {
  std::vector<TestItem> tests;
  for (const auto& id : collected) {
    if (pass_.only && !pass_.only->count(id)) continue;
    auto it = pass_.owner.find(id);
    if (it != pass_.owner.end() && it->second != w.index) {
      if (!planned_set_.count(id)) orphans_.push_back(id);
      continue;
    }
    if (planned_set_.insert(id).second) tests.push_back({id, file_of(id)});
  }
  const double unknown = unknown_test_estimate(pass_.durations, 0.01);
  const auto est = estimate_durations(tests, pass_.durations, unknown);
  for (const auto& u : plan_queue(tests, est, unit_limit_, pass_.last_failed, stop_)) {
    auto& ids = w.queue.emplace_back();
    for (size_t i : u.tests) ids.push_back(tests[i].id);
  }
  for (size_t i = 0; i < tests.size(); ++i) {
    planned_.push_back(tests[i].id);
    estimate_[tests[i].id] = est[i];
    remaining_s_ += est[i];
  }
  out_.planned = static_cast<int64_t>(planned_.size());
  plan_ready_ = true;
  plan_orphans();
}

// Tests whose owner never collected them (it crashed first, or saw another tree) go to the
// shared queue once every worker has collected or ended; whoever collected them runs them.
void PassRunner::plan_orphans() {
  for (const auto& w : workers_) {
    if (!w->collected_at && !w->exited) return;
  }
  std::vector<std::string> unit;
  for (const auto& id : orphans_) {
    if (!planned_set_.insert(id).second) continue;
    unit.push_back(id);
    planned_.push_back(id);
    estimate_[id] = unknown_test_estimate(pass_.durations, 0.01);
    remaining_s_ += estimate_[id];
  }
  orphans_.clear();
  out_.planned = static_cast<int64_t>(planned_.size());
  if (!unit.empty()) queue_.push_back(std::move(unit));
}

// The next unit for `w`: its own queue, then the shared queue, then the largest unit another
// worker has not started yet. Only units whose every test `w` collected.
std::vector<std::string> PassRunner::take_unit(Worker& w) {
  auto runnable = [&](const std::vector<std::string>& u) {
    return std::all_of(u.begin(), u.end(), [&](const std::string& id) { return w.ids.count(id) > 0; });
  };
  std::vector<std::string> unit;
  if (!w.queue.empty()) {
    unit = std::move(w.queue.front());
    w.queue.pop_front();
    return unit;
  }
  for (auto it = queue_.begin(); it != queue_.end(); ++it) {
    if (runnable(*it)) {
      unit = std::move(*it);
      queue_.erase(it);
      return unit;
    }
  }
  Worker* from = nullptr;
  size_t at = 0;
  double best = -1;
  for (auto& o : workers_) {
    if (o.get() == &w) continue;
    for (size_t j = 0; j < o->queue.size(); ++j) {
      double est = 0;
      for (const auto& id : o->queue[j]) est += estimate_[id];
      if (est > best && runnable(o->queue[j])) {
        best = est;
        from = o.get();
        at = j;
      }
    }
  }
  if (from) {
    unit = std::move(from->queue[at]);
    from->queue.erase(from->queue.begin() + static_cast<std::ptrdiff_t>(at));
  }
  return unit;
}

void PassRunner::serve_next(Worker& w) {
  if (w.exited) return;  // a request read after its exit: nothing it could run
  if (out_.stopped || out_.timed_out) {
    send_line(w.conn.get(), json{{"stop", "aqe stopped the run"}});
    return;
  }
  std::vector<std::string> batch = take_unit(w);
  if (batch.empty()) {
    // The held-back last test may still be running: drained is when its last report arrives.
    w.asked_empty = true;
    if (w.outstanding.empty() && !w.drained_at) w.drained_at = Clock::now();
  }
  if (w.outstanding.empty() && !batch.empty()) w.front_since = Clock::now();
  for (const auto& id : batch) w.outstanding.push_back(id);
  w.got_work = w.got_work || !batch.empty();
  send_line(w.conn.get(), json{{"run", batch}});
}

void PassRunner::on_result(Worker& w, const json& msg) {
  const std::string id = string_or(msg, "result");
  if (id.empty()) return;  // not a test's result: the plugin always names the test
  const std::string when = string_or(msg, "when", "call");
  std::string outcome = string_or(msg, "outcome", "passed");
  if (outcome == "failed" && when != "call") outcome = "error";
  auto [it, inserted] = w.streamed.try_emplace(id);
  results::JunitCase& c = it->second;
  if (inserted) {
    w.streamed_order.push_back(id);
    c.test_id = id;
    c.file = file_of(id);
    c.outcome = "passed";
    auto pos = std::find(w.outstanding.begin(), w.outstanding.end(), id);
    if (pos != w.outstanding.end()) w.outstanding.erase(pos);
    w.front_since = Clock::now();
    ++done_;
    remaining_s_ = std::max(0.0, remaining_s_ - estimate_[id]);
  }
  c.time_s += std::max(0.0, number_or(msg, "duration", 0.0));
  if (auto cpu = msg.find("cpu"); cpu != msg.end() && cpu->is_number()) w.cpu_last = cpu->get<double>();
  if (auto x = msg.find("xfail"); x != msg.end() && x->is_boolean() && x->get<bool>()) c.xfail = true;
  if (w.asked_empty && w.outstanding.empty()) w.drained_at = Clock::now();  // until its last report
  // The failure's text, for when this worker ends before writing its JUnit file (capped by
  // the plugin; the file has it whole).
  const std::string message = string_or(msg, "message"), details = string_or(msg, "details");
  if (when == "teardown" && outcome == "error") {
    c.teardown_error = true;
    c.teardown_message =
        message.empty() ? "failed on teardown" : "failed on teardown with \"" + message + "\"";
    c.teardown_details = details;
  } else if (outcome_rank(outcome) > outcome_rank(c.outcome)) {
    c.outcome = outcome;
    if (outcome == "error" && !message.empty()) {
      c.message = "failed on setup with \"" + message + "\"";
    } else {
      c.message = message;
    }
    c.details = details;
  }
  if (outcome == "failed" || outcome == "error") {
    ++(outcome == "failed" ? failures_ : errors_);
    progress_.event((outcome == "failed" ? "FAILED " : "ERROR ") + id);
    if (pass_.fail_fast && !out_.stopped) stop_all("fail-fast: " + id + " " + outcome);
  }
  report_progress();
}

// The limit past which aqe ends a worker whose test ignored its in-worker alarm: the
// --test-timeout plus a grace for the alarm's own failure report and the teardown.
std::string seconds_text(double s) {
  std::ostringstream out;
  out << s << " s";
  return out.str();
}

double PassRunner::hard_test_limit_s() const {
  const double limit = *pass_.test_timeout_s;
  return limit + std::clamp(limit * 0.25, 1.0, 10.0);
}

void PassRunner::end_tests_over_limit(Clock::time_point now) {
  const auto hard = std::chrono::duration<double>(hard_test_limit_s());
  for (auto& w : workers_) {
    if (w->exited || w->over_test_timeout || w->outstanding.empty() || !w->front_since) continue;
    if (now - *w->front_since < hard) continue;
    w->over_test_timeout = true;
    w->proc->kill_group(kKillGrace);
  }
}

void PassRunner::stop_all(const std::string& why) {
  out_.stopped = true;
  queue_.clear();
  for (auto& w : workers_) w->queue.clear();
  for (auto& w : workers_) {
    if (w->exited) continue;
    if (!w->got_work || w->conn.get() < 0) {
      w->proc->kill_group(kKillGrace);
    } else {
      send_line(w->conn.get(), json{{"stop", why}});
    }
  }
  kill_at_ = Clock::now() + kStopGrace;
}

void PassRunner::on_message(Worker& w, const json& msg) {
  if (msg.contains("collected")) {
    if (!w.startup_s) {
      w.startup_s = std::chrono::duration<double>(Clock::now() - w.started).count();
    }
    w.collected_at = Clock::now();
    if (auto cpu = msg.find("cpu"); cpu != msg.end() && cpu->is_number())
      w.cpu_collected = cpu->get<double>();
    const int errors = static_cast<int>(std::clamp(number_or(msg, "collect_errors", 0), 0.0, 1e6));
    collect_errors_ = pass_.owner.empty() ? std::max(collect_errors_, errors) : collect_errors_ + errors;
    if (out_.rootdir.empty()) {
      out_.rootdir = string_or(msg, "rootdir");
      out_.inifile = string_or(msg, "inifile");
    }
    const double maxfail = number_or(msg, "maxfail", 0);
    if (maxfail > 0) stop_.pytest_maxfail = static_cast<int>(std::min(maxfail, 1e6));
    const auto ids = strings_of(msg, "collected");
    w.ids.insert(ids.begin(), ids.end());
    if (!pass_.owner.empty()) {
      plan_owned(w, ids);
    } else if (!plan_ready_) {
      build_plan(ids);
    }
    report_progress();
  } else if (msg.contains("next")) {
    serve_next(w);
  } else if (msg.contains("result")) {
    on_result(w, msg);
  } else if (msg.contains("stopping")) {
    on_pytest_stop(w, string_or(msg, "stopping"));
  }
}

// pytest ended the worker's session on its own (-x, --maxfail): what it still held is not
// run, not a crash's, and the whole run stops as pytest -x would, whatever the worker count.
void PassRunner::on_pytest_stop(Worker& w, const std::string& why) {
  // After the last test of the run there is nothing left to stop: the run is whole.
  bool work_left = !w.outstanding.empty() || !queue_.empty() || !orphans_.empty();
  for (const auto& other : workers_) {
    if (other.get() == &w || other->exited) continue;
    // Split collection: a worker that has not collected yet has its own tests to plan.
    work_left = work_left || !other->queue.empty() || !other->outstanding.empty() ||
                (!pass_.owner.empty() && !other->collected_at);
  }
  w.outstanding.clear();
  w.queue.clear();
  if (!work_left) return;
  if (out_.pytest_stop.empty()) out_.pytest_stop = why.empty() ? "pytest stopped" : why;
  if (!out_.stopped) stop_all("pytest: " + out_.pytest_stop);
}

std::optional<Error> PassRunner::fatal_worker_error(const Worker& w) const {
  const auto& r = w.result;
  const std::string& err = r.stderr_data;
  if (err.find("No module named pytest") != std::string::npos) {
    return missing_modules_error(
        PythonChoice{pass_.python, pass_.python_source.empty() ? "execute" : pass_.python_source},
        {"pytest"});
  }
  if (r.termination == Termination::kExited && r.exit_code == 4) {
    std::string text = std::string(trim(err.empty() ? r.stdout_data : err));
    return make_error("PYTEST_USAGE", "pytest rejected its arguments: " + text,
                      "check the test paths and the pytest options in the project's config",
                      ExitCode::kUsage);
  }
  if (r.termination == Termination::kExited && r.exit_code == 3) {
    return make_error(
        "PYTEST_INTERNAL_ERROR",
        "pytest stopped with an internal error:\n" + std::string(trim(r.stdout_data + r.stderr_data)),
        "a conftest.py or plugin raised during start-up", ExitCode::kFailure);
  }
  return std::nullopt;
}

void PassRunner::on_exit(Worker& w) {
  w.result = w.proc->wait();
  w.exited = true;
  w.exited_at = Clock::now();
  // What it wrote before it ended (its last results, "stopping") decides whether this is a crash.
  if (w.conn.get() >= 0) read_from(w.conn.get(), w.inbuf, [&](const json& msg) { on_message(w, msg); });
  w.conn.reset();
  // Its own units go to whoever collected their tests (or to a replacement worker).
  for (auto& u : w.queue) queue_.push_back(std::move(u));
  w.queue.clear();
  if (!pass_.owner.empty()) plan_orphans();
  if (!fatal_ && !w.startup_s) {
    if (auto e = fatal_worker_error(w)) {
      fatal_ = *e;
      for (auto& other : workers_) {
        if (!other->exited) other->proc->kill_group(kKillGrace);
      }
      return;
    }
  }
  if (w.outstanding.empty() || out_.stopped || out_.timed_out || out_.interrupted) return;
  // A crash: the test it was running is reported, the rest of its work goes back once.
  const std::string culprit = w.outstanding.front();
  results::JunitCase c;
  c.test_id = culprit;
  c.file = file_of(culprit);
  c.outcome = "error";
  c.message = "worker crashed while running this test";
  c.details = w.result.stderr_data;
  if (w.over_test_timeout) {
    // The in-worker alarm did not stop it (blocked, caught, or in C code): aqe did.
    c.outcome = "failed";
    c.message = "ran past --test-timeout (" + seconds_text(*pass_.test_timeout_s) +
                ") without stopping: aqe ended its worker after " + seconds_text(hard_test_limit_s()) +
                "; the worker's other tests were rescheduled";
  } else if (w.result.termination == Termination::kSignaled) {
    c.message += " (signal " + std::to_string(w.result.signal) + ")";
  }
  w.streamed[culprit] = c;
  w.streamed_order.push_back(culprit);
  ++done_;
  ++(w.over_test_timeout ? failures_ : errors_);
  progress_.event(w.over_test_timeout ? "FAILED " + culprit + " (test timeout)"
                                      : "ERROR " + culprit + " (worker crashed)");
  std::vector<std::string> again;
  for (size_t i = 1; i < w.outstanding.size(); ++i) {
    if (rescheduled_.insert(w.outstanding[i]).second) again.push_back(w.outstanding[i]);
  }
  w.outstanding.clear();
  if (!again.empty()) queue_.push_front(std::move(again));
  out_.warnings.push_back(w.over_test_timeout ? culprit +
                                                    " ran past --test-timeout and was ended with its worker; "
                                                    "the worker's remaining tests were rescheduled"
                                              : "a pytest worker crashed while running " + culprit +
                                                    "; its remaining tests were rescheduled");
}

void PassRunner::add_notes(const std::vector<std::string>& notes) {
  for (const auto& n : notes) {
    if (std::find(notes_.begin(), notes_.end(), n) == notes_.end()) notes_.push_back(n);
  }
}

// The total is shown once it is final: with split collection every worker plans its own
// files, so it grows until the last one has collected.
bool PassRunner::total_known() const {
  if (pass_.owner.empty()) return plan_ready_;
  return std::all_of(workers_.begin(), workers_.end(),
                     [](const auto& w) { return w->collected_at.has_value() || w->exited; });
}

void PassRunner::report_progress() {
  ProgressUpdate u;
  u.done = done_;
  u.total = total_known() ? static_cast<int64_t>(planned_.size()) : 0;
  u.failures = failures_;
  u.errors = errors_;
  if (pass_.attempt > 1) u.what = "retry round " + std::to_string(pass_.attempt - 1);
  int live = 0;
  for (const auto& w : workers_) live += w->exited ? 0 : 1;
  u.eta_s = live > 0 ? remaining_s_ / live : -1;
  progress_.update(u);
}

void PassRunner::collect_results() {
  std::map<std::string, size_t> index;
  auto add = [&](results::JunitCase c) {
    auto [it, inserted] = index.emplace(c.test_id, out_.cases.size());
    if (inserted) {
      out_.cases.push_back(std::move(c));
    } else if (outcome_rank(c.outcome) > outcome_rank(out_.cases[it->second].outcome)) {
      out_.cases[it->second] = std::move(c);
    }
  };
  for (auto& w : workers_) {
    std::error_code ec;
    std::optional<std::vector<results::JunitCase>> parsed;
    if (fs::exists(w->junit_file, ec)) {
      if (auto text = read_file(w->junit_file)) {
        if (auto cases = results::parse_junit(*text, w->junit_file.string())) {
          parsed = std::move(*cases);
          out_.junit_documents.push_back(std::move(*text));
        }
      }
    }
    std::set<std::string> from_junit;
    if (parsed) {
      for (auto& c : *parsed) {
        from_junit.insert(c.test_id);
        // JUnit shows an xpass as a plain pass: the stream says it was marked xfail.
        if (auto s = w->streamed.find(c.test_id); s != w->streamed.end() && s->second.xfail) c.xfail = true;
        add(std::move(c));
      }
    }
    // Killed or crashed workers wrote no report: what they streamed stands in.
    for (const auto& id : w->streamed_order) {
      if (!from_junit.count(id)) add(w->streamed[id]);
    }
    if (w->startup_s) out_.worker_startup_s = std::max(out_.worker_startup_s, *w->startup_s);
  }
  measure_work();
}

// What the next run's worker count is chosen from: what every worker pays whatever its
// share (start-up before collection, and ending: session finish, reports, interpreter exit),
// and the collection + tests one process would do (split collection divides the collection;
// with every worker collecting everything it counts once). Only from a pass that ran to its end.
void PassRunner::measure_work() {
  if (out_.stopped || out_.timed_out || out_.interrupted || !out_.warnings.empty()) return;
  using Seconds = std::chrono::duration<double>;
  double start = 0, finish = 0, collect_max = 0, collect_sum = 0, run_sum = 0;
  double cpu_collect_max = 0, cpu_collect_sum = 0, cpu_run_sum = 0;
  bool cpu_known = true;
  for (const auto& w : workers_) {
    if (!w->hello_at || !w->collected_at || !w->drained_at || !w->exited_at) return;
    if (w->cpu_hello && w->cpu_collected && w->cpu_last) {
      const double collect = std::max(0.0, *w->cpu_collected - *w->cpu_hello);
      cpu_collect_max = std::max(cpu_collect_max, collect);
      cpu_collect_sum += collect;
      cpu_run_sum += std::max(0.0, *w->cpu_last - *w->cpu_collected);
    } else {
      cpu_known = false;
    }
    start = std::max(start, Seconds(*w->hello_at - w->started).count());
    finish = std::max(finish, Seconds(*w->exited_at - *w->drained_at).count());
    const double collect = Seconds(*w->collected_at - *w->hello_at).count();
    collect_max = std::max(collect_max, collect);
    collect_sum += collect;
    run_sum += Seconds(*w->drained_at - *w->collected_at).count();
  }
  out_.start_s = start + finish;
  out_.work_s = (pass_.owner.empty() ? collect_max : collect_sum) + run_sum;
  if (cpu_known) out_.work_cpu_s = (pass_.owner.empty() ? cpu_collect_max : cpu_collect_sum) + cpu_run_sum;
}

Result<PytestPassResult> PassRunner::run() {
  std::error_code ec;
  fs::create_directories(pass_.work_dir / "plugin", ec);
  for (const char* name : {"aqe_pytest_plugin.py", "aqe_coverage_boot.py"}) {
    auto text = find_resource(name);
    if (!text) {
      return make_error("INTERNAL",
                        std::string("the pytest plugin's ") + name + " is missing from this aqe build", "",
                        ExitCode::kFailure);
    }
    if (auto st = write_file_atomic(pass_.work_dir / "plugin" / name, *text); !st) return st.error();
  }
  socket_path_ = pass_.work_dir / ("a" + std::to_string(pass_.attempt) + ".sock");
  auto l = listen_unix(socket_path_);
  if (!l) return l.error();
  listener_ = std::move(*l);
  replacements_left_ = std::max(1, pass_.workers);
  if (!pass_.owner.empty()) {
    double total = 0;
    const double unknown = unknown_test_estimate(pass_.durations, 0.01);
    for (const auto& [id, w] : pass_.owner) {
      auto it = pass_.durations.find(id);
      total += it == pass_.durations.end() ? unknown : it->second;
    }
    unit_limit_ = balanced_unit_limit(total, std::max(1, pass_.workers));
  }
  // An interrupt stops the starting at once (the loop below ends the ones already started); the
  // first is always started, so the pass has a worker to report on.
  for (int i = 0; i < std::max(1, pass_.workers); ++i) {
    if (i > 0 && interrupted()) break;
    if (auto st = start_worker(); !st) return st.error();
  }
  Clock::time_point last_check = Clock::now();
  for (;;) {
    size_t live = 0;
    for (auto& w : workers_) live += w->exited ? 0 : 1;
    if (live == 0) {
      // Work left over after a crash gets a fresh worker, a bounded number of times.
      if (fatal_ || queue_.empty() || out_.stopped || out_.timed_out || out_.interrupted ||
          replacements_left_-- <= 0) {
        break;
      }
      if (auto st = start_worker(); !st) return st.error();
      continue;
    }
    const auto now = Clock::now();
    if (interrupted()) out_.interrupted = true;
    if (pass_.deadline && now >= *pass_.deadline && !out_.timed_out) {
      out_.timed_out = true;
      for (auto& w : workers_) {
        if (!w->exited) w->proc->kill_group(kKillGrace);
      }
    }
    if (pass_.test_timeout_s) end_tests_over_limit(now);
    if (kill_at_ && now >= *kill_at_) {
      for (auto& w : workers_) {
        if (!w->exited) w->proc->kill_group(kKillGrace);
      }
      kill_at_.reset();
    }
    std::vector<pollfd> fds{{listener_.get(), POLLIN, 0}};
    for (auto& [fd, buf] : unidentified_) fds.push_back({fd.get(), POLLIN, 0});
    const size_t unidentified_count = unidentified_.size();
    for (auto& w : workers_) {
      if (w->conn.get() >= 0) fds.push_back({w->conn.get(), POLLIN, 0});
    }
    ::poll(fds.data(), fds.size(), static_cast<int>(kTick.count()));
    // A result message per test wakes this loop: only what poll() flagged is read, and the
    // worker processes are looked at once a tick or when a connection ends.
    if (fds[0].revents & POLLIN) accept_connections();
    bool closed = false;
    for (auto it = unidentified_.begin(); it != unidentified_.end();) {
      Worker* owner = nullptr;
      const bool open = read_from(it->first.get(), it->second, [&](const json& msg) {
        if (owner) {
          on_message(*owner, msg);
          return;
        }
        if (!msg.contains("hello")) return;
        const int idx = std::atoi(string_or(msg, "hello", "-1").c_str());
        if (idx >= 0 && idx < static_cast<int>(workers_.size())) {
          owner = workers_[idx].get();
          owner->hello_at = Clock::now();
          if (auto cpu = msg.find("cpu"); cpu != msg.end() && cpu->is_number())
            owner->cpu_hello = cpu->get<double>();
          add_notes(strings_of(msg, "notes"));
        }
      });
      if (owner) {
        owner->conn = std::move(it->first);
        owner->inbuf = std::move(it->second);
        if (!open) owner->conn.reset();
        it = unidentified_.erase(it);
      } else if (!open) {
        it = unidentified_.erase(it);
      } else {
        ++it;
      }
    }
    for (size_t i = 1 + unidentified_count; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      for (auto& w : workers_) {
        if (w->conn.get() != fds[i].fd) continue;
        if (!read_from(w->conn.get(), w->inbuf, [&](const json& msg) { on_message(*w, msg); })) {
          w->conn.reset();
          closed = true;
        }
        break;
      }
    }
    if (closed || Clock::now() - last_check >= kTick) {
      last_check = Clock::now();
      for (auto& w : workers_) {
        if (!w->exited && w->proc->poll()) on_exit(*w);
      }
      progress_.tick();
    }
  }
  if (fatal_) return *fatal_;
  collect_results();
  out_.warnings.insert(out_.warnings.begin(), notes_.begin(), notes_.end());
  out_.no_tests = plan_ready_ && planned_.empty() && collect_errors_ == 0;
  if (!plan_ready_ && !out_.timed_out && !out_.interrupted) {
    const auto& r = workers_.front()->result;
    // Only now, so a working interpreter costs nothing: one that is not Python at all
    // (QE_PYTHON=/bin/false) is the user's setting at fault, exit 3 naming where it came from.
    auto probe = exec::probe_python(
        {pass_.python, pass_.python_source.empty() ? "execute" : pass_.python_source}, {"pytest"});
    if (!probe) return probe.error();
    return make_error("PYTEST_FAILED",
                      "pytest ended before collecting tests (exit " + std::to_string(r.exit_code) +
                          "): " + std::string(trim(r.stderr_data + r.stdout_data)),
                      "run the same paths with plain pytest to see the problem", ExitCode::kFailure);
  }
  return std::move(out_);
}

}  // namespace

Result<PytestPassResult> run_pytest_pass(const PytestPass& pass, ProgressSink& progress) {
  PassRunner runner(pass, progress);
  return runner.run();
}

}  // namespace aqe::execute
