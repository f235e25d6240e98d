// The shared model's figures, the reader that recognises a report's format by content, and
// the general coverage.py JSON reader the fast path falls back to.
#include "aqe/coverage/coverage.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>

#include <nlohmann/json.hpp>

#include "aqe/coverage/coverage_py_json.h"
#include "aqe/coverage/formats.h"
#include "aqe/util/json.h"
#include "aqe/util/strings.h"

namespace aqe::coverage {

using nlohmann::json;

namespace {

// The general reader, for what the fast path does not take: it words the error, naming the
// field whose type is not what `coverage json` writes.
class CoveragePyJson {
 public:
  CoveragePyJson(std::string_view text, const std::string& origin, const ReadOptions& options)
      : text_(text), origin_(origin), options_(options) {}

  Result<CoverageReport> read() {
    ParsedJson parsed = parse_json(text_);
    if (parsed.error) return input_error(origin_, text_, parsed.error->offset, parsed.error->reason);
    const json& doc = parsed.value;
    const json* files = member(doc, "files");
    if (!files || !files->is_object()) {
      return make_error("INPUT_INVALID", origin_ + ": not a coverage.py JSON report (no \"files\" object)",
                        "write it with `coverage json`");
    }
    CoverageReport in;
    in.origin = origin_;
    if (const json* meta = member(doc, "meta"); meta && !meta->is_null()) {
      if (!meta->is_object()) return wrong_type("meta", "an object", *meta);
      const json* b = member(*meta, "branch_coverage");
      if (b && !b->is_null() && !b->is_boolean()) return wrong_type("meta.branch_coverage", "a boolean", *b);
      in.has_branches = b && b->is_boolean() && b->get<bool>();
    }
    for (const auto& [name, entry] : files->items()) {
      const std::string where = "files[" + dump_json(json(name)) + "]";
      if (!entry.is_object()) return wrong_type(where, "an object", entry);
      FileCoverage f;
      f.file = options_.normalize ? options_.normalize(name, options_.project_dir) : name;
      f.line_data = true;
      if (const json* sum = member(entry, "summary")) {
        if (!sum->is_object()) return wrong_type(where + ".summary", "an object", *sum);
        if (auto bad = read_counts(*sum, where + ".summary", f.lines_covered, f.lines_total,
                                   f.branches_covered, f.branches_total))
          return *bad;
      }
      const bool keep = !options_.keep_lines_for || options_.keep_lines_for->count(f.file) > 0;
      for (auto [key, lines] :
           {std::pair{"executed_lines", &f.covered_lines}, {"missing_lines", &f.missing_lines}}) {
        if (auto bad = line_list(entry, key, where + "." + key, keep ? lines : nullptr)) return *bad;
      }
      if (auto bad = arc_list(entry, where + ".missing_branches", keep ? &f.missing_branches : nullptr))
        return *bad;
      in.files.push_back(std::move(f));
    }
    if (const json* t = member(doc, "totals")) {
      if (!t->is_object()) return wrong_type("totals", "an object", *t);
      if (auto bad = read_counts(*t, "totals", in.totals.lines_covered, in.totals.lines_total,
                                 in.totals.branches_covered, in.totals.branches_total))
        return *bad;
    } else {
      in.totals = sum_of(in.files);
    }
    return in;
  }

 private:
  Error wrong_type(const std::string& field, const std::string& expected, const json& got) const {
    return make_error("INPUT_INVALID",
                      origin_ + ": " + field + ": expected " + expected + ", got " + got.type_name(),
                      "pass the report `coverage json` wrote, unchanged");
  }

  // A count: an integer that fits int64, also written as 2.0; converting 1e300 or 2.5 to int64
  // would be undefined or a silent truncation.
  std::optional<Error> count(const json& v, const std::string& field, int64_t& out) const {
    if (v.is_number_integer() && !(v.is_number_unsigned() && v.get<uint64_t>() > INT64_MAX)) {
      out = v.get<int64_t>();
      return std::nullopt;
    }
    constexpr double kInt64Bound = 9.2e18;
    if (v.is_number_float()) {
      const double d = v.get<double>();
      if (std::trunc(d) == d && std::fabs(d) < kInt64Bound) {
        out = static_cast<int64_t>(d);
        return std::nullopt;
      }
    }
    return wrong_type(field, "an integer", v);
  }

  std::optional<Error> read_counts(const json& obj, const std::string& where, int64_t& lines_covered,
                                   int64_t& lines_total, int64_t& branches_covered,
                                   int64_t& branches_total) const {
    for (auto [key, target] : {std::pair{"covered_lines", &lines_covered},
                               {"num_statements", &lines_total},
                               {"covered_branches", &branches_covered},
                               {"num_branches", &branches_total}}) {
      const json* v = member(obj, key);
      if (!v) continue;
      if (auto bad = count(*v, where + "." + key, *target)) return bad;
    }
    return std::nullopt;
  }

  // coverage.py's [from, to] arcs not taken (to < 0: the exit of the code object).
  std::optional<Error> arc_list(const json& entry, const std::string& field,
                                std::vector<std::pair<int64_t, int64_t>>* out) const {
    const json* arcs = member(entry, "missing_branches");
    if (!arcs) return std::nullopt;
    if (!arcs->is_array()) return wrong_type(field, "an array of [from, to] arcs", *arcs);
    for (size_t i = 0; i < arcs->size(); ++i) {
      const json& arc = (*arcs)[i];
      const std::string at = field + "[" + std::to_string(i) + "]";
      if (!arc.is_array() || arc.size() != 2) return wrong_type(at, "a [from, to] pair", arc);
      int64_t from = 0, to = 0;
      if (auto bad = count(arc[0], at + "[0]", from)) return bad;
      if (auto bad = count(arc[1], at + "[1]", to)) return bad;
      if (out) out->emplace_back(from, to);
    }
    return std::nullopt;
  }

  std::optional<Error> line_list(const json& entry, const char* key, const std::string& field,
                                 std::vector<int64_t>* out) const {
    const json* list = member(entry, key);
    if (!list) return std::nullopt;
    if (!list->is_array()) return wrong_type(field, "an array of line numbers", *list);
    if (out) out->reserve(list->size());
    for (size_t i = 0; i < list->size(); ++i) {
      int64_t n = 0;
      if (auto bad = count((*list)[i], field + "[" + std::to_string(i) + "]", n)) return bad;
      if (out) out->push_back(n);
    }
    if (out) std::sort(out->begin(), out->end());
    return std::nullopt;
  }

  std::string_view text_;
  const std::string& origin_;
  const ReadOptions& options_;
};

Result<CoverageReport> read_by_content(std::string_view text, const std::string& origin,
                                       const ReadOptions& options) {
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return make_error("INPUT_INVALID", origin + ": empty coverage report", "pass the report the tool wrote");
  }
  if (text[first] == '{') {
    if (auto fast = read_coverage_py_json(text, origin, options)) return std::move(*fast);
    return CoveragePyJson(text, origin, options).read();
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
