// render_markdown: the report as a PR comment / GITHUB_STEP_SUMMARY. Every table row is one
// line; when the whole does not fit in max_bytes, tables keep their first rows (failures and
// the worst-covered files first) and end with "… and N more not shown".
#include <algorithm>
#include <cstdio>

#include "aqe/report/report.h"

namespace aqe::report {

namespace {

// A number with at most two decimals, without trailing zeros ("86.4", "100").
std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  std::string s(buf);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s;
}

std::string percent_or_unknown(const std::optional<double>& v) { return v ? number(*v) + "%" : "unknown"; }

std::string signed_or_unknown(const std::optional<double>& v) {
  if (!v) return "unknown";
  return (*v > 0 ? "+" : "") + number(*v) + " pp";
}

// The first line of a message, at most `max` bytes (cut at a UTF-8 boundary).
std::string first_line(const std::string& text, size_t max = 300) {
  std::string s = text.substr(0, text.find('\n'));
  if (s.size() <= max) return s;
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return s.substr(0, end) + "…";
}

struct Block {
  std::string text;               // printed before the table (headings, paragraphs)
  std::string header;             // the table's header lines (printed with the first row)
  std::vector<std::string> rows;  // one line each
  size_t shown = 0;
};

std::string more_line(size_t n) { return "\n… and " + std::to_string(n) + " more not shown\n"; }

std::string render_block(const Block& b) {
  std::string out = b.text;
  if (b.shown > 0) out += b.header;
  for (size_t i = 0; i < b.shown; ++i) out += b.rows[i];
  if (b.shown < b.rows.size()) out += more_line(b.rows.size() - b.shown);
  if (!b.rows.empty() || !b.text.empty()) out += "\n";
  return out;
}

std::string render_all(const std::vector<Block>& blocks) {
  std::string out;
  for (const auto& b : blocks) out += render_block(b);
  return out;
}

// Fills the tables in order while the document fits: a row costs its bytes (and the header's
// with the first row); the "more" line only shrinks as rows are added, so the total stays
// within the budget computed with every table empty.
std::string fit(std::vector<Block> blocks, size_t max_bytes) {
  for (auto& b : blocks) b.shown = 0;
  const std::string skeleton = render_all(blocks);
  if (skeleton.size() > max_bytes) {
    size_t end = max_bytes;
    while (end > 0 && (static_cast<unsigned char>(skeleton[end]) & 0xC0) == 0x80) --end;
    return skeleton.substr(0, end);
  }
  size_t budget = max_bytes - skeleton.size();
  for (auto& b : blocks) {
    while (b.shown < b.rows.size()) {
      size_t cost = b.rows[b.shown].size() + (b.shown == 0 ? b.header.size() : 0);
      // The last row also removes the "more" line.
      if (b.shown + 1 == b.rows.size()) {
        const size_t saved = more_line(1).size();
        cost = cost > saved ? cost - saved : 0;
      }
      if (cost > budget) break;
      budget -= cost;
      ++b.shown;
    }
  }
  return render_all(blocks);
}

std::string cell(std::string_view text) { return escape_markdown(text); }

std::string location(const std::string& file, std::optional<int64_t> line) {
  if (file.empty()) return "";
  return cell(file) + (line ? ":" + std::to_string(*line) : "");
}

std::string summary_table(const Report& r) {
  std::string tests = "unknown", pass = "unknown", duration = "unknown";
  if (r.tests) {
    const auto& t = *r.tests;
    tests = std::to_string(t.passed) + " passed, " + std::to_string(t.failed) + " failed";
    if (t.errors) tests += ", " + std::to_string(t.errors) + " errors";
    if (t.skipped) tests += ", " + std::to_string(t.skipped) + " skipped";
    if (t.flaky) tests += ", " + std::to_string(t.flaky) + " flaky";
    tests += " (" + std::to_string(t.total) + " total)";
    pass = percent_or_unknown(t.pass_rate);
    duration = number(t.duration_s) + " s";
  }
  std::string line_cov = "unknown", branch_cov = "unknown";
  if (r.coverage) {
    line_cov = percent_or_unknown(r.coverage->line_rate);
    branch_cov = percent_or_unknown(r.coverage->branch_rate);
  }
  std::string gate = "unknown";
  if (r.gate) {
    const auto& g = r.gate->summary;
    gate = g.skipped ? "skipped" : g.passed ? "passed" : "failed";
    if (g.score) gate += " (score " + number(*g.score) + ", threshold " + number(g.threshold) + ")";
  }
  std::string findings = "unknown";
  if (r.security) {
    const auto& s = *r.security;
    findings = std::to_string(s.critical) + " critical, " + std::to_string(s.high) + " high, " +
               std::to_string(s.medium) + " medium, " + std::to_string(s.low) + " low";
  }
  std::string generated = r.generate ? std::to_string(r.generate->tests_generated) : "unknown";
  std::string out =
      "| Tests | Pass rate | Duration | Line coverage | Branch coverage | Quality gate | Findings | Tests "
      "generated |";
  std::vector<std::string> values = {tests, pass, duration, line_cov, branch_cov, gate, findings, generated};
  if (r.cost) {
    out += " AI cost |";
    values.push_back("$" + number(r.cost->total_usd) + " (" + std::to_string(r.cost->calls) + " calls)");
  }
  out += "\n|";
  for (size_t i = 0; i < values.size(); ++i) out += "---|";
  out += "\n|";
  for (const auto& v : values) out += " " + v + " |";
  return out + "\n";
}

Block gate_block(const GateSection& g) {
  Block b;
  b.text = "### Quality gate\n\n";
  if (g.summary.conditions.empty()) b.text += "No conditions.\n";
  b.header = "| Metric | Condition | Actual | Result |\n|---|---|---|---|\n";
  for (const auto& c : g.summary.conditions) {
    b.rows.push_back("| " + cell(c.metric) + " | " + cell(c.op) + " " + number(c.threshold) + " | " +
                     (c.actual ? number(*c.actual) : "unknown") + " | " +
                     (c.passed ? "passed" : "**failed**") + " |\n");
  }
  return b;
}

Block failures_block(const TestsSection& t) {
  Block b;
  b.text = "### Failures\n\n";
  if (t.failures.empty()) b.text += "No failures.\n";
  b.header = "| Test | Location | Message |\n|---|---|---|\n";
  for (const auto& f : t.failures)
    b.rows.push_back("| " + cell(f.test) + " | " + location(f.file, f.line) + " | " +
                     cell(first_line(f.message)) + " |\n");
  return b;
}

Block coverage_block(const CoverageSection& c) {
  Block b;
  b.text = "### Coverage by file (worst first)\n\n";
  b.header = "| File | Lines | Line rate | Branch rate | Missing lines |\n|---|---|---|---|---|\n";
  std::vector<const FileRow*> files;
  for (const auto& f : c.files) files.push_back(&f);
  std::stable_sort(files.begin(), files.end(), [](const FileRow* x, const FileRow* y) {
    return x->line_rate.value_or(101.0) < y->line_rate.value_or(101.0);
  });
  for (const auto* f : files) {
    std::string missing = "unknown";
    if (f->missing_lines) {
      missing.clear();
      const size_t n = std::min<size_t>(f->missing_lines->size(), 12);
      for (size_t i = 0; i < n; ++i) missing += (i ? ", " : "") + std::to_string((*f->missing_lines)[i]);
      if (f->missing_lines->size() > n) missing += ", …";
    }
    b.rows.push_back("| " + cell(f->path) + " | " + std::to_string(f->lines_covered) + "/" +
                     std::to_string(f->lines_total) + " | " + percent_or_unknown(f->line_rate) + " | " +
                     percent_or_unknown(f->branch_rate) + " | " + missing + " |\n");
  }
  return b;
}

Block findings_block(const SecuritySection& s) {
  Block b;
  b.text = "### Security findings\n\n";
  if (s.findings.empty()) b.text += "No findings.\n";
  b.header = "| Severity | Rule | Location | Message |\n|---|---|---|---|\n";
  for (const auto& f : s.findings)
    b.rows.push_back("| " + cell(f.severity) + " | " + cell(f.rule_id) + " | " +
                     location(f.file, f.line > 0 ? std::optional<int64_t>(f.line) : std::nullopt) + " | " +
                     cell(first_line(f.message)) + " |\n");
  return b;
}

void comparison_blocks(const Comparison& c, std::vector<Block>& blocks) {
  Block head;
  head.text = "### Compared with " + cell(c.base_branch) + "\n\n";
  if (!c.measured) {
    head.text += cell(c.reason) + "\n";
    blocks.push_back(std::move(head));
    return;
  }
  head.text += "Base commit " + cell(c.base_commit.substr(0, 12)) + ", run " +
               std::to_string(*c.base_run_id) + ". Line coverage " + signed_or_unknown(c.line_rate_delta) +
               ", branch coverage " + signed_or_unknown(c.branch_rate_delta) + ".\n";
  blocks.push_back(std::move(head));
  auto list = [&](const std::string& title, const std::vector<std::string>& items) {
    Block b;
    b.text = "**" + title + " (" + std::to_string(items.size()) + ")**\n";
    b.header = "\n";
    for (const auto& i : items) b.rows.push_back("- " + cell(i) + "\n");
    blocks.push_back(std::move(b));
  };
  list("New failures", c.new_failures);
  list("Fixed", c.fixed);
  list("Newly flaky", c.newly_flaky);
  if (c.new_findings) {
    std::vector<std::string> items;
    for (const auto& f : *c.new_findings)
      items.push_back(f.severity + " " + f.rule_id + " " + f.file + ":" + std::to_string(f.line));
    list("New findings", items);
  }
}

}  // namespace

