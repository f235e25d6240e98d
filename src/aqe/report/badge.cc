// Badges: the figure of one metric as a flat SVG (the shields.io "flat" look) or as shields.io
// endpoint JSON. A metric that was not measured is "unknown" in lightgrey, never "0%".
#include <array>
#include <cmath>
#include <cstdio>

#include "aqe/report/report.h"

namespace aqe::report {

namespace {

constexpr const char* kUnknown = "unknown";

std::string number(double v, int digits = 2) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  std::string s(buf);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s;
}

// shields.io's thresholds for coverage badges.
std::string coverage_color(double percent) {
  if (percent >= 90) return "brightgreen";
  if (percent >= 80) return "green";
  if (percent >= 70) return "yellowgreen";
  if (percent >= 60) return "yellow";
  if (percent >= 50) return "orange";
  return "red";
}

std::string hex_of(const std::string& color) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 9> kColors{{
      {"brightgreen", "#4c1"},
      {"green", "#97ca00"},
      {"yellowgreen", "#a4a61d"},
      {"yellow", "#dfb317"},
      {"orange", "#fe7d37"},
      {"red", "#e05d44"},
      {"blue", "#007ec6"},
      {"lightgrey", "#9f9f9f"},
      {"grey", "#555"},
  }};
  for (const auto& [name, hex] : kColors)
    if (name == color) return std::string(hex);
  return "#9f9f9f";
}

// Approximate advance widths of Verdana at 11 px (the font shields.io measures with), so a
// badge is as wide as its text; UTF-8 continuation bytes add nothing.
double text_width(std::string_view text) {
  double w = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) == 0x80) continue;
    if (c >= 0x80) {
      w += 7.5;
    } else if (c == ' ' || c == '.' || c == ',' || c == ':' || c == ';' || c == '\'' || c == '|' ||
               c == '!' || c == 'i' || c == 'l' || c == 'j') {
      w += 3.9;
    } else if (c == 'f' || c == 't' || c == 'r' || c == '(' || c == ')' || c == '-' || c == 'I') {
      w += 4.6;
    } else if (c == 'm' || c == 'w' || c == '%' || c == 'M' || c == 'W') {
      w += 10.5;
    } else if (c >= 'A' && c <= 'Z') {
      w += 7.6;
    } else if (c >= '0' && c <= '9') {
      w += 7.0;
    } else {
      w += 6.6;
    }
  }
  return w;
}

std::string xml_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // XML 1.0 has no control characters but tab, newline and CR.
        out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
    }
  }
  return out;
}

Badge unknown(std::string label) { return {std::move(label), kUnknown, "lightgrey"}; }

Badge tests_badge(const Report& r) {
  if (!r.tests) return unknown("tests");
  const auto& t = *r.tests;
  std::string msg;
  if (t.failed > 0) msg += std::to_string(t.failed) + " failed, ";
  if (t.errors > 0) msg += std::to_string(t.errors) + " errors, ";
  msg += std::to_string(t.passed) + " passed";
  if (!t.complete) msg += " (" + t.status + ")";
  const bool bad = t.failed > 0 || t.errors > 0;
  return {"tests", msg, bad ? "red" : t.complete ? "brightgreen" : "yellow"};
}

Badge security_badge(const Report& r) {
  if (!r.security) return unknown("security");
  const auto& s = *r.security;
  std::string msg;
  auto add = [&](int64_t n, const char* what) {
    if (n > 0) msg += (msg.empty() ? "" : ", ") + std::to_string(n) + " " + what;
  };
  add(s.critical, "critical");
  add(s.high, "high");
  add(s.medium, "medium");
  add(s.low, "low");
  if (msg.empty()) return {"security", "no findings", "brightgreen"};
  const char* color = s.critical + s.high > 0 ? "red" : s.medium > 0 ? "orange" : "yellow";
  return {"security", msg, color};
}

Badge quality_badge(const Report& r) {
  if (!r.gate) return unknown("quality gate");
  const auto& g = r.gate->summary;
  if (g.skipped) return {"quality gate", "skipped", "lightgrey"};
  std::string msg = g.passed ? "passed" : "failed";
  if (g.score) msg += " (" + number(*g.score) + ")";
  return {"quality gate", msg, g.passed ? "brightgreen" : "red"};
}

}  // namespace

