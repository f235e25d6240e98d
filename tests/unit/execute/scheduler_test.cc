#include "aqe/execute/scheduler.h"

#include <gtest/gtest.h>

#include <map>
#include <numeric>
#include <optional>
#include <set>

namespace aqe::execute {
namespace {

std::vector<TestItem> items(const std::vector<std::string>& ids) {
  std::vector<TestItem> out;
  for (const auto& id : ids) out.push_back({id, id.substr(0, id.find("::"))});
  return out;
}

TEST(UnknownTestEstimate, MedianOrFallback) {
  struct Case {
    std::map<std::string, double> d;
    double want;
  };
  for (const auto& c : std::vector<Case>{{{}, 0.5},
                                         {{{"a", 1.0}}, 1.0},
                                         {{{"a", 1.0}, {"b", 3.0}}, 2.0},
                                         {{{"a", 5.0}, {"b", 1.0}, {"c", 2.0}}, 2.0}}) {
    EXPECT_DOUBLE_EQ(unknown_test_estimate(c.d, 0.5), c.want);
  }
}

TEST(PlanUnits, KeepsFilesTogetherAndOrdersLongestFirst) {
  auto tests = items({"a.py::t1", "b.py::t1", "a.py::t2", "c.py::t1"});
  std::vector<double> est{0.1, 0.5, 0.1, 0.3};
  auto units = plan_units(tests, est, 10.0);
  ASSERT_EQ(units.size(), 3u);
  EXPECT_EQ(units[0].tests, (std::vector<size_t>{1}));
  EXPECT_EQ(units[1].tests, (std::vector<size_t>{3}));
  EXPECT_EQ(units[2].tests, (std::vector<size_t>{0, 2}));
  EXPECT_DOUBLE_EQ(units[2].estimate_s, 0.2);
}

TEST(PlanUnits, CutsLongFilesIntoConsecutiveChunks) {
  struct Case {
    std::vector<double> est;
    double limit;
    std::vector<size_t> sizes;
  };
  for (const auto& c : std::vector<Case>{
           {{1, 1, 1, 1}, 2.0, {2, 2}},
           {{1, 1, 1, 1}, 100.0, {4}},
           {{5, 1, 1}, 2.0, {1, 2}},              // a test above the limit is a unit alone
           {{0.1, 0.1, 3, 0.1}, 1.0, {1, 2, 1}},  // sorted: [3], [0.1,0.1], [0.1]
       }) {
    std::vector<std::string> ids;
    for (size_t i = 0; i < c.est.size(); ++i) ids.push_back("f.py::t" + std::to_string(i));
    auto units = plan_units(items(ids), c.est, c.limit);
    std::vector<size_t> sizes;
    for (const auto& u : units) sizes.push_back(u.tests.size());
    EXPECT_EQ(sizes, c.sizes);
  }
}

// The e2e stop suite: a failing 0.3 s test beside 30 of 0.25 s in another file. Its unit is
// shorter than a chunk of the other file, so longest first runs it last, when pytest -x has
// nothing left to stop.
TEST(PlanQueue, LastFailuresFirstWhenTheRunStopsAtAFailure) {
  std::vector<std::string> ids{"tests/test_first.py::test_fails"};
  std::vector<double> est{0.3};
  for (int i = 0; i < 30; ++i) {
    ids.push_back("tests/test_rest.py::test_rest[" + std::to_string(i) + "]");
    est.push_back(0.25);
  }
  const auto tests = items(ids);
  const double limit = balanced_unit_limit(std::accumulate(est.begin(), est.end(), 0.0), 2);
  const std::set<std::string> failed{"tests/test_first.py::test_fails"};
  struct Case {
    StopAtFailure stop;
    std::set<std::string> last_failed;
    bool fails_first;
  };
  for (const auto& c : std::vector<Case>{
           {{false, 0}, failed, false},  // runs on: longest first
           {{true, 0}, failed, true},    // aqe --fail-fast
           {{false, 1}, failed, true},   // pytest -x
           {{false, 3}, failed, true},   // pytest --maxfail 3
           {{false, 1}, {}, false},      // nothing failed last time
       }) {
    SCOPED_TRACE(testing::Message() << c.stop.fail_fast << " " << c.stop.pytest_maxfail);
    const auto units = plan_queue(tests, est, limit, c.last_failed, c.stop);
    ASSERT_EQ(units.size(), 11u);
    EXPECT_EQ(units.front().tests == std::vector<size_t>{0}, c.fails_first);
    EXPECT_EQ(units.back().tests == std::vector<size_t>{0}, !c.fails_first);
    // The rest stay longest first, in collection order on ties.
    for (size_t u = c.fails_first ? 2 : 1; u + (c.fails_first ? 0 : 1) < units.size(); ++u) {
      EXPECT_LT(units[u - 1].tests.front(), units[u].tests.front());
    }
  }
}

TEST(AssignLpt, BalancesLongestFirst) {
  std::vector<WorkUnit> units{{{0}, 5}, {{1}, 4}, {{2}, 3}, {{3}, 3}, {{4}, 2}, {{5}, 1}};
  auto bins = assign_lpt(units, 2);
  double load[2] = {0, 0};
  for (int b = 0; b < 2; ++b) {
    for (size_t u : bins[b]) load[b] += units[u].estimate_s;
  }
  EXPECT_DOUBLE_EQ(load[0], 9);
  EXPECT_DOUBLE_EQ(load[1], 9);
}

TEST(SelectShard, CoversEveryTestExactlyOnce) {
  std::vector<std::string> ids;
  std::map<std::string, double> durations;
  for (int f = 0; f < 7; ++f) {
    for (int t = 0; t < 13; ++t) {
      std::string id = "tests/test_" + std::to_string(f) + ".py::test_" + std::to_string(t);
      ids.push_back(id);
      if ((f + t) % 3) durations[id] = 0.01 * ((f * 13 + t) % 17 + 1);
    }
  }
  auto tests = items(ids);
  for (int total : {1, 2, 3, 5, 8, 200}) {
    std::multiset<size_t> seen;
    for (int i = 1; i <= total; ++i) {
      for (size_t idx : select_shard(tests, durations, i, total)) seen.insert(idx);
    }
    ASSERT_EQ(seen.size(), tests.size()) << total;
    for (size_t i = 0; i < tests.size(); ++i) EXPECT_EQ(seen.count(i), 1u) << total;
  }
}

TEST(SelectShard, IndependentOfCollectionOrder) {
  auto a = items({"x.py::a", "y.py::b", "z.py::c", "x.py::d"});
  auto b = items({"z.py::c", "x.py::d", "y.py::b", "x.py::a"});
  std::map<std::string, double> d{{"x.py::a", 1}, {"y.py::b", 2}, {"z.py::c", 0.5}};
  for (int i = 1; i <= 2; ++i) {
    std::set<std::string> ia, ib;
    for (size_t k : select_shard(a, d, i, 2)) ia.insert(a[k].id);
    for (size_t k : select_shard(b, d, i, 2)) ib.insert(b[k].id);
    EXPECT_EQ(ia, ib);
  }
}

TEST(SelectShard, OutOfRangeIsEmpty) {
  auto t = items({"a.py::x"});
  EXPECT_TRUE(select_shard(t, {}, 0, 2).empty());
  EXPECT_TRUE(select_shard(t, {}, 3, 2).empty());
}

TEST(ChooseWorkerCount, Cases) {
  struct Case {
    WorkerCountInput in;
    int want;
    const char* why;
  };
  auto mk = [](double total, bool known, size_t n, double startup, int cores, int req, bool par) {
    WorkerCountInput in;
    in.total_estimate_s = total;
    in.durations_known = known;
    in.test_count = n;
    in.worker_startup_s = startup;
    in.cores = cores;
    in.requested = req;
    in.parallel = par;
    return in;
  };
  for (const auto& c : std::vector<Case>{
           {mk(100, true, 10, 0.4, 4, 3, false), 3, "--workers forces"},
           {mk(100, true, 10, 0.4, 4, 0, false), 1, "no --parallel: one process"},
           {mk(0.3, true, 185, 0.4, 2, 0, true), 1, "small suite stays serial"},
           {mk(0.9, true, 185, 0.4, 2, 0, true), 1, "below 1 s stays serial"},
           {mk(8.0, true, 1400, 0.4, 2, 0, true), 2, "large suite: all cores"},
           {mk(8.0, true, 1400, 0.4, 8, 0, true), 8, "capped by cores"},
           {mk(3.0, true, 1400, 1.0, 8, 0, true), 3, "capped by start-up cost"},
           {mk(0, false, 0, 0, 4, 0, true), 4, "first run: all cores"},
           {mk(0, false, 20, 0, 4, 0, true), 1, "first run, tiny stored list"},
           {mk(0, false, 0, 0, 2, 100000, false), 16, "--workers 100000: 8 per core"},
           {mk(1, true, 4, 0.4, 2, 100000, false), 4, "--workers 100000: no more than the tests"},
           {mk(1, true, 4, 0.4, 2, 3, false), 3, "--workers 3 on 4 tests"},
       }) {
    EXPECT_EQ(choose_worker_count(c.in), c.want) << c.why;
  }
}

TEST(ChooseWorkerCount, FromMeasuredStartAndWork) {
  auto mk = [](double start, double work, int cores) {
    WorkerCountInput in;
    in.durations_known = true;
    in.test_count = 100;
    in.parallel = true;
    in.cores = cores;
    in.start_s = start;
    in.work_s = work;
    return in;
  };
  // A second worker pays off when the work to divide exceeds one start-up.
  EXPECT_EQ(choose_worker_count(mk(0.35, 0.2, 2)), 1) << "185 tests, 0.2 s of work";
  EXPECT_EQ(choose_worker_count(mk(0.35, 0.34, 2)), 1) << "just below the start-up";
  EXPECT_EQ(choose_worker_count(mk(0.35, 0.4, 2)), 2) << "just above it";
  EXPECT_EQ(choose_worker_count(mk(0.35, 3.0, 2)), 2) << "uniform 2,000 tests";
  EXPECT_EQ(choose_worker_count(mk(0.35, 3.0, 8)), 4) << "each further worker adds S/2";
  EXPECT_EQ(choose_worker_count(mk(0.35, 100, 8)), 8) << "capped by cores";
}

TEST(ChooseWorkerCount, CpuBoundWorkGoesNoFasterThanTheIdleCores) {
  auto mk = [](double work, double cpu, int idle) {
    WorkerCountInput in;
    in.durations_known = true;
    in.test_count = 100;
    in.parallel = true;
    in.cores = 2;
    in.start_s = 0.35;
    in.work_s = work;
    in.work_cpu_s = cpu;
    in.idle_cores = idle;
    return in;
  };
  EXPECT_EQ(choose_worker_count(mk(3.0, 2.9, 2)), 2) << "idle machine, CPU-bound: both cores";
  // A CPU hog on one core: 2 workers get 4/3 of a core beside it, one gets one core.
  EXPECT_EQ(choose_worker_count(mk(3.0, 2.9, 1)), 2) << "a fair share of the busy core too";
  EXPECT_EQ(choose_worker_count(mk(0.6, 0.6, 1)), 1) << "but not when the share gained is below S/2";
  EXPECT_EQ(choose_worker_count(mk(0.6, 0.6, 2)), 2) << "which an idle core is worth";
  EXPECT_EQ(choose_worker_count(mk(3.0, 0.2, 1)), 2) << "sleeping tests gain from a second worker anyway";
  EXPECT_EQ(choose_worker_count(mk(3.0, 0, 0)), 2) << "nothing known about the load: every core";
}

// toolz-like: 0.25 s start-up, 0.35 s of work (0.33 s CPU), measured with 2 workers on an
// idle machine. A CPU hog then takes a core: a second interpreter would start on 2/3 of a
// core, as slowly as the tests it would take over; one process is faster. The CPU-bound suite
// still gains from a second worker's share of the busy core.
TEST(ChooseWorkerCount, AStartUpBesideABusyCoreIsStretchedLikeTheWork) {
  auto mk = [](double work, double cpu, int idle_now, int measured_workers, int measured_idle) {
    WorkerCountInput in;
    in.durations_known = true;
    in.test_count = 180;
    in.parallel = true;
    in.cores = 2;
    in.start_s = 0.25;
    in.work_s = work;
    in.work_cpu_s = cpu;
    in.idle_cores = idle_now;
    in.measured_workers = measured_workers;
    in.measured_idle_cores = measured_idle;
    return in;
  };
  EXPECT_EQ(choose_worker_count(mk(0.35, 0.33, 2, 2, 2)), 2) << "idle, as measured";
  // 0.6 s alone against 0.25*1.5*1.5 + 0.33/(4/3) = 0.81 s with two. Without the start-up's
  // stretch two were predicted at 0.62 s, within 10 %, and the measured run's 2 stayed.
  EXPECT_EQ(choose_worker_count(mk(0.35, 0.33, 1, 2, 2)), 1) << "a hog on one core";
  EXPECT_EQ(choose_worker_count(mk(0.35, 0.33, 1, 1, 1)), 1) << "and the run after it: stable";
  EXPECT_EQ(choose_worker_count(mk(0.35, 0.33, 2, 1, 1)), 2)
      << "the hog gone: the count measured beside it is not kept";
  EXPECT_EQ(choose_worker_count(mk(3.2, 3.2, 1, 2, 2)), 2) << "CPU-bound: 3.45 s alone, 2.96 s with two";
}

// A start-up measured while workers shared the cores took longer than it will: 4 cores, 2 of
// them busy, 4 workers measured at 4/cpu_rate(4) = 1.5 times their speed. Its 0.6 s is 0.4 s
// of start-up: 1.0 s alone, 0.9 s with two (each on an idle core). Taken as measured, one
// process and two tie at 1.2 s.
TEST(ChooseWorkerCount, AStartUpMeasuredUnderContentionIsNotTakenAsItsCost) {
  WorkerCountInput in;
  in.durations_known = true;
  in.test_count = 100;
  in.parallel = true;
  in.cores = 4;
  in.start_s = 0.6;
  in.work_s = 0.6;
  in.idle_cores = 2;
  in.measured_workers = 4;
  in.measured_idle_cores = 2;
  EXPECT_EQ(choose_worker_count(in), 2);
  in.measured_idle_cores = 4;  // the same figures measured with every core idle
  EXPECT_EQ(choose_worker_count(in), 1);
}

TEST(CpuRate, FairShareOfTheCores) {
  EXPECT_DOUBLE_EQ(cpu_rate(1, 2, 0), 1.0);
  EXPECT_DOUBLE_EQ(cpu_rate(2, 2, 0), 2.0);
  EXPECT_DOUBLE_EQ(cpu_rate(1, 2, 1), 1.0);
  EXPECT_DOUBLE_EQ(cpu_rate(2, 2, 1), 4.0 / 3.0);
  EXPECT_DOUBLE_EQ(cpu_rate(2, 2, 4), 4.0 / 6.0);
  EXPECT_DOUBLE_EQ(cpu_rate(1, 2, 4), 2.0 / 5.0);
}

TEST(ChooseWorkerCount, WorkMeasuredUnderContentionIsNotTakenAsWorkToDivide) {
  WorkerCountInput in;
  in.durations_known = true;
  in.test_count = 100;
  in.parallel = true;
  in.cores = 2;
  in.start_s = 1.0;
  // Measured with 2 workers beside 1 busy process: 4/3 of a core for 2 s of CPU, so its work
  // (summed per worker) took 2 × 1.5 = 3 s; nothing of it was the tests' own waiting.
  in.work_s = 3.0;
  in.work_cpu_s = 2.0;
  in.measured_workers = 2;
  in.measured_idle_cores = 1;
  in.idle_cores = 2;  // idle now: 1 + 2 s alone, 1.5 + 1 s with two
  EXPECT_EQ(choose_worker_count(in), 2);
  in.start_s = 4.0;  // 4 + 2 s alone, 6 + 1 s with two: more than 10 % slower
  EXPECT_EQ(choose_worker_count(in), 1) << "the 1 s of contention is not work a second worker halves";
  in.measured_idle_cores = 0;  // not measured: taken as work, 4 + 3 s alone, 6 + 1.5 s with two
  EXPECT_EQ(choose_worker_count(in), 2) << "within 10 %: the measured run's count stays";
}

TEST(ChooseWorkerCount, ANearTieKeepsTheMeasuredRunsCount) {
  WorkerCountInput in;
  in.durations_known = true;
  in.test_count = 100;
  in.parallel = true;
  in.cores = 2;
  in.start_s = 0.35;
  in.work_s = 0.75;  // 1.10 s alone, 0.90 s with two
  in.measured_workers = 1;
  EXPECT_EQ(choose_worker_count(in), 2) << "18 % faster: switch";
  in.work_s = 0.5;  // 0.85 s alone, 0.775 s with two: 9 % faster
  EXPECT_EQ(choose_worker_count(in), 1);
  in.measured_workers = 2;
  EXPECT_EQ(choose_worker_count(in), 2);
  in.measured_workers = 0;  // no measured count: the best
  EXPECT_EQ(choose_worker_count(in), 2);
}

TEST(SplitCollection, EveryTestHasOneOwnerAndItsFileIsCollectedThere) {
  std::vector<std::string> ids;
  std::map<std::string, double> durations;
  for (int f = 0; f < 6; ++f) {
    for (int t = 0; t < 5; ++t) {
      std::string id = "t" + std::to_string(f) + ".py::test_" + std::to_string(t);
      ids.push_back(id);
      durations[id] = f == 0 ? 1.0 : 0.1;  // one heavy file
    }
  }
  auto tests = items(ids);
  const CollectionSplit s = split_collection(tests, durations, 2);
  ASSERT_EQ(s.files.size(), 2u);
  ASSERT_EQ(s.owner.size(), ids.size());
  double load[2] = {0, 0};
  for (const auto& t : tests) {
    const int w = s.owner.at(t.id);
    ASSERT_TRUE(w == 0 || w == 1);
    EXPECT_TRUE(s.files[static_cast<size_t>(w)].count(t.file)) << t.id;
    load[w] += durations[t.id];
  }
  // 8 s in all: the heavy file is cut so that both workers get close to half.
  EXPECT_NEAR(load[0], 4.0, 1.0);
  EXPECT_NEAR(load[1], 4.0, 1.0);
  // Light files are not collected twice.
  size_t both = 0;
  for (const auto& f : s.files[0]) both += s.files[1].count(f);
  EXPECT_LE(both, 1u);
}

TEST(SplitCollection, UnknownTestsAreEstimatedByTheMedian) {
  auto tests = items({"a.py::x", "a.py::y", "b.py::x", "c.py::x"});
  const CollectionSplit s =
      split_collection(tests, {{"a.py::x", 1.0}, {"a.py::y", 1.0}, {"b.py::x", 1.0}}, 2);
  EXPECT_EQ(s.owner.size(), 4u);
  EXPECT_FALSE(s.files[0].empty());
  EXPECT_FALSE(s.files[1].empty());
}

TEST(MeasurementRun, NewestRunInWhichEveryPlannedTestRan) {
  struct Case {
    const char* name;
    std::vector<PastSuiteRun> runs;  // newest first
    std::optional<size_t> want;
  };
  const PastSuiteRun whole{true, 0};
  const PastSuiteRun fail_fast{true, 57};  // failure that stopped with 57 tests not run
  const PastSuiteRun partial{false, 0};    // timeout / interrupted / error
  for (const auto& c : std::vector<Case>{
           {"none", {}, std::nullopt},
           {"latest whole", {whole, fail_fast}, 0},
           {"after fail-fast", {fail_fast, whole}, 1},
           {"after timeout", {partial, whole}, 1},
           {"after both", {fail_fast, partial, fail_fast, whole, whole}, 3},
           {"only partial", {fail_fast, partial}, std::nullopt},
       }) {
    EXPECT_EQ(measurement_run(c.runs), c.want) << c.name;
  }
}

}  // namespace
}  // namespace aqe::execute
