// The shared model's figures, the reader that recognises a report's format by content, and
// the general coverage.py JSON reader the fast path falls back to.
#include "aqe/coverage/coverage.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "aqe/coverage/coverage_py_json.h"
#include "aqe/coverage/formats.h"
#include "aqe/util/strings.h"

namespace aqe::coverage {

using nlohmann::json;

namespace {

std::vector<int64_t> line_list(const json& entry, const char* key) {
  std::vector<int64_t> out;
  auto it = entry.find(key);
  if (it == entry.end() || !it->is_array()) return out;
  out.reserve(it->size());
  for (const auto& n : *it)
    if (n.is_number_integer()) out.push_back(n.get<int64_t>());
  std::sort(out.begin(), out.end());
  return out;
}

int64_t count(const json& counts, const char* key) {
  auto it = counts.find(key);
  return it != counts.end() && it->is_number() ? it->get<int64_t>() : 0;
}

Result<CoverageReport> parse_coverage_py_json(std::string_view text, const std::string& origin,
                                              const ReadOptions& options) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    return input_error(origin, text, e.byte > 0 ? e.byte - 1 : 0, "malformed JSON");
  }
  if (!doc.is_object() || !doc.contains("files") || !doc["files"].is_object()) {
    return make_error("INPUT_INVALID", origin + ": not a coverage.py JSON report (no \"files\" object)",
                      "write it with `coverage json`");
  }
  CoverageReport in;
  in.origin = origin;
  in.has_branches = doc.value("meta", json::object()).value("branch_coverage", false);
  for (const auto& [name, entry] : doc["files"].items()) {
    const json sum = entry.value("summary", json::object());
    FileCoverage f{options.normalize ? options.normalize(name, options.project_dir) : name,
                   count(sum, "covered_lines"),
                   count(sum, "num_statements"),
                   count(sum, "covered_branches"),
                   count(sum, "num_branches"),
                   true,
                   {},
                   {}};
    if (!options.keep_lines_for || options.keep_lines_for->count(f.file) > 0) {
      f.covered_lines = line_list(entry, "executed_lines");
      f.missing_lines = line_list(entry, "missing_lines");
      if (auto arcs = entry.find("missing_branches"); arcs != entry.end() && arcs->is_array()) {
        for (const auto& arc : *arcs)
          if (arc.is_array() && arc.size() == 2 && arc[0].is_number_integer() && arc[1].is_number_integer())
            f.missing_branches.emplace_back(arc[0].get<int64_t>(), arc[1].get<int64_t>());
      }
    }
    in.files.push_back(std::move(f));
  }
  if (auto t = doc.find("totals"); t != doc.end() && t->is_object()) {
    in.totals = {count(*t, "covered_lines"), count(*t, "num_statements"), count(*t, "covered_branches"),
                 count(*t, "num_branches")};
  } else {
    in.totals = sum_of(in.files);
  }
  return in;
}

Result<CoverageReport> read_by_content(std::string_view text, const std::string& origin,
                                       const ReadOptions& options) {
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return make_error("INPUT_INVALID", origin + ": empty coverage report", "pass the report the tool wrote");
  }
  if (text[first] == '{') {
    if (auto fast = read_coverage_py_json(text, origin, options)) return std::move(*fast);
    return parse_coverage_py_json(text, origin, options);
  }
  if (text[first] == '<') return parse_cobertura(text, origin, options);
  if (text.find("SF:") != std::string_view::npos) return parse_lcov(text, origin, options);
  return make_error("INPUT_INVALID",
                    origin + ": not a coverage report aqe reads (coverage.py JSON, Cobertura XML or LCOV)",
                    "write one with `coverage json`, `coverage xml` or `coverage lcov`");
}

}  // namespace

double Counts::line_rate() const {
  return lines_total == 0 ? 1.0 : static_cast<double>(lines_covered) / static_cast<double>(lines_total);
}

double Counts::branch_rate() const {
  return branches_total == 0 ? 1.0
                             : static_cast<double>(branches_covered) / static_cast<double>(branches_total);
}

Counts sum_of(const std::vector<FileCoverage>& files) {
  Counts t;
  for (const auto& f : files) {
    t.lines_covered += f.lines_covered;
    t.lines_total += f.lines_total;
    t.branches_covered += f.branches_covered;
    t.branches_total += f.branches_total;
  }
  return t;
}

Error input_error(const std::string& origin, std::string_view text, size_t offset, const std::string& what) {
  auto [line, col] = line_col(text, offset);
  return make_error("INPUT_INVALID",
                    origin + ":" + std::to_string(line) + ":" + std::to_string(col) + ": " + what,
                    "pass a report written by the tool unchanged");
}

Result<CoverageReport> read_coverage(std::string_view text, const std::string& origin,
                                     const ReadOptions& options) {
  auto report = read_by_content(text, origin, options);
  if (!report) return report;
  // coverage.py writes its files sorted and the XML/LCOV readers collect them in a map:
  // checking is cheaper than sorting again.
  auto by_file = [](const FileCoverage& a, const FileCoverage& b) { return a.file < b.file; };
  auto& files = report->files;
  if (!std::is_sorted(files.begin(), files.end(), by_file))
    std::stable_sort(files.begin(), files.end(), by_file);
  return report;
}

}  // namespace aqe::coverage
