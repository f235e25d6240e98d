// How many cores aqe may use: the CPUs it is allowed to run on (affinity, cpusets), bounded by
// the cgroup's CPU quota. A CI container often shows the host's cores to nproc and
// std::thread::hardware_concurrency() while its quota grants two; starting a worker per shown
// core there only adds contention.
#pragma once

#include <optional>
#include <string_view>

namespace aqe {

// The cores this process may use: at least 1.
int available_cores();

// Of `cores`, how many are idle now: fewer by the other runnable tasks the kernel counts
// (/proc/stat procs_running, the median of five samples 2 ms apart), scaled to aqe's share of the
// host's CPUs. Under a cgroup CPU quota the quota is what bounds aqe, so host load is not
// counted. At least 1.
int idle_cores(int cores);

// `cores` less `others` runnable tasks (rounded to the nearest), at least 1.
int idle_within(int cores, double others);

// The `procs_running N` line of /proc/stat; nullopt when there is none.
std::optional<int> parse_procs_running(std::string_view stat);

// A cgroup v2 `cpu.max` ("max 100000", "150000 100000"): the quota in cores, nullopt when none.
std::optional<double> parse_cgroup_cpu_max(std::string_view text);

// cgroup v1 `cpu.cfs_quota_us` and `cpu.cfs_period_us` ("-1" = no quota): as above.
std::optional<double> parse_cgroup_cfs_quota(std::string_view quota, std::string_view period);

// The cores a quota of `quota` cores allows next to `cpus` usable CPUs: the quota rounded up
// (1.5 cores keep two workers busy part of the time), never more than `cpus`, at least 1.
int cores_within(int cpus, std::optional<double> quota);

}  // namespace aqe
