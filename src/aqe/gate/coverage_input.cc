// Coverage reports from other tools: coverage.py JSON, Cobertura XML, LCOV.
#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <map>
#include <set>

#include <pugixml.hpp>

#include "aqe/gate/coverage_py_json.h"
#include "aqe/gate/gate.h"
#include "aqe/util/path.h"
#include "aqe/util/strings.h"

namespace aqe::gate {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

Error input_error(const std::string& origin, std::string_view text, size_t offset, const std::string& what) {
  auto [line, col] = line_col(text, offset);
  return make_error("INPUT_INVALID",
                    origin + ":" + std::to_string(line) + ":" + std::to_string(col) + ": " + what,
                    "pass a report written by the tool unchanged");
}

// Per-line hits and per-line branch counts of one file, merged over duplicate records
// (LCOV files and Cobertura classes may mention a file more than once).
struct LineTable {
  std::map<int64_t, int64_t> hits;
  std::map<int64_t, std::pair<int64_t, int64_t>> branches;  // line -> (covered, total)
};

std::vector<FileCoverage> files_of(const std::map<std::string, LineTable>& tables) {
  std::vector<FileCoverage> out;
  out.reserve(tables.size());
  for (const auto& [file, t] : tables) {
    FileCoverage f{file, 0, 0, 0, 0, true, {}, {}};
    f.lines_total = static_cast<int64_t>(t.hits.size());
    for (const auto& [line, h] : t.hits) (h > 0 ? f.covered_lines : f.missing_lines).push_back(line);
    f.lines_covered = static_cast<int64_t>(f.covered_lines.size());
    for (const auto& [line, b] : t.branches) {
      f.branches_covered += b.first;
      f.branches_total += b.second;
    }
    out.push_back(std::move(f));
  }
  return out;
}

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

Result<CoverageInput> parse_coverage_py_json(std::string_view text, const std::string& origin,
                                             const fs::path& project_dir) {
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
  CoverageInput in;
  in.origin = origin;
  in.has_branches = doc.value("meta", json::object()).value("branch_coverage", false);
  for (const auto& [name, entry] : doc["files"].items()) {
    const json sum = entry.value("summary", json::object());
    auto num = [&](const char* k) -> int64_t {
      auto it = sum.find(k);
      return it != sum.end() && it->is_number() ? it->get<int64_t>() : 0;
    };
    in.files.push_back({project_path(name, project_dir), num("covered_lines"), num("num_statements"),
                        num("covered_branches"), num("num_branches"), true,
                        line_list(entry, "executed_lines"), line_list(entry, "missing_lines")});
  }
  return in;
}

// "50% (1/2)" -> (1, 2)
std::optional<std::pair<int64_t, int64_t>> condition_counts(std::string_view s) {
  size_t open = s.find('(');
  size_t slash = s.find('/', open == std::string_view::npos ? 0 : open);
  size_t close = s.find(')', slash == std::string_view::npos ? 0 : slash);
  if (open == std::string_view::npos || slash == std::string_view::npos || close == std::string_view::npos)
    return std::nullopt;
  std::string a(s.substr(open + 1, slash - open - 1)), b(s.substr(slash + 1, close - slash - 1));
  char* end = nullptr;
  int64_t covered = std::strtoll(a.c_str(), &end, 10);
  if (a.empty() || *end != '\0') return std::nullopt;
  int64_t total = std::strtoll(b.c_str(), &end, 10);
  if (b.empty() || *end != '\0') return std::nullopt;
  return std::make_pair(covered, total);
}

Result<CoverageInput> parse_cobertura(const pugi::xml_document& doc, const std::string& origin,
                                      const fs::path& project_dir) {
  pugi::xml_node root = doc.child("coverage");
  if (!root) {
    return make_error("INPUT_INVALID",
                      origin + ": XML root is <" + std::string(doc.document_element().name()) +
                          ">, not Cobertura's <coverage>",
                      "write it with `coverage xml` (or another Cobertura producer)");
  }
  // Cobertura filenames are relative to one of <sources>; the first existing one wins.
  std::vector<fs::path> sources;
  for (auto s : root.child("sources").children("source")) sources.emplace_back(trim(s.text().get()));
  auto resolve = [&](const std::string& filename) {
    fs::path f(filename);
    if (f.is_absolute()) return project_path(filename, project_dir);
    std::error_code ec;
    for (const auto& src : sources) {
      fs::path on_disk = src.is_absolute() ? src / f : project_dir / src / f;
      if (fs::exists(on_disk, ec)) return project_path((src / f).string(), project_dir);
    }
    if (!sources.empty()) return project_path((sources.front() / f).string(), project_dir);
    return project_path(filename, project_dir);
  };
  CoverageInput in;
  in.origin = origin;
  std::map<std::string, LineTable> tables;
  for (auto cls : root.select_nodes("//class")) {
    std::string file = resolve(cls.node().attribute("filename").as_string());
    LineTable& t = tables[file];
    for (auto line : cls.node().child("lines").children("line")) {
      int64_t n = static_cast<int64_t>(line.attribute("number").as_llong());
      int64_t& h = t.hits[n];
      h = std::max<int64_t>(h, line.attribute("hits").as_llong());
      if (!line.attribute("branch").as_bool()) continue;
      auto counts = condition_counts(line.attribute("condition-coverage").as_string());
      if (!counts) continue;
      in.has_branches = true;
      auto& b = t.branches[n];
      b = {std::max(b.first, counts->first), std::max(b.second, counts->second)};
    }
  }
  // A report with branch totals but no branchy line still measured branches.
  if (root.attribute("branches-valid")) in.has_branches = true;
  in.files = files_of(tables);
  return in;
}

std::optional<int64_t> to_int64(std::string_view s) {
  s = trim(s);
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

Error lcov_error(const std::string& origin, int line_no, const std::string& what) {
  return make_error("INPUT_INVALID", origin + ":" + std::to_string(line_no) + ":1: LCOV: " + what,
                    "pass the tracefile as written by lcov/geninfo/coverage lcov");
}

// The first `n` comma-separated fields of `s` (fewer when `s` has fewer).
size_t fields_of(std::string_view s, std::string_view* out, size_t n) {
  size_t count = 0;
  while (count < n) {
    size_t comma = s.find(',');
    out[count++] = s.substr(0, comma);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return count;
}

// One DA/BRDA line into the current file's table.
Status add_lcov_record(std::string_view line, bool da, LineTable& t, const std::string& origin, int line_no) {
  std::string_view f[4];
  size_t want = da ? 2 : 4;
  if (fields_of(line.substr(da ? 3 : 5), f, want) < want) {
    return lcov_error(origin, line_no, "too few fields in '" + std::string(line) + "'");
  }
  auto n = to_int64(f[0]);
  if (!n) return lcov_error(origin, line_no, "expected a line number, got '" + std::string(f[0]) + "'");
  if (da) {
    auto hits = to_int64(f[1]);
    if (!hits) return lcov_error(origin, line_no, "expected a hit count, got '" + std::string(f[1]) + "'");
    int64_t& h = t.hits[*n];
    h = std::max(h, *hits);
    return ok_status();
  }
  int64_t taken = 0;
  if (trim(f[3]) != "-") {
    auto v = to_int64(f[3]);
    if (!v)
      return lcov_error(origin, line_no, "expected a taken count or '-', got '" + std::string(f[3]) + "'");
    taken = *v;
  }
  auto& b = t.branches[*n];
  b.second += 1;
  b.first += taken > 0 ? 1 : 0;
  return ok_status();
}

Result<CoverageInput> parse_lcov(std::string_view text, const std::string& origin,
                                 const fs::path& project_dir) {
  CoverageInput in;
  in.origin = origin;
  std::map<std::string, LineTable> tables;
  LineTable* cur = nullptr;
  int line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++line_no;
    if (starts_with(line, "SF:")) {
      cur = &tables[project_path(line.substr(3), project_dir)];
      continue;
    }
    if (line == "end_of_record") {
      cur = nullptr;
      continue;
    }
    const bool da = starts_with(line, "DA:"), brda = starts_with(line, "BRDA:");
    if (!da && !brda) continue;  // TN, FN, LF/LH summaries...: recomputed from DA/BRDA
    if (!cur) return lcov_error(origin, line_no, "record before SF:");
    if (brda) in.has_branches = true;
    if (auto st = add_lcov_record(line, da, *cur, origin, line_no); !st) return st.error();
  }
  in.files = files_of(tables);
  return in;
}

}  // namespace

Result<CoverageInput> parse_coverage(std::string_view text, const std::string& origin,
                                     const fs::path& project_dir, const DiffInput* lines_for) {
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return make_error("INPUT_INVALID", origin + ": empty coverage report", "pass the report the tool wrote");
  }
  if (text[first] == '{') {
    if (auto fast = read_coverage_py_json(text, origin, project_dir, lines_for)) return std::move(*fast);
    return parse_coverage_py_json(text, origin, project_dir);
  }
  if (text[first] == '<') {
    pugi::xml_document doc;
    std::string buf(text);
    pugi::xml_parse_result r = doc.load_buffer(buf.data(), buf.size());
    if (!r) return input_error(origin, text, static_cast<size_t>(r.offset), r.description());
    return parse_cobertura(doc, origin, project_dir);
  }
  if (text.find("SF:") != std::string_view::npos) return parse_lcov(text, origin, project_dir);
  return make_error("INPUT_INVALID",
                    origin + ": not a coverage report aqe reads (coverage.py JSON, Cobertura XML or LCOV)",
                    "write one with `coverage json`, `coverage xml` or `coverage lcov`");
}

}  // namespace aqe::gate
