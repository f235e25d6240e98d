// coverage/coverage.h: CoverageReporter (the interpreter started beside the workers) reports what
// combine_coverage() reports, also when a source file changed after it was parsed, and falls
// back to combine_coverage() when the early interpreter is gone.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "../temp_dir.h"
#include "aqe/coverage/coverage.h"
#include "aqe/exec/process.h"
#include "aqe/util/fs.h"
#include "aqe/util/json.h"

namespace aqe::coverage {
namespace {

namespace fs = std::filesystem;
const char* const kPython = "/usr/bin/python3";  // Debian's, with python3-coverage (install-deps)

const char* const kModule =
    "def sign(x):\n"
    "    if x > 0:\n"
    "        return 1\n"
    "    return 0\n";

// Measures `pkg.mod.sign(1)` (or `calls`) with branch coverage into `data`, as a worker would.
void measure(const fs::path& project, const fs::path& data,
             const std::string& calls = "import pkg.mod\npkg.mod.sign(1)\n") {
  exec::ProcessSpec spec;
  spec.argv = {kPython, "-c",
               "import sys, coverage\n"
               "cov = coverage.Coverage(data_file=sys.argv[1], branch=True, source=[sys.argv[2]])\n"
               "cov.start()\n" +
                   calls +
                   "cov.stop()\n"
                   "cov.save()\n",
               data.string(), (project / "pkg").string()};
  spec.cwd = project;
  auto r = exec::run(spec);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->exit_code, 0) << r->stderr_data;
}

struct Project {
  testing::TempDir dir{"aqe-reporter"};
  fs::path root, work;
  Project() {
    root = dir.path() / "proj";
    work = dir.path() / "work";
    dir.write("proj/pkg/__init__.py", "");
    dir.write("proj/pkg/mod.py", kModule);
    fs::create_directories(work);
  }
  CoverageCombine combine(const std::string& tag) const {
    return {kPython, root, {work / "w0.coverage"}, work / (tag + ".coverage"), work / (tag + ".json")};
  }
};

void expect_same(const CoverageReport& a, const CoverageReport& b) {
  ASSERT_EQ(a.files.size(), b.files.size());
  for (size_t i = 0; i < a.files.size(); ++i) {
    EXPECT_EQ(a.files[i].file, b.files[i].file);
    EXPECT_EQ(a.files[i].counts().lines_covered, b.files[i].counts().lines_covered) << a.files[i].file;
    EXPECT_EQ(a.files[i].counts().lines_total, b.files[i].counts().lines_total) << a.files[i].file;
    EXPECT_EQ(a.files[i].counts().branches_covered, b.files[i].counts().branches_covered) << a.files[i].file;
    EXPECT_EQ(a.files[i].counts().branches_total, b.files[i].counts().branches_total) << a.files[i].file;
    EXPECT_EQ(a.files[i].missing_lines, b.files[i].missing_lines) << a.files[i].file;
  }
}

TEST(CoverageReporter, ReportsWhatCombineCoverageReports) {
  Project p;
  auto reporter = CoverageReporter::start(kPython, p.root, {(p.root / "pkg").string()}, p.work);
  ASSERT_NE(reporter, nullptr);
  measure(p.root, p.work / "w0.coverage");
  auto early = reporter->finish(p.combine("early"));
  ASSERT_TRUE(early) << early.error().message;
  auto once = combine_coverage(p.combine("once"));
  ASSERT_TRUE(once) << once.error().message;
  ASSERT_EQ(early->files.size(), 2u);
  EXPECT_EQ(early->totals.lines_covered, 3);  // `return 0` never ran; __init__.py has no statements
  EXPECT_EQ(early->totals.lines_total, 4);
  expect_same(*early, *once);
  EXPECT_TRUE(
      fs::exists(p.work / "early.coverage"));  // the combined data file, as `coverage combine` writes it
}

// Two workers' data, partial branches, loops, an exception path and an excluded line: the
// reporter (which reads each file's data once) writes the JSON report `coverage combine` +
// `coverage json` write, every field but the time it was written.
TEST(CoverageReporter, BranchesFromTwoWorkersGiveCoveragePysOwnReport) {
  Project p;
  p.dir.write("proj/pkg/flow.py",
              "def classify(xs):\n"
              "    out = []\n"
              "    for x in xs:\n"
              "        if x < 0:\n"
              "            out.append('neg')\n"
              "        elif x == 0:\n"
              "            out.append('zero')\n"
              "        else:\n"
              "            out.append('pos')\n"
              "    return out\n"
              "\n"
              "def parse(s):\n"
              "    try:\n"
              "        return int(s)\n"
              "    except ValueError:\n"
              "        return None\n"
              "    finally:\n"
              "        pass\n"
              "\n"
              "def never(x):  # pragma: no cover\n"
              "    return x\n"
              "\n"
              "def loop(n):\n"
              "    while n > 0:\n"
              "        n -= 1\n"
              "        if n == 5:\n"
              "            break\n"
              "    return n\n");
  auto reporter = CoverageReporter::start(kPython, p.root, {(p.root / "pkg").string()}, p.work);
  ASSERT_NE(reporter, nullptr);
  measure(p.root, p.work / "w0.coverage",
          "import pkg.flow, pkg.mod\npkg.flow.classify([1, -1])\npkg.flow.loop(2)\n");
  measure(p.root, p.work / "w1.coverage", "import pkg.flow\npkg.flow.parse('x')\npkg.flow.loop(9)\n");
  CoverageCombine early = p.combine("early"), once = p.combine("once");
  early.data_files = once.data_files = {p.work / "w0.coverage", p.work / "w1.coverage"};
  auto a = reporter->finish(early);
  ASSERT_TRUE(a) << a.error().message;
  auto b = combine_coverage(once);
  ASSERT_TRUE(b) << b.error().message;
  expect_same(*a, *b);
  auto json_of = [](const fs::path& path) {
    auto text = read_file(path);
    EXPECT_TRUE(text) << path;
    auto parsed = parse_json(text ? *text : std::string());
    EXPECT_TRUE(parsed) << path;
    nlohmann::json j = parsed.value;
    j["meta"].erase("timestamp");
    return j;
  };
  const nlohmann::json ja = json_of(early.json_report), jb = json_of(once.json_report);
  const auto& flow = ja["files"]["pkg/flow.py"];
  ASSERT_TRUE(flow.is_object()) << ja.dump();
  EXPECT_GT(flow["summary"]["num_partial_branches"].get<int>(), 0) << "the test needs partly taken branches";
  EXPECT_FALSE(flow["missing_branches"].empty());
  EXPECT_FALSE(flow["excluded_lines"].empty());
  EXPECT_EQ(ja, jb);
}

TEST(CoverageReporter, AFileChangedAfterItWasParsedIsParsedAgain) {
  Project p;
  auto reporter = CoverageReporter::start(kPython, p.root, {(p.root / "pkg").string()}, p.work);
  ASSERT_NE(reporter, nullptr);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // parsed by now, in all likelihood
  p.dir.write("proj/pkg/mod.py", std::string(kModule) + "\n\ndef never(x):\n    return x - 1\n");
  measure(p.root, p.work / "w0.coverage");
  auto early = reporter->finish(p.combine("early"));
  ASSERT_TRUE(early) << early.error().message;
  EXPECT_EQ(early->totals.lines_total, 6);
  EXPECT_EQ(early->totals.lines_covered, 4);  // the new `def never` line ran on import
  auto once = combine_coverage(p.combine("once"));
  ASSERT_TRUE(once) << once.error().message;
  expect_same(*early, *once);
}

TEST(CoverageReporter, AReporterThatIsGoneFallsBackToCombineCoverage) {
  Project p;
  // "python" that exits at once: nobody reads the request.
  auto reporter = CoverageReporter::start("/bin/true", p.root, {}, p.work);
  ASSERT_NE(reporter, nullptr);
  measure(p.root, p.work / "w0.coverage");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto report = reporter->finish(p.combine("early"));
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->totals.lines_total, 4);
}

TEST(CoverageReporter, NoDataIsTheSameErrorAsCombineCoverage) {
  Project p;
  auto reporter = CoverageReporter::start(kPython, p.root, {}, p.work);
  ASSERT_NE(reporter, nullptr);
  auto report = reporter->finish(p.combine("early"));
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, "COVERAGE_MISSING");
}

}  // namespace
}  // namespace aqe::coverage