std::optional<BadgeMetric> parse_badge_metric(std::string_view name) {
  if (name == "coverage") return BadgeMetric::kCoverage;
  if (name == "tests") return BadgeMetric::kTests;
  if (name == "quality") return BadgeMetric::kQuality;
  if (name == "security") return BadgeMetric::kSecurity;
  if (name == "generated") return BadgeMetric::kGenerated;
  if (name == "cost") return BadgeMetric::kCost;
  return std::nullopt;
}

std::optional<BadgeFormat> parse_badge_format(std::string_view name) {
  if (name == "svg") return BadgeFormat::kSvg;
  if (name == "endpoint") return BadgeFormat::kEndpoint;
  return std::nullopt;
}

Badge badge_of(BadgeMetric metric, const Report& r) {
  switch (metric) {
    case BadgeMetric::kCoverage:
      if (!r.coverage || !r.coverage->line_rate) return unknown("coverage");
      return {"coverage", number(*r.coverage->line_rate) + "%", coverage_color(*r.coverage->line_rate)};
    case BadgeMetric::kTests:
      return tests_badge(r);
    case BadgeMetric::kQuality:
      return quality_badge(r);
    case BadgeMetric::kSecurity:
      return security_badge(r);
    case BadgeMetric::kGenerated:
      if (!r.generate) return unknown("tests generated");
      return {"tests generated", std::to_string(r.generate->tests_generated), "blue"};
    case BadgeMetric::kCost:
      if (!r.cost) return unknown("AI cost");
      return {"AI cost", "$" + number(r.cost->total_usd), "blue"};
  }
  return unknown("aqe");
}

std::string badge_svg(const Badge& b) {
  const double lw = std::round(text_width(b.label) + 10);
  const double mw = std::round(text_width(b.message) + 10);
  const double w = lw + mw;
  const std::string label = xml_escape(b.label), message = xml_escape(b.message);
  const std::string color = hex_of(b.color);
  auto n = [](double v) { return number(v, 1); };
  auto text = [&](const std::string& t, double x, double width) {
    const std::string tl = n(width * 10);
    return "<text aria-hidden=\"true\" x=\"" + n(x * 10) +
           "\" y=\"150\" fill=\"#010101\" fill-opacity=\".3\" " + "transform=\"scale(.1)\" textLength=\"" +
           tl + "\">" + t + "</text><text x=\"" + n(x * 10) +
           "\" y=\"140\" transform=\"scale(.1)\" fill=\"#fff\" textLength=\"" + tl + "\">" + t + "</text>";
  };
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + n(w) + "\" height=\"20\" role=\"img\" " +
         "aria-label=\"" + label + ": " + message + "\"><title>" + label + ": " + message +
         "</title><linearGradient id=\"s\" x2=\"0\" y2=\"100%\"><stop offset=\"0\" stop-color=\"#bbb\" "
         "stop-opacity=\".1\"/><stop offset=\"1\" stop-opacity=\".1\"/></linearGradient><clipPath id=\"r\">"
         "<rect width=\"" +
         n(w) +
         "\" height=\"20\" rx=\"3\" fill=\"#fff\"/></clipPath><g clip-path=\"url(#r)\"><rect width=\"" +
         n(lw) + "\" height=\"20\" fill=\"#555\"/><rect x=\"" + n(lw) + "\" width=\"" + n(mw) +
         "\" height=\"20\" fill=\"" + color + "\"/><rect width=\"" + n(w) +
         "\" height=\"20\" fill=\"url(#s)\"/></g><g fill=\"#fff\" text-anchor=\"middle\" "
         "font-family=\"Verdana,Geneva,DejaVu Sans,sans-serif\" text-rendering=\"geometricPrecision\" "
         "font-size=\"110\">" +
         text(label, lw / 2, lw - 10) + text(message, lw + mw / 2, mw - 10) + "</g></svg>\n";
}

std::string render_badge(BadgeMetric metric, const Report& r, BadgeFormat format) {
  const Badge b = badge_of(metric, r);
  if (format == BadgeFormat::kEndpoint) {
    return nlohmann::json{
               {"schemaVersion", 1}, {"label", b.label}, {"message", b.message}, {"color", b.color}}
               .dump(2) +
           "\n";
  }
  return badge_svg(b);
}

}  // namespace aqe::report
