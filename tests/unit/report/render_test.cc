// Markdown (escaping, trimming to a size) and badges (colours, unknown, XML escaping).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "aqe/report/report.h"

namespace aqe::report {
namespace {

Report report_with_failures(size_t n, const std::string& name = "tests/test_a.py::test_x") {
  Report r;
  TestsSection t;
  t.run_id = 7;
  t.status = "failure";
  t.complete = true;
  t.total = static_cast<int64_t>(n) + 10;
  t.passed = 10;
  t.failed = static_cast<int64_t>(n);
  t.pass_rate = 100.0 * 10 / static_cast<double>(t.total);
  t.duration_s = 3.25;
  for (size_t i = 0; i < n; ++i)
    t.failures.push_back({name + std::to_string(i), "tests/test_a.py", 12, "assert 1 == 2", ""});
  r.tests = t;
  return r;
}

TEST(ReportMarkdown, ProjectTextCannotInjectHtmlOrLinks) {
  const std::string evil = "test_|pipe|`tick`<script>alert(1)</script>[x](http://evil.example)@user *em*";
  EXPECT_EQ(escape_markdown("a|b"), "a\\|b");
  const std::string e = escape_markdown(evil);
  EXPECT_EQ(e.find("<script>"), std::string::npos);
  EXPECT_NE(e.find("&lt;script&gt;"), std::string::npos);
  EXPECT_EQ(e.find("](http"), std::string::npos);
  EXPECT_EQ(e.find("http://"), std::string::npos) << "no autolink";
  EXPECT_EQ(e.find("@user"), std::string::npos) << "no mention";
  EXPECT_EQ(e.find('\n'), std::string::npos);
  // Every pipe and backtick is escaped, so a table cell cannot end early.
  for (size_t i = 0; i < e.size(); ++i)
    if (e[i] == '|' || e[i] == '`') {
      EXPECT_EQ(e[i - 1], '\\') << e;
    }
  EXPECT_EQ(escape_markdown("line1\nline2"), "line1 line2");
  EXPECT_EQ(escape_markdown("see www.x.org"), "see www\u200b.x.org");

  Report r = report_with_failures(1, evil);
  const std::string md = render_markdown(r);
  EXPECT_EQ(md.find("<script>"), std::string::npos);
  EXPECT_NE(md.find("test\\_\\|pipe\\|\\`tick\\`&lt;script&gt;"), std::string::npos) << md;
}

TEST(ReportMarkdown, CardsGateAndUnknowns) {
  Report r = report_with_failures(2);
  GateSection g;
  g.run_id = 9;
  g.summary.passed = false;
  g.summary.score = 71.5;
  g.summary.threshold = 80;
  g.summary.conditions.push_back({"line_coverage", ">=", 80, std::nullopt, false});
  r.gate = g;
  const std::string md = render_markdown(r);
  EXPECT_NE(
      md.find("| 10 passed, 2 failed (12 total) | 83.33% | 3.25 s | unknown | unknown | failed (score 71.5, "
              "threshold 80) | unknown | unknown |"),
      std::string::npos)
      << md;
  EXPECT_NE(md.find("| line\\_coverage | &gt;= 80 | unknown | **failed** |"), std::string::npos) << md;
  EXPECT_NE(md.find("tests/test\\_a.py:12"), std::string::npos) << md;
  EXPECT_EQ(md.find("not shown"), std::string::npos);
}

TEST(ReportMarkdown, LongTablesAreTrimmedToFitWithACount) {
  Report r = report_with_failures(5000);
  for (size_t max : {2048u, 10000u, 65536u}) {
    const std::string md = render_markdown(r, max);
    EXPECT_LE(md.size(), max);
    const size_t at = md.find("… and ");
    ASSERT_NE(at, std::string::npos) << max;
    const size_t shown = static_cast<size_t>(std::count(md.begin(), md.end(), '\n'));
    EXPECT_GT(shown, 5u);
    // Rows shown + the count left out = every failure.
    size_t rows = 0;
    for (size_t p = md.find("| tests/test\\_a.py::test\\_x"); p != std::string::npos;
         p = md.find("| tests/test\\_a.py::test\\_x", p + 1))
      ++rows;
    const size_t left = std::stoul(md.substr(at + std::string("… and ").size()));
    EXPECT_EQ(rows + left, 5000u) << max;
  }
  // Small enough to fit whole: nothing cut.
  EXPECT_EQ(render_markdown(report_with_failures(3), 65536).find("not shown"), std::string::npos);
}

TEST(ReportMarkdown, PartialRunIsSaidSo) {
  Report r = report_with_failures(0);
  r.tests->complete = false;
  r.tests->status = "timeout";
  EXPECT_NE(render_markdown(r).find("partial (timeout)"), std::string::npos);
}

TEST(ReportMarkdown, UnmeasuredBaseSaysUnknown) {
  Report r = report_with_failures(0);
  Comparison c;
  c.base_branch = "main";
  c.base_commit = "0123456789abcdef";
  c.reason = "unknown: base commit 0123456789ab was never measured";
  r.comparison = c;
  EXPECT_NE(render_markdown(r).find("unknown: base commit 0123456789ab was never measured"),
            std::string::npos);
}

struct ColorCase {
  double rate;
  const char* color;
};

class CoverageBadgeColors : public ::testing::TestWithParam<ColorCase> {};

TEST_P(CoverageBadgeColors, ByThreshold) {
  Report r;
  CoverageSection c;
  c.line_rate = GetParam().rate;
  r.coverage = c;
  EXPECT_EQ(badge_of(BadgeMetric::kCoverage, r).color, GetParam().color) << GetParam().rate;
}

INSTANTIATE_TEST_SUITE_P(Thresholds, CoverageBadgeColors,
                         ::testing::Values(ColorCase{100, "brightgreen"}, ColorCase{90, "brightgreen"},
                                           ColorCase{89.99, "green"}, ColorCase{80, "green"},
                                           ColorCase{79.9, "yellowgreen"}, ColorCase{70, "yellowgreen"},
                                           ColorCase{65, "yellow"}, ColorCase{55, "orange"},
                                           ColorCase{49.9, "red"}, ColorCase{0, "red"}));

TEST(ReportBadge, NotMeasuredIsUnknownInGrey) {
  Report r;
  for (auto m : {BadgeMetric::kCoverage, BadgeMetric::kTests, BadgeMetric::kQuality, BadgeMetric::kSecurity,
                 BadgeMetric::kGenerated, BadgeMetric::kCost}) {
    const Badge b = badge_of(m, r);
    EXPECT_EQ(b.message, "unknown");
    EXPECT_EQ(b.color, "lightgrey");
  }
  // Coverage measured with nothing to cover is not a number either.
  r.coverage = CoverageSection{};
  EXPECT_EQ(badge_of(BadgeMetric::kCoverage, r).message, "unknown");
}

TEST(ReportBadge, SvgAndEndpoint) {
  Report r;
  CoverageSection c;
  c.line_rate = 86.4;
  r.coverage = c;
  const std::string svg = render_badge(BadgeMetric::kCoverage, r, BadgeFormat::kSvg);
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_NE(svg.find(">86.4%</text>"), std::string::npos);
  EXPECT_NE(svg.find("#97ca00"), std::string::npos);  // green
  const auto doc = nlohmann::json::parse(render_badge(BadgeMetric::kCoverage, r, BadgeFormat::kEndpoint));
  EXPECT_EQ(doc, (nlohmann::json{
                     {"schemaVersion", 1}, {"label", "coverage"}, {"message", "86.4%"}, {"color", "green"}}));
  // A longer text makes a wider badge.
  const std::string wide = badge_svg({"coverage", "86.4% of a long message", "green"});
  auto width = [](const std::string& s) { return std::stod(s.substr(s.find("width=\"") + 7)); };
  EXPECT_GT(width(wide), width(svg));
}

TEST(ReportBadge, TextIsEscapedForXml) {
  const std::string svg = badge_svg({"a<b&\"c'", "</text><script>", "red"});
  EXPECT_EQ(svg.find("<script>"), std::string::npos);
  EXPECT_NE(svg.find("a&lt;b&amp;&quot;c&apos;"), std::string::npos);
  EXPECT_NE(svg.find("&lt;/text&gt;&lt;script&gt;"), std::string::npos);
}

TEST(ReportBadge, TestsAndSecurityColours) {
  Report r = report_with_failures(2);
  EXPECT_EQ(badge_of(BadgeMetric::kTests, r).message, "2 failed, 10 passed");
  EXPECT_EQ(badge_of(BadgeMetric::kTests, r).color, "red");
  SecuritySection s;
  r.security = s;
  EXPECT_EQ(badge_of(BadgeMetric::kSecurity, r).message, "no findings");
  EXPECT_EQ(badge_of(BadgeMetric::kSecurity, r).color, "brightgreen");
  r.security->medium = 2;
  EXPECT_EQ(badge_of(BadgeMetric::kSecurity, r).message, "2 medium");
  EXPECT_EQ(badge_of(BadgeMetric::kSecurity, r).color, "orange");
}

TEST(ReportBadge, QualityGateVerdictAndScore) {
  Report r;
  GateSection g;
  g.summary.passed = true;
  g.summary.score = 89.234;
  r.gate = g;
  Badge b = badge_of(BadgeMetric::kQuality, r);
  EXPECT_EQ(b.label, "quality gate");
  EXPECT_EQ(b.message, "passed (89.23)");
  EXPECT_EQ(b.color, "brightgreen");
  r.gate->summary.passed = false;
  r.gate->summary.score = 71.5;
  b = badge_of(BadgeMetric::kQuality, r);
  EXPECT_EQ(b.message, "failed (71.5)");
  EXPECT_EQ(b.color, "red");
  // Nothing to score: the verdict alone, never "(0)".
  r.gate->summary.score.reset();
  EXPECT_EQ(badge_of(BadgeMetric::kQuality, r).message, "failed");
  r.gate->summary.skipped = true;
  b = badge_of(BadgeMetric::kQuality, r);
  EXPECT_EQ(b.message, "skipped");
  EXPECT_EQ(b.color, "lightgrey");
  const auto doc = nlohmann::json::parse(render_badge(BadgeMetric::kQuality, r, BadgeFormat::kEndpoint));
  EXPECT_EQ(doc["message"], "skipped");
}

TEST(ReportBadge, CostInDollars) {
  Report r;
  r.cost = CostSection{0.1234, 3};
  Badge b = badge_of(BadgeMetric::kCost, r);
  EXPECT_EQ(b.label, "AI cost");
  EXPECT_EQ(b.message, "$0.12");
  EXPECT_EQ(b.color, "blue");
  // A ledger with calls that cost nothing is a measured zero, not unknown.
  r.cost = CostSection{0, 2};
  b = badge_of(BadgeMetric::kCost, r);
  EXPECT_EQ(b.message, "$0");
  EXPECT_EQ(b.color, "blue");
  const std::string svg = render_badge(BadgeMetric::kCost, r, BadgeFormat::kSvg);
  EXPECT_NE(svg.find(">$0</text>"), std::string::npos) << svg;
  EXPECT_NE(svg.find("#007ec6"), std::string::npos) << svg;
}

TEST(ReportBadge, MetricAndFormatNames) {
  EXPECT_EQ(parse_badge_metric("coverage"), BadgeMetric::kCoverage);
  EXPECT_EQ(parse_badge_metric("cost"), BadgeMetric::kCost);
  EXPECT_FALSE(parse_badge_metric("speed"));
  EXPECT_EQ(parse_badge_format("endpoint"), BadgeFormat::kEndpoint);
  EXPECT_FALSE(parse_badge_format("png"));
}

}  // namespace
}  // namespace aqe::report
