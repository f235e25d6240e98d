#include "aqe/cli/output.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace aqe::cli {
namespace {

// What a TerminalProgress wrote, read back from its temporary file.
std::string contents(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string s;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) s.append(buf, n);
  return s;
}

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + what.size())) ++n;
  return n;
}

ProgressUpdate at(int64_t done, int64_t total) {
  ProgressUpdate u;
  u.done = done;
  u.total = total;
  return u;
}

TEST(TerminalProgress, FormatCountsErrorsApartFromFailures) {
  ProgressUpdate u = at(12, 40);
  EXPECT_EQ(TerminalProgress::format(u), "[12/40]");
  u.failures = 2;
  u.errors = 1;
  u.eta_s = 2.2;
  EXPECT_EQ(TerminalProgress::format(u), "[12/40] 2 failed, 1 error, eta 3s");
  u.done = 40;  // the last count: nothing left to wait for
  EXPECT_EQ(TerminalProgress::format(u), "[40/40] 2 failed, 1 error");
  u.done = 12;
  u.failures = 0;
  u.errors = 3;
  u.total = 0;
  u.eta_s = -1;
  u.what = "retry round 1\x1b[2J";
  EXPECT_EQ(TerminalProgress::format(u), "[12] 3 errors, retry round 1\\x1b[2J");
}

TEST(TerminalProgress, RedrawsAtMostTenTimesASecondAndAlwaysTheFinalCount) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  int64_t now = 1000;
  {
    TerminalProgress p(true, f, [&] { return now; });
    // 2000 tests in one second: a result every half millisecond.
    for (int i = 1; i <= 2000; ++i) {
      if (i % 2 == 0) ++now;
      p.update(at(i, 2000));
    }
  }
  const std::string out = contents(f);
  std::fclose(f);
  EXPECT_LE(count(out, "\r["), 11u) << out;
  EXPECT_GE(count(out, "\r["), 10u) << out;
  EXPECT_NE(out.find("\r[1/2000]"), std::string::npos);     // the first at once
  EXPECT_NE(out.find("\r[2000/2000]"), std::string::npos);  // the last, whenever it comes
  EXPECT_EQ(count(out, "/2000]"), count(out, "\r["));       // one total throughout
}

TEST(TerminalProgress, AnEventIsPrintedAtOnceWithTheStatusLineBelowIt) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  int64_t now = 0;
  {
    TerminalProgress p(true, f, [&] { return now; });
    p.update(at(1, 3));
    p.update(at(2, 3));  // held back: within 100 ms
    p.event("FAILED t.py::test_b\x1b[2J");
    now = 500;
    p.update(at(2, 3));  // the line shows this already: nothing to redraw
  }
  const std::string out = contents(f);
  std::fclose(f);
  EXPECT_EQ(out, "\r[1/3]\x1b[K\r\x1b[KFAILED t.py::test_b\\x1b[2J\n\r[2/3]\x1b[K\r\x1b[K");
}

TEST(TerminalProgress, ATickShowsAHeldBackCountOnceTheIntervalHasPassed) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  int64_t now = 0;
  {
    TerminalProgress p(true, f, [&] { return now; });
    p.update(at(1, 3));
    now = 10;
    p.update(at(2, 3));  // held back
    now = 50;
    p.tick();  // too soon
    now = 100;
    p.tick();  // a slow third test: the count is shown while it runs
    now = 300;
    p.tick();  // nothing new
  }
  const std::string out = contents(f);
  std::fclose(f);
  EXPECT_EQ(out, "\r[1/3]\x1b[K\r[2/3]\x1b[K\r\x1b[K");
}

TEST(TerminalProgress, PlainLinesAtMostEveryFiveSeconds) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  int64_t now = 0;
  {
    TerminalProgress p(false, f, [&] { return now; });
    for (int i = 1; i <= 100; ++i) {
      now += 200;  // 20 s in all
      p.update(at(i, 100));
      p.tick();  // no plain line of its own
    }
  }
  const std::string out = contents(f);
  std::fclose(f);
  EXPECT_EQ(out, "[25/100]\n[50/100]\n[75/100]\n[100/100]\n");
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
}

TEST(StderrText, ProjectTextCannotStartAWorkflowCommandNorDriveTheTerminal) {
  struct Case {
    std::string in, want;
  };
  const Case cases[] = {
      {"path not found: gone.py", "path not found: gone.py"},
      {"path not found: gone\n::error::x", "path not found: gone\n  | ::error::x"},
      {"a\n  ::warning::y", "a\n  |   ::warning::y"},  // leading spaces do not hide "::" from the runner
      {"gone\r::error::x", "gone\\x0d::error::x"},
      {"src/c\x1b[31mred.py", "src/c\\x1b[31mred.py"},
      {"bad \xff byte", "bad \\xff byte"},
      {"caf\xc3\xa9", "caf\xc3\xa9"},
  };
  for (const auto& c : cases) EXPECT_EQ(stderr_text(c.in), c.want) << c.in;
}

}  // namespace
}  // namespace aqe::cli
