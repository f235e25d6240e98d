#include "aqe/util/cpu.h"

#include <sched.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "aqe/util/strings.h"

namespace fs = std::filesystem;

namespace aqe {
namespace {

std::optional<double> number(std::string_view text) {
  text = trim(text);
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::string read_small(const fs::path& p) {
  std::ifstream in(p);
  std::string line;
  std::getline(in, line);
  return line;
}

std::optional<double> min_quota(std::optional<double> a, std::optional<double> b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

// The quota of this process's cgroup and of each of its ancestors (the tightest one applies),
// for cgroup v2 (`0::/path`) and v1 (`N:cpu,cpuacct:/path`), as /proc/self/cgroup names them.
std::optional<double> cgroup_quota() {
  std::ifstream in("/proc/self/cgroup");
  std::optional<double> quota;
  for (std::string line; std::getline(in, line);) {
    const auto first = line.find(':'), second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    const std::string controllers = line.substr(first + 1, second - first - 1);
    fs::path rel = fs::path(line.substr(second + 1)).relative_path();
    fs::path root;
    bool v2 = false;
    if (controllers.empty()) {
      root = fs::exists("/sys/fs/cgroup/cgroup.controllers") ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified";
      v2 = true;
    } else {
      bool cpu = false;
      std::stringstream names(controllers);
      for (std::string n; std::getline(names, n, ',');) cpu = cpu || n == "cpu";
      if (!cpu) continue;
      root = fs::path("/sys/fs/cgroup") / controllers;
      if (!fs::exists(root)) root = "/sys/fs/cgroup/cpu";
    }
    for (fs::path dir = root / rel;; dir = dir.parent_path()) {
      quota = min_quota(quota, v2 ? parse_cgroup_cpu_max(read_small(dir / "cpu.max"))
                                  : parse_cgroup_cfs_quota(read_small(dir / "cpu.cfs_quota_us"),
                                                           read_small(dir / "cpu.cfs_period_us")));
      if (dir == root || !dir.has_relative_path() || dir.string().size() <= root.string().size()) break;
    }
  }
  return quota;
}

// The quota does not change while aqe runs: read once.
std::optional<double> quota_once() {
  static const std::optional<double> quota = cgroup_quota();
  return quota;
}

int usable_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

}  // namespace

std::optional<double> parse_cgroup_cpu_max(std::string_view text) {
  text = trim(text);
  const auto space = text.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  auto quota = number(text.substr(0, space)), period = number(text.substr(space + 1));
  if (!quota || !period || *quota <= 0 || *period <= 0) return std::nullopt;  // "max": no quota
  return *quota / *period;
}

std::optional<double> parse_cgroup_cfs_quota(std::string_view quota, std::string_view period) {
  auto q = number(quota), p = number(period);
  if (!q || !p || *q <= 0 || *p <= 0) return std::nullopt;  // -1: no quota
  return *q / *p;
}

int cores_within(int cpus, std::optional<double> quota) {
  cpus = std::max(1, cpus);
  if (!quota) return cpus;
  return std::clamp(static_cast<int>(std::ceil(*quota - 1e-9)), 1, cpus);
}

std::optional<int> parse_procs_running(std::string_view stat) {
  constexpr std::string_view kKey = "procs_running ";
  for (size_t pos = 0; pos < stat.size();) {
    size_t end = stat.find('\n', pos);
    if (end == std::string_view::npos) end = stat.size();
    const std::string_view line = stat.substr(pos, end - pos);
    if (line.substr(0, kKey.size()) == kKey) {
      auto n = number(line.substr(kKey.size()));
      if (n && *n >= 0 && *n < 1e7) return static_cast<int>(*n);
      return std::nullopt;
    }
    pos = end + 1;
  }
  return std::nullopt;
}

int idle_within(int cores, double others) {
  cores = std::max(1, cores);
  return std::clamp(cores - static_cast<int>(std::lround(std::max(0.0, others))), 1, cores);
}

int idle_cores(int cores) {
  if (quota_once()) return std::max(1, cores);
  std::vector<int> seen;
  for (int i = 0; i < 5; ++i) {
    if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    std::ifstream in("/proc/stat");
    std::stringstream text;
    text << in.rdbuf();
    if (auto n = parse_procs_running(text.str())) seen.push_back(*n);
  }
  if (seen.empty()) return std::max(1, cores);
  // The median: one sample falls between a build's compiler jobs, another on a short burst.
  std::nth_element(seen.begin(), seen.begin() + static_cast<std::ptrdiff_t>(seen.size() / 2), seen.end());
  const int running = seen[seen.size() / 2];
  // procs_running counts this thread; the others are spread over the host's CPUs.
  const double host = std::max(1u, std::thread::hardware_concurrency());
  const double others = std::max(0, running - 1) * std::min(1.0, usable_cpus() / host);
  return idle_within(cores, others);
}

int available_cores() {
  static const int cores = cores_within(usable_cpus(), quota_once());
  return cores;
}

}  // namespace aqe
