// util/cpu.h: the cores aqe may use, from affinity and the cgroup's CPU quota.
#include "aqe/util/cpu.h"

#include <gtest/gtest.h>

#include <thread>

namespace aqe {
namespace {

TEST(CgroupQuota, CpuMaxIsQuotaOverPeriodOrNone) {
  EXPECT_EQ(parse_cgroup_cpu_max("max 100000"), std::nullopt);
  EXPECT_DOUBLE_EQ(*parse_cgroup_cpu_max("150000 100000\n"), 1.5);
  EXPECT_DOUBLE_EQ(*parse_cgroup_cpu_max("200000 100000"), 2.0);
  EXPECT_EQ(parse_cgroup_cpu_max(""), std::nullopt);
  EXPECT_EQ(parse_cgroup_cpu_max("0 100000"), std::nullopt);
  EXPECT_EQ(parse_cgroup_cpu_max("abc def"), std::nullopt);
}

TEST(CgroupQuota, CfsQuotaMinusOneIsNone) {
  EXPECT_EQ(parse_cgroup_cfs_quota("-1", "100000"), std::nullopt);
  EXPECT_DOUBLE_EQ(*parse_cgroup_cfs_quota("50000", "100000"), 0.5);
  EXPECT_EQ(parse_cgroup_cfs_quota("", ""), std::nullopt);
}

TEST(CgroupQuota, CoresWithinAQuotaRoundUpAndStayWithinTheCpus) {
  EXPECT_EQ(cores_within(8, std::nullopt), 8);
  EXPECT_EQ(cores_within(8, 2.0), 2);
  EXPECT_EQ(cores_within(8, 1.5), 2);
  EXPECT_EQ(cores_within(8, 0.5), 1);
  EXPECT_EQ(cores_within(2, 16.0), 2);
  EXPECT_EQ(cores_within(0, std::nullopt), 1);
}

TEST(IdleCores, OthersRunningTakeCoresButNeverTheLastOne) {
  EXPECT_EQ(idle_within(2, 0), 2);
  EXPECT_EQ(idle_within(2, 1), 1);
  EXPECT_EQ(idle_within(2, 7), 1);
  EXPECT_EQ(idle_within(8, 2.4), 6);
  EXPECT_EQ(parse_procs_running("cpu  1 2 3\nprocs_running 3\nprocs_blocked 0\n"), 3);
  EXPECT_EQ(parse_procs_running("cpu  1 2 3\n"), std::nullopt);
  EXPECT_EQ(parse_procs_running("procs_running x\n"), std::nullopt);
  const int idle = idle_cores(available_cores());
  EXPECT_GE(idle, 1);
  EXPECT_LE(idle, available_cores());
}

TEST(AvailableCores, NeverMoreThanTheMachineShows) {
  const int cores = available_cores();
  EXPECT_GE(cores, 1);
  EXPECT_LE(cores, static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
}

}  // namespace
}  // namespace aqe