std::string escape_markdown(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  for (size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    switch (ch) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '\n':
      case '\r':
      case '\t':
        out += ' ';
        break;
      case '\\':
      case '`':
      case '*':
      case '_':
      case '[':
      case ']':
      case '(':
      case ')':
      case '#':
      case '!':
      case '|':
      case '~':
      case '$':
        out += '\\';
        out += ch;
        break;
      case '@':
        // A zero-width space after '@' (and in "://" and "www.") keeps GitHub from turning
        // the project's text into a mention or an autolink.
        out += "@\u200b";
        break;
      case ':':
        out += ':';
        if (text.substr(i + 1, 2) == "//") out += "\u200b";
        break;
      default:
        if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) {
          out += ' ';
        } else {
          out += ch;
          if ((ch == 'w' || ch == 'W') && i + 3 < text.size() && text.substr(i, 4) == "www.") {
            out += text.substr(i + 1, 2);
            out += "\u200b";
            i += 2;
          }
        }
    }
  }
  return out;
}

std::string render_markdown(const Report& r, size_t max_bytes) {
  std::vector<Block> blocks;
  Block top;
  top.text = "## aqe report\n\n";
  if (!r.branch.empty() || !r.commit.empty()) {
    top.text += "Branch " + (r.branch.empty() ? std::string("unknown") : cell(r.branch)) + ", commit " +
                (r.commit.empty() ? std::string("unknown") : cell(r.commit.substr(0, 12))) + ".\n\n";
  }
  if (r.tests && !r.tests->complete) {
    top.text += "**Run " + std::to_string(r.tests->run_id) + " is partial (" + r.tests->status +
                "): not every planned test ran.**\n\n";
  }
  top.text += summary_table(r);
  blocks.push_back(std::move(top));
  if (r.gate) blocks.push_back(gate_block(*r.gate));
  if (r.tests) blocks.push_back(failures_block(*r.tests));
  if (r.coverage) blocks.push_back(coverage_block(*r.coverage));
  if (r.security) blocks.push_back(findings_block(*r.security));
  if (r.comparison) comparison_blocks(*r.comparison, blocks);
  return fit(std::move(blocks), max_bytes);
}

}  // namespace aqe::report
